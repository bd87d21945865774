"""Brackenford council assistant: council logic, connectors and web app."""
