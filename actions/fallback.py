"""Low confidence: ask "Did you mean …?" in words, never with an intent name."""
from __future__ import annotations

import json
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from bot import catalogue
from bot.topics import suggestion_for

# Intents worth suggesting back to the resident: label and what "Yes" sends.
CORE_SUGGESTIONS: Dict[str, Tuple[str, str]] = {
    "ask_bin_day": ("Check your bin collection day", "/ask_bin_day"),
    "request_human": ("Speak to a person", "/request_human"),
    "ask_help": ("See what I can help with", "/ask_help"),
}


def report_suggestion(intent: str, parse_data: Dict[str, Any]) -> Optional[Tuple[str, str]]:
    """A report the resident may have meant. "Yes" carries the facts their message gave (the
    street, what was dumped, their email…), so the report's form does not ask for them again."""
    service = intent[len("report_"):]
    if service not in catalogue.service_codes():
        return None
    facts: Dict[str, str] = {}
    for entity in parse_data.get("entities") or []:
        facts.setdefault(str(entity.get("entity")), str(entity.get("value")))
    payload = f"/{intent}" + (json.dumps(facts) if facts else "")
    return f"Report {catalogue.service_name(service).lower()}", payload


def best_guess(parse_data: Dict[str, Any]) -> Optional[Tuple[str, str]]:
    """The label and payload of the most likely thing the resident meant, if any."""
    for ranked in parse_data.get("intent_ranking") or []:
        intent = ranked.get("name")
        if intent == "nlu_fallback":
            continue
        if intent == "faq":
            selected = ((parse_data.get("response_selector") or {}).get("faq") or {}).get("response") or {}
            key = str(selected.get("intent_response_key") or "")
            return suggestion_for(key.split("/", 1)[-1]) if key else None
        if intent.startswith("report_"):
            return report_suggestion(intent, parse_data)
        return CORE_SUGGESTIONS.get(intent)
    return None


class ActionAskAffirmation(Action):
    def name(self) -> Text:
        return "action_default_ask_affirmation"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        guess = best_guess(tracker.latest_message or {})
        if guess is None:
            dispatcher.utter_message(response="utter_ask_rephrase")
            return []
        label, payload = guess
        dispatcher.utter_message(
            response="utter_ask_affirmation", topic=label,
            buttons=[{"title": "Yes", "payload": payload}, {"title": "No", "payload": "/out_of_scope"}],
        )
        return []
