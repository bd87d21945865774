"""The tracker store hands each new event to the event broker once, without re-reading the conversation."""
import asyncio

from rasa.core.brokers.broker import EventBroker
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.stores import DatabaseTrackerStore


class Collecting(EventBroker):
    def __init__(self):
        self.published = []

    def publish(self, event):
        self.published.append(event)


def test_each_new_event_reaches_the_broker_once(domain, monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'trackers.db'}")
    rasa_domain = Domain.from_dict(domain)
    broker = Collecting()
    store = DatabaseTrackerStore(domain=rasa_domain, event_broker=broker)
    tracker = DialogueStateTracker.from_events("resident", [
        ActionExecuted("action_listen"), UserUttered("when is my bin day", {"name": "ask_bin_day"})],
        slots=rasa_domain.slots)
    asyncio.run(store.save(tracker))
    assert [e["event"] for e in broker.published] == ["action", "user"]
    tracker.update(SlotSet("postcode", "BK1 9RZ"))
    asyncio.run(store.save(tracker))
    assert [e["event"] for e in broker.published] == ["action", "user", "slot"]
    assert {e["sender_id"] for e in broker.published} == {"resident"}
    assert asyncio.run(store.retrieve("resident")).get_slot("postcode") == "BK1 9RZ"
