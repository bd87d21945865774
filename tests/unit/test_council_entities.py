"""What the council's spaCy pipeline takes out of residents' messages (bot/nlp), with no Rasa model."""
import pytest
import spacy

from bot.nlp import pipeline
from bot.nlp.council_entities import entities_from_doc


@pytest.fixture(scope="module")
def nlp(tmp_path_factory):
    # Built from the project's data, as `make spacy` does, so a change to phrases.yml is tested at once.
    return spacy.load(pipeline.build(tmp_path_factory.mktemp("spacy") / "en_council"))


def found(nlp, text):
    result = {}
    for entity in entities_from_doc(nlp(text)):
        result.setdefault(entity["entity"], []).append(entity["value"])
    return result


def test_missed_bin_with_house_street_and_postcode(nlp):
    said = found(nlp, "my black bin wasn't collected this week at 11 High Street BK1 9RZ")
    assert said["attr_bin_type"] == ["general"] and said["house_number"] == ["11"]
    assert said["street"] == ["High Street"] and said["postcode"] == ["BK1 9RZ"]


def test_pothole_said_all_at_once(nlp):
    said = found(nlp, "There's a massive pothole on Station Road outside number 14, about the size of a car tyre, "
                      "cars are swerving round it. I'm happy to stay anonymous")
    assert said["street"] == ["Station Road"] and said["location_detail"] == ["outside number 14"]
    assert said["attr_size"] == ["medium"] and said["attr_hazard"] == ["yes"] and said["contact"] == ["anonymous"]


def test_the_longest_phrase_wins(nlp):
    assert found(nlp, "pothole bigger than a car tyre on mill lane")["attr_size"] == ["large"]
    assert found(nlp, "graffiti on westgate, not offensive")["attr_offensive"] == ["no"]


def test_outside_my_house_at_a_number(nlp):
    said = found(nlp, "street lamp outside my house at 7 Victoria Terrace is on all day")
    assert said["location_detail"] == ["outside 7"] and said["attr_fault"] == ["day_burning"]


@pytest.mark.parametrize("text, place", [
    ("racist graffiti opposite the co-op on westgate", "opposite the co-op"),
    ("rubbish dumped by the school on mill lane", "by the school"),
    ("light flickering at the end of colliery road", "at the end"),
    ("pothole on the corner of mill lane and high st", "on the corner of mill lane and high st"),
])
def test_places_on_a_street(nlp, text, place):
    assert found(nlp, text)["location_detail"] == [place]


def test_vehicle_and_contact(nlp):
    said = found(nlp, "silver ford fiesta reg AB12 CDE left at the end of colliery rd, my name is jo bloggs, "
                      "call me on 07700 900123")
    assert said["attr_make_colour"] == ["silver ford fiesta"] and said["attr_registration"] == ["AB12 CDE"]
    assert said["contact"] == ["07700 900123"] and said["contact_name"] == ["Jo Bloggs"]


def test_an_email_beats_a_no_updates_said_beside_it(nlp):
    assert found(nlp, "no updates needed but here's my email jo@example.com")["contact"] == ["jo@example.com"]


def test_ordinary_words_are_not_registrations_or_houses(nlp):
    said = found(nlp, "the council should fix the road near me, it has been 3 weeks")
    assert "attr_registration" not in said and "house_number" not in said


def test_two_places_both_go_into_the_location(nlp):
    said = found(nlp, "crater at the end of bracken hill by the bus shelter")
    assert said["location_detail"] == ["at the end, by the bus shelter"]
    assert found(nlp, "mattress dumped by the entrance to the park")["location_detail"] == ["by the entrance to the park"]
    assert found(nlp, "tyres dumped by the old railway bridge")["location_detail"] == ["by the old railway bridge"]


def test_a_lamp_posts_number_is_not_a_house(nlp):
    said = found(nlp, "light flickering by the footpath on bracken hill, column number 7")
    assert said["attr_column_id"] == ["7"] and "house_number" not in said
    assert found(nlp, "the number on the post is 23")["attr_column_id"] == ["23"]


def test_words_that_are_not_a_fault(nlp):
    said = found(nlp, "can you send someone out to the street light at 5 albert road, the glass is smashed")
    assert said["attr_fault"] == ["damaged"]
