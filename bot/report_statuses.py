"""What a back office's status codes mean, from `data/council/report_statuses.yml`."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Dict, Tuple

import yaml

from bot.settings import council_dir

# Other spellings back offices use for the same status.
ALIASES = {
    "not_councils_responsibility": "not_responsible",
    "not_council_responsibility": "not_responsible",
    "unable_to_fix": "no_further_action",
    "in progress": "in_progress",
    "action scheduled": "action_scheduled",
}


@dataclass(frozen=True)
class Status:
    code: str
    open: bool
    words: str          # follows "Your pothole report BRK-1042 …"


@lru_cache(maxsize=None)
def _wording() -> Dict[str, Any]:
    with open(council_dir() / "report_statuses.yml", encoding="utf-8") as handle:
        return yaml.safe_load(handle) or {}


@lru_cache(maxsize=None)
def statuses() -> Dict[str, Status]:
    raw = _wording().get("statuses") or {}
    return {code: Status(code, bool(entry.get("open")), str(entry["words"])) for code, entry in raw.items()}


def status(code: str) -> Status:
    """A status by any of its spellings; one we do not know counts as open, told as it came."""
    key = (code or "open").strip().lower()
    key = ALIASES.get(key, key).replace(" ", "_")
    known = statuses()
    return known.get(key) or Status(key, True, f"has the status '{code.strip()}'")




def compose(fields: Dict[str, str]) -> Tuple[str, str]:
    """The subject and body of a message about a change, from its fields; blank lines dropped."""
    template = _wording()["message"]
    body = template["body"].format(**fields)
    return template["subject"].format(**fields), "\n".join(line for line in body.splitlines() if line.strip()) + "\n"


def in_chat(fields: Dict[str, str]) -> str:
    """The news as one message in the resident's conversation."""
    return _wording()["chat"].format(**fields).strip()
