"""The insights dashboard (`/insights`, any staff role): a chosen period and channel,
charts with tables beside them, and a CSV of every table."""
from __future__ import annotations

from html import escape
from datetime import date, timedelta
from typing import Callable, Dict, List, Sequence, Tuple
from urllib.parse import urlencode

from sanic import Blueprint, response
from sanic.request import Request

from bot import clock
from bot.db import engine
from bot.insights import charts
from bot.insights.facts import default_facts
from bot.insights.figures import DEFAULT_COSTS, Costs, Figures, Period, compute
from bot.staff.sessions import StaffSession
from bot.staff.web import staff_header, staff_only
from bot.web.blocking import blocking
from bot.web.pages import page

CHANNELS = {"": "All channels", "socketio": "Chat widget", "rest": "Other apps (REST)"}


class BadQuery(ValueError):
    pass


def _number(args, name: str, default: float, low: float, high: float) -> float:
    raw = (args.get(name) or "").strip().lstrip("£").rstrip("%")
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError as error:
        raise BadQuery(f"Enter a number for {name.replace('_', ' ')}, like {default:g}.") from error
    if not low <= value <= high:
        raise BadQuery(f"{name.replace('_', ' ').capitalize()} must be between {low:g} and {high:g}.")
    return value


def parse_query(args) -> Tuple[Period, Costs]:
    today = clock.today()
    try:
        end = date.fromisoformat(args.get("to") or today.isoformat())
        start = date.fromisoformat(args.get("from") or (end - timedelta(days=29)).isoformat())
    except ValueError as error:
        raise BadQuery("Enter dates like 2026-11-23.") from error
    if start > end:
        raise BadQuery("The start date must be before the end date.")
    if (end - start).days > 3660:
        raise BadQuery("Choose a period of 10 years or less.")
    channel = args.get("channel") or ""
    if channel not in CHANNELS:
        raise BadQuery("Choose a channel from the list.")
    costs = Costs(phone=_number(args, "phone", DEFAULT_COSTS["phone"], 0, 1000),
                  face_to_face=_number(args, "face_to_face", DEFAULT_COSTS["face_to_face"], 0, 1000),
                  web=_number(args, "web", DEFAULT_COSTS["web"], 0, 1000),
                  face_to_face_share=_number(args, "face_to_face_share", 0, 0, 100) / 100)
    return Period(start, end, channel), costs


def _duration(seconds) -> str:
    if seconds is None:
        return "no data"
    if seconds < 90:
        return f"{seconds:.0f} seconds"
    return f"{seconds / 60:.0f} minutes" if seconds < 5400 else f"{seconds / 3600:.1f} hours"


# Every table: its name (for the CSV), caption, headings, and rows from the figures.
TABLES: Dict[str, Tuple[str, Sequence[str], Callable[[Figures], List[List]]]] = {
    "summary": ("Summary", ["Measure", "Value"], lambda f: [
        ["Conversations", f.conversations], ["Contained (helped, no handover)", f.contained],
        ["Containment rate", charts.percent(f.containment_rate)], ["Handed to a person", f.escalated],
        ["Messages from residents", f.messages], ["Not understood", f.fallbacks],
        ["Fallback rate", charts.percent(f.fallback_rate)], ["'Helpful' votes", f.helpful_yes],
        ["'Not helpful' votes", f.helpful_no], ["Reports filed", f.reports_filed],
        ["Reports delivered straight through", f.reports_straight_through],
        ["Integration rate", charts.percent(f.integration_rate)], ["Reports still waiting", f.reports_waiting],
        ["Reports refused by the back office", f.reports_failed],
        ["Duplicate reports avoided (followed an open report nearby)", f.duplicates_avoided],
        ["Median time to deliver a report", _duration(f.median_delivery_seconds)],
        ["Channel-shift savings", charts.money(f.savings)], ["Repeat contacts (failure demand)", f.repeat_total]]),
    "escalations": ("Handovers by reason", ["Reason", "Handovers"], lambda f: charts.rows_of(f.escalations_by_reason)),
    "topics": ("Top topics", ["Topic", "Messages"], lambda f: charts.rows_of(f.top_topics)),
    "unanswered": ("Messages not understood (personal details hidden)", ["Message", "Times"],
                   lambda f: charts.rows_of(f.unanswered)),
    "hours": ("Busiest hours", ["Hour", "Messages"], lambda f: charts.rows_of(f.hours)),
    "reports": ("Reports by type", ["Type", "Filed", "Delivered", "Waiting"],
                lambda f: [list(row) for row in f.reports_by_type]),
    "cost": ("Cost per enquiry by week", ["Week starting", "Enquiries", "Cost per enquiry (£)"],
             lambda f: [[week, total, f"{cost:.2f}"] for week, total, cost in f.weekly_cost]),
    "repeats": ("Repeat contacts within a week, by topic", ["Topic", "Conversations that came back"],
                lambda f: charts.rows_of(f.repeat_contacts)),
}
CHARTED = {"escalations": 1, "topics": 1, "hours": 1, "reports": 1, "cost": 2, "repeats": 1}


def _section(name: str, figures: Figures, query: str) -> str:
    caption, headings, rows_for = TABLES[name]
    rows = rows_for(figures)
    chart = ""
    if name in CHARTED and rows and any(float(row[CHARTED[name]]) for row in rows):
        chart = charts.bar_chart(caption, rows, CHARTED[name])
    return chart + charts.table(caption, headings, rows, f"/insights/export/{name}.csv?{query}")


def _savings_text(figures: Figures) -> str:
    costs = figures.costs
    share = costs.face_to_face_share
    would = (f"by phone (£{costs.phone:.2f} each)" if share == 0 else
             f"{(1 - share) * 100:.0f}% by phone (£{costs.phone:.2f}) and {share * 100:.0f}% face to face "
             f"(£{costs.face_to_face:.2f})")
    return (f"{figures.contained} contained conversations × £{costs.avoided_per_contact:.2f} saved each = "
            f"{charts.money(figures.savings)}. This assumes each contained conversation would otherwise have "
            f"come {would}, and that a web contact costs £{costs.web:.2f}. Change the costs below to see "
            "other assumptions.")


def blueprint() -> Blueprint:
    insights = Blueprint("insights")

    async def _figures(request: Request):
        period, costs = parse_query(request.args)
        await blocking(default_facts().update)    # the latest conversations first
        return await blocking(compute, engine(), period, costs)

    def _query(request: Request) -> str:
        keep = ("from", "to", "channel", "phone", "face_to_face", "web", "face_to_face_share")
        return urlencode({key: request.args.get(key) for key in keep if request.args.get(key)})

    @insights.get("/insights")
    @staff_only("agent", "editor")
    async def dashboard(request: Request, session: StaffSession):
        try:
            figures = await _figures(request)
            error = ""
        except BadQuery as problem:
            figures = await blocking(compute, engine(), Period(clock.today() - timedelta(days=29), clock.today()),
                                     Costs())
            error = str(problem)
        query = _query(request)
        period, costs = figures.period, figures.costs
        options = "".join(f'<option value="{key}"{" selected" if key == period.channel else ""}>{text}</option>'
                          for key, text in CHANNELS.items())
        sections = {name: _section(name, figures, query) for name in TABLES}
        return response.html(page(
            "insights.html", "Insights", layout="staff_layout.html", layout_html=staff_header(session),
            trusted=("options", "error_html", *[f"table_{name}" for name in TABLES]),
            error_html=(f'<div class="error-summary" role="alert"><h2>There is a problem</h2><p>'
                        f'{escape(error)}</p></div>' if error else ""),
            start=period.start.isoformat(), end=period.end.isoformat(), options=options,
            phone=f"{costs.phone:.2f}", face_to_face=f"{costs.face_to_face:.2f}", web=f"{costs.web:.2f}",
            share=f"{costs.face_to_face_share * 100:g}",
            conversations=str(figures.conversations), containment=charts.percent(figures.containment_rate),
            savings=charts.money(figures.savings), integration=charts.percent(figures.integration_rate),
            savings_text=_savings_text(figures),
            **{f"table_{name}": html for name, html in sections.items()}))

    @insights.get("/insights/export/<filename:str>")
    @staff_only("agent", "editor")
    async def export(request: Request, session: StaffSession, filename: str):
        name = filename[:-len(".csv")] if filename.endswith(".csv") else ""
        if name not in TABLES:
            return response.text("There is no such table.", status=404)
        try:
            figures = await _figures(request)
        except BadQuery as problem:
            return response.text(str(problem), status=400)
        _, headings, rows_for = TABLES[name]
        return response.text(charts.to_csv(headings, rows_for(figures)), content_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": f'attachment; filename="insights-{name}.csv"'})

    return insights
