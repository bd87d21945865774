"""Reports over the REST channel into the demo back office.

The residents' opening messages here are training phrasings: these tests check
the forms, the connector and the back office. How well the assistant
understands unseen phrasings is measured on the held-out set (tests/nlu).
"""
import re
import uuid

import requests

from tests.integration.test_conversations import texts


def new_sender():
    return f"resident-{uuid.uuid4().hex[:8]}"


def buttons(replies):
    return [b for r in replies for b in r.get("buttons", [])]


def press(stack, sender, replies, title):
    button = next(b for b in buttons(replies) if b["title"] == title)
    return stack.say(sender, button["payload"])


def cases(stack):
    return requests.get(f"{stack.backoffice_url}/requests.json", timeout=10).json()


def test_pothole_in_one_message_then_status(stack):
    sender = new_sender()
    opening = "there's a huge pothole outside 14 Station Road, deep hole <b>in the middle</b> of the road"
    replies = stack.say(sender, opening)
    # Street, house number and description were all in the first message: only contact is asked.
    assert "Do you want updates" in texts(replies)
    replies = stack.say(sender, "jo@example.com Jo Bloggs")
    summary = texts(replies)
    assert "outside 14, Station Road, Brackenford" in summary and "jo@example.com" in summary
    assert "Jo Bloggs" in summary
    assert "\\<b\\>in the middle\\</b\\>" in summary   # their words, never our Markdown or HTML
    replies = press(stack, sender, replies, "Send report")
    answer = texts(replies)
    assert "sent to the council" in answer
    reference = answer.split("**")[1]
    case = requests.get(f"{stack.backoffice_url}/requests/{reference}.json", timeout=10).json()[0]
    assert case["service_code"] == "pothole"
    assert case["address"] == "outside 14, Station Road, Brackenford"
    assert case["description"] == opening
    assert (round(case["lat"], 3), round(case["long"], 3)) == (51.649, -3.392) or case["lat"] > 51
    status = texts(stack.say(sender, "what's happening with my report?"))
    assert reference in status and "is open" in status


def test_private_and_trunk_roads_are_not_filed(stack):
    before = len(cases(stack))
    private = texts(stack.say(new_sender(), "pothole on Heather Close"))
    assert "private road" in private
    trunk = texts(stack.say(new_sender(), "there is a pothole on the Brackenford Bypass"))
    assert "National Highways" in trunk and "nationalhighways.co.uk" in trunk
    assert len(cases(stack)) == before


def test_anonymous_graffiti_with_corrections_and_cancel(stack):
    sender = new_sender()
    replies = stack.say(sender, "someone has sprayed graffiti on the wall on Westgate")
    assert "Where on the street" in texts(replies)
    replies = stack.say(sender, "by the bus stop")
    replies = press(stack, sender, replies, "No")
    # The first message described it, so no description question.
    replies = press(stack, sender, replies, "Stay anonymous")
    assert "by the bus stop, Westgate" in texts(replies) and "anonymous" in texts(replies)
    replies = press(stack, sender, replies, "Change the location")
    assert "Which street" in texts(replies)
    replies = stack.say(sender, "Chapel Row")
    replies = stack.say(sender, "opposite the chapel")
    assert "opposite the chapel, Chapel Row" in texts(replies)
    replies = press(stack, sender, replies, "Cancel report")
    assert "cancelled" in texts(replies)


def test_missed_bin_not_due(stack):
    # Today is Thursday 24 December 2026 for the stack. 9 Station Road is collected on
    # Fridays: the last was 18 December, too long ago, and the next (Friday 25th) moves to Saturday 26th.
    sender = new_sender()
    stack.say(sender, "my recycling wasn't collected")
    replies = stack.say(sender, "BK1 2GG")
    # "recycling" was in the first message, so the check comes as soon as the address is known.
    replies = press(stack, sender, replies, "9 Station Road")
    answer = texts(replies)
    assert "next due to be collected Saturday 26 December" in answer
    assert "Check your report" not in answer


def test_missed_bin_filed_against_the_property(stack):
    # 3 Pit Head Close is collected on Mondays: Monday 21 December was 3 days ago.
    sender = new_sender()
    stack.say(sender, "the bin men missed my bins on monday")
    replies = stack.say(sender, "BK5 9GZ")
    replies = press(stack, sender, replies, "3 Pit Head Close")
    # A garden waste subscriber: all four bins are offered.
    assert len(buttons(replies)) == 4
    replies = press(stack, sender, replies, "Recycling (blue bin and boxes)")
    replies = press(stack, sender, replies, "Stay anonymous")
    assert "3 Pit Head Close, Brackenford BK5 9GZ" in texts(replies)
    replies = press(stack, sender, replies, "Send report")
    reference = texts(replies).split("**")[1]
    case = requests.get(f"{stack.backoffice_url}/requests/{reference}.json", timeout=10).json()[0]
    assert case["service_code"] == "missed_bin" and case["address_id"] == "100100006310"
    assert case["description"] == "Recycling (blue bin and boxes) not collected on Monday 21 December."


def test_bad_input_is_asked_again_and_nothing_is_lost(stack):
    sender = new_sender()
    replies = stack.say(sender, "fly tipping on Nowhere Street")
    assert "Which street" in texts(replies) or "cannot find that street" in texts(replies)
    replies = stack.say(sender, "<script>alert(1)</script> Church Lane")
    assert "Where on the street" in texts(replies)
    replies = stack.say(sender, "by the <i>church</i> gate")
    replies = press(stack, sender, replies, "Furniture or mattresses")
    replies = press(stack, sender, replies, "A single item")
    assert "Describe the problem" in texts(replies)
    # Over the limit of a message, the channel answers (bot/message_limit.py) and the form waits.
    too_long = texts(stack.say(sender, "a" * 10000))
    assert "too long" in too_long and "4,000" in too_long
    replies = stack.say(sender, "Old sofa & <b>two</b> chairs")
    assert "email address or phone number" in texts(replies)
    wrong = texts(stack.say(sender, "jo@example"))
    assert "Enter an email address, like name@example.com" in wrong
    replies = stack.say(sender, "jo@example.com")
    summary = texts(replies)
    # Every tag the resident typed is shown back escaped, never as markup.
    assert "by the \\<i\\>church\\</i\\> gate" in summary
    assert re.search(r"(?<!\\)<(i|b|img)\b", summary) is None
    replies = press(stack, sender, replies, "Send report")
    reference = texts(replies).split("**")[1]
    case = requests.get(f"{stack.backoffice_url}/requests/{reference}.json", timeout=10).json()[0]
    # Stored exactly as typed; escaping is the job of whatever shows it.
    assert case["description"] == "Old sofa & <b>two</b> chairs"
    assert case["address"] == "by the <i>church</i> gate, Church Lane, Brackenford"
