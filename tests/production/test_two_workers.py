"""Two outbox workers, as real processes, sharing one PostgreSQL outbox: every report filed exactly once.

The reports are queued while the back office is down, both workers retry them
for a while, then the back office (a real process) comes up and they race to
deliver. Nothing is mocked: PostgreSQL from Debian's packages (conftest.py),
`python -m bot.worker` twice, `python -m bot.backoffice serve`.

The demo back office itself refuses a repeated client reference (it answers
with the case it already has), so counting its cases alone could not show a
report POSTed twice. The workers' own counters (/metrics: attempts minus
failures = successful POSTs) can: across both workers they must add up to
exactly the number of reports.
"""
from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from collections import Counter
from contextlib import ExitStack
from pathlib import Path
from typing import Callable, Dict, List

import pytest
import requests
import sqlalchemy as sa
from prometheus_client.parser import text_string_to_metric_families

from bot.backoffice.store import CaseStore
from bot.connectors.base import Report
from bot.outbox import Outbox
from bot.settings import PROJECT_ROOT
from tests.backoffice_process import API_KEY, BackOfficeProcess

REPORTS = 30
DOWN_SECONDS = 3        # how long the workers keep failing against the down back office
DELIVERY_TIMEOUT = 60   # seconds, once the back office is up


def free_ports(count: int) -> List[int]:
    """Distinct free loopback ports (all held open together while they are chosen)."""
    with ExitStack() as stack:
        sockets = [stack.enter_context(socket.socket()) for _ in range(count)]
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]


def listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


class Worker:
    """`python -m bot.worker` with its own health/metrics port and its own log file."""

    def __init__(self, name: str, workdir: Path, port: int, env: Dict[str, str]):
        self.name = name
        self.port = port
        self.log_path = workdir / f"worker-{name}.log"
        self.env = {**env, "WORKER_HOST": "127.0.0.1", "WORKER_PORT": str(port)}
        self.process = None

    def start(self) -> "Worker":
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen([sys.executable, "-m", "bot.worker"], cwd=PROJECT_ROOT,
                                            env=self.env, stdout=log, stderr=subprocess.STDOUT)
        return self

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""

    def live(self) -> bool:
        try:
            return requests.get(f"http://127.0.0.1:{self.port}/health/live", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def counters(self) -> Dict[str, float]:
        """attempts, and failures by reason, from the worker's /metrics."""
        text = requests.get(f"http://127.0.0.1:{self.port}/metrics", timeout=5).text
        found = {"attempts": 0.0, "unavailable": 0.0, "rejected": 0.0, "error": 0.0}
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                if sample.name == "assistant_worker_delivery_attempts_total":
                    found["attempts"] += sample.value
                elif sample.name == "assistant_worker_delivery_failures_total":
                    reason = sample.labels.get("reason", "error")
                    found[reason] = found.get(reason, 0.0) + sample.value
        found["succeeded"] = found["attempts"] - found["unavailable"] - found["rejected"] - found["error"]
        return found

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()   # SIGTERM: the worker finishes its round and stops
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


def stop_backoffice(backoffice: BackOfficeProcess) -> None:
    try:
        backoffice.stop()   # terminate, then a bounded wait
    except subprocess.TimeoutExpired:
        backoffice.process.kill()
        backoffice.process.wait(timeout=10)


def wait_for(condition: Callable[[], object], timeout: float, what: str, workers: List[Worker]):
    """Poll `condition` until it is true; fail (with the workers' logs) if a worker dies or time runs out."""
    deadline = time.monotonic() + timeout
    while True:
        for worker in workers:
            if not worker.alive():
                pytest.fail(f"worker {worker.name} exited ({worker.process.returncode}) while waiting for "
                            f"{what}:\n{worker.log()[-4000:]}")
        result = condition()
        if result:
            return result
        if time.monotonic() >= deadline:
            logs = "\n".join(f"--- worker {w.name} ---\n{w.log()[-3000:]}" for w in workers)
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}\n{logs}")
        time.sleep(0.2)


def report(number: int) -> Report:
    return Report(reference="", service_code="graffiti", lat=51.65, long=-3.39,
                  description=f"Graffiti on the bus shelter, report {number}",
                  address_string=f"{number} Westgate, Brackenford",
                  attributes={"usrn": "40500141", "offensive": "no"})


def test_two_workers_deliver_every_report_exactly_once(new_postgres_database, tmp_path):
    engine = sa.create_engine(new_postgres_database, future=True)
    outbox = Outbox(engine)
    backoffice_port, port_a, port_b = free_ports(3)
    workers: List[Worker] = []
    backoffice = None
    try:
        # Stored while the back office is down: nothing listens on its port yet.
        assert not listening(backoffice_port)
        references = [outbox.add(report(number)).reference for number in range(1, REPORTS + 1)]
        assert len(set(references)) == REPORTS

        env = {**os.environ,
               "DATABASE_URL": new_postgres_database,
               "BACKOFFICE_OPEN311_URL": f"http://127.0.0.1:{backoffice_port}/open311/v2",
               "BACKOFFICE_API_KEY": API_KEY,
               "OUTBOX_POLL_SECONDS": "0.2",
               "OUTBOX_RETRY_BASE_SECONDS": "0.5",
               "OUTBOX_RETRY_MAX_SECONDS": "1",
               "LOG_FORMAT": "text"}
        workers = [Worker("a", tmp_path, port_a, env), Worker("b", tmp_path, port_b, env)]
        for worker in workers:
            worker.start()
        wait_for(lambda: all(w.live() for w in workers), 60, "both workers' /health/live", workers)

        # Both fail against the down back office: every report tried, and retried after its back-off
        # (a worker's first round is slow: each refused POST takes ~0.4 s, as urllib3 retries the
        # connection twice, and the first retention run loads spaCy), then ~3 s more of failing.
        def tried_and_retried():
            attempts = [e.attempts for e in outbox.entries()]
            return min(attempts) > 0 and max(attempts) > 1

        wait_for(tried_and_retried, 90, "every report tried, and one retried after its back-off", workers)
        time.sleep(DOWN_SECONDS)
        entries = outbox.entries()
        assert len(entries) == REPORTS
        assert {e.state for e in entries} <= {"queued", "sending"}, Counter(e.state for e in entries)
        assert all(e.attempts > 0 and e.backoffice_reference is None for e in entries)
        assert all(e.last_error for e in entries if e.state == "queued")
        down = {w.name: w.counters() for w in workers}
        for name, counts in down.items():
            # An attempt is counted when it starts, a failure when it ends: a worker sends one report at
            # a time, so at most one of its attempts is in flight (and not yet a failure) when read.
            assert counts["succeeded"] <= 1 and counts["rejected"] == 0 and counts["error"] == 0, (name, counts)
        # Both workers were at work during the outage (each re-due report is up for grabs every
        # 0.4-1 s for 3+ s, and both look every 0.2 s: one worker getting none is not a timing risk).
        for worker in workers:
            assert down[worker.name]["attempts"] > 0, f"worker {worker.name} tried nothing:\n{worker.log()}"
            assert re.search(r"Back office unavailable for WEB-", worker.log()), worker.log()

        # The back office comes up (its own SQLite): every report delivered.
        backoffice = BackOfficeProcess(tmp_path, port=backoffice_port)
        backoffice.start()
        started = time.monotonic()

        def all_delivered():
            now = outbox.entries()
            rejected = [e for e in now if e.state == "rejected"]
            assert not rejected, [(e.reference, e.last_error) for e in rejected]
            return all(e.state == "delivered" for e in now)

        wait_for(all_delivered, DELIVERY_TIMEOUT, "every report to be delivered", workers)
        delivery_seconds = time.monotonic() - started

        # A few more rounds: anything sent twice would be sent by now; the counters must be still.
        time.sleep(1.5)
        after = {w.name: w.counters() for w in workers}
        time.sleep(0.5)
        assert after == {w.name: w.counters() for w in workers}, "the workers kept sending after delivery"
        entries = outbox.entries()
        assert len(entries) == REPORTS and all(e.state == "delivered" for e in entries)

        # Successful POSTs to the back office, across both workers: exactly one per report.
        succeeded = {name: counts["succeeded"] for name, counts in after.items()}
        assert sum(succeeded.values()) == REPORTS, (succeeded, after)
        assert all(counts["rejected"] == 0 and counts["error"] == 0 for counts in after.values()), after

        # The back office: exactly one case per report, each with one of our references.
        cases = CaseStore(backoffice.database_url).search()
        assert len(cases) == REPORTS
        client_references = Counter(case["client_reference"] for case in cases)
        assert set(client_references) == set(references)
        assert all(count == 1 for count in client_references.values()), client_references
        # The reference travelled as attribute[client_reference]: kept in its own column, not the attributes.
        assert all(json.loads(case["attributes"]) == {"usrn": "40500141", "offensive": "no"} for case in cases)
        listed = backoffice.cli("list")
        assert listed.returncode == 0, listed.stderr
        assert len(listed.stdout.splitlines()) == REPORTS

        # Our side: distinct back-office references, each the very case filed with our reference.
        backoffice_references = [e.backoffice_reference for e in entries]
        assert len(set(backoffice_references)) == REPORTS
        by_client_reference = {case["client_reference"]: case["service_request_id"] for case in cases}
        assert {e.reference: e.backoffice_reference for e in entries} == by_client_reference

        for worker in workers:
            assert "Outbox round failed" not in worker.log(), worker.log()

        # Which worker filed how many: shown, not asserted (the split is up to timing). The workers'
        # "Delivered N report(s)" lines are shown beside it, not trusted: deliver_due counts a report
        # another worker delivered after this one listed it, so they may add up to more than REPORTS.
        logged = {w.name: sum(int(n) for n in re.findall(r"Delivered (\d+) report", w.log())) for w in workers}
        print(f"\ndelivered {REPORTS} in {delivery_seconds:.1f} s after the back office came up; "
              f"successful POSTs per worker (metrics): {succeeded}; 'Delivered N' in the logs: {logged}; "
              f"attempts by report: {sorted(Counter(e.attempts for e in entries).items())}")
    finally:
        for worker in workers:
            worker.stop()
        if backoffice is not None:
            stop_backoffice(backoffice)
        engine.dispose()
