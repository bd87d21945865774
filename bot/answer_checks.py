"""The forms' answers checked again just before anything is filed.

Anyone who can reach the action server can call a submit action with slots that
never went through the form. Filing re-runs the checks the form validators make,
with the same functions, and refuses what they would have refused.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Dict, List, Mapping, Optional

from bot import catalogue, reporting
from bot.council_data import calendar, gazetteer

# The longest answer to each callback question (validate_callback_form uses these too).
CALLBACK_LIMITS: Dict[str, int] = {"callback_name": 100, "callback_time": 100, "callback_about": 1000}


def _short(value: Any, limit: int = reporting.MAX_SHORT_ANSWER) -> bool:
    """A typed answer the form keeps: some words, not too long."""
    return isinstance(value, str) and 0 < len(value.strip()) <= limit


def _attribute_problems(service_code: str, slots: Mapping[str, Any]) -> List[str]:
    found = []
    for attribute in catalogue.asked_attributes(service_code):
        slot, value = f"attr_{attribute['code']}", slots.get(f"attr_{attribute['code']}")
        if value is None or value == reporting.SKIPPED:
            # Optional questions may be skipped, or not asked once the problem is described.
            ok = not attribute.get("required")
        elif attribute.get("datatype") == "singlevaluelist":
            ok = value in {choice["key"] for choice in attribute.get("values") or []}
        else:
            ok = _short(value)
        if not ok:
            found.append(slot)
    return found


def _position_problems(slots: Mapping[str, Any]) -> List[str]:
    """"Use my location": a point near one of the council's properties, or none at all."""
    lat, lon = slots.get("report_lat"), slots.get("report_long")
    if lat is None and lon is None:
        return []
    try:
        lat, lon = float(lat), float(lon)
    except (TypeError, ValueError):
        return ["report_lat"]
    return [] if reporting.address_in_area(gazetteer(), lat, lon) else ["report_lat"]


def _where_problems(service_code: str, slots: Mapping[str, Any], now: datetime, window_days: int) -> List[str]:
    if service_code == "missed_bin":
        address = gazetteer().address(str(slots.get("address_uprn") or ""))
        if address is None:
            return ["address_uprn"]
        check = reporting.check_missed_bin(calendar(), address, str(slots.get("attr_bin_type")), now, window_days)
        return [] if check.outcome == "ok" else ["attr_bin_type"]
    street = gazetteer().find_street(str(slots.get("street") or ""))
    found = [] if street and street.council_maintained and street.road_status != "private" else ["street"]
    if not _short(slots.get("location_detail")):
        found.append("location_detail")
    return found + _position_problems(slots)


def report_problems(service_code: Optional[str], slots: Mapping[str, Any], now: datetime,
                    window_days: int) -> List[str]:
    """The slots the report's form would not have accepted; empty when it may be filed."""
    if service_code not in catalogue.service_codes():
        return ["service"]
    found = _where_problems(service_code, slots, now, window_days) + _attribute_problems(service_code, slots)
    description = slots.get("description")
    # Every form but the missed bin's asks for it ("skipped" when the resident skips it).
    unasked = description is None and service_code == "missed_bin"
    if not unasked and not _short(description, reporting.MAX_DESCRIPTION):
        found.append("description")
    if reporting.parse_contact(slots.get("contact")) is None:
        found.append("contact")
    return list(dict.fromkeys(found))


def callback_problems(slots: Mapping[str, Any]) -> List[str]:
    """The callback form's slots it would not have accepted; empty when the callback may be booked."""
    found = [slot for slot, limit in CALLBACK_LIMITS.items() if not _short(slots.get(slot), limit)]
    contact = reporting.parse_contact(slots.get("callback_contact"))
    if contact is None or contact.anonymous:
        found.append("callback_contact")
    return found
