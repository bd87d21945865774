"""The file store (local folder and database) and the model store built on it."""
import os
import time

import pytest
import sqlalchemy as sa

from bot.filestore import DatabaseFileStore, LocalFileStore, etag_of
from bot.model_store import LIVE, ModelStore, Rollout


@pytest.fixture(params=["local", "database"])
def files(request, tmp_path):
    if request.param == "local":
        return LocalFileStore(tmp_path / "files")
    return DatabaseFileStore(sa.create_engine(f"sqlite:///{tmp_path / 'files.db'}", future=True))


def test_put_get_info_copy_delete(files):
    stored = files.put("photos/a.jpg", b"jpeg bytes", "image/jpeg", note="n")
    assert stored.etag == etag_of(b"jpeg bytes") and stored.size == 10 and stored.content_type == "image/jpeg"
    assert files.get("photos/a.jpg") == b"jpeg bytes"
    files.put("photos/a.jpg", b"other")
    assert files.get("photos/a.jpg") == b"other" and files.info("photos/a.jpg").etag == etag_of(b"other")
    assert files.copy("photos/a.jpg", "photos/b.jpg").etag == etag_of(b"other")
    files.put("content/data/nlu/faq.yml", b"nlu:")
    assert files.keys("photos/") == ["photos/a.jpg", "photos/b.jpg"] and files.keys("content/") == [
        "content/data/nlu/faq.yml"]
    files.delete("photos/a.jpg")
    assert files.get("photos/a.jpg") is None and files.info("photos/a.jpg") is None
    assert files.copy("photos/missing.jpg", "photos/c.jpg") is None


@pytest.mark.parametrize("key", ["../secret", "/etc/passwd", "photos/../../x", "Photos/A.jpg", ""])
def test_only_plain_keys(files, key):
    with pytest.raises(ValueError):
        files.put(key, b"x")


def test_a_publish_and_a_roll_back_are_writes_to_the_store(files, tmp_path):
    models = ModelStore(files)
    first, second = tmp_path / "first.tar.gz", tmp_path / "second.tar.gz"
    first.write_bytes(b"model one")
    second.write_bytes(b"model two")
    assert models.live() is None and models.live_file(tmp_path / "cache") is None
    models.put_live(first, "build", "understands-1")
    assert models.keep("models/before-1.tar.gz") == "models/before-1.tar.gz"
    live = models.put_live(second, "studio", "understands-2")
    assert (live.origin, live.understanding, live.etag) == ("studio", "understands-2", etag_of(b"model two"))
    assert models.live_file(tmp_path / "cache").read_bytes() == b"model two"
    assert models.restore("models/before-1.tar.gz")
    # What the kept model understands comes back with it, so the next answer edit needs no training.
    assert models.live().understanding == "understands-1" and models.live_bytes() == b"model one"
    assert not models.restore("models/before-9.tar.gz") and files.get(LIVE) == b"model one"


def test_the_built_model_is_seeded_when_none_is_live_or_when_it_is_newer(files, tmp_path):
    models = ModelStore(files)
    built = tmp_path / "brackenford.tar.gz"
    assert not models.seed(built)                       # nothing built yet
    built.write_bytes(b"built one")
    assert models.seed(built, "u1") and models.live().origin == "build"
    assert not models.seed(built, "u1")                 # the same model: nothing to do
    published = tmp_path / "published.tar.gz"
    published.write_bytes(b"published in the studio")
    models.put_live(published, "studio", "u2")
    old = time.time() - 3600
    built.write_bytes(b"built two")
    os.utime(built, (old, old))
    assert not models.seed(built, "u3")                 # an older build never replaces a publish
    os.utime(built, None)
    time.sleep(1.1)
    built.write_bytes(b"built three")
    assert models.seed(built, "u4") and models.live_bytes() == b"built three"


def test_one_rasa_server_at_a_time_takes_a_new_model():
    rollout = Rollout(window=15)
    assert rollout.may_send(has_model=True, now=100)
    assert not rollout.may_send(has_model=True, now=105)      # the other server waits its turn
    assert rollout.may_send(has_model=False, now=106)         # a server with no model never waits
    assert not rollout.may_send(has_model=True, now=120)
    assert rollout.may_send(has_model=True, now=121.5)
