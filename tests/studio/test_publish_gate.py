"""The publish gate fails closed: a test run that crashed is not a pass (issue 15)."""
import json
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.studio.publish import PublishError, Publisher


class FakeRasa:
    """`rasa test nlu` writes its report; `rasa test core` exits with `core_status`."""

    def __init__(self, core_status: int):
        self.core_status = core_status

    def __call__(self, args, timeout, on_line=None):
        out = args[args.index("--out") + 1]
        if args[:2] == ["test", "nlu"]:
            Path(out).mkdir(parents=True, exist_ok=True)
            Path(out, "intent_report.json").write_text(json.dumps(
                {"accuracy": 0.95, "weighted avg": {"f1-score": 0.94}}))
            return subprocess.CompletedProcess(args, 0, "", "")
        return subprocess.CompletedProcess(args, self.core_status, "Traceback: something broke", "")


@pytest.fixture
def publisher(tmp_path):
    publisher = Publisher(sa.create_engine(f"sqlite:///{tmp_path}/studio.db", future=True))
    publisher.work = tmp_path / "work"
    return publisher


def test_a_crashed_test_run_stops_the_publish(publisher, tmp_path):
    publisher._rasa = FakeRasa(core_status=1)
    with pytest.raises(PublishError, match="could not be run"):
        publisher._evaluate(tmp_path / "model.tar.gz", "candidate")


def test_a_clean_test_run_counts_its_failed_conversations(publisher, tmp_path):
    publisher._rasa = FakeRasa(core_status=0)
    assert publisher._evaluate(tmp_path / "model.tar.gz", "candidate") == (0.95, 0.94, 0)
