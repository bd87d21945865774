"""'bus stop' said as a place does not cancel a report (bot/nlp/place_not_command.py)."""
from rasa.shared.nlu.training_data.message import Message

from bot.nlp.place_not_command import PlaceNotCommand


def classify(text, entities, intent="stop"):
    message = Message(data={"text": text, "intent": {"name": intent, "confidence": 0.8},
                            "intent_ranking": [{"name": intent, "confidence": 0.8}], "entities": entities})
    PlaceNotCommand(PlaceNotCommand.get_default_config(), ["bus stop", "school"]).process([message])
    return message.get("intent")["name"]


def place(text, words):
    start = text.lower().index(words)
    return {"entity": "location_detail", "value": words, "start": start, "end": start + len(words)}


def test_a_place_with_stop_in_it_is_an_answer():
    assert classify("bus stop", [place("bus stop", "bus stop")]) == "inform"
    assert classify("by the Bus Stop on the left", [place("by the Bus Stop on the left", "bus stop")]) == "inform"


def test_a_landmark_alone_is_a_place_too():
    assert classify("bus stop", []) == "inform"
    assert classify("the BUS STOP", []) == "inform"


def test_a_command_beside_the_place_still_stops():
    assert classify("stop", []) == "stop"
    assert classify("cancel it, wrong bus stop", [place("cancel it, wrong bus stop", "bus stop")]) == "stop"
    assert classify("stop asking, its by the bus stop", [place("stop asking, its by the bus stop", "bus stop")]) == "stop"


def test_other_intents_are_left_alone():
    assert classify("bus stop", [place("bus stop", "bus stop")], intent="report_graffiti") == "report_graffiti"
