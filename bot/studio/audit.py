"""Who changed what and when in the studio, kept in the project database."""
from __future__ import annotations

from functools import lru_cache
from typing import Dict, List, Optional

import sqlalchemy as sa

from bot.db import utcnow
from bot.schema import metadata, ready

audit = sa.Table(
    "studio_audit", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime, nullable=False, index=True),
    sa.Column("username", sa.String(64), nullable=False),
    sa.Column("action", sa.String(64), nullable=False),
    sa.Column("target", sa.String(200), nullable=False),
    sa.Column("before", sa.Text, nullable=True),
    sa.Column("after", sa.Text, nullable=True),
)


class AuditLog:
    def __init__(self, engine: sa.engine.Engine):
        self.engine = engine
        ready(engine)

    def record(self, username: str, action: str, target: str, before: Optional[str] = None,
               after: Optional[str] = None) -> None:
        with self.engine.begin() as db:
            db.execute(audit.insert().values(at=utcnow(), username=username, action=action, target=target[:200],
                                             before=before, after=after))

    def recent(self, limit: int = 50) -> List[Dict]:
        with self.engine.connect() as db:
            return [dict(row) for row in db.execute(sa.select(audit).order_by(audit.c.id.desc()).limit(limit))
                    .mappings()]


@lru_cache(maxsize=None)
def default_audit() -> AuditLog:
    from bot.db import engine
    return AuditLog(engine())
