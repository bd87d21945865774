"""Handover end to end: a resident on the widget's socket.io channel, an adviser on the
console over HTTP, the real Rasa, action server and web app in between."""
import queue
import time
import uuid

import pytest
import requests
import socketio
import sqlalchemy as sa

from bot.handoff.escalations import EscalationStore
from bot.staff.accounts import StaffStore
from tests.web.server import csrf_token, sign_in

PASSWORD = "a long test password"


class Resident:
    """The widget's side of the socket, as a test can drive it."""

    def __init__(self, rasa_url: str):
        self.session = uuid.uuid4().hex
        self.inbox: "queue.Queue[dict]" = queue.Queue()
        self.client = socketio.Client()
        self.client.on("bot_uttered", self.inbox.put)
        confirmed = queue.Queue()
        self.client.on("session_confirm", confirmed.put)
        self.client.connect(rasa_url, transports=["polling"], wait_timeout=30)
        self.client.emit("session_request", {"session_id": self.session})
        confirmed.get(timeout=30)

    def say(self, text: str) -> None:
        self.client.emit("user_uttered", {"message": text, "session_id": self.session})

    def wait_for(self, check, timeout: float = 30) -> dict:
        """The first message that passes `check`, failing with what did arrive."""
        seen = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                message = self.inbox.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                break
            seen.append(message)
            if check(message):
                return message
        raise AssertionError(f"no such message; got {seen}")

    def nothing_for(self, seconds: float) -> list:
        time.sleep(seconds)
        found = []
        while not self.inbox.empty():
            found.append(self.inbox.get())
        return found

    def __enter__(self) -> "Resident":
        return self

    def __exit__(self, *exc) -> None:
        self.client.disconnect()


def text_with(words):
    return lambda message: words in (message.get("text") or "")


@pytest.fixture(scope="module")
def adviser(stack):
    engine = sa.create_engine(f"sqlite:///{stack.database}", future=True)
    staff = StaffStore(engine)
    if staff.get("sam") is None:
        staff.add("sam", "Sam", "agent", PASSWORD)
    browser, signed_in = sign_in(stack.web_url, "sam", PASSWORD, "/console", follow=True)
    assert signed_in.ok and "Contact-centre queue" in signed_in.text
    browser.headers["X-CSRF-Token"] = csrf_token(signed_in.text)
    browser.headers["Accept"] = "application/json"
    return browser, EscalationStore(engine)


def escalation_of(browser, web_url, session, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        waiting = browser.get(web_url + "/console/api/queue", timeout=10).json()["waiting"]
        found = [item for item in waiting if item["conversation_id"] == session]
        if found:
            return found[0]
        time.sleep(0.5)
    raise AssertionError(f"{session} never reached the queue")


def test_resident_to_adviser_and_back(stack, adviser):
    browser, store = adviser
    with Resident(stack.rasa_url) as resident:
        resident.say("I want to speak to a person")
        resident.wait_for(text_with("in the queue"))
        resident.wait_for(lambda m: m.get("handoff") == "waiting")
        item = escalation_of(browser, stack.web_url, resident.session)
        assert item["reason"] == "asked" and not item["urgent"]

        claimed = browser.post(f"{stack.web_url}/console/escalations/{item['id']}/claim", timeout=10)
        assert claimed.ok
        resident.wait_for(text_with("Sam from the contact centre has joined"))

        # While the adviser has the chat, the assistant stays quiet and the adviser sees the message.
        resident.say("my bin has not been emptied for three weeks")
        assert not [m for m in resident.nothing_for(3) if m.get("text")]
        conversation = browser.get(f"{stack.web_url}/console/api/conversations/{item['id']}", timeout=10).json()
        said = [line["text"] for line in conversation["transcript"] if line["who"] == "resident"]
        assert said[-1] == "my bin has not been emptied for three weeks"

        sent = browser.post(f"{stack.web_url}/console/conversations/{item['id']}/reply",
                            json={"text": "Hello, I'm <b>Sam</b>. I can help."}, timeout=10)
        assert sent.json() == {"status": "sent"}
        reply = resident.wait_for(text_with("I can help"))
        assert reply == {"text": "Hello, I'm <b>Sam</b>. I can help.", "agent": "Sam"}

        handed = browser.post(f"{stack.web_url}/console/conversations/{item['id']}/handback", timeout=10)
        assert handed.ok
        resident.wait_for(text_with("passed you back to the assistant"))
        resident.wait_for(lambda m: m.get("handoff") == "ended")

        resident.say("How do I pay my council tax?")
        resident.wait_for(text_with("/council-tax/pay"))
    record = store.for_conversation(resident.session)[-1]
    assert record.outcome == "handed_back" and record.agent == "sam" and record.claimed_at is not None
    events = [e["event"] for e in stack.tracker(resident.session)["events"]]
    assert "pause" in events and "resume" in events


def test_two_failures_in_a_row_reach_an_adviser(stack, adviser):
    browser, _ = adviser
    with Resident(stack.rasa_url) as resident:
        resident.say("/nlu_fallback")
        resident.wait_for(text_with("say it another way"))
        resident.say("/nlu_fallback")
        resident.wait_for(text_with("I still do not understand"))
        resident.wait_for(text_with("in the queue"))
        assert escalation_of(browser, stack.web_url, resident.session)["reason"] == "not_understood"


def test_urgent_topic_goes_to_the_front_of_the_queue(stack, adviser):
    browser, _ = adviser
    with Resident(stack.rasa_url) as resident:
        resident.say("I'm homeless or about to lose my home, what can I do?")
        resident.wait_for(text_with("This sounds urgent"))
        item = escalation_of(browser, stack.web_url, resident.session)
        assert item["urgent"] and item["reason"] == "urgent"
        waiting = browser.get(stack.web_url + "/console/api/queue", timeout=10).json()["waiting"]
        assert waiting[0]["urgent"]


def test_a_resident_who_leaves_is_shown_as_gone(stack, adviser):
    browser, store = adviser
    with Resident(stack.rasa_url) as resident:
        resident.say("I want to speak to a person")
        resident.wait_for(lambda m: m.get("handoff") == "waiting")
        item = escalation_of(browser, stack.web_url, resident.session)
    requests.post(stack.web_url + "/api/handoff/presence", timeout=10,
                  data=f'{{"conversation_id": "{resident.session}", "left": true}}')
    browser.get(stack.web_url + "/console/api/queue", timeout=10)
    gone = store.get(item["id"])
    assert gone.status == "closed" and gone.outcome == "resident_left"
