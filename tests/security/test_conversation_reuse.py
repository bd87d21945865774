"""Two residents, one conversation id: nothing of the first reaches the second (issue 14).

The REST channel takes the conversation id from the client. A website that
sends the same id for everyone (the old `/developers` page said `"sender": "me"`)
or a shared computer reuses one. After an hour without a message Rasa starts a
new session by running `action_session_start`; the test runs it through Rasa's
own HTTP API rather than waiting the hour.
"""
import requests

from tests.integration.test_conversations import texts
from tests.integration.test_reports import press

SHARED_ID = "me"


def new_session(stack, sender):
    reply = requests.post(f"{stack.rasa_url}/conversations/{sender}/execute", params={"token": stack.token},
                          json={"name": "action_session_start"}, timeout=60)
    reply.raise_for_status()


def test_the_next_resident_with_the_same_id_sees_nothing_of_the_first(stack):
    first = stack.say(SHARED_ID, "my black bin wasn't collected this week at 11 High Street BK1 9RZ, "
                                 "my email is first.resident@example.com")
    assert "first.resident@example.com" in texts(first)
    press(stack, SHARED_ID, first, "Send report")
    assert "11 High Street" in texts(stack.say(SHARED_ID, "when is my bin day"))

    new_session(stack, SHARED_ID)

    bin_day = texts(stack.say(SHARED_ID, "when is my bin day"))
    assert "postcode" in bin_day.lower() and "11 High Street" not in bin_day
    stack.say(SHARED_ID, "stop")
    summary = texts(stack.say(SHARED_ID, "street lamp outside 7 Victoria Terrace is on all day"))
    later = texts(stack.say(SHARED_ID, "I'd rather stay anonymous"))
    seen = summary + later
    assert "first.resident@example.com" not in seen and "11 High Street" not in seen
    slots = stack.tracker(SHARED_ID)["slots"]
    assert "first.resident@example.com" not in str(slots) and slots.get("address_uprn") is None
