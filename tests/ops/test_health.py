"""Readiness checks: each store for real (SQLite, a Redis server from Debian's package, a small HTTP
back office), and what a store that cannot be reached gives: 503 and the reason, in words."""
import http.server
import socket
import threading
import time

import pytest
import sqlalchemy as sa

from bot import health
from bot.cluster.services import Redis
from bot.connectors.open311 import Open311Connector


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def redis_url():
    server = Redis(free_port()).start()
    yield server.url()
    server.stop()


def test_database_up(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'up.db'}", future=True)
    assert health.check_database(engine) == (True, "reachable")
    body, status = health.run_checks({"database": lambda: health.check_database(engine)})
    assert status == 200
    assert body == {"status": "ready", "checks": {"database": {"ok": True, "detail": "reachable"}}}


def test_database_that_cannot_connect_gives_503():
    # Nothing listens on port 9: the connection is refused at once.
    engine = sa.create_engine("postgresql://nobody:secret@127.0.0.1:9/assistant", future=True)
    ok, detail = health.check_database(engine)
    assert not ok and detail == "unreachable (OperationalError)"
    body, status = health.run_checks({"database": lambda: health.check_database(engine)})
    assert status == 503 and body["status"] == "unready"
    assert body["checks"]["database"] == {"ok": False, "detail": "unreachable (OperationalError)"}
    assert "secret" not in str(body)


def test_the_project_database_from_the_environment():
    assert health.check_database() == (True, "reachable")   # tests/conftest.py's SQLite file


def test_redis_up_and_down(redis_url, monkeypatch):
    assert health.check_redis(redis_url) == (True, "reachable")
    assert health.check_redis(f"redis://127.0.0.1:{free_port()}/1") == (False, "unreachable (ConnectionError)")

    monkeypatch.delenv("REDIS_URL", raising=False)
    assert list(health.database_checks()) == ["database"]   # no Redis configured: not checked
    monkeypatch.setenv("REDIS_URL", redis_url)
    body, status = health.run_checks(health.database_checks())
    assert status == 200 and body["checks"]["redis"] == {"ok": True, "detail": "reachable"}


def test_a_check_that_hangs_is_cut_off():
    started = time.monotonic()
    body, status = health.run_checks({"slow": lambda: (time.sleep(5), (True, "late"))[1],
                                      "quick": lambda: (True, "fine")}, timeout=0.3)
    assert time.monotonic() - started < 2
    assert status == 503
    assert body["checks"] == {"slow": {"ok": False, "detail": "no answer within 0.3 s"},
                              "quick": {"ok": True, "detail": "fine"}}


def test_a_check_that_raises_is_a_failure():
    def broken():
        raise RuntimeError("boom")
    body, status = health.run_checks({"broken": broken})
    assert status == 503 and body["checks"]["broken"] == {"ok": False, "detail": "unreachable (RuntimeError)"}


@pytest.fixture
def back_office():
    """A back office that answers GET services.json with a list, as an Open311 server does."""
    seen = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            seen.append(self.path)
            body = b'[{"service_code": "graffiti"}]' if self.path.startswith("/open311/v2/services.json") else b"{}"
            self.send_response(200 if body != b"{}" else 404)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/open311/v2", seen
    server.shutdown()


def test_back_office_reachable_each_time(back_office):
    url, seen = back_office
    connector = Open311Connector(url=url, api_key="k", jurisdiction_id="brackenford.gov.uk")
    assert health.check_backoffice(connector) == (True, "reachable")
    assert health.check_backoffice(connector) == (True, "reachable")
    # A fresh GET each time (not the connector's cached catalogue), with the jurisdiction.
    assert seen == ["/open311/v2/services.json?jurisdiction_id=brackenford.gov.uk"] * 2


def test_back_office_down_or_wrong(back_office):
    url, _ = back_office
    down = Open311Connector(url=f"http://127.0.0.1:{free_port()}/open311/v2", api_key="k")
    assert health.check_backoffice(down) == (False, "unreachable (ConnectionError)")
    wrong = Open311Connector(url=url.replace("/open311/v2", "/elsewhere"), api_key="k")
    assert health.check_backoffice(wrong) == (False, "answered HTTP 404")
    # The configured one (tests/conftest.py points it at port 9, where nothing listens).
    assert health.check_backoffice()[0] is False
