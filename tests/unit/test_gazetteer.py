import pytest

from bot.council_data import gazetteer


@pytest.fixture(scope="module")
def gaz():
    return gazetteer()


def test_addresses_at_postcode_in_house_number_order(gaz):
    lines = [a.line for a in gaz.addresses_at("bk1 9rz")]
    assert lines[:3] == ["1 High Street", "2 High Street", "3 High Street"]
    assert "10 High Street" in lines and lines.index("10 High Street") > lines.index("9 High Street")


def test_every_address_has_a_valid_postcode_and_calendar_fields(gaz):
    for postcode in gaz.postcodes:
        for address in gaz.addresses_at(postcode):
            assert address.postcode == postcode
            assert address.refuse_week in {"A", "B"}
            assert address.collection_day in {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday"}


def test_covers_only_the_councils_districts(gaz):
    assert gaz.covers("BK3 1AA", ["BK1", "BK2", "BK3"])
    assert not gaz.covers("SW1A 1AA", ["BK1", "BK2", "BK3"])


@pytest.mark.parametrize("text,expected", [
    ("1", "1 High Street"),
    ("number 1", "1 High Street"),
    ("it's 12", "12 High Street"),
    ("12 high st", "12 High Street"),
])
def test_match_house_number(gaz, text, expected):
    matches = gaz.match(gaz.addresses_at("BK1 9RZ"), text)
    assert [a.line for a in matches] == [expected]


def test_match_needs_whole_numbers_and_known_words(gaz):
    candidates = gaz.addresses_at("BK1 9RZ")
    assert gaz.match(candidates, "99") == []
    assert gaz.match(candidates, "") == []
    assert len(gaz.match(candidates, "high street")) == len(candidates)


def test_match_flat(gaz):
    flats = gaz.addresses_at("BK1 1YF")
    assert [a.line for a in gaz.match(flats, "flat 2")] == ["Flat 2, Market House, Market Square"]


def test_find_street_with_abbreviation(gaz):
    assert gaz.find_street("pothole on station rd by the shop").name == "Station Road"
    assert gaz.find_street("the Brackenford Bypass").road_status == "trunk"
    assert gaz.find_street("nowhere lane") is None


def test_full_address(gaz):
    address = gaz.addresses_at("BK1 9RZ")[0]
    assert address.full == "1 High Street, Brackenford BK1 9RZ"


def test_nearest_address(gaz):
    target = gaz.addresses_at("BK5 9GZ")[2]
    found, metres = gaz.nearest_address(target.lat + 0.00001, target.lon)
    assert found == target and 0 < metres < 2
    far, metres = gaz.nearest_address(51.5, -0.12)   # London
    assert metres > 100_000


@pytest.mark.parametrize("lat,lon", [(float("nan"), -3.39), (51.65, float("nan")), (float("inf"), -3.39),
                                     (51.65, float("-inf"))])
def test_no_nearest_address_to_a_point_that_is_not_a_number(gaz, lat, lon):
    assert gaz.nearest_address(lat, lon) is None
