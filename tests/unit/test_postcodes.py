import pytest

from bot import postcodes


@pytest.mark.parametrize("text,expected", [
    ("BK1 9RZ", "BK1 9RZ"),
    ("bk19rz", "BK1 9RZ"),
    ("  bk1   9rz ", "BK1 9RZ"),
    ("SW1A 1AA", "SW1A 1AA"),
    ("m1 1ae", "M1 1AE"),
    ("BK1 9RZ.", "BK1 9RZ"),
])
def test_normalise_accepts_what_residents_type(text, expected):
    assert postcodes.normalise(text) == expected


@pytest.mark.parametrize("text", ["", "BK1", "hello", "12345", "BK1 9CZ", "BKK1 9RZ", "BK1 99Z"])
def test_normalise_rejects_non_postcodes(text):
    assert postcodes.normalise(text) is None


def test_find_in_a_sentence():
    assert postcodes.find("when is my bin day at bk2 1ty please") == "BK2 1TY"
    assert postcodes.find("no postcode here") is None


def test_district():
    assert postcodes.district("BK1 9RZ") == "BK1"
