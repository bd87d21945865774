"""Photos residents add to a report: checked by their content, re-encoded without
camera metadata (location, device), and stored under a random name."""
from __future__ import annotations

import io
import os
import re
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Optional

from PIL import Image, ImageOps, UnidentifiedImageError

from bot.settings import PROJECT_ROOT

MAX_BYTES = 10 * 1024 * 1024
MAX_SIDE = 2048
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
_NAME = re.compile(r"^[a-f0-9]{32}\.jpg$")
# Refuse images that would take huge memory to decode.
Image.MAX_IMAGE_PIXELS = 40_000_000


class PhotoRejected(ValueError):
    """The upload is not a photo we accept; the message says why, for the resident."""


class PhotoStore:
    def __init__(self, folder: Path):
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)

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
        clean.save(self.folder / name, format="JPEG", quality=85, optimize=True)
        return name

    def path(self, name: str) -> Optional[Path]:
        if not _NAME.match(name or ""):
            return None
        found = self.folder / name
        return found if found.is_file() else None


@lru_cache(maxsize=None)
def default_photo_store() -> PhotoStore:
    return PhotoStore(Path(os.environ.get("PHOTO_DIR", PROJECT_ROOT / "var" / "photos")))
