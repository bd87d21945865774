"""A back-office outage loses nothing: reports wait, survive a restart of every process,
and arrive exactly once when the back office is back."""
import time
import uuid

import requests

from tests.backoffice_process import BackOfficeProcess
from tests.integration.test_conversations import texts
from tests.stack import Stack

WITHOUT_BACKOFFICE = ["rasa", "actions", "web", "worker"]


def file_graffiti(stack, street):
    sender = f"resident-{uuid.uuid4().hex[:8]}"
    stack.say(sender, f"there's graffiti on the wall on {street}")
    stack.say(sender, "by the post box")
    stack.say(sender, '/inform{"attr_offensive":"no"}')
    stack.say(sender, '/inform{"contact":"anonymous"}')
    answer = texts(stack.say(sender, '/inform{"report_change":"yes"}'))
    assert "We have your report" in answer, answer
    return answer.split("**")[1], sender


def test_reports_survive_an_outage_and_a_restart(tmp_path):
    stack = Stack(tmp_path, rasa_port=25005, actions_port=25055, web_port=28000, backoffice_port=28080,
                  processes=WITHOUT_BACKOFFICE, env={"BOT_TODAY": "2026-12-24"}).start()
    backoffice = BackOfficeProcess(tmp_path, port=28080)
    try:
        ours = [file_graffiti(stack, "Westgate"), file_graffiti(stack, "Mill Lane")]
        assert all(reference.startswith("WEB-") for reference, _ in ours)
        # Still waiting, and the resident is told so.
        status = texts(stack.say(ours[0][1], f"any news on {ours[0][0]}"))
        assert "no update yet" in status
        stack.restart()                   # every process, back office still down
        backoffice.start()
        deadline = time.monotonic() + 90
        cases = []
        while time.monotonic() < deadline:
            cases = requests.get(f"{backoffice.url}/requests.json", timeout=5).json()
            if len(cases) >= 2:
                break
            time.sleep(1)
        time.sleep(5)                     # give a duplicate every chance to appear
        cases = requests.get(f"{backoffice.url}/requests.json", timeout=5).json()
        assert len(cases) == 2
        assert sorted(c["address"] for c in cases) == ["by the post box, Mill Lane, Brackenford",
                                                        "by the post box, Westgate, Brackenford"]
        # Our reference now leads to the back office's case.
        status = texts(stack.say(ours[1][1], f"what's happening with {ours[1][0]}"))
        assert "is open" in status
    finally:
        stack.stop()
        backoffice.stop()
