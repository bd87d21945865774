"""The content studio in a real browser: an editor fixes an answer, publishes it, and the
resident's chat shows the change; the inbox turns a resident's question into a phrasing."""
import re
import time

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from bot.staff.accounts import StaffStore
from tests.browser.support import TITLE, ask, axe_violations, log
from tests.studio.conftest import copy_project
from tests.web.server import web_app

PASSWORD = "a long editor password"
NEW_ANSWER = "Our libraries open at 9am and close at 5pm. We are closed on Sundays."


@pytest.fixture(scope="module")
def studio_url(stack, tmp_path_factory):
    """The studio on its own copy of the content, talking to the test stack's Rasa and database."""
    project = copy_project(tmp_path_factory.mktemp("studio") / "project", with_model=True)
    staff = StaffStore(sa.create_engine(f"sqlite:///{stack.database}", future=True))
    if staff.get("edna") is None:
        staff.add("edna", "Edna", "editor", PASSWORD)
    with web_app(18703, DATABASE_URL=f"sqlite:///{stack.database}", STUDIO_PROJECT_DIR=str(project),
                 FILE_STORE_DIR=str(stack.files),
                 RASA_URL=stack.rasa_url, RASA_API_TOKEN=stack.token) as url:
        yield url


@pytest.fixture
def editor(browser, studio_url):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    opened = context.new_page()
    opened.goto(studio_url + "/studio")
    opened.get_by_label("Username").fill("edna")
    opened.get_by_label("Password").fill(PASSWORD)
    opened.get_by_role("button", name="Sign in").click()
    expect(opened.get_by_role("heading", name="Content studio")).to_be_visible()
    yield opened
    context.close()


def wait_until_served(stack, question, expected, seconds=60):
    """Every Rasa server pulls a published model within seconds; wait for this one."""
    deadline = time.monotonic() + seconds
    while expected not in " ".join(r.get("text", "") for r in stack.say(f"probe-{time.monotonic()}", question)):
        assert time.monotonic() < deadline, "the published answer was not served within a minute"
        time.sleep(0.5)


def test_fix_an_answer_publish_and_see_it_in_the_chat(editor, page, studio_url, stack):
    before = " ".join(r.get("text", "") for r in stack.say("probe-before", "What time is the library open?"))
    assert axe_violations(editor) == []
    editor.get_by_role("link", name="Library opening times").click()
    answer = editor.get_by_label("Answer", exact=True)
    answer.fill(NEW_ANSWER + "\n\n[Find your library]({council_website}/libraries)")
    # The preview is the widget's own rendering, with the council's details filled in.
    expect(editor.locator("#preview").get_by_role("link", name=re.compile("Find your library"))).to_be_visible()
    assert axe_violations(editor) == []
    editor.get_by_role("button", name="Save answer").click()
    editor.get_by_role("link", name="Back to the studio").click()
    editor.get_by_role("button", name="Check and publish").click()
    expect(editor.get_by_role("heading", name="Publish")).to_be_visible()
    put_live = editor.get_by_role("button", name="Put live")
    expect(put_live).to_be_visible(timeout=120_000)
    assert axe_violations(editor) == []
    put_live.click(timeout=120_000)    # Rasa loads the model before the page comes back
    expect(editor.get_by_role("status")).to_contain_text("Live", timeout=120_000)
    wait_until_served(stack, "What time is the library open?", NEW_ANSWER)

    page.get_by_role("button", name=TITLE).click()
    ask(page, "What time is the library open?")
    expect(log(page)).to_contain_text(NEW_ANSWER)

    editor.goto(studio_url + "/studio")
    editor.get_by_role("button", name="Roll back to the previous model").click(timeout=120_000)
    expect(editor.get_by_role("heading", name="Content studio")).to_be_visible(timeout=120_000)
    # The next tests find the old model back in place, not one being loaded.
    wait_until_served(stack, "What time is the library open?", before[:60])


def test_a_question_from_the_inbox_becomes_a_phrasing(editor, page, studio_url):
    page.get_by_role("button", name=TITLE).click()
    ask(page, "what time is the library open")
    log(page).get_by_role("group", name="Was this helpful?").last.get_by_role("button", name="No").click()
    expect(log(page).get_by_text("Thank you for your feedback.")).to_be_visible()

    editor.get_by_role("link", name=re.compile("What residents said")).click()
    row = editor.get_by_role("row").filter(has_text="what time is the library open").first
    expect(row).to_be_visible()
    assert axe_violations(editor) == []
    row.get_by_role("combobox").select_option(label="Library opening times")
    row.get_by_role("button", name="Teach").click()
    expect(editor.get_by_role("row").filter(has_text="what time is the library open")).to_have_count(0)
    editor.goto(studio_url + "/studio/topics/library_hours")
    expect(editor.get_by_label(re.compile("^Example"))
           .and_(editor.locator("[value='what time is the library open']"))).to_have_count(1)
