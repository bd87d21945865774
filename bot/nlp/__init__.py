"""The project's own spaCy pipeline (no pretrained English model can be downloaded)."""
