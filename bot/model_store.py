"""The published model, kept in the file store, where every Rasa server pulls it from.

Rasa's own model server protocol: each Rasa server asks the web app's
`/models/live.tar.gz` every `MODEL_PULL_SECONDS` with `If-None-Match: <etag>`
and loads the model when the tag changed (`models:` in endpoints.yml). So a
publish or a roll back is one write here, and reaches every server.

The file's note says where it came from and what it understands:
`build:<hash>` (trained by `make train`) or `studio:<hash>` (published).
"""
from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass
from datetime import timezone
from functools import lru_cache
from pathlib import Path
from typing import Optional

from bot.filestore import FileStore, StoredFile, default_file_store, etag_of
from bot.settings import PROJECT_ROOT

logger = logging.getLogger(__name__)

LIVE = "models/live.tar.gz"
CONTENT_TYPE = "application/gzip"
BUILT_MODEL = PROJECT_ROOT / "models" / "brackenford.tar.gz"


def built_understanding(built: Path = BUILT_MODEL) -> str:
    """What the built model understands, written beside it by `make train`."""
    path = Path(f"{built}.understanding")
    return path.read_text(encoding="utf-8").strip() if path.exists() else ""


def pull_seconds() -> int:
    """How often each Rasa server asks for a new model (`MODEL_PULL_SECONDS`)."""
    return int(os.environ.get("MODEL_PULL_SECONDS", "10"))


@dataclass(frozen=True)
class LiveModel:
    etag: str
    origin: str          # "build" or "studio"
    understanding: str   # hash of what the model learns from (bot.studio.publish.understanding_hash)


def _note(origin: str, understanding: str) -> str:
    return f"{origin}:{understanding}"


def _live(found: Optional[StoredFile]) -> Optional[LiveModel]:
    if found is None:
        return None
    origin, _, understanding = found.note.partition(":")
    return LiveModel(found.etag, origin, understanding)


class ModelStore:
    def __init__(self, files: FileStore):
        self.files = files

    def live(self) -> Optional[LiveModel]:
        return _live(self.files.info(LIVE))

    def live_bytes(self) -> Optional[bytes]:
        return self.files.get(LIVE)

    def put_live(self, model: Path, origin: str, understanding: str) -> LiveModel:
        return _live(self.files.put(LIVE, Path(model).read_bytes(), CONTENT_TYPE, _note(origin, understanding)))

    def keep(self, key: str) -> Optional[str]:
        """Keep a copy of the live model under `key` (for a roll back); the key, or None with nothing live."""
        return key if self.files.copy(LIVE, key) is not None else None

    def restore(self, key: str) -> bool:
        """Put the model kept under `key` live again."""
        return self.files.copy(key, LIVE) is not None

    def has(self, key: str) -> bool:
        return self.files.info(key) is not None

    def live_file(self, folder: Path) -> Optional[Path]:
        """The live model as a local file in `folder` (for training and tests), fetched once per version."""
        live = self.live()
        if live is None:
            return None
        path = Path(folder) / f"live-{live.etag[:16]}.tar.gz"
        if not path.exists():
            data = self.live_bytes()
            if data is None:
                return None
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_suffix(".part")
            partial.write_bytes(data)
            partial.replace(path)
        return path

    def seed(self, built: Path = BUILT_MODEL, understanding: str = "") -> bool:
        """Publish the model `make train` built when there is none live, or when it is newer than the live
        one (a developer retrained after the last publish): the newest wins, as with one server."""
        if not built.exists():
            return False
        found = self.files.info(LIVE)
        if found is not None:
            # Times in the store are naive UTC, as in every table of the project.
            newer = built.stat().st_mtime > found.updated_at.replace(tzinfo=timezone.utc).timestamp() + 1
            if not newer or etag_of(built.read_bytes()) == found.etag:
                return False
        self.put_live(built, "build", understanding)
        logger.info("Published the built model %s", built)
        return True


class Rollout:
    """One Rasa server at a time takes a new model.

    Loading a model takes a Rasa server 20 seconds or more of CPU (beside its work, see
    bot/model_loading.py), so if every server took a publish at once, every server would answer
    slowly together. After the model server sends a new model to one server, it tells the others
    "not modified" for `MODEL_ROLLOUT_SECONDS`; they take it on a later pull. A server with no
    model at all (just started) is never kept waiting.
    """

    def __init__(self, window: Optional[float] = None):
        self.window = float(os.environ.get("MODEL_ROLLOUT_SECONDS", "15")) if window is None else window
        self._last_sent = float("-inf")
        self._lock = threading.Lock()

    def may_send(self, has_model: bool, now: Optional[float] = None) -> bool:
        now = time.monotonic() if now is None else now
        with self._lock:
            if has_model and now - self._last_sent < self.window:
                return False
            self._last_sent = now
            return True


@lru_cache(maxsize=None)
def default_model_store() -> ModelStore:
    return ModelStore(default_file_store())
