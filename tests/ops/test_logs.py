"""LOG_FORMAT=json: every process logs one JSON object per line (time, level, logger, message,
exception), the Rasa server too, through deploy/logging-json.yml."""
import json
import os
import signal
import socket
import subprocess
import sys
import time

import requests

from bot.serve import command
from bot.settings import PROJECT_ROOT

LOGGING_JSON = str(PROJECT_ROOT / "deploy" / "logging-json.yml")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def json_lines(text: str):
    lines = [line for line in text.splitlines() if line.strip()]
    assert lines, "nothing was logged"
    return [json.loads(line) for line in lines]   # fails on any line that is not one JSON object


def run_python(code: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True,
                          timeout=120, env={**os.environ, **env})


def test_one_json_object_per_line():
    done = run_python(
        "import logging\n"
        "from bot.logs import configure_logging\n"
        "configure_logging()\n"
        "log = logging.getLogger('bot.outbox')\n"
        "log.info('Delivered %d report(s)', 2, extra={'reference': 'WEB-ABC123'})\n"
        "log.warning('two\\nlines and \"quotes\"')\n"
        "try:\n    1 / 0\nexcept ZeroDivisionError:\n    log.exception('Outbox round failed')\n",
        LOG_FORMAT="json")
    info, warning, error = json_lines(done.stderr)
    assert list(info)[:4] == ["time", "level", "logger", "message"]
    assert info["level"] == "INFO" and info["logger"] == "bot.outbox"
    assert info["message"] == "Delivered 2 report(s)" and info["reference"] == "WEB-ABC123"
    assert info["time"].endswith("+00:00")
    assert warning["message"] == 'two\nlines and "quotes"'
    assert error["level"] == "ERROR" and "ZeroDivisionError: division by zero" in error["exception"]


def test_text_unless_asked():
    done = run_python("import logging\nfrom bot.logs import configure_logging\nconfigure_logging()\n"
                      "logging.getLogger('bot.worker').info('started')\n", LOG_FORMAT="")
    assert done.stderr.strip().endswith("bot.worker INFO started")


def test_rasa_gets_the_same_format():
    # What Rasa's command line does with --logging-config-file: dictConfig, then coloredlogs, then Sanic's levels.
    done = run_python(
        "import logging\n"
        "import rasa.utils.common, rasa.utils.io\n"
        f"rasa.utils.common.configure_logging_and_warnings(None, {LOGGING_JSON!r}, True, True)\n"
        "rasa.utils.io.configure_colored_logging(None)\n"
        "rasa.utils.common.update_sanic_log_level()\n"
        "logging.getLogger('rasa.core.run').info('Rasa server is up and running.')\n"
        "logging.getLogger('sanic.error').error('Exception occurred while handling uri')\n"
        "logging.getLogger('bot.stores').warning('a warning')\n"
        "import warnings; warnings.warn('Slot auto-fill has been removed', UserWarning)\n")
    lines = json_lines(done.stderr)
    assert [(line["logger"], line["level"]) for line in lines] == [
        ("rasa.core.run", "INFO"), ("sanic.error", "ERROR"), ("bot.stores", "WARNING"), ("py.warnings", "WARNING")]
    assert "Slot auto-fill has been removed" in lines[-1]["message"]


def test_serve_passes_the_json_config_to_rasa():
    args = command("rasa", {"LOG_FORMAT": "json"})
    assert args[args.index("--logging-config-file") + 1] == LOGGING_JSON
    assert "--logging-config-file" not in command("rasa", {})
    mine = command("rasa", {"LOG_FORMAT": "json", "RASA_LOGGING_CONFIG": "/etc/mine.yml"})
    assert mine[mine.index("--logging-config-file") + 1] == "/etc/mine.yml"


def wait_for(url: str) -> None:
    for _ in range(150):
        try:
            requests.get(url, timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise AssertionError(f"{url} never answered")


def test_every_project_process_logs_json(tmp_path):
    """The real processes, Sanic's own start-up lines and the worker's first round included."""
    ports = {role: free_port() for role in ("web", "worker", "actions", "backoffice")}
    env = {**os.environ, "LOG_FORMAT": "json", "WEB_PORT": str(ports["web"]), "WORKER_PORT": str(ports["worker"]),
           "ACTIONS_PORT": str(ports["actions"]), "BACKOFFICE_PORT": str(ports["backoffice"]),
           "BACKOFFICE_DATABASE_URL": f"sqlite:///{tmp_path / 'backoffice.db'}",
           "RASA_URL": "http://127.0.0.1:9", "PHOTO_DIR": str(tmp_path / "photos")}
    modules = {"web": ["bot.web"], "worker": ["bot.worker"], "actions": ["bot.action_server"],
               "backoffice": ["bot.backoffice", "serve"]}
    probes = {"web": "/health/live", "worker": "/health/live", "actions": "/health/live", "backoffice": "/health"}
    processes = {role: subprocess.Popen([sys.executable, "-m", *module], cwd=PROJECT_ROOT, env=env,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                 for role, module in modules.items()}
    try:
        for role, path in probes.items():
            wait_for(f"http://127.0.0.1:{ports[role]}{path}")
    finally:
        for process in processes.values():
            process.send_signal(signal.SIGINT)
        output = {role: process.communicate(timeout=30)[0] for role, process in processes.items()}
    logged = {role: json_lines(text) for role, text in output.items()}
    for role in ("web", "backoffice"):
        assert any(line["logger"] == "sanic.root" and "Goin' Fast" in line["message"] for line in logged[role]), role
    assert any(line["logger"] == "bot.worker" and line["message"].startswith("Outbox worker started")
               for line in logged["worker"])
