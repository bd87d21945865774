"""`python -m bot.worker`: deliver queued reports to the back office, with back-off, forever.

Started by `make run` beside the other processes. Its state is the outbox
table, so stopping and starting it (or every process) loses nothing.
"""
from __future__ import annotations

import logging
import os
import signal
import threading

from bot.connectors.config import connector
from bot.db import engine
from bot.outbox import Outbox

logger = logging.getLogger("bot.worker")


def run_forever(stop: threading.Event) -> None:
    outbox = Outbox(engine())
    poll = float(os.environ.get("OUTBOX_POLL_SECONDS", "5"))
    logger.info("Outbox worker started (every %.0f s)", poll)
    while not stop.is_set():
        try:
            delivered = outbox.deliver_due(connector())
            if delivered:
                logger.info("Delivered %d report(s) to the back office", delivered)
        except Exception:  # keep going: the next round tries again
            logger.exception("Outbox round failed")
        stop.wait(poll)


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    run_forever(stop)


if __name__ == "__main__":
    main()
