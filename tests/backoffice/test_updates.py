"""Progress from the back office, told to residents: the demo back office, the mailbox and the worker
as real processes on loopback ports; messages are read from the mailbox's files."""
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from bot.connectors.base import Report
from bot.connectors.open311 import Open311Connector
from bot.notifications import Notifications
from bot.notify_senders import SmtpSender
from bot.outbox import Outbox
from bot.report_updates import ReportUpdates
from bot.settings import PROJECT_ROOT
from bot.update_poller import UpdateSettings, poll_updates
from tests.backoffice_process import API_KEY, BackOfficeProcess, Mailbox, free_port, start_worker

LINK = "https://www.brackenford.gov.uk/ask"


@pytest.fixture(scope="module")
def backoffice(tmp_path_factory):
    process = BackOfficeProcess(tmp_path_factory.mktemp("backoffice"), port=free_port()).start()
    yield process
    process.stop()


@pytest.fixture
def mailbox(tmp_path, monkeypatch):
    box = Mailbox(tmp_path / "mail")
    monkeypatch.setenv("SMTP_PORT", str(box.port))
    yield box
    box.stop()


@pytest.fixture
def stores(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'assistant.db'}", future=True)
    return Outbox(engine), ReportUpdates(engine), Notifications(engine)


def connector_for(backoffice):
    return Open311Connector(backoffice.url, API_KEY, jurisdiction_id="brackenford.gov.uk", timeout=5,
                            client_reference_attribute="client_reference")


def file_pothole(outbox, connector, **contact):
    entry = outbox.add(Report(reference="", service_code="pothole", description="Deep hole",
                              lat=51.65, long=-3.39, address_string="outside 14, Station Road, Brackenford",
                              attributes={"usrn": "40500008", "size": "large", "hazard": "yes"}, **contact))
    return outbox.deliver(entry.reference, connector)


def poll_and_send(connector, stores, method="servicerequestupdates"):
    outbox, updates, messages = stores
    changed = poll_updates(connector, outbox, updates, messages, UpdateSettings(method=method), LINK)
    messages.send_due(SmtpSender())
    return changed


def test_a_report_moves_through_statuses_and_its_resident_hears_each_once(backoffice, mailbox, stores):
    connector = connector_for(backoffice)
    outbox, updates, _ = stores
    told = file_pothole(outbox, connector, email="jo@example.com")
    anonymous = file_pothole(outbox, connector)
    reference = told.backoffice_reference
    assert poll_and_send(connector, stores) == 0 and mailbox.messages() == []

    for status, notes in (("investigating", ""), ("action_scheduled", "Booked for Tuesday."), ("fixed", "")):
        assert backoffice.cli("status", reference, status, "--notes", notes).returncode == 0
        assert backoffice.cli("status", anonymous.backoffice_reference, status).returncode == 0
        assert poll_and_send(connector, stores) == 2
    assert poll_and_send(connector, stores) == 0          # nothing new: nothing told again

    mail = mailbox.messages()
    assert [m["To"] for m in mail] == ["jo@example.com"] * 3       # none for the anonymous report
    bodies = [m.get_content() for m in mail]
    assert all(m["Subject"] == f"Your pothole report {reference}" for m in mail)
    assert "is being looked into by the team" in bodies[0]
    assert "has had the work booked in" in bodies[1] and "Booked for Tuesday." in bodies[1]
    assert "has been fixed" in bodies[2] and LINK in bodies[2]
    assert [c.status for c in updates.history(reference)] == ["fixed", "action_scheduled", "investigating"]


def test_a_token_is_resolved_before_updates_are_matched(tmp_path, mailbox, stores):
    backoffice = BackOfficeProcess(tmp_path / "tokens", port=free_port())
    (tmp_path / "tokens").mkdir()
    backoffice.env["BACKOFFICE_ANSWER_WITH_TOKEN"] = "1"
    backoffice.start()
    try:
        connector = connector_for(backoffice)
        outbox, _, _ = stores
        entry = file_pothole(outbox, connector, phone="07700 900123", email="sam@example.com")
        assert entry.state == "delivered" and entry.backoffice_reference.startswith("token:")
        case = backoffice.cli("list").stdout.split()[0]
        assert backoffice.cli("status", case, "fixed").returncode == 0
        assert poll_and_send(connector, stores) == 1
        assert outbox.get(entry.reference).backoffice_reference == case
        (mail,) = mailbox.messages()
        assert mail["To"] == "sam@example.com" and "has been fixed" in mail.get_content()
    finally:
        backoffice.stop()


def test_plain_georeport_requests_tell_open_and_closed(backoffice, mailbox, stores):
    connector = connector_for(backoffice)
    outbox, _, _ = stores
    entry = file_pothole(outbox, connector, email="ali@example.com")
    assert backoffice.cli("status", entry.backoffice_reference, "investigating").returncode == 0
    assert poll_and_send(connector, stores, "requests") == 0     # still open in GeoReport's terms
    assert backoffice.cli("status", entry.backoffice_reference, "fixed", "--notes", "Filled").returncode == 0
    assert poll_and_send(connector, stores, "requests") == 1
    (mail,) = mailbox.messages()
    assert "is closed" in mail.get_content() and "Filled" in mail.get_content()


def test_the_worker_tells_the_resident_soon_after_the_change(backoffice, mailbox, tmp_path):
    """The worker process as `make run` starts it, polling every second."""
    database = f"sqlite:///{tmp_path / 'worker.db'}"
    outbox = Outbox(sa.create_engine(database, future=True))
    entry = file_pothole(outbox, connector_for(backoffice), email="lee@example.com")
    worker = start_worker(database, backoffice, mailbox, OUTBOX_POLL_SECONDS="0.5", BACKOFFICE_UPDATES_SECONDS="1")
    try:
        time.sleep(3)      # the worker's first poll has run
        assert backoffice.cli("status", entry.backoffice_reference, "fixed").returncode == 0
        deadline = time.monotonic() + 30
        while not mailbox.messages() and time.monotonic() < deadline:
            time.sleep(0.2)
        (mail,) = mailbox.messages()
        assert mail["To"] == "lee@example.com" and entry.backoffice_reference in mail["Subject"]
    finally:
        worker.terminate()
        worker.wait(timeout=20)


def test_the_back_office_lists_changes_between_times(backoffice):
    base = backoffice.url
    answer = requests.get(f"{base}/servicerequestupdates.json", params={"api_key": API_KEY,
                          "start_date": "2001-01-01T00:00:00Z", "end_date": "2001-01-02T00:00:00Z"}, timeout=5)
    assert answer.ok and answer.json() == {"service_request_updates": []}
    assert requests.get(f"{base}/servicerequestupdates.json", params={"api_key": "wrong"}, timeout=5).status_code == 403
    assert requests.get(f"{base}/requests.json", params={"start_date": "yesterday"}, timeout=5).status_code == 400


def test_an_open_report_within_50_metres_is_a_duplicate_and_one_200_metres_away_is_not(backoffice, stores):
    from bot.duplicates import metres_between, nearest_open
    connector = connector_for(backoffice)
    outbox = stores[0]
    filed = file_pothole(outbox, connector, email="jo@example.com")
    lat, long = 51.65, -3.39
    near, far = (lat + 0.0002, long), (lat + 0.0018, long)
    assert 15 < metres_between(lat, long, *near) < 30 and 190 < metres_between(lat, long, *far) < 210
    found = nearest_open("pothole", *near, connector, outbox, 50)
    assert found.reference == filed.backoffice_reference and 15 < found.metres < 30
    assert nearest_open("pothole", *far, connector, outbox, 50) is None
    assert nearest_open("graffiti", *near, connector, outbox, 50) is None       # another service
    for case in [c.reference for c in connector.open_cases("pothole")]:
        assert backoffice.cli("status", case, "fixed").returncode == 0
    assert nearest_open("pothole", *near, connector, outbox, 50) is None        # fixed: not open any more


def test_a_resident_who_follows_a_report_hears_of_its_changes(backoffice, mailbox, stores):
    connector = connector_for(backoffice)
    outbox, updates, _ = stores
    case = connector.submit(Report(reference="WEB-OTHERS", service_code="pothole", lat=51.7, long=-3.4,
                                   address_string="Mill Lane", attributes={"usrn": "40500008", "size": "small"}))
    assert updates.subscribe(case, "pothole", "kim@example.com", None)
    assert not updates.subscribe(case, "pothole", "kim@example.com", None)     # once is enough
    assert backoffice.cli("status", case, "action_scheduled").returncode == 0
    assert poll_and_send(connector, stores) == 1
    (mail,) = mailbox.messages()
    assert mail["To"] == "kim@example.com" and mail["Subject"] == f"Your pothole report {case}"
