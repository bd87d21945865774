"""Dates in words, the way GOV.UK writes them: "Tuesday 29 December"."""
from __future__ import annotations

from datetime import date


def in_words(day: date, today: date) -> str:
    """`Tuesday 29 December`, with the year only when it is not this year."""
    text = f"{day:%A} {day.day} {day:%B}"
    return text if day.year == today.year else f"{text} {day.year}"


def relative(day: date, today: date) -> str:
    """`today (Monday 23 November)`, `tomorrow (…)` or just the date in words."""
    words = in_words(day, today)
    delta = (day - today).days
    if delta == 0:
        return f"today ({words})"
    if delta == 1:
        return f"tomorrow ({words})"
    return words
