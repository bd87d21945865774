"""The web app: resident-facing pages and, later, the staff pages."""
