"""The outbox: every report is stored here before the back office is called.

A report is `queued` until a sender claims it (`sending`, with a lease so a
crashed sender's claim expires), then `delivered` with the back office's
reference, or back to `queued` with a later `next_attempt_at` when the back
office is down, or `rejected` when the back office refuses it (kept for staff).
Our reference is also sent to the back office, so a retry after a lost answer
is recognised there and never files the same report twice.
"""
from __future__ import annotations

import json
import logging
import os
import random
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import List, Optional

import sqlalchemy as sa

from bot.db import utcnow
from bot.connectors.base import BackOfficeRejected, BackOfficeUnavailable, Connector, Report
from bot.references import OUR_ALPHABET, OUR_PREFIX
from bot.schema import metadata, ready

logger = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)

reports = sa.Table(
    "service_reports", metadata,
    sa.Column("reference", sa.String(16), primary_key=True),
    sa.Column("conversation_id", sa.String(255), index=True),
    sa.Column("service_code", sa.String(64), nullable=False, index=True),
    sa.Column("report", sa.Text, nullable=False),
    sa.Column("state", sa.String(16), nullable=False, index=True),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("next_attempt_at", sa.DateTime, nullable=False, index=True),
    sa.Column("lease_until", sa.DateTime, nullable=True),
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Column("backoffice_reference", sa.String(64), nullable=True, index=True),
    # The reference the resident was given (ours until the back office has answered).
    sa.Column("told_reference", sa.String(64), nullable=True),
    sa.Column("created_at", sa.DateTime, nullable=False, index=True),
    sa.Column("delivered_at", sa.DateTime, nullable=True),
)


def retry_delay(attempts: int) -> timedelta:
    """Exponential back-off with jitter: base, 2×base, 4×base … up to the cap."""
    base = float(os.environ.get("OUTBOX_RETRY_BASE_SECONDS", "15"))
    cap = float(os.environ.get("OUTBOX_RETRY_MAX_SECONDS", "900"))
    delay = min(cap, base * 2 ** max(0, attempts - 1))
    return timedelta(seconds=delay * random.uniform(0.8, 1.0))


def new_reference() -> str:
    return OUR_PREFIX + "".join(secrets.choice(OUR_ALPHABET) for _ in range(6))


@dataclass
class Entry:
    reference: str
    conversation_id: Optional[str]
    report: Report
    state: str
    attempts: int
    backoffice_reference: Optional[str]
    last_error: Optional[str]
    created_at: datetime
    delivered_at: Optional[datetime]
    told_reference: Optional[str] = None


def _due(now: datetime):
    """Reports to send now: queued and due, or claimed by a sender whose lease ran out."""
    return sa.or_(
        sa.and_(reports.c.state == "queued", reports.c.next_attempt_at <= now),
        sa.and_(reports.c.state == "sending", reports.c.lease_until < now),
    )


class Outbox:
    def __init__(self, engine: sa.engine.Engine):
        self.engine = engine
        ready(engine)

    def add(self, report: Report, conversation_id: Optional[str] = None) -> Entry:
        """Store a report durably and give it our reference (committed before returning)."""
        now = utcnow()
        for _ in range(5):
            report.reference = new_reference()
            try:
                with self.engine.begin() as db:
                    db.execute(reports.insert().values(
                        reference=report.reference, conversation_id=conversation_id,
                        service_code=report.service_code, report=json.dumps(report.to_dict()),
                        state="queued", attempts=0, next_attempt_at=now, created_at=now))
                return self.get(report.reference)
            except sa.exc.IntegrityError:
                continue  # the same random reference twice: draw again
        raise RuntimeError("could not draw a unique reference")

    def get(self, reference: str) -> Optional[Entry]:
        with self.engine.connect() as db:
            row = db.execute(sa.select(reports).where(reports.c.reference == reference.upper())).mappings().first()
        return _entry(row) if row else None

    def find_by_backoffice_reference(self, reference: str) -> Optional[Entry]:
        with self.engine.connect() as db:
            row = db.execute(sa.select(reports).where(reports.c.backoffice_reference == reference)).mappings().first()
        return _entry(row) if row else None

    def set_backoffice_reference(self, reference: str, backoffice_reference: str) -> None:
        with self.engine.begin() as db:
            db.execute(reports.update().where(reports.c.reference == reference)
                       .values(backoffice_reference=backoffice_reference))

    def set_told_reference(self, reference: str, told: str) -> None:
        with self.engine.begin() as db:
            db.execute(reports.update().where(reports.c.reference == reference).values(told_reference=told))

    def for_contact(self, email: Optional[str], phone: Optional[str], limit: int = 3) -> List[Entry]:
        """The newest reports made with this email address or phone number."""
        wanted = email or phone
        if not wanted:
            return []
        with self.engine.connect() as db:
            rows = db.execute(sa.select(reports).where(reports.c.report.contains(wanted))
                              .order_by(reports.c.created_at.desc()).limit(200)).mappings().all()
        found = [_entry(row) for row in rows]
        return [e for e in found if (email and e.report.email == email) or (phone and e.report.phone == phone)][:limit]

    def entries(self, state: Optional[str] = None, conversation_id: Optional[str] = None) -> List[Entry]:
        query = sa.select(reports).order_by(reports.c.created_at)
        if state:
            query = query.where(reports.c.state == state)
        if conversation_id:
            query = query.where(reports.c.conversation_id == conversation_id)
        with self.engine.connect() as db:
            return [_entry(row) for row in db.execute(query).mappings()]

    def _claim(self, reference: str, now: datetime) -> bool:
        """Take a due report for sending; only one sender can hold it."""
        with self.engine.begin() as db:
            claimed = db.execute(reports.update().where(reports.c.reference == reference, _due(now))
                                 .values(state="sending", lease_until=now + LEASE))
            return claimed.rowcount == 1

    def deliver(self, reference: str, connector: Connector, now: Optional[datetime] = None) -> Entry:
        """Try to file one report now, if it is due and nobody else is sending it."""
        now = now or utcnow()
        if self._claim(reference, now):
            return self._send(reference, connector, now)
        return self.get(reference)

    def _send(self, reference: str, connector: Connector, now: datetime) -> Entry:
        """File a report this sender has claimed."""
        entry = self.get(reference)
        attempts = entry.attempts + 1
        try:
            backoffice_reference = connector.submit(entry.report)
            values = dict(state="delivered", backoffice_reference=backoffice_reference,
                          delivered_at=utcnow(), last_error=None)
        except BackOfficeUnavailable as error:
            logger.warning("Back office unavailable for %s (attempt %d): %s", reference, attempts, error)
            values = dict(state="queued", next_attempt_at=now + retry_delay(attempts), last_error=str(error))
        except BackOfficeRejected as error:
            logger.error("Back office rejected %s: %s", reference, error)
            values = dict(state="rejected", last_error=str(error))
        with self.engine.begin() as db:
            db.execute(reports.update().where(reports.c.reference == reference)
                       .values(attempts=attempts, lease_until=None, **values))
        return self.get(reference)

    def deliver_due(self, connector: Connector, now: Optional[datetime] = None, limit: int = 50) -> int:
        """File every report that is due; how many this sender delivered (not another sender's)."""
        now = now or utcnow()
        with self.engine.connect() as db:
            references = list(db.execute(sa.select(reports.c.reference).where(_due(now))
                                         .order_by(reports.c.next_attempt_at).limit(limit)).scalars())
        return sum(self._send(ref, connector, now).state == "delivered"
                   for ref in references if self._claim(ref, now))


@lru_cache(maxsize=None)
def default_outbox() -> Outbox:
    """The outbox in the project's database (one per process)."""
    from bot.db import engine
    return Outbox(engine())


def _entry(row) -> Entry:
    return Entry(reference=row["reference"], conversation_id=row["conversation_id"],
                 report=Report.from_dict(json.loads(row["report"])), state=row["state"],
                 attempts=row["attempts"], backoffice_reference=row["backoffice_reference"],
                 last_error=row["last_error"], created_at=row["created_at"], delivered_at=row["delivered_at"],
                 told_reference=row["told_reference"])
