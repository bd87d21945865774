"""Starting a conversation: a clean slate, with the council's details loaded."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.settings import council


class ActionSessionStart(Action):
    def name(self) -> Text:
        return "action_session_start"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        # Nothing from the last session is carried over, whatever the domain says: the
        # next person with this conversation id may not be the last one (issue 14).
        events: List[EventType] = [SessionStarted()]
        events.extend(SlotSet(name, value) for name, value in council().response_values().items())
        events.append(ActionExecuted("action_listen"))
        return events
