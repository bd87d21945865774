"""Insights: what the assistant resolved, what it saved, and where residents still fail."""
