"""Rasa's socket.io channel, taught to say who is speaking.

Rasa's socket.io output drops a message's metadata, so an adviser's reply
(appended through the HTTP API with `metadata.agent`) would reach the widget
looking like the assistant's. This channel keeps the adviser's name on it.
Everything else is Rasa's own channel, under the same name (`socketio`).
"""
from __future__ import annotations

from typing import Any, Optional, Text

from rasa.core.channels.channel import OutputChannel
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput


class NamedSpeakerOutput(SocketIOOutput):
    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        agent = kwargs.get("agent")
        if not agent:
            await super().send_text_message(recipient_id, text, **kwargs)
            return
        for part in text.strip().split("\n\n"):
            await self._send_message(recipient_id, {"text": part, "agent": str(agent)})


class SocketIOChannel(SocketIOInput):
    def get_output_channel(self) -> Optional[OutputChannel]:
        output = super().get_output_channel()
        return NamedSpeakerOutput(self.sio, self.bot_message_evt) if output is not None else None
