from datetime import date

from bot import dates


def test_in_words_adds_year_only_when_not_this_year():
    assert dates.in_words(date(2026, 12, 29), date(2026, 11, 23)) == "Tuesday 29 December"
    assert dates.in_words(date(2027, 1, 2), date(2026, 12, 30)) == "Saturday 2 January 2027"


def test_relative():
    today = date(2026, 11, 23)
    assert dates.relative(today, today) == "today (Monday 23 November)"
    assert dates.relative(date(2026, 11, 24), today) == "tomorrow (Tuesday 24 November)"
    assert dates.relative(date(2026, 11, 27), today) == "Friday 27 November"
