"""Build the configured connector from `data/council/backoffice.yml` and the environment."""
from __future__ import annotations

import os
from functools import lru_cache
from typing import Any, Dict

import yaml

from bot.connectors.base import Connector
from bot.settings import council_dir


def backoffice_config() -> Dict[str, Any]:
    with open(council_dir() / "backoffice.yml", encoding="utf-8") as handle:
        return yaml.safe_load(handle) or {}


def build_connector(config: Dict[str, Any]) -> Connector:
    kind = config.get("connector", "open311")
    if kind == "open311":
        from bot.connectors.open311 import Open311Connector
        options = config.get("open311") or {}
        return Open311Connector(
            url=os.environ.get("BACKOFFICE_OPEN311_URL") or options["url"],
            api_key=os.environ.get("BACKOFFICE_API_KEY", ""),
            jurisdiction_id=options.get("jurisdiction_id"),
            timeout=float(options.get("timeout_seconds", 10)),
            client_reference_attribute=options.get("client_reference_attribute"),
        )
    raise ValueError(f"Unknown back-office connector '{kind}' in backoffice.yml")


@lru_cache(maxsize=None)
def connector() -> Connector:
    """The configured connector (one per process, so its catalogue cache is shared)."""
    return build_connector(backoffice_config())
