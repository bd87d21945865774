"""Schema migrations on a real PostgreSQL: a database made before migrations keeps every
row, the migrations and the tables in the code agree, and processes starting together
take turns. Each test has a database of its own (conftest.py)."""
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot import schema
from bot.filestore import DatabaseFileStore
from bot.handoff.escalations import EscalationStore
from bot.outbox import Outbox
from bot.settings import PROJECT_ROOT
from bot.staff.accounts import StaffStore

HEAD = schema.head()


def made_before_migrations(url: str) -> sa.engine.Engine:
    """A database as the code before migrations left it (each store's create_all), with a few rows."""
    engine = sa.create_engine(url, future=True)
    with engine.begin() as db:
        db.exec_driver_sql((PROJECT_ROOT / "tests" / "fixtures" / "main_schema_postgres.sql").read_text(encoding="utf-8"))
    return engine


def tables(engine) -> set:
    return set(sa.inspect(engine).get_table_names())


def test_a_database_made_before_migrations_is_upgraded_with_every_row(new_postgres_database):
    engine = made_before_migrations(new_postgres_database)
    assert "alembic_version" not in tables(engine)

    assert schema.upgrade(engine) == (None, HEAD)

    assert tables(engine) == set(schema.metadata.tables) | {"alembic_version"}
    assert StaffStore(engine).authenticate("sam", "correct horse battery").role == "admin"
    outbox = Outbox(engine)
    assert outbox.get("BBC-7XK2QF").backoffice_reference == "BRK-1000"
    assert outbox.get("BBC-9PLM3R").state == "queued"
    [callback] = EscalationStore(engine).callbacks()
    assert callback.callback_about == "Council tax single person discount"
    with engine.connect() as db:
        assert [tuple(row) for row in db.execute(sa.text("SELECT conversation_id, helpful FROM feedback ORDER BY id"))] \
            == [("resident-ann", True), ("resident-cy", False)]
        assert db.execute(sa.text("SELECT value FROM insights_state")).scalar() == 42
    # The sequences carry on after the old rows; the new table works.
    assert StaffStore(engine).add("alex", "Alex", "agent", "a long password!").id == 2
    assert DatabaseFileStore(engine).put("photos/a.jpg", b"jpeg").size == 4
    assert schema.differences(engine) == []


@pytest.mark.parametrize("start", ["empty", "made before migrations"])
def test_the_migrated_database_matches_the_tables_in_the_code(new_postgres_database, start):
    # Fails when a table or column is added to the code without a migration.
    if start == "empty":
        engine = sa.create_engine(new_postgres_database, future=True)
    else:
        engine = made_before_migrations(new_postgres_database)
    schema.upgrade(engine)
    assert schema.differences(engine) == []


def test_an_empty_database_reaches_head_and_a_second_upgrade_changes_nothing(new_postgres_database):
    engine = sa.create_engine(new_postgres_database, future=True)
    assert schema.upgrade(engine) == (None, HEAD)
    Outbox(engine)
    assert schema.upgrade(engine) == (HEAD, HEAD)
    with engine.connect() as db:
        assert db.execute(sa.text("SELECT count(*) FROM alembic_version")).scalar() == 1
    # The constraint names are PostgreSQL's own, as on databases made before migrations.
    inspector = sa.inspect(engine)
    assert inspector.get_pk_constraint("staff")["name"] == "staff_pkey"
    assert [found["name"] for found in inspector.get_unique_constraints("staff")] == ["staff_username_key"]


@pytest.mark.parametrize("start", ["empty", "made before migrations"])
def test_processes_upgrading_one_database_at_once_take_turns_and_all_succeed(new_postgres_database, start):
    engine = made_before_migrations(new_postgres_database) if start != "empty" \
        else sa.create_engine(new_postgres_database, future=True)
    env = {**os.environ, "DATABASE_URL": new_postgres_database}
    command = [str(Path(sys.executable).parent / "brackenford"), "db", "upgrade"]
    waiting = sa.text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
                      "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())")
    with engine.connect() as holder:
        # Hold the upgrade lock, so the processes reach it together, then let them go at once.
        holder.execute(sa.text("SELECT pg_advisory_lock(:key)"), {"key": schema.ADVISORY_LOCK})
        holder.commit()
        processes = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                     for _ in range(3)]
        deadline = time.monotonic() + 120
        while holder.execute(waiting).scalar() < len(processes):
            assert time.monotonic() < deadline, "the processes never reached the lock"
            assert all(process.poll() is None for process in processes), [p.communicate() for p in processes]
            holder.commit()
            time.sleep(0.1)
        holder.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": schema.ADVISORY_LOCK})
        holder.commit()
    results = [process.communicate(timeout=120) + (process.returncode,) for process in processes]
    assert [code for _, _, code in results] == [0, 0, 0], results
    befores = sorted(next(line for line in out.splitlines() if "before:" in line).split(":", 1)[1].strip()
                     for out, _, _ in results)
    assert befores == [HEAD, HEAD, "no revision (new, or made before migrations)"]   # one did the work
    assert schema.current(engine) == HEAD
    with engine.connect() as db:
        assert db.execute(sa.text("SELECT count(*) FROM alembic_version")).scalar() == 1
    assert schema.differences(engine) == []
