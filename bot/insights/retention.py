"""Personal data kept only as long as needed: after the retention period
(`RETENTION_DAYS`, default 90) conversations are deleted from Rasa's tracker
store and the project's tables keep no names, contact details or free text.
The insights keep their counts (facts are read from the events first)."""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import timedelta, timezone

import sqlalchemy as sa

from bot.db import utcnow
from bot.feedback import FeedbackStore, feedback
from bot.handoff.escalations import EscalationStore, escalations
from bot.insights.facts import Facts, messages
from bot.notifications import Notifications
from bot.outbox import Outbox, reports
from bot.report_updates import ReportUpdates
from bot.tracker_events import events

PERSONAL = ("email", "phone", "first_name", "last_name", "media_url")


def retention_days() -> int:
    return int(os.environ.get("RETENTION_DAYS", "90"))


@dataclass
class Removed:
    events: int = 0
    escalations: int = 0
    feedback: int = 0
    reports: int = 0
    messages: int = 0
    sent_to_residents: int = 0
    followers: int = 0


def apply_retention(engine: sa.engine.Engine, days: int = 0) -> Removed:
    days = days or retention_days()
    cutoff = utcnow() - timedelta(days=days)
    Facts(engine).update()          # count what is about to go, first
    # The tables exist even if no other process has started yet.
    EscalationStore(engine), FeedbackStore(engine), Outbox(engine)
    removed = Removed()
    with engine.begin() as db:
        try:
            removed.events = db.execute(events.delete().where(
                events.c.timestamp < cutoff.replace(tzinfo=timezone.utc).timestamp())).rowcount
        except sa.exc.DBAPIError:
            removed.events = 0      # no tracker store table yet
    with engine.begin() as db:
        removed.escalations = db.execute(escalations.update().where(
            escalations.c.created_at < cutoff, escalations.c.status == "closed",
            escalations.c.callback_contact.isnot(None) | escalations.c.callback_name.isnot(None)
            | escalations.c.callback_about.isnot(None))
            .values(callback_name=None, callback_contact=None, callback_time=None, callback_about=None)).rowcount
        removed.feedback = db.execute(feedback.update().where(
            feedback.c.created_at < cutoff, feedback.c.message != "").values(message="")).rowcount
        # Delivered or refused reports are with the back office now: the outbox keeps what they were
        # about and where, for the figures, but not who sent them or what they wrote.
        for reference, text in db.execute(sa.select(reports.c.reference, reports.c.report).where(
                reports.c.created_at < cutoff, reports.c.state.in_(("delivered", "rejected")))).all():
            report = json.loads(text)
            if any(report.get(key) for key in PERSONAL):
                report.update({key: None for key in PERSONAL}, description="")
                db.execute(reports.update().where(reports.c.reference == reference).values(report=json.dumps(report)))
                removed.reports += 1
        removed.messages = db.execute(messages.update().where(
            messages.c.at < cutoff, messages.c.text.isnot(None)).values(text=None)).rowcount
    # Messages about reports, once sent, and residents following someone else's report.
    removed.sent_to_residents = Notifications(engine).forget_sent_before(cutoff)
    removed.followers = ReportUpdates(engine).forget_followers_before(cutoff)
    return removed

