"""Hearing back from the back office: the worker's poll for changed reports.

Each poll asks the back office for changes since the last one (how, and how
often, in `backoffice.yml` under `updates`), keeps every change to a report we
filed or a resident follows, and queues one message for each resident who gave
an email or phone number. Reports the back office answered with a token get
their reference first. Polls overlap a little, and changes are kept once, so
a late change is not missed and none is told twice.
"""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Dict, List, Optional

from bot import catalogue
from bot.connectors.base import TOKEN_PREFIX, BackOfficeRejected, CaseUpdate, Connector
from bot.db import from_iso, utcnow
from bot.notifications import Notifications
from bot.outbox import Entry, Outbox
from bot.report_statuses import in_chat, status
from bot.report_updates import ReportUpdates
from bot.settings import council

logger = logging.getLogger(__name__)

FIRST_LOOK_BACK = timedelta(days=1)   # how far the very first poll looks back


@dataclass(frozen=True)
class UpdateSettings:
    method: str = "servicerequestupdates"     # or requests, or none
    every_seconds: float = 60
    overlap_seconds: float = 300

    @classmethod
    def from_config(cls, config: Dict[str, Any]) -> "UpdateSettings":
        """`updates` in backoffice.yml; BACKOFFICE_UPDATES_SECONDS in the environment wins."""
        raw = config.get("updates") or {}
        every = os.environ.get("BACKOFFICE_UPDATES_SECONDS") or raw.get("every_seconds", cls.every_seconds)
        return cls(method=str(raw.get("method", cls.method)), every_seconds=float(every),
                   overlap_seconds=float(raw.get("overlap_seconds", cls.overlap_seconds)))


def assistant_url() -> str:
    """Where messages to residents send them to ask about their report (`ASSISTANT_URL`)."""
    return os.environ.get("ASSISTANT_URL") or council().website


def iso(moment: datetime) -> str:
    return moment.replace(tzinfo=timezone.utc).isoformat(timespec="seconds")


def resolve_tokens(connector: Connector, outbox: Outbox) -> int:
    """Give reports the back office answered with a token their real reference, once it has one."""
    resolved = 0
    for entry in outbox.entries(state="delivered"):
        if not (entry.backoffice_reference or "").startswith(TOKEN_PREFIX):
            continue
        reference = connector.resolve_token(entry.backoffice_reference[len(TOKEN_PREFIX):])
        if reference:
            outbox.set_backoffice_reference(entry.reference, reference)
            resolved += 1
    return resolved


def told_reference(entry: Entry) -> str:
    """The reference the resident was given when they made the report."""
    return entry.told_reference or entry.backoffice_reference or entry.reference


def message_fields(reference: str, service: str, change: CaseUpdate, link: str) -> Dict[str, str]:
    return {"reference": reference, "service": service.lower(), "status_words": status(change.status).words,
            "notes": change.notes.strip(), "link": link}


def poll_updates(connector: Connector, outbox: Outbox, store: ReportUpdates, notifications: Notifications,
                 settings: UpdateSettings, link: str, now: Optional[datetime] = None,
                 tell: Optional[Callable[[str, str], None]] = None) -> int:
    """One poll; how many changes were new. Raises BackOfficeUnavailable when the back office is down.

    `tell(conversation_id, text)` also puts the news in the conversation the report was made in."""
    if settings.method == "none":
        return 0
    now = now or utcnow()
    try:
        resolve_tokens(connector, outbox)
    except BackOfficeRejected as error:
        logger.warning("The back office refused a token look-up: %s", error)
    since = store.polled_to(settings.method) or now - FIRST_LOOK_BACK
    changes = connector.updates(iso(since - timedelta(seconds=settings.overlap_seconds)), iso(now), settings.method)
    new = sum(_keep(change, outbox, store, notifications, link, tell) for change in changes)
    store.set_polled_to(settings.method, now)
    return new


def _keep(change: CaseUpdate, outbox: Outbox, store: ReportUpdates, notifications: Notifications, link: str,
          tell: Optional[Callable[[str, str], None]]) -> bool:
    entry = outbox.find_by_backoffice_reference(change.reference)
    # Residents who chose this report instead of making their own (before it reached the back office, by ours).
    followers = store.subscribers(change.reference) + (store.subscribers(entry.reference) if entry else [])
    if entry is None and not followers:
        return False   # not a report made through the assistant
    code = status(change.status).code
    key = change.update_id or f"{code}@{change.at}"
    if not store.record(change.reference, key, code, change.notes, from_iso(change.at)):
        return False
    service = catalogue.service_name(entry.report.service_code if entry else followers[0].service_code)
    owner = message_fields(told_reference(entry), service, change, link) if entry is not None else None
    recipients: List[tuple] = []
    if entry is not None:
        recipients.append((owner, entry.report.email, entry.report.phone))
    followers_fields = message_fields(change.reference, service, change, link)
    recipients += [(followers_fields, follower.email, follower.phone) for follower in followers
                   if follower.email or follower.phone]
    for fields, email, phone in recipients:
        queue_to(notifications, change.reference, email, phone, fields)
    if tell and entry is not None and entry.conversation_id:
        try:
            tell(entry.conversation_id, in_chat(owner))
        except Exception as error:   # the chat is a courtesy: the email or text is the resident's news
            logger.warning("News of %s not put in its conversation: %s", change.reference, error)
    return True


def queue_to(notifications: Notifications, reference: str, email: Optional[str], phone: Optional[str],
             fields: Dict[str, str]) -> None:
    """One message a resident: email when they gave one, else a text."""
    if email:
        notifications.queue(reference, "email", email, fields)
    elif phone:
        notifications.queue(reference, "sms", phone, fields)


def conversation_news(conversation_id: str, outbox: Outbox, store: ReportUpdates, link: str) -> List[str]:
    """The news told in a conversation, oldest first, in the words the chat gets (the widget catches up)."""
    entries = [e for e in outbox.entries(conversation_id=conversation_id) if e.backoffice_reference]
    by_reference = {e.backoffice_reference: e for e in entries}
    followed = {f.reference: f.service_code for f in store.followed_in(conversation_id)}
    news = []
    for change in reversed(store.for_conversation(conversation_id, list(by_reference))):
        entry = by_reference.get(change.reference)
        service = catalogue.service_name(entry.report.service_code if entry else followed.get(change.reference, ""))
        update = CaseUpdate(change.reference, change.status, change.at.isoformat(), change.notes)
        news.append(in_chat(message_fields(told_reference(entry) if entry else change.reference, service, update, link)))
    return news
