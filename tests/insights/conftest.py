"""A seeded history: five conversations in Rasa's own tracker store, with the
project's rows beside them, whose figures are worked out by hand in the tests."""
import asyncio
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.connectors.base import Report
from bot.feedback import FeedbackStore, feedback
from bot.handoff.escalations import EscalationStore, escalations
from bot.outbox import Outbox, reports
from bot.report_updates import ReportUpdates, subscribers


def at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc).timestamp()


def user(text, intent, when, key=None, channel="socketio"):
    parse = {"intent": {"name": intent, "confidence": 0.9}, "entities": [], "text": text}
    if key:
        parse["response_selector"] = {"faq": {"response": {"intent_response_key": f"faq/{key}"}}}
    return UserUttered(text, parse_data=parse, timestamp=at(when), input_channel=channel)


def action(name, when):
    return ActionExecuted(name, timestamp=at(when))


CONVERSATIONS = {
    # Helped with council tax: contained.
    "a": [user("how do i pay council tax", "faq", "2026-11-10 10:00", "pay_council_tax"),
          action("utter_faq", "2026-11-10 10:00:01"), user("thanks", "thank", "2026-11-10 10:01")],
    # Not understood, then asked for a person: handed over.
    "b": [user("blorp my wibble, I'm on 07700 900123", "nlu_fallback", "2026-11-11 14:00"),
          user("I want to speak to a person", "request_human", "2026-11-11 14:01"),
          action("action_handoff", "2026-11-11 14:01:01")],
    # A pothole report over REST: contained. The street, given as the form's answer, is
    # understood even though the classifier could not place it.
    "c": [user("there's a pothole", "report_pothole", "2026-11-12 09:30", channel="rest"),
          action("pothole_form", "2026-11-12 09:30:01"),
          user("Mill Lane", "nlu_fallback", "2026-11-12 09:31", channel="rest"),
          action("action_extract_slots", "2026-11-12 09:31:01"), action("pothole_form", "2026-11-12 09:31:01"),
          action("action_submit_report", "2026-11-12 09:35")],
    # Back about bulky waste two days later: failure demand.
    "d": [user("book a bulky waste collection", "faq", "2026-11-16 18:00", "bulky_waste"),
          action("utter_faq", "2026-11-16 18:00:01"),
          user("bulky waste collection not come", "faq", "2026-11-18 18:00", "bulky_waste"),
          action("utter_faq", "2026-11-18 18:00:01")],
    # Only said hello: not contained.
    "e": [user("hello", "greet", "2026-11-20 10:00"), action("utter_greet", "2026-11-20 10:00:01")],
}


def save_conversations(url: str, conversations: dict) -> sa.engine.Engine:
    """Each conversation's events saved through Rasa's own SQL tracker store at `url`."""
    store = SQLTrackerStore(Domain.empty(), host=url)
    for sender, events in conversations.items():
        tracker = DialogueStateTracker(sender, [])
        for event in events:
            tracker.update(event)
        asyncio.run(store.save(tracker))
    return sa.create_engine(url, future=True)


def seed(url: str) -> sa.engine.Engine:
    """The seeded history in the database at `url`."""
    engine = save_conversations(url, CONVERSATIONS)
    EscalationStore(engine).open("b", "asked", "General enquiry", callback_contact="07700900123",
                                 callback_name="Bea")
    outbox = Outbox(engine)
    delivered = outbox.add(Report("", "pothole", "Deep pothole", email="c@example.com", first_name="Cy"), "c")
    queued = outbox.add(Report("", "pothole", "Another one"), "c")
    # Resident d followed BRK-1000 instead of reporting the same pothole; another did so in December.
    followers = ReportUpdates(engine)
    followers.subscribe("BRK-1000", "pothole", "d@example.com", None, "d")
    followers.subscribe("BRK-1000", "pothole", "x@example.com", None, "x")
    FeedbackStore(engine)
    with engine.begin() as db:
        db.execute(escalations.update().values(created_at=datetime(2026, 11, 11, 14, 1, 2)))
        db.execute(reports.update().where(reports.c.reference == delivered.reference).values(
            state="delivered", attempts=1, created_at=datetime(2026, 11, 12, 9, 35),
            delivered_at=datetime(2026, 11, 12, 9, 35, 30), backoffice_reference="BRK-1000"))
        db.execute(reports.update().where(reports.c.reference == queued.reference).values(
            created_at=datetime(2026, 11, 12, 9, 40), attempts=3))
        db.execute(subscribers.update().where(subscribers.c.conversation_id == "d").values(
            created_at=datetime(2026, 11, 18, 18, 5)))
        db.execute(subscribers.update().where(subscribers.c.conversation_id == "x").values(
            created_at=datetime(2026, 12, 2, 8, 0)))
        db.execute(feedback.insert(), [
            dict(conversation_id="a", message="You can pay online.", helpful=True,
                 created_at=datetime(2026, 11, 10, 10, 2)),
            dict(conversation_id="d", message="Book online.", helpful=False,
                 created_at=datetime(2026, 11, 18, 18, 1))])
    return engine


@pytest.fixture
def seeded(tmp_path):
    return seed(f"sqlite:///{tmp_path / 'insights.db'}")
