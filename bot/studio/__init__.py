"""The content studio: editors change answers and phrasings, and publish safely."""
