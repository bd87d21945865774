"""Liveness, readiness and metrics for the Rasa server, as a Rasa input channel.

An input channel is how Rasa lets a project add routes to its own server, so
credentials.yml names this one (`bot.ops_channel.OpsChannel`) and Rasa serves:

- `GET /webhooks/ops/live`: 200 whenever the process answers;
- `GET /webhooks/ops/ready`: 200 only when a model is loaded and the database
  and Redis (when `REDIS_URL` is set) answer; 503 with a JSON body saying what
  is missing otherwise;
- `GET /webhooks/ops/metrics`: Prometheus's text format (bot/metrics.py).

It also makes the server load published models off its event loop (bot/model_loading.py).

It takes no messages from anyone: no route here passes anything to Rasa.
"""
from __future__ import annotations

from typing import Any, Awaitable, Callable, Dict, Tuple

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint

from bot import health, model_loading
from bot.probes import add_probes


def model_check(app) -> health.Check:
    """Whether the Rasa server has an agent with a model (Rasa keeps it at `app.ctx.agent`)."""

    def check() -> health.Result:
        agent = getattr(app.ctx, "agent", None)
        if agent is None or not agent.is_ready():
            return False, "no model loaded"
        return True, f"model {getattr(agent, 'model_id', None) or 'loaded'}"

    return check


def readiness(app) -> Tuple[Dict[str, Any], int]:
    return health.run_checks({"model": model_check(app), **health.database_checks()})


class OpsChannel(InputChannel):
    @classmethod
    def name(cls) -> str:
        return "ops"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        # `on_new_message` is deliberately never used: this channel accepts no user messages.
        ops = Blueprint("ops_webhook", __name__)
        # Rasa builds its channels before it loads a model: from here on, a published model
        # loads beside the server's work instead of stopping it (bot/model_loading.py).
        model_loading.install()

        add_probes(ops, lambda request: readiness(request.app), "rasa", live="/live", ready="/ready")

        return ops
