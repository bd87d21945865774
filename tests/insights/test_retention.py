"""The retention job: old conversations go, the counts stay."""
import json
from datetime import date

import sqlalchemy as sa

from bot.feedback import feedback
from bot.handoff.escalations import EscalationStore, escalations
from bot.insights.facts import messages
from bot.insights.figures import Period, compute
from bot.insights.retention import apply_retention
from bot.outbox import reports
from bot.tracker_events import events


def test_old_conversations_are_deleted_and_anonymised_but_still_counted(seeded):
    EscalationStore(seeded).close(1, "resolved")
    removed = apply_retention(seeded, days=1)       # everything seeded is older than a day
    with seeded.connect() as db:
        assert db.execute(sa.select(sa.func.count()).select_from(events)).scalar() == 0
        closed = db.execute(sa.select(escalations)).mappings().one()
        assert closed["callback_contact"] is None and closed["callback_name"] is None
        assert closed["reason"] == "asked" and closed["outcome"] == "resolved"
        assert {row.message for row in db.execute(sa.select(feedback.c.message))} == {""}
        stored = [json.loads(row.report) for row in db.execute(sa.select(reports.c.report, reports.c.state))
                  if row.state == "delivered"]
        assert stored[0]["email"] is None and stored[0]["first_name"] is None and stored[0]["description"] == ""
        assert db.execute(sa.select(sa.func.count()).select_from(messages).where(messages.c.text.isnot(None))
                          ).scalar() == 0
    assert removed.events > 0 and removed.escalations == 1 and removed.feedback == 2 and removed.reports == 1
    figures = compute(seeded, Period(date(2026, 11, 1), date(2026, 11, 30)))
    assert figures.conversations == 5 and figures.contained == 3 and figures.reports_filed == 2


def test_recent_conversations_are_kept(seeded):
    removed = apply_retention(seeded, days=100_000)
    assert removed.events == 0 and removed.feedback == 0
