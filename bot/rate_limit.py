"""How often one client address may do something that costs us (upload a photo): a few
times a minute, then it is refused until the minute has passed. Counted in the database,
like failed sign-ins (bot/staff/throttle.py), so every web process sees the same counts."""
from __future__ import annotations

from datetime import timedelta
from functools import lru_cache

import sqlalchemy as sa

from bot.db import utcnow
from bot.schema import metadata, ready

WINDOW = timedelta(minutes=1)

hits = sa.Table(
    "rate_limit_hits", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("address", sa.String(64), nullable=False, index=True),
    sa.Column("at", sa.DateTime, nullable=False, index=True),
)


class RateLimit:
    def __init__(self, engine: sa.engine.Engine):
        self.engine = engine
        ready(engine)

    def allow(self, action: str, address: str, limit: int) -> bool:
        """Count one `action` from `address`, unless it already had `limit` in the last minute."""
        now, address = utcnow(), address[:64]
        with self.engine.begin() as db:
            # Addresses are personal data: none is kept longer than the window needs.
            db.execute(hits.delete().where(hits.c.at < now - WINDOW))
            recent = db.execute(sa.select(sa.func.count()).select_from(hits).where(
                hits.c.action == action, hits.c.address == address)).scalar()
            if recent >= limit:
                return False
            db.execute(hits.insert().values(action=action, address=address, at=now))
        return True


@lru_cache(maxsize=None)
def default_rate_limit() -> RateLimit:
    from bot.db import engine
    return RateLimit(engine())
