"""The action server's liveness, readiness and metrics, and its count of actions run and failed,
with Sanic's test client on `bot.action_server.create_app()`."""
import json
import zlib

import pytest
from rasa_sdk import Action

from bot import metrics
from bot.action_server import create_app


class ActionOpsTestBroken(Action):
    """An action that fails (rasa-sdk registers every Action subclass it can see)."""

    def name(self):
        return "action_ops_test_broken"

    async def run(self, dispatcher, tracker, domain):
        raise RuntimeError("the back office connector blew up")


@pytest.fixture(scope="module")
def actions():
    return create_app()


def count(name, action):
    return metrics.registry("actions").get_sample_value(name, {"action": action}) or 0.0


def call(action):
    return {"next_action": action, "version": "3.6.2", "domain": {},
            "tracker": {"sender_id": "ops-test", "slots": {}, "latest_message": {}, "events": [], "paused": False,
                        "followup_action": None, "active_loop": {}, "latest_action_name": "action_listen"}}


def test_live(actions):
    _, reply = actions.test_client.get("/health/live")
    assert reply.status == 200 and reply.json == {"status": "live"}


def test_ready_when_the_database_answers(actions):
    _, reply = actions.test_client.get("/health/ready")
    assert reply.status == 200
    assert reply.json == {"status": "ready", "checks": {"database": {"ok": True, "detail": "reachable"}}}


def test_rasa_sdk_routes_are_still_there(actions):
    _, reply = actions.test_client.get("/health")
    assert reply.status == 200 and reply.json == {"status": "ok"}
    _, reply = actions.test_client.get("/actions")
    assert {"name": "action_session_start"} in reply.json


def test_actions_run_and_failed_are_counted(actions):
    ran, failed = count("assistant_actions_total", "action_session_start"), \
        count("assistant_action_errors_total", "action_session_start")
    _, reply = actions.test_client.post("/webhook", json=call("action_session_start"))
    assert reply.status == 200 and reply.json["events"][0]["event"] == "session_started"
    # Rasa may deflate the body (COMPRESS_ACTION_SERVER_REQUEST): the action is still named.
    deflated = zlib.compress(json.dumps(call("action_session_start")).encode())
    _, reply = actions.test_client.post("/webhook", content=deflated,
                                        headers={"Content-Encoding": "deflate", "Content-Type": "application/json"})
    assert reply.status == 200
    assert count("assistant_actions_total", "action_session_start") == ran + 2
    assert count("assistant_action_errors_total", "action_session_start") == failed

    unknown = count("assistant_action_errors_total", "unknown")
    _, reply = actions.test_client.post("/webhook", json=call("action_nobody_wrote"))
    assert reply.status == 404
    assert count("assistant_action_errors_total", "unknown") == unknown + 1
    assert count("assistant_actions_total", "action_nobody_wrote") == 0   # a stray name adds no series

    broken = count("assistant_action_errors_total", "action_ops_test_broken")
    _, reply = actions.test_client.post("/webhook", json=call("action_ops_test_broken"))
    assert reply.status == 500
    assert count("assistant_action_errors_total", "action_ops_test_broken") == broken + 1
    assert count("assistant_actions_total", "action_ops_test_broken") >= 1


def test_metrics(actions):
    actions.test_client.post("/webhook", json=call("action_session_start"))
    _, reply = actions.test_client.get("/metrics")
    assert reply.status == 200 and reply.headers["content-type"].startswith("text/plain")
    assert 'assistant_actions_total{action="action_session_start"}' in reply.text
    assert "process_resident_memory_bytes" in reply.text
    assert "assistant_messages_total" not in reply.text
