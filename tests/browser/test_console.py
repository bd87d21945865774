"""The agent console in a real browser, beside a resident's widget: two windows, live both ways."""
import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from bot.staff.accounts import StaffStore
from tests.browser.support import TITLE, ask, axe_violations, log

PASSWORD = "a long browser password"


@pytest.fixture(scope="module")
def adviser_account(stack):
    staff = StaffStore(sa.create_engine(f"sqlite:///{stack.database}", future=True))
    if staff.get("bea") is None:
        staff.add("bea", "Bea", "agent", PASSWORD)
    return "bea"


@pytest.fixture
def console(browser, stack, adviser_account):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    opened = context.new_page()
    opened.goto(stack.web_url + "/console")
    yield opened
    context.close()


def sign_in_by_keyboard(page, username):
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id === 'username'"):
            break
    expect(page.get_by_label("Username")).to_be_focused()
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password")).to_be_focused()
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")


def test_sign_in_page_is_accessible_and_says_what_went_wrong(console):
    assert axe_violations(console) == []
    console.get_by_label("Username").fill("bea")
    console.get_by_label("Password").fill("not the password at all")
    console.get_by_role("button", name="Sign in").click()
    expect(console.get_by_role("alert")).to_contain_text("The username or password is wrong.")
    assert axe_violations(console) == []


def test_two_windows_handoff(browser, stack, console, page):
    sign_in_by_keyboard(console, "bea")
    expect(console.get_by_role("heading", name="Contact-centre queue")).to_be_visible()

    # The resident asks for a person; the adviser's queue shows it without a reload.
    page.get_by_role("button", name=TITLE).click()
    ask(page, "How do I apply for a blue badge?")
    expect(log(page)).to_contain_text("Blue Badge")
    ask(page, "I want to speak to a person")
    expect(log(page)).to_contain_text("in the queue")
    row = console.get_by_role("row").filter(has_text="Apply for a Blue Badge").last
    expect(row).to_be_visible(timeout=10000)
    assert axe_violations(console) == []

    row.get_by_role("button", name="Claim").click()
    expect(console.get_by_role("heading", name="Apply for a Blue Badge")).to_be_visible()
    transcript = console.locator("#conversation-transcript")
    expect(transcript).to_contain_text("How do I apply for a blue badge?")
    expect(log(page)).to_contain_text("Bea from the contact centre has joined the chat.")
    assert axe_violations(console) == []

    # Live both ways: the adviser's reply, marked as from a person and shown as text...
    console.get_by_label("Your reply").fill("Hello, I'm Bea. <b>How</b> can I help?")
    console.get_by_role("button", name="Send reply").click()
    expect(console.get_by_role("status").filter(has_text="Reply sent.")).to_be_visible()
    expect(log(page).get_by_text("Hello, I'm Bea. <b>How</b> can I help?")).to_be_visible(timeout=5000)
    expect(log(page).get_by_text("Bea said:")).to_be_visible()
    # ...and the resident's answer on the adviser's screen.
    ask(page, "I need a form for my mother")
    expect(transcript).to_contain_text("I need a form for my mother", timeout=5000)

    console.get_by_role("button", name="Hand back to the assistant").click()
    expect(console.get_by_role("heading", name="Contact-centre queue")).to_be_visible()
    expect(log(page)).to_contain_text("passed you back to the assistant")
    ask(page, "How do I pay my council tax?")
    expect(log(page).get_by_role("link", name=re.compile("Pay your council tax online"))).to_be_visible()


def test_insights_dashboard_is_accessible(console, stack):
    """The adviser's account opens the insights too, with a chart once residents have asked something."""
    stack.say("insights-resident", "How do I pay my council tax?")
    sign_in_by_keyboard(console, "bea")
    expect(console.get_by_role("heading", name="Contact-centre queue")).to_be_visible()
    # The stack's BOT_TODAY is in December; the conversations above happened today.
    today = date.today()
    console.goto(f"{stack.web_url}/insights?from={today - timedelta(days=1)}&to={today}")
    expect(console.get_by_role("heading", name="Insights")).to_be_visible()
    expect(console.get_by_role("img", name=re.compile("Top topics: chart"))).to_be_visible()
    assert axe_violations(console) == []
    console.get_by_text("Costs per contact").click()
    console.get_by_label("Phone call (£)").fill("3.50")
    console.get_by_role("button", name="Show").click()
    expect(console.get_by_text(re.compile("saved each"))).to_contain_text("£3.35 saved each")
    assert axe_violations(console) == []
