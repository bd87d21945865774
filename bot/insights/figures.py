"""The dashboard's figures for a period and channel, in SQL through SQLAlchemy
(the same queries on SQLite and PostgreSQL), from the facts tables and the
project's own tables (escalations, service reports, feedback)."""
from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Dict, List, Optional, Tuple

import sqlalchemy as sa

from bot import catalogue
from bot.feedback import feedback
from bot.handoff.escalations import REASONS, escalations
from bot.insights.facts import conversations, messages
from bot.outbox import reports
from bot.report_updates import subscribers

# The sector's figures for the cost of one contact (Socitm's channel-shift figures).
DEFAULT_COSTS = {"phone": 2.83, "face_to_face": 8.62, "web": 0.15}


@dataclass(frozen=True)
class Period:
    start: date
    end: date                      # inclusive
    channel: str = ""              # "" for every channel

    @property
    def since(self) -> datetime:
        return datetime.combine(self.start, time.min)

    @property
    def until(self) -> datetime:
        return datetime.combine(self.end + timedelta(days=1), time.min)


@dataclass(frozen=True)
class Costs:
    phone: float = DEFAULT_COSTS["phone"]
    face_to_face: float = DEFAULT_COSTS["face_to_face"]
    web: float = DEFAULT_COSTS["web"]
    face_to_face_share: float = 0.0     # of contained conversations that would have come to the counter

    @property
    def avoided_per_contact(self) -> float:
        other = (1 - self.face_to_face_share) * self.phone + self.face_to_face_share * self.face_to_face
        return other - self.web


@dataclass
class Figures:
    period: Period
    costs: Costs
    conversations: int = 0
    contained: int = 0
    escalated: int = 0
    escalations_by_reason: List[Tuple[str, int]] = field(default_factory=list)
    messages: int = 0
    fallbacks: int = 0
    helpful_yes: int = 0
    helpful_no: int = 0
    top_topics: List[Tuple[str, int]] = field(default_factory=list)
    unanswered: List[Tuple[str, int]] = field(default_factory=list)
    hours: List[Tuple[str, int]] = field(default_factory=list)
    reports_by_type: List[Tuple[str, int, int, int]] = field(default_factory=list)   # type, filed, delivered, waiting
    reports_filed: int = 0
    reports_straight_through: int = 0
    reports_waiting: int = 0
    reports_failed: int = 0
    duplicates_avoided: int = 0          # residents who followed an open report nearby instead
    median_delivery_seconds: Optional[float] = None
    weekly_cost: List[Tuple[str, int, float]] = field(default_factory=list)         # week, enquiries, cost each
    repeat_contacts: List[Tuple[str, int]] = field(default_factory=list)             # topic, conversations

    @property
    def containment_rate(self) -> Optional[float]:
        return self.contained / self.conversations if self.conversations else None

    @property
    def fallback_rate(self) -> Optional[float]:
        return self.fallbacks / self.messages if self.messages else None

    @property
    def integration_rate(self) -> Optional[float]:
        return self.reports_straight_through / self.reports_filed if self.reports_filed else None

    @property
    def savings(self) -> float:
        return self.contained * self.costs.avoided_per_contact

    @property
    def repeat_total(self) -> int:
        return sum(count for _, count in self.repeat_contacts)


def compute(engine: sa.engine.Engine, period: Period, costs: Costs = Costs()) -> Figures:
    figures = Figures(period=period, costs=costs)
    in_period = [conversations.c.started_at >= period.since, conversations.c.started_at < period.until]
    message_filter = [messages.c.at >= period.since, messages.c.at < period.until]
    if period.channel:
        in_period.append(conversations.c.channel == period.channel)
        message_filter.append(messages.c.channel == period.channel)
    escalated = conversations.c.sender_id.in_(sa.select(escalations.c.conversation_id))
    with engine.connect() as db:
        row = db.execute(sa.select(
            sa.func.count(),
            sa.func.sum(sa.case((sa.and_(conversations.c.answers > 0, sa.not_(escalated)), 1), else_=0)),
            sa.func.sum(sa.case((escalated, 1), else_=0)),
            sa.func.coalesce(sa.func.sum(conversations.c.messages), 0),
            sa.func.coalesce(sa.func.sum(conversations.c.fallbacks), 0),
        ).where(*in_period)).one()
        figures.conversations, figures.contained, figures.escalated = row[0], row[1] or 0, row[2] or 0
        figures.messages, figures.fallbacks = int(row[3]), int(row[4])

        reason_filter = [escalations.c.created_at >= period.since, escalations.c.created_at < period.until]
        if period.channel:
            reason_filter.append(escalations.c.channel == period.channel)
        by_reason = dict(db.execute(sa.select(escalations.c.reason, sa.func.count())
                                    .where(*reason_filter).group_by(escalations.c.reason)).all())
        figures.escalations_by_reason = [(text, by_reason.get(key, 0)) for key, text in REASONS.items()]

        votes = dict(db.execute(sa.select(feedback.c.helpful, sa.func.count()).where(
            feedback.c.created_at >= period.since, feedback.c.created_at < period.until)
            .group_by(feedback.c.helpful)).all())
        figures.helpful_yes, figures.helpful_no = votes.get(True, 0), votes.get(False, 0)

        figures.top_topics = [(topic, count) for topic, count in db.execute(
            sa.select(messages.c.topic, sa.func.count().label("n")).where(*message_filter, messages.c.topic.isnot(None))
            .group_by(messages.c.topic).order_by(sa.desc("n"), messages.c.topic).limit(10)).all()]
        figures.unanswered = [(text, count) for text, count in db.execute(
            sa.select(messages.c.text, sa.func.count().label("n")).where(*message_filter, messages.c.fallback.is_(True))
            .group_by(messages.c.text).order_by(sa.desc("n"), messages.c.text).limit(10)).all()]
        by_hour = dict(db.execute(sa.select(messages.c.hour, sa.func.count()).where(*message_filter)
                                  .group_by(messages.c.hour)).all())
        figures.hours = [(f"{hour:02d}:00", by_hour.get(hour, 0)) for hour in range(24)]

        _reports(db, period, figures)
        _weekly_cost(db, in_period, escalated, costs, figures)
        _repeats(db, message_filter, figures)
    return figures


def _reports(db, period: Period, figures: Figures) -> None:
    in_period = [reports.c.created_at >= period.since, reports.c.created_at < period.until]
    if period.channel:
        in_period.append(reports.c.conversation_id.in_(
            sa.select(conversations.c.sender_id).where(conversations.c.channel == period.channel)))
    delivered = reports.c.state == "delivered"
    rows = db.execute(sa.select(
        reports.c.service_code, sa.func.count(),
        sa.func.sum(sa.case((delivered, 1), else_=0)),
        sa.func.sum(sa.case((reports.c.state.in_(("queued", "sending")), 1), else_=0)),
        sa.func.sum(sa.case((sa.and_(delivered, reports.c.attempts <= 1), 1), else_=0)),
        sa.func.sum(sa.case((reports.c.state == "rejected", 1), else_=0)),
    ).where(*in_period).group_by(reports.c.service_code).order_by(reports.c.service_code)).all()
    for code, filed, done, waiting, straight, failed in rows:
        figures.reports_by_type.append((catalogue.service_name(code), filed, done or 0, waiting or 0))
        figures.reports_filed += filed
        figures.reports_straight_through += straight or 0
        figures.reports_waiting += waiting or 0
        figures.reports_failed += failed or 0
    times = [(d - c).total_seconds() for c, d in db.execute(
        sa.select(reports.c.created_at, reports.c.delivered_at).where(*in_period, delivered,
                                                                      reports.c.delivered_at.isnot(None)))]
    figures.median_delivery_seconds = statistics.median(times) if times else None
    followed = [subscribers.c.created_at >= period.since, subscribers.c.created_at < period.until]
    if period.channel:
        followed.append(subscribers.c.conversation_id.in_(
            sa.select(conversations.c.sender_id).where(conversations.c.channel == period.channel)))
    figures.duplicates_avoided = db.execute(sa.select(sa.func.count()).select_from(subscribers)
                                            .where(*followed)).scalar() or 0


def _weekly_cost(db, in_period, escalated, costs: Costs, figures: Figures) -> None:
    """Cost per enquiry each week: contained ones cost the web's price, the rest the web's and a call's."""
    # Count per day in SQL, then fold the days into weeks (Monday to Sunday).
    day = sa.func.date(conversations.c.started_at)
    rows = db.execute(sa.select(day, sa.func.count(), sa.func.sum(sa.case(
        (sa.and_(conversations.c.answers > 0, sa.not_(escalated)), 1), else_=0)))
        .where(*in_period).group_by(day)).all()
    weeks: Dict[date, List[int]] = {}
    for when, total, contained in rows:
        when = when if isinstance(when, date) else date.fromisoformat(str(when)[:10])
        counts = weeks.setdefault(when - timedelta(days=when.weekday()), [0, 0])
        counts[0] += total
        counts[1] += contained or 0
    for week, (total, contained) in sorted(weeks.items()):
        cost = (total * costs.web + (total - contained) * costs.phone) / total
        figures.weekly_cost.append((f"{week:%d %b}", total, round(cost, 2)))


def _repeats(db, message_filter, figures: Figures) -> None:
    """Failure demand: the same conversation back about the same topic on another day within a week."""
    topical = [*message_filter, messages.c.topic.isnot(None)]
    # Only conversations that came back on another day can repeat: find those in SQL first.
    candidates = db.execute(sa.select(messages.c.sender_id).where(*topical).group_by(
        messages.c.sender_id, messages.c.topic).having(sa.func.count(sa.distinct(messages.c.day)) > 1)).scalars().all()
    days: Dict[Tuple[str, str], List[date]] = {}
    senders = sorted(set(candidates))
    for first in range(0, len(senders), 500):
        rows = db.execute(sa.select(messages.c.sender_id, messages.c.topic, messages.c.day).where(
            *topical, messages.c.sender_id.in_(senders[first:first + 500])).group_by(
            messages.c.sender_id, messages.c.topic, messages.c.day)).all()
        for sender, topic, day in rows:
            days.setdefault((sender, topic), []).append(day if isinstance(day, date) else date.fromisoformat(str(day)))
    counts: Dict[str, int] = {}
    for (_, topic), seen in days.items():
        seen.sort()
        if any(0 < (later - earlier).days <= 7 for earlier, later in zip(seen, seen[1:])):
            counts[topic] = counts.get(topic, 0) + 1
    figures.repeat_contacts = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
