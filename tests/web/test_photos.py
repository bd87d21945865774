import io

import pytest
from PIL import Image, ImageFile

from bot.photos import PhotoRejected, PhotoStore


def jpeg_with_location() -> bytes:
    image = Image.new("RGB", (64, 48), "red")
    exif = Image.Exif()
    exif[0x010F] = "CameraMaker"         # Make
    exif[0x8825] = {1: "N", 2: (51.0, 39.0, 8.0)}   # GPS
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def test_photo_is_re_encoded_without_camera_metadata(tmp_path):
    data = jpeg_with_location()
    assert Image.open(io.BytesIO(data)).getexif()   # the upload has EXIF
    store = PhotoStore(tmp_path)
    name = store.save(data)
    saved = Image.open(io.BytesIO(store.get(name)))
    assert saved.format == "JPEG" and saved.size == (64, 48)
    assert not saved.getexif() and "exif" not in saved.info


def test_png_with_transparency_becomes_jpeg(tmp_path):
    out = io.BytesIO()
    Image.new("RGBA", (10, 10), (0, 0, 0, 0)).save(out, format="PNG")
    store = PhotoStore(tmp_path)
    assert Image.open(io.BytesIO(store.get(store.save(out.getvalue())))).format == "JPEG"


@pytest.mark.parametrize("data,message", [
    (b"", "empty"),
    (b"<script>alert(1)</script>", "not a photo"),
    (b"GIF89a" + b"\x00" * 20, "not a photo"),
])
def test_what_is_not_a_photo_is_refused_by_content(tmp_path, data, message):
    with pytest.raises(PhotoRejected, match=message):
        PhotoStore(tmp_path).save(data)


def test_too_big(tmp_path):
    with pytest.raises(PhotoRejected, match="10MB"):
        PhotoStore(tmp_path).save(b"\xff\xd8" + b"0" * (10 * 1024 * 1024))


def test_only_our_names_are_served(tmp_path):
    store = PhotoStore(tmp_path)
    (tmp_path / "secret.txt").write_text("x")
    assert store.get("../secret.txt") is None and store.get("secret.txt") is None
    assert store.get("0" * 32 + ".jpg") is None


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_a_photo_over_the_pixel_budget_is_refused_from_its_header_alone(tmp_path, monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", Image.MAX_IMAGE_PIXELS)   # put back afterwards
    monkeypatch.setenv("PHOTO_MAX_PIXELS", "300")
    store = PhotoStore(tmp_path)
    for side in (18, 30):     # 324 pixels: over ours; 900: over Pillow's own (twice ours)
        out = io.BytesIO()
        Image.new("RGB", (side, side), "red").save(out, format="PNG")
        with monkeypatch.context() as decoding:
            decoding.setattr(ImageFile.ImageFile, "load", lambda self: pytest.fail("the photo was decoded"))
            with pytest.raises(PhotoRejected, match="This photo is too large"):
                store.save(out.getvalue())
    out = io.BytesIO()
    Image.new("RGB", (17, 17), "red").save(out, format="PNG")
    assert store.get(store.save(out.getvalue()))       # 289 pixels: within it
