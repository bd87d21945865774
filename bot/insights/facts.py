"""Facts for the insights, kept from Rasa's tracker store as it grows.

Rasa keeps every event as JSON; counting from that on a large history would
mean reading all of it for every figure. So new events are read once, in
order, into two small indexed tables: one row per conversation and one per
resident message (its topic and hour; its text only when the assistant did not
understand it, and then masked). The raw events can then be deleted after the
retention period while the figures stay.
"""
from __future__ import annotations

import json
import threading
from datetime import datetime, timezone
from functools import lru_cache
from typing import Dict, List, Optional
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from bot.handoff.transcript import topic_of
from bot.schema import metadata, ready
from bot.settings import council
from bot.tracker_events import events as rasa_events

# Actions that mean the resident got what they came for.
ANSWERS = ("utter_faq", "action_bin_day", "action_submit_report", "action_report_status", "action_submit_callback")
BATCH = 20_000
_updating = threading.Lock()   # one reader at a time in a process

conversations = sa.Table(
    "insights_conversations", metadata,
    sa.Column("sender_id", sa.String(255), primary_key=True),
    sa.Column("channel", sa.String(32), nullable=False, default="", index=True),
    sa.Column("started_at", sa.DateTime, nullable=False, index=True),
    sa.Column("last_at", sa.DateTime, nullable=False),
    sa.Column("messages", sa.Integer, nullable=False, default=0),
    sa.Column("fallbacks", sa.Integer, nullable=False, default=0),
    sa.Column("answers", sa.Integer, nullable=False, default=0),
)
messages = sa.Table(
    "insights_messages", metadata,
    sa.Column("event_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("at", sa.DateTime, nullable=False),
    sa.Column("day", sa.Date, nullable=False),
    sa.Column("hour", sa.Integer, nullable=False),      # 0-23, the council's local time
    sa.Column("channel", sa.String(32), nullable=False, default=""),
    sa.Column("topic", sa.String(200), nullable=True),
    sa.Column("fallback", sa.Boolean, nullable=False, default=False),
    sa.Column("text", sa.String(500), nullable=True),    # masked, and only for messages not understood
)
# Each figure reads one of these without touching the table (covering indexes).
sa.Index("ix_insights_messages_sender_topic", messages.c.sender_id, messages.c.topic, messages.c.day)
sa.Index("ix_insights_messages_at_topic", messages.c.at, messages.c.topic)
sa.Index("ix_insights_messages_at_hour", messages.c.at, messages.c.hour)
sa.Index("ix_insights_messages_fallback_at", messages.c.fallback, messages.c.at)
sa.Index("ix_insights_conversations_started_answers", conversations.c.started_at, conversations.c.answers,
         conversations.c.sender_id)
state = sa.Table(
    "insights_state", metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("value", sa.Integer, nullable=False),
)


def _utc(timestamp: Optional[float]) -> datetime:
    return datetime.fromtimestamp(float(timestamp or 0), tz=timezone.utc).replace(tzinfo=None)


class Facts:
    def __init__(self, engine: sa.engine.Engine):
        self.engine = engine
        ready(engine)
        self.zone = ZoneInfo(council().timezone)

    def _last_id(self, db) -> int:
        return db.execute(sa.select(state.c.value).where(state.c.name == "last_event_id")).scalar() or 0

    def update(self) -> int:
        """Read the events Rasa stored since last time; how many were read."""
        total = 0
        with _updating:
            while True:
                try:
                    read = self._batch()
                except sa.exc.IntegrityError:
                    return total     # another process read the same events first: they are counted
                total += read
                if read < BATCH:
                    return total

    def _batch(self) -> int:
        # Imported here: masking loads spaCy, which every process that makes the tables need not.
        from bot.studio.masking import mask
        from bot.studio.personal_answers import PLACEHOLDER, answered_personal_question
        with self.engine.begin() as db:
            last = self._last_id(db)
            try:
                rows = db.execute(sa.select(rasa_events.c.id, rasa_events.c.sender_id, rasa_events.c.type_name,
                                            rasa_events.c.timestamp, rasa_events.c.data)
                                  .where(rasa_events.c.id > last).order_by(rasa_events.c.id).limit(BATCH)).all()
            except sa.exc.DBAPIError:
                return 0      # Rasa has not made its table yet
            if not rows:
                return 0
            action_names = self._action_names(db, last, rows[-1].id)
            new_messages: List[Dict] = []
            summary: Dict[str, Dict] = {}
            for row in rows:
                at = _utc(row.timestamp)
                item = summary.setdefault(row.sender_id, {"first": at, "last": at, "messages": 0, "fallbacks": 0,
                                                          "answers": 0, "channel": ""})
                item["first"], item["last"] = min(item["first"], at), max(item["last"], at)
                if row.type_name == "action" and action_names.get(row.id) in ANSWERS:
                    item["answers"] += 1
                if row.type_name != "user":
                    continue
                data = json.loads(row.data or "{}")
                text = str(data.get("text") or "")
                if text.startswith("/"):
                    continue     # a button press: counted by what it leads to, not as words
                parse = data.get("parse_data") or {}
                fallback = ((parse.get("intent") or {}).get("name") == "nlu_fallback"
                            and not self._taken_by_form(db, row.sender_id, row.id))
                channel = str(data.get("input_channel") or "")
                item["channel"] = item["channel"] or channel
                item["messages"] += 1
                item["fallbacks"] += int(fallback)
                local = at.replace(tzinfo=timezone.utc).astimezone(self.zone)
                if fallback:   # a bare name given to a form passes masking: keep none of its words
                    text = PLACEHOLDER if answered_personal_question(db, row.sender_id, row.id) else mask(text)
                new_messages.append(dict(event_id=row.id, sender_id=row.sender_id, at=at, day=local.date(),
                                         hour=local.hour, channel=channel[:32], topic=(topic_of(parse) or None),
                                         fallback=fallback, text=text[:500] if fallback else None))
            self._merge(db, summary)
            if new_messages:
                db.execute(messages.insert(), new_messages)
            db.execute(state.delete().where(state.c.name == "last_event_id"))
            db.execute(state.insert().values(name="last_event_id", value=rows[-1].id))
            return len(rows)

    @staticmethod
    def _taken_by_form(db, sender_id: str, event_id: int) -> bool:
        """A message the classifier could not place that a form took as its answer ("Mill Lane" to "Which
        street?"): understood. Rasa saves a turn's events together, and a form that cannot use a message
        is not logged, so the first action after it tells."""
        following = db.execute(sa.select(rasa_events.c.action_name).where(
            rasa_events.c.sender_id == sender_id, rasa_events.c.id > event_id, rasa_events.c.type_name == "action",
            rasa_events.c.action_name != "action_extract_slots").order_by(rasa_events.c.id).limit(1)).scalar()
        return bool(following and following.endswith("_form"))

    @staticmethod
    def _action_names(db, after: int, until: int) -> Dict[int, str]:
        # The action's name is a column of Rasa's table: no JSON to read for these.
        names = sa.select(rasa_events.c.id, rasa_events.c.action_name).where(
            rasa_events.c.type_name == "action", rasa_events.c.id > after, rasa_events.c.id <= until)
        return {row.id: row.action_name for row in db.execute(names)}

    @staticmethod
    def _merge(db, summary: Dict[str, Dict]) -> None:
        senders = list(summary)
        existing = {}
        for start in range(0, len(senders), 500):
            chunk = senders[start:start + 500]
            existing.update({row.sender_id: row for row in db.execute(
                sa.select(conversations).where(conversations.c.sender_id.in_(chunk)))})
        inserts = []
        for sender, item in summary.items():
            old = existing.get(sender)
            if old is None:
                inserts.append(dict(sender_id=sender[:255], channel=item["channel"][:32], started_at=item["first"],
                                    last_at=item["last"], messages=item["messages"], fallbacks=item["fallbacks"],
                                    answers=item["answers"]))
                continue
            db.execute(conversations.update().where(conversations.c.sender_id == sender).values(
                channel=old.channel or item["channel"][:32], last_at=max(old.last_at, item["last"]),
                messages=old.messages + item["messages"], fallbacks=old.fallbacks + item["fallbacks"],
                answers=old.answers + item["answers"]))
        if inserts:
            db.execute(conversations.insert(), inserts)


@lru_cache(maxsize=None)
def default_facts() -> Facts:
    from bot.db import engine
    return Facts(engine())
