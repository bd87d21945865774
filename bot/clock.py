"""Today's date and time for the council, with `BOT_TODAY` for tests and demos."""
from __future__ import annotations

import os
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from bot.settings import council


def _zone() -> ZoneInfo:
    return ZoneInfo(council().timezone)


def today() -> date:
    """The council's today: `BOT_TODAY=YYYY-MM-DD` if set, else the real date."""
    fixed = os.environ.get("BOT_TODAY", "").strip()
    if fixed:
        try:
            return date.fromisoformat(fixed)
        except ValueError as error:
            raise ValueError(f"BOT_TODAY must be a date like 2026-12-24, not {fixed!r}") from error
    return datetime.now(_zone()).date()


def now() -> datetime:
    """The council's local time now, on `today()` (so `BOT_TODAY` moves it too).

    `BOT_TIME=HH:MM` fixes the time of day as well, for tests of opening hours.
    """
    fixed_time = os.environ.get("BOT_TIME", "").strip()
    clock = time.fromisoformat(fixed_time) if fixed_time else datetime.now(_zone()).time()
    return datetime.combine(today(), clock, tzinfo=_zone())
