"""Photo links are made from the web app's public address, and only those are taken back."""
import pytest

from bot.photos import photo_name, photo_url, too_large_answer
from bot.settings import photo_max_pixels, web_public_url

NAME = "0a" * 16 + ".jpg"


def test_links_use_the_public_address(monkeypatch):
    monkeypatch.delenv("WEB_PUBLIC_URL", raising=False)
    monkeypatch.setenv("WEB_PORT", "18000")
    assert web_public_url() == "http://localhost:18000"
    monkeypatch.setenv("WEB_PUBLIC_URL", "https://assistant.example.gov.uk/")
    assert photo_url(NAME) == f"https://assistant.example.gov.uk/photos/{NAME}"


@pytest.mark.parametrize("link", [
    f"https://evil.example/photos/{NAME}",
    f"https://assistant.example.gov.uk.evil.example/photos/{NAME}",
    f"http://assistant.example.gov.uk/photos/{NAME}",
    f"https://assistant.example.gov.uk/photos/../{NAME}",
    f"https://assistant.example.gov.uk/photos/{NAME}?x=1",
    "https://assistant.example.gov.uk/photos/x.jpg", "javascript:alert(1)", "", None, 42,
])
def test_only_our_own_photo_links_are_taken(monkeypatch, link):
    monkeypatch.setenv("WEB_PUBLIC_URL", "https://assistant.example.gov.uk")
    assert photo_name(f"https://assistant.example.gov.uk/photos/{NAME}") == NAME
    assert photo_name(link) is None


def test_the_pixel_budget_is_a_setting(monkeypatch):
    monkeypatch.delenv("PHOTO_MAX_PIXELS", raising=False)
    assert photo_max_pixels() == 40_000_000
    monkeypatch.setenv("PHOTO_MAX_PIXELS", "12000000")
    assert photo_max_pixels() == 12_000_000
    assert too_large_answer(12_000_000) == "This photo is too large. Send a photo smaller than 12 megapixels."
