"""`python -m bot.action_server`: rasa-sdk's action server for `actions/`.

rasa-sdk's own app, run here rather than by `rasa run actions` so the project
decides where it listens (`ACTIONS_HOST`, loopback by default: only Rasa calls
it) and can add its own routes beside `/webhook`:

- `GET /health/live`: 200 whenever the process answers;
- `GET /health/ready`: 200 when the project's database answers, 503 otherwise;
- `GET /metrics`: actions run and failed, by action, in Prometheus's format.
"""
from __future__ import annotations

import json
import os
import zlib

from sanic import Sanic
from sanic.request import Request

from bot import health, metrics
from bot.logs import configure_logging
from bot.probes import add_probes
from bot.settings import listen_host


def _action_name(request: Request) -> str:
    """The action Rasa asked for (its body may be deflated, as rasa-sdk allows)."""
    try:
        if request.headers.get("Content-Encoding") == "deflate":
            call = json.loads(zlib.decompress(request.body))
        else:
            call = request.json
        return metrics.label(call.get("next_action") if isinstance(call, dict) else None)
    except Exception:  # noqa: BLE001 - a body rasa-sdk will refuse itself
        return "unknown"


def create_app(package: str = "actions") -> Sanic:
    # Imported here, after main() has set up logging: it warns on import (a DeprecationWarning of sanic-cors).
    from rasa_sdk.endpoint import create_app as create_sdk_app

    app = create_sdk_app(package, cors_origins=None)

    @app.middleware("request")
    async def note_action(request: Request):
        if request.path == "/webhook" and request.method == "POST":
            request.ctx.action = _action_name(request)

    @app.middleware("response")
    async def count_action(request: Request, reply):
        action = getattr(request.ctx, "action", None)
        if action is None:
            return
        # 400 is a form's validation saying no: the normal flow, not a failure.
        # 404 (no such action) counts under "unknown", so a stray name adds no series.
        if reply.status == 404:
            action = "unknown"
        metrics.ACTIONS.labels(action).inc()
        if reply.status == 404 or reply.status >= 500:
            metrics.ACTION_ERRORS.labels(action).inc()

    add_probes(app, lambda request: health.run_checks({"database": health.check_database}), "actions")

    return app


def main() -> None:
    configure_logging()   # rasa-sdk's Sanic app leaves logging alone, so this can come first
    app = create_app()
    app.run(host=listen_host("ACTIONS_HOST"), port=int(os.environ.get("ACTIONS_PORT", "5055")),
            access_log=False, workers=1)


if __name__ == "__main__":
    main()
