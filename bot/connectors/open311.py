"""Open311 GeoReport v2 connector: any conforming back office (FixMyStreet-style)."""
from __future__ import annotations

import threading
from typing import Any, Dict, List, Optional

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from bot.connectors.base import (BackOfficeRejected, BackOfficeUnavailable, CaseStatus, CaseUpdate,
                                 Connector, NearbyCase, Report, TOKEN_PREFIX)


class Open311Connector(Connector):
    def __init__(self, url: str, api_key: str, jurisdiction_id: Optional[str] = None,
                 timeout: float = 10.0, client_reference_attribute: Optional[str] = None):
        self.url = url.rstrip("/")
        self.api_key = api_key
        self.jurisdiction_id = jurisdiction_id
        self.timeout = (min(3.05, timeout), timeout)   # (connect, read) seconds
        self.client_reference_attribute = client_reference_attribute
        self.session = requests.Session()
        # Reads are safe to retry at once; a POST is never retried here (the outbox does that).
        self.session.mount("http://", HTTPAdapter(max_retries=Retry(total=2, backoff_factor=0.2, allowed_methods={"GET"})))
        self.session.mount("https://", HTTPAdapter(max_retries=Retry(total=2, backoff_factor=0.2, allowed_methods={"GET"})))
        self._cache: Dict[str, Any] = {}
        self._lock = threading.Lock()

    # HTTP ---------------------------------------------------------------------

    def _call(self, method: str, path: str, timeout: Optional[tuple] = None, **kwargs: Any) -> Any:
        try:
            reply = self.session.request(method, f"{self.url}/{path}", timeout=timeout or self.timeout, **kwargs)
        except requests.RequestException as error:
            raise BackOfficeUnavailable(str(error)) from error
        if reply.status_code >= 500:
            raise BackOfficeUnavailable(f"HTTP {reply.status_code}")
        if reply.status_code >= 400:
            raise BackOfficeRejected(reply.status_code, _error_descriptions(reply))
        try:
            return reply.json()
        except ValueError as error:
            raise BackOfficeUnavailable("the back office did not answer in JSON") from error

    def _params(self) -> Dict[str, str]:
        return {"jurisdiction_id": self.jurisdiction_id} if self.jurisdiction_id else {}

    # Catalogue (read once, cached) ---------------------------------------------

    def services(self) -> List[Dict[str, Any]]:
        with self._lock:
            if "services" not in self._cache:
                self._cache["services"] = self._call("GET", "services.json", params=self._params())
            return self._cache["services"]

    def service_definition(self, service_code: str) -> Dict[str, Any]:
        key = f"definition:{service_code}"
        with self._lock:
            if key not in self._cache:
                self._cache[key] = self._call("GET", f"services/{service_code}.json", params=self._params())
            return self._cache[key]

    # Requests -------------------------------------------------------------------

    def form_fields(self, report: Report) -> Dict[str, str]:
        """The POST requests.json body, as the GeoReport v2 spec names its fields."""
        fields: Dict[str, Any] = {"api_key": self.api_key, "service_code": report.service_code, **self._params()}
        if report.address_id:
            fields["address_id"] = report.address_id
        if report.lat is not None and report.long is not None:
            fields["lat"], fields["long"] = f"{report.lat:.6f}", f"{report.long:.6f}"
        for name in ("address_string", "description", "email", "phone", "first_name", "last_name", "media_url"):
            value = getattr(report, name)
            if value:
                fields[name] = value
        for code, value in report.attributes.items():
            if value not in (None, ""):
                fields[f"attribute[{code}]"] = value
        if self.client_reference_attribute:
            fields[f"attribute[{self.client_reference_attribute}]"] = report.reference
        return fields

    def submit(self, report: Report) -> str:
        answer = self._call("POST", "requests.json", data=self.form_fields(report))
        first = answer[0] if isinstance(answer, list) and answer else {}
        reference = first.get("service_request_id")
        if not reference:
            # A back office may answer with a token and give the id later; we keep ours.
            token = first.get("token")
            if token:
                return f"{TOKEN_PREFIX}{token}"
            raise BackOfficeUnavailable("the back office answered without a service_request_id")
        return str(reference)

    def _first(self, path: str) -> Optional[Dict[str, Any]]:
        """The first item a GET answers with; None when the back office does not know it (404 or empty)."""
        try:
            answer = self._call("GET", path, params=self._params())
        except BackOfficeRejected as error:
            if error.status == 404:
                return None
            raise
        return answer[0] if isinstance(answer, list) and answer else None

    def status(self, reference: str) -> Optional[CaseStatus]:
        case = self._first(f"requests/{reference}.json")
        if case is None:
            return None
        return CaseStatus(reference=str(case.get("service_request_id") or reference),
                          status=str(case.get("status") or "open"),
                          service_name=str(case.get("service_name") or ""),
                          notes=case.get("status_notes"), updated=case.get("updated_datetime"))

    def updates(self, start: str, end: str, method: str = "servicerequestupdates") -> List[CaseUpdate]:
        window = {**self._params(), "start_date": start, "end_date": end}
        if method == "requests":
            # GeoReport v2 alone: each request changed in the window, as its current status.
            return sorted((CaseUpdate(reference=str(case["service_request_id"]), status=str(case.get("status") or "open"),
                                      at=str(case.get("updated_datetime") or end), notes=case.get("status_notes") or "")
                           for case in self._call("GET", "requests.json", params=window)), key=lambda u: u.at)
        answer = self._call("GET", "servicerequestupdates.json", params={**window, "api_key": self.api_key})
        if isinstance(answer, dict):
            answer = answer.get("service_request_updates") or []
        return [CaseUpdate(reference=str(item["service_request_id"]), status=str(item.get("status") or "open"),
                           at=str(item.get("updated_datetime") or end), notes=item.get("description") or "",
                           update_id=str(item.get("update_id") or ""))
                for item in answer if item.get("service_request_id")]

    def resolve_token(self, token: str) -> Optional[str]:
        first = self._first(f"tokens/{token}.json") or {}
        return str(first["service_request_id"]) if first.get("service_request_id") else None

    def open_cases(self, service_code: str) -> List[NearbyCase]:
        # Asked while the resident waits for their summary: a slow back office must not hold it up long.
        answer = self._call("GET", "requests.json", timeout=(1.0, 2.0),
                            params={**self._params(), "service_code": service_code, "status": "open"})
        return [NearbyCase(reference=str(case["service_request_id"]), service_code=service_code,
                           lat=float(case["lat"]), long=float(case["long"]),
                           requested=str(case.get("requested_datetime") or ""))
                for case in answer if case.get("lat") is not None and case.get("long") is not None]


def _error_descriptions(reply: requests.Response) -> List[str]:
    try:
        body = reply.json()
    except ValueError:
        return [reply.text[:200]]
    if isinstance(body, list):
        return [str(item.get("description", "")) for item in body if isinstance(item, dict)]
    if isinstance(body, dict) and "description" in body:
        return [str(body["description"])]
    return [str(body)[:200]]
