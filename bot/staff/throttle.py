"""Slowing down password guessing: too many failed sign-ins for one username, or
from one address, and sign-in is refused for a while. Kept in the database, so
every web process sees the same counts."""
from __future__ import annotations

import os
from datetime import timedelta
from functools import lru_cache

import sqlalchemy as sa

from bot.db import utcnow
from bot.schema import metadata, ready

WINDOW = timedelta(minutes=15)

attempts = sa.Table(
    "staff_login_failures", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("username", sa.String(64), nullable=False, index=True),
    sa.Column("address", sa.String(64), nullable=False, index=True),
    sa.Column("at", sa.DateTime, nullable=False, index=True),
)


def _limit(name: str, default: int) -> int:
    return int(os.environ.get(name, str(default)))


class LoginThrottle:
    def __init__(self, engine: sa.engine.Engine):
        self.engine = engine
        ready(engine)

    def blocked(self, username: str, address: str) -> bool:
        since = utcnow() - WINDOW
        count = sa.select(sa.func.count()).select_from(attempts).where(attempts.c.at >= since)
        with self.engine.connect() as db:
            by_name = db.execute(count.where(attempts.c.username == username[:64].lower())).scalar()
            by_address = db.execute(count.where(attempts.c.address == address[:64])).scalar()
        return (by_name >= _limit("STAFF_LOGIN_MAX_FAILURES", 5)
                or by_address >= _limit("STAFF_LOGIN_MAX_FAILURES_PER_ADDRESS", 20))

    def failed(self, username: str, address: str) -> None:
        now = utcnow()
        with self.engine.begin() as db:
            db.execute(attempts.delete().where(attempts.c.at < now - WINDOW))
            db.execute(attempts.insert().values(username=username[:64].lower(), address=address[:64], at=now))

    def succeeded(self, username: str) -> None:
        with self.engine.begin() as db:
            db.execute(attempts.delete().where(attempts.c.username == username[:64].lower()))


@lru_cache(maxsize=None)
def default_throttle() -> LoginThrottle:
    from bot.db import engine
    return LoginThrottle(engine())
