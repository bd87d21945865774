"""The production topology for real (`make run-cluster` on test ports): a load balancer,
two Rasa servers and two action servers on PostgreSQL and Redis, the web app as
model server, two outbox workers and the demo back office."""
import os
import signal
import socket
import threading
import time
import uuid

import pytest
import requests
import sqlalchemy as sa

from bot.filestore import DatabaseFileStore
from bot.model_store import ModelStore
from bot.staff.accounts import StaffStore
from bot.studio.content import Content
from bot.studio.publish import Publisher
from tests.cluster_stack import ClusterStack, listening_pid
from tests.conftest import STACK_TIME, STACK_TODAY
from tests.integration.test_conversations import texts
from tests.integration.test_handoff import Resident, escalation_of, text_with
from tests.integration.test_reports import press
from tests.studio.conftest import copy_project
from tests.web.server import csrf_token, sign_in, web_app

PASSWORD = "a long cluster password"
QUESTION = "What time is the library open?"


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    running = ClusterStack(tmp_path_factory.mktemp("cluster"), env={"BOT_TODAY": STACK_TODAY,
                                                                    "BOT_TIME": STACK_TIME})
    try:
        running.start()
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def engine(cluster):
    return sa.create_engine(cluster.database_url, future=True)


def answer(url, question=QUESTION):
    replies = requests.post(f"{url}/webhooks/rest/webhook", timeout=60,
                            json={"sender": f"probe-{uuid.uuid4().hex[:8]}", "message": question}).json()
    return "\n".join(reply.get("text", "") for reply in replies)


def test_the_balancer_and_each_server_answer(cluster):
    for url in [cluster.lb_url, *cluster.rasa_urls]:
        assert "/council-tax/pay" in answer(url, "How do I pay my council tax?")


def test_a_conversation_moves_between_servers_with_nothing_lost(cluster):
    sender = f"resident-{uuid.uuid4().hex[:8]}"
    replies = cluster.say(sender, "I want to report a pothole", url=cluster.rasa_urls[0])
    assert "Which street" in texts(replies)
    # Turns alternate between the servers: the conversation is in PostgreSQL, not in a server's memory.
    replies = cluster.say(sender, "Station Road", url=cluster.rasa_urls[1])
    assert "Where on the street" in texts(replies)
    replies = cluster.say(sender, "outside 14", url=cluster.rasa_urls[0])
    assert "Roughly how big is it?" in texts(replies)
    replies = press(_On(cluster, cluster.rasa_urls[1]), sender, replies, "Bigger than a car tyre")
    assert "immediate danger" in texts(replies)


class _On:
    """`say` against one server, for helpers that take a stack."""

    def __init__(self, cluster, url):
        self.cluster, self.url = cluster, url

    def say(self, sender, message):
        return self.cluster.say(sender, message, url=self.url)


def test_an_advisers_reply_reaches_a_resident_on_the_other_server(cluster, engine):
    staff = StaffStore(engine)
    if staff.get("sam") is None:
        staff.add("sam", "Sam", "agent", PASSWORD)
    # The console talks to Rasa server 2; the resident's socket is on Rasa server 1.
    with web_app(28100, DATABASE_URL=cluster.database_url, REDIS_URL=cluster.redis_url, FILE_STORE="database",
                 RASA_URL=cluster.rasa_urls[1], RASA_API_TOKEN=cluster.token, BOT_TODAY=STACK_TODAY,
                 BOT_TIME=STACK_TIME) as console_url, Resident(cluster.rasa_urls[0]) as resident:
        browser, signed_in = sign_in(console_url, "sam", PASSWORD, "/console", follow=True)
        browser.headers.update({"X-CSRF-Token": csrf_token(signed_in.text), "Accept": "application/json"})
        resident.say("I want to speak to a person")
        resident.wait_for(text_with("in the queue"))
        item = escalation_of(browser, console_url, resident.session)
        assert browser.post(f"{console_url}/console/escalations/{item['id']}/claim", timeout=10).ok
        resident.wait_for(text_with("Sam from the contact centre has joined"))

        resident.say("my bin has not been emptied for three weeks")
        # The pause the console made through server 2 holds on server 1: the assistant stays quiet.
        assert not [m for m in resident.nothing_for(3) if m.get("text")]
        deadline = time.monotonic() + 20
        while True:
            conversation = browser.get(f"{console_url}/console/api/conversations/{item['id']}", timeout=10).json()
            said = [line["text"] for line in conversation["transcript"] if line["who"] == "resident"]
            if said and said[-1] == "my bin has not been emptied for three weeks" or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert said[-1] == "my bin has not been emptied for three weeks"

        sent = browser.post(f"{console_url}/console/conversations/{item['id']}/reply",
                            json={"text": "Hello, I'm Sam. I can help."}, timeout=10)
        assert sent.json() == {"status": "sent"}
        assert resident.wait_for(text_with("I can help")) == {"text": "Hello, I'm Sam. I can help.", "agent": "Sam"}

        assert browser.post(f"{console_url}/console/conversations/{item['id']}/handback", timeout=10).ok
        resident.wait_for(text_with("passed you back to the assistant"))
        resident.say("How do I pay my council tax?")
        resident.wait_for(text_with("/council-tax/pay"))


def serving_everywhere(cluster, words, seconds=150):
    """Seconds until every Rasa server answers with `words`, or None if one does not within `seconds`
    (a bound so the test ends, not a speed target: the bench measures that)."""
    started = time.monotonic()
    waiting = list(cluster.rasa_urls)
    while waiting and time.monotonic() - started < seconds:
        waiting = [url for url in waiting if words not in answer(url)]
        if waiting:
            time.sleep(0.5)
    return None if waiting else time.monotonic() - started


class Residents(threading.Thread):
    """Residents asking through the balancer while a publish rolls out: every one must be answered."""

    def __init__(self, cluster):
        super().__init__(daemon=True)
        self.cluster, self.stop, self.answered, self.failed, self.slowest = cluster, threading.Event(), 0, [], 0.0

    def run(self):
        while not self.stop.is_set():
            started = time.monotonic()
            try:
                assert "/council-tax/pay" in answer(self.cluster.lb_url, "How do I pay my council tax?")
                self.answered += 1
            except Exception as error:   # noqa: BLE001 - every failure is reported by the test
                self.failed.append(repr(error))
            self.slowest = max(self.slowest, time.monotonic() - started)
            time.sleep(0.2)


def test_a_publish_and_a_roll_back_reach_every_server(cluster, engine, tmp_path):
    residents = Residents(cluster)
    project = copy_project(tmp_path / "project", with_model=True)
    content = Content(project)
    publisher = Publisher(engine, content, ModelStore(DatabaseFileStore(engine)))
    before = answer(cluster.rasa_urls[0])
    content.set_answer("library_hours", "Libraries in the cluster close at noon.\n\n"
                                        "[Find your library]({council_website}/libraries)")
    publish = publisher.start("eddie", wait=True)
    assert publish.state == "ready", publish.stage
    residents.start()
    try:
        publisher.go_live(publish.id, "eddie")
        assert serving_everywhere(cluster, "close at noon") is not None, cluster.log_tail()

        publisher.rollback("eddie")
        first_words = before.split("\n")[0]
        assert serving_everywhere(cluster, first_words) is not None, cluster.log_tail()
        assert all("close at noon" not in answer(url) for url in cluster.rasa_urls)
    finally:
        residents.stop.set()
        residents.join(timeout=70)
    # Servers load a new model beside their work, one at a time: nobody was turned away meanwhile.
    assert residents.failed == [] and residents.answered > 10


def _kill(port):
    """Kill the server on `port` and anything it started, at once, as when its container dies."""
    pid = listening_pid(port)
    assert pid, f"nothing listens on {port}"
    os.killpg(os.getpgid(pid), signal.SIGKILL)
    deadline = time.monotonic() + 10
    while not _refused(port) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _refused(port), f"{port} still answers"


def _refused(port):
    """Whether the port refuses connections: the dying process has closed its socket."""
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        return False
    except OSError:
        return True


def test_kill_a_rasa_server_mid_report(cluster):
    sender = f"resident-{uuid.uuid4().hex[:8]}"
    replies = cluster.say(sender, "there's a huge pothole outside 14 Station Road, deep hole in the middle")
    assert "email address or phone number" in texts(replies)
    _kill(25006)
    # Through the balancer, the resident carries on where they were, on the other server.
    replies = cluster.say(sender, "jo@example.com Jo Bloggs")
    assert "outside 14, Station Road" in texts(replies) and "Jo Bloggs" in texts(replies)
    replies = press(cluster, sender, replies, "Send report")
    assert "sent to the council" in texts(replies)
    cluster.wait_until_ready()   # the supervisor starts it again, as a container platform would


def test_kill_an_action_server_mid_report(cluster):
    sender = f"resident-{uuid.uuid4().hex[:8]}"
    replies = cluster.say(sender, "I want to report a pothole")
    assert "Which street" in texts(replies)
    replies = cluster.say(sender, "Station Road")
    _kill(25056)
    replies = cluster.say(sender, "outside 14")
    assert "Roughly how big" in texts(replies)
    replies = press(cluster, sender, replies, "Bigger than a car tyre")
    replies = press(cluster, sender, replies, "Yes")
    assert "Describe the problem" in texts(replies)
    replies = cluster.say(sender, "Deep hole in the middle of the road")
    replies = cluster.say(sender, "jo@example.com")
    replies = press(cluster, sender, replies, "Send report")
    assert "sent to the council" in texts(replies)
    reference = texts(replies).split("**")[1]
    cases = requests.get(f"http://127.0.0.1:28080/open311/v2/requests/{reference}.json", timeout=10).json()
    assert cases[0]["service_code"] == "pothole"
    cluster.wait_until_ready()
