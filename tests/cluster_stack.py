"""`make run-cluster` (python -m bot.cluster) on test ports, for the tests of the production topology."""
from __future__ import annotations

import os
import subprocess
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Dict, List, Optional

import requests

from bot.settings import PROJECT_ROOT
from tests.stack import stop_group, wait_for

STARTUP_TIMEOUT = 400


class ClusterStack:
    def __init__(self, workdir: Path, env: Optional[Dict[str, str]] = None):
        self.workdir = workdir
        self.lb_url = "http://127.0.0.1:25005"
        self.rasa_urls = ["http://127.0.0.1:25006", "http://127.0.0.1:25007"]
        self.actions_urls = ["http://127.0.0.1:25056", "http://127.0.0.1:25057"]
        self.actions_lb_url = "http://127.0.0.1:25055"
        self.web_url = "http://127.0.0.1:28000"
        self.worker_urls = ["http://127.0.0.1:29101", "http://127.0.0.1:29102"]
        self.database_url = "postgresql://postgres@127.0.0.1:25433/assistant"
        self.redis_url = "redis://127.0.0.1:26380/1"
        self.token = "cluster-test-token"
        self.log_path = workdir / "cluster.log"
        self.env = {
            **{k: v for k, v in os.environ.items()
               if k not in ("DATABASE_URL", "REDIS_URL", "FILE_STORE", "FILE_STORE_DIR")},
            "CLUSTER_DIR": str(workdir / "state"),
            # PostgreSQL runs as the postgres user, who cannot enter pytest's root-only folders.
            "CLUSTER_PG_DIR": tempfile.mkdtemp(prefix="council-cluster-pg-"),
            "RASA_PORT": "25005", "RASA_PORTS": "25006,25007", "ACTIONS_PORT": "25055",
            "ACTIONS_PORTS": "25056,25057", "WEB_PORT": "28000", "BACKOFFICE_PORT": "28080",
            "WORKER_PORTS": "29101,29102", "CLUSTER_PG_PORT": "25433", "CLUSTER_REDIS_PORT": "26380",
            "SMTP_PORT": "28025",
            "RASA_API_TOKEN": self.token, "BACKOFFICE_API_KEY": "cluster-backoffice-key",
            "BACKOFFICE_OPEN311_URL": "http://127.0.0.1:28080/open311/v2",
            # What `make test` exports for the embedded stack must not reach the cluster.
            "ACTION_SERVER_URL": "http://127.0.0.1:25055/webhook",
            "MODEL_SERVER_URL": "http://127.0.0.1:28000/models/live.tar.gz",
            "RASA_URL": "http://127.0.0.1:25005", "RASA_PUBLIC_URL": "http://127.0.0.1:25005",
            "MODEL_PULL_SECONDS": "5",
            "OUTBOX_RETRY_BASE_SECONDS": "1", "OUTBOX_RETRY_MAX_SECONDS": "3", "OUTBOX_POLL_SECONDS": "1",
            **(env or {}),
        }
        self.process: Optional[subprocess.Popen] = None

    def start(self) -> "ClusterStack":
        self._log = open(self.log_path, "a", encoding="utf-8")
        self.process = subprocess.Popen([sys.executable, "-m", "bot.cluster"], cwd=PROJECT_ROOT, env=self.env,
                                        stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)
        self.wait_until_ready()
        return self

    def wait_until_ready(self, timeout: float = STARTUP_TIMEOUT) -> None:
        # Each Rasa server's /status answers once it has pulled a model from the web app.
        wait_for([f"{url}/status?token={self.token}" for url in self.rasa_urls] + [
            f"{self.lb_url}/webhooks/rest/", f"{self.actions_lb_url}/health", f"{self.web_url}/health",
            "http://127.0.0.1:28080/health"], self.process, timeout, self.log_tail)

    def stop(self) -> None:
        stop_group(self.process, 60)
        if getattr(self, "_log", None):
            self._log.close()
        shutil.rmtree(self.env["CLUSTER_PG_DIR"], ignore_errors=True)

    def log_tail(self, lines: int = 80) -> str:
        try:
            return "\n".join(self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def say(self, sender: str, message: str, url: Optional[str] = None) -> List[dict]:
        reply = requests.post(f"{url or self.lb_url}/webhooks/rest/webhook",
                              json={"sender": sender, "message": message}, timeout=60)
        reply.raise_for_status()
        return reply.json()

    def tracker(self, sender: str) -> dict:
        reply = requests.get(f"{self.lb_url}/conversations/{sender}/tracker", params={"token": self.token},
                             timeout=30)
        reply.raise_for_status()
        return reply.json()


def listening_pid(port: int) -> Optional[int]:
    """The process listening on a loopback TCP port, from /proc (no extra tools)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if int(fields[1].split(":")[1], 16) == port and fields[3] == "0A":   # 0A: LISTEN
                inodes.add(fields[9])
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                if os.readlink(f"/proc/{pid}/fd/{fd}").strip("socket:[]") in inodes:
                    return int(pid)
        except OSError:
            continue
    return None
