"""The project's database: SQLite file by default, anything SQLAlchemy speaks by `DATABASE_URL`."""
from __future__ import annotations

import os
from datetime import datetime, timezone
from functools import lru_cache

import sqlalchemy as sa

from bot.settings import PROJECT_ROOT

DEFAULT_SQLITE_PATH = PROJECT_ROOT / "var" / "assistant.db"


def database_url() -> str:
    url = os.environ.get("DATABASE_URL", "").strip()
    if url:
        # Heroku-style URLs say postgres://; SQLAlchemy 1.4 wants postgresql://.
        return "postgresql://" + url[len("postgres://"):] if url.startswith("postgres://") else url
    DEFAULT_SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{DEFAULT_SQLITE_PATH}"


@lru_cache(maxsize=None)
def engine() -> sa.engine.Engine:
    """One engine per process for the project's own tables."""
    url = database_url()
    options = {"connect_args": {"timeout": 30}} if url.startswith("sqlite") else {"pool_pre_ping": True}
    return sa.create_engine(url, future=True, **options)


def utcnow() -> datetime:
    """Now in UTC, without a zone: how every table of the project stores times."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def from_iso(text: str) -> datetime:
    """An ISO 8601 time (a zone, "Z" or none) as the naive UTC every table keeps."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment.astimezone(timezone.utc).replace(tzinfo=None) if moment.tzinfo else moment
