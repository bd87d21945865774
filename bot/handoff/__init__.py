"""Handing a conversation from the assistant to a contact-centre adviser."""
