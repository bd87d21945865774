"""The household waste collection calendar, applied exactly as `collections.json` says.

- Week A starts on `week_a_starts`; weeks then alternate A, B, A, B.
- General waste is collected in the property's refuse week, garden waste in the
  other week (subscribers only, in season); recycling and food every week.
- A festive move replaces the usual date with the one listed.
- Otherwise, in a week with a bank holiday (Monday to Friday), a collection due
  on or after that holiday moves one day later.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Dict, List, Optional, Set

from bot.gazetteer import Address

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
# How far ahead to look: garden waste resumes in March, so cover a winter.
HORIZON_DAYS = 150
# A usual date up to this many days ago can still be moved on to today or later.
LOOKBACK_DAYS = 7


@dataclass(frozen=True)
class Stream:
    key: str
    name: str
    fortnightly: bool
    other_week: bool = False          # garden waste: the week that is not the refuse week
    season: Optional[tuple] = None    # ((month, day), (month, day)), inclusive
    subscribers_only: bool = False


@dataclass(frozen=True)
class Collection:
    stream: Stream
    date: date
    usual_date: date

    @property
    def moved(self) -> bool:
        return self.date != self.usual_date


def _month_day(text: str) -> tuple:
    month, day = text.split("-")
    return int(month), int(day)


class CollectionCalendar:
    def __init__(self, week_a_starts: date, streams: List[Stream], bank_holidays: Set[date],
                 festive_moves: Dict[date, date]):
        if week_a_starts.weekday() != 0:
            raise ValueError("week_a_starts must be a Monday")
        self.week_a_starts = week_a_starts
        self.streams = streams
        self.bank_holidays = bank_holidays
        self.festive_moves = festive_moves

    @classmethod
    def from_file(cls, path: Path) -> "CollectionCalendar":
        with open(path, encoding="utf-8") as handle:
            raw = json.load(handle)
        streams = []
        for key, spec in raw["streams"].items():
            weeks = str(spec.get("weeks", ""))
            season = spec.get("season")
            streams.append(Stream(
                key=key,
                name=spec["name"],
                fortnightly=spec.get("frequency") == "fortnightly",
                other_week=weeks.startswith("the other week"),
                season=(_month_day(season["from"]), _month_day(season["to"])) if season else None,
                subscribers_only="garden_waste_subscriber" in str(spec.get("only_if", "")),
            ))
        moves = raw.get("festive_overrides", {}).get("moves", {})
        return cls(
            week_a_starts=date.fromisoformat(raw["week_a_starts"]),
            streams=streams,
            bank_holidays={date.fromisoformat(d) for d in raw.get("bank_holidays", [])},
            festive_moves={date.fromisoformat(k): date.fromisoformat(v) for k, v in moves.items()},
        )

    # Rules -------------------------------------------------------------------

    def week_letter(self, day: date) -> str:
        weeks = (day - timedelta(days=day.weekday()) - self.week_a_starts).days // 7
        return "A" if weeks % 2 == 0 else "B"

    def stream(self, key: str) -> Stream:
        for stream in self.streams:
            if stream.key == key:
                return stream
        raise KeyError(key)

    def streams_for(self, address: Address) -> List[Stream]:
        """The streams this property has (garden only for subscribers)."""
        return [s for s in self.streams if not s.subscribers_only or address.garden_waste_subscriber]

    @staticmethod
    def in_season(stream: Stream, day: date) -> bool:
        if not stream.season:
            return True
        start, end = stream.season
        return start <= (day.month, day.day) <= end

    def is_usual_date(self, stream: Stream, address: Address, day: date) -> bool:
        """Whether the stream is normally collected from this property on this day."""
        if WEEKDAYS[day.weekday()] != address.collection_day.strip().lower():
            return False
        if stream.fortnightly:
            week = self.week_letter(day)
            wanted = address.refuse_week
            if stream.other_week:
                wanted = "B" if wanted == "A" else "A"
            if week != wanted:
                return False
        return self.in_season(stream, day)

    def actual_date(self, usual: date) -> date:
        """Where a usual collection date really falls, after festive and bank-holiday moves."""
        if usual in self.festive_moves:
            return self.festive_moves[usual]
        monday = usual - timedelta(days=usual.weekday())
        for offset in range(usual.weekday() + 1):
            day = monday + timedelta(days=offset)
            if day in self.bank_holidays and day.weekday() < 5:
                return usual + timedelta(days=1)
        return usual

    # Questions residents ask ----------------------------------------------------

    def collections(self, stream: Stream, address: Address, start: date, end: date) -> List[Collection]:
        """Every collection of a stream whose actual date falls between start and end."""
        found = []
        day = start - timedelta(days=LOOKBACK_DAYS)
        while day <= end:
            if self.is_usual_date(stream, address, day):
                actual = self.actual_date(day)
                if start <= actual <= end:
                    found.append(Collection(stream, actual, day))
            day += timedelta(days=1)
        return sorted(found, key=lambda c: c.date)

    def next_collection(self, stream: Stream, address: Address, today: date) -> Optional[Collection]:
        upcoming = self.collections(stream, address, today, today + timedelta(days=HORIZON_DAYS))
        return upcoming[0] if upcoming else None

    def next_collections(self, address: Address, today: date) -> List[Collection]:
        """The next collection of every stream the property has, soonest first."""
        found = [self.next_collection(s, address, today) for s in self.streams_for(address)]
        return sorted((c for c in found if c), key=lambda c: (c.date, self.streams.index(c.stream)))
