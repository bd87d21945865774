"""Closing the loop with the back office, on the running stack: the worker polls the demo back office
every second here (BACKOFFICE_UPDATES_SECONDS), the mailbox keeps what residents are sent."""
import subprocess
import sys
import time

import requests

from bot.mailbox import read_all
from bot.settings import PROJECT_ROOT
from tests.integration.test_conversations import texts
from tests.integration.test_reports import new_sender, press

OPENING = "there's a deep pothole outside 9 Moorland View, about the size of a dinner plate"


def set_status(stack, reference, status, notes=""):
    done = subprocess.run([sys.executable, "-m", "bot.backoffice", "status", reference, status, "--notes", notes],
                          cwd=PROJECT_ROOT, env=stack.env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def mail_about(stack, reference, count, within=30):
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        found = [m for m in read_all(stack.mail) if reference in m["Subject"]]
        if len(found) >= count:
            return found
        time.sleep(0.3)
    raise AssertionError(f"{count} messages about {reference} not sent in {within} s")


def file_pothole(stack, sender, contact):
    replies = stack.say(sender, OPENING)
    if "Do you want updates" in texts(replies):
        replies = stack.say(sender, contact)
    return replies


def test_a_resident_hears_of_each_change_and_can_ask_about_it(stack):
    sender = new_sender()
    replies = file_pothole(stack, sender, "moor@example.com")
    answer = texts(press(stack, sender, replies, "Send report"))
    reference = answer.split("**")[1]

    set_status(stack, reference, "action_scheduled", "Booked for Tuesday.")
    (first,) = mail_about(stack, reference, 1)
    assert first["To"] == "moor@example.com" and "has had the work booked in" in first.get_content()
    set_status(stack, reference, "fixed")
    second = mail_about(stack, reference, 2)[1]
    assert "has been fixed" in second.get_content()

    # The same news in the conversation, where a widget still open shows it.
    told = [e["text"] for e in stack.tracker(sender)["events"] if e["event"] == "bot"
            and e.get("text", "").startswith("News of your pothole report")]
    assert any("has been fixed" in text for text in told), told
    # A widget opened again in the same tab catches up with what it missed.
    news = requests.post(f"{stack.web_url}/api/news", json={"conversation_id": sender}, timeout=10).json()["news"]
    assert news == [f"News of your pothole report {reference}: it has had the work booked in. Booked for Tuesday.",
                    f"News of your pothole report {reference}: it has been fixed."]
    assert requests.post(f"{stack.web_url}/api/news", json={"conversation_id": new_sender()},
                         timeout=10).json() == {"news": []}

    status = texts(stack.say(sender, "any news on the pothole I reported?"))
    assert f"Your pothole report {reference} has been fixed" in status
    assert status.index("It has been fixed") < status.index("It has had the work booked in. Booked for Tuesday.")


def test_the_same_pothole_nearby_is_offered_instead_of_a_new_report(stack):
    first = new_sender()
    reference = texts(press(stack, first, file_pothole(stack, first, "anonymous"), "Send report")).split("**")[1]
    before = requests.get(f"{stack.backoffice_url}/requests.json", timeout=10).json()

    second = new_sender()
    replies = file_pothole(stack, second, "near@example.com")
    offer = texts(replies)
    assert "Someone reported a pothole at the same place on" in offer and "Do you want updates" in offer
    follow = next(b for r in replies for b in r.get("buttons", []) if b["title"].startswith("Get updates on"))
    answer = texts(stack.say(second, follow["payload"]))
    assert "You will get updates on" in answer and "We have not made a new report" in answer
    after = requests.get(f"{stack.backoffice_url}/requests.json", timeout=10).json()
    assert len(after) == len(before)                                   # nothing new filed

    followed = follow["title"].split()[3]
    set_status(stack, followed, "investigating")
    (mail,) = mail_about(stack, followed, 1)
    assert mail["To"] == "near@example.com" and "is being looked into" in mail.get_content()
    assert reference                                                   # the first report was filed
