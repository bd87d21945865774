"""Staff sign-in sessions, kept server-side: the cookie holds a random token,
the database only its SHA-256, so a leaked database cannot sign anyone in."""
from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from typing import Optional

import sqlalchemy as sa

from bot.db import utcnow
from bot.schema import metadata, ready
from bot.staff.accounts import StaffMember, StaffStore

sessions = sa.Table(
    "staff_sessions", metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("staff_id", sa.Integer, nullable=False, index=True),
    sa.Column("csrf_token", sa.String(64), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("last_seen_at", sa.DateTime, nullable=False, index=True),
)


def idle_limit() -> timedelta:
    """Signed out after this long without using a staff page (`STAFF_SESSION_IDLE_MINUTES`, default 8 hours)."""
    return timedelta(minutes=int(os.environ.get("STAFF_SESSION_IDLE_MINUTES", "480")))


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class StaffSession:
    member: StaffMember
    csrf_token: str


class SessionStore:
    def __init__(self, engine: sa.engine.Engine, accounts: StaffStore):
        self.engine = engine
        self.accounts = accounts
        ready(engine)

    def start(self, member: StaffMember) -> str:
        """A new session for a member who has just signed in; the cookie's token."""
        token = secrets.token_urlsafe(32)
        now = utcnow()
        with self.engine.begin() as db:
            # Expired sessions are removed as new ones start: nothing else needs to clean up.
            db.execute(sessions.delete().where(sessions.c.last_seen_at < now - idle_limit()))
            db.execute(sessions.insert().values(token_hash=_hash(token), staff_id=member.id,
                                                csrf_token=secrets.token_urlsafe(32), created_at=now,
                                                last_seen_at=now))
        return token

    def get(self, token: Optional[str]) -> Optional[StaffSession]:
        if not token:
            return None
        now = utcnow()
        with self.engine.connect() as db:
            row = db.execute(sa.select(sessions).where(sessions.c.token_hash == _hash(token))).mappings().first()
        if row is None or row["last_seen_at"] < now - idle_limit():
            return None
        member = self.accounts.by_id(row["staff_id"])
        if member is None or not member.active:
            return None
        if now - row["last_seen_at"] > timedelta(minutes=1):
            with self.engine.begin() as db:
                db.execute(sessions.update().where(sessions.c.token_hash == row["token_hash"])
                           .values(last_seen_at=now))
        return StaffSession(member=member, csrf_token=row["csrf_token"])

    def end(self, token: Optional[str]) -> None:
        if token:
            with self.engine.begin() as db:
                db.execute(sessions.delete().where(sessions.c.token_hash == _hash(token)))

    def end_all(self, member_id: int, keep: Optional[str] = None) -> None:
        """End every session of a member, but the one whose token is `keep`, if given."""
        ending = sessions.delete().where(sessions.c.staff_id == member_id)
        if keep:
            ending = ending.where(sessions.c.token_hash != _hash(keep))
        with self.engine.begin() as db:
            db.execute(ending)

    def change_password(self, username: str, password: str, keep: Optional[str] = None) -> None:
        """A new password, and the account's other sessions ended: whoever had the old one is signed out."""
        self.accounts.set_password(username, password)
        member = self.accounts.get(username)
        if member is not None:
            self.end_all(member.id, keep=keep)


@lru_cache(maxsize=None)
def default_sessions() -> SessionStore:
    from bot.db import engine
    from bot.staff.accounts import default_staff
    return SessionStore(engine(), default_staff())
