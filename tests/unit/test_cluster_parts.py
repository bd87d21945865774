"""The pieces of `make run-cluster` that need no running cluster: the load balancer's
configuration, and the supervisor that restarts a process that stops."""
import shutil
import subprocess
import sys
import threading
import time

from bot.cluster.haproxy import config
from bot.cluster.supervisor import Supervisor


def test_haproxy_accepts_the_cluster_configuration(tmp_path):
    haproxy = shutil.which("haproxy")
    assert haproxy, "HAProxy is not installed: make test installs Debian's haproxy"
    path = tmp_path / "haproxy.cfg"
    path.write_text(config(5005, [5006, 5007, 5008], 5055, [5056, 5057]), encoding="utf-8")
    checked = subprocess.run([haproxy, "-c", "-f", str(path)], capture_output=True, text=True, timeout=30)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    text = path.read_text(encoding="utf-8")
    assert text.count("server rasa") == 6 and text.count("server actions") == 2   # REST and socket.io backends
    assert "balance source" in text and "retry-on conn-failure" in text


def test_a_process_that_stops_is_started_again(tmp_path, monkeypatch):
    monkeypatch.setattr("bot.cluster.supervisor.RESTART_AFTER", 0.2)
    marker = tmp_path / "starts"
    supervisor = Supervisor(str(tmp_path))
    # Counts its starts, then dies at once: the supervisor must keep bringing it back.
    supervisor.add("flaky", [sys.executable, "-c", f"open({str(marker)!r}, 'a').write('x')"], {})
    runner = threading.Thread(target=supervisor.run)
    monkeypatch.setattr("signal.signal", lambda *args: None)   # not the main thread: no handlers here
    runner.start()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and (not marker.exists() or len(marker.read_text()) < 3):
        time.sleep(0.1)
    supervisor.stopping.set()
    runner.join(timeout=30)
    assert len(marker.read_text()) >= 3 and not runner.is_alive()
