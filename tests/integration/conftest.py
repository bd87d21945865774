import pytest

from tests.stack import Stack

# A fixed day for the whole stack: Thursday 24 December 2026, the festive week.
STACK_TODAY = "2026-12-24"


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    running = Stack(tmp_path_factory.mktemp("stack"), env={"BOT_TODAY": STACK_TODAY}).start()
    yield running
    running.stop()
