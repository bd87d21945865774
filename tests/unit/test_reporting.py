from dataclasses import replace
from datetime import datetime

import pytest

from bot import catalogue, reporting
from bot.council_data import calendar, gazetteer


@pytest.mark.parametrize("text,expected", [
    ("large", "large"), ("Large", "large"), ("LARGE!", "large"),
    ("yes", "yes"), ("yep", "yes"), ("nope", "no"),
])
def test_match_choice_keys_names_and_yes_no(text, expected):
    code = "size" if expected in ("large",) else "hazard"
    assert reporting.match_choice(catalogue.attribute("pothole", code), text) == expected


def test_match_choice_by_words_of_the_name():
    bin_type = catalogue.attribute("missed_bin", "bin_type")
    assert reporting.match_choice(bin_type, "the black bin") is None  # "the" is not a word of any name
    assert reporting.match_choice(bin_type, "black bin") == "general"
    assert reporting.match_choice(bin_type, "blue") == "recycling"
    assert reporting.match_choice(bin_type, "caddy") == "food"
    assert reporting.match_choice(bin_type, "bin") is None          # several match: ask again
    assert reporting.match_choice(bin_type, "") is None


@pytest.mark.parametrize("text,email,phone", [
    ("Jo.Bloggs@Example.com", "jo.bloggs@example.com", None),
    ("07700 900123", None, "07700900123"),
    ("+44 7700 900123", None, "07700900123"),
    ("(01632) 960-000", None, "01632960000"),
])
def test_parse_contact(text, email, phone):
    contact = reporting.parse_contact(text)
    assert (contact.email, contact.phone) == (email, phone)


@pytest.mark.parametrize("text", ["anonymous", "Stay anonymous", "no thanks"])
def test_anonymous(text):
    assert reporting.parse_contact(text).anonymous


@pytest.mark.parametrize("text", ["jo@", "12345", "call me maybe", "0770090012345", "<b>x</b>@example"])
def test_bad_contact(text):
    assert reporting.parse_contact(text) is None


def test_name_beside_contact():
    assert reporting.name_beside_contact("jo@example.com Jo Bloggs", "jo@example.com") == "Jo Bloggs"
    assert reporting.name_beside_contact("my email is jo@example.com", "jo@example.com") is None
    assert reporting.name_beside_contact("07700 900123 - sam", "07700 900123") == "Sam"
    assert reporting.name_beside_contact("call me on 07700 900123 after 5pm", "07700 900123") is None


def test_locate_house_number_and_street_middle():
    gaz = gazetteer()
    street = gaz.find_street("Station Road")
    at_14 = next(a for a in gaz.addresses_on(street.usrn) if a.line == "14 Station Road")
    located = reporting.locate(gaz, street, "outside 14")
    assert (located.lat, located.lon) == (round(at_14.lat, 6), round(at_14.lon, 6))
    assert located.address_string == "outside 14, Station Road, Brackenford"
    middle = reporting.locate(gaz, street, "by the shop")
    lats = [a.lat for a in gaz.addresses_on(street.usrn)]
    assert min(lats) <= middle.lat <= max(lats)


def _address(day="Monday", week="A", garden=False):
    base = gazetteer().addresses_at("BK1 9RZ")[0]
    return replace(base, collection_day=day, refuse_week=week, garden_waste_subscriber=garden)


def test_missed_bin_today_before_and_after_6pm():
    cal, address = calendar(), _address("Monday")
    before = reporting.check_missed_bin(cal, address, "recycling", datetime(2026, 11, 23, 17, 59), 3)
    after = reporting.check_missed_bin(cal, address, "recycling", datetime(2026, 11, 23, 18, 0), 3)
    assert before.outcome == "due_today"
    assert after.outcome == "ok" and after.missed.date.isoformat() == "2026-11-23"


def test_missed_bin_not_due_yet_says_when():
    # Wednesday collections; on Monday 30 November the last one was 25 November (5 days ago).
    check = reporting.check_missed_bin(calendar(), _address("Wednesday"), "recycling", datetime(2026, 11, 30, 10), 3)
    assert check.outcome == "not_due"
    assert check.next_collection.date.isoformat() == "2026-12-02"


def test_missed_bin_within_window_and_streams():
    cal = calendar()
    check = reporting.check_missed_bin(cal, _address("Wednesday"), "food", datetime(2026, 11, 27, 9), 3)
    assert check.outcome == "ok" and check.missed.date.isoformat() == "2026-11-25"
    assert reporting.check_missed_bin(cal, _address(garden=False), "garden", datetime(2026, 11, 27, 9), 3).outcome \
        == "not_available"


def test_markdown_safe_neutralises_links_and_html():
    shown = reporting.markdown_safe("[click](javascript:alert(1)) <script>x</script> **bold**")
    assert "](" not in shown.replace("\\](", "") and "<script>" not in shown
    assert shown.startswith("\\[click\\]")


def test_a_question_is_not_an_answer():
    assert reporting.looks_like_question("how do I pay my council tax")
    assert reporting.looks_like_question("bins open today?")
    assert not reporting.looks_like_question("railway bridge")
    assert not reporting.looks_like_question("by the school")


def test_an_opening_describes_the_problem_when_it_says_more_than_asking():
    assert not reporting.describes_problem("I want to report a pothole")
    assert reporting.describes_problem("there's a huge pothole outside 14 Station Road")
