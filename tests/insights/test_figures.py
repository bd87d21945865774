"""The dashboard's figures against values worked out by hand from the seeded history."""
from datetime import date

import pytest

from bot.insights.facts import Facts
from bot.insights.figures import Costs, Period, compute

NOVEMBER = Period(date(2026, 11, 1), date(2026, 11, 30))


@pytest.fixture
def figures(seeded):
    Facts(seeded).update()
    return compute(seeded, NOVEMBER)


def test_conversations_containment_and_fallbacks(figures):
    assert figures.conversations == 5
    assert figures.contained == 3                        # a, c and d; b was handed over; e got no answer
    assert figures.containment_rate == pytest.approx(0.6)
    assert figures.escalated == 1
    assert dict(figures.escalations_by_reason) == {"Asked for a person": 1, "Assistant did not understand twice": 0,
                                                   "Urgent topic": 0}
    # "Mill Lane", not placed by the classifier but taken by the pothole form, is not a fallback.
    assert (figures.messages, figures.fallbacks) == (9, 1)
    assert figures.fallback_rate == pytest.approx(1 / 9)
    assert (figures.helpful_yes, figures.helpful_no) == (1, 1)


def test_topics_unanswered_and_hours(figures):
    assert figures.top_topics[0] == ("Book a bulky waste collection", 2)
    assert set(figures.top_topics[1:]) == {("Pay your council tax", 1), ("Report pothole", 1)}
    assert figures.unanswered == [("blorp my wibble, I'm on [phone]", 1)]   # masked
    hours = dict(figures.hours)
    assert hours["10:00"] == 3 and hours["18:00"] == 2 and hours["14:00"] == 2 and hours["09:00"] == 2


def test_service_requests_and_integration_rate(figures):
    assert figures.reports_filed == 2 and figures.reports_straight_through == 1 and figures.reports_waiting == 1
    assert figures.integration_rate == pytest.approx(0.5)
    assert figures.median_delivery_seconds == pytest.approx(30)
    assert figures.reports_by_type[0][1:] == (2, 1, 1)
    assert figures.duplicates_avoided == 1               # d followed BRK-1000; x did so in December


def test_savings_and_cost_per_enquiry(seeded):
    Facts(seeded).update()
    figures = compute(seeded, NOVEMBER)
    assert figures.savings == pytest.approx(3 * (2.83 - 0.15))
    mixed = compute(seeded, NOVEMBER, Costs(phone=3.0, face_to_face=9.0, web=0.2, face_to_face_share=0.5))
    assert mixed.savings == pytest.approx(3 * (0.5 * 3.0 + 0.5 * 9.0 - 0.2))
    # Weeks from Monday: 9 Nov (a, b, c), 16 Nov (d, e). Not contained ones also cost a call.
    assert figures.weekly_cost == [("09 Nov", 3, round((3 * 0.15 + 1 * 2.83) / 3, 2)),
                                   ("16 Nov", 2, round((2 * 0.15 + 1 * 2.83) / 2, 2))]


def test_failure_demand_and_channels(seeded):
    Facts(seeded).update()
    assert compute(seeded, NOVEMBER).repeat_contacts == [("Book a bulky waste collection", 1)]
    rest = compute(seeded, Period(date(2026, 11, 1), date(2026, 11, 30), "rest"))
    assert (rest.conversations, rest.contained, rest.reports_filed) == (1, 1, 2)
    week = compute(seeded, Period(date(2026, 11, 9), date(2026, 11, 11)))
    assert week.conversations == 2 and week.escalated == 1


def test_reading_new_events_is_incremental(seeded):
    facts = Facts(seeded)
    assert facts.update() > 0
    assert facts.update() == 0
    assert compute(seeded, NOVEMBER).conversations == 5


def test_nothing_yet_is_zero_not_an_error(tmp_path):
    import sqlalchemy as sa
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'empty.db'}", future=True)
    Facts(engine).update()
    from bot.feedback import FeedbackStore
    from bot.handoff.escalations import EscalationStore
    from bot.outbox import Outbox
    FeedbackStore(engine), EscalationStore(engine), Outbox(engine)
    figures = compute(engine, NOVEMBER)
    assert figures.conversations == 0 and figures.containment_rate is None and figures.savings == 0
