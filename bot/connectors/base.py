"""What every back-office connector offers the assistant."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional


# Begins the reference of a report the back office answered with a token (GeoReport v2 tokens).
TOKEN_PREFIX = "token:"


class BackOfficeUnavailable(Exception):
    """The back office could not be reached or did not answer in time: try again later."""


class BackOfficeRejected(Exception):
    """The back office refused the report (bad data or key): retrying will not help."""

    def __init__(self, status: int, descriptions: List[str]):
        super().__init__("; ".join(descriptions) or f"HTTP {status}")
        self.status = status
        self.descriptions = descriptions


@dataclass
class Report:
    """A resident's report, in the back office's terms."""
    reference: str                      # ours: also the idempotency key
    service_code: str
    description: str = ""
    address_id: Optional[str] = None    # a property's UPRN
    lat: Optional[float] = None
    long: Optional[float] = None
    address_string: Optional[str] = None
    attributes: Dict[str, str] = field(default_factory=dict)
    email: Optional[str] = None
    phone: Optional[str] = None
    first_name: Optional[str] = None
    last_name: Optional[str] = None
    media_url: Optional[str] = None

    def to_dict(self) -> Dict[str, Any]:
        return dict(self.__dict__)

    @classmethod
    def from_dict(cls, data: Dict[str, Any]) -> "Report":
        return cls(**data)


@dataclass
class CaseStatus:
    reference: str
    status: str                         # open or closed
    service_name: str = ""
    notes: Optional[str] = None
    updated: Optional[str] = None


@dataclass(frozen=True)
class CaseUpdate:
    """One change to a case, as the back office tells it."""
    reference: str                      # the back office's reference
    status: str                         # its status code (fixed, action_scheduled, closed ...)
    at: str                             # ISO 8601
    notes: str = ""
    update_id: str = ""                 # the back office's id for the change, where it has one


@dataclass(frozen=True)
class NearbyCase:
    """An open case the back office already has, to offer instead of a new report."""
    reference: str
    service_code: str
    lat: float
    long: float
    requested: str                      # ISO 8601


class Connector:
    def submit(self, report: Report) -> str:
        """File a report; the back office's reference. Raises BackOfficeUnavailable or BackOfficeRejected."""
        raise NotImplementedError

    def status(self, reference: str) -> Optional[CaseStatus]:
        """A case's status, or None if the back office does not know the reference."""
        raise NotImplementedError

    def service_definition(self, service_code: str) -> Dict[str, Any]:
        """The attributes a service needs, in Open311 service-definition form."""
        raise NotImplementedError

    def updates(self, start: str, end: str, method: str = "servicerequestupdates") -> List[CaseUpdate]:
        """Changes to cases between two ISO 8601 times, oldest first."""
        raise NotImplementedError

    def resolve_token(self, token: str) -> Optional[str]:
        """The back office's reference for a report it answered with a token, once it has one."""
        raise NotImplementedError

    def open_cases(self, service_code: str) -> List[NearbyCase]:
        """Open cases of one service that have a position."""
        raise NotImplementedError
