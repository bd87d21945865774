"""Reading a Rasa tracker (as the HTTP API returns it) for an adviser: what was said,
what the assistant collected, and what the conversation is about."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Dict, Iterable, List, Optional, Tuple

from bot.topics import topics

# Intents that say nothing about what the resident needs.
NOT_A_TOPIC = {"request_human", "nlu_fallback", "affirm", "deny", "greet", "thank", "goodbye", "inform",
               "stop", "out_of_scope", "bot_challenge", "ask_help", "share_location", "add_photo"}
INTENT_TOPICS = {"ask_bin_day": "Bin collection day", "ask_report_status": "Progress of a report",
                 "report_problem": "Reporting a problem"}

# What each slot is, in words; slots not listed are the assistant's own bookkeeping.
SLOT_LABELS = {
    "address_uprn": "Address", "postcode": "Postcode", "street": "Street",
    "location_detail": "Where on the street", "report_location": "Map position", "media_url": "Photo",
    "attr_bin_type": "Bin", "attr_size": "Size", "attr_hazard": "Hazard", "attr_waste_type": "Type of waste",
    "attr_quantity": "How much", "attr_fault": "Fault", "attr_column_id": "Lamp post number",
    "attr_offensive": "Offensive", "attr_registration": "Registration", "attr_make_colour": "Make and colour",
    "description": "Description", "contact_name": "Name", "contact": "Contact details",
    "report_refused": "Not filed because", "last_report_reference": "Latest report reference",
    "report_reference": "Report asked about", "callback_name": "Callback name",
    "callback_contact": "Callback phone or email", "callback_time": "Best time to call",
    "callback_about": "Callback about",
}


@dataclass
class Line:
    who: str            # resident, assistant, adviser or event
    text: str
    at: Optional[str]   # ISO time, UTC
    name: str = ""      # the adviser's name, for adviser lines

    def to_dict(self) -> Dict[str, str]:
        return {"who": self.who, "text": self.text, "at": self.at or "", "name": self.name}


def _when(event: Dict[str, Any]) -> Optional[str]:
    stamp = event.get("timestamp")
    if not isinstance(stamp, (int, float)):
        return None
    return datetime.fromtimestamp(stamp, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def lines(events: Iterable[Dict[str, Any]]) -> List[Line]:
    """The conversation as an adviser reads it, agent messages and the handover included."""
    result: List[Line] = []
    for event in events:
        kind = event.get("event")
        if kind == "user":
            text = str(event.get("text") or "")
            if text.startswith("/"):
                # A button press: show the intent it stands for, not the raw payload.
                intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name") or text
                text = f"(chose {str(intent).replace('_', ' ')})"
            result.append(Line("resident", text, _when(event)))
        elif kind == "bot":
            agent = (event.get("metadata") or {}).get("agent")
            text = str(event.get("text") or "")
            if text:
                result.append(Line("adviser" if agent else "assistant", text, _when(event), str(agent or "")))
        elif kind == "pause":
            result.append(Line("event", "Handed to the contact centre", _when(event)))
        elif kind == "resume":
            result.append(Line("event", "Back with the assistant", _when(event)))
    return result


def collected(events: Iterable[Dict[str, Any]], describe=None) -> List[Tuple[str, str]]:
    """Every detail the assistant collected, with its latest value, in the order first given.

    Report slots are cleared once a report is filed or cancelled, so this reads
    the slot history rather than the current slots: nothing the resident said is
    lost to the adviser. `describe(slot, value)` can turn a value into words.
    """
    values: Dict[str, Any] = {}
    for event in events:
        if event.get("event") == "slot" and event.get("name") in SLOT_LABELS and event.get("value") not in (None, ""):
            values[event["name"]] = event["value"]
    rows = []
    for slot, value in values.items():
        text = describe(slot, value) if describe else None
        rows.append((SLOT_LABELS[slot], text or str(value)))
    return rows


def topic_of(parse_data: Dict[str, Any]) -> Optional[str]:
    """The subject of one message in words (a topic title, a report), or None for small talk."""
    intent = (parse_data.get("intent") or {}).get("name")
    if not intent or intent in NOT_A_TOPIC:
        return None
    if intent == "faq":
        selected = ((parse_data.get("response_selector") or {}).get("faq") or {}).get("response") or {}
        key = str(selected.get("intent_response_key") or "").split("/", 1)[-1]
        topic = topics().get(key)
        return topic.title if topic else None
    if intent in INTENT_TOPICS:
        return INTENT_TOPICS[intent]
    return intent.replace("_", " ").capitalize()


def topic(events: Iterable[Dict[str, Any]]) -> str:
    """What the resident came about: the latest message that names a subject."""
    for event in reversed(list(events)):
        if event.get("event") == "user":
            found = topic_of(event.get("parse_data") or {})
            if found:
                return found
    return "General enquiry"


def topic_key(parse_data: Dict[str, Any]) -> Optional[str]:
    """The FAQ topic a message was answered from (e.g. `homeless`), if any."""
    if (parse_data.get("intent") or {}).get("name") != "faq":
        return None
    selected = ((parse_data.get("response_selector") or {}).get("faq") or {}).get("response") or {}
    key = str(selected.get("intent_response_key") or "")
    return key.split("/", 1)[-1] if key else None
