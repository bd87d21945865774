"""`python -m bot.worker`: deliver queued reports to the back office, with back-off, forever.

Once a day it also runs the retention job (bot/insights/retention.py).
Started by `make run` beside the other processes. Its state is the outbox
table, so stopping and starting it (or every process) loses nothing.
"""
from __future__ import annotations

import logging
import os
import signal
import threading
import time

from bot.connectors.config import connector
from bot.db import engine
from bot.insights.retention import apply_retention
from bot.outbox import Outbox

logger = logging.getLogger("bot.worker")


RETENTION_EVERY = 24 * 3600   # seconds between runs of the retention job


def run_forever(stop: threading.Event) -> None:
    outbox = Outbox(engine())
    poll = float(os.environ.get("OUTBOX_POLL_SECONDS", "5"))
    logger.info("Outbox worker started (every %.0f s)", poll)
    last_retention = 0.0
    while not stop.is_set():
        try:
            delivered = outbox.deliver_due(connector())
            if delivered:
                logger.info("Delivered %d report(s) to the back office", delivered)
        except Exception:  # keep going: the next round tries again
            logger.exception("Outbox round failed")
        if time.monotonic() - last_retention >= RETENTION_EVERY or not last_retention:
            last_retention = time.monotonic()
            try:
                logger.info("Retention: %s", apply_retention(engine()))
            except Exception:  # tried again tomorrow; nothing is lost by waiting
                logger.exception("Retention job failed")
        stop.wait(poll)


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    run_forever(stop)


if __name__ == "__main__":
    main()
