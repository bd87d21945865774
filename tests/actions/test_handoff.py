"""Handing over to the contact centre, as the action server runs it."""
import pytest

from actions.handoff import (ActionDefaultFallback, ActionFaqFollowup, ActionHandoff, ActionSubmitCallback,
                             ValidateCallbackForm)
from bot.handoff.escalations import default_escalations
from bot.settings import council
from tests.conftest import make_tracker, run


def responses(dispatcher):
    return [m.get("response") for m in dispatcher.messages if m.get("response")]


def events_of(result):
    return [(e["event"], e.get("name")) for e in result]


def tracker(conversation, channel="socketio", intent="request_human", key=None, slots=None):
    parse = {"intent": {"name": intent, "confidence": 1.0}, "entities": [], "text": "x"}
    if key:
        parse["response_selector"] = {"faq": {"response": {"intent_response_key": f"faq/{key}"}}}
    earlier = {"event": "user", "text": "my bin was not emptied", "input_channel": channel,
               "parse_data": {"intent": {"name": "report_missed_bin"}}}
    latest = {"event": "user", "text": "x", "input_channel": channel, "parse_data": parse}
    made = make_tracker(slots=slots, parse_data=parse, events=[earlier, latest])
    made.sender_id = conversation
    return made


@pytest.fixture
def in_hours(monkeypatch):
    monkeypatch.setenv("BOT_TODAY", "2026-12-24")
    monkeypatch.setenv("BOT_TIME", "10:30")


@pytest.fixture
def out_of_hours(monkeypatch):
    monkeypatch.setenv("BOT_TODAY", "2026-12-24")
    monkeypatch.setenv("BOT_TIME", "18:30")


def test_in_hours_the_live_chat_joins_the_queue_and_pauses(in_hours, dispatcher, domain):
    result = run(ActionHandoff().run(dispatcher, tracker("live-1"), domain))
    assert responses(dispatcher) == ["utter_handoff_queued"]
    queued = dispatcher.messages[0]
    assert queued["position"] >= 1 and "minute" in queued["wait"]
    assert dispatcher.messages[1]["custom"] == {"data": {"handoff": "waiting"}}
    assert ("pause", None) in events_of(result) and events_of(result)[-1] == ("action", "action_listen")
    escalation = default_escalations().current("live-1")
    assert escalation.status == "waiting" and escalation.reason == "asked"
    assert escalation.topic == "Report missed bin"


def test_contact_details_from_a_report_go_with_the_escalation(in_hours, dispatcher, domain):
    slots = {"contact": "07700900123", "contact_name": "Ann Smith"}
    run(ActionHandoff().run(dispatcher, tracker("live-2", slots=slots), domain))
    escalation = default_escalations().current("live-2")
    assert escalation.callback_contact == "07700900123" and escalation.callback_name == "Ann Smith"


def test_out_of_hours_offers_a_callback_with_what_is_known(out_of_hours, dispatcher, domain):
    slots = {"contact": "ann@example.com", "contact_name": "Ann"}
    result = run(ActionHandoff().run(dispatcher, tracker("late-1", slots=slots), domain))
    assert responses(dispatcher) == ["utter_handoff_closed"]
    assert dispatcher.messages[0]["next_open"] == "Tuesday 29 December at 9am"
    assert {(e["name"], e["value"]) for e in result if e["event"] == "slot"} >= {
        ("callback_contact", "ann@example.com"), ("callback_name", "Ann"), ("callback_about", "Report missed bin")}
    assert result[-1] == {"event": "followup", "name": "callback_form", "timestamp": None}
    assert default_escalations().current("late-1") is None


def test_a_channel_without_live_chat_offers_the_phone_and_a_callback(in_hours, dispatcher, domain):
    result = run(ActionHandoff().run(dispatcher, tracker("rest-1", channel="rest"), domain))
    assert responses(dispatcher) == ["utter_handoff_no_live_chat"]
    assert result[-1]["name"] == "callback_form"


def test_two_failures_hand_over(in_hours, dispatcher, domain):
    result = run(ActionDefaultFallback().run(dispatcher, tracker("lost-1", intent="nlu_fallback"), domain))
    assert responses(dispatcher) == ["utter_handoff_not_understood", "utter_handoff_queued"]
    assert default_escalations().current("lost-1").reason == "not_understood"
    assert ("pause", None) in events_of(result)


def test_urgent_topic_is_queued_first_in_hours(in_hours, dispatcher, domain):
    default_escalations().open("someone-else", "asked")
    run(ActionFaqFollowup().run(dispatcher, tracker("urgent-1", intent="faq", key="homeless"), domain))
    assert responses(dispatcher) == ["utter_handoff_urgent_queued"]
    assert dispatcher.messages[0]["position"] == 1
    escalation = default_escalations().current("urgent-1")
    assert escalation.urgent and escalation.reason == "urgent"
    assert escalation.topic == "Homeless or at risk of losing your home"


def test_urgent_topic_out_of_hours_gives_the_emergency_number(out_of_hours, dispatcher, domain):
    run(ActionFaqFollowup().run(dispatcher, tracker("urgent-2", intent="faq", key="safeguarding_concern"), domain))
    assert responses(dispatcher) == ["utter_handoff_urgent_call"]
    assert dispatcher.messages[0]["phone"] == council().emergency_phone
    assert default_escalations().for_conversation("urgent-2")[0].outcome == "emergency_line"


def test_other_answers_need_no_follow_up(in_hours, dispatcher, domain):
    result = run(ActionFaqFollowup().run(dispatcher, tracker("calm-1", intent="faq", key="pay_council_tax"), domain))
    assert result == [] and dispatcher.messages == []


def test_callback_contact_must_be_a_phone_or_email(dispatcher, domain):
    form = ValidateCallbackForm()
    assert form.validate_callback_contact("anonymous", dispatcher, tracker("v"), domain) == {"callback_contact": None}
    assert form.validate_callback_contact("nope", dispatcher, tracker("v"), domain) == {"callback_contact": None}
    assert responses(dispatcher) == ["utter_callback_contact_invalid"] * 2
    assert form.validate_callback_contact("+44 7700 900123", dispatcher, tracker("v"), domain) == {
        "callback_contact": "07700900123"}
    assert form.validate_callback_about("x" * 1001, dispatcher, tracker("v"), domain) == {"callback_about": None}


def test_submitted_callback_is_queued_for_advisers_and_forgotten_by_the_chat(out_of_hours, dispatcher, domain):
    slots = {"callback_name": "Ann", "callback_contact": "07700900123", "callback_time": "Morning",
             "callback_about": "Council tax bill", "handoff_reason": "asked"}
    result = run(ActionSubmitCallback().run(dispatcher, tracker("cb-1", slots=slots), domain))
    callback = default_escalations().current("cb-1")
    assert callback.status == "callback" and callback.callback_time == "Morning"
    message = dispatcher.messages[0]
    assert message["response"] == "utter_callback_booked" and message["reference"] == f"CB-{callback.id}"
    assert message["when"] == "after we open Tuesday 29 December at 9am"
    assert all(e["value"] is None for e in result)
