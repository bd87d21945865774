"""Photos residents add to a report: checked by their content, re-encoded without
camera metadata (location, device), and stored under a random name in the file
store (bot/filestore.py), so any web app replica can serve them."""
from __future__ import annotations

import io
import re
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Optional, Union

from PIL import Image, ImageOps, UnidentifiedImageError

from bot.filestore import FileStore, LocalFileStore, default_file_store

MAX_BYTES = 10 * 1024 * 1024
MAX_SIDE = 2048
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
_NAME = re.compile(r"^[a-f0-9]{32}\.jpg$")
# Refuse images that would take huge memory to decode.
Image.MAX_IMAGE_PIXELS = 40_000_000


class PhotoRejected(ValueError):
    """The upload is not a photo we accept; the message says why, for the resident."""


class PhotoStore:
    def __init__(self, files: Union[FileStore, Path]):
        self.files = files if isinstance(files, FileStore) else LocalFileStore(Path(files))

    def save(self, data: bytes) -> str:
        if not data:
            raise PhotoRejected("The file is empty. Choose a photo to upload.")
        if len(data) > MAX_BYTES:
            raise PhotoRejected("The photo must be smaller than 10MB.")
        try:
            with Image.open(io.BytesIO(data)) as probe:
                kind = probe.format
                probe.verify()
            if kind not in ACCEPTED_FORMATS:
                raise PhotoRejected("The photo must be a JPG, PNG, WebP or GIF.")
            with Image.open(io.BytesIO(data)) as image:
                image = ImageOps.exif_transpose(image)   # keep it the right way up, then drop the metadata
                image.thumbnail((MAX_SIDE, MAX_SIDE))
                clean = Image.new("RGB", image.size, "white")
                clean.paste(image.convert("RGBA"), mask=image.convert("RGBA").getchannel("A"))
        except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as error:
            raise PhotoRejected("The file is not a photo we can open. Choose a JPG or PNG photo.") from error
        name = f"{secrets.token_hex(16)}.jpg"
        # A new image has no EXIF: nothing from the camera is written.
        out = io.BytesIO()
        clean.save(out, format="JPEG", quality=85, optimize=True)
        self.files.put(f"photos/{name}", out.getvalue(), "image/jpeg")
        return name

    def get(self, name: str) -> Optional[bytes]:
        """The photo's JPEG bytes, or None for a name we did not give."""
        if not _NAME.match(name or ""):
            return None
        return self.files.get(f"photos/{name}")


@lru_cache(maxsize=None)
def default_photo_store() -> PhotoStore:
    return PhotoStore(default_file_store())
