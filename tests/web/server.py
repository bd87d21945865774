"""Start the web app on its own, as a real process, for tests of its HTTP interface."""
import os
import subprocess
import sys
import time
from contextlib import contextmanager

import requests

from bot.settings import PROJECT_ROOT


@contextmanager
def web_app(port: int, **env: str):
    """The web app on `port` with extra environment; yields its base URL."""
    process = subprocess.Popen([sys.executable, "-m", "bot.web"], cwd=PROJECT_ROOT,
                               env={**os.environ, "WEB_PORT": str(port), **env},
                               stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                requests.get(url + "/health", timeout=1)
                break
            except requests.RequestException:
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)
