"""Editors' changes kept in the shared file store, so they outlive the web app's disk.

In a cluster (`FILE_STORE=database`) a web app's disk goes with its container.
Every file the studio writes is also kept in the file store, with a note of the
release's version it was edited from (its "base"). A web app that starts puts
the kept files back, unless a new release changed the same file since: then
the release's file stays, and the log says the editors' version is set aside
(it stays in the store under its key). The studio is served by one web app
(one writer), so two editors' changes never race each other.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import List, Optional

from bot.filestore import FileStore, default_file_store, etag_of, file_store_kind

logger = logging.getLogger(__name__)

PREFIX = "content/"


class ContentStore:
    def __init__(self, files: FileStore, root: Path):
        self.files, self.root = files, Path(root)

    def keep(self, relative: Path, before: Optional[bytes], after: bytes) -> None:
        """Keep the studio's new version of a file; `before` is what the file held until now."""
        key = PREFIX + Path(relative).as_posix()
        kept = self.files.info(key)
        # The base stays the release's version however many times editors change the file.
        base = kept.note if kept is not None else etag_of(before or b"")
        self.files.put(key, after, "text/yaml", note=base)

    def restore(self) -> List[str]:
        """Put editors' kept versions back on this disk; the files restored."""
        restored = []
        for key in self.files.keys(PREFIX):
            relative, kept = key[len(PREFIX):], self.files.info(key)
            path = self.root / relative
            current = etag_of(path.read_bytes()) if path.exists() else etag_of(b"")
            if kept is None or current == kept.etag:
                continue
            if current != kept.note:
                logger.warning("%s changed in this release since editors changed it: the release's version "
                               "is used; the editors' version is kept in the file store as %s", relative, key)
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(self.files.get(key) or b"")
            restored.append(relative)
        return restored


def default_content_store(root: Path) -> Optional[ContentStore]:
    """The content store in a cluster; None for the embedded default, where the disk is the one store."""
    return ContentStore(default_file_store(), root) if file_store_kind() == "database" else None
