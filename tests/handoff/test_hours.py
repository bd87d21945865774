"""Contact-centre opening hours, bank holidays included."""
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.handoff.hours import clock_time, contact_centre, next_opening_in_words, open_now

LONDON = ZoneInfo("Europe/London")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=LONDON)


@pytest.mark.parametrize("moment, expected", [
    ("2026-12-24 09:00", True),     # Thursday, opening time
    ("2026-12-24 16:59", True),
    ("2026-12-24 17:00", False),    # closing time
    ("2026-12-24 08:59", False),
    ("2026-12-25 10:00", False),    # Christmas Day, a bank holiday on a Friday
    ("2026-12-26 10:00", False),    # Saturday
    ("2026-12-28 10:00", False),    # Boxing Day's substitute bank holiday
    ("2026-12-29 10:00", True),
])
def test_open_in_hours_and_closed_on_bank_holidays(moment, expected):
    assert contact_centre().is_open(at(moment)) is expected


def test_next_opening_skips_the_weekend_and_bank_holidays():
    assert contact_centre().next_opening(at("2026-12-24 18:00")) == at("2026-12-29 09:00")
    assert contact_centre().next_opening(at("2026-12-24 07:00")) == at("2026-12-24 09:00")


def test_in_words_with_bot_today_and_time(monkeypatch):
    monkeypatch.setenv("BOT_TODAY", "2026-11-26")
    monkeypatch.setenv("BOT_TIME", "19:00")
    assert not open_now()
    assert next_opening_in_words() == "tomorrow (Friday 27 November) at 9am"
    monkeypatch.setenv("BOT_TIME", "11:00")
    assert open_now()


def test_clock_time_in_gov_uk_style():
    assert clock_time(at("2026-01-01 09:00").time()) == "9am"
    assert clock_time(at("2026-01-01 12:30").time()) == "12:30pm"
    assert clock_time(at("2026-01-01 17:00").time()) == "5pm"
