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
from bot.settings import photo_max_pixels, web_public_url

MAX_BYTES = 10 * 1024 * 1024
MAX_SIDE = 2048
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
_NAME = re.compile(r"^[a-f0-9]{32}\.jpg$")


def photo_url(name: str) -> str:
    return f"{web_public_url()}/photos/{name}"


def photo_name(url: object) -> Optional[str]:
    """The stored photo's name when `url` is one of our photo links, else None."""
    prefix = f"{web_public_url()}/photos/"
    text = url if isinstance(url, str) else ""
    name = text[len(prefix):] if text.startswith(prefix) else ""
    return name if _NAME.match(name) else None


def too_large_answer(limit: int) -> str:
    return f"This photo is too large. Send a photo smaller than {limit / 1_000_000:g} megapixels."


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
        limit = photo_max_pixels()
        # Pillow's own guard only raises at twice its limit; ours is checked on the header, before decoding.
        Image.MAX_IMAGE_PIXELS = limit
        try:
            with Image.open(io.BytesIO(data)) as probe:    # reads the header only
                kind, (width, height) = probe.format, probe.size
                if width * height > limit:
                    raise PhotoRejected(too_large_answer(limit))
                probe.verify()
            if kind not in ACCEPTED_FORMATS:
                raise PhotoRejected("The photo must be a JPG, PNG, WebP or GIF.")
            with Image.open(io.BytesIO(data)) as image:
                image = ImageOps.exif_transpose(image)   # keep it the right way up, then drop the metadata
                image.thumbnail((MAX_SIDE, MAX_SIDE))
                clean = Image.new("RGB", image.size, "white")
                clean.paste(image.convert("RGBA"), mask=image.convert("RGBA").getchannel("A"))
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:   # the warning when -W error
            raise PhotoRejected(too_large_answer(limit)) from error
        except (UnidentifiedImageError, OSError, SyntaxError) as error:
            raise PhotoRejected("The file is not a photo we can open. Choose a JPG or PNG photo.") from error
        name = f"{secrets.token_hex(16)}.jpg"
        # A new image has no EXIF: nothing from the camera is written.
        out = io.BytesIO()
        clean.save(out, format="JPEG", quality=85, optimize=True)
        self.files.put(f"photos/{name}", out.getvalue(), "image/jpeg")
        return name

    def ours(self, url: object) -> Optional[str]:
        """`url` when it links to a photo we stored, else None: only these go with a report."""
        name = photo_name(url)
        return url if name and self.files.info(f"photos/{name}") is not None else None

    def get(self, name: str) -> Optional[bytes]:
        """The photo's JPEG bytes, or None for a name we did not give."""
        if not _NAME.match(name or ""):
            return None
        return self.files.get(f"photos/{name}")


@lru_cache(maxsize=None)
def default_photo_store() -> PhotoStore:
    return PhotoStore(default_file_store())
