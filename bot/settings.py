"""The council's settings and where the project's files live.

Everything that names the council comes from `data/council/settings.yml`, so
another council adopts the project by editing that file and the reference data.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Tuple

import yaml

PROJECT_ROOT = Path(__file__).resolve().parent.parent


# Loopback unless its `*_HOST` variable says otherwise: Rasa's HTTP API and the action server trust
# their callers, so only this machine reaches them. On several hosts, a private address (README,
# "Network rules for production").
DEFAULT_LISTEN_HOST = "127.0.0.1"


def listen_host(variable: str, env: Optional[Mapping[str, str]] = None) -> str:
    """The address a process listens on: the environment's `variable` (`RASA_HOST`…), else loopback."""
    env = os.environ if env is None else env
    return env.get(variable) or DEFAULT_LISTEN_HOST


def council_dir() -> Path:
    """Folder of the council's reference data (`BOT_COUNCIL_DIR` overrides it)."""
    return Path(os.environ.get("BOT_COUNCIL_DIR", PROJECT_ROOT / "data" / "council"))


@dataclass(frozen=True)
class Council:
    name: str
    short_name: str
    assistant_name: str
    website: str
    phone: str
    emergency_phone: str
    opening_hours_text: str
    privacy_notice_url: str
    find_your_council_url: str
    timezone: str = "Europe/London"
    postcode_districts: Tuple[str, ...] = ()
    opening_hours: Dict[str, Tuple[str, str]] = field(default_factory=dict)
    missed_bin_report_days: int = 3
    highway_authority_urls: Dict[str, str] = field(default_factory=dict)
    minutes_per_conversation: int = 4
    saved_replies: Tuple[Tuple[str, str], ...] = ()

    def url(self, path: str = "") -> str:
        """A page on the council's website."""
        return self.website.rstrip("/") + "/" + path.lstrip("/") if path else self.website

    def response_values(self) -> Dict[str, str]:
        """Values that the assistant's responses use as `{placeholders}`."""
        return {
            "council_name": self.name,
            "council_website": self.website.rstrip("/"),
            "council_phone": self.phone,
            "council_opening_hours": self.opening_hours_text,
            "council_emergency_phone": self.emergency_phone,
        }


REQUIRED_KEYS: List[str] = [
    "name", "short_name", "assistant_name", "website", "phone", "emergency_phone",
    "opening_hours_text", "privacy_notice_url", "find_your_council_url",
]


def load_council(path: Path) -> Council:
    with open(path, encoding="utf-8") as handle:
        raw = (yaml.safe_load(handle) or {}).get("council") or {}
    missing = [key for key in REQUIRED_KEYS if not raw.get(key)]
    if missing:
        raise ValueError(f"{path}: council settings are missing {', '.join(missing)}")
    centre = raw.get("contact_centre") or {}
    hours = {day.lower(): (str(span[0]), str(span[1]))
             for day, span in (raw.get("opening_hours") or {}).items()}
    return Council(
        **{key: str(raw[key]) for key in REQUIRED_KEYS},
        timezone=str(raw.get("timezone", "Europe/London")),
        postcode_districts=tuple(str(d).upper() for d in raw.get("postcode_districts", [])),
        opening_hours=hours,
        missed_bin_report_days=int(raw.get("missed_bin_report_days", 3)),
        highway_authority_urls={str(k): str(v) for k, v in (raw.get("highway_authority_urls") or {}).items()},
        minutes_per_conversation=int(centre.get("minutes_per_conversation", 4)),
        saved_replies=tuple((str(reply["title"]), str(reply["text"])) for reply in centre.get("saved_replies") or []),
    )


@lru_cache(maxsize=None)
def council() -> Council:
    """The configured council (read once per process)."""
    return load_council(council_dir() / "settings.yml")


def proxy_settings() -> Dict[str, object]:
    """Which proxy headers the web app believes about the client (Sanic's settings, same names).

    `PROXIES_COUNT`: how many proxies in front each add to X-Forwarded-For (0: the web app faces
    clients itself, and the header is ignored, since anyone can send it). `REAL_IP_HEADER`: a header
    the one trusted proxy sets to the client's address. `FORWARDED_SECRET`: the secret a proxy puts
    in an RFC 7239 `Forwarded` header. Trusted proxies' X-Forwarded-Proto counts too (HTTPS)."""
    return {"PROXIES_COUNT": max(0, int(os.environ.get("PROXIES_COUNT", "0"))),
            "REAL_IP_HEADER": os.environ.get("REAL_IP_HEADER") or None,
            "FORWARDED_SECRET": os.environ.get("FORWARDED_SECRET") or None}


def web_public_url() -> str:
    """The web app as residents' browsers and the back office reach it (`WEB_PUBLIC_URL`): links to
    residents' photos start with it, never with a request's own Host header."""
    default = f"http://localhost:{os.environ.get('WEB_PORT', '8000')}"
    return (os.environ.get("WEB_PUBLIC_URL") or default).rstrip("/")


def photo_max_pixels() -> int:
    """The largest photo the web app decodes, in pixels (`PHOTO_MAX_PIXELS`). 40 million is well above
    the 12 megapixels most phone cameras save; decoding takes 3 to 4 bytes a pixel."""
    return int(os.environ.get("PHOTO_MAX_PIXELS", "40000000"))


def photo_uploads_per_minute() -> int:
    """Photos one client address may upload in a minute (`PHOTO_UPLOADS_PER_MINUTE`)."""
    return int(os.environ.get("PHOTO_UPLOADS_PER_MINUTE", "10"))
