"""Run several processes, prefix their output with their names, restart any that dies.

A container platform restarts a failed replica; this does the same on one
machine, so killing one process (a test does) leaves the others serving.
Ctrl-C (SIGINT) or SIGTERM stops them all.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Dict, List, Optional

RESTART_AFTER = 2.0   # seconds
STOP_GRACE = 20.0     # seconds before a process that ignores SIGTERM is killed


@dataclass
class Child:
    name: str
    command: List[str]
    env: Dict[str, str]
    process: Optional[subprocess.Popen] = None
    died_at: Optional[float] = None
    restarts: int = field(default=0)


class Supervisor:
    def __init__(self, cwd: str):
        self.cwd = cwd
        self.children: List[Child] = []
        self.stopping = threading.Event()
        self._out = threading.Lock()

    def add(self, name: str, command: List[str], env: Dict[str, str]) -> None:
        self.children.append(Child(name, command, env))

    def _echo(self, child: Child, stream) -> None:
        width = max(len(c.name) for c in self.children)
        for line in iter(stream.readline, b""):
            with self._out:
                sys.stdout.write(f"{child.name:<{width}} | {line.decode('utf-8', 'replace')}")
                sys.stdout.flush()

    def _start(self, child: Child) -> None:
        child.process = subprocess.Popen(child.command, env=child.env, cwd=self.cwd, stdout=subprocess.PIPE,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        child.died_at = None
        threading.Thread(target=self._echo, args=(child, child.process.stdout), daemon=True).start()

    def run(self) -> int:
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: self.stopping.set())
        for child in self.children:
            self._start(child)
        while not self.stopping.wait(0.5):
            for child in self.children:
                if child.process.poll() is None:
                    continue
                if child.died_at is None:
                    child.died_at = time.monotonic()
                    self._say(f"{child.name} stopped (exit {child.process.returncode}); restarting it")
                elif time.monotonic() - child.died_at >= RESTART_AFTER:
                    child.restarts += 1
                    self._start(child)
        self.stop()
        return 0

    def stop(self) -> None:
        self._say("stopping every process")
        for child in self.children:
            if child.process and child.process.poll() is None:
                os.killpg(child.process.pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE
        for child in self.children:
            if child.process is None:
                continue
            try:
                child.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(child.process.pid, signal.SIGKILL)

    def _say(self, text: str) -> None:
        with self._out:
            print(f"cluster | {text}", flush=True)
