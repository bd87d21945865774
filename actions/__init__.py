"""The action server: one module per capability. Logic lives in `bot/`."""
