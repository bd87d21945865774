"""The Rasa server's liveness, readiness and metrics: the ops input channel mounted as Rasa mounts
channels, on a Sanic app, with Sanic's test client."""
from types import SimpleNamespace

import pytest
from rasa.core.channels.channel import register
from sanic import Sanic

from bot.ops_channel import OpsChannel
from bot.settings import PROJECT_ROOT


@pytest.fixture(scope="module")
def rasa_app():
    app = Sanic("ops_channel_test")
    app.ctx.agent = None
    register([OpsChannel()], app, route="/webhooks/")   # as Rasa's server registers its channels
    return app


def test_live(rasa_app):
    app = rasa_app
    _, reply = app.test_client.get("/webhooks/ops/live")
    assert reply.status == 200 and reply.json == {"status": "live"}


def test_not_ready_without_a_model(rasa_app):
    app = rasa_app
    app.ctx.agent = None
    _, reply = app.test_client.get("/webhooks/ops/ready")
    assert reply.status == 503
    assert reply.json["status"] == "unready"
    assert reply.json["checks"]["model"] == {"ok": False, "detail": "no model loaded"}
    assert reply.json["checks"]["database"] == {"ok": True, "detail": "reachable"}


def test_ready_with_a_model_and_the_database(rasa_app, monkeypatch):
    app = rasa_app
    monkeypatch.delenv("REDIS_URL", raising=False)
    app.ctx.agent = SimpleNamespace(is_ready=lambda: True, model_id="20260101-brackenford")
    _, reply = app.test_client.get("/webhooks/ops/ready")
    assert reply.status == 200
    assert reply.json == {"status": "ready", "checks": {
        "model": {"ok": True, "detail": "model 20260101-brackenford"},
        "database": {"ok": True, "detail": "reachable"}}}


def test_not_ready_when_redis_is_configured_but_down(rasa_app, monkeypatch):
    app = rasa_app
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:9/1")
    app.ctx.agent = SimpleNamespace(is_ready=lambda: True, model_id="m")
    _, reply = app.test_client.get("/webhooks/ops/ready")
    assert reply.status == 503
    assert reply.json["checks"]["redis"]["ok"] is False
    assert reply.json["checks"]["model"]["ok"] and reply.json["checks"]["database"]["ok"]


def test_metrics_in_prometheus_format(rasa_app):
    app = rasa_app
    _, reply = app.test_client.get("/webhooks/ops/metrics")
    assert reply.status == 200 and reply.headers["content-type"].startswith("text/plain")
    assert "# TYPE assistant_messages_total counter" in reply.text
    assert "assistant_outbox_reports" not in reply.text   # the web app's alone


def test_takes_no_messages(rasa_app):
    app = rasa_app
    received = []

    async def handle_message(message):   # where Rasa's channels hand residents' messages
        received.append(message)

    app.ctx.agent = SimpleNamespace(is_ready=lambda: True, model_id="m", handle_message=handle_message)
    for method in ("post", "put"):
        for path in ("/webhooks/ops/webhook", "/webhooks/ops/live", "/webhooks/ops"):
            _, reply = getattr(app.test_client, method)(path, json={"sender": "x", "message": "hi"})
            assert reply.status in (404, 405), (method, path)
    assert received == []


def test_rasa_finds_the_channel_in_credentials_yml():
    from rasa.core.run import create_http_input_channels
    channels = create_http_input_channels(None, str(PROJECT_ROOT / "credentials.yml"))
    assert "ops" in [channel.name() for channel in channels]
