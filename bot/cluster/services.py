"""PostgreSQL and Redis from Debian's packages, for `make run-cluster` and the tests.

PostgreSQL will not run as root, so as root its commands run as the `postgres` user.
Both listen on loopback only; PostgreSQL trusts local connections (a
development cluster on one machine: production uses the council's own servers).
"""
from __future__ import annotations

import glob
import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import List, Optional

import sqlalchemy as sa


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise SystemExit("PostgreSQL is not installed: apt-get install postgresql")
    return found[-1]


def _as_postgres() -> List[str]:
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


def _run(command: List[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stdout}{done.stderr}")


class Postgres:
    def __init__(self, data: Path, port: int):
        self.data, self.port = Path(data), port

    def url(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> "Postgres":
        if not (self.data / "PG_VERSION").exists():
            self.data.mkdir(parents=True, exist_ok=True)
            if os.geteuid() == 0:
                shutil.chown(self.data, "postgres", "postgres")
            _run(_as_postgres() + [_pg_bin("initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres"])
        _run(_as_postgres() + [_pg_bin("pg_ctl"), "-D", str(self.data), "-w", "-l", str(self.data / "server.log"),
                               "-o", f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1", "start"])
        return self

    def create_database(self, name: str) -> str:
        admin = sa.create_engine(self.url("postgres"), isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as db:
                if not db.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first():
                    db.execute(sa.text(f'CREATE DATABASE "{name}"'))
        finally:
            admin.dispose()
        return self.url(name)

    def stop(self) -> None:
        subprocess.run(_as_postgres() + [_pg_bin("pg_ctl"), "-D", str(self.data), "-m", "fast", "stop"],
                       capture_output=True)


class Redis:
    def __init__(self, port: int):
        self.port = port
        self.process: Optional[subprocess.Popen] = None

    def url(self, database: int = 1) -> str:
        return f"redis://127.0.0.1:{self.port}/{database}"

    def start(self) -> "Redis":
        server = shutil.which("redis-server")
        if not server:
            raise SystemExit("Redis is not installed: apt-get install redis-server")
        self.process = subprocess.Popen([server, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                                         "--appendonly", "no"], stdout=subprocess.DEVNULL, start_new_session=True)
        import redis
        client = redis.Redis(port=self.port)
        for _ in range(100):
            try:
                client.ping()
                return self
            except redis.ConnectionError:
                time.sleep(0.1)
        raise RuntimeError(f"Redis did not start on port {self.port}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
