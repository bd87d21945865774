from datetime import date

import pytest

from bot import clock
from bot.settings import load_council, council


def test_council_settings_loaded():
    settings = council()
    assert settings.name == "Brackenford Borough Council"
    assert settings.response_values()["council_website"] == "https://www.brackenford.gov.uk"
    assert settings.url("/bins") == "https://www.brackenford.gov.uk/bins"
    assert "BK1" in settings.postcode_districts


def test_missing_settings_are_named(tmp_path):
    path = tmp_path / "settings.yml"
    path.write_text("council:\n  name: Somewhere\n")
    with pytest.raises(ValueError, match="phone"):
        load_council(path)


def test_bot_today(monkeypatch):
    monkeypatch.setenv("BOT_TODAY", "2026-12-24")
    monkeypatch.setenv("BOT_TIME", "18:30")
    assert clock.today() == date(2026, 12, 24)
    assert clock.now().hour == 18 and clock.now().date() == date(2026, 12, 24)


def test_bad_bot_today_is_explained(monkeypatch):
    monkeypatch.setenv("BOT_TODAY", "24/12/2026")
    with pytest.raises(ValueError, match="BOT_TODAY"):
        clock.today()
