"""Messages that answered a form's question about the resident: name, email or phone, postcode, address.

Masking finds personal data by its shape ("my name is …", an email address), so a bare
"Jo Bloggs" typed at "What's your name?" would pass it. The studio's inbox leaves such
answers out, and the insights keep none of their words.
"""
from __future__ import annotations

import json

import sqlalchemy as sa

from bot.tracker_events import events

# Slots whose question asks for the resident's own details.
PERSONAL_SLOTS = frozenset({"contact", "contact_name", "callback_name", "callback_contact", "postcode",
                            "address_uprn"})
# What the insights keep of such an answer that was not understood.
PLACEHOLDER = "[personal details]"


def answered_personal_question(db: sa.engine.Connection, sender_id: str, event_id: int) -> bool:
    """Whether a form was asking for personal details when this message (a `user` event) came:
    the last `requested_slot` the conversation set before it says what was asked."""
    query = (sa.select(events.c.data)
             .where(events.c.sender_id == sender_id, events.c.id < event_id, events.c.type_name == "slot",
                    events.c.data.like('%"requested_slot"%'))
             .order_by(events.c.id.desc()).limit(20))
    for data in db.execute(query).scalars():
        try:
            slot = json.loads(data or "{}")
        except ValueError:
            continue
        if slot.get("name") == "requested_slot":   # not another slot whose value says "requested_slot"
            return slot.get("value") in PERSONAL_SLOTS
    return False
