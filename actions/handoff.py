"""Handing over to the contact centre: when the resident asks, when the assistant
has failed twice, and after the answer to an urgent topic."""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActionExecuted, ConversationPaused, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot import answer_checks, reporting
from bot.handoff import transcript
from bot.handoff.escalations import default_escalations
from bot.handoff.hours import next_opening_in_words, open_now
from bot.settings import council
from bot.topics import topics

# Only the live chat can carry an adviser's replies back to the resident.
LIVE_CHANNELS = ("socketio",)
NO_TOPIC = "General enquiry"
CALLBACK_SLOTS = ("callback_name", "callback_contact", "callback_time", "callback_about")

logger = logging.getLogger(__name__)


def _wait(position: int) -> str:
    minutes = max(1, position * council().minutes_per_conversation)
    return "1 minute" if minutes == 1 else f"{minutes} minutes"


def _known_contact(tracker: Tracker) -> Dict[str, Optional[str]]:
    """Contact details the resident already gave (in a report), so they are not asked twice."""
    contact = reporting.parse_contact(tracker.get_slot("contact") or "")
    if contact is None or contact.anonymous:
        return {}
    name = tracker.get_slot("contact_name")
    return {"callback_contact": str(contact),
            "callback_name": None if not name or reporting.is_skip(name) else str(name)}


def hand_over(dispatcher: CollectingDispatcher, tracker: Tracker, reason: str,
              urgent: bool = False) -> List[EventType]:
    """Queue for an adviser, or offer a callback, or give the number to call now."""
    topic = transcript.topic(tracker.events)
    channel = tracker.get_latest_input_channel() or ""
    store = default_escalations()
    known = _known_contact(tracker)
    if open_now() and channel in LIVE_CHANNELS:
        escalation = store.open(tracker.sender_id, reason, topic, urgent, channel,
                                **{key: value for key, value in known.items() if value})
        position = store.position(escalation.id) or 1
        dispatcher.utter_message(response="utter_handoff_urgent_queued" if urgent else "utter_handoff_queued",
                                 position=position, wait=_wait(position))
        # Tells the widget an adviser is involved (it reports the resident's presence).
        dispatcher.utter_message(json_message={"data": {"handoff": "waiting"}})
        # Paused: the resident's messages are kept for the adviser and not answered by the assistant.
        return [SlotSet("handoff_reason", reason), ConversationPaused(), ActionExecuted("action_listen")]
    if urgent:
        store.record_closed(tracker.sender_id, reason, topic, outcome="emergency_line", urgent=True)
        phone = council().phone if open_now() else council().emergency_phone
        dispatcher.utter_message(response="utter_handoff_urgent_call", phone=phone)
        return []
    if open_now():
        dispatcher.utter_message(response="utter_handoff_no_live_chat")
    else:
        dispatcher.utter_message(response="utter_handoff_closed", next_open=next_opening_in_words())
    prefilled = {**known, "callback_about": None if topic == NO_TOPIC else topic}
    return ([SlotSet("handoff_reason", reason)]
            + [SlotSet(name, value) for name, value in prefilled.items() if value]
            + [FollowupAction("callback_form")])


class ActionHandoff(Action):
    def name(self) -> Text:
        return "action_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        return hand_over(dispatcher, tracker, "asked")


class ActionDefaultFallback(Action):
    """Rasa runs this when it gives up: twice not understood (or no confident next step)."""

    def name(self) -> Text:
        return "action_default_fallback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        dispatcher.utter_message(response="utter_handoff_not_understood")
        return hand_over(dispatcher, tracker, "not_understood")


class ActionFaqFollowup(Action):
    """After an answer: an urgent topic (homelessness tonight, safeguarding, danger) goes to a person too."""

    def name(self) -> Text:
        return "action_faq_followup"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        key = transcript.topic_key(tracker.latest_message or {})
        topic = topics().get(key) if key else None
        if topic is None or not topic.urgent:
            return []
        return hand_over(dispatcher, tracker, "urgent", urgent=True)


class ValidateCallbackForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_callback_form"

    @staticmethod
    def _text(value: Any, dispatcher: CollectingDispatcher, limit: int) -> Optional[str]:
        text = " ".join(str(value or "").split())
        if len(text) > limit:
            dispatcher.utter_message(response="utter_answer_too_long", limit=limit)
            return None
        return text or None

    def validate_callback_name(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                               domain: DomainDict) -> Dict[Text, Any]:
        return {"callback_name": self._text(value, dispatcher, answer_checks.CALLBACK_LIMITS["callback_name"])}

    def validate_callback_contact(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                  domain: DomainDict) -> Dict[Text, Any]:
        contact = reporting.parse_contact(value)
        if contact is None or contact.anonymous:
            dispatcher.utter_message(response="utter_callback_contact_invalid")
            return {"callback_contact": None}
        return {"callback_contact": str(contact)}

    def validate_callback_time(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                               domain: DomainDict) -> Dict[Text, Any]:
        return {"callback_time": self._text(value, dispatcher, answer_checks.CALLBACK_LIMITS["callback_time"])}

    def validate_callback_about(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                domain: DomainDict) -> Dict[Text, Any]:
        return {"callback_about": self._text(value, dispatcher, answer_checks.CALLBACK_LIMITS["callback_about"])}


class ActionSubmitCallback(Action):
    def name(self) -> Text:
        return "action_submit_callback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        details = {name: tracker.get_slot(name) for name in CALLBACK_SLOTS}
        forgotten = [SlotSet(name, None) for name in CALLBACK_SLOTS] + [SlotSet("handoff_reason", None)]
        # The slots may not have come through the form (a forged call): check them as it would.
        problems = answer_checks.callback_problems(details)
        if problems:
            logger.warning("Callback not booked for conversation %s: the form would not accept %s",
                           tracker.sender_id, ", ".join(problems))
            dispatcher.utter_message(response="utter_callback_not_booked")
            return forgotten
        reason = tracker.get_slot("handoff_reason") or "asked"
        escalation = default_escalations().open(
            tracker.sender_id, reason, transcript.topic(tracker.events), False,
            tracker.get_latest_input_channel() or "", status="callback", **details)
        when = "as soon as they can" if open_now() else f"after we open {next_opening_in_words()}"
        dispatcher.utter_message(response="utter_callback_booked", name=details["callback_name"],
                                 contact=details["callback_contact"], when=when, reference=f"CB-{escalation.id}")
        # The details now live in the callback record; the conversation forgets them.
        return forgotten
