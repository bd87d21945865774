"""The per-address limit on photo uploads, counted in the database every web process shares."""
from datetime import datetime, timedelta

import sqlalchemy as sa

from bot import rate_limit
from bot.rate_limit import RateLimit
from bot.settings import photo_uploads_per_minute


def test_an_address_is_refused_after_its_limit_until_the_minute_has_passed(tmp_path, monkeypatch):
    now = datetime(2026, 12, 24, 10, 30)
    monkeypatch.setattr(rate_limit, "utcnow", lambda: now)
    limits = RateLimit(sa.create_engine(f"sqlite:///{tmp_path / 'limits.db'}"))
    assert [limits.allow("photo", "203.0.113.7", 3) for _ in range(4)] == [True, True, True, False]
    assert limits.allow("photo", "198.51.100.2", 3)          # another address has its own count
    assert limits.allow("feedback", "203.0.113.7", 3)        # and so has another action
    now += timedelta(seconds=61)
    assert limits.allow("photo", "203.0.113.7", 3)


def test_a_second_process_sees_the_same_count(tmp_path):
    url = f"sqlite:///{tmp_path / 'limits.db'}"
    first, second = RateLimit(sa.create_engine(url)), RateLimit(sa.create_engine(url))
    assert first.allow("photo", "203.0.113.7", 2) and second.allow("photo", "203.0.113.7", 2)
    assert not first.allow("photo", "203.0.113.7", 2) and not second.allow("photo", "203.0.113.7", 2)


def test_the_limit_is_a_setting(monkeypatch):
    monkeypatch.delenv("PHOTO_UPLOADS_PER_MINUTE", raising=False)
    assert photo_uploads_per_minute() == 10
    monkeypatch.setenv("PHOTO_UPLOADS_PER_MINUTE", "4")
    assert photo_uploads_per_minute() == 4
