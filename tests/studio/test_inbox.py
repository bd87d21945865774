"""The inbox reads what residents said from Rasa's own tracker store, and the feedback votes."""
import asyncio
import time

import pytest
import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.feedback import FeedbackStore
from bot.studio.inbox import Inbox


def said(text, intent, confidence, key=None, at=None):
    parse = {"intent": {"name": intent, "confidence": confidence},
             "intent_ranking": [{"name": intent, "confidence": confidence}], "text": text, "entities": []}
    if key:
        parse["response_selector"] = {"faq": {"response": {"intent_response_key": f"faq/{key}"}}}
    return UserUttered(text, parse_data=parse, timestamp=at or time.time())


@pytest.fixture
def engine(tmp_path):
    url = f"sqlite:///{tmp_path / 'inbox.db'}"
    store = SQLTrackerStore(Domain.empty(), host=url)
    first = DialogueStateTracker("resident-a", [])
    for event in [said("my name is Ann Lee, what's the fee", "nlu_fallback", 0.3, at=time.time() - 30),
                  said("how do i pay council tax", "faq", 0.99, "pay_council_tax", at=time.time() - 20),
                  said("wheelie bin for gardn stuff", "faq", 0.52, "garden_waste_signup", at=time.time() - 10),
                  said("/request_human", "request_human", 1.0)]:
        first.update(event)
    asyncio.run(store.save(first))
    second = DialogueStateTracker("resident-b", [])
    second.update(said("where do i get a parking permit", "faq", 0.95, "parking_permit", at=time.time() - 5))
    asyncio.run(store.save(second))
    engine = sa.create_engine(url, future=True)
    FeedbackStore(engine).add("resident-b", "You can apply for a parking permit online.", False)
    return engine


def test_inbox_shows_fallbacks_low_confidence_and_unhelpful_answers_masked(engine):
    messages = Inbox(engine).messages()
    assert [(m.text, m.why) for m in messages] == [
        ("where do i get a parking permit", "Not helpful"),
        ("wheelie bin for gardn stuff", "Low confidence"),
        ("my name is [name], what's the fee", "Not understood"),
    ]
    assert messages[1].guess == "garden waste signup"


def test_decided_messages_leave_the_inbox(engine):
    inbox = Inbox(engine)
    first = inbox.messages()[0]
    inbox.decide(first.key, "ignored", "eddie")
    assert first.key not in {m.key for m in inbox.messages()}
    with pytest.raises(ValueError):
        inbox.decide("event:1", "binned", "eddie")


def test_no_conversations_yet_is_an_empty_inbox(tmp_path):
    assert Inbox(sa.create_engine(f"sqlite:///{tmp_path / 'empty.db'}", future=True)).messages() == []
