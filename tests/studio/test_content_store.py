"""Editors' changes in a cluster outlive the web app's disk (bot/studio/content_store.py)."""
import sqlalchemy as sa

from bot.filestore import DatabaseFileStore
from bot.studio.content import Content
from bot.studio.content_store import ContentStore
from tests.studio.conftest import copy_project

ANSWER = "Libraries open at 8am from January.\n\n[Find your library]({council_website}/libraries)"


def test_a_new_web_app_gets_the_editors_changes(tmp_path):
    files = DatabaseFileStore(sa.create_engine(f"sqlite:///{tmp_path / 'shared.db'}", future=True))
    first, second = copy_project(tmp_path / "first"), copy_project(tmp_path / "second")
    editor = Content(first, kept=ContentStore(files, first))
    editor.set_answer("library_hours", ANSWER)
    editor.add_example("faq/library_hours", "is the central library open early in january")
    assert "8am from January" not in Content(second).topic("library_hours").answer

    restored = ContentStore(files, second).restore()       # what a new web app does as it starts
    assert sorted(restored) == ["data/domain/faq.yml", "data/nlu/faq.yml"]
    again = Content(second)
    assert again.topic("library_hours").answer == ANSWER
    assert "is the central library open early in january" in again.all_examples()["faq/library_hours"]
    assert ContentStore(files, second).restore() == []     # nothing more to do


def test_a_release_that_changed_the_same_file_wins(tmp_path):
    files = DatabaseFileStore(sa.create_engine(f"sqlite:///{tmp_path / 'shared.db'}", future=True))
    first, release = copy_project(tmp_path / "first"), copy_project(tmp_path / "release")
    Content(first, kept=ContentStore(files, first)).set_answer("library_hours", ANSWER)
    answers = release / "data" / "domain" / "faq.yml"
    answers.write_text(answers.read_text(encoding="utf-8") + "\n# changed by the release\n", encoding="utf-8")
    assert ContentStore(files, release).restore() == []
    assert "# changed by the release" in answers.read_text(encoding="utf-8")
    assert files.get("content/data/domain/faq.yml") is not None   # the editors' version is set aside, not lost
