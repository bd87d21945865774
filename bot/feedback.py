"""Residents' "Was this helpful?" answers, kept against the conversation for the insights."""
from __future__ import annotations

from functools import lru_cache
from typing import Dict, List

import sqlalchemy as sa

from bot.db import utcnow
from bot.schema import metadata, ready

MAX_CONVERSATION_ID = 255
MAX_MESSAGE = 500

feedback = sa.Table(
    "feedback", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("conversation_id", sa.String(MAX_CONVERSATION_ID), nullable=False, index=True),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("helpful", sa.Boolean, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False, index=True),
)


class FeedbackStore:
    def __init__(self, engine: sa.engine.Engine):
        self.engine = engine
        ready(engine)

    def add(self, conversation_id: str, message: str, helpful: bool) -> None:
        with self.engine.begin() as db:
            db.execute(feedback.insert().values(
                conversation_id=conversation_id[:MAX_CONVERSATION_ID], message=message[:MAX_MESSAGE],
                helpful=bool(helpful), created_at=utcnow()))

    def for_conversation(self, conversation_id: str) -> List[Dict]:
        with self.engine.connect() as db:
            rows = db.execute(sa.select(feedback).where(feedback.c.conversation_id == conversation_id)
                              .order_by(feedback.c.id)).mappings()
            return [dict(row) for row in rows]


@lru_cache(maxsize=None)
def default_store() -> FeedbackStore:
    from bot.db import engine
    return FeedbackStore(engine())
