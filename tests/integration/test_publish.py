"""Publishing from the studio end to end: an answer edited, checked, put live in the
running Rasa server through its HTTP API, served to a resident, then rolled back."""
import uuid

import sqlalchemy as sa

from bot.handoff.rasa_api import RasaClient
from bot.studio.content import Content
from bot.studio.publish import Publisher
from tests.studio.conftest import copy_project

QUESTION = "What time is the library open?"


def answer(stack, text):
    return "\n".join(reply.get("text", "") for reply in stack.say(f"publish-{uuid.uuid4().hex[:8]}", text))


def test_answer_edit_goes_live_and_rolls_back(stack, tmp_path):
    project = copy_project(tmp_path / "project", with_model=True)
    content = Content(project)
    publisher = Publisher(sa.create_engine(f"sqlite:///{tmp_path / 'studio.db'}", future=True), content,
                          RasaClient(stack.rasa_url, stack.token), live_model=project / "models" / "brackenford.tar.gz")
    before = answer(stack, QUESTION)
    assert "Libraries are closed on Thursdays for the winter" not in before
    old, _ = content.set_answer("library_hours", "Libraries are closed on Thursdays for the winter.\n\n"
                                                 "[Find your library]({council_website}/libraries)")

    publish = publisher.start("eddie", wait=True)
    assert publish.state == "ready", publish.stage
    assert publish.answers_only and publish.accuracy is None     # nothing to re-test: only words changed
    live = publisher.go_live(publish.id, "eddie")
    assert live.state == "live" and live.previous_model_path
    served = answer(stack, QUESTION)
    assert "Libraries are closed on Thursdays for the winter." in served
    assert "https://www.brackenford.gov.uk/libraries" in served

    publisher.rollback("eddie")
    assert answer(stack, QUESTION) == before
