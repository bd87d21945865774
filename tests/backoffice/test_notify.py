"""GOV.UK Notify through its official client, against a stand-in Notify API on a loopback port
(the real one is on the internet): what the client sends, and how its refusals are taken."""
import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest

from bot.notifications import SendFailed
from bot.notify_senders import NotifySender, sender

SERVICE, SECRET = str(uuid.uuid4()), str(uuid.uuid4())
KEY = f"brackenford_test-{SERVICE}-{SECRET}"
FIELDS = {"reference": "BRK-1042", "service": "pothole", "status_words": "has been fixed", "notes": "",
          "link": "https://www.brackenford.gov.uk/ask"}


@pytest.fixture
def notify(monkeypatch):
    received, answers = [], []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            token = self.headers["Authorization"].split(" ", 1)[1]
            claims = jwt.decode(token, SECRET, algorithms=["HS256"])
            received.append((self.path, body, claims["iss"]))
            status = answers.pop(0) if answers else 201
            payload = json.dumps({"id": str(uuid.uuid4())} if status == 201 else
                                 {"status_code": status, "errors": [{"error": "Error", "message": "no"}]}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("NOTIFY_API_KEY", KEY)
    monkeypatch.setenv("NOTIFY_BASE_URL", f"http://127.0.0.1:{server.server_address[1]}")
    monkeypatch.setenv("NOTIFY_EMAIL_TEMPLATE_ID", "email-template")
    monkeypatch.setenv("NOTIFY_SMS_TEMPLATE_ID", "sms-template")
    yield received, answers
    server.shutdown()
    server.server_close()


def test_email_and_text_go_through_notify_with_the_templates_and_fields(notify):
    received, _ = notify
    chosen = sender()
    assert isinstance(chosen, NotifySender)
    chosen.send("email", "jo@example.com", FIELDS)
    chosen.send("sms", "07700900123", FIELDS)
    (email_path, email, service), (sms_path, sms, _) = received
    assert service == SERVICE                                    # signed with the key's service and secret
    assert email_path == "/v2/notifications/email" and sms_path == "/v2/notifications/sms"
    assert (email["email_address"], email["template_id"], email["personalisation"], email["reference"]) == (
        "jo@example.com", "email-template", FIELDS, "BRK-1042")
    assert (sms["phone_number"], sms["template_id"]) == ("07700900123", "sms-template")


def test_a_refusal_is_final_and_a_busy_notify_is_tried_again(notify):
    _, answers = notify
    answers += [400, 429]
    with pytest.raises(SendFailed) as refused:
        sender().send("email", "jo@example.com", FIELDS)
    assert refused.value.final
    with pytest.raises(SendFailed) as busy:
        sender().send("email", "jo@example.com", FIELDS)
    assert not busy.value.final
