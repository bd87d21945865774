"""Shared fixtures: the project domain, and trackers and dispatchers from rasa-sdk."""
from __future__ import annotations

import asyncio
import os
import tempfile
from typing import Any, Dict, List, Optional

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
# Unit and action tests get their own database, and a back office that is down
# (nothing listens on port 9); end-to-end tests start real ones.
_TEST_DIR = tempfile.mkdtemp(prefix='council-tests-')
os.environ["DATABASE_URL"] = f"sqlite:///{_TEST_DIR}/assistant.db"
# Photos and published models too: nothing a test does lands in the checkout's var/.
os.environ["FILE_STORE_DIR"] = f"{_TEST_DIR}/files"
os.environ["BACKOFFICE_OPEN311_URL"] = "http://127.0.0.1:9/open311/v2"
os.environ["BACKOFFICE_API_KEY"] = "unit-test-key"

from rasa_sdk import Tracker  # noqa: E402
from rasa_sdk.executor import CollectingDispatcher  # noqa: E402

from bot.settings import PROJECT_ROOT  # noqa: E402


@pytest.fixture(scope="session")
def domain() -> Dict[str, Any]:
    from rasa.shared.core.domain import Domain
    return Domain.load(str(PROJECT_ROOT / "data" / "domain")).as_dict()


def make_tracker(slots: Optional[Dict[str, Any]] = None, text: str = "", intent: str = "inform",
                 entities: Optional[List[Dict[str, Any]]] = None, events: Optional[List[Dict]] = None,
                 parse_data: Optional[Dict[str, Any]] = None, active_loop: Optional[str] = None) -> Tracker:
    latest = parse_data or {
        "text": text,
        "intent": {"name": intent, "confidence": 1.0},
        "intent_ranking": [{"name": intent, "confidence": 1.0}],
        "entities": entities or [],
    }
    return Tracker(
        sender_id="test-resident",
        slots=slots or {},
        latest_message=latest,
        events=events or [],
        paused=False,
        followup_action=None,
        active_loop={"name": active_loop} if active_loop else {},
        latest_action_name="action_listen",
    )


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()


def run(coro):
    return asyncio.run(coro)


# The whole assistant, started once for the end-to-end and browser tests, on a
# fixed day: Thursday 24 December 2026, the festive week.
STACK_TODAY = "2026-12-24"
# A Thursday morning: the contact centre is open, so handovers go to the live queue.
STACK_TIME = "10:30"


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    from tests.stack import Stack
    running = Stack(tmp_path_factory.mktemp("stack"), env={"BOT_TODAY": STACK_TODAY, "BOT_TIME": STACK_TIME}).start()
    yield running
    running.stop()
