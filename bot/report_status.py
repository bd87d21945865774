"""Finding a report's status, whether it is still in our outbox or with the back office."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Optional

from bot import catalogue
from bot.connectors.base import BackOfficeRejected, BackOfficeUnavailable, Connector
from bot.outbox import Outbox
from bot.references import OUR_PREFIX
from bot.report_statuses import status as status_of
from bot.report_updates import Change, ReportUpdates


@dataclass(frozen=True)
class StatusAnswer:
    kind: str                   # changed, open, closed, waiting, held, unknown, unavailable
    reference: str
    service: str = ""
    notes: Optional[str] = None
    history: List[Change] = field(default_factory=list)    # newest first

    @property
    def words(self) -> str:
        """The latest status in plain words, following "Your pothole report BRK-1042 …"."""
        return status_of(self.history[0].status).words if self.history else ""


def look_up(reference: str, outbox: Outbox, connector: Connector,
            updates: Optional[ReportUpdates] = None) -> StatusAnswer:
    entry = outbox.get(reference) if reference.startswith(OUR_PREFIX) else None
    if entry is None:
        entry = outbox.find_by_backoffice_reference(reference)
    service = catalogue.service_name(entry.report.service_code) if entry else ""
    if entry and entry.state in ("queued", "sending"):
        return StatusAnswer("waiting", reference, service)
    if entry and entry.state == "rejected":
        return StatusAnswer("held", reference, service)
    backoffice_reference = entry.backoffice_reference if entry else reference
    try:
        status = connector.status(backoffice_reference)
    except (BackOfficeUnavailable, BackOfficeRejected):
        return StatusAnswer("unavailable", reference, service)
    if status is None:
        return StatusAnswer("unknown", reference)
    service = status.service_name or service
    history = updates.history(status.reference) if updates else []
    if history:
        return StatusAnswer("changed", status.reference, service, history=history)
    kind = "closed" if status.status.lower() == "closed" else "open"
    return StatusAnswer(kind, status.reference, service, status.notes)
