"""The web app's pages: built from templates with every value escaped."""
import pytest

from bot.web import pages


@pytest.fixture
def hostile_council(monkeypatch):
    from dataclasses import replace
    from bot.settings import council
    evil = replace(council(), name='<script>alert("x")</script> Council', assistant_name='Ask "us" <b>')
    monkeypatch.setattr(pages, "council", lambda: evil)
    return evil


def test_settings_are_escaped_in_pages(hostile_council):
    page = pages.page("home.html", "Home", after="home_after.html", assistant=hostile_council.assistant_name,
                         website="https://x.example", rasa="http://r", privacy="https://p", phone="1", hours="2")
    assert "<script>alert" not in page and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; Council" in page
    assert 'data-title="Ask &quot;us&quot; &lt;b&gt;"' in page
    assert page.startswith("<!DOCTYPE html>") and '<html lang="en">' in page and "<title>Home - " in page


def test_tag_escapes_text_and_attributes():
    assert pages.tag("a", "<b>", href='x" onclick="y', class_="c") == \
        '<a href="x&quot; onclick=&quot;y" class="c">&lt;b&gt;</a>'
    assert pages.tag("button", "Go", formnovalidate=True, disabled=False) == "<button formnovalidate>Go</button>"
