"""Publishing: check the content, train a candidate model in the background,
evaluate it, and only then, on an editor's word, put it live: written to the
model store (bot/model_store.py), which every Rasa server pulls from (no
restart). The model it replaced is kept there for a one-click rollback.

A publish moves through: checking, training, evaluating, then `ready`, or
`needs_confirmation` when the evaluation got worse by more than the margin,
or `failed`. From `ready` (or a confirmed `needs_confirmation`) it goes `live`.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import subprocess
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Optional

import sqlalchemy as sa
import yaml

from bot.db import utcnow
from bot.model_store import ModelStore, default_model_store
from bot.schema import metadata, ready
from bot.settings import PROJECT_ROOT
from bot.studio import checks
from bot.studio.content import Content
from bot.studio.model_archive import with_new_answers

logger = logging.getLogger(__name__)

DATA_ARGS = ["--domain", "data/domain", "--data", "data/nlu", "data/rules", "data/stories", "--config", "config.yml"]
RUNNING = ("checking", "training", "evaluating")
TRAIN_STEP = re.compile(r"Starting to train component '(\w+)'")

publishes = sa.Table(
    "studio_publishes", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("started_by", sa.String(64), nullable=False),
    sa.Column("started_at", sa.DateTime, nullable=False),
    sa.Column("finished_at", sa.DateTime, nullable=True),
    sa.Column("state", sa.String(24), nullable=False, index=True),
    sa.Column("stage", sa.Text, nullable=False, default=""),
    sa.Column("progress", sa.Integer, nullable=False, default=0),
    sa.Column("problems", sa.Text, nullable=True),             # JSON list of plain-English sentences
    sa.Column("understanding", sa.String(64), nullable=True),  # hash of everything but the answers' text
    sa.Column("model_path", sa.Text, nullable=True),
    sa.Column("accuracy", sa.Float, nullable=True),
    sa.Column("f1", sa.Float, nullable=True),
    sa.Column("stories_failed", sa.Integer, nullable=True),
    sa.Column("baseline_accuracy", sa.Float, nullable=True),
    sa.Column("baseline_stories_failed", sa.Integer, nullable=True),
    sa.Column("previous_model_path", sa.Text, nullable=True),
    sa.Column("live_at", sa.DateTime, nullable=True),
    sa.Column("live_by", sa.String(64), nullable=True),
    sa.Column("rolled_back_at", sa.DateTime, nullable=True),
)


def margin() -> float:
    """A drop in held-out accuracy bigger than this needs an explicit confirmation (`STUDIO_MAX_DROP`)."""
    return float(os.environ.get("STUDIO_MAX_DROP", "0.02"))


@dataclass
class Publish:
    id: int
    started_by: str
    state: str
    stage: str
    progress: int
    problems: List[str]
    accuracy: Optional[float]
    f1: Optional[float]
    stories_failed: Optional[int]
    baseline_accuracy: Optional[float]
    baseline_stories_failed: Optional[int]
    answers_only: bool
    model_path: Optional[str]
    previous_model_path: Optional[str]
    started_at: Any
    finished_at: Any
    live_at: Any

    @property
    def change(self) -> Optional[float]:
        if self.accuracy is None or self.baseline_accuracy is None:
            return None
        return self.accuracy - self.baseline_accuracy

    def to_dict(self) -> Dict[str, Any]:
        data = {key: getattr(self, key) for key in self.__dataclass_fields__}
        for key in ("started_at", "finished_at", "live_at"):
            data[key] = data[key].isoformat() + "Z" if data[key] else None
        data["change"] = self.change
        return data


def understanding_hash(root: Path) -> str:
    """What the model learns from: training data, rules, stories, config and the domain
    without its answers' text. Equal hashes mean only answers changed."""
    digest = hashlib.sha256()
    for folder in ("data/nlu", "data/rules", "data/stories"):
        for path in sorted((root / folder).glob("*.yml")):
            digest.update(path.name.encode() + path.read_bytes())
    digest.update((root / "config.yml").read_bytes())
    for path in sorted((root / "data/domain").glob("*.yml")):
        domain = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        # Which responses exist matters; what they say does not.
        domain["responses"] = sorted(domain.get("responses") or {})
        digest.update(path.name.encode() + json.dumps(domain, sort_keys=True, default=str).encode())
    return digest.hexdigest()


class Publisher:
    def __init__(self, engine: sa.engine.Engine, content: Optional[Content] = None,
                 models: Optional[ModelStore] = None):
        self.engine = engine
        self.content = content or Content()
        self.root = self.content.root
        self.models = models or default_model_store()
        self.work = self.root / "models" / "studio"
        self._lock = threading.Lock()
        self._thread: Optional[threading.Thread] = None   # the publish running in this process, if any
        ready(engine)

    # Reading -------------------------------------------------------------------------

    def _publish(self, row) -> Publish:
        return Publish(
            id=row["id"], started_by=row["started_by"], state=row["state"], stage=row["stage"] or "",
            progress=row["progress"] or 0, problems=json.loads(row["problems"] or "[]"), accuracy=row["accuracy"],
            f1=row["f1"], stories_failed=row["stories_failed"], baseline_accuracy=row["baseline_accuracy"],
            baseline_stories_failed=row["baseline_stories_failed"], model_path=row["model_path"],
            answers_only=row["accuracy"] is None and row["state"] in ("ready", "live", "rolled_back"),
            previous_model_path=row["previous_model_path"], started_at=row["started_at"],
            finished_at=row["finished_at"], live_at=row["live_at"])

    def get(self, publish_id: int) -> Optional[Publish]:
        with self.engine.connect() as db:
            row = db.execute(sa.select(publishes).where(publishes.c.id == publish_id)).mappings().first()
        return self._publish(row) if row else None

    def recent(self, limit: int = 10) -> List[Publish]:
        with self.engine.connect() as db:
            rows = db.execute(sa.select(publishes).order_by(publishes.c.id.desc()).limit(limit)).mappings().all()
        return [self._publish(row) for row in rows]

    def _last_live(self) -> Optional[Dict]:
        with self.engine.connect() as db:
            return db.execute(sa.select(publishes).where(publishes.c.state == "live")
                              .order_by(publishes.c.live_at.desc())).mappings().first()

    def _update(self, publish_id: int, **values) -> None:
        if "problems" in values:
            values["problems"] = json.dumps(values["problems"])
        with self.engine.begin() as db:
            db.execute(publishes.update().where(publishes.c.id == publish_id).values(**values))

    # Publishing ---------------------------------------------------------------------

    def start(self, username: str, wait: bool = False) -> Publish:
        """Begin a publish in the background (or in this thread with `wait`)."""
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                raise PublishError("A publish is already running. Wait for it to finish.")
            with self.engine.begin() as db:
                # A publish left "running" by a stopped web app never finishes: mark it.
                db.execute(publishes.update().where(publishes.c.state.in_(RUNNING))
                           .values(state="failed", stage="Stopped before it finished."))
                new_id = db.execute(publishes.insert().values(
                    started_by=username, started_at=utcnow(), state="checking", stage="Checking the content",
                    progress=2)).inserted_primary_key[0]
            self._thread = threading.Thread(target=self._run, args=(new_id,), daemon=True, name=f"publish-{new_id}")
            self._thread.start()
        if wait:
            self._thread.join()
        return self.get(new_id)

    def _run(self, publish_id: int) -> None:
        try:
            problems = self._check()
            if problems:
                self._update(publish_id, state="failed", stage="The content has problems to fix first.",
                             problems=problems, finished_at=utcnow())
                return
            understanding = understanding_hash(self.root)
            self._update(publish_id, understanding=understanding)
            live_model = self.models.live_file(self.work)
            baseline = self._baseline(understanding, live_model)
            if baseline is None and live_model is not None:
                # Only answers changed: the live model with the new answers, no training needed.
                self._update(publish_id, state="training", stage="Updating the answers", progress=40)
                model = with_new_answers(live_model, self.root / "data" / "domain",
                                         self.work / f"candidate-{publish_id}.tar.gz")
                self._update(publish_id, model_path=str(model), state="ready", progress=100, finished_at=utcnow(),
                             stage="Only answers changed, so what the assistant understands is the same. "
                                   "Ready to put live.")
                return
            self._update(publish_id, state="training", stage="Training", progress=10)
            model = self._train(publish_id, live_model)
            self._update(publish_id, model_path=str(model))
            if baseline is None:
                baseline = (0.0, 10 ** 6)
            self._update(publish_id, state="evaluating", stage="Testing the new model", progress=80)
            accuracy, f1, failed = self._evaluate(model, f"candidate-{publish_id}")
            base_accuracy, base_failed = baseline
            worse = accuracy < base_accuracy - margin() or failed > base_failed
            self._update(publish_id, accuracy=accuracy, f1=f1, stories_failed=failed, baseline_accuracy=base_accuracy,
                         baseline_stories_failed=base_failed, progress=100, finished_at=utcnow(),
                         state="needs_confirmation" if worse else "ready",
                         stage="The new model does worse than the live one. Check before putting it live."
                         if worse else "Tested. Ready to put live.")
        except PublishError as error:
            self._update(publish_id, state="failed", stage=str(error), finished_at=utcnow())
        except Exception as error:   # a publish must always end, with a reason
            logger.exception("publish %s failed", publish_id)
            self._update(publish_id, state="failed", stage=f"Something went wrong: {error}", finished_at=utcnow())

    def _check(self) -> List[str]:
        topics = self.content.topics()
        problems = checks.example_problems(self.content.all_examples(), [t.key for t in topics])
        for topic in topics:
            problems += checks.answer_problems(topic.title, topic.answer)
        if problems:
            return problems
        result = self._rasa(["data", "validate", *DATA_ARGS], timeout=600)
        if result.returncode != 0:
            errors = [line.split("ERROR", 1)[-1].strip(" -:") for line in result.stdout.splitlines() if "ERROR" in line]
            return errors or ["Rasa found a problem in the training data. Ask a developer to run make validate."]
        return []

    def _rasa(self, args: List[str], timeout: int, on_line=None) -> subprocess.CompletedProcess:
        command = [str(PROJECT_ROOT / ".venv" / "bin" / "rasa"), *args]
        env = {**os.environ, "RASA_CACHE_DIRECTORY": os.environ.get("RASA_CACHE_DIRECTORY",
                                                                    str(PROJECT_ROOT / ".rasa" / "cache")),
               "RASA_MAX_CACHE_SIZE": os.environ.get("RASA_MAX_CACHE_SIZE", "5000"), "TF_CPP_MIN_LOG_LEVEL": "3"}
        process = subprocess.Popen(command, cwd=self.root, env=env, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, text=True)
        lines = []
        try:
            for line in process.stdout:
                lines.append(line)
                if on_line:
                    on_line(line)
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            raise PublishError("Rasa took too long. Try again, or ask a developer to look at the server.")
        return subprocess.CompletedProcess(command, process.returncode, "".join(lines[-400:]), "")

    def _train(self, publish_id: int, live_model: Optional[Path]) -> Path:
        self.work.mkdir(parents=True, exist_ok=True)
        steps = [0]

        def progress(line: str) -> None:
            found = TRAIN_STEP.search(line)
            if found:
                steps[0] += 1
                # About 16 components; training is 10% to 75% of a publish.
                self._update(publish_id, stage=f"Training ({found.group(1)})",
                             progress=min(75, 10 + steps[0] * 4))
        name = f"candidate-{publish_id}"
        model = self.work / f"{name}.tar.gz"
        command = ["train", *DATA_ARGS, "--out", str(self.work), "--fixed-model-name", name]
        if live_model is not None:
            # New phrasings of existing topics: Rasa fine-tunes the live model with a fraction of the
            # epochs. Rasa refuses when that is not safe (a new topic, a changed configuration).
            self._update(publish_id, stage="Training (from the live model)")
            result = self._rasa([*command, "--finetune", str(live_model), "--epoch-fraction",
                                 os.environ.get("STUDIO_FINETUNE_EPOCH_FRACTION", "0.25")],
                                timeout=3600, on_line=progress)
            if result.returncode == 0 and model.exists():
                return model
            self._update(publish_id, stage="Training (from the start)", progress=10)
        result = self._rasa(command, timeout=3600, on_line=progress)
        if result.returncode != 0 or not model.exists():
            raise PublishError("Training failed. Ask a developer to look at the training log.")
        return model

    def _baseline(self, understanding: str, live_model: Optional[Path]) -> Optional[tuple]:
        """The live model's evaluation, or None when only answers changed since it."""
        stored = self.models.live()
        if stored is not None and stored.understanding == understanding:
            return None
        live = self._last_live()
        if live is not None and live["accuracy"] is not None:
            return live["accuracy"], live["stories_failed"] or 0
        if live_model is None:
            return 0.0, 10 ** 6    # nothing live to compare with
        accuracy, _, failed = self._evaluate(live_model, "live")
        return accuracy, failed

    def _evaluate(self, model: Path, label: str) -> tuple:
        """Accuracy on the held-out phrasings, weighted F1, and how many test conversations fail."""
        out = self.work / f"results-{label}"
        shutil.rmtree(out, ignore_errors=True)
        self._rasa(["test", "nlu", "--model", str(model), "--nlu", "tests/nlu/test_nlu.yml", "--out", str(out)],
                   timeout=1800)
        report_path = out / "intent_report.json"
        if not report_path.exists():
            raise PublishError("The new model could not be tested. Ask a developer to look at it.")
        report = json.loads(report_path.read_text(encoding="utf-8"))
        core = self._rasa(["test", "core", "--model", str(model), "--stories", "tests/stories",
                           "--out", str(out / "core")], timeout=1800)
        if core.returncode != 0:
            # A crashed run is not "no failed conversations": the gate must not open on it.
            logger.error("rasa test core failed for %s:\n%s", label, core.stdout[-3000:])
            raise PublishError("The test conversations could not be run. Ask a developer to look at it.")
        failed_file = out / "core" / "failed_test_stories.yml"
        failed = 0
        if failed_file.exists():
            failed = len((yaml.safe_load(failed_file.read_text(encoding="utf-8")) or {}).get("stories") or [])
        return float(report["accuracy"]), float(report["weighted avg"]["f1-score"]), failed

    def go_live(self, publish_id: int, username: str, confirmed: bool = False) -> Publish:
        publish = self.get(publish_id)
        if publish is None:
            raise PublishError("There is no such publish.")
        if publish.state == "needs_confirmation" and not confirmed:
            raise PublishError("This model does worse than the live one. Confirm that you want it live anyway.")
        if publish.state not in ("ready", "needs_confirmation") or not publish.model_path:
            raise PublishError("Only a tested model can be put live.")
        with self._lock:
            # The model it replaces is kept in the store, for a roll back from any web app.
            previous = self.models.keep(f"models/before-{publish_id}.tar.gz")
            with self.engine.connect() as db:
                understanding = db.execute(sa.select(publishes.c.understanding)
                                           .where(publishes.c.id == publish_id)).scalar()
            # Every Rasa server pulls it from the store within MODEL_PULL_SECONDS.
            self.models.put_live(Path(publish.model_path), "studio", understanding or "")
            with self.engine.begin() as db:
                db.execute(publishes.update().where(publishes.c.state == "live").values(state="replaced"))
                db.execute(publishes.update().where(publishes.c.id == publish_id).values(
                    state="live", live_at=utcnow(), live_by=username, previous_model_path=previous))
        return self.get(publish_id)

    def rollback(self, username: str) -> Publish:
        """Put back the model that the latest publish replaced."""
        live = self._last_live()
        if live is None or not live["previous_model_path"] or not self.models.has(live["previous_model_path"]):
            raise PublishError("There is no earlier model to go back to.")
        with self._lock:
            # The kept copy carries what it understands, so the next answer-only edit needs no training.
            self.models.restore(live["previous_model_path"])
            self._update(live["id"], state="rolled_back", rolled_back_at=utcnow(),
                         stage=f"Rolled back by {username}.")
        return self.get(live["id"])


class PublishError(Exception):
    """A plain-English reason a publish cannot go on."""


@lru_cache(maxsize=None)
def default_publisher() -> Publisher:
    from bot.db import engine
    return Publisher(engine())
