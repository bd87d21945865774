"""Slowing down password guessing, without handing anyone a way to lock staff out.

Failures are counted per username *and* client address: a stranger guessing Sam's password
slows down and then locks only their own tries at "sam", never Sam's from another address. A
lock lasts a fixed time from the failure that earned it (tries while locked are refused
unchecked and not counted), so nobody can keep it going for ever. An address that fails very
often, whatever the usernames, is locked too, alone. Kept in the database, so every web
process sees the same counts.
"""
from __future__ import annotations

import os
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Iterable, Optional

import sqlalchemy as sa

from bot.db import utcnow
from bot.schema import metadata, ready

WINDOW = timedelta(minutes=15)   # failures this close together count towards a lock
LOCK = timedelta(minutes=30)     # at least WINDOW, so a lock's failures are forgotten when it ends
SLOW_AFTER = 2                   # failures of a username at an address before answers slow down
MAX_DELAY = 4.0                  # seconds

attempts = sa.Table(
    "staff_login_failures", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("username", sa.String(64), nullable=False, index=True),
    sa.Column("address", sa.String(64), nullable=False, index=True),
    sa.Column("at", sa.DateTime, nullable=False, index=True),
)


def _limit(name: str, default: int) -> int:
    return int(os.environ.get(name, str(default)))


def per_pair_limit() -> int:
    """Failed sign-ins for one username from one address before that pair is locked."""
    return _limit("STAFF_LOGIN_MAX_FAILURES", 5)


def per_address_limit() -> int:
    """Failed sign-ins from one address, any usernames, before that address is locked."""
    return _limit("STAFF_LOGIN_MAX_FAILURES_PER_ADDRESS", 100)


def lock_end(times: Iterable[datetime], limit: int) -> Optional[datetime]:
    """When the last lock these failures earned ends: LOCK after the failure that made `limit`
    within WINDOW. Failures during a lock (two processes racing) neither count nor extend it."""
    streak, end = [], None
    for at in sorted(times):
        if end is not None and at < end:
            continue
        streak = [earlier for earlier in streak if at - earlier < WINDOW] + [at]
        if len(streak) >= limit:
            end, streak = at + LOCK, []
    return end


def _key(username: str, address: str):
    return username.strip()[:64].lower(), address[:64]


class LoginThrottle:
    def __init__(self, engine: sa.engine.Engine):
        self.engine = engine
        ready(engine)

    def locked_until(self, username: str, address: str) -> Optional[datetime]:
        """When sign-in as `username` from `address` may be tried again, if it is locked now."""
        username, address = _key(username, address)
        now = utcnow()
        recent = sa.select(attempts.c.username, attempts.c.at).where(
            attempts.c.address == address, attempts.c.at >= now - WINDOW - LOCK)
        with self.engine.connect() as db:
            rows = db.execute(recent).all()
        ends = [lock_end([at for name, at in rows if name == username], per_pair_limit()),
                lock_end([at for _, at in rows], per_address_limit())]
        return max((end for end in ends if end is not None and end > now), default=None)

    def failed(self, username: str, address: str) -> float:
        """Count a failed sign-in; the seconds to wait before answering it, growing with each failure."""
        username, address = _key(username, address)
        now = utcnow()
        with self.engine.begin() as db:
            # Addresses are personal data: kept no longer than a lock needs them.
            db.execute(attempts.delete().where(attempts.c.at < now - WINDOW - LOCK))
            db.execute(attempts.insert().values(username=username, address=address, at=now))
            count = db.execute(sa.select(sa.func.count()).select_from(attempts).where(
                attempts.c.username == username, attempts.c.address == address,
                attempts.c.at >= now - WINDOW)).scalar()
        return 0.0 if count <= SLOW_AFTER else min(0.5 * 2 ** (count - SLOW_AFTER - 1), MAX_DELAY)

    def succeeded(self, username: str, address: str) -> None:
        """The right password: forget this pair's failures (not anyone else's)."""
        self.unlock(username, address)

    def unlock(self, username: Optional[str] = None, address: Optional[str] = None) -> int:
        """Forget the failures of a username (from one address, or all), or of an address; how many."""
        if not username and not address:
            raise ValueError("Give a username, an address, or both.")
        conditions = []
        if username:
            conditions.append(attempts.c.username == _key(username, "")[0])
        if address:
            conditions.append(attempts.c.address == _key("", address)[1])
        with self.engine.begin() as db:
            return db.execute(attempts.delete().where(*conditions)).rowcount


@lru_cache(maxsize=None)
def default_throttle() -> LoginThrottle:
    from bot.db import engine
    return LoginThrottle(engine())
