"""`brackenford serve ROLE`: the one place that says how each process is started.

`make run`, `make run-cluster`, the container image and the Kubernetes and
compose files all start processes through this, so a role's command line is
written once. Each role replaces this process (exec), so signals reach it.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Dict, List

from bot.settings import PROJECT_ROOT, listen_host

ROLES = ("rasa", "actions", "web", "worker", "backoffice")


def command(role: str, env: Dict[str, str]) -> List[str]:
    python = sys.executable
    if role == "rasa":
        beside = Path(python).with_name("rasa")   # the rasa of the virtualenv running this
        args = [str(beside) if beside.exists() else "rasa", "run", "--enable-api", "--auth-token", env.get("RASA_API_TOKEN", ""),
                "--cors", env.get("RASA_CORS", "*"),
                "--interface", listen_host("RASA_HOST", env), "--port", env.get("RASA_PORT", "5005"),
                "--model", env.get("RASA_MODEL", "models/brackenford.tar.gz"),
                "--endpoints", "endpoints.yml", "--credentials", "credentials.yml"]
        # LOG_FORMAT=json: the same JSON lines as the other processes (bot/logs.py).
        logging_config = env.get("RASA_LOGGING_CONFIG") or (
            str(PROJECT_ROOT / "deploy" / "logging-json.yml") if env.get("LOG_FORMAT", "").lower() == "json" else "")
        if logging_config:
            args += ["--logging-config-file", logging_config]
        return args
    modules = {"actions": ["bot.action_server"], "web": ["bot.web"], "worker": ["bot.worker"],
               "backoffice": ["bot.backoffice", "serve"]}
    if role not in modules:
        raise SystemExit(f"Unknown role {role!r}: choose one of {', '.join(ROLES)}")
    return [python, "-m", *modules[role]]


def environment(env: Dict[str, str]) -> Dict[str, str]:
    """The environment with the defaults endpoints.yml needs; what is set always wins."""
    defaults = {
        "ACTION_SERVER_URL": f"http://localhost:{env.get('ACTIONS_PORT', '5055')}/webhook",
        "MODEL_SERVER_URL": f"http://localhost:{env.get('WEB_PORT', '8000')}/models/live.tar.gz",
        "MODEL_PULL_SECONDS": "10",
    }
    return {**defaults, **{key: value for key, value in env.items() if value != ""}}


def serve(role: str) -> None:
    env = environment(dict(os.environ))
    args = command(role, env)
    os.chdir(PROJECT_ROOT)
    os.execvpe(args[0], args, env)
