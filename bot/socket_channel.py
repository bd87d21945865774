"""Rasa's socket.io channel, taught three things.

1. Who is speaking: Rasa's socket.io output drops a message's metadata, so an
   adviser's reply (appended through the HTTP API with `metadata.agent`) would
   reach the widget looking like the assistant's. This keeps the adviser's name.
2. Several Rasa servers: with `REDIS_URL` set, messages to a socket go through
   Redis (python-socketio's `AsyncRedisManager`), so whichever server the
   console's call lands on, the reply reaches the server holding the
   resident's socket. Rasa's own model: no home-made clustering.
3. The server-side message limit (bot/message_limit.py).
Everything else is Rasa's own channel, under the same name (`socketio`).
"""
from __future__ import annotations

import os
from typing import Any, Optional, Text

from rasa.core.channels.channel import OutputChannel
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from socketio import AsyncRedisManager

from bot.message_limit import limited

# One channel name for every deployment of the assistant on the same Redis.
REDIS_CHANNEL = "brackenford-socketio"


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

    def blueprint(self, on_new_message):
        blueprint = super().blueprint(limited(on_new_message))
        redis_url = os.environ.get("REDIS_URL", "").strip()
        if redis_url:
            # Before the first connection, so the manager starts with the server.
            manager = AsyncRedisManager(redis_url, channel=REDIS_CHANNEL)
            manager.set_server(self.sio)
            self.sio.manager = manager
        return blueprint
