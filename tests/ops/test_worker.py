"""The outbox worker's health server (on a free loopback port) and its count of delivery attempts."""
import socket

import pytest
import requests
import sqlalchemy as sa

from bot import metrics
from bot.connectors.base import BackOfficeRejected, BackOfficeUnavailable, Connector, Report
from bot.outbox import Outbox
from bot.worker import CountingConnector, Heartbeat, health_server


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def worker():
    heartbeat = Heartbeat(poll=5)
    server = health_server(heartbeat, "127.0.0.1", free_port())
    yield f"http://127.0.0.1:{server.server_address[1]}", heartbeat
    server.shutdown()
    server.server_close()


def test_live_while_the_loop_runs(worker):
    url, heartbeat = worker
    reply = requests.get(url + "/health/live", timeout=5)
    assert reply.status_code == 200 and reply.json()["status"] == "live"
    heartbeat.last -= 3 * 5 + 31            # no round for longer than 3 polls + 30 s
    reply = requests.get(url + "/health/live", timeout=5)
    assert reply.status_code == 503 and reply.json()["status"] == "stalled"
    heartbeat.in_retention = True           # the daily retention job is one long step
    assert requests.get(url + "/health/live", timeout=5).status_code == 200
    heartbeat.in_retention = False
    heartbeat.beat()
    assert requests.get(url + "/health/live", timeout=5).status_code == 200


def test_ready_needs_the_database_and_the_back_office(worker):
    url, _ = worker
    reply = requests.get(url + "/health/ready", timeout=10)
    # tests/conftest.py: a SQLite database, and a back office that is down.
    assert reply.status_code == 503
    assert reply.json()["checks"]["database"] == {"ok": True, "detail": "reachable"}
    assert reply.json()["checks"]["backoffice"]["ok"] is False


def test_metrics_and_unknown_paths(worker):
    url, _ = worker
    reply = requests.get(url + "/metrics", timeout=5)
    assert reply.status_code == 200 and reply.headers["Content-Type"].startswith("text/plain")
    assert "# TYPE assistant_worker_delivery_attempts_total counter" in reply.text
    assert "assistant_worker_heartbeat_timestamp_seconds" in reply.text
    assert requests.get(url + "/elsewhere", timeout=5).status_code == 404


class Scripted(Connector):
    """A back office that answers each submit with the next of its answers."""

    def __init__(self, *answers):
        self.answers = list(answers)

    def submit(self, report):
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def sample(name, labels=None):
    return metrics.registry("worker").get_sample_value(name, labels or {}) or 0.0


def test_attempts_and_failures_are_counted_and_the_outbox_behaves_as_before(tmp_path):
    outbox = Outbox(sa.create_engine(f"sqlite:///{tmp_path / 'outbox.db'}", future=True))
    entries = [outbox.add(Report(reference="", service_code="graffiti")) for _ in range(3)]
    heartbeat = Heartbeat(poll=5)
    heartbeat.last -= 100
    back_office = CountingConnector(Scripted("BRK-1", BackOfficeUnavailable("timed out"),
                                             BackOfficeRejected(400, ["no such service"])), heartbeat)
    attempts = sample("assistant_worker_delivery_attempts_total")
    unavailable = sample("assistant_worker_delivery_failures_total", {"reason": "unavailable"})
    rejected = sample("assistant_worker_delivery_failures_total", {"reason": "rejected"})

    states = [outbox.deliver(entry.reference, back_office).state for entry in entries]

    assert states == ["delivered", "queued", "rejected"]
    assert outbox.get(entries[1].reference).last_error == "timed out"
    assert sample("assistant_worker_delivery_attempts_total") == attempts + 3
    assert sample("assistant_worker_delivery_failures_total", {"reason": "unavailable"}) == unavailable + 1
    assert sample("assistant_worker_delivery_failures_total", {"reason": "rejected"}) == rejected + 1
    assert heartbeat.live()[0]   # each attempt is a sign of life


def test_an_unexpected_error_is_counted_and_raised():
    before = sample("assistant_worker_delivery_failures_total", {"reason": "error"})
    with pytest.raises(KeyError):
        CountingConnector(Scripted(KeyError("x"))).submit(Report(reference="WEB-1", service_code="graffiti"))
    assert sample("assistant_worker_delivery_failures_total", {"reason": "error"}) == before + 1
