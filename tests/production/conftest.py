"""A real PostgreSQL, started from Debian's packages once for the production tests, never mocked."""
import glob
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

PG_PORT = 15432


def _pg_bin(name):
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    assert found, "PostgreSQL is not installed: make test installs Debian's postgresql"
    return found[-1]


@pytest.fixture(scope="session")
def postgres_server():
    """The server's address, without a database: `postgresql://postgres@127.0.0.1:15432`."""
    # PostgreSQL will not run as root: its data folder belongs to the postgres user,
    # outside pytest's root-only temporary folder.
    data = Path(tempfile.mkdtemp(prefix="council-pg-"))
    shutil.chown(data, "postgres", "postgres")
    as_postgres = ["runuser", "-u", "postgres", "--"]
    subprocess.run(as_postgres + [_pg_bin("initdb"), "-D", str(data), "-A", "trust", "-U", "postgres"],
                   check=True, capture_output=True)
    subprocess.run(as_postgres + [_pg_bin("pg_ctl"), "-D", str(data), "-w", "-l", str(data / "log"), "-o",
                                  f"-p {PG_PORT} -k {data} -c listen_addresses=127.0.0.1", "start"],
                   check=True, capture_output=True)
    try:
        yield f"postgresql://postgres@127.0.0.1:{PG_PORT}"
    finally:
        subprocess.run(as_postgres + [_pg_bin("pg_ctl"), "-D", str(data), "-m", "fast", "stop"], capture_output=True)
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
