"""Publishing from the studio end to end: an answer edited, checked, put live in the
model store, pulled and served by the running Rasa server, then rolled back."""
import time
import uuid

import sqlalchemy as sa

from bot.filestore import LocalFileStore
from bot.model_store import ModelStore
from bot.studio.content import Content
from bot.studio.publish import Publisher
from tests.studio.conftest import copy_project

QUESTION = "What time is the library open?"


def answer(stack, text):
    return "\n".join(reply.get("text", "") for reply in stack.say(f"publish-{uuid.uuid4().hex[:8]}", text))


def served_within(stack, seconds, check):
    """The answer once `check` accepts it (Rasa pulls a new model every few seconds), or the last one."""
    deadline = time.monotonic() + seconds
    while True:
        served = answer(stack, QUESTION)
        if check(served) or time.monotonic() > deadline:
            return served
        time.sleep(0.5)


def test_answer_edit_goes_live_and_rolls_back(stack, tmp_path):
    project = copy_project(tmp_path / "project", with_model=True)
    content = Content(project)
    publisher = Publisher(sa.create_engine(f"sqlite:///{tmp_path / 'studio.db'}", future=True), content,
                          ModelStore(LocalFileStore(stack.files)))
    before = answer(stack, QUESTION)
    assert "Libraries are closed on Thursdays for the winter" not in before
    old, _ = content.set_answer("library_hours", "Libraries are closed on Thursdays for the winter.\n\n"
                                                 "[Find your library]({council_website}/libraries)")

    publish = publisher.start("eddie", wait=True)
    assert publish.state == "ready", publish.stage
    assert publish.answers_only and publish.accuracy is None     # nothing to re-test: only words changed
    live = publisher.go_live(publish.id, "eddie")
    assert live.state == "live" and live.previous_model_path
    served = served_within(stack, 60, lambda text: "Thursdays for the winter" in text)
    assert "Libraries are closed on Thursdays for the winter." in served
    assert "https://www.brackenford.gov.uk/libraries" in served

    publisher.rollback("eddie")
    assert served_within(stack, 60, lambda text: text == before) == before
