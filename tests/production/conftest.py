"""A real PostgreSQL, started from Debian's packages once for the production tests, never mocked."""
import shutil
import tempfile
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.cluster.services import Postgres

PG_PORT = 15432


@pytest.fixture(scope="session")
def postgres_server():
    """The server's address, without a database: `postgresql://postgres@127.0.0.1:15432`."""
    # PostgreSQL runs as the postgres user, who cannot enter pytest's root-only temporary folder.
    data = Path(tempfile.mkdtemp(prefix="council-pg-"))
    server = Postgres(data, PG_PORT).start()
    try:
        yield f"postgresql://postgres@127.0.0.1:{PG_PORT}"
    finally:
        server.stop()
        shutil.rmtree(data, ignore_errors=True)


def create_database(server: str, prefix: str = "assistant") -> str:
    """A new, empty database on the server; its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as db:
        db.execute(sa.text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return f"{server}/{name}"


@pytest.fixture(scope="module")
def postgres_url(postgres_server):
    """One database for a test module."""
    return create_database(postgres_server)


@pytest.fixture
def new_postgres_database(postgres_server):
    """A database of the test's own, so no test sees another's tables."""
    return create_database(postgres_server, "test")
