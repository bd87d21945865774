"""The contact-centre console (`/console`): the live queue, callbacks, and one
conversation at a time with everything the assistant collected.

Pages work without JavaScript (forms post and redirect back); with it, a
server-sent event stream keeps the queue and the open conversation up to date
and replies are sent without reloading. Every fragment is built here, with
every value escaped, and the same fragments serve the page and the stream.
"""
from __future__ import annotations

import asyncio
import json
from functools import wraps
from datetime import datetime, timezone
from html import escape
from typing import Any, Dict, List, Optional, Tuple
from zoneinfo import ZoneInfo

from sanic import Blueprint, response
from sanic.request import Request

from bot import catalogue
from bot.council_data import gazetteer
from bot.db import utcnow
from bot.handoff import transcript
from bot.handoff.escalations import CLOSING_OUTCOMES, OUTCOMES, Escalation, default_escalations
from bot.handoff.rasa_api import RasaClient, RasaUnavailable, resume, say
from bot.outbox import default_outbox
from bot.settings import council
from bot.staff.sessions import StaffSession, default_sessions
from bot.staff.web import COOKIE, staff_header, staff_only
from bot.web.blocking import blocking
from bot.web.forms import body, done, wants_json
from bot.web.pages import page, rows, tag

MAX_REPLY = 2000
STREAM_INTERVAL = 1.0   # seconds between looks at the queue and the open conversation
STREAM_LIFETIME = 300   # the browser reconnects after this (the session is checked before every look too)



def _minutes(seconds: int) -> str:
    minutes = seconds // 60
    if minutes < 1:
        return "under a minute"
    return "1 minute" if minutes == 1 else f"{minutes} minutes"


def _time(value: Optional[datetime]) -> str:
    """A stored UTC time as the council's local time of day, like 14:05."""
    if not value:
        return ""
    return f"{value.replace(tzinfo=timezone.utc).astimezone(ZoneInfo(council().timezone)):%H:%M}"


def _button_form(action: str, label: str, session: StaffSession, css: str = "button") -> str:
    return (f'<form method="post" action="{escape(action)}" class="inline-form">'
            f'<input type="hidden" name="csrf_token" value="{session.csrf_token}">'
            f'{tag("button", label, type="submit", class_=css)}</form>')


def _table(caption: str, headings: List[str], body: List[List[str]], empty: str) -> str:
    if not body:
        return tag("p", empty, class_="empty")
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in headings)
    return (f'<table class="staff-table">{tag("caption", caption, class_="visually-hidden")}'
            f"<thead><tr>{head}</tr></thead><tbody>{rows(body)}</tbody></table>")


def _flags(item: Escalation, now: datetime) -> str:
    flags = []
    if item.urgent:
        flags.append(tag("strong", "Urgent", class_="tag tag--urgent"))
    if item.status in ("waiting", "active") and item.resident_left(now):
        flags.append(tag("span", "Resident left", class_="tag"))
    return " ".join(flags)


def queue_fragments(session: StaffSession) -> Dict[str, Any]:
    store = default_escalations()
    store.settle_departures()
    now = utcnow()
    waiting, active, callbacks = store.waiting(), store.active(), store.callbacks()
    link = lambda item, text: tag("a", text, href=f"/console/conversations/{item.id}")  # noqa: E731
    waiting_rows = [[link(item, item.topic or "General enquiry"), escape(item.reason_text), _flags(item, now),
                     escape(_minutes(item.wait_seconds(now))),
                     _button_form(f"/console/escalations/{item.id}/claim", "Claim", session)]
                    for item in waiting]
    active_rows = [[link(item, item.topic or "General enquiry"), escape(item.agent_name or ""), _flags(item, now),
                    escape(_minutes(int((now - (item.claimed_at or now)).total_seconds())))]
                   for item in active]
    callback_rows = [[link(item, item.callback_name or "No name given"), escape(item.callback_contact or ""),
                      escape(item.callback_time or ""), escape(item.callback_about or item.topic or ""),
                      escape(_time(item.created_at))] for item in callbacks]
    counts = {"waiting": len(waiting), "active": len(active), "callbacks": len(callbacks)}
    return {
        "counts": counts,
        "summary": _queue_summary(counts),
        "waiting": _table("Waiting for an adviser", ["Topic", "Reason", "Flags", "Waiting", "Action"],
                          waiting_rows, "No one is waiting."),
        "active": _table("With an adviser", ["Topic", "Adviser", "Flags", "Chatting for"], active_rows,
                         "No conversations are with an adviser."),
        "callbacks": _table("Callback requests", ["Name", "Phone or email", "Best time", "About", "Asked at"],
                            callback_rows, "No callbacks to make."),
    }


def _describe(slot: str, value: Any) -> Optional[str]:
    """Slot values in words: the address behind a UPRN."""
    if slot == "address_uprn":
        address = gazetteer().address(str(value))
        return f"{address.full} (UPRN {value})" if address else f"UPRN {value}"
    return None


def _transcript_html(lines: List[transcript.Line]) -> str:
    if not lines:
        return tag("p", "Nothing has been said yet.", class_="empty")
    names = {"resident": "Resident", "assistant": council().assistant_name, "event": ""}
    items = []
    for line in lines:
        who = line.name + " (adviser)" if line.who == "adviser" else names.get(line.who, line.who)
        when = tag("time", _time(datetime.fromisoformat(line.at[:19])), datetime=line.at) if line.at else ""
        if line.who == "event":
            items.append(f'<li class="line line--event">{tag("p", line.text)}</li>')
            continue
        items.append(f'<li class="line line--{line.who}"><p class="line-who">{escape(who)} {when}</p>'
                     f'{tag("p", line.text, class_="line-text")}</li>')
    # Focusable, so keyboard users can scroll a long transcript.
    return f'<ol class="transcript" tabindex="0" aria-label="Transcript">{"".join(items)}</ol>'


def _status_html(item: Escalation) -> str:
    now = utcnow()
    facts: List[Tuple[str, str]] = [("Reason", item.reason_text), ("Topic", item.topic or "General enquiry"),
                                    ("Urgent", "Yes" if item.urgent else "No"),
                                    ("Waited", _minutes(item.wait_seconds(now))),
                                    ("Status", {"waiting": "Waiting for an adviser", "active": "With an adviser",
                                                "callback": "Callback requested", "closed": "Closed"}[item.status])]
    if item.agent_name:
        facts.append(("Adviser", item.agent_name))
    if item.outcome:
        facts.append(("Outcome", item.outcome_text))
    if item.status in ("waiting", "active"):
        facts.append(("Resident", "Left the chat" if item.resident_left(now) else "In the chat"))
    for key, label in (("callback_name", "Callback name"), ("callback_contact", "Phone or email"),
                       ("callback_time", "Best time"), ("callback_about", "About")):
        if getattr(item, key):
            facts.append((label, getattr(item, key)))
    return _summary(facts)


def _summary(facts: List[Tuple[str, str]]) -> str:
    return '<dl class="summary">' + "".join(
        f'<div class="summary-row">{tag("dt", key)}{tag("dd", value)}</div>' for key, value in facts) + "</dl>"


def _reports_html(conversation_id: str) -> str:
    entries = default_outbox().entries(conversation_id=conversation_id)
    if not entries:
        return tag("p", "No reports filed in this conversation.", class_="empty")
    body = [[escape(entry.reference), escape(catalogue.service_name(entry.report.service_code)),
             escape(entry.backoffice_reference or "Not yet"), escape(entry.state),
             escape(entry.report.description or "")] for entry in entries]
    return _table("Reports filed", ["Our reference", "Type", "Back-office reference", "State", "Description"],
                  body, "")


def conversation_fragments(item: Escalation, rasa: RasaClient) -> Dict[str, Any]:
    try:
        events = rasa.tracker(item.conversation_id).get("events") or []
        lines = transcript.lines(events)
        details = transcript.collected(events, _describe)
        unavailable = ""
    except RasaUnavailable:
        lines, details = [], []
        unavailable = tag("p", "The conversation cannot be loaded: the assistant is not answering. "
                               "Try again in a minute.", class_="error-text", role="alert")
    return {
        "status": _status_html(item),
        "transcript": unavailable + _transcript_html(lines),
        "details": _summary(details) if details else tag("p", "Nothing collected yet.", class_="empty"),
        "reports": _reports_html(item.conversation_id),
        "lines": len(lines),
        "last_resident": next((line.text for line in reversed(lines) if line.who == "resident"), ""),
        "state": item.status,
    }


def _may_act(item: Escalation, session: StaffSession) -> bool:
    return item.status == "active" and (item.agent == session.member.username or session.member.role == "admin")


def _actions_html(item: Escalation, session: StaffSession) -> str:
    token = f'<input type="hidden" name="csrf_token" value="{session.csrf_token}">'
    base = f"/console/conversations/{item.id}"
    if item.status == "waiting":
        return _button_form(f"/console/escalations/{item.id}/claim", "Claim this conversation", session)
    outcomes = "".join(
        f'<div class="radio"><input type="radio" id="outcome-{key}" name="outcome" value="{key}"'
        f'{" checked" if index == 0 else ""}>{tag("label", OUTCOMES[key], for_=f"outcome-{key}")}</div>'
        for index, key in enumerate(CLOSING_OUTCOMES))
    close = (f'<form method="post" action="{base}/close" class="staff-form">{token}'
             f'<fieldset><legend>Close with an outcome</legend>{outcomes}</fieldset>'
             '<button type="submit" class="button button--secondary">Close conversation</button></form>')
    if item.status == "callback":
        return close
    if not _may_act(item, session):
        return tag("p", f"{item.agent_name or 'Another adviser'} has this conversation.")
    saved = "".join(tag("button", title, type="submit", name="saved", value=str(index), formnovalidate=True,
                        class_="button button--secondary", title=text)
                    for index, (title, text) in enumerate(council().saved_replies))
    return (f'<form method="post" action="{base}/reply" id="reply-form" class="staff-form">{token}'
            '<div class="field"><label for="reply-text">Your reply</label>'
            f'<textarea id="reply-text" name="text" rows="4" maxlength="{MAX_REPLY}" required></textarea></div>'
            '<button type="submit" class="button">Send reply</button>'
            f'<div class="saved-replies" role="group" aria-labelledby="saved-heading">'
            f'<p id="saved-heading">Or send a saved reply:</p>{saved}</div></form>'
            '<p id="reply-status" class="reply-status" role="status"></p>'
            f'<form method="post" action="{base}/handback" class="staff-form">{token}'
            '<button type="submit" class="button button--secondary">Hand back to the assistant</button></form>'
            + close)


def blueprint(rasa: Optional[RasaClient] = None) -> Blueprint:
    console = Blueprint("console")
    client = rasa or RasaClient()

    async def _escalation(escalation_id: int) -> Optional[Escalation]:
        return await blocking(default_escalations().get, escalation_id)

    def with_escalation(handler):
        """Routes about one escalation get it loaded, or answer 404."""
        @wraps(handler)
        async def loaded(request: Request, session: StaffSession, escalation_id: int):
            item = await _escalation(escalation_id)
            if item is None:
                return _not_found(request)
            return await handler(request, session, item)
        return loaded

    def _not_found(request: Request):
        if wants_json(request):
            return response.json({"error": "There is no such conversation."}, status=404)
        return response.html("There is no such conversation.", status=404)

    @console.get("/console")
    @staff_only("agent")
    async def queue_page(request: Request, session: StaffSession):
        parts = await blocking(queue_fragments, session)
        return response.html(page("console_queue.html", "Contact-centre queue", layout="staff_layout.html",
                                  layout_html=staff_header(session), trusted=("waiting", "active", "callbacks"),
                                  waiting=parts["waiting"], active=parts["active"], callbacks=parts["callbacks"],
                                  summary=parts["summary"]))

    @console.get("/console/api/queue")
    @staff_only("agent", api=True)
    async def queue_api(request: Request, session: StaffSession):
        store = default_escalations()
        await blocking(store.settle_departures)
        lists = await blocking(lambda: {"waiting": store.waiting(), "active": store.active(),
                                         "callbacks": store.callbacks()})
        return response.json({key: [item.to_dict() for item in items] for key, items in lists.items()})

    @console.post("/console/escalations/<escalation_id:int>/claim")
    @staff_only("agent")
    async def claim(request: Request, session: StaffSession, escalation_id: int):
        member = session.member
        item = await blocking(default_escalations().claim, escalation_id, member.username, member.display_name)
        if item is None:
            current = await _escalation(escalation_id)
            if current is None:
                return _not_found(request)
            return done(request, f"/console/conversations/{escalation_id}",
                         {"error": "Another adviser has already claimed this conversation."}, status=409)
        try:
            await blocking(client.append, item.conversation_id,
                            [say(f"{member.display_name} from the contact centre has joined the chat.",
                                 handoff="with_agent")], item.channel)
        except RasaUnavailable:
            pass   # the adviser still has the conversation; the resident sees the first reply
        return done(request, f"/console/conversations/{item.id}", {"escalation": item.to_dict()})

    @console.get("/console/conversations/<escalation_id:int>")
    @staff_only("agent")
    @with_escalation
    async def conversation_page(request: Request, session: StaffSession, item: Escalation):
        parts = await blocking(conversation_fragments, item, client)
        return response.html(page(
            "console_conversation.html", f"Conversation: {item.topic or 'General enquiry'}",
            layout="staff_layout.html", layout_html=staff_header(session),
            trusted=("status", "transcript", "details", "reports", "actions"),
            id=str(item.id), topic=item.topic or "General enquiry", status=parts["status"],
            transcript=parts["transcript"], details=parts["details"], reports=parts["reports"],
            actions=_actions_html(item, session)))

    @console.get("/console/api/conversations/<escalation_id:int>")
    @staff_only("agent", api=True)
    @with_escalation
    async def conversation_api(request: Request, session: StaffSession, item: Escalation):
        try:
            tracker = await blocking(client.tracker, item.conversation_id)
        except RasaUnavailable:
            return response.json({"error": "The assistant is not answering. Try again in a minute."}, status=503)
        events = tracker.get("events") or []
        return response.json({
            "escalation": item.to_dict(),
            "transcript": [line.to_dict() for line in transcript.lines(events)],
            "collected": [{"label": label, "value": value} for label, value in transcript.collected(events, _describe)],
            "slots": {key: value for key, value in (tracker.get("slots") or {}).items() if value is not None},
            "reports": [{"reference": e.reference, "service_code": e.report.service_code, "state": e.state,
                         "backoffice_reference": e.backoffice_reference}
                        for e in await blocking(lambda: default_outbox().entries(conversation_id=item.conversation_id))],
        })

    @console.post("/console/conversations/<escalation_id:int>/reply")
    @staff_only("agent")
    @with_escalation
    async def reply(request: Request, session: StaffSession, item: Escalation):
        text = _reply_text(body(request))
        back = f"/console/conversations/{item.id}"
        if not _may_act(item, session):
            return done(request, back, {"error": "Claim this conversation before you reply."}, status=409)
        if not text:
            return done(request, back, {"error": "Write a reply first."}, status=400)
        if len(text) > MAX_REPLY:
            return done(request, back, {"error": f"Keep replies under {MAX_REPLY} characters."}, status=400)
        try:
            await blocking(client.append, item.conversation_id, [say(text, agent=session.member.display_name)],
                            item.channel)
        except RasaUnavailable:
            return done(request, back, {"error": "Your reply was not sent: the assistant is not answering. "
                                                  "Try again."}, status=503)
        return done(request, back, {"status": "sent"})

    async def _finish(request: Request, session: StaffSession, item: Escalation, outcome: str, message: str):
        back = f"/console/conversations/{item.id}"
        if item.status == "active" and not _may_act(item, session):
            return done(request, back, {"error": "Another adviser has this conversation."}, status=409)
        if item.status in ("waiting", "active"):
            try:
                await blocking(client.append, item.conversation_id,
                                [say(message.format(name=item.agent_name or "The adviser"), handoff="ended"),
                                 *resume()], item.channel)
            except RasaUnavailable:
                return done(request, back, {"error": "The assistant is not answering, so the conversation is "
                                                      "still with you. Try again."}, status=503)
        closed = await blocking(default_escalations().close, item.id, outcome, session.member.username,
                                 session.member.display_name)
        if closed is None:
            return done(request, back, {"error": "This conversation is already closed."}, status=409)
        return done(request, "/console", {"escalation": closed.to_dict()})

    @console.post("/console/conversations/<escalation_id:int>/handback")
    @staff_only("agent")
    @with_escalation
    async def hand_back(request: Request, session: StaffSession, item: Escalation):
        return await _finish(request, session, item, "handed_back",
                             "{name} has passed you back to the assistant. What else can I help with?")

    @console.post("/console/conversations/<escalation_id:int>/close")
    @staff_only("agent")
    @with_escalation
    async def close(request: Request, session: StaffSession, item: Escalation):
        outcome = str(body(request).get("outcome") or "")
        if outcome not in CLOSING_OUTCOMES:
            return done(request, f"/console/conversations/{item.id}",
                         {"error": "Choose an outcome: " + ", ".join(CLOSING_OUTCOMES) + "."}, status=400)
        return await _finish(request, session, item, outcome,
                             "{name} has ended the chat. You can keep asking me questions here.")

    @console.get("/console/api/stream")
    @staff_only("agent", api=True)
    async def stream(request: Request, session: StaffSession):
        """Server-sent events: `queue` when the queue changes, `conversation` when the open one does."""
        watched = request.args.get("conversation")
        item_id = int(watched) if watched and watched.isdigit() else None
        reply = await request.respond(content_type="text/event-stream",
                                      headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
        last: Dict[str, str] = {}
        loop = asyncio.get_running_loop()
        deadline = loop.time() + STREAM_LIFETIME
        await reply.send("retry: 2000\n\n")
        while loop.time() < deadline:
            # Signed out, disabled or password changed since the stream opened: stop at once.
            session = await blocking(default_sessions().get, request.cookies.get(COOKIE))
            if session is None or not session.member.may("agent"):
                break
            updates = {"queue": await blocking(queue_fragments, session)}
            if item_id is not None:
                item = await _escalation(item_id)
                if item is not None:
                    parts = await blocking(conversation_fragments, item, client)
                    parts["actions"] = _actions_html(item, session)
                    updates["conversation"] = parts
            for name, data in updates.items():
                text = json.dumps(data)
                if last.get(name) != text:
                    last[name] = text
                    await reply.send(f"event: {name}\ndata: {text}\n\n")
            await asyncio.sleep(STREAM_INTERVAL)
        await reply.eof()

    return console


def _reply_text(body: Dict[str, Any]) -> str:
    saved = str(body.get("saved") or "")
    replies = council().saved_replies
    if saved.isdigit() and int(saved) < len(replies):
        return replies[int(saved)][1]
    return str(body.get("text") or "").strip()


def _queue_summary(counts: Dict[str, int]) -> str:
    callbacks = "1 callback" if counts["callbacks"] == 1 else f"{counts['callbacks']} callbacks"
    return f"{counts['waiting']} waiting, {counts['active']} with an adviser, {callbacks}."
