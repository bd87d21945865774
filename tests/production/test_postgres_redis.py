"""The production parts for real: PostgreSQL (DATABASE_URL) and Redis (REDIS_URL),
started from Debian's packages for these tests, never mocked."""
import asyncio

import pytest
import sqlalchemy as sa

from bot.cluster.services import Redis
from bot.connectors.base import Connector, Report
from bot.feedback import FeedbackStore
from bot.outbox import Outbox

REDIS_PORT = 16379   # PostgreSQL: conftest.py


@pytest.fixture(scope="module")
def redis_url():
    server = Redis(REDIS_PORT).start()
    yield server.url()
    server.stop()


class Recording(Connector):
    """A back office that records what it was sent (the database is what is under test)."""

    def __init__(self):
        self.received = []

    def submit(self, report):
        self.received.append(report.reference)
        return f"BRK-{1000 + len(self.received)}"


def test_outbox_on_postgresql(postgres_url):
    outbox = Outbox(sa.create_engine(postgres_url, future=True))
    entry = outbox.add(Report(reference="", service_code="graffiti", address_string="Westgate",
                              attributes={"offensive": "no", "usrn": "40500141"}), conversation_id="c1")
    back_office = Recording()
    assert outbox.deliver(entry.reference, back_office).state == "delivered"
    assert outbox.deliver_due(back_office) == 0
    assert back_office.received == [entry.reference]
    assert outbox.find_by_backoffice_reference("BRK-1001").reference == entry.reference


def test_feedback_on_postgresql(postgres_url):
    store = FeedbackStore(sa.create_engine(postgres_url, future=True))
    store.add("conversation-1", "Pay your council tax", True)
    assert [row["helpful"] for row in store.for_conversation("conversation-1")] == [True]


def test_rasa_tracker_store_on_postgresql(postgres_url, monkeypatch, domain):
    from rasa.core.tracker_store import AwaitableTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.stores import DatabaseTrackerStore

    monkeypatch.setenv("DATABASE_URL", postgres_url)
    rasa_domain = Domain.from_dict(domain)
    store = AwaitableTrackerStore(DatabaseTrackerStore(domain=rasa_domain))
    tracker = DialogueStateTracker.from_events("resident-pg", [
        ActionExecuted("action_listen"), UserUttered("when is my bin day", {"name": "ask_bin_day"}),
        SlotSet("postcode", "BK1 9RZ")], slots=rasa_domain.slots)
    asyncio.run(store.save(tracker))
    again = asyncio.run(store.retrieve("resident-pg"))
    assert again.get_slot("postcode") == "BK1 9RZ"
    assert again.latest_message.text == "when is my bin day"


def test_lock_store_is_redis_when_redis_url_is_set(redis_url, monkeypatch):
    import redis
    from rasa.core.lock_store import InMemoryLockStore, RedisLockStore

    from bot.stores import ConfiguredLockStore

    monkeypatch.delenv("REDIS_URL", raising=False)
    assert isinstance(ConfiguredLockStore(), InMemoryLockStore)
    monkeypatch.setenv("REDIS_URL", redis_url)
    store = ConfiguredLockStore()
    assert isinstance(store, RedisLockStore)

    async def hold():
        async with store.lock("resident-redis"):
            return redis.Redis(port=REDIS_PORT, db=1).keys("*resident-redis*")

    assert asyncio.run(hold())           # the lock lives in Redis while held
    assert not redis.Redis(port=REDIS_PORT, db=1).keys("*resident-redis*")
