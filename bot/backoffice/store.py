"""The demo back office's own tables (its own database, `BACKOFFICE_DATABASE_URL`)."""
from __future__ import annotations

import json
import os
import secrets
from datetime import datetime, timezone
from typing import Any, Dict, List, Optional

import sqlalchemy as sa

from bot.db import from_iso
from bot.report_statuses import statuses
from bot.settings import PROJECT_ROOT

REFERENCE_PREFIX = "BRK-"

metadata = sa.MetaData()
cases = sa.Table(
    "backoffice_cases", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("service_request_id", sa.String(32), unique=True),
    sa.Column("client_reference", sa.String(64), unique=True, nullable=True),
    sa.Column("service_code", sa.String(64), nullable=False),
    sa.Column("status", sa.String(16), nullable=False, default="open"),
    sa.Column("status_notes", sa.Text, nullable=True),
    sa.Column("description", sa.Text, nullable=True),
    sa.Column("lat", sa.Float, nullable=True),
    sa.Column("long", sa.Float, nullable=True),
    sa.Column("address_string", sa.Text, nullable=True),
    sa.Column("address_id", sa.String(64), nullable=True),
    sa.Column("attributes", sa.Text, nullable=False, default="{}"),
    sa.Column("contact", sa.Text, nullable=False, default="{}"),
    sa.Column("media_url", sa.Text, nullable=True),
    sa.Column("requested_datetime", sa.DateTime, nullable=False),
    sa.Column("updated_datetime", sa.DateTime, nullable=False),
)
# Every status change, as FixMyStreet's servicerequestupdates gives them.
updates = sa.Table(
    "backoffice_updates", metadata,
    sa.Column("update_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("service_request_id", sa.String(32), nullable=False, index=True),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("description", sa.Text, nullable=True),
    sa.Column("updated_datetime", sa.DateTime, nullable=False, index=True),
)
# Cases answered with a token (a back office that cannot give its id at once).
tokens = sa.Table(
    "backoffice_tokens", metadata,
    sa.Column("token", sa.String(64), primary_key=True),
    sa.Column("service_request_id", sa.String(32), nullable=False),
)


def status_codes():
    """The statuses a case can have: the ones residents can be told about."""
    return tuple(statuses())


def open311_status(code: str) -> str:
    """GeoReport v2 knows only open and closed."""
    known = statuses().get(code)
    return "open" if known is None or known.open else "closed"


def default_url() -> str:
    url = os.environ.get("BACKOFFICE_DATABASE_URL", "").strip()
    if url:
        return url
    path = PROJECT_ROOT / "var" / "backoffice.db"
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)


def _iso(moment: datetime) -> str:
    return moment.replace(tzinfo=timezone.utc).isoformat()


class CaseStore:
    def __init__(self, url: Optional[str] = None):
        self.engine = sa.create_engine(url or default_url(), future=True)
        metadata.create_all(self.engine)

    def create(self, fields: Dict[str, Any]) -> Dict[str, Any]:
        """Store a new case; a repeated client reference returns the case already stored."""
        with self.engine.begin() as db:
            reference = fields.get("client_reference")
            if reference:
                existing = db.execute(sa.select(cases).where(cases.c.client_reference == reference)).mappings().first()
                if existing:
                    return dict(existing)
            now = _now()
            row = {**fields, "status": "open", "requested_datetime": now, "updated_datetime": now,
                   "attributes": json.dumps(fields.get("attributes") or {}),
                   "contact": json.dumps(fields.get("contact") or {})}
            new_id = db.execute(cases.insert().values(**row)).inserted_primary_key[0]
            db.execute(cases.update().where(cases.c.id == new_id)
                       .values(service_request_id=f"{REFERENCE_PREFIX}{1000 + new_id}"))
            return dict(db.execute(sa.select(cases).where(cases.c.id == new_id)).mappings().one())

    def get(self, service_request_id: str) -> Optional[Dict[str, Any]]:
        with self.engine.connect() as db:
            row = db.execute(sa.select(cases).where(cases.c.service_request_id == service_request_id)).mappings().first()
            return dict(row) if row else None

    def search(self, ids: Optional[List[str]] = None, service_code: Optional[str] = None,
               status: Optional[str] = None, start: Optional[datetime] = None, end: Optional[datetime] = None,
               limit: int = 1000) -> List[Dict[str, Any]]:
        """Cases, newest first; `status` is GeoReport's open or closed; start and end bound updated_datetime."""
        query = sa.select(cases).order_by(cases.c.id.desc()).limit(limit)
        if ids:
            query = query.where(cases.c.service_request_id.in_(ids))
        if service_code:
            query = query.where(cases.c.service_code == service_code)
        if status:
            query = query.where(cases.c.status.in_([c for c in status_codes() if open311_status(c) == status]))
        if start:
            query = query.where(cases.c.updated_datetime >= start)
        if end:
            query = query.where(cases.c.updated_datetime <= end)
        with self.engine.connect() as db:
            return [dict(row) for row in db.execute(query).mappings()]

    def set_status(self, service_request_id: str, status: str, notes: Optional[str] = None) -> bool:
        if status not in status_codes():
            raise ValueError(f"status must be one of {', '.join(status_codes())}")
        now = _now()
        with self.engine.begin() as db:
            changed = db.execute(cases.update().where(cases.c.service_request_id == service_request_id)
                                 .values(status=status, status_notes=notes, updated_datetime=now))
            if changed.rowcount != 1:
                return False
            db.execute(updates.insert().values(service_request_id=service_request_id, status=status,
                                               description=notes, updated_datetime=now))
            return True

    def updates(self, start: Optional[datetime] = None, end: Optional[datetime] = None) -> List[Dict[str, Any]]:
        """Status changes, oldest first."""
        query = sa.select(updates).order_by(updates.c.update_id)
        if start:
            query = query.where(updates.c.updated_datetime >= start)
        if end:
            query = query.where(updates.c.updated_datetime <= end)
        with self.engine.connect() as db:
            return [dict(row) for row in db.execute(query).mappings()]

    def new_token(self, service_request_id: str) -> str:
        token = secrets.token_hex(8)
        with self.engine.begin() as db:
            db.execute(tokens.insert().values(token=token, service_request_id=service_request_id))
        return token

    def by_token(self, token: str) -> Optional[str]:
        with self.engine.connect() as db:
            return db.execute(sa.select(tokens.c.service_request_id).where(tokens.c.token == token)).scalar()


def as_open311(case: Dict[str, Any], service_name: str) -> Dict[str, Any]:
    """A stored case in the GeoReport v2 `requests` format."""
    return {
        "service_request_id": case["service_request_id"],
        "status": open311_status(case["status"]),
        "status_notes": case["status_notes"],
        "service_name": service_name,
        "service_code": case["service_code"],
        "description": case["description"],
        "agency_responsible": None,
        "service_notice": None,
        "requested_datetime": _iso(case["requested_datetime"]),
        "updated_datetime": _iso(case["updated_datetime"]),
        "expected_datetime": None,
        "address": case["address_string"],
        "address_id": case["address_id"],
        "zipcode": None,
        "lat": case["lat"],
        "long": case["long"],
        "media_url": case["media_url"],
    }


def as_update(update: Dict[str, Any]) -> Dict[str, Any]:
    """A status change in FixMyStreet's servicerequestupdates format."""
    return {
        "update_id": str(update["update_id"]),
        "service_request_id": update["service_request_id"],
        "status": update["status"].upper(),
        "updated_datetime": _iso(update["updated_datetime"]),
        "description": update["description"] or "",
        "media_url": "",
    }


def parse_time(text: Optional[str]) -> Optional[datetime]:
    """An ISO 8601 time from a query, as the naive UTC the tables keep."""
    return from_iso(text) if text else None
