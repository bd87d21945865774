"""The outbox: stored first, delivered once, retried with back-off, across restarts."""
from datetime import timedelta

import pytest
import requests
import sqlalchemy as sa

from bot.connectors.base import Report
from bot.connectors.open311 import Open311Connector
from bot.outbox import Outbox, retry_delay, utcnow
from tests.backoffice_process import API_KEY, BackOfficeProcess


@pytest.fixture
def workdir(tmp_path):
    return tmp_path


@pytest.fixture
def outbox(workdir):
    return Outbox(sa.create_engine(f"sqlite:///{workdir / 'assistant.db'}", future=True))


@pytest.fixture
def backoffice(workdir):
    process = BackOfficeProcess(workdir, port=18082)
    yield process
    process.stop()


def connector_for(process, key=API_KEY):
    return Open311Connector(process.url, key, timeout=2, client_reference_attribute="client_reference")


def graffiti():
    return Report(reference="", service_code="graffiti", lat=51.65, long=-3.39,
                  address_string="Westgate, Brackenford", attributes={"usrn": "40500141", "offensive": "no"})


def cases(process):
    return requests.get(f"{process.url}/requests.json", timeout=5).json()


def test_report_is_stored_before_anything_is_sent(outbox):
    entry = outbox.add(graffiti(), conversation_id="resident-1")
    assert entry.reference.startswith("WEB-") and len(entry.reference) == 10
    assert entry.state == "queued" and entry.attempts == 0
    assert outbox.get(entry.reference.lower()).report.attributes["offensive"] == "no"


def test_delivered_once_with_the_back_office_reference(outbox, backoffice):
    backoffice.start()
    connector = connector_for(backoffice)
    entry = outbox.deliver(outbox.add(graffiti()).reference, connector)
    assert entry.state == "delivered" and entry.backoffice_reference.startswith("BRK-")
    # Delivering again, or a worker round, sends nothing more.
    outbox.deliver(entry.reference, connector)
    assert outbox.deliver_due(connector, now=utcnow() + timedelta(days=1)) == 0
    assert len(cases(backoffice)) == 1


def test_back_office_down_then_back(outbox, backoffice):
    connector = connector_for(backoffice)
    entry = outbox.deliver(outbox.add(graffiti()).reference, connector)   # not started: down
    assert entry.state == "queued" and entry.attempts == 1 and "Connection" in entry.last_error
    # Not due again straight away: back-off.
    assert outbox.deliver_due(connector) == 0
    backoffice.start()
    later = utcnow() + timedelta(hours=1)
    assert outbox.deliver_due(connector, now=later) == 1
    assert outbox.get(entry.reference).state == "delivered"
    assert len(cases(backoffice)) == 1


def test_lost_answer_is_not_filed_twice(outbox, backoffice):
    """The back office stored it but our sender died before recording that: the retry finds the same case."""
    backoffice.start()
    connector = connector_for(backoffice)
    entry = outbox.add(graffiti())
    first = connector.submit(outbox.get(entry.reference).report)
    with outbox.engine.begin() as db:   # a claim whose sender died mid-send
        db.execute(sa.text("UPDATE service_reports SET state='sending', lease_until=:t WHERE reference=:r"),
                   {"t": utcnow() - timedelta(seconds=1), "r": entry.reference})
    assert outbox.deliver_due(connector) == 1
    assert outbox.get(entry.reference).backoffice_reference == first
    assert len(cases(backoffice)) == 1


def test_claimed_report_is_not_sent_by_a_second_sender(outbox, backoffice):
    backoffice.start()
    entry = outbox.add(graffiti())
    with outbox.engine.begin() as db:
        db.execute(sa.text("UPDATE service_reports SET state='sending', lease_until=:t WHERE reference=:r"),
                   {"t": utcnow() + timedelta(minutes=1), "r": entry.reference})
    assert outbox.deliver(entry.reference, connector_for(backoffice)).state == "sending"
    assert cases(backoffice) == []


def test_refused_report_is_kept_for_staff(outbox, backoffice):
    backoffice.start()
    entry = outbox.deliver(outbox.add(graffiti()).reference, connector_for(backoffice, key="wrong"))
    assert entry.state == "rejected" and "api_key" in entry.last_error
    assert [e.reference for e in outbox.entries("rejected")] == [entry.reference]


def test_retry_delay_grows_and_is_capped(monkeypatch):
    monkeypatch.setenv("OUTBOX_RETRY_BASE_SECONDS", "10")
    monkeypatch.setenv("OUTBOX_RETRY_MAX_SECONDS", "60")
    assert 8 <= retry_delay(1).total_seconds() <= 10
    assert 16 <= retry_delay(2).total_seconds() <= 20
    assert 48 <= retry_delay(10).total_seconds() <= 60
