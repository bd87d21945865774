"""The escalation records: queue order, claiming, closing, and residents who leave."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from bot.db import utcnow
from bot.handoff.escalations import EscalationStore


@pytest.fixture
def store(tmp_path):
    return EscalationStore(sa.create_engine(f"sqlite:///{tmp_path / 'e.db'}", future=True))


def test_queue_puts_urgent_first_then_longest_waiting(store):
    first = store.open("c1", "asked", "Pay your council tax")
    second = store.open("c2", "not_understood")
    urgent = store.open("c3", "urgent", "Homeless", urgent=True)
    assert [e.id for e in store.waiting()] == [urgent.id, first.id, second.id]
    assert store.position(urgent.id) == 1 and store.position(second.id) == 3


def test_asking_twice_keeps_the_place_in_the_queue(store):
    first = store.open("c1", "asked")
    assert store.open("c1", "asked").id == first.id
    assert len(store.waiting()) == 1


def test_only_one_adviser_can_claim(store):
    item = store.open("c1", "asked")
    claimed = store.claim(item.id, "sam", "Sam")
    assert claimed.status == "active" and claimed.agent_name == "Sam" and claimed.claimed_at is not None
    assert store.claim(item.id, "alex", "Alex") is None
    assert store.get(item.id).agent == "sam"


def test_close_records_outcome_and_wait(store):
    item = store.open("c1", "asked")
    store.claim(item.id, "sam", "Sam")
    closed = store.close(item.id, "resolved")
    assert closed.status == "closed" and closed.outcome == "resolved" and closed.outcome_text == "Resolved"
    # The wait ends when an adviser claims the chat, not when it closes or when asked.
    later = closed.closed_at + timedelta(hours=3)
    assert closed.claimed_at is not None
    assert closed.wait_seconds(later) == int((closed.claimed_at - closed.created_at).total_seconds()) < 60
    assert store.current("c1") is None
    assert store.close(item.id, "resolved") is None     # already closed
    with pytest.raises(ValueError):
        store.close(item.id, "made-up")


def test_unknown_reason_is_refused(store):
    with pytest.raises(ValueError):
        store.open("c1", "bored")


def test_resident_who_left_becomes_a_callback_if_they_gave_contact_details(store):
    with_contact = store.open("c1", "asked", callback_contact="07700900123", callback_name="Ann")
    without = store.open("c2", "asked")
    staying = store.open("c3", "asked")
    assert store.seen("c1", left=True)
    assert store.seen("c3")
    later = utcnow() + timedelta(seconds=30)
    assert store.settle_departures(later) == 1               # c2 has not been gone long enough yet
    assert store.get(with_contact.id).status == "callback"
    much_later = utcnow() + timedelta(minutes=5)
    store.settle_departures(much_later)
    assert store.get(without.id).status == "closed" and store.get(without.id).outcome == "resident_left"
    assert store.get(staying.id).status == "closed"          # no heartbeat for 5 minutes: gone too
    assert [e.id for e in store.callbacks()] == [with_contact.id]


def test_presence_for_a_conversation_with_nothing_open_changes_nothing(store):
    assert store.seen("nobody") is False


def test_emergency_number_out_of_hours_is_recorded_closed(store):
    item = store.record_closed("c1", "urgent", "Homeless", outcome="emergency_line", urgent=True)
    assert item.status == "closed" and item.outcome == "emergency_line" and item.urgent
    assert store.waiting() == []


def test_callback_fields_are_limited_and_checked(store):
    item = store.open("c1", "asked", status="callback", callback_about="x" * 5000, callback_name="Ann")
    assert len(item.callback_about) == 2000
    with pytest.raises(TypeError):
        store.open("c2", "asked", address="1 High Street")
