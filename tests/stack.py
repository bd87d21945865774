"""Start the whole assistant (the Procfile, through honcho) on test ports, for end-to-end tests."""
from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Dict, List, Optional

import requests

from bot.settings import PROJECT_ROOT

STARTUP_TIMEOUT = 300


def wait_for(urls: List[str], process: subprocess.Popen, timeout: float, log_tail) -> None:
    """Until every URL answers 200, in order; RuntimeError with the log's tail if the process stops
    or `timeout` seconds pass first."""
    deadline, waiting = time.monotonic() + timeout, list(urls)
    while waiting:
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"It did not start; last log lines:\n{log_tail()}")
        try:
            if requests.get(waiting[0], timeout=2).ok:
                waiting.pop(0)
                continue
        except requests.RequestException:
            pass
        time.sleep(1)


def stop_group(process: Optional[subprocess.Popen], timeout: float) -> None:
    """Stop a process and everything it started (its process group): politely, then not."""
    if process and process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


class Stack:
    def __init__(self, workdir: Path, env: Optional[Dict[str, str]] = None,
                 rasa_port: int = 15005, actions_port: int = 15055, web_port: int = 18000,
                 backoffice_port: int = 18080, processes: Optional[List[str]] = None):
        """`processes`: names from the Procfile to start (all of them by default)."""
        self.processes = processes or []
        self.backoffice_url = f"http://127.0.0.1:{backoffice_port}/open311/v2"
        self.rasa_url = f"http://127.0.0.1:{rasa_port}"
        self.actions_url = f"http://127.0.0.1:{actions_port}"
        self.web_url = f"http://127.0.0.1:{web_port}"
        self.token = "test-api-token"
        self.database = workdir / "assistant.db"
        self.files = workdir / "files"
        self.log_path = workdir / "stack.log"
        self.mail = workdir / "mail"
        self.env = {
            **os.environ,
            "PATH": f"{PROJECT_ROOT / '.venv' / 'bin'}:{os.environ.get('PATH', '')}",
            "RASA_PORT": str(rasa_port), "ACTIONS_PORT": str(actions_port), "WEB_PORT": str(web_port),
            "ACTION_SERVER_URL": f"{self.actions_url}/webhook",
            "RASA_URL": self.rasa_url,
            "RASA_API_TOKEN": self.token,
            "DATABASE_URL": f"sqlite:///{self.database}",
            "FILE_STORE_DIR": str(self.files),
            "MODEL_SERVER_URL": f"{self.web_url}/models/live.tar.gz",
            "MODEL_PULL_SECONDS": "2",
            "BACKOFFICE_PORT": str(backoffice_port),
            "BACKOFFICE_OPEN311_URL": self.backoffice_url,
            "BACKOFFICE_API_KEY": "test-backoffice-key",
            "BACKOFFICE_DATABASE_URL": f"sqlite:///{workdir / 'backoffice.db'}",
            # The mailbox beside the web app's port; what residents are sent lands in workdir/mail.
            "SMTP_PORT": str(web_port + 25), "MAIL_DIR": str(workdir / "mail"),
            # Retry quickly in tests; production backs off from 15 s to 15 min.
            "OUTBOX_RETRY_BASE_SECONDS": "1",
            "OUTBOX_RETRY_MAX_SECONDS": "3",
            "OUTBOX_POLL_SECONDS": "1",
            "BACKOFFICE_UPDATES_SECONDS": "1",
            "TF_CPP_MIN_LOG_LEVEL": "3",
            "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
            **(env or {}),
        }
        self.process: Optional[subprocess.Popen] = None

    def start(self) -> "Stack":
        self._log = open(self.log_path, "a", encoding="utf-8")
        self.process = subprocess.Popen(
            [str(PROJECT_ROOT / ".venv" / "bin" / "honcho"), "start", "-f", "Procfile", "--no-prefix",
             # No .env: a checkout where `make run` wrote one must not override the test settings.
             "--env", os.devnull, *self.processes],
            cwd=PROJECT_ROOT, env=self.env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        # Rasa's /status answers once a model is loaded (pulled from the web app).
        waiting = [f"{self.rasa_url}/status?token={self.token}", f"{self.actions_url}/health",
                   f"{self.web_url}/health"]
        if not self.processes or "backoffice" in self.processes:
            waiting.append(self.backoffice_url.replace("/open311/v2", "/health"))
        try:
            wait_for(waiting, self.process, STARTUP_TIMEOUT, self.log_tail)
        except RuntimeError:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        stop_group(self.process, 30)
        if getattr(self, "_log", None):
            self._log.close()

    def restart(self) -> "Stack":
        self.stop()
        return self.start()

    def log_tail(self, lines: int = 60) -> str:
        try:
            return "\n".join(self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def say(self, sender: str, message: str) -> List[dict]:
        """Send a message over the REST channel; the assistant's replies."""
        reply = requests.post(f"{self.rasa_url}/webhooks/rest/webhook",
                              json={"sender": sender, "message": message}, timeout=60)
        reply.raise_for_status()
        return reply.json()

    def tracker(self, sender: str) -> dict:
        reply = requests.get(f"{self.rasa_url}/conversations/{sender}/tracker",
                             params={"token": self.token}, timeout=30)
        reply.raise_for_status()
        return reply.json()
