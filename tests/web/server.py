"""Start the web app on its own, as a real process, for tests of its HTTP interface."""
import os
import re
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager

import requests

from bot.settings import PROJECT_ROOT


@contextmanager
def web_app(port: int, **env: str):
    """The web app on `port` with extra environment; yields its base URL."""
    log = tempfile.TemporaryFile()
    process = subprocess.Popen([sys.executable, "-m", "bot.web"], cwd=PROJECT_ROOT,
                               env={**os.environ, "WEB_PORT": str(port), **env},
                               stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                requests.get(url + "/health", timeout=1)
                break
            except requests.RequestException:
                if process.poll() is not None:
                    break
                time.sleep(0.2)
        if process.poll() is not None or not _answers(url):
            log.seek(0)
            raise RuntimeError(f"The web app did not start on port {port}:\n"
                               + log.read().decode("utf-8", "replace")[-3000:])
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


def _answers(url: str) -> bool:
    try:
        requests.get(url + "/health", timeout=2)
        return True
    except requests.RequestException:
        return False


CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(html: str) -> str:
    """The CSRF token a staff page carries in its forms."""
    return CSRF_FIELD.search(html).group(1)


def sign_in(url: str, username: str, password: str, next_path: str = "/staff", follow: bool = False):
    """A session signed in to the staff pages as a browser would, and the sign-in's answer."""
    browser = requests.Session()
    token = csrf_token(browser.get(url + "/staff/login", timeout=5).text)
    reply = browser.post(url + "/staff/login", data={"username": username, "password": password,
                                                    "csrf_token": token, "next": next_path},
                         allow_redirects=follow, timeout=10)
    return browser, reply
