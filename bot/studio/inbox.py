"""What residents said that the assistant did not handle well: messages that fell to
the fallback or were understood with low confidence (from Rasa's tracker store),
and questions whose answer got a "not helpful" vote. Shown masked, newest first,
until an editor decides: teach it as a topic's example, mark it out of scope, or
ignore it.
"""
from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from datetime import timezone
from functools import lru_cache
from typing import Dict, List, Optional

import sqlalchemy as sa

from bot.db import utcnow
from bot.feedback import feedback
from bot.schema import metadata, ready
from bot.studio.personal_answers import answered_personal_question
from bot.tracker_events import events as rasa_events

decisions = sa.Table(
    "studio_inbox_decisions", metadata,
    sa.Column("message_key", sa.String(64), primary_key=True),
    sa.Column("decision", sa.String(16), nullable=False),        # taught, out_of_scope, ignored
    sa.Column("intent", sa.String(128), nullable=True),
    sa.Column("username", sa.String(64), nullable=False),
    sa.Column("decided_at", sa.DateTime, nullable=False),
)
DECISIONS = ("taught", "out_of_scope", "ignored")


def low_confidence() -> float:
    """Below this confidence a message goes to the inbox (`STUDIO_LOW_CONFIDENCE`, default 0.7)."""
    return float(os.environ.get("STUDIO_LOW_CONFIDENCE", "0.7"))


@dataclass
class InboxMessage:
    key: str             # event:<id> or feedback:<id>
    text: str            # masked
    why: str
    guess: str           # the assistant's guess, in words
    confidence: Optional[float]
    at: float            # Unix time

    def to_dict(self) -> Dict:
        return dict(self.__dict__)


def _guess(parse: Dict) -> str:
    for ranked in parse.get("intent_ranking") or []:
        name = ranked.get("name")
        if name and name != "nlu_fallback":
            if name == "faq":
                selected = ((parse.get("response_selector") or {}).get("faq") or {}).get("response") or {}
                key = str(selected.get("intent_response_key") or "faq")
                return key.split("/", 1)[-1].replace("_", " ")
            return name.replace("_", " ")
    return "no guess"


class Inbox:
    def __init__(self, engine: sa.engine.Engine, days: int = 30, scan: int = 5000):
        self.engine = engine
        self.days = days
        self.scan = scan     # at most this many recent messages are looked at
        ready(engine)      # the feedback table too

    def _decided(self) -> set:
        with self.engine.connect() as db:
            return {row[0] for row in db.execute(sa.select(decisions.c.message_key))}

    def _user_events(self) -> List[Dict]:
        since = time.time() - self.days * 86400
        query = (sa.select(rasa_events.c.id, rasa_events.c.sender_id, rasa_events.c.timestamp, rasa_events.c.data)
                 .where(rasa_events.c.type_name == "user", rasa_events.c.timestamp >= since)
                 .order_by(rasa_events.c.id.desc()).limit(self.scan))
        try:
            with self.engine.connect() as db:
                rows = db.execute(query).all()
        except sa.exc.DBAPIError:
            return []    # Rasa has not created its table yet: nobody has chatted
        found = []
        for row in rows:
            try:
                data = json.loads(row.data or "{}")
            except ValueError:
                continue
            found.append({"id": row.id, "sender": row.sender_id, "at": row.timestamp, "data": data})
        return found

    def _personal(self, event: Dict) -> bool:
        with self.engine.connect() as db:
            return answered_personal_question(db, event["sender"], event["id"])

    def messages(self, limit: int = 100) -> List[InboxMessage]:
        # Imported here: masking loads spaCy, which every process that makes the tables need not.
        from bot.studio.masking import mask
        decided = self._decided()
        threshold = low_confidence()
        found: List[InboxMessage] = []
        user_events = self._user_events()
        for event in user_events:
            key = f"event:{event['id']}"
            text = str(event["data"].get("text") or "")
            if key in decided or not text.strip() or text.startswith("/"):
                continue
            parse = event["data"].get("parse_data") or {}
            intent = parse.get("intent") or {}
            confidence = intent.get("confidence")
            if intent.get("name") == "nlu_fallback":
                why = "Not understood"
            elif isinstance(confidence, (int, float)) and confidence < threshold:
                why = "Low confidence"
            else:
                continue
            if self._personal(event):
                continue   # a name or address given to a form: masking cannot tell it is one
            found.append(InboxMessage(key, mask(text), why, _guess(parse), confidence, event["at"]))
        found.extend(self._not_helpful(decided, user_events))
        found.sort(key=lambda message: message.at, reverse=True)
        return found[:limit]

    def _not_helpful(self, decided: set, user_events: List[Dict]) -> List[InboxMessage]:
        """The resident's question behind each "not helpful" vote: their last message before it."""
        from bot.studio.masking import mask
        with self.engine.connect() as db:
            votes = db.execute(sa.select(feedback).where(feedback.c.helpful.is_(False))
                               .order_by(feedback.c.id.desc()).limit(500)).mappings().all()
        found = []
        for vote in votes:
            key = f"feedback:{vote['id']}"
            if key in decided:
                continue
            voted_at = vote["created_at"].replace(tzinfo=timezone.utc).timestamp()   # stored as naive UTC
            asked = [e for e in user_events if e["sender"] == vote["conversation_id"] and e["at"] <= voted_at
                     and not str(e["data"].get("text") or "").startswith("/")]
            if not asked:
                continue
            question = max(asked, key=lambda e: e["at"])
            if self._personal(question):
                continue
            parse = question["data"].get("parse_data") or {}
            found.append(InboxMessage(key, mask(str(question["data"].get("text") or "")), "Not helpful",
                                      _guess(parse), (parse.get("intent") or {}).get("confidence"), voted_at))
        return found

    def decide(self, key: str, decision: str, username: str, intent: Optional[str] = None) -> None:
        if decision not in DECISIONS:
            raise ValueError(f"unknown decision {decision!r}")
        with self.engine.begin() as db:
            db.execute(decisions.delete().where(decisions.c.message_key == key))
            db.execute(decisions.insert().values(message_key=key[:64], decision=decision, intent=intent,
                                                 username=username, decided_at=utcnow()))

    def find(self, key: str) -> Optional[InboxMessage]:
        for message in self.messages(limit=10_000):
            if message.key == key:
                return message
        return None


@lru_cache(maxsize=None)
def default_inbox() -> Inbox:
    from bot.db import engine
    return Inbox(engine())
