"""Readiness checks of the stores a process depends on, for the `/ready` endpoints.

Each check answers `(ok, detail)`. `run_checks` runs a set of them at once,
each with a deadline (a probe must answer in time even when a database host
drops packets), and gives the JSON body and the HTTP status: 200 when every
check passed, 503 otherwise. Details say what failed in a few words; the
error itself goes to the log, not to whoever asked.
"""
from __future__ import annotations

import logging
import os
import threading
import time
from typing import Callable, Dict, Mapping, Optional, Tuple

import requests
import sqlalchemy as sa

logger = logging.getLogger(__name__)

Result = Tuple[bool, str]
Check = Callable[[], Result]

CHECK_TIMEOUT = 3.0   # seconds a check may take before it counts as failed


def _failed(what: str, error: BaseException) -> Result:
    logger.warning("Readiness: %s failed: %s", what, error)
    return False, f"unreachable ({type(error).__name__})"


def check_database(engine: Optional[sa.engine.Engine] = None) -> Result:
    """The project's database answers `SELECT 1`."""
    try:
        if engine is None:
            from bot.db import engine as project_engine
            engine = project_engine()
        with engine.connect() as db:
            db.execute(sa.text("SELECT 1"))
        return True, "reachable"
    except Exception as error:  # noqa: BLE001 - any failure means not ready
        return _failed("database", error)


def redis_configured() -> bool:
    return bool(os.environ.get("REDIS_URL", "").strip())


def check_redis(url: Optional[str] = None) -> Result:
    """Redis (`REDIS_URL`: Rasa's lock store, socket.io) answers PING."""
    url = url or os.environ.get("REDIS_URL", "").strip()
    if not url:
        return True, "not configured"
    import redis
    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
        return True, "reachable"
    except Exception as error:  # noqa: BLE001
        return _failed("redis", error)
    finally:
        client.close()


def check_backoffice(connector=None, timeout: float = 2.0) -> Result:
    """The back office answers a fresh GET of its services list (not the connector's cached copy)."""
    try:
        if connector is None:
            from bot.connectors.config import connector as configured
            connector = configured()
        from bot.connectors.open311 import Open311Connector
        if not isinstance(connector, Open311Connector):
            return True, f"not checked ({type(connector).__name__})"
        params = {"jurisdiction_id": connector.jurisdiction_id} if connector.jurisdiction_id else {}
        reply = requests.get(f"{connector.url}/services.json", params=params, timeout=(min(1.0, timeout), timeout))
        if reply.status_code >= 400:
            return False, f"answered HTTP {reply.status_code}"
        if not isinstance(reply.json(), list):
            return False, "answered without a services list"
        return True, "reachable"
    except Exception as error:  # noqa: BLE001
        return _failed("back office", error)


def database_checks() -> Dict[str, Check]:
    """The database, and Redis when REDIS_URL is set."""
    checks: Dict[str, Check] = {"database": check_database}
    if redis_configured():
        checks["redis"] = check_redis
    return checks


def run_checks(checks: Mapping[str, Check], timeout: float = CHECK_TIMEOUT) -> Tuple[Dict, int]:
    """Run the checks side by side; the JSON-able body and 200 (all passed) or 503."""
    results: Dict[str, Result] = {}

    def run(name: str, check: Check) -> None:
        try:
            results[name] = check()
        except Exception as error:  # noqa: BLE001
            results[name] = _failed(name, error)

    # Daemon threads: a check stuck past its deadline must not hold up the answer (or the process's exit).
    threads = {name: threading.Thread(target=run, args=(name, check), daemon=True, name=f"ready-{name}")
               for name, check in checks.items()}
    deadline = time.monotonic() + timeout
    for thread in threads.values():
        thread.start()
    for thread in threads.values():
        thread.join(max(0.0, deadline - time.monotonic()))
    report = {name: results.get(name, (False, f"no answer within {timeout:g} s")) for name in checks}
    ok = all(passed for passed, _ in report.values())
    body = {"status": "ready" if ok else "unready",
            "checks": {name: {"ok": passed, "detail": detail} for name, (passed, detail) in report.items()}}
    return body, 200 if ok else 503
