"""One home for the council's reference data, loaded once per process."""
from __future__ import annotations

from functools import lru_cache

from bot.bin_calendar import CollectionCalendar
from bot.gazetteer import Gazetteer
from bot.settings import council_dir


@lru_cache(maxsize=None)
def gazetteer() -> Gazetteer:
    return Gazetteer.from_dir(council_dir())


@lru_cache(maxsize=None)
def calendar() -> CollectionCalendar:
    return CollectionCalendar.from_file(council_dir() / "collections.json")
