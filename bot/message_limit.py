"""The longest message a resident can send, checked by the server on every channel.

Understanding time grows faster than the text, so an unbounded message could
hold a Rasa server's event loop for everyone it serves. A message over the
limit never reaches the NLU: the resident gets a polite answer instead, and
can send it again, shorter.
"""
from __future__ import annotations

import os
from typing import Any, Awaitable, Callable

from rasa.core.channels.channel import UserMessage

from bot.reporting import MAX_DESCRIPTION

# Room for the longest description a report takes, in one message.
DEFAULT_LIMIT = MAX_DESCRIPTION


def max_message_length() -> int:
    """`MAX_MESSAGE_LENGTH` characters (4,000 by default)."""
    return int(os.environ.get("MAX_MESSAGE_LENGTH", str(DEFAULT_LIMIT)))


def too_long_answer(limit: int) -> str:
    return (f"Your message is too long for me to read. Send a message of {limit:,} characters or fewer. "
            "You can split it into 2 messages.")


def limited(on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Callable[[UserMessage], Awaitable[Any]]:
    """`on_new_message`, refusing a message over the limit with a polite answer."""
    limit = max_message_length()

    async def handle(message: UserMessage) -> Any:
        if message.text is not None and len(message.text) > limit:
            await message.output_channel.send_text_message(message.sender_id, too_long_answer(limit))
            return None
        return await on_new_message(message)

    return handle
