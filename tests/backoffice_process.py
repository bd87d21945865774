"""Run the demo back office, and the local mailbox, as real processes on test ports."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from bot.mailbox import read_all
from bot.settings import PROJECT_ROOT

API_KEY = "test-backoffice-key"


class BackOfficeProcess:
    def __init__(self, workdir: Path, port: int = 18080):
        self.port = port
        self.url = f"http://127.0.0.1:{port}/open311/v2"
        self.database_url = f"sqlite:///{workdir / 'backoffice.db'}"
        self.log_path = workdir / "backoffice.log"
        self.env = {**os.environ, "BACKOFFICE_PORT": str(port), "BACKOFFICE_DATABASE_URL": self.database_url,
                    "BACKOFFICE_API_KEY": API_KEY}
        self.process = None

    def start(self) -> "BackOfficeProcess":
        log = open(self.log_path, "a", encoding="utf-8")
        self.process = subprocess.Popen([sys.executable, "-m", "bot.backoffice", "serve"], cwd=PROJECT_ROOT,
                                        env=self.env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(f"http://127.0.0.1:{self.port}/health", timeout=1).ok:
                    return self
            except requests.RequestException:
                time.sleep(0.3)
        raise RuntimeError(self.log_path.read_text())

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)

    def cli(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "bot.backoffice", *args], cwd=PROJECT_ROOT, env=self.env,
                              capture_output=True, text=True, timeout=60)


class Mailbox:
    """`python -m bot.mailbox` on a free port, writing to its own folder."""

    def __init__(self, folder: Path, port: int = 0):
        self.folder, self.port = folder, port or free_port()
        self.process = subprocess.Popen([sys.executable, "-m", "bot.mailbox"], cwd=PROJECT_ROOT,
                                        env={**os.environ, "SMTP_PORT": str(self.port), "MAIL_DIR": str(folder)},
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        assert "Mailbox on" in self.process.stdout.readline()

    def messages(self):
        return read_all(self.folder)

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=20)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_worker(database_url: str, backoffice: BackOfficeProcess, mailbox: Mailbox, **env: str) -> subprocess.Popen:
    """`python -m bot.worker` as `make run` starts it, filing into `backoffice` and mailing `mailbox`."""
    return subprocess.Popen([sys.executable, "-m", "bot.worker"], cwd=PROJECT_ROOT,
                            env={**os.environ, "DATABASE_URL": database_url, "BACKOFFICE_OPEN311_URL": backoffice.url,
                                 "BACKOFFICE_API_KEY": API_KEY, "SMTP_PORT": str(mailbox.port),
                                 "WORKER_PORT": str(free_port()), **env},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
