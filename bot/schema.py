"""The project's tables: one metadata for every module's tables.

(Placeholder: `ready` creates the tables; Alembic migrations replace this.)
"""
from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()


def ready(engine: sa.engine.Engine) -> None:
    """Make sure the database has every table this code needs."""
    metadata.create_all(engine)
