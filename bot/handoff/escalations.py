"""Escalation records: the contact centre's queue, its callbacks, and what became of each.

A conversation handed over by the assistant is `waiting` until an adviser
claims it (`active`), then `closed` with an outcome. A callback request (out of
hours, or a resident who left the queue after giving contact details) is a
`callback` until an adviser closes it. The rows stay for the insights: who,
when, why, how long the resident waited, and the outcome.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Dict, List, Optional

import sqlalchemy as sa

from bot.db import utcnow
from bot.schema import metadata, ready

REASONS = {
    "asked": "Asked for a person",
    "not_understood": "Assistant did not understand twice",
    "urgent": "Urgent topic",
}
OUTCOMES = {
    "resolved": "Resolved",
    "callback_booked": "Callback booked",
    "referred": "Referred",
    "handed_back": "Handed back to the assistant",
    "resident_left": "Resident left",
    "emergency_line": "Given the emergency number",
}
# Advisers choose these when they close a conversation or a callback.
CLOSING_OUTCOMES = ("resolved", "callback_booked", "referred")
OPEN_STATES = ("waiting", "active", "callback")
# A resident whose widget has not been heard from for this long has left.
PRESENCE_GRACE = timedelta(seconds=60)

escalations = sa.Table(
    "escalations", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("conversation_id", sa.String(255), nullable=False, index=True),
    sa.Column("channel", sa.String(32), nullable=False, default="socketio"),
    sa.Column("reason", sa.String(32), nullable=False, index=True),
    sa.Column("topic", sa.String(200), nullable=False, default=""),
    sa.Column("urgent", sa.Boolean, nullable=False, default=False),
    sa.Column("status", sa.String(16), nullable=False, index=True),
    sa.Column("created_at", sa.DateTime, nullable=False, index=True),
    sa.Column("claimed_at", sa.DateTime, nullable=True),
    sa.Column("agent", sa.String(64), nullable=True),
    sa.Column("agent_name", sa.String(100), nullable=True),
    sa.Column("closed_at", sa.DateTime, nullable=True),
    sa.Column("outcome", sa.String(32), nullable=True, index=True),
    sa.Column("resident_seen_at", sa.DateTime, nullable=True),
    sa.Column("resident_left_at", sa.DateTime, nullable=True),
    sa.Column("callback_name", sa.String(100), nullable=True),
    sa.Column("callback_contact", sa.String(255), nullable=True),
    sa.Column("callback_time", sa.String(100), nullable=True),
    sa.Column("callback_about", sa.Text, nullable=True),
)


@dataclass
class Escalation:
    id: int
    conversation_id: str
    channel: str
    reason: str
    topic: str
    urgent: bool
    status: str
    created_at: datetime
    claimed_at: Optional[datetime] = None
    agent: Optional[str] = None
    agent_name: Optional[str] = None
    closed_at: Optional[datetime] = None
    outcome: Optional[str] = None
    resident_seen_at: Optional[datetime] = None
    resident_left_at: Optional[datetime] = None
    callback_name: Optional[str] = None
    callback_contact: Optional[str] = None
    callback_time: Optional[str] = None
    callback_about: Optional[str] = None

    @property
    def reason_text(self) -> str:
        return REASONS.get(self.reason, self.reason)

    @property
    def outcome_text(self) -> str:
        return OUTCOMES.get(self.outcome or "", self.outcome or "")

    def wait_seconds(self, now: Optional[datetime] = None) -> int:
        """How long the resident waited for an adviser (so far, if still waiting)."""
        end = self.claimed_at or self.closed_at or now or utcnow()
        return max(0, int((end - self.created_at).total_seconds()))

    def resident_left(self, now: Optional[datetime] = None) -> bool:
        if self.resident_left_at is not None:
            return True
        seen = self.resident_seen_at or self.created_at
        return (now or utcnow()) - seen > PRESENCE_GRACE

    def to_dict(self, now: Optional[datetime] = None) -> Dict:
        now = now or utcnow()
        data = {key: getattr(self, key) for key in self.__dataclass_fields__}
        for key, value in data.items():
            if isinstance(value, datetime):
                data[key] = value.isoformat() + "Z"
        data.update(reason_text=self.reason_text, outcome_text=self.outcome_text,
                    wait_seconds=self.wait_seconds(now), resident_left=self.resident_left(now))
        return data


def _queue_order():
    # Urgent conversations first, then the longest waiting.
    return (escalations.c.urgent.desc(), escalations.c.created_at, escalations.c.id)


class EscalationStore:
    def __init__(self, engine: sa.engine.Engine):
        self.engine = engine
        ready(engine)

    # The assistant's side -------------------------------------------------------

    def open(self, conversation_id: str, reason: str, topic: str = "", urgent: bool = False,
             channel: str = "socketio", status: str = "waiting", **callback: Optional[str]) -> Escalation:
        """A new escalation; a conversation already waiting keeps its place instead."""
        if reason not in REASONS:
            raise ValueError(f"unknown escalation reason {reason!r}")
        existing = self.current(conversation_id)
        if existing is not None and existing.status == status == "waiting":
            return existing
        now = utcnow()
        values = dict(conversation_id=conversation_id[:255], channel=channel[:32], reason=reason,
                      topic=(topic or "")[:200], urgent=bool(urgent), status=status, created_at=now,
                      resident_seen_at=now, **_callback_values(callback))
        with self.engine.begin() as db:
            new_id = db.execute(escalations.insert().values(**values)).inserted_primary_key[0]
        return self.get(new_id)

    def record_closed(self, conversation_id: str, reason: str, topic: str, outcome: str,
                      urgent: bool = False) -> Escalation:
        """An escalation settled at once, without an adviser (the emergency number out of hours)."""
        escalation = self.open(conversation_id, reason, topic, urgent, status="closed")
        with self.engine.begin() as db:
            db.execute(escalations.update().where(escalations.c.id == escalation.id)
                       .values(outcome=outcome, closed_at=escalation.created_at))
        return self.get(escalation.id)

    def position(self, escalation_id: int) -> int:
        """1 for the next conversation an adviser will take."""
        waiting = [e.id for e in self.waiting()]
        return waiting.index(escalation_id) + 1 if escalation_id in waiting else 0

    # Reading ---------------------------------------------------------------------

    def get(self, escalation_id: int) -> Optional[Escalation]:
        with self.engine.connect() as db:
            row = db.execute(sa.select(escalations).where(escalations.c.id == escalation_id)).mappings().first()
        return Escalation(**row) if row else None

    def current(self, conversation_id: str) -> Optional[Escalation]:
        """The conversation's open escalation (waiting, with an adviser, or a callback), if any."""
        with self.engine.connect() as db:
            row = db.execute(sa.select(escalations).where(
                escalations.c.conversation_id == conversation_id, escalations.c.status.in_(OPEN_STATES))
                .order_by(escalations.c.id.desc()).limit(1)).mappings().first()
        return Escalation(**row) if row else None

    def _list(self, *conditions, order=None) -> List[Escalation]:
        with self.engine.connect() as db:
            rows = db.execute(sa.select(escalations).where(*conditions)
                              .order_by(*(order or _queue_order()))).mappings()
            return [Escalation(**row) for row in rows]

    def waiting(self) -> List[Escalation]:
        return self._list(escalations.c.status == "waiting")

    def active(self) -> List[Escalation]:
        return self._list(escalations.c.status == "active")

    def callbacks(self) -> List[Escalation]:
        return self._list(escalations.c.status == "callback")

    def for_conversation(self, conversation_id: str) -> List[Escalation]:
        return self._list(escalations.c.conversation_id == conversation_id, order=[escalations.c.id])

    # The adviser's side -----------------------------------------------------------

    def claim(self, escalation_id: int, agent: str, agent_name: str) -> Optional[Escalation]:
        """Give a waiting conversation to an adviser; None if another adviser got there first."""
        with self.engine.begin() as db:
            claimed = db.execute(escalations.update().where(
                escalations.c.id == escalation_id, escalations.c.status == "waiting")
                .values(status="active", claimed_at=utcnow(), agent=agent, agent_name=agent_name)).rowcount
        return self.get(escalation_id) if claimed else None

    def close(self, escalation_id: int, outcome: str, agent: Optional[str] = None,
              agent_name: Optional[str] = None) -> Optional[Escalation]:
        """Close an open escalation with an outcome; None if it was not open."""
        if outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {outcome!r}")
        values = dict(status="closed", outcome=outcome, closed_at=utcnow())
        if agent:
            values.update(agent=agent, agent_name=agent_name)
        with self.engine.begin() as db:
            closed = db.execute(escalations.update().where(
                escalations.c.id == escalation_id, escalations.c.status.in_(OPEN_STATES))
                .values(**values)).rowcount
        return self.get(escalation_id) if closed else None

    # The resident's presence ---------------------------------------------------------

    def seen(self, conversation_id: str, left: bool = False) -> bool:
        """The resident's widget is still there (or has just closed); False if nothing is open."""
        now = utcnow()
        values = {"resident_left_at": now} if left else {"resident_seen_at": now, "resident_left_at": None}
        with self.engine.begin() as db:
            return bool(db.execute(escalations.update().where(
                escalations.c.conversation_id == conversation_id,
                escalations.c.status.in_(("waiting", "active"))).values(**values)).rowcount)

    def settle_departures(self, now: Optional[datetime] = None) -> int:
        """Residents who left the queue: a callback if they gave contact details, else closed.

        Run whenever the queue is read, so no scheduler is needed. Returns how many changed.
        """
        now = now or utcnow()
        changed = 0
        for escalation in self.waiting():
            if not escalation.resident_left(now):
                continue
            with self.engine.begin() as db:
                if escalation.callback_contact:
                    values = dict(status="callback", resident_left_at=escalation.resident_left_at or now)
                else:
                    values = dict(status="closed", outcome="resident_left", closed_at=now,
                                  resident_left_at=escalation.resident_left_at or now)
                changed += db.execute(escalations.update().where(
                    escalations.c.id == escalation.id, escalations.c.status == "waiting").values(**values)).rowcount
        return changed


def _callback_values(callback: Dict[str, Optional[str]]) -> Dict[str, Optional[str]]:
    limits = {"callback_name": 100, "callback_contact": 255, "callback_time": 100, "callback_about": 2000}
    unknown = set(callback) - set(limits)
    if unknown:
        raise TypeError(f"unknown callback fields {sorted(unknown)}")
    return {key: (str(value)[:limits[key]] if value else None) for key, value in callback.items()}


@lru_cache(maxsize=None)
def default_escalations() -> EscalationStore:
    from bot.db import engine
    return EscalationStore(engine())
