"""The web app's pages: built from templates with every value escaped."""
import pytest

from bot.web import app as web_app


@pytest.fixture
def hostile_council(monkeypatch):
    from dataclasses import replace
    from bot.settings import council
    evil = replace(council(), name='<script>alert("x")</script> Council', assistant_name='Ask "us" <b>')
    monkeypatch.setattr(web_app, "council", lambda: evil)
    return evil


def test_settings_are_escaped_in_pages(hostile_council):
    page = web_app._page("home.html", "Home", after="home_after.html", assistant=hostile_council.assistant_name,
                         website="https://x.example", rasa="http://r", privacy="https://p", phone="1", hours="2")
    assert "<script>alert" not in page and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; Council" in page
    assert 'data-title="Ask &quot;us&quot; &lt;b&gt;"' in page
    assert page.startswith("<!DOCTYPE html>") and '<html lang="en">' in page and "<title>Home - " in page
