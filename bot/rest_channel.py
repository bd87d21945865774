"""Rasa's REST channel (`POST /webhooks/rest/webhook`), with the server-side message limit."""
from __future__ import annotations

from rasa.core.channels.rest import RestInput

from bot.message_limit import limited


class RestChannel(RestInput):
    def blueprint(self, on_new_message):
        return super().blueprint(limited(on_new_message))
