"""Report references as residents type them: ours (WEB-7F3K9Q) or a back office's (BRK-1234)."""
from __future__ import annotations

import re
from typing import Optional

OUR_PREFIX = "WEB-"
# Ours: no 0/O or 1/I, so they can be read out over the phone.
OUR_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
PATTERN = rf"\b({OUR_PREFIX}[A-Z2-9]{{6}}|[A-Z]{{2,5}}-?\d{{3,10}})\b"
_REFERENCE = re.compile(PATTERN, re.IGNORECASE)


def find_reference(text: str) -> Optional[str]:
    """The first report reference in a message, upper-cased."""
    match = _REFERENCE.search(text or "")
    return match.group(1).upper() if match else None
