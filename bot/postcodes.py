"""UK postcode checks: normalise what residents type, find a postcode in a sentence."""
from __future__ import annotations

import re
from typing import Optional

# Outward code (area, district, optional sub-district) then inward code. The
# inward letters never include C, I, K, M, O or V (Royal Mail's rules).
_OUTWARD = r"[A-Z]{1,2}[0-9][A-Z0-9]?"
_INWARD = r"[0-9][ABD-HJLNP-UW-Z]{2}"
_WHOLE = re.compile(rf"^({_OUTWARD})\s*({_INWARD})$")
_IN_TEXT = re.compile(rf"\b({_OUTWARD})\s*({_INWARD})\b", re.IGNORECASE)

EXAMPLE = "BK1 9RZ"


def normalise(text: str) -> Optional[str]:
    """`"bk19rz "` -> `"BK1 9RZ"`; None when the text is not a postcode."""
    cleaned = re.sub(r"[^A-Z0-9 ]", "", (text or "").upper()).strip()
    match = _WHOLE.match(re.sub(r"\s+", " ", cleaned))
    return f"{match.group(1)} {match.group(2)}" if match else None


def find(text: str) -> Optional[str]:
    """The first postcode in a sentence, normalised, or None."""
    match = _IN_TEXT.search(text or "")
    return f"{match.group(1).upper()} {match.group(2).upper()}" if match else None


def mask(text: str, replacement: str = "[postcode]") -> str:
    """Every postcode in a sentence replaced, for text kept without personal data."""
    return _IN_TEXT.sub(replacement, text or "")


def district(postcode: str) -> str:
    """The outward code: `"BK1 9RZ"` -> `"BK1"`."""
    return postcode.split(" ")[0]
