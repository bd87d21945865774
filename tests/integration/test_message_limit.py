"""The server-side message limit on every channel: a message over it never reaches
the NLU, and the resident gets a polite answer instead (bot/message_limit.py)."""
import re
import uuid

from bot.message_limit import DEFAULT_LIMIT
from bot.settings import PROJECT_ROOT
from tests.integration.test_handoff import Resident, text_with

TOO_LONG = "my bin was not collected " * (DEFAULT_LIMIT // 25 + 1)


def test_a_message_over_the_limit_gets_a_polite_answer_over_rest(stack):
    sender = f"long-{uuid.uuid4().hex[:8]}"
    assert len(TOO_LONG) > DEFAULT_LIMIT
    replies = stack.say(sender, TOO_LONG)
    assert [reply["text"] for reply in replies] == [
        "Your message is too long for me to read. Send a message of 4,000 characters or fewer. "
        "You can split it into 2 messages."]
    # Nothing of it was understood or kept: the conversation has no such message.
    events = stack.tracker(sender)["events"]
    assert not [event for event in events if event["event"] == "user"]
    # The conversation goes on as normal.
    assert "/council-tax/pay" in " ".join(r.get("text", "") for r in stack.say(sender, "How do I pay my council tax?"))


def test_a_message_at_the_limit_is_understood(stack):
    message = ("How do I pay my council tax? " * 200)[:DEFAULT_LIMIT]
    assert len(message) == DEFAULT_LIMIT
    replies = stack.say(f"long-{uuid.uuid4().hex[:8]}", message)
    assert "too long" not in " ".join(reply.get("text", "") for reply in replies)


def test_a_message_over_the_limit_gets_a_polite_answer_over_socketio(stack):
    with Resident(stack.rasa_url) as resident:
        resident.say(TOO_LONG)
        resident.wait_for(text_with("Your message is too long for me to read"))
        resident.say("How do I pay my council tax?")
        resident.wait_for(text_with("/council-tax/pay"))


def test_the_widget_stops_typing_at_the_same_limit():
    widget = (PROJECT_ROOT / "bot" / "web" / "static" / "widget" / "widget.js").read_text(encoding="utf-8")
    assert re.search(r'maxlength: "(\d+)"', widget).group(1) == str(DEFAULT_LIMIT)
