"""Schema migrations (bot/schema.py, bot/migrations/) on SQLite: a database made before
migrations keeps every row; the migrations and the tables in the code agree."""
import os
import shutil
import sqlite3
import subprocess
import sys
from argparse import Namespace
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot import schema
from bot.filestore import DatabaseFileStore
from bot.handoff.escalations import EscalationStore
from bot.outbox import Outbox
from bot.settings import PROJECT_ROOT
from bot.staff.accounts import StaffStore

FIXTURES = PROJECT_ROOT / "tests" / "fixtures"
HEAD = schema.head()


def made_before_migrations(path: Path) -> sa.engine.Engine:
    """A database as the code before migrations left it (each store's create_all), with a few rows."""
    with sqlite3.connect(path) as db:
        db.executescript((FIXTURES / "main_schema_sqlite.sql").read_text(encoding="utf-8"))
    return sa.create_engine(f"sqlite:///{path}", future=True)


def tables(engine) -> set:
    return set(sa.inspect(engine).get_table_names())


def test_a_database_made_before_migrations_is_upgraded_with_every_row(tmp_path):
    engine = made_before_migrations(tmp_path / "old.db")
    assert "alembic_version" not in tables(engine)

    assert schema.upgrade(engine) == (None, HEAD)

    assert {"stored_files", "alembic_version"} <= tables(engine)
    assert StaffStore(engine).authenticate("sam", "correct horse battery").role == "admin"
    outbox = Outbox(engine)
    assert outbox.get("BBC-7XK2QF").backoffice_reference == "BRK-1000"
    assert outbox.get("BBC-9PLM3R").state == "queued"
    assert outbox.get("BBC-9PLM3R").report.description == "Deep pothole by the school gate"
    [callback] = EscalationStore(engine).callbacks()
    assert (callback.callback_name, callback.callback_contact) == ("Bea", "07700900123")
    with engine.connect() as db:
        assert [tuple(row) for row in db.execute(sa.text("SELECT conversation_id, helpful FROM feedback ORDER BY id"))] \
            == [("resident-ann", 1), ("resident-cy", 0)]
        assert db.execute(sa.text("SELECT target FROM studio_audit")).scalar() == "utter_faq/pay_council_tax"
        assert db.execute(sa.text("SELECT value FROM insights_state")).scalar() == 42
    # New rows follow the old ones; the new table works.
    assert StaffStore(engine).add("alex", "Alex", "agent", "a long password!").id == 2
    assert DatabaseFileStore(engine).put("photos/a.jpg", b"jpeg").size == 4


@pytest.mark.parametrize("start", ["empty", "made before migrations"])
def test_the_migrated_database_matches_the_tables_in_the_code(tmp_path, start):
    # Fails when a table or column is added to the code without a migration: write one
    # (brackenford db revision -m "..." --autogenerate, then check it).
    if start == "empty":
        engine = sa.create_engine(f"sqlite:///{tmp_path / 'new.db'}", future=True)
    else:
        engine = made_before_migrations(tmp_path / "old.db")
    schema.upgrade(engine)
    assert schema.differences(engine) == []
    assert tables(engine) == set(schema.metadata.tables) | {"alembic_version"}


def test_an_empty_database_reaches_head_and_a_second_upgrade_changes_nothing(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'new.db'}", future=True)
    assert schema.current(engine) is None
    assert schema.upgrade(engine) == (None, HEAD)
    Outbox(engine)
    with engine.begin() as db:
        db.execute(sa.text("INSERT INTO insights_state (name, value) VALUES ('last_event_id', 7)"))
    assert schema.upgrade(engine) == (HEAD, HEAD)
    assert schema.current(engine) == HEAD
    with engine.connect() as db:
        assert db.execute(sa.text("SELECT value FROM insights_state")).scalar() == 7
        assert db.execute(sa.text("SELECT count(*) FROM alembic_version")).scalar() == 1


def test_rasas_tables_alone_do_not_make_an_old_database_and_are_left_alone(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'rasa.db'}", future=True)
    with engine.begin() as db:
        db.execute(sa.text("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255), data TEXT)"))
        db.execute(sa.text("INSERT INTO events (sender_id, data) VALUES ('resident', '{}')"))
    assert schema.upgrade(engine) == (None, HEAD)
    assert schema.differences(engine) == []
    with engine.connect() as db:
        assert db.execute(sa.text("SELECT count(*) FROM events")).scalar() == 1


def test_an_old_database_with_only_some_tables_gets_the_rest(tmp_path):
    # Before migrations each store made its own tables when first used.
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'some.db'}", future=True)
    with sqlite3.connect(tmp_path / "some.db") as db:
        script = (FIXTURES / "main_schema_sqlite.sql").read_text(encoding="utf-8")
        statements = [s for s in script.split(";\n") if "service_reports" in s]
        db.executescript(";\n".join(statements) + ";")
    assert tables(engine) == {"service_reports"}
    assert schema.upgrade(engine) == (None, HEAD)
    assert Outbox(engine).get("BBC-7XK2QF").state == "delivered"
    assert schema.differences(engine) == []


def test_an_old_database_whose_file_store_made_its_table_is_recorded_at_that_revision(tmp_path):
    engine = made_before_migrations(tmp_path / "old.db")
    with engine.begin() as db:   # the file store made its table with create_all before its migration existed
        db.execute(sa.text('CREATE TABLE stored_files ("key" VARCHAR(255) NOT NULL, content BLOB NOT NULL, '
                           "content_type VARCHAR(100) NOT NULL, etag VARCHAR(64) NOT NULL, size INTEGER NOT NULL, "
                           'note VARCHAR(255) NOT NULL, updated_at DATETIME NOT NULL, PRIMARY KEY ("key"))'))
        db.execute(sa.text("INSERT INTO stored_files VALUES ('models/live.tar.gz', x'00', 'a', 'e', 1, '', "
                           "'2026-11-01 10:00:00.000000')"))
    assert schema.upgrade(engine) == (None, HEAD)
    assert DatabaseFileStore(engine).get("models/live.tar.gz") == b"\x00"
    assert schema.differences(engine) == []


def test_ready_upgrades_once_per_database_and_then_costs_nothing(tmp_path, monkeypatch):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'ready.db'}", future=True)
    schema.ready(engine)
    assert schema.current(engine) == HEAD

    def must_not_run(*args, **kwargs):
        raise AssertionError("upgraded again")

    monkeypatch.setattr(schema, "upgrade", must_not_run)
    monkeypatch.setattr(schema, "current", must_not_run)
    schema.ready(engine)
    schema.ready(sa.create_engine(f"sqlite:///{tmp_path / 'ready.db'}", future=True))   # same database, new engine


def test_a_failing_migration_leaves_the_database_as_it_was(tmp_path, monkeypatch):
    migrations = tmp_path / "migrations"
    shutil.copytree(schema.MIGRATIONS, migrations, ignore=shutil.ignore_patterns("__pycache__"))
    number = f"{int(HEAD) + 1:04d}"
    (migrations / "versions" / f"{number}_broken.py").write_text(
        f'from alembic import op\nimport sqlalchemy as sa\nrevision = "{number}"\ndown_revision = "{HEAD}"\n'
        "branch_labels = depends_on = None\n\n\ndef upgrade():\n"
        '    op.create_table("half_done", sa.Column("id", sa.Integer, primary_key=True))\n'
        '    raise RuntimeError("the migration failed")\n', encoding="utf-8")
    monkeypatch.setattr(schema, "MIGRATIONS", migrations)
    engine = made_before_migrations(tmp_path / "old.db")
    before = tables(engine)
    with pytest.raises(RuntimeError, match="the migration failed"):
        schema.upgrade(engine)
    assert tables(engine) == before            # no half-done table, no stored_files, no alembic_version
    assert schema.current(engine) is None


def test_two_processes_upgrading_one_sqlite_database_at_once_both_succeed(tmp_path):
    made_before_migrations(tmp_path / "old.db")
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'old.db'}"}
    command = [str(Path(sys.executable).parent / "brackenford"), "db", "upgrade"]
    processes = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for _ in range(2)]
    results = [process.communicate(timeout=120) + (process.returncode,) for process in processes]
    assert [code for _, _, code in results] == [0, 0], results
    assert all(f"after:  {HEAD} (head)" in out for out, _, _ in results)
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'old.db'}", future=True)
    assert schema.current(engine) == HEAD
    assert Outbox(engine).get("BBC-7XK2QF").state == "delivered"


def test_the_db_commands(tmp_path, monkeypatch, capsys):
    from bot import db
    from bot.cli import main
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    db.engine.cache_clear()
    try:
        main(["db", "current"])
        assert capsys.readouterr().out == f"no revision (head is {HEAD}: run brackenford db upgrade)\n"
        main(["db", "upgrade"])
        assert capsys.readouterr().out.splitlines()[1:] == [
            "  before: no revision (new, or made before migrations)", f"  after:  {HEAD} (head)"]
        main(["db", "upgrade"])
        assert capsys.readouterr().out.splitlines()[1:] == [f"  before: {HEAD}", f"  after:  {HEAD} (head)"]
        main(["db", "current"])
        assert capsys.readouterr().out == f"{HEAD} (head)\n"
    finally:
        db.engine.cache_clear()


def test_db_revision_writes_the_next_numbered_migration(tmp_path, monkeypatch):
    migrations = tmp_path / "migrations"
    shutil.copytree(schema.MIGRATIONS, migrations, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(schema, "MIGRATIONS", migrations)
    number = f"{int(HEAD) + 1:04d}"
    schema.db_command(Namespace(action="revision", message="Add phone to staff", autogenerate=False))
    written = migrations / "versions" / f"{number}_add_phone_to_staff.py"
    text = written.read_text(encoding="utf-8")
    assert f"revision = '{number}'" in text and f"down_revision = '{HEAD}'" in text
    assert schema.head() == number
