"""Run the demo back office as a real process on a test port."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import requests

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
