"""Attacks on staff sign-in and the staff pages, replayed against the real web app (issue 14).

The web app runs as it does behind the production proxy (`PROXIES_COUNT=1`): each request
says where the proxy saw it come from in X-Forwarded-For. It shares this test run's database,
so the command line (`bot.cli`) can be run here against the same accounts.
"""
import io
import sys

import pytest
import requests
import sqlalchemy as sa

from bot.cli import main as cli
from bot.db import engine
from bot.handoff.escalations import EscalationStore
from bot.message_limit import max_message_length
from bot.staff.accounts import StaffStore
from bot.staff.throttle import attempts
from bot.web.console import MAX_REPLY
from tests.web import server
from tests.web.server import web_app

PASSWORD = "a long test password"
WRONG = "not the password at all"
# What a client claims, then what the proxy saw: only the proxy's entry is believed.
STRANGER = {"X-Forwarded-For": "192.0.2.1, 203.0.113.66"}
OWNER = {"X-Forwarded-For": "198.51.100.7"}
OVER_HTTPS = {"X-Forwarded-For": "198.51.100.7", "X-Forwarded-Proto": "https"}


@pytest.fixture(scope="module")
def url():
    staff = StaffStore(engine())
    for name, role in (("sec-sam", "agent"), ("sec-lee", "agent"), ("sec-kim", "agent"), ("sec-ann", "agent"),
                       ("sec-joe", "agent"), ("sec-eddie", "editor")):
        if staff.get(name) is None:
            staff.add(name, name, role, PASSWORD)
    with web_app(18711, PROXIES_COUNT="1", RASA_URL="http://127.0.0.1:9", RASA_API_TOKEN="test-token",
                 STAFF_COOKIE_SECURE="auto") as base:
        yield base


def sign_in(url, username, password=PASSWORD, headers=None):
    """Sign in as a browser would, through the proxy with `headers`; the session and the answer."""
    browser = requests.Session()
    browser.headers.update(headers or {})
    form = browser.get(url + "/staff/login", timeout=5)
    # Sent by hand: a cookie marked Secure would not go back over the test's plain HTTP.
    reply = browser.post(url + "/staff/login", cookies={"brk_login": form.cookies.get("brk_login")},
                         data={"username": username, "password": password, "next": "/console",
                               "csrf_token": server.csrf_token(form.text)}, allow_redirects=False, timeout=20)
    return browser, reply


def lock_out(url, username, headers):
    for _ in range(5):
        assert sign_in(url, username, WRONG, headers)[1].status_code == 401


def test_a_stranger_cannot_lock_the_owner_out(url):
    lock_out(url, "sec-sam", STRANGER)
    refused = sign_in(url, "sec-sam", PASSWORD, STRANGER)[1]      # the stranger's own tries are locked
    assert refused.status_code == 429 and "Too many failed attempts" in refused.text
    assert sign_in(url, "sec-sam", PASSWORD, OWNER)[1].status_code == 303
    with engine().connect() as db:
        counted = db.execute(sa.select(attempts.c.address).where(attempts.c.username == "sec-sam")).scalars()
        assert set(counted) == {"203.0.113.66"}     # the proxy's word, not the client's claim


def test_an_administrator_can_lift_a_lock(url, capsys):
    lock_out(url, "sec-lee", STRANGER)
    assert sign_in(url, "sec-lee", PASSWORD, STRANGER)[1].status_code == 429
    cli(["unlock-sign-in", "sec-lee", "--address", "203.0.113.66"])
    assert "Cleared 5 failed sign-ins" in capsys.readouterr().out
    assert sign_in(url, "sec-lee", PASSWORD, STRANGER)[1].status_code == 303


def test_a_new_password_signs_out_the_accounts_sessions(url, monkeypatch):
    first, _ = sign_in(url, "sec-kim")
    second, _ = sign_in(url, "sec-kim", headers=OWNER)
    monkeypatch.setattr(sys, "stdin", io.StringIO("a brand new password\n"))
    cli(["staff", "password", "sec-kim", "--password-stdin"])
    for browser in (first, second):
        assert browser.get(url + "/console", allow_redirects=False, timeout=5).status_code == 302
    assert sign_in(url, "sec-kim", "a brand new password")[1].status_code == 303


def test_the_console_stream_stops_at_sign_out(url):
    browser, _ = sign_in(url, "sec-ann")
    token = server.csrf_token(browser.get(url + "/console", timeout=5).text)
    seen = []
    with browser.get(url + "/console/api/stream", stream=True, timeout=(5, 15)) as stream:
        lines = stream.iter_lines(decode_unicode=True)
        assert next(line for line in lines if line.startswith("event:")) == "event: queue"
        next(lines)
        out = browser.post(url + "/staff/logout", data={"csrf_token": token}, allow_redirects=False, timeout=5)
        assert out.status_code == 303
        EscalationStore(engine()).open("sec-resident-after", "asked", topic="Asked after sign-out")
        seen = list(lines)           # ends when the server ends the stream; times out if it never does
    assert not any("Asked after sign-out" in line for line in seen)


def test_pages_without_their_own_policy_get_the_strict_one(url):
    developers = requests.get(url + "/developers", timeout=5)
    assert "frame-ancestors 'none'" in developers.headers["Content-Security-Policy"]
    editor, _ = sign_in(url, "sec-eddie")
    refused = editor.get(url + "/console", timeout=5)
    assert refused.status_code == 403 and "script-src 'self'" in refused.headers["Content-Security-Policy"]


def test_https_through_the_proxy_gets_hsts_and_secure_cookies(url):
    secure = requests.get(url + "/staff/login", headers=OVER_HTTPS, timeout=5)
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")
    assert len(secure.cookies) and all(cookie.secure for cookie in secure.cookies)
    _, signed_in = sign_in(url, "sec-joe", headers=OVER_HTTPS)
    assert next(cookie for cookie in signed_in.cookies if cookie.name == "brk_staff").secure
    # Plain HTTP, or a client claiming HTTPS without the proxy's word: neither.
    for headers in ({}, {"X-Forwarded-Proto": "https"}):
        plain = requests.get(url + "/staff/login", headers=headers, timeout=5)
        assert "Strict-Transport-Security" not in plain.headers
        assert not any(cookie.secure for cookie in plain.cookies)


def test_an_advisers_reply_obeys_the_message_limit(url):
    """Already so before issue 14: replies stop at MAX_REPLY, within residents' limit."""
    escalation = EscalationStore(engine()).open("sec-resident-reply", "asked")
    browser, _ = sign_in(url, "sec-joe")
    token = server.csrf_token(browser.get(url + "/console", timeout=5).text)
    browser.post(f"{url}/console/escalations/{escalation.id}/claim", data={"csrf_token": token}, timeout=5)
    for length in (MAX_REPLY + 1, max_message_length() + 1):
        sent = browser.post(f"{url}/console/conversations/{escalation.id}/reply", json={"text": "x" * length},
                            headers={"X-CSRF-Token": token, "Accept": "application/json"}, timeout=5)
        assert sent.status_code == 400 and "Keep replies under" in sent.json()["error"]
    assert MAX_REPLY <= max_message_length()
