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
from bot.report_status import look_up


RESPONSES = {
    "open": "utter_report_status_open",
    "closed": "utter_report_status_closed",
    "waiting": "utter_report_status_waiting",
    "held": "utter_report_status_held",
    "unknown": "utter_report_status_unknown",
    "unavailable": "utter_report_status_unavailable",
}


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
            dispatcher.utter_message(response="utter_reference_invalid")
        return {"report_reference": reference}


class ActionReportStatus(Action):
    def name(self) -> Text:
        return "action_report_status"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        reference = tracker.get_slot("report_reference")
        if not reference:
            return []
        answer = await asyncio.get_running_loop().run_in_executor(
            None, look_up, reference, default_outbox(), connector())
        dispatcher.utter_message(response=RESPONSES[answer.kind], reference=answer.reference,
                                 service=answer.service or "report")
        if answer.notes:
            dispatcher.utter_message(response="utter_report_status_notes", notes=answer.notes)
        return [SlotSet("report_reference", None)]
