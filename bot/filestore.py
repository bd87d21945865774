"""Files every process must reach: residents' photos and the published model.

Two stores behind one interface, chosen by `FILE_STORE`:
- `local` (the embedded default): a folder on this machine (`FILE_STORE_DIR`,
  default `var/`, so photos are in `var/photos/` as they always were);
- `database`: a table in the project's database, so every replica of every
  process sees the same files with nothing more to run (PostgreSQL in the
  cluster; files here are photos up to 10 MB and models of a few tens of MB).
"""
from __future__ import annotations

import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import List, Optional

import sqlalchemy as sa

from bot.db import utcnow
from bot.schema import metadata, ready
from bot.settings import PROJECT_ROOT

# Keys are paths of lower-case words: "photos/3f….jpg", "models/live.tar.gz".
_KEY = re.compile(r"^[a-z0-9][a-z0-9_.-]*(/[a-z0-9][a-z0-9_.-]*)*$")

stored_files = sa.Table(
    "stored_files", metadata,
    sa.Column("key", sa.String(255), primary_key=True),
    sa.Column("content", sa.LargeBinary, nullable=False),
    sa.Column("content_type", sa.String(100), nullable=False),
    sa.Column("etag", sa.String(64), nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("note", sa.String(255), nullable=False, default=""),
    sa.Column("updated_at", sa.DateTime, nullable=False),
)


@dataclass(frozen=True)
class StoredFile:
    key: str
    etag: str          # sha256 of the content: the same bytes, the same tag, wherever they are kept
    size: int
    content_type: str
    note: str
    updated_at: datetime


def _check(key: str) -> str:
    if not _KEY.match(key or "") or ".." in key:
        raise ValueError(f"not a file key: {key!r}")
    return key


def etag_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class FileStore:
    """put / get / info / delete by key; what a store must do."""

    def put(self, key: str, data: bytes, content_type: str = "application/octet-stream",
            note: str = "") -> StoredFile:
        raise NotImplementedError

    def get(self, key: str) -> Optional[bytes]:
        raise NotImplementedError

    def info(self, key: str) -> Optional[StoredFile]:
        raise NotImplementedError

    def delete(self, key: str) -> None:
        raise NotImplementedError

    def keys(self, prefix: str) -> List[str]:
        """Every key that starts with `prefix`, sorted."""
        raise NotImplementedError

    def copy(self, source: str, target: str) -> Optional[StoredFile]:
        found, data = self.info(source), self.get(source)
        if found is None or data is None:
            return None
        return self.put(target, data, found.content_type, found.note)


class LocalFileStore(FileStore):
    """A folder; each file's tag and type beside it, so `info` needs no hashing."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def _path(self, key: str) -> Path:
        return self.folder / _check(key)

    def put(self, key, data, content_type="application/octet-stream", note=""):
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tag = etag_of(data)
        # Written aside, then renamed: a reader never sees half a file.
        for target, body in ((path, data), (Path(f"{path}.meta"),
                                            f"{tag}\n{content_type}\n{note}".encode("utf-8"))):
            handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".part-")
            with os.fdopen(handle, "wb") as out:
                out.write(body)
            os.replace(temporary, target)
        return self.info(key)

    def get(self, key):
        path = self._path(key)
        return path.read_bytes() if path.is_file() else None

    def info(self, key):
        path = self._path(key)
        meta = Path(f"{path}.meta")
        if not path.is_file() or not meta.is_file():
            return None
        tag, content_type, note = (meta.read_text(encoding="utf-8").split("\n", 2) + ["", ""])[:3]
        stat = path.stat()
        return StoredFile(key, tag, stat.st_size, content_type, note, datetime.utcfromtimestamp(stat.st_mtime))

    def delete(self, key):
        for path in (self._path(key), Path(f"{self._path(key)}.meta")):
            path.unlink(missing_ok=True)

    def keys(self, prefix):
        found = (path.relative_to(self.folder).as_posix() for path in self.folder.rglob("*.meta"))
        return sorted(key[:-len(".meta")] for key in found if key.startswith(prefix))


class DatabaseFileStore(FileStore):
    def __init__(self, engine: sa.engine.Engine):
        self.engine = engine
        ready(engine)

    def put(self, key, data, content_type="application/octet-stream", note=""):
        values = dict(content=data, content_type=content_type, etag=etag_of(data), size=len(data),
                      note=note[:255], updated_at=utcnow())
        with self.engine.begin() as db:
            changed = db.execute(stored_files.update().where(stored_files.c.key == _check(key)).values(**values))
            if changed.rowcount == 0:
                db.execute(stored_files.insert().values(key=key, **values))
        return self.info(key)

    def get(self, key):
        with self.engine.connect() as db:
            return db.execute(sa.select(stored_files.c.content).where(stored_files.c.key == _check(key))).scalar()

    def info(self, key):
        columns = [stored_files.c[name] for name in ("key", "etag", "size", "content_type", "note", "updated_at")]
        with self.engine.connect() as db:
            row = db.execute(sa.select(*columns).where(stored_files.c.key == _check(key))).first()
        return StoredFile(*row) if row else None

    def delete(self, key):
        with self.engine.begin() as db:
            db.execute(stored_files.delete().where(stored_files.c.key == _check(key)))

    def keys(self, prefix):
        with self.engine.connect() as db:
            return sorted(db.execute(sa.select(stored_files.c.key)
                                     .where(stored_files.c.key.startswith(prefix, autoescape=True))).scalars())


def file_store_kind() -> str:
    kind = os.environ.get("FILE_STORE", "local").strip().lower() or "local"
    if kind not in ("local", "database"):
        raise ValueError("FILE_STORE must be local or database")
    return kind


@lru_cache(maxsize=None)
def default_file_store() -> FileStore:
    if file_store_kind() == "database":
        from bot.db import engine
        return DatabaseFileStore(engine())
    return LocalFileStore(Path(os.environ.get("FILE_STORE_DIR", PROJECT_ROOT / "var")))
