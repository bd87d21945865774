"""Starting a conversation: carry slots over and load the council's details."""
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
        events: List[EventType] = [SessionStarted()]
        # Keep what the resident told us (e.g. their address) in the new session.
        carry_over = (domain.get("session_config") or {}).get("carry_over_slots_to_new_session", True)
        carried = {name: value for name, value in tracker.slots.items()
                   if carry_over and value is not None and name != "requested_slot"}
        carried.update(council().response_values())
        events.extend(SlotSet(name, value) for name, value in carried.items())
        events.append(ActionExecuted("action_listen"))
        return events
