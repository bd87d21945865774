""""What's happening with my report?": the reference, then its status in plain words."""
from __future__ import annotations

import asyncio
from typing import Any, Dict, List, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.connectors.config import connector
from bot.outbox import default_outbox
from bot.references import find_reference
from bot import catalogue, clock, dates, reporting
from bot.db import engine
from bot.notifications import Notifications
from bot.update_poller import assistant_url, queue_to, told_reference
from bot.report_status import look_up
from bot.report_statuses import status
from bot.report_updates import Change, report_updates


RESPONSES = {
    "changed": "utter_report_status_changed",
    "open": "utter_report_status_open",
    "closed": "utter_report_status_closed",
    "waiting": "utter_report_status_waiting",
    "held": "utter_report_status_held",
    "unknown": "utter_report_status_unknown",
    "unavailable": "utter_report_status_unavailable",
}


def history_lines(history: List[Change]) -> str:
    """Each change on a line, newest first: "- Tuesday 15 December: It has had the work booked in. For Tuesday."."""
    today = clock.today()
    lines = []
    for change in history:
        words = status(change.status).words
        line = f"- {dates.in_words(change.at.date(), today)}: It {words}."
        lines.append(f"{line} {change.notes}" if change.notes else line)
    return "\n".join(lines)


def send_news(contact: reporting.Contact) -> int:
    """Queue the latest news of each of the contact's recent reports to that contact; how many."""
    outbox, messages = default_outbox(), Notifications(engine())
    found = outbox.for_contact(contact.email, contact.phone)
    for entry in found:
        answer = look_up(entry.reference, outbox, connector(), report_updates())
        words = answer.words or status(answer.kind if answer.kind in ("open", "closed") else "open").words
        fields = {"reference": told_reference(entry), "service": catalogue.service_name(entry.report.service_code).lower(),
                  "status_words": words, "notes": answer.history[0].notes if answer.history else (answer.notes or ""),
                  "link": assistant_url()}
        queue_to(messages, entry.reference, contact.email, contact.phone, fields)
    return len(found)


class ValidateReportStatusForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_report_status_form"

    async def extract_report_reference(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                       domain: DomainDict) -> Dict[Text, Any]:
        if tracker.get_slot("requested_slot") == "report_reference":
            return {}   # the slot's own from_text mapping takes the answer
        said = find_reference((tracker.latest_message or {}).get("text", ""))
        remembered = tracker.get_slot("last_report_reference")
        return {"report_reference": said or remembered} if (said or remembered) else {}

    def validate_report_reference(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                  domain: DomainDict) -> Dict[Text, Any]:
        reference = find_reference(str(value or ""))
        if reference is None:
            contact = reporting.parse_contact(value)
            if contact is not None and (contact.email or contact.phone):
                return {"report_reference": str(contact)}    # the news goes to it (see below)
            dispatcher.utter_message(response="utter_reference_invalid")
        return {"report_reference": reference}


class ActionReportStatus(Action):
    def name(self) -> Text:
        return "action_report_status"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        reference = tracker.get_slot("report_reference")
        if not reference:
            return []
        contact = None if find_reference(reference) else reporting.parse_contact(reference)
        if contact is not None:
            # Only the contact's owner may hear of their reports: the news goes there, not into this chat.
            await asyncio.get_running_loop().run_in_executor(None, send_news, contact)
            dispatcher.utter_message(response="utter_report_news_sent", contact=str(contact))
            return [SlotSet("report_reference", None)]
        answer = await asyncio.get_running_loop().run_in_executor(
            None, look_up, reference, default_outbox(), connector(), report_updates())
        dispatcher.utter_message(response=RESPONSES[answer.kind], reference=answer.reference,
                                 service=(answer.service or "report").lower(), words=answer.words)
        if answer.history:
            dispatcher.utter_message(response="utter_report_status_history", history=history_lines(answer.history))
        elif answer.notes:
            dispatcher.utter_message(response="utter_report_status_notes", notes=answer.notes)
        return [SlotSet("report_reference", None)]
