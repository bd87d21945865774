"""The web app over real HTTP: the demo page, the widget's files and its small API."""
import io

import pytest
import requests
import sqlalchemy as sa
from PIL import Image

from tests.web.server import web_app


@pytest.fixture(scope="module")
def web(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("web")
    database = f"sqlite:///{workdir / 'web.db'}"
    with web_app(18700, DATABASE_URL=database, FILE_STORE_DIR=str(workdir / "files"), RASA_URL="http://127.0.0.1:9") as url:
        yield url, database


def test_demo_page_embeds_the_widget_with_escaped_settings(web):
    url, _ = web
    page = requests.get(url + "/", timeout=5)
    assert '<script src="/widget/widget.js" defer data-server="http://127.0.0.1:9"' in page.text
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    for path in ("/widget/widget.js", "/widget/widget.css", "/vendor/socket.io.min.js"):
        assert requests.get(url + path, timeout=5).ok, path


def test_health_says_when_rasa_is_down(web):
    assert requests.get(web[0] + "/health", timeout=10).json() == {"status": "ok", "rasa": "down"}


def test_feedback_is_stored(web):
    url, database = web
    reply = requests.post(url + "/api/feedback", json={"conversation_id": "abc123", "message": "Pay council tax",
                                                       "helpful": False}, timeout=5)
    assert reply.status_code == 201 and reply.headers["Access-Control-Allow-Origin"] == "*"
    with sa.create_engine(database).connect() as db:
        rows = db.execute(sa.text("SELECT conversation_id, helpful FROM feedback")).all()
    assert [(r[0], bool(r[1])) for r in rows] == [("abc123", False)]


@pytest.mark.parametrize("body", [{}, {"conversation_id": "", "helpful": True}, {"conversation_id": "x", "helpful": "yes"}])
def test_bad_feedback_is_refused_in_words(web, body):
    reply = requests.post(web[0] + "/api/feedback", json=body, timeout=5)
    assert reply.status_code == 400 and "conversation_id" in reply.json()["error"]


def test_cors_preflight(web):
    reply = requests.options(web[0] + "/api/feedback", headers={"Origin": "https://www.example.gov.uk",
                                                                "Access-Control-Request-Method": "POST"}, timeout=5)
    assert reply.status_code in (200, 204) and "POST" in reply.headers["Access-Control-Allow-Methods"]


def test_photo_upload_and_serving(web):
    url, _ = web
    out = io.BytesIO()
    Image.new("RGB", (20, 20), "blue").save(out, format="PNG")
    reply = requests.post(url + "/api/photos", files={"photo": ("p.png", out.getvalue(), "image/png")}, timeout=10)
    assert reply.status_code == 201
    photo = requests.get(reply.json()["url"], timeout=5)
    assert photo.ok and photo.headers["Content-Type"] == "image/jpeg"
    assert Image.open(io.BytesIO(photo.content)).size == (20, 20)


def test_upload_that_is_not_a_photo(web):
    reply = requests.post(web[0] + "/api/photos", files={"photo": ("x.jpg", b"<html>", "image/jpeg")}, timeout=5)
    assert reply.status_code == 400 and "not a photo" in reply.json()["error"]
    assert requests.post(web[0] + "/api/photos", timeout=5).status_code == 400
    assert requests.get(web[0] + "/photos/..%2f..%2fetc%2fpasswd", timeout=5).status_code == 404
