"""The insights dashboard over real HTTP: who may see it, what it shows, and its CSV."""
import csv
import io

import pytest
import requests

from bot.staff.accounts import StaffStore
from tests.insights.conftest import seed
from tests.web.server import sign_in, web_app

PASSWORD = "a long insights password"
NOVEMBER = {"from": "2026-11-01", "to": "2026-11-30"}


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory):
    database = f"sqlite:///{tmp_path_factory.mktemp('insights') / 'insights.db'}"
    engine = seed(database)
    StaffStore(engine).add("mo", "Mo", "agent", PASSWORD)
    with web_app(18704, DATABASE_URL=database, RASA_URL="http://127.0.0.1:9", BOT_TODAY="2026-11-30") as url:
        browser, _ = sign_in(url, "mo", PASSWORD)
        yield url, browser


@pytest.mark.parametrize("path", ["/insights", "/insights/export/summary.csv"])
def test_staff_only(dashboard, path):
    url, _ = dashboard
    reply = requests.get(url + path, allow_redirects=False, timeout=5)
    assert reply.status_code == 302 and reply.headers["Location"].startswith("/staff/login")


def test_dashboard_shows_the_figures_and_explains_the_savings(dashboard):
    url, browser = dashboard
    page = browser.get(url + "/insights", params=NOVEMBER, timeout=10).text
    assert '<span class="headline-figure">60.0%</span> contained' in page
    assert "3 contained conversations × £2.68 saved each = £8.04" in page
    assert "would otherwise have come by phone (£2.83 each)" in page
    assert "blorp my wibble, I&#x27;m on [phone]" in page and "07700" not in page
    assert page.count("<svg") >= 4 and page.count("<table") >= 8
    # Last 30 days by default: BOT_TODAY is 30 November.
    assert 'value="2026-11-01"' in browser.get(url + "/insights", timeout=10).text


def test_costs_can_be_changed_and_bad_input_is_explained(dashboard):
    url, browser = dashboard
    page = browser.get(url + "/insights", params={**NOVEMBER, "phone": "4.00", "web": "0.50"}, timeout=10).text
    assert "3 contained conversations × £3.50 saved each = £10.50" in page
    bad = browser.get(url + "/insights", params={"from": "2026-12-01", "to": "2026-11-01"}, timeout=10).text
    assert "The start date must be before the end date." in bad


def test_every_table_exports_as_csv(dashboard):
    url, browser = dashboard
    reply = browser.get(url + "/insights/export/topics.csv", params=NOVEMBER, timeout=10)
    assert reply.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(reply.text)))
    assert rows[0] == ["Topic", "Messages"] and rows[1] == ["Book a bulky waste collection", "2"]
    summary = dict(csv.reader(io.StringIO(browser.get(url + "/insights/export/summary.csv", params=NOVEMBER,
                                                      timeout=10).text)))
    assert summary["Integration rate"] == "50.0%" and summary["Conversations"] == "5"
    assert browser.get(url + "/insights/export/nothing.csv", timeout=10).status_code == 404
