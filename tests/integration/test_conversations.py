"""The running assistant over its real interfaces: REST channel, HTTP API, web app."""
import sqlite3
import uuid

import requests

from bot.council_data import gazetteer
from bot.settings import council


def texts(replies):
    return "\n".join(r.get("text", "") for r in replies)


def new_sender():
    return f"resident-{uuid.uuid4().hex[:8]}"


def test_greeting_names_the_council(stack):
    replies = stack.say(new_sender(), "hello")
    assert council().name in texts(replies)


def test_faq_answer_has_council_link(stack):
    answer = texts(stack.say(new_sender(), "how can i pay my council tax"))
    assert f"({council().website}/council-tax/pay)" in answer
    assert "{" not in answer


def test_urgent_homeless_answer_starts_with_the_phone_numbers(stack):
    answer = texts(stack.say(new_sender(), "i've been evicted and have nowhere to sleep tonight"))
    first = answer.split(".")[0]
    assert council().phone in first or council().emergency_phone in first


def test_asking_for_a_person_gives_number_and_hours(stack):
    answer = texts(stack.say(new_sender(), "I want to speak to a person"))
    assert council().phone in answer and council().opening_hours_text in answer


def test_off_topic_is_declined_politely(stack):
    answer = texts(stack.say(new_sender(), "what's the weather going to be like tomorrow"))
    assert "cannot help with that" in answer or "did not understand" in answer or "Did you mean" in answer


def test_bin_day_with_address_buttons(stack):
    sender = new_sender()
    assert "postcode" in texts(stack.say(sender, "when is my bin day")).lower()
    # Another council's postcode: said so, and asked again.
    other = texts(stack.say(sender, "SW1A 1AA"))
    assert "not in" in other and "gov.uk" in other.lower()
    # Half a postcode: asked again with an example.
    assert "does not look like a full postcode" in texts(stack.say(sender, "BK5"))
    replies = stack.say(sender, "bk5 9gz")
    buttons = [b for r in replies for b in r.get("buttons", [])]
    assert [b["title"] for b in buttons] == [a.line for a in gazetteer().addresses_at("BK5 9GZ")]
    chosen = next(b for b in buttons if b["title"] == "3 Pit Head Close")
    answer = texts(stack.say(sender, chosen["payload"]))
    # 3 Pit Head Close: Monday, week A, garden waste subscriber. Today is Thursday
    # 24 December 2026. Monday 28 December (week B) moves to Tuesday 29 by the
    # festive table; general waste is next on the week-A Monday, 4 January; garden
    # waste is out of season until the first week-B Monday in March.
    assert "3 Pit Head Close, Brackenford BK5 9GZ" in answer
    assert "**Recycling (blue bin and boxes)**: Tuesday 29 December (moved from Monday 28 December" in answer
    assert "**General waste (black bin)**: Monday 4 January 2027" in answer
    assert "**Garden waste (brown bin, subscribers only)**: Monday 8 March 2027" in answer
    assert "garden waste subscription" not in answer
    # The address is remembered for the rest of the conversation.
    again = texts(stack.say(sender, "which bin goes out this week"))
    assert "3 Pit Head Close" in again and "postcode" not in again.lower()
    assert stack.tracker(sender)["slots"]["address_uprn"] == "100100006310"


def test_bin_day_postcode_in_first_message_and_house_number(stack):
    sender = new_sender()
    reply = texts(stack.say(sender, "when are the bins collected at BK1 4RF"))
    assert "What is your house number or name?" in reply
    answer = texts(stack.say(sender, "7"))
    expected = gazetteer().match(gazetteer().addresses_at("BK1 4RF"), "7")[0]
    assert expected.full in answer


def test_http_api_needs_the_token(stack):
    assert requests.get(f"{stack.rasa_url}/conversations/anyone/tracker", timeout=10).status_code == 401
    assert requests.get(f"{stack.rasa_url}/status", params={"token": stack.token}, timeout=10).ok


def test_conversations_are_kept_in_the_database(stack):
    sender = new_sender()
    stack.say(sender, "hello")
    with sqlite3.connect(stack.database) as db:
        count = db.execute("SELECT COUNT(*) FROM events WHERE sender_id = ?", (sender,)).fetchone()[0]
    assert count > 0


def test_web_app_page_and_health(stack):
    page = requests.get(stack.web_url + "/", timeout=10)
    assert page.ok and council().assistant_name in page.text and "/widget/widget.js" in page.text
    assert f'data-server="{stack.rasa_url}"' in page.text
    assert "connect-src" in page.headers["Content-Security-Policy"]
    developers = requests.get(stack.web_url + "/developers", timeout=10)
    assert developers.ok and "/webhooks/rest/webhook" in developers.text
    health = requests.get(stack.web_url + "/health", timeout=10).json()
    assert health == {"status": "ok", "rasa": "up"}
