"""Browser fixtures: Debian's Chromium through Playwright, one per test module."""
import pytest
from playwright.sync_api import sync_playwright

from tests.browser.support import CHROMIUM_ARGS


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser, stack):
    # bypass_csp lets the test inject axe-core; residents' browsers keep the page's CSP.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    opened = context.new_page()
    opened.goto(stack.web_url + "/")
    yield opened
    context.close()
