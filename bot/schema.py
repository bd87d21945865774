"""The project's tables: one metadata for every module's tables, and the migrations
(Alembic, in `bot/migrations/`) that bring a database up to date with them.

Each module still defines its own tables, on this `metadata`, and every store
calls `ready(engine)` before it uses them: the first call in a process upgrades
the database to the newest migration (the "head"); later calls cost nothing.
"""
from __future__ import annotations

import importlib
import logging
import threading
import weakref
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Optional, Set, Tuple

import sqlalchemy as sa

logger = logging.getLogger(__name__)

# Constraint names as PostgreSQL picks them itself (staff_pkey, staff_username_key), so
# databases made before migrations, by create_all, and databases made by the migrations
# have the same names; SQLite gets them written out too. Indexes keep SQLAlchemy's
# `ix_<table>_<column>`, as before.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "%(table_name)s_%(column_0_name)s_key",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "%(table_name)s_%(column_0_name)s_fkey",
    "pk": "%(table_name)s_pkey",
}
metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)

# Every module that defines tables on `metadata`.
TABLE_MODULES = (
    "bot.staff.accounts",
    "bot.staff.sessions",
    "bot.staff.throttle",
    "bot.feedback",
    "bot.handoff.escalations",
    "bot.outbox",
    "bot.report_updates",
    "bot.notifications",
    "bot.studio.publish",
    "bot.studio.inbox",
    "bot.studio.audit",
    "bot.insights.facts",
    "bot.filestore",
    "bot.rate_limit",
)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
BASELINE = "0001"              # the tables as they were before migrations
STORED_FILES = "0002"          # ...and the file store's table, which came just before them
# Held while a PostgreSQL database is upgraded, so processes starting together take turns.
ADVISORY_LOCK = 0x627261636B6E  # "brackn"

_ready: Set[str] = set()
_ready_in_memory: "weakref.WeakSet[sa.engine.Engine]" = weakref.WeakSet()
_ready_lock = threading.RLock()


def load_all_tables() -> sa.MetaData:
    """Import every table module, so `metadata` knows every table."""
    for name in TABLE_MODULES:
        importlib.import_module(name)
    return metadata


def include_name(name: Optional[str], type_: str, parent_names) -> bool:
    """Only the project's own tables are compared: Rasa's tracker store shares the database."""
    return type_ != "table" or name in metadata.tables


def config(connection: Optional[sa.engine.Connection] = None):
    """Alembic's configuration, made here instead of an alembic.ini."""
    from alembic.config import Config
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def head() -> str:
    from alembic.script import ScriptDirectory
    return ScriptDirectory.from_config(config()).get_current_head()


def _revision(connection: sa.engine.Connection) -> Optional[str]:
    from alembic.runtime.migration import MigrationContext
    return MigrationContext.configure(connection).get_current_revision()


def current(engine: sa.engine.Engine) -> Optional[str]:
    """The revision the database is at; None when no migration was ever recorded."""
    with engine.connect() as connection:
        return _revision(connection)


@contextmanager
def _one_at_a_time(connection: sa.engine.Connection) -> Iterator[None]:
    """One transaction for the whole upgrade, and no other process upgrading meanwhile."""
    dialect = connection.dialect.name
    if dialect == "postgresql":
        with connection.begin():
            connection.execute(sa.text("SELECT pg_advisory_lock(:key)"), {"key": ADVISORY_LOCK})
        try:
            with connection.begin():      # PostgreSQL's DDL is transactional: all or nothing
                yield
        finally:
            with connection.begin():
                connection.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_LOCK})
    elif dialect == "sqlite":
        # Python's sqlite3 does not begin a transaction before DDL; say BEGIN ourselves. IMMEDIATE
        # takes the write lock now: another process waits for it, then finds the work done.
        raw = connection.connection.dbapi_connection
        previous = raw.isolation_level
        raw.isolation_level = None
        try:
            with connection.begin():
                connection.exec_driver_sql("BEGIN IMMEDIATE")
                yield
        finally:
            raw.isolation_level = previous
    else:
        with connection.begin():
            yield


def _adopt(connection: sa.engine.Connection, cfg) -> None:
    """A database made before migrations (each store ran create_all) has the tables of
    the stores it used but no alembic_version: record it as the baseline, making any
    baseline table it lacks, so the migrations after the baseline can follow."""
    from alembic import command
    from alembic.script import ScriptDirectory
    baseline = set(ScriptDirectory.from_config(cfg).get_revision(BASELINE).module.TABLES)
    existing = set(sa.inspect(connection).get_table_names())
    found = existing & (baseline | {"stored_files"})
    if not found:
        return       # a new database (perhaps with Rasa's tables only): the migrations make everything
    logger.warning("Tables made before migrations (%s): recorded as revision %s.", ", ".join(sorted(found)),
                   BASELINE)
    if baseline <= existing:
        command.stamp(cfg, BASELINE)
    else:
        command.upgrade(cfg, BASELINE)     # the baseline makes only the tables that are missing
    if "stored_files" in existing:          # made by the file store before its migration existed
        command.stamp(cfg, STORED_FILES)


def upgrade(engine: sa.engine.Engine, revision: str = "head") -> Tuple[Optional[str], Optional[str]]:
    """Bring the database to `revision` (the newest by default); its revision before and after."""
    from alembic import command
    load_all_tables()
    with engine.connect() as connection:
        with _one_at_a_time(connection):
            before = _revision(connection)
            cfg = config(connection)
            if before is None:
                _adopt(connection, cfg)
            command.upgrade(cfg, revision)
            after = _revision(connection)
    if before != after:
        logger.info("Database upgraded from %s to %s.", before or "nothing", after)
    return before, after


def differences(engine: sa.engine.Engine) -> list:
    """What the tables in the code have that the database lacks, or the other way round, as
    Alembic's autogenerate sees it: empty when a migration exists for every change."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext
    load_all_tables()
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_name": include_name, "compare_type": True})
        return compare_metadata(context, metadata)


def _in_memory(engine: sa.engine.Engine) -> bool:
    return engine.dialect.name == "sqlite" and engine.url.database in (None, "", ":memory:")


def ready(engine: sa.engine.Engine) -> None:
    """Make sure the database has every table this code needs: upgrade it to head, once per
    process and database (cheap when it is already there)."""
    key = engine.url.render_as_string(hide_password=False)
    if key in _ready or engine in _ready_in_memory:
        return
    with _ready_lock:
        if key in _ready or engine in _ready_in_memory:
            return
        load_all_tables()
        if current(engine) != head():
            upgrade(engine)
        # An in-memory SQLite database is one per engine, whatever its URL.
        if _in_memory(engine):
            _ready_in_memory.add(engine)
        else:
            _ready.add(key)


def next_revision_id() -> str:
    """The number of the next migration: 0003 after 0002."""
    from alembic.script import ScriptDirectory
    numbers = [int(script.revision) for script in ScriptDirectory.from_config(config()).walk_revisions()
               if script.revision.isdigit()]
    return f"{max(numbers, default=0) + 1:04d}"


def db_command(args) -> None:
    """`brackenford db upgrade | current | revision -m "…" [--autogenerate]`."""
    from bot.db import engine as project_engine
    engine = project_engine()
    where = engine.url.render_as_string(hide_password=True)
    if args.action == "upgrade":
        before, after = upgrade(engine)
        print(f"Database {where}")
        print(f"  before: {before or 'no revision (new, or made before migrations)'}")
        print(f"  after:  {after}" + (" (head)" if after == head() else ""))
    elif args.action == "current":
        found, newest = current(engine), head()
        if found == newest:
            print(f"{found} (head)")
        else:
            print(f"{found or 'no revision'} (head is {newest}: run brackenford db upgrade)")
    elif args.action == "revision":
        from alembic import command
        if not args.message:
            raise SystemExit('Say what the migration does: brackenford db revision -m "add phone to staff"')
        rev_id = next_revision_id()
        if args.autogenerate:
            ready(engine)        # autogenerate compares the tables in the code with a database at head
            with engine.connect() as connection:
                script = command.revision(config(connection), message=args.message, rev_id=rev_id,
                                          autogenerate=True)
        else:
            script = command.revision(config(), message=args.message, rev_id=rev_id)
        print(f"Wrote {script.path}: {'check' if args.autogenerate else 'fill in'} upgrade() and downgrade(), "
              f"then run brackenford db upgrade.")
