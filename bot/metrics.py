"""Prometheus metrics: every definition is here, and which process exposes which.

Two kinds of number, so that adding up the same metric across replicas (two
or more of every process behind a load balancer) is always right:

- Counters of things that happen in a process are counted in that process
  (`rasa`: messages and fallbacks, through `MetricsEventBroker`; `actions`:
  actions run and failed; `worker`: delivery attempts and failures). Each
  replica counts only its own, so `sum()` across replicas is the total.
- Numbers that live in the database (the handover queue, the outbox by state,
  publishes by state, handovers by reason) are read from the database at
  scrape time by `DatabaseCollector`, and exposed by ONE process only: the
  web app (`registry("web")`). Every replica of the web app gives the same
  figure, so take `max()` across them, never `sum()`; no other process
  exposes them, so nothing counts them twice.

`registry(role)` is the registry a process serves at its `/metrics`: its own
metrics, plus the process's CPU, memory and garbage-collector figures.
"""
from __future__ import annotations

import logging
import re
from asyncio import AbstractEventLoop
from functools import lru_cache
from typing import Any, Dict, Iterable, Optional, Tuple

from prometheus_client import (CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, GCCollector,
                               PlatformCollector, ProcessCollector, disable_created_metrics, generate_latest)
from prometheus_client.core import GaugeMetricFamily

logger = logging.getLogger(__name__)

FALLBACK_INTENT = "nlu_fallback"

disable_created_metrics()   # no `*_created` series beside each counter: they only add noise here

# Defined without a registry: `registry(role)` adds each to the process that counts it.

# Rasa server (MetricsEventBroker)
MESSAGES = Counter("assistant_messages_total", "Messages from residents, by channel", ["channel"], registry=None)
FALLBACKS = Counter("assistant_fallbacks_total",
                    f"Messages the assistant did not understand (intent {FALLBACK_INTENT}), by channel",
                    ["channel"], registry=None)
# Action server
ACTIONS = Counter("assistant_actions_total", "Custom actions run, by action", ["action"], registry=None)
ACTION_ERRORS = Counter("assistant_action_errors_total",
                        "Custom actions that failed (an error, or an action the server does not know), by action",
                        ["action"], registry=None)
# Outbox worker (reports filed at once by the action server are not counted here)
DELIVERY_ATTEMPTS = Counter("assistant_worker_delivery_attempts_total",
                            "Reports the outbox worker tried to file with the back office", registry=None)
DELIVERY_FAILURES = Counter("assistant_worker_delivery_failures_total",
                            "Delivery attempts by the outbox worker that failed, by reason "
                            "(unavailable: tried again later; rejected: refused for good; error: anything else)",
                            ["reason"], registry=None)
WORKER_HEARTBEAT = Gauge("assistant_worker_heartbeat_timestamp_seconds",
                         "When the outbox worker last went round its loop or tried a delivery (Unix time)",
                         registry=None)

ROLE_METRICS = {
    "rasa": (MESSAGES, FALLBACKS),
    "actions": (ACTIONS, ACTION_ERRORS),
    "worker": (DELIVERY_ATTEMPTS, DELIVERY_FAILURES, WORKER_HEARTBEAT),
    "web": (),
}

# States and reasons always exposed (at 0 when there are none), so a series never vanishes.
OUTBOX_STATES = ("queued", "sending", "delivered", "rejected")
PUBLISH_STATES = ("checking", "training", "evaluating", "ready", "needs_confirmation", "failed", "live",
                  "replaced", "rolled_back")

_LABEL = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


def label(value: Any, default: str = "unknown") -> str:
    """A label value safe to use: short, plain, never an unbounded variety of free text."""
    text = str(value) if value not in (None, "") else default
    return text if _LABEL.match(text) else "other"


class DatabaseCollector:
    """Gauges read from the project's database at each scrape (exposed by the web app only: see above)."""

    def __init__(self, engine=None) -> None:
        self._engine = engine

    @property
    def engine(self):
        if self._engine is None:
            from bot.db import engine
            self._engine = engine()
        return self._engine

    def describe(self) -> Iterable[GaugeMetricFamily]:
        # Without this, registering the collector would query the database.
        return list(self._families())

    def _families(self) -> Tuple[GaugeMetricFamily, ...]:
        return (
            GaugeMetricFamily("assistant_handover_queue_length",
                              "Conversations waiting in the contact centre's queue (all replicas: take max, not sum)"),
            GaugeMetricFamily("assistant_handovers", "Handovers to the contact centre ever recorded, by reason "
                              "(from the escalations table; all replicas: take max, not sum)", labels=["reason"]),
            GaugeMetricFamily("assistant_outbox_reports", "Reports in the outbox, by state "
                              "(all replicas: take max, not sum)", labels=["state"]),
            GaugeMetricFamily("assistant_publishes", "Content studio publishes, by state "
                              "(all replicas: take max, not sum)", labels=["state"]),
            GaugeMetricFamily("assistant_database_up", "1 when the figures above could be read from the database"),
        )

    def collect(self) -> Iterable[GaugeMetricFamily]:
        queue, handovers, outbox, publishes, up = self._families()
        try:
            figures = self.read()
        except Exception:  # noqa: BLE001 - a scrape must still answer; the gap shows as database_up 0
            logger.exception("Metrics: could not read the figures from the database")
            up.add_metric([], 0)
            return [up]
        queue.add_metric([], figures["queue"])
        for family, counts in ((handovers, figures["handovers"]), (outbox, figures["outbox"]),
                               (publishes, figures["publishes"])):
            merged: Dict[str, int] = {}
            for key, count in counts.items():
                merged[label(key)] = merged.get(label(key), 0) + count
            for key, count in sorted(merged.items()):
                family.add_metric([key], count)
        up.add_metric([], 1)
        return [queue, handovers, outbox, publishes, up]

    def read(self) -> Dict[str, Any]:
        """The figures, straight from the tables (a table not made yet counts as empty)."""
        import sqlalchemy as sa

        from bot.handoff.escalations import REASONS, escalations
        from bot.outbox import reports
        from bot.studio.publish import publishes

        with self.engine.connect() as db:
            present = {table.name for table in (escalations, reports, publishes)
                       if sa.inspect(db).has_table(table.name)}

            def by(table, column) -> Dict[str, int]:
                if table.name not in present:
                    return {}
                rows = db.execute(sa.select(column, sa.func.count()).group_by(column)).all()
                return {str(key): int(count) for key, count in rows}

            queue = 0
            if escalations.name in present:
                queue = db.execute(sa.select(sa.func.count()).select_from(escalations)
                                   .where(escalations.c.status == "waiting")).scalar_one()
            return {
                "queue": int(queue),
                "handovers": {**dict.fromkeys(REASONS, 0), **by(escalations, escalations.c.reason)},
                "outbox": {**dict.fromkeys(OUTBOX_STATES, 0), **by(reports, reports.c.state)},
                "publishes": {**dict.fromkeys(PUBLISH_STATES, 0), **by(publishes, publishes.c.state)},
            }


@lru_cache(maxsize=None)
def registry(role: str) -> CollectorRegistry:
    """The metrics one kind of process serves at its /metrics."""
    if role not in ROLE_METRICS:
        raise ValueError(f"unknown role {role!r}")
    reg = CollectorRegistry(auto_describe=True)
    ProcessCollector(registry=reg)
    PlatformCollector(registry=reg)
    GCCollector(registry=reg)
    for metric in ROLE_METRICS[role]:
        reg.register(metric)
    if role == "web":
        reg.register(DatabaseCollector())
    return reg


def exposition(reg: CollectorRegistry) -> Tuple[bytes, str]:
    """The registry in Prometheus's text format, and its content type."""
    return generate_latest(reg), CONTENT_TYPE_LATEST


def count_event(event: Dict[str, Any]) -> None:
    """Count one tracker event as the Rasa server's event broker hands it over."""
    if not isinstance(event, dict) or event.get("event") != "user":
        return
    channel = label(event.get("input_channel"))
    MESSAGES.labels(channel).inc()
    intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
    if intent == FALLBACK_INTENT:
        FALLBACKS.labels(channel).inc()


def _event_broker_class() -> type:
    from rasa.core.brokers.broker import EventBroker
    
    class MetricsEventBroker(EventBroker):
        """Rasa's event broker extension point, used to count messages and fallbacks in the Rasa server.

        endpoints.yml names it (`event_broker: type: bot.metrics.MetricsEventBroker`);
        Rasa loads a broker it does not know by module path and hands it every new
        tracker event. Nothing is sent anywhere: each `user` event is counted.
        """

        @classmethod
        async def from_endpoint_config(cls, broker_config: Any = None,
                                       event_loop: Optional[AbstractEventLoop] = None) -> "MetricsEventBroker":
            return cls()

        def publish(self, event: Dict[str, Any]) -> None:
            count_event(event)

    MetricsEventBroker.__module__, MetricsEventBroker.__qualname__ = __name__, "MetricsEventBroker"
    return MetricsEventBroker


def __getattr__(name: str) -> Any:
    # The broker subclasses Rasa's EventBroker, so it is made on first use: the
    # worker and the action server use this module without importing Rasa.
    if name == "MetricsEventBroker":
        broker = globals()[name] = _event_broker_class()
        return broker
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
