"""`python -m bot.cluster` (`make run-cluster`): start the whole topology; Ctrl-C stops all of it.

Ports (environment): the load balancer on `RASA_PORT` (5005), Rasa servers on
`RASA_PORTS` (5006,5007), the action servers' balancer on `ACTIONS_PORT` (5055)
and the servers on `ACTIONS_PORTS` (5056,5057), web app `WEB_PORT` (8000),
back office `BACKOFFICE_PORT` (8080), workers' health on `WORKER_PORTS`
(9101,9102), PostgreSQL `CLUSTER_PG_PORT` (5433), Redis `CLUSTER_REDIS_PORT`
(6380), the local mailbox `SMTP_PORT` (8025). State under `CLUSTER_DIR` (var/cluster); PostgreSQL's data in
`CLUSTER_PG_DIR` (CLUSTER_DIR/postgres), a folder the `postgres` user can reach. The environment always wins
over the generated `.env`.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Dict, List

from bot.cli import GENERATED_SECRETS, init_env, with_generated_secrets
from bot.cluster.haproxy import config as haproxy_config
from bot.cluster.services import Postgres, Redis
from bot.cluster.supervisor import Supervisor
from bot.settings import PROJECT_ROOT


def _ports(env: Dict[str, str], name: str, default: str) -> List[int]:
    return [int(port) for port in env.get(name, default).split(",") if port.strip()]


def main() -> int:
    if any(not os.environ.get(name) for name in GENERATED_SECRETS):
        init_env()
    env = with_generated_secrets()
    state = Path(env.get("CLUSTER_DIR", PROJECT_ROOT / "var" / "cluster"))
    state.mkdir(parents=True, exist_ok=True)
    lb, web = int(env.get("RASA_PORT", "5005")), int(env.get("WEB_PORT", "8000"))
    rasa_ports, actions_ports = _ports(env, "RASA_PORTS", "5006,5007"), _ports(env, "ACTIONS_PORTS", "5056,5057")
    actions_lb, worker_ports = int(env.get("ACTIONS_PORT", "5055")), _ports(env, "WORKER_PORTS", "9101,9102")

    started = []
    try:
        if not env.get("DATABASE_URL"):
            postgres = Postgres(Path(env.get("CLUSTER_PG_DIR", state / "postgres")),
                                int(env.get("CLUSTER_PG_PORT", "5433"))).start()
            started.append(postgres)
            env["DATABASE_URL"] = postgres.create_database("assistant")
        if not env.get("REDIS_URL"):
            redis = Redis(int(env.get("CLUSTER_REDIS_PORT", "6380"))).start()
            started.append(redis)
            env["REDIS_URL"] = redis.url()
        env.setdefault("BACKOFFICE_DATABASE_URL", f"sqlite:///{state / 'backoffice.db'}")
        env.update({
            "FILE_STORE": env.get("FILE_STORE", "database"),
            "RASA_URL": env.get("RASA_URL", f"http://127.0.0.1:{lb}"),
            "RASA_PUBLIC_URL": env.get("RASA_PUBLIC_URL", f"http://localhost:{lb}"),
            "ACTION_SERVER_URL": env.get("ACTION_SERVER_URL", f"http://127.0.0.1:{actions_lb}/webhook"),
            "MODEL_SERVER_URL": env.get("MODEL_SERVER_URL", f"http://127.0.0.1:{web}/models/live.tar.gz"),
        })
        subprocess.run([sys.executable, "-m", "bot.cli", "db", "upgrade"], env=env, cwd=PROJECT_ROOT, check=True)
        (state / "haproxy.cfg").write_text(haproxy_config(lb, rasa_ports, actions_lb, actions_ports),
                                           encoding="utf-8")

        supervisor = Supervisor(str(PROJECT_ROOT))
        serve = [sys.executable, "-m", "bot.cli", "serve"]
        supervisor.add("balancer", ["haproxy", "-db", "-f", str(state / "haproxy.cfg")], env)
        for number, port in enumerate(rasa_ports, 1):
            supervisor.add(f"rasa{number}", serve + ["rasa"], {**env, "RASA_PORT": str(port)})
        for number, port in enumerate(actions_ports, 1):
            supervisor.add(f"actions{number}", serve + ["actions"], {**env, "ACTIONS_PORT": str(port)})
        supervisor.add("web", serve + ["web"], env)
        for number, port in enumerate(worker_ports, 1):
            supervisor.add(f"worker{number}", serve + ["worker"], {**env, "WORKER_PORT": str(port)})
        supervisor.add("backoffice", serve + ["backoffice"], env)
        # Stands in for the council's mail server, as in `make run`; not started when SMTP_HOST or
        # NOTIFY_API_KEY names a real way to reach residents.
        if not env.get("SMTP_HOST") and not env.get("NOTIFY_API_KEY"):
            supervisor.add("mailbox", [sys.executable, "-m", "bot.mailbox"],
                           {**env, "MAIL_DIR": env.get("MAIL_DIR", str(state / "mail"))})
        return supervisor.run()
    finally:
        for service in reversed(started):
            service.stop()


if __name__ == "__main__":
    sys.exit(main())
