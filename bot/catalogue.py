"""The back office's services and their attributes, for asking residents the right questions.

Read from the back office through the connector once per process; when the
back office cannot be reached, the copy in `data/council/open311_services.json`
stands in, so residents can still report while it is down.
"""
from __future__ import annotations

import json
import logging
import time
from functools import lru_cache
from typing import Any, Dict, List, Optional

from bot.connectors.base import BackOfficeRejected, BackOfficeUnavailable
from bot.connectors.config import connector
from bot.settings import council_dir

logger = logging.getLogger(__name__)


@lru_cache(maxsize=None)
def _local_copy() -> Dict[str, Any]:
    with open(council_dir() / "open311_services.json", encoding="utf-8") as handle:
        return json.load(handle)


_fetched: Dict[str, Dict[str, Any]] = {}
_failed_at: Dict[str, float] = {}
# After a failed fetch, use the local copy for this long before asking the back office again.
RETRY_FETCH_SECONDS = 60


def definition(service_code: str) -> Dict[str, Any]:
    if service_code in _fetched:
        return _fetched[service_code]
    if time.monotonic() - _failed_at.get(service_code, -RETRY_FETCH_SECONDS) < RETRY_FETCH_SECONDS:
        return local_definition(service_code)
    try:
        _fetched[service_code] = connector().service_definition(service_code)
        return _fetched[service_code]
    except (BackOfficeUnavailable, BackOfficeRejected) as error:
        logger.warning("Using the local service definition of %s: %s", service_code, error)
        _failed_at[service_code] = time.monotonic()
        return local_definition(service_code)


def local_definition(service_code: str) -> Dict[str, Any]:
    return _local_copy()["definitions"][service_code]


def service_codes() -> List[str]:
    return [service["service_code"] for service in _local_copy()["services"]]


def service_name(service_code: str) -> str:
    for service in _local_copy()["services"]:
        if service["service_code"] == service_code:
            return service["service_name"]
    return service_code.replace("_", " ").capitalize()


def attribute(service_code: str, code: str) -> Optional[Dict[str, Any]]:
    for item in definition(service_code).get("attributes", []):
        if item["code"] == code:
            return item
    return None


def attribute_by_code(code: str) -> Optional[Dict[str, Any]]:
    """An attribute wherever it is defined (attribute codes are unique in the catalogue)."""
    for service_code in _local_copy()["definitions"]:
        found = attribute(service_code, code)
        if found:
            return found
    return None


def asked_attributes(service_code: str, local: bool = False) -> List[Dict[str, Any]]:
    """The attributes a resident is asked for: all but the location ones we fill ourselves."""
    found = local_definition(service_code) if local else definition(service_code)
    return [a for a in sorted(found.get("attributes", []), key=lambda a: a.get("order", 0))
            if a.get("variable", True) and a["code"] not in LOCATION_ATTRIBUTES]


LOCATION_ATTRIBUTES = {"uprn", "usrn"}


def warm() -> None:
    """Read every service definition now, so the first resident does not wait for it."""
    for code in service_codes():
        definition(code)
