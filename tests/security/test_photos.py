"""Photo uploads and report locations, attacked as reported in issue 14.

The upload attacks go to the real web app over HTTP; the report attacks are replayed
through the form's actions as the action server runs them (what a resident can type
as `/add_photo{...}` or `/share_location{...}` reaches them unchanged).
"""
import io
import struct
import zlib

import pytest
import requests
import sqlalchemy as sa
from PIL import Image

from bot.photos import photo_url
from tests.actions.test_reports import POTHOLE, photos, pothole_tracker, responses, stored_photo  # noqa: F401
from tests.conftest import make_tracker, run
from tests.web.server import web_app

PUBLIC = "https://assistant.example.gov.uk"
PER_MINUTE = 3


@pytest.fixture(scope="module")
def web(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("photos")
    database = f"sqlite:///{workdir / 'web.db'}"
    with web_app(18731, DATABASE_URL=database, FILE_STORE_DIR=str(workdir / "files"), RASA_URL="http://127.0.0.1:9",
                 WEB_PUBLIC_URL=PUBLIC, PHOTO_UPLOADS_PER_MINUTE=str(PER_MINUTE)) as url:
        yield url, database


@pytest.fixture
def app(web):
    """The web app, with no uploads counted yet."""
    url, database = web
    with sa.create_engine(database).begin() as db:
        db.execute(sa.text("DELETE FROM rate_limit_hits"))
    return url


def small_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (20, 20), "blue").save(out, format="PNG")
    return out.getvalue()


def upload(url: str, data: bytes, **headers) -> requests.Response:
    return requests.post(url + "/api/photos", files={"photo": ("p.png", data, "image/png")}, headers=headers,
                         timeout=60)


def zeros_png(width: int, height: int) -> bytes:
    """An RGB PNG of zeros: a few hundred KB that decodes to width x height x 3 bytes."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    packer, row = zlib.compressobj(9), bytes(1 + width * 3)   # filter byte, then the pixels
    data = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


def test_a_decompression_bomb_is_refused_without_decoding_it(app):
    bomb = zeros_png(8900, 8900)          # the reported file: 226 KiB, 79 million pixels
    assert len(bomb) < 300 * 1024
    reply = upload(app, bomb)
    assert reply.status_code == 400
    assert reply.json()["error"] == "This photo is too large. Send a photo smaller than 40 megapixels."


def test_the_photo_link_is_built_from_the_public_address_not_the_host_header(app):
    reply = upload(app, small_png(), Host="evil.example")
    assert reply.status_code == 201
    link = reply.json()["url"]
    assert link.startswith(PUBLIC + "/photos/") and "evil" not in link
    assert requests.get(app + link[len(PUBLIC):], timeout=5).headers["Content-Type"] == "image/jpeg"


def test_one_address_may_upload_only_a_few_photos_a_minute(app):
    assert [upload(app, small_png()).status_code for _ in range(PER_MINUTE)] == [201] * PER_MINUTE
    refused = upload(app, small_png())
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "60"
    assert refused.json()["error"] == "You have sent too many photos. Wait a minute, then try again."


def add_photo(url: str):
    return make_tracker(intent="add_photo", active_loop="pothole_form", text=f'/add_photo{{"photo_url":"{url}"}}',
                        entities=[{"entity": "photo_url", "value": url}])


@pytest.mark.parametrize("link", [
    "https://evil.example/photos/" + "a" * 32 + ".jpg",                 # another host, our path
    "http://127.0.0.1:8000/photos/" + "b" * 32 + ".jpg",               # our address, a photo we never stored
    "http://127.0.0.1:8000.evil.example/photos/" + "c" * 32 + ".jpg",  # our address as a prefix of another host
])
def test_a_link_to_a_photo_we_did_not_store_never_reaches_a_report(dispatcher, domain, photos, link):  # noqa: F811
    assert run(POTHOLE.extract_description(dispatcher, add_photo(link), domain)) == {}
    assert responses(dispatcher) == []


def test_a_report_holding_a_foreign_photo_link_is_still_filed_without_it(photos):  # noqa: F811
    from actions.reports import build_report
    ours = stored_photo(photos)
    foreign = "https://evil.example/photos/" + ours.rsplit("/", 1)[1]
    slots = dict(street="High Street", location_detail="near 5", contact="anonymous")
    assert build_report(pothole_tracker(media_url=foreign, **slots), "pothole").media_url is None
    assert build_report(pothole_tracker(media_url=ours, **slots), "pothole").media_url == ours
    assert ours == photo_url(ours.rsplit("/", 1)[1])


@pytest.mark.parametrize("lat,lon", [("NaN", "NaN"), (51.65, "nan"), ("Infinity", -3.39), (51.65, "-inf")])
def test_a_position_that_is_not_a_number_is_outside_our_area(dispatcher, domain, lat, lon):
    tracker = make_tracker(intent="share_location", active_loop="pothole_form", text="/share_location",
                           entities=[{"entity": "latitude", "value": lat}, {"entity": "longitude", "value": lon}])
    assert run(POTHOLE.extract_street(dispatcher, tracker, domain)) == {}
    assert responses(dispatcher) == ["utter_location_outside"]
