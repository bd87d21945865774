"""The agent console over real HTTP: sign-in, access control, CSRF, and what it sends to Rasa.

Rasa here is a small recording server, so each call the console makes can be
checked; the end-to-end test (tests/integration/test_handoff.py) uses the real one.
"""
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest
import requests
import sqlalchemy as sa

from bot.handoff.escalations import EscalationStore
from bot.staff.accounts import StaffStore
from tests.web import server
from tests.web.server import web_app

PASSWORD = "a long test password"
EVIL = '<img src=x onerror="alert(1)">'


class FakeRasa(BaseHTTPRequestHandler):
    appended = []
    tracker = {"events": [
        {"event": "user", "text": EVIL, "timestamp": 1_800_000_000, "parse_data": {"intent": {"name": "greet"}}},
        {"event": "slot", "name": "street", "value": "Station Road"},
    ], "slots": {"street": "Station Road"}}

    def _reply(self, body, status=200):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if parse_qs(urlparse(self.path).query).get("token") != ["test-token"]:
            return self._reply({"error": "token"}, 401)
        self._reply(self.tracker)

    def do_POST(self):
        query = parse_qs(urlparse(self.path).query)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        FakeRasa.appended.append({"path": urlparse(self.path).path, "query": query, "events": body})
        self._reply({})

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def console(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("console")
    rasa = ThreadingHTTPServer(("127.0.0.1", 0), FakeRasa)
    threading.Thread(target=rasa.serve_forever, daemon=True).start()
    database = f"sqlite:///{workdir / 'console.db'}"
    engine = sa.create_engine(database, future=True)
    staff = StaffStore(engine)
    staff.add("sam", "Sam", "agent", PASSWORD)
    staff.add("eddie", "Eddie", "editor", PASSWORD)
    staff.add("alex", "Alex", "agent", PASSWORD)
    with web_app(18701, DATABASE_URL=database, RASA_API_TOKEN="test-token", FILE_STORE_DIR=str(workdir / "files"),
                 RASA_URL=f"http://127.0.0.1:{rasa.server_port}") as url:
        yield url, EscalationStore(engine)
    rasa.shutdown()


def sign_in(url, username="sam", password=PASSWORD):
    return server.sign_in(url, username, password, "/console")


def csrf(browser, url, path="/console"):
    return server.csrf_token(browser.get(url + path, timeout=5).text)


ROUTES = [("GET", "/console"), ("GET", "/console/api/queue"), ("GET", "/console/api/stream"),
          ("GET", "/console/conversations/1"), ("GET", "/console/api/conversations/1"),
          ("POST", "/console/escalations/1/claim"), ("POST", "/console/conversations/1/reply"),
          ("POST", "/console/conversations/1/handback"), ("POST", "/console/conversations/1/close"),
          ("GET", "/staff"), ("POST", "/staff/logout")]


@pytest.mark.parametrize("method, path", ROUTES)
def test_every_console_route_refuses_anonymous_access(console, method, path):
    url, _ = console
    reply = requests.request(method, url + path, allow_redirects=False, timeout=5)
    if "/api/" in path:
        assert reply.status_code == 401
    else:
        assert reply.status_code == 302 and reply.headers["Location"].startswith("/staff/login?next=")


def test_sign_in_sets_a_protected_cookie_and_goes_to_the_console(console):
    url, _ = console
    browser, reply = sign_in(url)
    assert reply.status_code == 303 and reply.headers["Location"] == "/console"
    cookie = reply.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    page = browser.get(url + "/console", timeout=5)
    assert page.status_code == 200 and "Contact-centre queue" in page.text
    assert "no-store" in page.headers["Cache-Control"] and "script-src 'self'" in page.headers["Content-Security-Policy"]


def test_sign_in_form_needs_its_own_token(console):
    url, _ = console
    reply = requests.post(url + "/staff/login", data={"username": "sam", "password": PASSWORD}, timeout=5)
    assert reply.status_code == 400 and "expired" in reply.text


def test_wrong_password_then_rate_limited(console):
    url, _ = console
    for _ in range(5):
        _, reply = sign_in(url, "alex", "not the password at all")
        assert reply.status_code == 401 and "username or password is wrong" in reply.text
    _, reply = sign_in(url, "alex", PASSWORD)     # even the right password waits now
    assert reply.status_code == 429 and "Too many failed attempts" in reply.text


def test_an_editor_cannot_use_the_console(console):
    url, _ = console
    browser, reply = sign_in(url, "eddie")
    assert reply.headers["Location"] == "/studio"
    assert browser.get(url + "/console", timeout=5).status_code == 403
    assert browser.get(url + "/console/api/queue", timeout=5).status_code == 403


def test_claim_reply_and_hand_back(console):
    url, store = console
    escalation = store.open("resident-1", "asked", topic=f"Topic {EVIL}")
    browser, _ = sign_in(url)
    queue = browser.get(url + "/console", timeout=5).text
    assert "Topic &lt;img src=x" in queue and EVIL not in queue
    # Changes need the session's CSRF token.
    refused = browser.post(f"{url}/console/escalations/{escalation.id}/claim", allow_redirects=False, timeout=5)
    assert refused.status_code == 403
    token = csrf(browser, url)
    FakeRasa.appended.clear()
    claimed = browser.post(f"{url}/console/escalations/{escalation.id}/claim", data={"csrf_token": token},
                           allow_redirects=False, timeout=5)
    assert claimed.status_code == 303 and claimed.headers["Location"] == f"/console/conversations/{escalation.id}"
    joined = FakeRasa.appended[-1]
    assert joined["path"] == "/conversations/resident-1/tracker/events"
    assert joined["query"]["output_channel"] == ["socketio"] and joined["query"]["execute_side_effects"] == ["true"]
    assert "Sam" in joined["events"][0]["text"]
    # The conversation page shows what the resident typed as text, and what the assistant collected.
    page = browser.get(f"{url}/console/conversations/{escalation.id}", timeout=5).text
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in page and EVIL not in page
    assert "Station Road" in page
    details = browser.get(f"{url}/console/api/conversations/{escalation.id}", timeout=5).json()
    assert details["collected"] == [{"label": "Street", "value": "Station Road"}]
    # A reply, sent as the page's script sends it.
    sent = browser.post(f"{url}/console/conversations/{escalation.id}/reply", json={"text": "Hello <b>there</b>"},
                        headers={"X-CSRF-Token": token, "Accept": "application/json"}, timeout=5)
    assert sent.json() == {"status": "sent"}
    event = FakeRasa.appended[-1]["events"][0]
    assert event == {"event": "bot", "text": "Hello <b>there</b>", "metadata": {"agent": "Sam"}}
    empty = browser.post(f"{url}/console/conversations/{escalation.id}/reply", json={"text": "  "},
                         headers={"X-CSRF-Token": token, "Accept": "application/json"}, timeout=5)
    assert empty.status_code == 400 and empty.json()["error"] == "Write a reply first."
    saved = browser.post(f"{url}/console/conversations/{escalation.id}/reply", json={"saved": "0"},
                         headers={"X-CSRF-Token": token, "Accept": "application/json"}, timeout=5)
    assert saved.ok and FakeRasa.appended[-1]["events"][0]["text"].startswith("Thanks. I'm checking")
    # Handing back resumes the assistant and records the outcome.
    back = browser.post(f"{url}/console/conversations/{escalation.id}/handback", data={"csrf_token": token},
                        allow_redirects=False, timeout=5)
    assert back.status_code == 303
    kinds = [e["event"] for e in FakeRasa.appended[-1]["events"]]
    assert kinds == ["bot", "resume", "action"]
    assert FakeRasa.appended[-1]["events"][0]["data"] == {"custom": {"data": {"handoff": "ended"}}}
    closed = store.get(escalation.id)
    assert closed.status == "closed" and closed.outcome == "handed_back" and closed.agent == "sam"


def test_only_the_claiming_adviser_replies_and_outcomes_are_checked(console):
    url, store = console
    escalation = store.open("resident-2", "asked")
    sam, _ = sign_in(url, "sam")
    token = csrf(sam, url)
    sam.post(f"{url}/console/escalations/{escalation.id}/claim", data={"csrf_token": token}, timeout=5)
    FakeRasa.appended.clear()
    headers = {"Accept": "application/json"}
    # A second adviser, made here because the one above is rate-limited by now.
    StaffStore(store.engine).add("kim", "Kim", "agent", PASSWORD)
    kim, _ = sign_in(url, "kim")
    kim_token = csrf(kim, url)
    reply = kim.post(f"{url}/console/conversations/{escalation.id}/reply", json={"text": "hi"},
                     headers={**headers, "X-CSRF-Token": kim_token}, timeout=5)
    assert reply.status_code == 409 and FakeRasa.appended == []
    again = kim.post(f"{url}/console/escalations/{escalation.id}/claim", data={"csrf_token": kim_token},
                     headers=headers, timeout=5)
    assert again.status_code == 409
    bad = sam.post(f"{url}/console/conversations/{escalation.id}/close", json={"outcome": "lost"},
                   headers={**headers, "X-CSRF-Token": token}, timeout=5)
    assert bad.status_code == 400 and "Choose an outcome" in bad.json()["error"]
    good = sam.post(f"{url}/console/conversations/{escalation.id}/close", json={"outcome": "referred"},
                    headers={**headers, "X-CSRF-Token": token}, timeout=5)
    assert good.ok and store.get(escalation.id).outcome == "referred"
    assert "ended the chat" in FakeRasa.appended[-1]["events"][0]["text"]


def test_queue_stream_sends_server_built_fragments(console):
    url, store = console
    store.open("resident-3", "urgent", topic="Homeless", urgent=True)
    browser, _ = sign_in(url)
    with browser.get(url + "/console/api/stream", stream=True, timeout=10) as stream:
        assert stream.headers["Content-Type"].startswith("text/event-stream")
        lines = stream.iter_lines(decode_unicode=True)
        event = next(line for line in lines if line.startswith("event:"))
        data = json.loads(next(lines)[len("data: "):])
    assert event == "event: queue" and data["counts"]["waiting"] >= 1
    assert "Urgent" in data["waiting"] and "Homeless" in data["waiting"]


def test_presence_from_the_widget(console):
    url, store = console
    escalation = store.open("resident-4", "asked")
    reply = requests.post(url + "/api/handoff/presence", data=json.dumps({"conversation_id": "resident-4",
                                                                          "left": True}),
                          headers={"Content-Type": "text/plain"}, timeout=5)
    assert reply.status_code == 204
    assert store.get(escalation.id).resident_left_at is not None
    assert requests.post(url + "/api/handoff/presence", data="nonsense", timeout=5).status_code == 400


def test_sign_out_ends_the_session(console):
    url, _ = console
    browser, _ = sign_in(url)
    token = csrf(browser, url)
    out = browser.post(url + "/staff/logout", data={"csrf_token": token}, allow_redirects=False, timeout=5)
    assert out.status_code == 303
    assert browser.get(url + "/console", allow_redirects=False, timeout=5).status_code == 302
