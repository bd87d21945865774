"""Metrics: the Rasa server's event broker counting messages and fallbacks (loaded as Rasa loads it,
and fed by Rasa's own tracker store), and the database's figures read at scrape time."""
import asyncio

import pytest
import sqlalchemy as sa
from prometheus_client import CollectorRegistry, generate_latest

from bot import metrics
from bot.connectors.base import BackOfficeRejected, Connector, Report
from bot.handoff.escalations import EscalationStore
from bot.outbox import Outbox
from bot.settings import PROJECT_ROOT


def value(role, name, labels=None):
    return metrics.registry(role).get_sample_value(name, labels or {}) or 0.0


def user_event(intent, channel="socketio"):
    return {"event": "user", "sender_id": "resident", "text": "hello", "input_channel": channel,
            "parse_data": {"intent": {"name": intent, "confidence": 0.4}, "entities": []}}


@pytest.fixture
def broker(monkeypatch):
    """The broker endpoints.yml names, created by Rasa's own factory."""
    from rasa.core.brokers.broker import EventBroker
    from rasa.core.utils import read_endpoints_from_path

    for name in ("ACTION_SERVER_URL", "MODEL_SERVER_URL", "RASA_API_TOKEN", "MODEL_PULL_SECONDS"):
        monkeypatch.setenv(name, "10")
    endpoints = read_endpoints_from_path(PROJECT_ROOT / "endpoints.yml")
    created = asyncio.run(EventBroker.create(endpoints.event_broker))
    assert type(created).__name__ == "MetricsEventBroker" and isinstance(created, EventBroker)
    return created


def test_broker_counts_a_user_event_and_a_fallback(broker):
    messages = value("rasa", "assistant_messages_total", {"channel": "socketio"})
    fallbacks = value("rasa", "assistant_fallbacks_total", {"channel": "socketio"})
    broker.publish(user_event("ask_bin_day"))
    broker.publish(user_event("nlu_fallback"))
    broker.publish({"event": "bot", "text": "Hello"})              # not a message from a resident
    broker.publish({"event": "action", "name": "action_listen"})
    assert value("rasa", "assistant_messages_total", {"channel": "socketio"}) == messages + 2
    assert value("rasa", "assistant_fallbacks_total", {"channel": "socketio"}) == fallbacks + 1


def test_channel_labels_stay_plain(broker):
    before = value("rasa", "assistant_messages_total", {"channel": "other"})
    broker.publish(user_event("greet", channel="<script>" * 20))
    broker.publish({"event": "user", "text": "no channel, no parse data"})
    assert value("rasa", "assistant_messages_total", {"channel": "other"}) == before + 1
    assert value("rasa", "assistant_messages_total", {"channel": "unknown"}) >= 1


def test_rasa_tracker_store_feeds_the_broker(broker):
    """What the Rasa server does with each message: save the tracker, which streams the new events."""
    from rasa.core.tracker_store import AwaitableTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.stores import DatabaseTrackerStore

    store = AwaitableTrackerStore(DatabaseTrackerStore(domain=Domain.empty(), event_broker=broker))
    before = value("rasa", "assistant_messages_total", {"channel": "rest"})
    fallbacks = value("rasa", "assistant_fallbacks_total", {"channel": "rest"})
    tracker = DialogueStateTracker.from_events("ops-broker", [
        ActionExecuted("action_listen"),
        UserUttered("blorp", {"name": "nlu_fallback", "confidence": 0.3}, input_channel="rest")])
    asyncio.run(store.save(tracker))
    asyncio.run(store.save(tracker))   # nothing new: nothing counted again
    assert value("rasa", "assistant_messages_total", {"channel": "rest"}) == before + 1
    assert value("rasa", "assistant_fallbacks_total", {"channel": "rest"}) == fallbacks + 1


class Refusing(Connector):
    def submit(self, report):
        raise BackOfficeRejected(400, ["service_code is not known"])


class Accepting(Connector):
    def submit(self, report):
        return "BRK-1"


def test_database_collector_reads_the_tables(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'figures.db'}", future=True)
    collector = metrics.DatabaseCollector(engine)
    registry = CollectorRegistry()
    registry.register(collector)
    # Nothing made yet: every figure is there, at 0.
    assert registry.get_sample_value("assistant_handover_queue_length") == 0
    assert registry.get_sample_value("assistant_outbox_reports", {"state": "queued"}) == 0
    assert registry.get_sample_value("assistant_database_up") == 1

    escalations = EscalationStore(engine)
    escalations.open("c1", "asked")
    escalations.open("c2", "urgent", urgent=True)
    escalations.open("c3", "not_understood", status="callback")
    claimed = escalations.open("c4", "asked")
    escalations.claim(claimed.id, "alex", "Alex")
    outbox = Outbox(engine)
    entries = [outbox.add(Report(reference="", service_code="graffiti")) for _ in range(4)]
    outbox.deliver(entries[0].reference, Accepting())
    outbox.deliver(entries[1].reference, Refusing())
    from bot.studio.publish import publishes
    publishes.create(engine, checkfirst=True)
    with engine.begin() as db:
        for state in ("live", "failed", "failed"):
            db.execute(publishes.insert().values(started_by="sam", started_at=sa.func.now(), state=state))

    sample = registry.get_sample_value
    assert sample("assistant_handover_queue_length") == 2
    assert {reason: sample("assistant_handovers", {"reason": reason})
            for reason in ("asked", "urgent", "not_understood")} == {"asked": 2, "urgent": 1, "not_understood": 1}
    assert {state: sample("assistant_outbox_reports", {"state": state})
            for state in ("queued", "sending", "delivered", "rejected")} == {
        "queued": 2, "sending": 0, "delivered": 1, "rejected": 1}
    assert sample("assistant_publishes", {"state": "live"}) == 1
    assert sample("assistant_publishes", {"state": "failed"}) == 2
    assert sample("assistant_publishes", {"state": "training"}) == 0


def test_database_collector_when_the_database_is_down():
    registry = CollectorRegistry()
    registry.register(metrics.DatabaseCollector(sa.create_engine("postgresql://nobody@127.0.0.1:9/x", future=True)))
    assert registry.get_sample_value("assistant_database_up") == 0
    assert registry.get_sample_value("assistant_handover_queue_length") is None


def test_each_figure_is_exposed_by_one_kind_of_process():
    text = {role: generate_latest(metrics.registry(role)).decode() for role in ("rasa", "actions", "worker", "web")}
    for role, exposed in text.items():
        assert ("assistant_handover_queue_length" in exposed) == (role == "web"), role
        assert ("assistant_outbox_reports" in exposed) == (role == "web"), role
        assert ("assistant_messages_total" in exposed) == (role == "rasa"), role
        assert ("assistant_worker_delivery_attempts_total" in exposed) == (role == "worker"), role
        assert ("assistant_actions_total" in exposed) == (role == "actions"), role
        assert "process_cpu_seconds_total" in exposed
    with pytest.raises(ValueError):
        metrics.registry("nobody")
