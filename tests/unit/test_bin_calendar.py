"""The collection calendar against `collections.json`, worked out by hand."""
import json
from dataclasses import replace
from datetime import date, timedelta

import pytest

from bot.council_data import calendar, gazetteer
from bot.settings import council_dir


@pytest.fixture(scope="module")
def cal():
    return calendar()


def an_address(day: str, week: str = "A", garden: bool = True):
    """A real gazetteer address, with its collection day and week set for the case."""
    base = gazetteer().addresses_at("BK1 9RZ")[0]
    return replace(base, collection_day=day, refuse_week=week, garden_waste_subscriber=garden)


def next_dates(cal, address, today):
    return {c.stream.key: c.date for c in cal.next_collections(address, today)}


def test_week_letters(cal):
    assert cal.week_letter(date(2026, 1, 5)) == "A"
    assert cal.week_letter(date(2026, 1, 11)) == "A"
    assert cal.week_letter(date(2026, 1, 12)) == "B"
    assert cal.week_letter(date(2026, 11, 23)) == "A"   # 46 weeks after 5 January
    assert cal.week_letter(date(2025, 12, 29)) == "B"   # the week before week A


def test_ordinary_week(cal):
    # Monday 23 November 2026 is week A. A Wednesday, week A, garden subscriber:
    got = next_dates(cal, an_address("Wednesday", "A"), date(2026, 11, 23))
    assert got["general"] == got["recycling"] == got["food"] == date(2026, 11, 25)
    # Garden waste is the other week (B: 30 Nov-4 Dec) but the season ends on 30 November,
    # so the next garden collection is the first B-week Wednesday from 1 March 2027.
    assert got["garden"] == date(2027, 3, 10)
    assert cal.week_letter(date(2027, 3, 10)) == "B"


def test_week_b_refuse_and_garden_in_season(cal):
    got = next_dates(cal, an_address("Monday", "B"), date(2026, 11, 17))
    assert got["general"] == date(2026, 11, 30)       # week B
    assert got["garden"] == date(2026, 11, 23)        # week A, still in season
    assert got["recycling"] == date(2026, 11, 23)


def test_collection_today_is_today(cal):
    got = next_dates(cal, an_address("Monday", "A"), date(2026, 11, 23))
    assert got["general"] == date(2026, 11, 23)


def test_no_garden_without_subscription(cal):
    got = next_dates(cal, an_address("Monday", "A", garden=False), date(2026, 6, 1))
    assert "garden" not in got


def test_bank_holiday_monday_moves_the_rest_of_the_week(cal):
    # Early May bank holiday, Monday 4 May 2026.
    assert next_dates(cal, an_address("Monday"), date(2026, 5, 2))["recycling"] == date(2026, 5, 5)
    assert next_dates(cal, an_address("Wednesday"), date(2026, 5, 2))["recycling"] == date(2026, 5, 7)
    assert next_dates(cal, an_address("Friday"), date(2026, 5, 2))["recycling"] == date(2026, 5, 9)


def test_bank_holiday_friday_moves_only_friday(cal):
    # Good Friday, 3 April 2026: Monday to Thursday are before it and do not move.
    assert next_dates(cal, an_address("Thursday"), date(2026, 3, 30))["recycling"] == date(2026, 4, 2)
    assert next_dates(cal, an_address("Monday"), date(2026, 3, 30))["recycling"] == date(2026, 3, 30)
    moved = [c for c in cal.next_collections(an_address("Friday"), date(2026, 3, 30))
             if c.stream.key == "recycling"][0]
    assert moved.date == date(2026, 4, 4) and moved.usual_date == date(2026, 4, 3) and moved.moved


def test_week_after_a_bank_holiday_is_back_to_normal(cal):
    assert next_dates(cal, an_address("Tuesday"), date(2026, 5, 11))["recycling"] == date(2026, 5, 12)


def test_usual_date_before_today_that_moves_to_today_or_later(cal):
    # Thursday 31 December 2026 moves to Saturday 2 January 2027.
    got = next_dates(cal, an_address("Thursday"), date(2027, 1, 1))
    assert got["recycling"] == date(2027, 1, 2)


def _festive_moves():
    with open(council_dir() / "collections.json", encoding="utf-8") as handle:
        moves = json.load(handle)["festive_overrides"]["moves"]
    return [(date.fromisoformat(k), date.fromisoformat(v)) for k, v in moves.items()]


@pytest.mark.parametrize("usual,moved", _festive_moves())
def test_every_festive_move(cal, usual, moved):
    address = an_address(usual.strftime("%A"))
    found = cal.collections(cal.stream("recycling"), address, usual - timedelta(days=3), usual + timedelta(days=10))
    assert (usual, moved) in [(c.usual_date, c.date) for c in found]
    # Nothing is collected on the usual date itself.
    assert usual not in [c.date for c in found]


def test_festive_override_beats_bank_holiday_rule(cal):
    # 28 Dec 2027 is a bank holiday, but the festive table moves a Tuesday to Thursday 30th, not Wednesday.
    assert cal.actual_date(date(2027, 12, 28)) == date(2027, 12, 30)
    # A Monday before Christmas 2026 does not move (the holiday is on Friday).
    assert cal.actual_date(date(2026, 12, 21)) == date(2026, 12, 21)
