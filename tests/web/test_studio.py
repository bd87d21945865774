"""The content studio over real HTTP: access, edits written to the YAML, the inbox, and publish checks.

The studio works on a copy of the project's content here; the publish that
trains and puts a model live is in tests/integration/test_publish.py.
"""
import asyncio
import time

import pytest
import requests
import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.staff.accounts import StaffStore
from tests.studio.conftest import copy_project
from tests.web.server import csrf_token, sign_in, web_app

PASSWORD = "a long studio password"


@pytest.fixture(scope="module")
def studio(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("studio")
    project = copy_project(workdir / "project")
    database = f"sqlite:///{workdir / 'studio.db'}"
    engine = sa.create_engine(database, future=True)
    staff = StaffStore(engine)
    staff.add("eddie", "Eddie", "editor", PASSWORD)
    staff.add("sam", "Sam", "agent", PASSWORD)
    # A resident's message the assistant did not understand, in Rasa's own tracker store.
    tracker = DialogueStateTracker("resident-1", [])
    tracker.update(UserUttered("can i get a permit for my mum's carer, she is on 07700 900123",
                               parse_data={"intent": {"name": "nlu_fallback", "confidence": 0.3},
                                           "intent_ranking": [{"name": "faq", "confidence": 0.4}], "entities": []},
                               timestamp=time.time()))
    asyncio.run(SQLTrackerStore(Domain.empty(), host=database).save(tracker))
    with web_app(18702, DATABASE_URL=database, STUDIO_PROJECT_DIR=str(project),
                 RASA_URL="http://127.0.0.1:9", RASA_API_TOKEN="t") as url:
        yield url, project


def signed_in(url, username):
    browser, reply = sign_in(url, username, PASSWORD, follow=True)
    assert reply.ok
    browser.headers.update({"X-CSRF-Token": csrf_token(reply.text), "Accept": "application/json"})
    return browser


@pytest.fixture(scope="module")
def editor(studio):
    return signed_in(studio[0], "eddie")


@pytest.mark.parametrize("method, path", [
    ("GET", "/studio"), ("GET", "/studio/topics/blue_badge"), ("GET", "/studio/inbox"), ("GET", "/studio/api/topics"),
    ("POST", "/studio/topics/blue_badge/answer"), ("POST", "/studio/topics/blue_badge/examples"),
    ("POST", "/studio/inbox/decide"), ("POST", "/studio/publish"), ("POST", "/studio/rollback"),
    ("POST", "/studio/new-topic"), ("GET", "/studio/responses")])
def test_anonymous_and_agents_are_refused(studio, method, path):
    url, _ = studio
    anonymous = requests.request(method, url + path, allow_redirects=False, timeout=5)
    assert anonymous.status_code in (302, 401)
    agent = signed_in(url, "sam")
    assert agent.request(method, url + path, allow_redirects=False, timeout=5).status_code == 403


def test_answer_edit_is_written_to_the_yaml_and_audited(studio, editor):
    url, project = studio
    text = "You can apply online. It takes about 12 weeks.\n\n[Apply for a Blue Badge](https://www.gov.uk/apply-blue-badge)"
    reply = editor.post(url + "/studio/topics/blue_badge/answer", json={"answer": text}, timeout=10)
    assert reply.json() == {"status": "saved"}
    assert "      You can apply online. It takes about 12 weeks." in (project / "data/domain/faq.yml").read_text()
    assert editor.get(url + "/studio/api/topics/blue_badge", timeout=5).json()["answer"] == text
    page = editor.get(url + "/studio", headers={"Accept": "text/html"}, timeout=5).text
    assert "edit answer" in page and "eddie" in page


def test_problems_are_explained_in_plain_words(studio, editor):
    url, _ = studio
    empty = editor.post(url + "/studio/topics/blue_badge/answer", json={"answer": "  "}, timeout=10)
    assert empty.status_code == 400 and empty.json()["error"] == "Enter the answer."
    taken = editor.post(url + "/studio/topics/pay_council_tax/examples", json={"text": "How do I apply for a blue badge?"},
                        timeout=10)
    assert taken.status_code == 400 and "already an example of faq/blue_badge" in taken.json()["error"]
    # A form post without JavaScript gets a page saying what went wrong, escaped.
    form = editor.post(url + "/studio/topics/blue_badge/answer", data={"answer": ""},
                       headers={"Accept": "text/html", "X-CSRF-Token": ""}, timeout=10)
    assert form.status_code == 403      # and without the token, nothing at all


def test_html_in_content_is_shown_as_text(studio, editor):
    url, _ = studio
    editor.post(url + "/studio/topics/library_hours/examples", json={"text": "<script>alert(1)</script> opening"},
                timeout=10)
    page = editor.get(url + "/studio/topics/library_hours", headers={"Accept": "text/html"}, timeout=5).text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; opening" in page and "<script>alert(1)" not in page


def test_inbox_message_is_masked_and_taught_as_an_example(studio, editor):
    url, project = studio
    messages = editor.get(url + "/studio/api/inbox", timeout=10).json()["messages"]
    message = next(m for m in messages if "carer" in m["text"])
    assert message["text"] == "can i get a permit for my mum's carer, she is on [phone]"
    taught = editor.post(url + "/studio/inbox/decide", json={"key": message["key"], "decision": "taught",
                                                             "intent": "faq/parking_permit"}, timeout=10)
    assert taught.json()["status"] == "saved"
    assert "    - can i get a permit for my mum's carer, she is on [phone]" in \
        (project / "data/nlu/faq.yml").read_text()
    assert message["key"] not in {m["key"] for m in editor.get(url + "/studio/api/inbox", timeout=10).json()["messages"]}


def test_publish_with_problems_stops_before_training(studio, editor):
    url, project = studio
    nlu = project / "data/nlu/faq.yml"
    original = nlu.read_text()
    examples = editor.get(url + "/studio/api/topics/jobs", timeout=5).json()["examples"]
    for text in examples[:-5]:
        editor.post(url + "/studio/topics/jobs/examples/remove", json={"text": text}, timeout=10)
    started = editor.post(url + "/studio/publish", timeout=10)
    assert started.status_code == 202
    publish_id = started.json()["publish"]["id"]
    for _ in range(100):
        state = editor.get(f"{url}/studio/api/publishes/{publish_id}", timeout=5).json()["publish"]
        if state["state"] not in ("checking", "training", "evaluating"):
            break
        time.sleep(0.2)
    assert state["state"] == "failed"
    assert "'jobs' has 5 example phrasings. Add at least 10." in state["problems"]
    page = editor.get(f"{url}/studio/publishes/{publish_id}", headers={"Accept": "text/html"}, timeout=5).text
    assert "Add at least 10." in page and "Put live" not in page
    nlu.write_text(original)
