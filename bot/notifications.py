"""Messages to residents about their reports: queued in the database, sent by the worker.

Like the outbox, a message is stored before it is sent, so a mail server that
is down delays it and loses nothing; a sender claims a message before sending,
so two workers never send it twice.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Dict, List, Optional

import sqlalchemy as sa

from bot.db import utcnow
from bot.outbox import LEASE, retry_delay
from bot.schema import metadata, ready

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 10

notifications = sa.Table(
    "notifications", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("reference", sa.String(64), nullable=False, index=True),
    sa.Column("channel", sa.String(8), nullable=False),         # email or sms
    sa.Column("recipient", sa.String(255), nullable=False),
    sa.Column("fields", sa.Text, nullable=False),               # what the message says, as template fields
    sa.Column("state", sa.String(16), nullable=False, index=True),   # queued, sending, sent, failed
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("next_attempt_at", sa.DateTime, nullable=False, index=True),
    sa.Column("lease_until", sa.DateTime, nullable=True),
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Column("created_at", sa.DateTime, nullable=False, index=True),
    sa.Column("sent_at", sa.DateTime, nullable=True),
)


class SendFailed(Exception):
    """The message could not be sent now; `final` when trying again will not help."""

    def __init__(self, message: str, final: bool = False):
        super().__init__(message)
        self.final = final


@dataclass(frozen=True)
class Message:
    id: int
    reference: str
    channel: str
    recipient: str
    fields: Dict[str, str]
    state: str
    created_at: datetime
    sent_at: Optional[datetime]


class Notifications:
    def __init__(self, engine: sa.engine.Engine):
        self.engine = engine
        ready(engine)

    def queue(self, reference: str, channel: str, recipient: str, fields: Dict[str, str]) -> None:
        now = utcnow()
        with self.engine.begin() as db:
            db.execute(notifications.insert().values(
                reference=reference, channel=channel, recipient=recipient, fields=json.dumps(fields),
                state="queued", attempts=0, next_attempt_at=now, created_at=now))

    def messages(self, reference: Optional[str] = None) -> List[Message]:
        query = sa.select(notifications).order_by(notifications.c.id)
        if reference:
            query = query.where(notifications.c.reference == reference)
        with self.engine.connect() as db:
            return [Message(row["id"], row["reference"], row["channel"], row["recipient"], json.loads(row["fields"]),
                            row["state"], row["created_at"], row["sent_at"]) for row in db.execute(query).mappings()]

    def send_due(self, sender, now: Optional[datetime] = None, limit: int = 50) -> int:
        """Send every message that is due through `sender`; how many this worker sent."""
        now = now or utcnow()
        due = sa.or_(sa.and_(notifications.c.state == "queued", notifications.c.next_attempt_at <= now),
                     sa.and_(notifications.c.state == "sending", notifications.c.lease_until < now))
        with self.engine.connect() as db:
            ids = list(db.execute(sa.select(notifications.c.id).where(due)
                                  .order_by(notifications.c.id).limit(limit)).scalars())
        sent = 0
        for message_id in ids:
            with self.engine.begin() as db:
                if db.execute(notifications.update().where(notifications.c.id == message_id, due)
                              .values(state="sending", lease_until=now + LEASE)).rowcount != 1:
                    continue   # another worker has it
            sent += self._send(message_id, sender, now)
        return sent

    def _send(self, message_id: int, sender, now: datetime) -> bool:
        with self.engine.connect() as db:
            row = db.execute(sa.select(notifications).where(notifications.c.id == message_id)).mappings().one()
        attempts = row["attempts"] + 1
        try:
            sender.send(row["channel"], row["recipient"], json.loads(row["fields"]))
            values = dict(state="sent", sent_at=utcnow(), last_error=None)
        except SendFailed as error:
            final = error.final or attempts >= MAX_ATTEMPTS
            logger.warning("Message %s about %s not sent (attempt %d): %s", message_id, row["reference"], attempts, error)
            values = dict(state="failed" if final else "queued", last_error=str(error),
                          next_attempt_at=now + retry_delay(attempts))
        with self.engine.begin() as db:
            db.execute(notifications.update().where(notifications.c.id == message_id)
                       .values(attempts=attempts, lease_until=None, **values))
        return values["state"] == "sent"

    def forget_sent_before(self, cutoff: datetime) -> int:
        """Retention: messages sent or given up on before `cutoff` go, with who they went to."""
        with self.engine.begin() as db:
            return db.execute(notifications.delete().where(notifications.c.created_at < cutoff,
                                                           notifications.c.state.in_(("sent", "failed")))).rowcount
