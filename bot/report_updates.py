"""Each report's progress as the back office tells it, and who wants to hear about it.

`report_updates` keeps every status change of a report we filed (newest last),
keyed so the same change polled twice is recorded once. `report_subscribers`
holds residents who asked for updates on a report someone else made (they
chose it instead of a duplicate). `update_polls` remembers how far the worker
has read the back office's changes.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import List, Optional

import sqlalchemy as sa

from bot.db import utcnow
from bot.schema import metadata, ready

updates = sa.Table(
    "report_updates", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("reference", sa.String(64), nullable=False, index=True),   # the back office's reference
    sa.Column("change_key", sa.String(128), nullable=False),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("notes", sa.Text, nullable=True),
    sa.Column("at", sa.DateTime, nullable=False),
    sa.Column("recorded_at", sa.DateTime, nullable=False),
    sa.UniqueConstraint("reference", "change_key"),
)

subscribers = sa.Table(
    "report_subscribers", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("reference", sa.String(64), nullable=False, index=True),   # the back office's reference
    sa.Column("service_code", sa.String(64), nullable=False),
    sa.Column("email", sa.String(255), nullable=True),
    sa.Column("phone", sa.String(32), nullable=True),
    sa.Column("conversation_id", sa.String(255), nullable=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
)

polls = sa.Table(
    "update_polls", metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("polled_to", sa.DateTime, nullable=False),
)


@dataclass(frozen=True)
class Change:
    reference: str
    status: str
    notes: str
    at: datetime


@dataclass(frozen=True)
class Followed:
    reference: str
    service_code: str


@dataclass(frozen=True)
class Subscriber:
    service_code: str
    email: Optional[str]
    phone: Optional[str]


def _change(row) -> Change:
    return Change(row["reference"], row["status"], row["notes"] or "", row["at"])


class ReportUpdates:
    def __init__(self, engine: sa.engine.Engine):
        self.engine = engine
        ready(engine)

    def record(self, reference: str, change_key: str, status: str, notes: str, at: datetime) -> bool:
        """Keep one change; False if it was already kept or says nothing new (same status and notes)."""
        with self.engine.begin() as db:
            if db.execute(sa.select(updates.c.id).where(updates.c.reference == reference,
                                                        updates.c.change_key == change_key)).first():
                return False
            last = db.execute(sa.select(updates.c.status, updates.c.notes).where(updates.c.reference == reference)
                              .order_by(updates.c.at.desc(), updates.c.id.desc()).limit(1)).first()
            if last is not None and (last.status, last.notes or "") == (status, notes or ""):
                return False
            if last is None and status == "open" and not notes:
                return False   # the report's first state: nothing to tell
            try:
                db.execute(updates.insert().values(reference=reference, change_key=change_key, status=status,
                                                   notes=notes or None, at=at, recorded_at=utcnow()))
            except sa.exc.IntegrityError:
                return False   # another worker kept it a moment ago
        return True

    def history(self, reference: str) -> List[Change]:
        """A report's changes, newest first."""
        with self.engine.connect() as db:
            rows = db.execute(sa.select(updates).where(updates.c.reference == reference)
                              .order_by(updates.c.at.desc(), updates.c.id.desc())).mappings().all()
        return [_change(row) for row in rows]

    def subscribe(self, reference: str, service_code: str, email: Optional[str], phone: Optional[str],
                  conversation_id: Optional[str] = None) -> bool:
        """Add a resident to a report instead of a duplicate; False if they already follow it.

        A resident who stays anonymous is kept too (by conversation), for the insights: they hear nothing."""
        same = [subscribers.c.reference == reference,
                sa.func.coalesce(subscribers.c.email, "") == (email or ""),
                sa.func.coalesce(subscribers.c.phone, "") == (phone or "")]
        if not (email or phone):
            same.append(subscribers.c.conversation_id == conversation_id)
        with self.engine.begin() as db:
            if db.execute(sa.select(subscribers.c.id).where(*same)).first():
                return False
            db.execute(subscribers.insert().values(reference=reference, service_code=service_code,
                                                   email=email, phone=phone,
                                                   conversation_id=conversation_id, created_at=utcnow()))
        return True

    def for_conversation(self, conversation_id: str, references: List[str], limit: int = 10) -> List[Change]:
        """Changes to these reports and to any the conversation followed, newest first."""
        followed = sa.select(subscribers.c.reference).where(subscribers.c.conversation_id == conversation_id)
        with self.engine.connect() as db:
            rows = db.execute(sa.select(updates).where(sa.or_(updates.c.reference.in_(references),
                                                              updates.c.reference.in_(followed)))
                              .order_by(updates.c.at.desc(), updates.c.id.desc()).limit(limit)).mappings().all()
        return [_change(row) for row in rows]

    def followed_in(self, conversation_id: str) -> List["Followed"]:
        with self.engine.connect() as db:
            rows = db.execute(sa.select(subscribers.c.reference, subscribers.c.service_code)
                              .where(subscribers.c.conversation_id == conversation_id)).all()
        return [Followed(row.reference, row.service_code) for row in rows]

    def subscribers(self, reference: str) -> List[Subscriber]:
        with self.engine.connect() as db:
            rows = db.execute(sa.select(subscribers.c.service_code, subscribers.c.email, subscribers.c.phone)
                              .where(subscribers.c.reference == reference).order_by(subscribers.c.id)).all()
        return [Subscriber(row.service_code, row.email, row.phone) for row in rows]

    def forget_followers_before(self, cutoff: datetime) -> int:
        """Retention: who followed a report, after the retention period."""
        with self.engine.begin() as db:
            return db.execute(subscribers.delete().where(subscribers.c.created_at < cutoff)).rowcount

    def polled_to(self, name: str) -> Optional[datetime]:
        with self.engine.connect() as db:
            return db.execute(sa.select(polls.c.polled_to).where(polls.c.name == name)).scalar()

    def set_polled_to(self, name: str, moment: datetime) -> None:
        with self.engine.begin() as db:
            if db.execute(polls.update().where(polls.c.name == name).values(polled_to=moment)).rowcount == 0:
                db.execute(polls.insert().values(name=name, polled_to=moment))


@lru_cache(maxsize=None)
def report_updates() -> ReportUpdates:
    """The store in the project's database (one per process)."""
    from bot.db import engine
    return ReportUpdates(engine())
