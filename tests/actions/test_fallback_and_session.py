from actions.fallback import ActionAskAffirmation, best_guess
from actions.session import ActionSessionStart
from bot.topics import topics
from tests.conftest import make_tracker, run


def fallback_parse(ranking, faq_key=None):
    data = {"text": "something vague", "intent": {"name": "nlu_fallback", "confidence": 1.0},
            "intent_ranking": [{"name": "nlu_fallback", "confidence": 1.0}] + ranking, "entities": []}
    if faq_key:
        data["response_selector"] = {"faq": {"response": {"intent_response_key": f"faq/{faq_key}"}}}
    return data


def test_guess_of_a_faq_topic_uses_its_title_and_question():
    key = "pay_council_tax"
    label, payload = best_guess(fallback_parse([{"name": "faq", "confidence": 0.4}], key))
    assert label == topics()[key].title
    assert payload == topics()[key].question
    assert not payload.startswith("/")


def test_guess_of_bin_day():
    assert best_guess(fallback_parse([{"name": "ask_bin_day", "confidence": 0.4}]))[1] == "/ask_bin_day"


def test_a_report_guess_carries_the_facts_of_the_message():
    """A long report the classifier was unsure of: "Yes" starts it with what the resident said."""
    import json
    parse = fallback_parse([{"name": "report_fly_tipping", "confidence": 0.54}, {"name": "faq", "confidence": 0.4}])
    parse["entities"] = [{"entity": "street", "value": "Northfield Avenue"},
                         {"entity": "attr_waste_type", "value": "garden"},
                         {"entity": "attr_waste_type", "value": "household"},
                         {"entity": "contact", "value": "r.okafor@example.com"}]
    label, payload = best_guess(parse)
    assert label == "Report fly-tipping"
    assert payload.startswith("/report_fly_tipping{")
    assert json.loads(payload[len("/report_fly_tipping"):]) == {
        "street": "Northfield Avenue", "attr_waste_type": "garden", "contact": "r.okafor@example.com"}


def test_no_guess_for_small_talk():
    assert best_guess(fallback_parse([{"name": "affirm", "confidence": 0.4}])) is None


def test_affirmation_asks_in_words(dispatcher, domain):
    tracker = make_tracker(parse_data=fallback_parse([{"name": "faq", "confidence": 0.3}], "blue_badge"))
    run(ActionAskAffirmation().run(dispatcher, tracker, domain))
    message = dispatcher.messages[0]
    assert message["response"] == "utter_ask_affirmation"
    assert message["topic"] == topics()["blue_badge"].title
    assert [b["title"] for b in message["buttons"]] == ["Yes", "No"]


def test_affirmation_without_a_guess_asks_to_rephrase(dispatcher, domain):
    tracker = make_tracker(parse_data=fallback_parse([{"name": "greet", "confidence": 0.3}]))
    run(ActionAskAffirmation().run(dispatcher, tracker, domain))
    assert dispatcher.messages[0]["response"] == "utter_ask_rephrase"


def test_session_start_loads_council_details_and_keeps_nothing_personal(dispatcher, domain):
    """The next person with a reused conversation id starts clean (issue 14)."""
    tracker = make_tracker(slots={"address_uprn": "100100000001", "requested_slot": "postcode",
                                  "contact": "first.person@example.com", "callback_name": "First Person"})
    events = run(ActionSessionStart().run(dispatcher, tracker, domain))
    assert events[0]["event"] == "session_started"
    assert (events[-1]["event"], events[-1]["name"]) == ("action", "action_listen")
    slots = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    assert slots["council_phone"] == "01632 960 000"
    assert not {"address_uprn", "requested_slot", "contact", "callback_name"} & set(slots)
    assert domain["session_config"]["carry_over_slots_to_new_session"] is False


def test_every_topic_has_an_answer_and_training_data(domain):
    """topics.yml, the answers and the training data name the same topics."""
    import yaml
    from bot.settings import PROJECT_ROOT
    answers = {name.split("/", 1)[1] for name in domain["responses"] if name.startswith("utter_faq/")}
    with open(PROJECT_ROOT / "data" / "nlu" / "faq.yml", encoding="utf-8") as handle:
        trained = {item["intent"].split("/", 1)[1] for item in yaml.safe_load(handle)["nlu"]}
    assert set(topics()) == answers == trained
