"""`python -m bot.worker`: deliver queued reports to the back office, with back-off, forever.

It also polls the back office for changes to reports and sends residents their
messages (bot/update_poller.py, bot/notifications.py), and once a day runs the
retention job (bot/insights/retention.py).
Started by `make run` beside the other processes. Its state is the outbox
table, so stopping and starting it (or every process) loses nothing.

It serves `/health/live`, `/health/ready` (the database and the back office)
and `/metrics` on `WORKER_HOST`:`WORKER_PORT` (127.0.0.1:9100 by default),
from a thread of its own.
"""
from __future__ import annotations

import json
import logging
import os
import signal
import threading
import time
from http.server import ThreadingHTTPServer
from typing import Optional, Tuple
from urllib.parse import urlparse

from prometheus_client.exposition import MetricsHandler

from bot import health, metrics
from bot.connectors.base import BackOfficeRejected, BackOfficeUnavailable, Connector
from bot.connectors.config import backoffice_config, connector
from bot.db import engine
from bot.insights.retention import apply_retention
from bot.handoff.rasa_api import RasaClient, say
from bot.logs import configure_logging
from bot.notifications import Notifications
from bot.notify_senders import sender
from bot.outbox import Outbox
from bot.report_updates import ReportUpdates
from bot.update_poller import UpdateSettings, assistant_url, poll_updates

logger = logging.getLogger("bot.worker")


RETENTION_EVERY = 24 * 3600   # seconds between runs of the retention job
RETENTION_ALLOWANCE = 3600    # how long the retention job may keep the loop busy and the worker still be live


def poll_seconds() -> float:
    return float(os.environ.get("OUTBOX_POLL_SECONDS", "5"))


class Heartbeat:
    """When the loop last showed it is working: a round, or a delivery attempt within a round.

    Live while that was within 3 poll intervals + 30 s (a round of slow
    deliveries still beats at each attempt); the daily retention job, one long
    step, gets `RETENTION_ALLOWANCE` more.
    """

    def __init__(self, poll: float) -> None:
        self.poll = poll
        self.last = time.monotonic()
        self.in_retention = False

    def beat(self) -> None:
        self.last = time.monotonic()
        metrics.WORKER_HEARTBEAT.set_to_current_time()

    def live(self) -> Tuple[bool, float]:
        """Whether the worker is live, and how many seconds ago it last beat."""
        allowance = 3 * self.poll + 30 + (RETENTION_ALLOWANCE if self.in_retention else 0)
        ago = time.monotonic() - self.last
        return ago <= allowance, ago


class CountingConnector(Connector):
    """The back office as the worker sends to it: each attempt and failure counted, nothing else changed."""

    def __init__(self, inner: Connector, heartbeat: Optional[Heartbeat] = None) -> None:
        self.inner = inner
        self.heartbeat = heartbeat

    def submit(self, report):
        metrics.DELIVERY_ATTEMPTS.inc()
        try:
            return self.inner.submit(report)
        except BackOfficeUnavailable:
            metrics.DELIVERY_FAILURES.labels("unavailable").inc()
            raise
        except BackOfficeRejected:
            metrics.DELIVERY_FAILURES.labels("rejected").inc()
            raise
        except Exception:
            metrics.DELIVERY_FAILURES.labels("error").inc()
            raise
        finally:
            if self.heartbeat is not None:
                self.heartbeat.beat()

    def status(self, reference):
        return self.inner.status(reference)

    def service_definition(self, service_code):
        return self.inner.service_definition(service_code)

    def __getattr__(self, name):
        return getattr(self.inner, name)   # anything else the connector offers, as it is


def tell_conversation(conversation_id: str, text: str) -> None:
    """Put news in a resident's conversation: live in their widget if it is still open."""
    RasaClient().append(conversation_id, [say(text)])


def run_forever(stop: threading.Event, heartbeat: Optional[Heartbeat] = None) -> None:
    outbox, updates, messages = Outbox(engine()), ReportUpdates(engine()), Notifications(engine())
    settings = UpdateSettings.from_config(backoffice_config())
    send = sender()    # GOV.UK Notify's client or SMTP, chosen once from the environment
    poll = poll_seconds()
    heartbeat = heartbeat or Heartbeat(poll)
    logger.info("Outbox worker started (every %g s; back-office updates by %s every %g s)",
                poll, settings.method, settings.every_seconds)
    last_retention = last_updates = 0.0
    while not stop.is_set():
        heartbeat.beat()
        try:
            delivered = outbox.deliver_due(CountingConnector(connector(), heartbeat))
            if delivered:
                logger.info("Delivered %d report(s) to the back office", delivered)
        except Exception:  # keep going: the next round tries again
            logger.exception("Outbox round failed")
        if time.monotonic() - last_updates >= settings.every_seconds or not last_updates:
            last_updates = time.monotonic()
            try:
                changed = poll_updates(connector(), outbox, updates, messages, settings, assistant_url(),
                                       tell=tell_conversation)
                if changed:
                    logger.info("%d report(s) changed in the back office", changed)
            except BackOfficeUnavailable as error:
                logger.warning("Back office updates not read: %s", error)
            except Exception:  # the next poll reads the same window again
                logger.exception("Back-office updates failed")
        try:
            sent = messages.send_due(send)
            if sent:
                logger.info("Sent %d message(s) to residents", sent)
        except Exception:
            logger.exception("Sending messages to residents failed")
        if time.monotonic() - last_retention >= RETENTION_EVERY or not last_retention:
            last_retention = time.monotonic()
            heartbeat.in_retention = True
            try:
                logger.info("Retention: %s", apply_retention(engine()))
            except Exception:  # tried again tomorrow; nothing is lost by waiting
                logger.exception("Retention job failed")
            finally:
                heartbeat.in_retention = False
                heartbeat.beat()
        stop.wait(poll)


def health_server(heartbeat: Heartbeat, host: str = "127.0.0.1", port: int = 9100) -> ThreadingHTTPServer:
    """Serve /health/live, /health/ready and /metrics from a daemon thread; `shutdown()` stops it."""

    class Handler(MetricsHandler):
        registry = metrics.registry("worker")

        def do_GET(self) -> None:
            path = urlparse(self.path).path
            if path == "/metrics":
                return super().do_GET()   # prometheus_client's own handler
            if path == "/health/live":
                live, ago = heartbeat.live()
                body, status = {"status": "live" if live else "stalled",
                                "seconds_since_last_beat": round(ago, 1)}, 200 if live else 503
            elif path == "/health/ready":
                body, status = health.run_checks({"database": health.check_database,
                                                  "backoffice": health.check_backoffice})
            else:
                body, status = {"error": "Not found"}, 404
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="worker-health", daemon=True).start()
    return server


def main() -> None:
    configure_logging()
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    heartbeat = Heartbeat(poll_seconds())
    host, port = os.environ.get("WORKER_HOST", "127.0.0.1"), int(os.environ.get("WORKER_PORT", "9100"))
    try:
        server: Optional[ThreadingHTTPServer] = health_server(heartbeat, host, port)
        logger.info("Health and metrics on http://%s:%d/health/live, /health/ready, /metrics", host, port)
    except OSError as error:
        # Delivering reports matters more than being watched: keep working (a liveness probe will notice).
        server = None
        logger.error("No health and metrics server on %s:%d (%s): set WORKER_PORT", host, port, error)
    try:
        run_forever(stop, heartbeat)
    finally:
        if server is not None:
            server.shutdown()


if __name__ == "__main__":
    main()
