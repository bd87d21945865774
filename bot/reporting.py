"""Council logic behind residents' reports: answers matched to a service's
attributes, contact details, where on a street, and whether a missed bin was due."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any, Dict, List, Optional

from bot.bin_calendar import Collection, CollectionCalendar
from bot.gazetteer import Address, Gazetteer, Street, words

MAX_DESCRIPTION = 4000
MAX_SHORT_ANSWER = 200
# "Use my location" further than this from any property is not in the council's area.
MAX_LOCATION_METRES = 750
# Collections run until 6pm; a bin due today is not missed before then.
COLLECTION_DAY_ENDS = time(18, 0)
# Slot value of an optional question the resident chose to skip.
SKIPPED = "skipped"
ANONYMOUS = "anonymous"

_SKIP = {"skip", "no", "none", "not sure", "dont know", "don't know", "do not know", "n/a", "na", "nothing",
         "no thanks", "unknown", "i don't know", "i dont know", "cant see", "can't see", "no idea"}
_ANONYMOUS = {"anonymous", "stay anonymous", "no", "no thanks", "no updates", "none", "skip", "dont want updates",
              "i don't want updates", "no thank you"}
_EMAIL = re.compile(r"^[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")
_YES = {"yes", "y", "yeah", "yep", "it is", "definitely"}
_NO = {"no", "n", "nope", "it isn't", "it is not", "not really"}


def _clean(text: Any) -> str:
    return re.sub(r"\s+", " ", str(text or "")).strip()


def is_skip(text: Any) -> bool:
    return _clean(text).lower().strip(".!") in _SKIP


def match_choice(attribute: Dict[str, Any], text: Any) -> Optional[str]:
    """The key of a list attribute's value that the resident's answer names, if any.

    Accepts the key ("large"), the name ("Large"), or words of the name ("black bin").
    """
    answer = _clean(text).lower().strip(".!")
    values = attribute.get("values") or []
    for value in values:
        if answer in (str(value["key"]).lower(), str(value["name"]).lower()):
            return value["key"]
    keys = {str(v["key"]).lower() for v in values}
    if keys == {"yes", "no"}:
        if answer in _YES:
            return "yes"
        if answer in _NO:
            return "no"
    wanted = set(words(answer))
    if not wanted:
        return None
    matches = [v["key"] for v in values if wanted <= set(words(f"{v['key']} {v['name']}"))]
    return matches[0] if len(matches) == 1 else None


# Words that ask to report without saying anything about the problem: "I want to report a pothole".
_ASKING = {"i", "id", "im", "want", "wish", "would", "like", "to", "report", "reporting", "log", "make", "a", "an",
           "the", "there", "theres", "s", "is", "please", "can", "could", "you", "need", "it", "its", "of", "on", "in",
           "at", "my", "some", "and", "hi", "hello", "hey", "about", "this", "that", "for", "me", "we", "our"}
# This many words beyond asking, and the message describes the problem.
DESCRIBED_WORDS = 5


_QUESTION_WORDS = {"how", "what", "when", "where", "why", "who", "which", "can", "could", "do", "does", "is", "are",
                   "will", "should", "would", "whats", "wheres", "hows"}


def looks_like_question(text: Any) -> bool:
    """"how do I pay my council tax?" is a question; "railway bridge" is an answer."""
    said = words(_clean(text))
    return "?" in str(text or "") or bool(said and said[0] in _QUESTION_WORDS)


def describes_problem(text: Any) -> bool:
    """Whether a resident's opening message says enough about the problem to be its description."""
    return len([w for w in words(_clean(text)) if w not in _ASKING]) >= DESCRIBED_WORDS


def choice_name(attribute: Dict[str, Any], key: str) -> str:
    for value in attribute.get("values") or []:
        if value["key"] == key:
            return value["name"]
    return key


@dataclass(frozen=True)
class Contact:
    email: Optional[str] = None
    phone: Optional[str] = None

    @property
    def anonymous(self) -> bool:
        return not (self.email or self.phone)

    def __str__(self) -> str:
        return self.email or self.phone or ANONYMOUS


def parse_contact(text: Any) -> Optional[Contact]:
    """An email address or UK phone number, or anonymous; None if it is neither."""
    answer = _clean(text)
    if answer.lower().strip(".!") in _ANONYMOUS:
        return Contact()
    if _EMAIL.match(answer):
        return Contact(email=answer.lower())
    digits = re.sub(r"[\s().-]", "", answer)
    if digits.startswith("+44"):
        digits = "0" + digits[3:].lstrip("0")
    elif digits.startswith("0044"):
        digits = "0" + digits[4:].lstrip("0")
    if re.fullmatch(r"0[1-9]\d{8,9}", digits):
        return Contact(phone=digits)
    return None


# Words said around contact details that are not a name: "my email is jo@example.com, Jo Bloggs".
_NOT_A_NAME = {"my", "email", "e", "mail", "address", "is", "phone", "number", "mobile", "tel", "name", "and", "its",
               "it", "im", "i", "am", "call", "me", "on", "at", "or", "please", "thanks", "thank", "you", "cheers",
               "updates", "to", "text", "the", "this"}


def name_beside_contact(text: Any, contact: str) -> Optional[str]:
    """The name a resident gave with their contact details, if the rest of the answer is one."""
    rest = _clean(text).replace(contact, " ")
    parts = [w for w in re.findall(r"[A-Za-z][A-Za-z'-]*", rest) if w.lower().replace("'", "") not in _NOT_A_NAME]
    if not 1 <= len(parts) <= 4 or re.search(r"\d", rest.replace(contact, "")):
        return None
    return " ".join(p[:1].upper() + p[1:] for p in parts)


def split_name(name: Any) -> Dict[str, str]:
    parts = _clean(name).split(" ")
    if not parts or not parts[0] or is_skip(name):
        return {}
    return {"first_name": parts[0][:100], "last_name": " ".join(parts[1:])[:100]}


@dataclass(frozen=True)
class StreetLocation:
    usrn: str
    street: str
    lat: float
    lon: float
    address_string: str


def locate(gazetteer: Gazetteer, street: Street, detail: Optional[str]) -> StreetLocation:
    """A point for the report: the house named in the detail, else the middle of the street."""
    on_street = gazetteer.addresses_on(street.usrn)
    number = re.search(r"\b(\d+[a-z]?)\b", detail or "")
    point = None
    if number:
        point = next((a for a in on_street if words(a.line)[:1] == [number.group(1).lower()]), None)
    if point:
        lat, lon = point.lat, point.lon
    elif on_street:
        lat = sum(a.lat for a in on_street) / len(on_street)
        lon = sum(a.lon for a in on_street) / len(on_street)
    else:
        lat = lon = 0.0
    where = f"{detail}, {street.name}" if detail and detail != SKIPPED else street.name
    return StreetLocation(usrn=street.usrn, street=street.name, lat=round(lat, 6), lon=round(lon, 6),
                          address_string=f"{where}, {street.town}")


@dataclass(frozen=True)
class MissedBinCheck:
    outcome: str                    # ok, not_available, due_today, not_due
    missed: Optional[Collection] = None
    next_collection: Optional[Collection] = None


def check_missed_bin(calendar: CollectionCalendar, address: Address, stream_key: str, now: datetime,
                     window_days: int) -> MissedBinCheck:
    """Whether a missed-bin report for this stream can be taken now.

    The missed collection is the latest one on or before today (today's counts
    only after 6pm); it must be no more than `window_days` ago.
    """
    streams = {s.key: s for s in calendar.streams_for(address)}
    if stream_key not in streams:
        return MissedBinCheck("not_available")
    stream, today = streams[stream_key], now.date()
    recent = calendar.collections(stream, address, today - timedelta(days=window_days + 14), today)
    upcoming = calendar.next_collection(stream, address, today + timedelta(days=1))
    last = recent[-1] if recent else None
    if last and last.date == today and now.time() < COLLECTION_DAY_ENDS:
        return MissedBinCheck("due_today", next_collection=last)
    if not last or (today - last.date).days > window_days:
        return MissedBinCheck("not_due", next_collection=upcoming)
    return MissedBinCheck("ok", missed=last, next_collection=upcoming)


def address_in_area(gazetteer: Gazetteer, lat: float, lon: float) -> Optional[Address]:
    """The property nearest a shared location, if it is in the council's area (within MAX_LOCATION_METRES)."""
    found = gazetteer.nearest_address(lat, lon)
    return found[0] if found and found[1] <= MAX_LOCATION_METRES else None


def markdown_safe(text: Any) -> str:
    """A resident's words shown back inside our Markdown: no links, emphasis or HTML of theirs."""
    # Only what can make a link, emphasis, code or HTML; "(" alone cannot.
    return re.sub(r"([\\`*_\[\]<>|~])", r"\\\1", _clean(text))


def summary_lines(rows: List[tuple]) -> str:
    return "\n".join(f"- **{label}**: {markdown_safe(value)}" for label, value in rows if value)
