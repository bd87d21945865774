"""Before a report is filed: is the same problem already reported close by and still open?

FixMyStreet shows nearby reports before a new one is made; we ask the back
office for its open cases of the service (GeoReport v2 `requests.json` by
service code and status) and look in our own outbox for reports not yet
delivered. How close counts is `duplicates.within_metres` in backoffice.yml.
"""
from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import date
from typing import Any, Dict, List, Optional

from bot.connectors.base import BackOfficeRejected, BackOfficeUnavailable, Connector, NearbyCase
from bot.db import from_iso
from bot.outbox import Outbox

logger = logging.getLogger(__name__)

EARTH_RADIUS_M = 6_371_000
# A missed bin is about one household's collection: a neighbour's is not the same report.
NOT_CHECKED = ("missed_bin",)


@dataclass(frozen=True)
class Duplicate:
    reference: str
    metres: int
    reported_on: date


def within_metres(config: Dict[str, Any]) -> float:
    return float((config.get("duplicates") or {}).get("within_metres", 50))


def metres_between(lat1: float, long1: float, lat2: float, long2: float) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(long2 - long1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def _waiting_in_outbox(outbox: Outbox, service_code: str) -> List[NearbyCase]:
    """Our reports the back office does not have yet: it cannot list them."""
    return [NearbyCase(reference=entry.reference, service_code=service_code, lat=entry.report.lat,
                       long=entry.report.long, requested=entry.created_at.isoformat())
            for state in ("queued", "sending") for entry in outbox.entries(state=state)
            if entry.report.service_code == service_code and entry.report.lat is not None
            and entry.report.long is not None]


def nearest_open(service_code: str, lat: Optional[float], long: Optional[float], connector: Connector,
                 outbox: Outbox, within: float) -> Optional[Duplicate]:
    """The closest open report of the same service within `within` metres, if any."""
    if service_code in NOT_CHECKED or lat is None or long is None or (lat, long) == (0.0, 0.0):
        return None
    try:
        cases = connector.open_cases(service_code)
    except (BackOfficeUnavailable, BackOfficeRejected) as error:
        # Checking is a courtesy: the report is still filed (the back office merges any duplicate).
        logger.warning("Could not check for nearby %s reports: %s", service_code, error)
        cases = []
    found = [(metres_between(lat, long, case.lat, case.long), case)
             for case in cases + _waiting_in_outbox(outbox, service_code)]
    close = sorted((pair for pair in found if pair[0] <= within), key=lambda pair: pair[0])
    if not close:
        return None
    metres, case = close[0]
    return Duplicate(case.reference, int(round(metres)), from_iso(case.requested).date())
