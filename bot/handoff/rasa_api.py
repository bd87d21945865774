"""The few calls the contact centre makes to Rasa's HTTP API (token from `RASA_API_TOKEN`).

The conversation stays one record, Rasa's tracker: an adviser's reply is a
`bot` event appended to it, sent to the resident's socket as a side effect.
"""
from __future__ import annotations

import os
from typing import Any, Dict, List, Optional
from urllib.parse import quote

import requests

TIMEOUT = 10


class RasaUnavailable(Exception):
    """Rasa could not be reached or refused the call."""


class RasaClient:
    def __init__(self, url: Optional[str] = None, token: Optional[str] = None):
        self.url = (url or os.environ.get("RASA_URL", "http://localhost:5005")).rstrip("/")
        self.token = token if token is not None else os.environ.get("RASA_API_TOKEN", "")

    def _call(self, method: str, path: str, **kwargs) -> Any:
        params = {"token": self.token, **kwargs.pop("params", {})}
        try:
            reply = requests.request(method, f"{self.url}{path}", params=params, timeout=TIMEOUT, **kwargs)
        except requests.RequestException as error:
            raise RasaUnavailable(f"Rasa is not answering: {error}") from error
        if not reply.ok:
            raise RasaUnavailable(f"Rasa answered {reply.status_code}: {reply.text[:200]}")
        return reply.json()

    def tracker(self, conversation_id: str) -> Dict[str, Any]:
        """The whole conversation: every event, and the current slots."""
        return self._call("GET", f"/conversations/{quote(conversation_id, safe='')}/tracker",
                          params={"include_events": "ALL"})

    def append(self, conversation_id: str, events: List[Dict[str, Any]], channel: str = "socketio") -> None:
        """Add events to the conversation; bot messages among them reach the resident on `channel`."""
        self._call("POST", f"/conversations/{quote(conversation_id, safe='')}/tracker/events",
                   params={"output_channel": channel, "execute_side_effects": "true",
                           "include_events": "NONE"}, json=events)


def say(text: str, agent: Optional[str] = None, handoff: Optional[str] = None) -> Dict[str, Any]:
    """A `bot` event: from an adviser when `agent` names them; `handoff` tells the widget
    the state of the handover (`with_agent`, `ended`)."""
    event: Dict[str, Any] = {"event": "bot", "text": text, "metadata": {"agent": agent} if agent else {}}
    if handoff:
        event["data"] = {"custom": {"data": {"handoff": handoff}}}
    return event


def resume() -> List[Dict[str, Any]]:
    """Give the conversation back to the assistant, ready for the resident's next message."""
    return [{"event": "resume"}, {"event": "action", "name": "action_listen"}]
