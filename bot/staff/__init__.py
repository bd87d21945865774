"""Staff accounts, their sign-in sessions, and the protection of staff pages."""
