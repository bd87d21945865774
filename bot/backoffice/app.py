"""The demo back office's Open311 GeoReport v2 HTTP API, under `/open311/v2`."""
from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any, Dict, List, Optional

from sanic import Sanic, response
from sanic.request import Request

from bot.backoffice.store import CaseStore, as_open311, as_update, parse_time
from bot.settings import council_dir

PREFIX = "/open311/v2"
MAX_DESCRIPTION = 4000
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def load_catalogue(path: Optional[Path] = None) -> Dict[str, Any]:
    with open(path or council_dir() / "open311_services.json", encoding="utf-8") as handle:
        return json.load(handle)


def errors(status: int, *descriptions: str):
    """The GeoReport v2 error format: a list of {code, description}."""
    return response.json([{"code": status, "description": d} for d in descriptions], status=status)


def _json_name(name: str) -> Optional[str]:
    return name[:-len(".json")] if name.endswith(".json") else None


class Validator:
    """Checks a POST requests.json as the spec and the service definition say."""

    def __init__(self, catalogue: Dict[str, Any], jurisdiction_id: str):
        self.services = {s["service_code"]: s for s in catalogue["services"]}
        self.definitions = catalogue.get("definitions", {})
        self.jurisdiction_id = jurisdiction_id

    def check(self, form: Dict[str, str]) -> List[str]:
        problems: List[str] = []
        jurisdiction = form.get("jurisdiction_id")
        if jurisdiction and jurisdiction != self.jurisdiction_id:
            problems.append(f"jurisdiction_id '{jurisdiction}' is not served here")
        code = form.get("service_code", "")
        if not code:
            return problems + ["service_code is required"]
        if code not in self.services:
            return problems + [f"service_code '{code}' not found"]
        has_point = form.get("lat") or form.get("long")
        if has_point:
            try:
                lat, long = float(form.get("lat", "")), float(form.get("long", ""))
                if not (-90 <= lat <= 90 and -180 <= long <= 180):
                    problems.append("lat and long must be a valid position")
            except ValueError:
                problems.append("lat and long must both be numbers")
        if not (has_point or form.get("address_string") or form.get("address_id")):
            problems.append("a location is required: lat and long, address_string or address_id")
        if len(form.get("description", "")) > MAX_DESCRIPTION:
            problems.append(f"description must be {MAX_DESCRIPTION} characters or fewer")
        if form.get("email") and not _EMAIL.match(form["email"]):
            problems.append("email is not a valid email address")
        attributes = self.attributes(form)
        for attribute in (self.definitions.get(code) or {}).get("attributes", []):
            value = attributes.get(attribute["code"])
            if attribute.get("required") and attribute.get("variable", True) and not value:
                problems.append(f"attribute[{attribute['code']}] is required")
            allowed = [v["key"] for v in attribute.get("values") or []]
            if value and attribute["datatype"] == "singlevaluelist" and value not in allowed:
                problems.append(f"attribute[{attribute['code']}] must be one of {', '.join(allowed)}")
        return problems

    @staticmethod
    def attributes(form: Dict[str, str]) -> Dict[str, str]:
        return {key[len("attribute["):-1]: value for key, value in form.items()
                if key.startswith("attribute[") and key.endswith("]")}


def create_app(store: Optional[CaseStore] = None, api_key: Optional[str] = None,
               catalogue: Optional[Dict[str, Any]] = None, name: str = "demo_backoffice",
               answer_with_token: Optional[bool] = None) -> Sanic:
    """The demo back office; `answer_with_token` (or BACKOFFICE_ANSWER_WITH_TOKEN=1) answers a new
    request with a token, as a back office that makes its cases later does (GeoReport v2 tokens)."""
    app = Sanic(name)
    catalogue = catalogue or load_catalogue()
    validator = Validator(catalogue, catalogue.get("jurisdiction_id", ""))
    names = {code: s["service_name"] for code, s in validator.services.items()}
    key = api_key or os.environ.get("BACKOFFICE_API_KEY", "")
    if not key:
        raise RuntimeError("Set BACKOFFICE_API_KEY: the demo back office refuses requests without a key")
    if answer_with_token is None:
        answer_with_token = os.environ.get("BACKOFFICE_ANSWER_WITH_TOKEN", "") == "1"

    @app.listener("before_server_start")
    async def open_store(app_, _loop):
        app_.ctx.store = store or CaseStore()

    @app.get("/health")
    async def health(request: Request):
        return response.json({"status": "ok"})

    @app.get(f"{PREFIX}/services.json")
    async def services(request: Request):
        return response.json(catalogue["services"])

    @app.get(f"{PREFIX}/services/<name>")
    async def definition(request: Request, name: str):
        code = _json_name(name)
        found = validator.definitions.get(code or "")
        return response.json(found) if found else errors(404, f"service_code '{code}' not found")

    @app.post(f"{PREFIX}/requests.json")
    async def create(request: Request):
        form = {k: v[0] for k, v in (request.form or {}).items()}
        if form.get("api_key") != key:
            return errors(403, "api_key is missing or not valid")
        problems = validator.check(form)
        if problems:
            return errors(400, *problems)
        attributes = validator.attributes(form)
        case = request.app.ctx.store.create({
            "service_code": form["service_code"],
            "client_reference": attributes.pop("client_reference", None) or None,
            "description": form.get("description"),
            "lat": float(form["lat"]) if form.get("lat") else None,
            "long": float(form["long"]) if form.get("long") else None,
            "address_string": form.get("address_string"),
            "address_id": form.get("address_id"),
            "attributes": attributes,
            "contact": {k: form[k] for k in ("email", "phone", "first_name", "last_name", "device_id", "account_id")
                        if form.get(k)},
            "media_url": form.get("media_url"),
        })
        notice = "We will look at your report within 5 working days."
        if answer_with_token:
            token = request.app.ctx.store.new_token(case["service_request_id"])
            return response.json([{"token": token, "service_notice": notice}])
        return response.json([{"service_request_id": case["service_request_id"],
                                "service_notice": notice, "account_id": None}])

    def period(request: Request):
        try:
            return parse_time(request.args.get("start_date")), parse_time(request.args.get("end_date"))
        except ValueError:
            return None

    @app.get(f"{PREFIX}/requests.json")
    async def search(request: Request):
        ids = [i.strip() for i in request.args.get("service_request_id", "").split(",") if i.strip()]
        times = period(request)
        if times is None:
            return errors(400, "start_date and end_date must be ISO 8601 times")
        start, end = times
        found = request.app.ctx.store.search(ids=ids or None, service_code=request.args.get("service_code"),
                                             status=request.args.get("status"), start=start, end=end)
        return response.json([as_open311(c, names.get(c["service_code"], "")) for c in found])

    @app.get(f"{PREFIX}/servicerequestupdates.json")
    async def service_request_updates(request: Request):
        if request.args.get("api_key") != key:
            return errors(403, "api_key is missing or not valid")
        times = period(request)
        if times is None:
            return errors(400, "start_date and end_date must be ISO 8601 times")
        start, end = times
        return response.json({"service_request_updates": [as_update(u) for u in request.app.ctx.store.updates(start, end)]})

    @app.get(f"{PREFIX}/tokens/<name>")
    async def token(request: Request, name: str):
        found = request.app.ctx.store.by_token(_json_name(name) or "")
        if not found:
            return errors(404, f"token '{_json_name(name)}' not found")
        return response.json([{"service_request_id": found, "token": _json_name(name)}])

    @app.get(f"{PREFIX}/requests/<name>")
    async def one(request: Request, name: str):
        case = request.app.ctx.store.get(_json_name(name) or "")
        if not case:
            return errors(404, f"service_request_id '{_json_name(name)}' not found")
        return response.json([as_open311(case, names.get(case["service_code"], ""))])

    return app
