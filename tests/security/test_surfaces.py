"""Attacks on the assistant's surfaces, replayed (issue 14).

- Rasa's HTTP API and the action server trust their callers: they listen on
  loopback unless the operator names another address.
- A forged call to a submit action, with slots that never went through the form,
  files nothing.
- A name or email typed at a form's question never reaches the content studio's
  inbox or the insights as it was typed.

(The widget's link check is replayed in a browser: tests/browser/test_widget.py.)
"""
import logging
import time

import pytest
import sqlalchemy as sa
from rasa.shared.core.events import SlotSet, UserUttered

from actions.handoff import ActionSubmitCallback
from actions.reports import ActionSubmitReport
from bot import answer_checks, clock
from bot.cluster.haproxy import config as haproxy_config
from bot.feedback import FeedbackStore
from bot.handoff.escalations import default_escalations
from bot.outbox import default_outbox
from bot.report_updates import report_updates
from bot.serve import command
from tests.conftest import make_tracker, run
from tests.insights.conftest import save_conversations

# Where Rasa and the action server listen ---------------------------------------------------------


def interface(args):
    return args[args.index("--interface") + 1]


def test_rasa_listens_on_loopback_unless_told_otherwise():
    assert interface(command("rasa", {})) == "127.0.0.1"
    assert interface(command("rasa", {"RASA_HOST": "10.0.0.5"})) == "10.0.0.5"   # a private address


def test_action_server_listens_on_loopback_unless_told_otherwise(monkeypatch):
    import bot.action_server as action_server

    hosts = []

    class App:
        def run(self, host, **options):
            hosts.append(host)

    monkeypatch.setattr(action_server, "create_app", App)
    monkeypatch.setattr(action_server, "configure_logging", lambda: None)
    monkeypatch.delenv("ACTIONS_HOST", raising=False)
    action_server.main()
    monkeypatch.setenv("ACTIONS_HOST", "10.0.0.6")
    action_server.main()
    assert hosts == ["127.0.0.1", "10.0.0.6"]


def test_the_clusters_balancer_reaches_servers_on_loopback():
    balancer = haproxy_config(5005, [5006], 5055, [5056])
    assert "server rasa1 127.0.0.1:5006" in balancer and "server actions1 127.0.0.1:5056" in balancer


# Forged calls to the submit actions ---------------------------------------------------------------

POTHOLE = {"street": "Station Road", "location_detail": "outside 14", "attr_size": "large", "attr_hazard": "no",
           "description": "deep", "contact": "anonymous", "report_confirmed": "yes"}


def form_tracker(form, slots, sender="forger"):
    tracker = make_tracker(slots=slots, events=[{"event": "active_loop", "name": form}], active_loop=form)
    tracker.sender_id = sender
    return tracker


def test_a_report_the_form_accepts_passes_the_checks_again():
    assert answer_checks.report_problems("pothole", POTHOLE, clock.now(), 3) == []


@pytest.mark.parametrize("forged,refused", [
    ({"street": "Nowhere Avenue"}, "street"),                          # not in the gazetteer
    ({"street": "Heather Close"}, "street"),                           # private: the form refuses it
    ({"street": "Brackenford Bypass"}, "street"),                      # National Highways' road
    ({"location_detail": None}, "location_detail"),
    ({"location_detail": "x" * 201}, "location_detail"),
    ({"attr_size": "<script>alert(1)</script>"}, "attr_size"),         # not one of the choices
    ({"description": "x" * 4001}, "description"),
    ({"description": None}, "description"),
    ({"contact": "not an address"}, "contact"),
    ({"contact": None}, "contact"),
    ({"report_lat": 51.5, "report_long": -0.12}, "report_lat"),        # London: outside the area
    ({"report_lat": "nan", "report_long": "nan"}, "report_lat"),
])
def test_a_forged_report_is_refused_and_nothing_reaches_the_outbox(forged, refused, dispatcher, domain, caplog):
    before = len(default_outbox().entries())
    with caplog.at_level(logging.WARNING, logger="actions.reports"):
        events = run(ActionSubmitReport().run(dispatcher, form_tracker("pothole_form", {**POTHOLE, **forged}), domain))
    assert len(default_outbox().entries()) == before
    assert [m.get("response") for m in dispatcher.messages] == ["utter_report_not_filed"]
    assert refused in caplog.text and "Report not filed for conversation forger" in caplog.text
    assert {"event": "slot", "timestamp": None, "name": "street", "value": None} in events


def test_forged_reports_of_other_services_are_refused(dispatcher, domain, monkeypatch):
    monkeypatch.setenv("BOT_TODAY", "2026-11-27")   # 1 High Street's recycling is not due: the form says so
    before = len(default_outbox().entries())
    forged = [("missed_bin_form", {"address_uprn": "999999999999", "attr_bin_type": "general"}),
              ("missed_bin_form", {"address_uprn": "100100000001", "attr_bin_type": "recycling"}),
              # Graffiti: "Is it offensive?" must be answered.
              ("graffiti_form", {key: value for key, value in POTHOLE.items() if not key.startswith("attr_")})]
    for form, slots in forged:
        tracker = form_tracker(form, {**slots, "contact": "anonymous", "report_confirmed": "yes"})
        run(ActionSubmitReport().run(dispatcher, tracker, domain))
    assert len(default_outbox().entries()) == before
    assert [m.get("response") for m in dispatcher.messages] == ["utter_report_not_filed"] * 3


def test_a_forged_follow_of_no_real_reference_is_refused(dispatcher, domain):
    tracker = form_tracker("pothole_form", {**POTHOLE, "contact": "victim@example.com",
                                            "report_confirmed": "follow <script>"})
    run(ActionSubmitReport().run(dispatcher, tracker, domain))
    assert [m.get("response") for m in dispatcher.messages] == ["utter_report_not_filed"]
    assert report_updates().subscribers("<script>") == []


def test_a_forged_callback_is_not_booked(dispatcher, domain):
    before = len(default_escalations().callbacks())
    for forged in ({"callback_contact": "anonymous"}, {"callback_contact": None}, {"callback_name": "x" * 101},
                   {"callback_about": None}):
        slots = {"callback_name": "Ann", "callback_contact": "07700900123", "callback_time": "Morning",
                 "callback_about": "Council tax bill", **forged}
        run(ActionSubmitCallback().run(dispatcher, make_tracker(slots=slots), domain))
    assert len(default_escalations().callbacks()) == before
    assert [m.get("response") for m in dispatcher.messages] == ["utter_callback_not_booked"] * 4


# Answers to questions about the resident, in the studio's inbox and the insights -----------------


def said(text, intent, confidence, at):
    parse = {"intent": {"name": intent, "confidence": confidence},
             "intent_ranking": [{"name": intent, "confidence": confidence}], "text": text, "entities": []}
    return UserUttered(text, parse_data=parse, timestamp=at)


@pytest.fixture
def conversations(tmp_path):
    """A resident asked for a callback, then for their name and contact details; another voted an answer
    to their details unhelpful."""
    url = f"sqlite:///{tmp_path / 'chats.db'}"
    now = time.time()
    histories = {
        "resident-a": [SlotSet("requested_slot", "callback_name"), said("Jo Bloggs", "nlu_fallback", 0.3, now - 50),
                       SlotSet("requested_slot", "callback_contact"),
                       said("jo dot bloggs at gmail", "nlu_fallback", 0.2, now - 40),
                       SlotSet("requested_slot", None), said("wheelie bin for gardn stuff", "faq", 0.52, now - 30)],
        "resident-b": [SlotSet("requested_slot", "contact"), said("Ann Lee 07700 900123", "inform", 0.95, now - 20)],
    }
    engine = save_conversations(url, histories)
    FeedbackStore(engine).add("resident-b", "Thank you. Your report has been sent.", False)
    return engine


def test_answers_about_the_resident_stay_out_of_the_studios_inbox(conversations):
    from bot.studio.inbox import Inbox
    assert [(m.text, m.why) for m in Inbox(conversations).messages()] == [
        ("wheelie bin for gardn stuff", "Low confidence")]


def test_the_insights_keep_none_of_their_words(conversations):
    from bot.insights.facts import Facts, messages
    from bot.studio.personal_answers import PLACEHOLDER
    Facts(conversations).update()
    with conversations.connect() as db:
        kept = db.execute(sa.select(messages.c.text).where(messages.c.fallback.is_(True))
                          .order_by(messages.c.event_id)).scalars().all()
    assert kept == [PLACEHOLDER, PLACEHOLDER]
