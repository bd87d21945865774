"""Rasa tracker and lock stores configured from the environment.

Rasa's own SQL tracker store and Redis lock store, only taught to read
`DATABASE_URL` and `REDIS_URL`, so `endpoints.yml` needs no secrets.
"""
from __future__ import annotations

import os
from typing import Any, Optional

from rasa.core.lock_store import InMemoryLockStore, LockStore, RedisLockStore
from rasa.core.tracker_store import SQLTrackerStore
from sqlalchemy.engine.url import make_url

from bot.db import database_url


class DatabaseTrackerStore(SQLTrackerStore):
    """Rasa's SQL tracker store on the project's database (`DATABASE_URL`)."""

    def __init__(self, domain=None, host: Optional[str] = None, event_broker=None, **kwargs: Any) -> None:
        # Rasa takes a whole database URL in place of a host name.
        super().__init__(domain=domain, host=database_url(), event_broker=event_broker)

    async def stream_events(self, tracker) -> None:
        """New events to the event broker (the metrics), found by counting stored rows, as `save`
        itself does, rather than by loading and replaying the whole stored conversation (Rasa's way)."""
        if self.event_broker is None:
            return
        with self.session_scope() as session:
            new_events = list(self._additional_events(session, tracker))
        await self._stream_new_events(self.event_broker, new_events, tracker.sender_id)


class ConfiguredLockStore(LockStore):
    """Redis lock store when `REDIS_URL` is set, Rasa's in-memory one otherwise.

    Rasa builds custom lock stores by calling the class, so `__new__` returns
    the store that fits the environment.
    """

    def __new__(cls, endpoint_config: Any = None) -> LockStore:  # type: ignore[misc]
        redis_url = os.environ.get("REDIS_URL", "").strip()
        if not redis_url:
            return InMemoryLockStore()
        url = make_url(redis_url)
        return RedisLockStore(
            host=url.host or "localhost",
            port=url.port or 6379,
            db=int(url.database or 1),
            password=url.password,
            use_ssl=url.drivername == "rediss",
        )
