"""The web app's liveness, readiness and metrics, with Sanic's test client."""
import pytest

from bot.handoff.escalations import default_escalations
from bot.web.app import create_app


@pytest.fixture(scope="module")
def web():
    return create_app("ops_web_test")


def test_live(web):
    _, reply = web.test_client.get("/health/live")
    assert reply.status == 200 and reply.json == {"status": "live"}


def test_ready_needs_only_the_database(web):
    # Rasa is not running here (RASA_URL leads nowhere): the web app is ready all the same.
    _, reply = web.test_client.get("/health/ready")
    assert reply.status == 200
    assert reply.json == {"status": "ready", "checks": {"database": {"ok": True, "detail": "reachable"}}}


def test_metrics_has_the_process_and_the_database_figures(web):
    default_escalations().open("ops-web-metrics", "asked")
    _, reply = web.test_client.get("/metrics")
    assert reply.status == 200 and reply.headers["content-type"].startswith("text/plain")
    lines = reply.text.splitlines()
    assert "process_cpu_seconds_total" in reply.text
    queue = [line for line in lines if line.startswith("assistant_handover_queue_length ")]
    assert queue and float(queue[0].split()[1]) >= 1
    assert any(line.startswith('assistant_outbox_reports{state="queued"}') for line in lines)
    assert any(line.startswith('assistant_publishes{state="live"}') for line in lines)
    assert 'assistant_handovers{reason="asked"}' in reply.text
    assert "assistant_database_up 1.0" in lines


def test_the_old_health_check_is_still_there(web):
    assert any(route.path.rstrip("/") == "health" for route in web.router.routes)
