"""A copy of the project's content to edit, so tests never change the real files."""
import shutil
from pathlib import Path

import pytest

from bot.settings import PROJECT_ROOT


def copy_project(target: Path, with_model: bool = False) -> Path:
    """The content (and, with `with_model`, the live model and its fingerprint) in a folder of its own."""
    shutil.copytree(PROJECT_ROOT / "data", target / "data")
    shutil.copy2(PROJECT_ROOT / "config.yml", target / "config.yml")
    (target / "tests").mkdir()
    shutil.copytree(PROJECT_ROOT / "tests" / "nlu", target / "tests" / "nlu")
    shutil.copytree(PROJECT_ROOT / "tests" / "stories", target / "tests" / "stories")
    (target / "models").mkdir()
    (target / "models" / "spacy").symlink_to(PROJECT_ROOT / "models" / "spacy")
    if with_model:
        for name in ("brackenford.tar.gz", "brackenford.tar.gz.understanding"):
            shutil.copy2(PROJECT_ROOT / "models" / name, target / "models" / name)
    return target


@pytest.fixture
def project(tmp_path):
    return copy_project(tmp_path / "project")
