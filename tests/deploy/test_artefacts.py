"""The deployment artefacts in deploy/: what can be checked without Docker or a cluster.

Docker does not run on the build machines, so nothing here builds the image or starts a
container. These tests read the files: every YAML parses; every container runs a role that
`brackenford serve` knows (or the migration); every setting they give is one the code reads;
probes and health checks ask the documented paths; Rasa and the action servers are replicated;
one install script serves the Makefile and the image; no secret is written down. HAProxy
(Debian's, installed by `make test`) checks and runs its configuration against stub servers.
"""
from __future__ import annotations

import contextlib
import http.server
import importlib.util
import math
import os
import re
import shutil
import socket
import subprocess
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Dict, Iterator, List, Set, Tuple
from urllib.parse import urlsplit

import pytest
import requests
import yaml

from bot.serve import ROLES, command
from bot.settings import PROJECT_ROOT

DEPLOY = PROJECT_ROOT / "deploy"
K8S = DEPLOY / "k8s"
COMPOSE = DEPLOY / "compose.yaml"
HELM_VALUES = DEPLOY / "helm" / "values.yaml"
DOCKERFILE = DEPLOY / "Dockerfile"
ENV_EXAMPLE = DEPLOY / ".env.example"

MIGRATE = "migrate"
IMAGE_USER = 10001

# The documented endpoints of each role: (port, liveness path, readiness path, metrics path).
ENDPOINTS = {
    "rasa": (5005, "/webhooks/ops/live", "/webhooks/ops/ready", "/webhooks/ops/metrics"),
    "actions": (5055, "/health/live", "/health/ready", "/metrics"),
    "web": (8000, "/health/live", "/health/ready", "/metrics"),
    "worker": (9100, "/health/live", "/health/ready", "/metrics"),
    "backoffice": (8080, "/health", "/health", None),
}

# Settings the assistant's containers are given that the project's code does not read itself:
# who reads each one.
READ_ELSEWHERE = {
    "PATH": "the shell: finds brackenford and rasa in the image's virtualenv",
    "PYTHONPATH": "Python: runs the project's copy of bot/ (bot.settings.PROJECT_ROOT)",
    "PYTHONUNBUFFERED": "Python",
    "PYTHONDONTWRITEBYTECODE": "Python",
    "PYTHONWARNINGS": "Python",
    "TF_CPP_MIN_LOG_LEVEL": "TensorFlow's C++ logging",
    "SQLALCHEMY_SILENCE_UBER_WARNING": "sqlalchemy/util/deprecations.py",
    "RASA_TELEMETRY_ENABLED": "rasa/telemetry.py",
    "RASA_MAX_CACHE_SIZE": "rasa/engine/caching.py",
}

SECRETS = ("RASA_API_TOKEN", "BACKOFFICE_API_KEY", "DATABASE_URL", "REDIS_URL")
PLACEHOLDER = "CHANGE_ME"


# --- reading the files ---------------------------------------------------------------------------

def yaml_files() -> List[Path]:
    return sorted(p for p in DEPLOY.rglob("*") if p.suffix in (".yaml", ".yml"))


def load_all(path: Path) -> List[dict]:
    return [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc is not None]


def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def app_services() -> Dict[str, dict]:
    """Compose services that run the assistant's image."""
    return {name: service for name, service in compose()["services"].items()
            if "build" in service and service["build"].get("dockerfile") == "deploy/Dockerfile"}


def compose_role(service: dict) -> str:
    cmd = service.get("command")
    assert isinstance(cmd, list) and len(cmd) == 1, f"command should be [ROLE], not {cmd!r}"
    return cmd[0]


def k8s_docs() -> List[Tuple[Path, dict]]:
    return [(path, doc) for path in sorted(K8S.glob("*.yaml")) for doc in load_all(path)]


def k8s_kind(kind: str) -> List[dict]:
    return [doc for _, doc in k8s_docs() if doc.get("kind") == kind]


def pod_spec(workload: dict) -> dict:
    return workload["spec"]["template"]["spec"]


def k8s_containers() -> List[Tuple[dict, dict]]:
    """(workload, container) for every container of every Deployment and Job."""
    return [(doc, container) for doc in k8s_kind("Deployment") + k8s_kind("Job")
            for container in pod_spec(doc)["containers"]]


def helm() -> dict:
    return yaml.safe_load(HELM_VALUES.read_text(encoding="utf-8"))


def helm_charts() -> List[Tuple[str, dict]]:
    """(role, values) for the rasa chart and its action server subchart."""
    values = helm()
    return [("rasa", values), ("actions", values["rasa-action-server"])]


def env_file(path: Path) -> Dict[str, str]:
    pairs = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            pairs[name.strip()] = value.strip()
    return pairs


def dockerfile_instructions() -> List[Tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    joined, current = [], ""
    for line in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        if not current and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.lstrip().startswith("#"):
            continue
        current += line.rstrip("\\").rstrip() + " " if line.endswith("\\") else line
        if not line.endswith("\\"):
            joined.append(current.strip())
            current = ""
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "") for line in joined]


def dockerfile_env() -> Dict[str, str]:
    env = {}
    for instruction, args in dockerfile_instructions():
        if instruction == "ENV":
            for pair in args.split():
                name, _, value = pair.partition("=")
                env[name] = value
    return env


def code_text() -> str:
    """What the project's processes read their settings in: its Python code and Rasa's files."""
    files = [*sorted((PROJECT_ROOT / "bot").rglob("*.py")), *sorted((PROJECT_ROOT / "actions").rglob("*.py")),
             PROJECT_ROOT / "endpoints.yml", PROJECT_ROOT / "credentials.yml"]
    return "\n".join(path.read_text(encoding="utf-8") for path in files if path.exists())


def is_read(name: str, text: str) -> bool:
    return bool(re.search(rf"[\"']{name}[\"']|\$\{{{name}\}}", text))


def url_host_port(url: str) -> Tuple[str, int, str]:
    parts = urlsplit(url)
    return parts.hostname, parts.port or (443 if parts.scheme == "https" else 80), parts.path


# --- every file parses -----------------------------------------------------------------------------

@pytest.mark.parametrize("path", yaml_files(), ids=lambda p: str(p.relative_to(DEPLOY)))
def test_every_yaml_file_parses(path):
    docs = load_all(path)
    assert docs, f"{path} has no document"
    assert all(isinstance(doc, dict) for doc in docs)


def test_the_expected_files_exist():
    for relative in ("install.sh", "entrypoint.sh", "Dockerfile", "compose.yaml", "compose-haproxy.cfg",
                     ".env.example", "README.md", "helm/values.yaml", "k8s/kustomization.yaml",
                     "k8s/configmap.yaml", "k8s/secret.example.yaml", "k8s/migrate-job.yaml"):
        assert (DEPLOY / relative).is_file(), relative
    assert (PROJECT_ROOT / ".dockerignore").is_file()
    for script in ("install.sh", "entrypoint.sh"):
        assert os.access(DEPLOY / script, os.X_OK), f"deploy/{script} is not executable"


# --- one install script -------------------------------------------------------------------------

def _installed_recipe() -> List[str]:
    lines = (PROJECT_ROOT / "Makefile").read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("$(VENV)/.installed:"))
    recipe = []
    for line in lines[start + 1:]:
        if not line.startswith("\t"):
            break
        recipe.append(line.strip())
    return recipe


def test_the_makefile_installs_with_deploy_install_sh():
    recipe = _installed_recipe()
    assert any(line.startswith("deploy/install.sh") and "$(VENV)" in line for line in recipe), recipe
    assert not any("pip install" in line for line in recipe), "the Makefile should leave pip to deploy/install.sh"


def test_the_dockerfile_installs_with_deploy_install_sh():
    runs = [args for instruction, args in dockerfile_instructions() if instruction == "RUN"]
    installs = [run for run in runs if "deploy/install.sh" in run]
    assert len(installs) == 1 and "--production" in installs[0], installs
    assert not any("pip install" in run for run in runs), "the Dockerfile should leave pip to deploy/install.sh"


def test_nothing_else_runs_pip_on_the_lock():
    """One install script: nobody else installs from requirements.lock."""
    others = [path for path in [PROJECT_ROOT / "Makefile", *DEPLOY.rglob("*"), *(PROJECT_ROOT / ".ci").glob("*")]
              if path.is_file() and path.name != "install.sh"
              and re.search(r"pip install[^\n]*requirements\.lock", path.read_text(encoding="utf-8", errors="ignore"))]
    assert not others


@pytest.fixture
def fake_python(tmp_path):
    """A `python` that logs its arguments and working folder, and makes venvs of itself."""
    log = tmp_path / "calls.log"
    script = tmp_path / "fake-python"
    script.write_text(f"""#!/bin/sh
echo "$(pwd) $*" >> {log}
if [ "$1" = "-m" ] && [ "$2" = "venv" ]; then mkdir -p "$3/bin" && cp "$0" "$3/bin/python"; fi
""")
    script.chmod(0o755)
    return script, log


def _install(args, cwd, env_python) -> None:
    env = {**os.environ, "PYTHON": str(env_python)}
    subprocess.run([str(DEPLOY / "install.sh"), *args], cwd=cwd, env=env, check=True, capture_output=True, timeout=30)


def test_install_sh_does_what_make_install_did(tmp_path, fake_python):
    script, log = fake_python
    _install(["venv"], cwd=tmp_path, env_python=script)   # relative to where it is called from
    calls = log.read_text().splitlines()
    assert calls == [
        f"{PROJECT_ROOT} -m venv {tmp_path / 'venv'}",
        f"{PROJECT_ROOT} -m pip install --quiet --upgrade pip==24.0",
        f"{PROJECT_ROOT} -m pip install --quiet -c requirements.lock -e .[dev]",
    ]


def test_install_sh_production_is_not_editable_and_has_no_dev_extras(tmp_path, fake_python):
    script, log = fake_python
    _install(["--production", str(tmp_path / "venv")], cwd=tmp_path, env_python=script)
    calls = log.read_text().splitlines()
    assert calls[-1] == f"{PROJECT_ROOT} -m pip install --quiet -c requirements.lock ."
    # An existing venv is used as it is.
    log.unlink()
    _install([str(tmp_path / "venv")], cwd=tmp_path, env_python=script)
    assert not any("-m venv" in call for call in log.read_text().splitlines())


def test_install_sh_refuses_an_unknown_option(tmp_path):
    result = subprocess.run([str(DEPLOY / "install.sh"), "--prod"], cwd=tmp_path, capture_output=True, timeout=30)
    assert result.returncode == 64


# --- the image ---------------------------------------------------------------------------------

def test_dockerfile_is_python_310_slim_and_runs_as_a_service_user():
    instructions = dockerfile_instructions()
    text = DOCKERFILE.read_text(encoding="utf-8")
    assert re.search(r"^ARG PYTHON_IMAGE=python:3\.10-slim$", text, re.M)
    assert all(args.startswith("${PYTHON_IMAGE}") for instruction, args in instructions if instruction == "FROM")
    users = [args for instruction, args in instructions if instruction == "USER"]
    assert users and users[-1] not in ("root", "0")
    assert f"--uid {IMAGE_USER}" in text
    assert not any(instruction == "HEALTHCHECK" for instruction, _ in instructions), \
        "health checks depend on the role: compose and Kubernetes say them"


def test_dockerfile_entrypoint_runs_a_role():
    entrypoints = [args for instruction, args in dockerfile_instructions() if instruction == "ENTRYPOINT"]
    assert len(entrypoints) == 1
    assert entrypoints[0].endswith('"/opt/brackenford/deploy/entrypoint.sh"]')
    workdir = [args for instruction, args in dockerfile_instructions() if instruction == "WORKDIR"][-1]
    assert workdir == "/opt/brackenford"


def test_image_runs_the_projects_own_copy_of_bot():
    """bot.settings.PROJECT_ROOT is the folder above the imported bot/: it must be the WORKDIR,
    where data/, models/ and endpoints.yml are, and where the venv is (.venv/bin/rasa)."""
    env = dockerfile_env()
    workdir = [args for instruction, args in dockerfile_instructions() if instruction == "WORKDIR"][-1]
    assert env["PYTHONPATH"] == workdir
    assert env["PATH"].startswith(f"{workdir}/.venv/bin:")
    assert f"--production {workdir}/.venv" in DOCKERFILE.read_text(encoding="utf-8")


def test_image_listens_beyond_loopback():
    env = dockerfile_env()
    for name in ("RASA_HOST", "ACTIONS_HOST", "WEB_HOST", "BACKOFFICE_HOST", "WORKER_HOST"):
        assert env.get(name) == "0.0.0.0", name


def test_image_bakes_in_no_secret():
    env = dockerfile_env()
    assert not set(env) & set(SECRETS)
    args = [args for instruction, args in dockerfile_instructions() if instruction == "ARG"]
    assert not any(secret in arg for arg in args for secret in SECRETS)


def _train_args(text: str) -> List[str]:
    found = re.search(r"rasa train ((?:[^\n\\]|\\\n)*)", text)
    assert found, "no `rasa train` command"
    words = found.group(1).replace("\\\n", " ").split()
    return words[:next((i for i, word in enumerate(words) if word in ("&&", ";", "@touch")), len(words))]


def test_image_trains_exactly_as_make_train():
    assert _train_args(DOCKERFILE.read_text(encoding="utf-8")) == \
        _train_args((PROJECT_ROOT / "Makefile").read_text(encoding="utf-8"))
    text = DOCKERFILE.read_text(encoding="utf-8")
    assert "python -m bot.nlp.pipeline" in text
    assert re.search(r"^ARG TRAIN_MODEL=", text, re.M)


def test_dockerignore_keeps_local_and_secret_files_out():
    patterns = {line.strip() for line in (PROJECT_ROOT / ".dockerignore").read_text().splitlines()
                if line.strip() and not line.startswith("#")}
    for required in (".git", "**/.venv", "var", "models/*", "**/node_modules", "**/.env"):
        assert required in patterns, required


# --- the entry point ----------------------------------------------------------------------------

def _entrypoint(tmp_path, *args) -> subprocess.CompletedProcess:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    fake = bin_dir / "brackenford"
    fake.write_text('#!/bin/sh\necho "brackenford $*"\n')
    fake.chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    return subprocess.run(["sh", str(DEPLOY / "entrypoint.sh"), *args], env=env, capture_output=True,
                          text=True, timeout=30)


def test_entrypoint_knows_exactly_the_roles_of_brackenford_serve():
    roles_line = re.search(r"^\s*([a-z|]+)\)\s*$", (DEPLOY / "entrypoint.sh").read_text(), re.M).group(1)
    assert tuple(roles_line.split("|")) == ROLES


@pytest.mark.parametrize("role", ROLES)
def test_entrypoint_serves_each_role(tmp_path, role):
    assert _entrypoint(tmp_path, role).stdout.strip() == f"brackenford serve {role}"


def test_entrypoint_migrates_runs_commands_and_needs_a_role(tmp_path):
    assert _entrypoint(tmp_path, MIGRATE).stdout.strip() == "brackenford db upgrade"
    assert _entrypoint(tmp_path, "brackenford", "staff", "list").stdout.strip() == "brackenford staff list"
    assert _entrypoint(tmp_path).returncode == 64


# --- roles and the migration exist -------------------------------------------------------------

def _roles_used() -> Set[str]:
    used = {compose_role(service) for service in app_services().values()}
    used |= {container["args"][0] for _, container in k8s_containers()}
    used |= {values["args"][0] for _, values in helm_charts()}
    return used


def test_every_container_runs_a_role_or_the_migration():
    assert _roles_used() <= set(ROLES) | {MIGRATE}
    assert _roles_used() == set(ROLES) | {MIGRATE}, "every role and the migration should be deployed"


@pytest.mark.parametrize("role", ROLES)
def test_each_role_has_something_to_run(role):
    args = command(role, {})
    if "-m" in args:
        module = args[args.index("-m") + 1]
        assert importlib.util.find_spec(module) is not None, module
    else:
        assert Path(args[0]).name == "rasa" and args[1] == "run"
        assert shutil.which(args[0]) or (PROJECT_ROOT / ".venv" / "bin" / "rasa").exists()


def test_the_migration_command_exists(capsys):
    from bot.cli import main
    with pytest.raises(SystemExit) as leaving:
        main(["db", "upgrade", "--help"])
    assert leaving.value.code == 0, "no `brackenford db upgrade` in bot/cli.py"
    assert "upgrade" in capsys.readouterr().out


# --- compose ------------------------------------------------------------------------------------

def test_compose_runs_the_production_topology():
    roles = Counter()
    for service in app_services().values():
        roles[compose_role(service)] += service.get("deploy", {}).get("replicas", 1)
    assert roles[MIGRATE] == 1 and roles["web"] == 1 and roles["backoffice"] == 1
    assert roles["rasa"] >= 2 and roles["actions"] >= 2 and roles["worker"] >= 2
    services = compose()["services"]
    assert {"postgres", "redis", "haproxy"} <= set(services)


def test_compose_migrates_before_anything_else_starts():
    for name, service in app_services().items():
        role = compose_role(service)
        depends = service.get("depends_on", {})
        if role == MIGRATE:
            assert service.get("restart") == "no"
            assert depends["postgres"]["condition"] == "service_healthy"
        elif role != "backoffice":   # the demo back office keeps its own database
            assert depends["migrate"]["condition"] == "service_completed_successfully", name


def test_compose_health_checks_ask_the_documented_paths():
    for name, service in app_services().items():
        role = compose_role(service)
        if role == MIGRATE:
            assert "healthcheck" not in service
            continue
        port, _, ready, _ = ENDPOINTS[role]
        test = " ".join(service["healthcheck"]["test"])
        assert f"http://127.0.0.1:{port}{ready}'" in test, (name, test)
    for name in ("postgres", "redis"):
        assert compose()["services"][name]["healthcheck"]["test"]


def test_compose_publishes_only_the_load_balancer():
    published = {name for name, service in compose()["services"].items() if service.get("ports")}
    assert published == {"haproxy"}
    assert sorted(compose()["services"]["haproxy"]["ports"]) == ["5005:5005", "8000:8000"]


def test_compose_addresses_are_compose_services():
    services = compose()["services"]
    for name, service in app_services().items():
        env = service.get("environment", {})
        for key in ("ACTION_SERVER_URL", "RASA_URL", "MODEL_SERVER_URL", "DATABASE_URL", "REDIS_URL"):
            if key in env:
                host = urlsplit(re.sub(r"\$\{[^}]*\}", "x", env[key])).hostname
                assert host in services, (name, key, host)
    if "WORKER_PORT" in services["worker"]["environment"]:
        assert services["worker"]["environment"]["WORKER_PORT"] == str(ENDPOINTS["worker"][0])


def test_compose_loads_settings_from_the_env_file():
    for name, service in app_services().items():
        assert service.get("env_file") == [".env"], name
    assert ".env" in (PROJECT_ROOT / ".gitignore").read_text().split(), "deploy/.env must stay out of git"


# --- HAProxy (compose) -------------------------------------------------------------------------

def haproxy_config_path() -> Path:
    mounts = [volume.split(":") for volume in compose()["services"]["haproxy"]["volumes"]]
    source = next(source for source, target, *_ in mounts if target == "/usr/local/etc/haproxy/haproxy.cfg")
    return (COMPOSE.parent / source).resolve()


def haproxy_sections() -> Dict[str, List[str]]:
    sections, current = {}, None
    for line in haproxy_config_path().read_text().splitlines():
        stripped = line.split("#", 1)[0].strip()
        if not stripped:
            continue
        if not line[0].isspace():
            current = stripped
            sections[current] = []
        else:
            sections[current].append(stripped)
    return sections


def test_haproxy_checks_every_server_on_its_ready_path_and_sticks_socketio():
    services = app_services()
    for section, lines in haproxy_sections().items():
        if not section.startswith("backend "):
            continue
        servers = [line.split() for line in lines if line.startswith("server ")]
        assert servers, section
        roles = set()
        for _, _, address, *options in servers:
            host, port = address.split(":")
            role = compose_role(services[host])
            roles.add(role)
            assert int(port) == ENDPOINTS[role][0] and "check" in options, (section, address)
        (role,) = roles
        assert f"http-check send meth GET uri {ENDPOINTS[role][2]}" in lines, section
        if role == "rasa":
            assert len(servers) >= 2, section
    assert "balance source" in haproxy_sections()["backend rasa_socketio"]


@pytest.fixture(scope="module")
def haproxy_binary():
    found = shutil.which("haproxy")
    assert found, "HAProxy is not installed: make test installs Debian's haproxy"
    return found


def test_haproxy_accepts_the_configuration(haproxy_binary):
    result = subprocess.run([haproxy_binary, "-c", "-f", str(haproxy_config_path())], capture_output=True,
                            text=True, timeout=30)
    assert result.returncode == 0, result.stderr


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _Stub(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's name)
        body = self.server.name.encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_GET

    def log_message(self, *args):
        pass


@contextlib.contextmanager
def _stubs(names) -> Iterator[Dict[str, int]]:
    servers = {}
    for name in names:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Stub)
        server.name = name
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers[name] = server
    try:
        yield {name: server.server_address[1] for name, server in servers.items()}
    finally:
        for server in servers.values():
            server.shutdown()
            server.server_close()


def test_haproxy_routes_only_public_paths(haproxy_binary, tmp_path):
    """The compose configuration, run for real against stub servers on loopback."""
    config = haproxy_config_path().read_text()
    names = sorted(set(re.findall(r"^\s*server (\S+) \1:\d+", config, re.M)))
    binds = {int(port): _free_port() for port in re.findall(r"^\s*bind :(\d+)$", config, re.M)}
    with _stubs(names) as ports:
        for name, port in ports.items():
            config = re.sub(rf"(server {re.escape(name)}) {re.escape(name)}:\d+", rf"\1 127.0.0.1:{port}", config)
        for public, local in binds.items():
            config = config.replace(f"bind :{public}\n", f"bind 127.0.0.1:{local}\n")
        config = re.sub(r"\nresolvers docker\n(    .*\n)+", "\n", config).replace(
            " resolvers docker init-addr last,libc,none", "").replace("log stdout format raw local0 info", "")
        (tmp_path / "haproxy.cfg").write_text(config)
        process = subprocess.Popen([haproxy_binary, "-db", "-f", str(tmp_path / "haproxy.cfg")],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            chat, web, actions = (f"http://127.0.0.1:{binds[port]}" for port in (5005, 8000, 5055))
            deadline = time.monotonic() + 10
            while True:
                try:
                    requests.get(web + "/", timeout=1)
                    break
                except requests.ConnectionError:
                    assert process.poll() is None and time.monotonic() < deadline, process.stderr.read()
                    time.sleep(0.05)

            def answer(url, method="get"):
                reply = getattr(requests, method)(url, timeout=5)
                return reply.status_code, reply.text

            # Residents' chat reaches the Rasa servers...
            assert answer(chat + "/socket.io/?EIO=4&transport=polling")[1].startswith("rasa-")
            assert answer(chat + "/webhooks/rest/webhook", "post")[1].startswith("rasa-")
            # ...REST in turns, socket.io always on the same server for the same address.
            assert {answer(chat + "/webhooks/rest/webhook", "post")[1] for _ in range(4)} == {"rasa-1", "rasa-2"}
            assert len({answer(chat + "/socket.io/?EIO=4")[1] for _ in range(4)}) == 1
            # Rasa's HTTP API and the operations endpoints do not.
            for path in ("/", "/status", "/model", "/conversations/x/tracker", "/webhooks/ops/metrics",
                         "/webhooks/ops/ready", "/webhooks/rest/"):
                assert answer(chat + path)[0] == 404, path
            # The web app is public, less its metrics, health and model server.
            assert answer(web + "/") == (200, "web")
            assert answer(web + "/widget/widget.js") == (200, "web")
            for path in ("/metrics", "/models/live.tar.gz", "/health/ready"):
                assert answer(web + path)[0] == 404, path
            # Inside the network: the action servers in turns, Rasa's API.
            assert {answer(actions + "/webhook", "post")[1] for _ in range(4)} == {"actions-1", "actions-2"}
            assert answer(f"http://127.0.0.1:{binds[5006]}/status")[1].startswith("rasa-")
        finally:
            process.terminate()
            process.wait(timeout=10)


# --- Kubernetes ---------------------------------------------------------------------------------

def _role_of(workload: dict) -> str:
    return workload["metadata"]["labels"]["app.kubernetes.io/component"]


def test_k8s_every_document_is_a_named_object():
    for path, doc in k8s_docs():
        assert doc.get("apiVersion") and doc.get("kind"), path
        if doc["kind"] != "Kustomization":
            assert doc["metadata"]["name"].startswith("brackenford-"), (path, doc["metadata"]["name"])


def test_k8s_rasa_and_actions_are_replicated():
    replicas = {_role_of(d): d["spec"]["replicas"] for d in k8s_kind("Deployment")}
    assert set(replicas) == set(ROLES)
    assert replicas["rasa"] >= 2 and replicas["actions"] >= 2 and replicas["worker"] >= 2
    budgets = {_role_of(b) for b in k8s_kind("PodDisruptionBudget")}
    assert {"rasa", "actions"} <= budgets


def test_k8s_containers_run_their_role():
    for workload, container in k8s_containers():
        assert container["args"] == [_role_of(workload)], workload["metadata"]["name"]
    (job,) = k8s_kind("Job")
    assert pod_spec(job)["containers"][0]["args"] == [MIGRATE]
    assert pod_spec(job)["restartPolicy"] == "Never"


def _probe_port(container: dict, probe: dict) -> int:
    port = probe["httpGet"]["port"]
    if isinstance(port, int):
        return port
    return next(p["containerPort"] for p in container["ports"] if p["name"] == port)


def test_k8s_probes_ask_the_documented_paths():
    for workload, container in k8s_containers():
        role = _role_of(workload)
        if role == MIGRATE:
            continue
        port, live, ready, _ = ENDPOINTS[role]
        assert container["livenessProbe"]["httpGet"]["path"] == live, role
        assert container["readinessProbe"]["httpGet"]["path"] == ready, role
        if "startupProbe" in container:
            assert container["startupProbe"]["httpGet"]["path"] == live, role
        for kind in ("livenessProbe", "readinessProbe", "startupProbe"):
            if kind in container:
                assert _probe_port(container, container[kind]) == port, (role, kind)


def test_k8s_metrics_annotations_match_the_documented_paths():
    for workload in k8s_kind("Deployment"):
        role = _role_of(workload)
        annotations = workload["spec"]["template"]["metadata"].get("annotations", {})
        port, _, _, metrics = ENDPOINTS[role]
        if metrics is None:
            assert "prometheus.io/scrape" not in annotations
        else:
            assert annotations["prometheus.io/path"] == metrics and annotations["prometheus.io/port"] == str(port)


def test_k8s_services_select_their_deployment_and_are_private():
    deployments = {_role_of(d): d for d in k8s_kind("Deployment")}
    for service in k8s_kind("Service"):
        role = _role_of(service)
        labels = deployments[role]["spec"]["template"]["metadata"]["labels"]
        assert service["spec"]["selector"].items() <= labels.items()
        assert service["spec"].get("type", "ClusterIP") == "ClusterIP"
        container = pod_spec(deployments[role])["containers"][0]
        for port in service["spec"]["ports"]:
            assert port["targetPort"] in {p["name"] for p in container["ports"]}
            assert port["port"] == ENDPOINTS[role][0]


def _config() -> Dict[str, str]:
    (config,) = k8s_kind("ConfigMap")
    return config["data"]


def _secret_keys() -> Set[str]:
    (secret,) = k8s_kind("Secret")
    return set(secret["stringData"])


def test_k8s_addresses_are_the_services():
    services = {s["metadata"]["name"]: s for s in k8s_kind("Service")}
    expected = {"ACTION_SERVER_URL": ("actions", "/webhook"), "RASA_URL": ("rasa", ""),
                "MODEL_SERVER_URL": ("web", "/models/live.tar.gz"),
                "BACKOFFICE_OPEN311_URL": ("backoffice", "/open311/v2")}
    for key, (role, path) in expected.items():
        host, port, url_path = url_host_port(_config()[key])
        assert host in services and _role_of(services[host]) == role, key
        assert port == ENDPOINTS[role][0] and url_path == path, key
    assert _config()["WORKER_PORT"] == str(ENDPOINTS["worker"][0])
    assert _config()["FILE_STORE"] == "database"


def test_k8s_settings_come_from_the_configmap_and_the_secret():
    assert _secret_keys() == set(SECRETS)
    assert not set(_config()) & set(SECRETS), "secrets belong in the Secret"
    for workload, container in k8s_containers():
        refs = {(ref.get("configMapRef") or ref.get("secretRef"))["name"] for ref in container["envFrom"]}
        assert refs == {"brackenford-config", "brackenford-secrets"}
        assert not container.get("env"), "settings go in the ConfigMap"


def test_k8s_pods_run_as_the_image_user_without_service_links():
    """Without service links no Service named like a setting (a Service `rasa` would set
    RASA_PORT=tcp://...) can change a process's settings."""
    for workload in k8s_kind("Deployment") + k8s_kind("Job"):
        spec = pod_spec(workload)
        assert spec["enableServiceLinks"] is False
        assert spec["securityContext"]["runAsNonRoot"] is True
        assert spec["securityContext"]["runAsUser"] == IMAGE_USER
        for container in spec["containers"]:
            assert container["securityContext"]["allowPrivilegeEscalation"] is False


def _images() -> Set[str]:
    images = {container["image"] for _, container in k8s_containers()}
    images |= {f"{values['image']['repository']}:{values['image']['tag']}" for _, values in helm_charts()}
    return images


def test_one_image_everywhere():
    (image,) = _images()
    (kustomization,) = load_all(K8S / "kustomization.yaml")
    (override,) = kustomization["images"]
    assert image == f"{override['name']}:{override['newTag']}"


def test_kustomization_lists_every_manifest_but_the_examples_and_the_job():
    (kustomization,) = load_all(K8S / "kustomization.yaml")
    listed = set(kustomization["resources"])
    assert all((K8S / name).is_file() for name in listed)
    expected = {p.name for p in K8S.glob("*.yaml")
                if not p.name.endswith(".example.yaml") and p.name not in ("kustomization.yaml", "migrate-job.yaml")}
    assert listed == expected


def test_ingress_example_routes_only_public_paths():
    ingresses = {doc["metadata"]["name"]: doc for doc in load_all(K8S / "ingress.example.yaml")}
    for ingress in ingresses.values():
        for rule in ingress["spec"]["rules"]:
            for entry in rule["http"]["paths"]:
                service, path = entry["backend"]["service"]["name"], entry["path"]
                if service == "brackenford-rasa":
                    assert path in ("/socket.io/", "/webhooks/rest/webhook"), path
                else:
                    assert service == "brackenford-web", service
                    assert not path.startswith(("/metrics", "/models", "/health")), path
                    assert entry["pathType"] == "Exact" or path != "/", "a Prefix / would expose everything"
    assert "upstream-hash-by" in " ".join(ingresses["brackenford-chat"]["metadata"]["annotations"])


# --- Helm (RasaHQ's charts) ---------------------------------------------------------------------

def test_helm_values_replicate_rasa_and_the_action_server():
    for role, values in helm_charts():
        assert values["replicaCount"] >= 2, role
        assert values["args"] == [role]


def test_helm_probes_ask_the_documented_paths():
    for role, values in helm_charts():
        port, live, ready, metrics = ENDPOINTS[role]
        assert values["livenessProbe"]["httpGet"]["path"] == live
        assert values["readinessProbe"]["httpGet"]["path"] == ready
        assert values["applicationSettings"]["port"] == port
        assert values["podAnnotations"]["prometheus.io/path"] == metrics


def test_helm_values_switch_off_what_the_image_does_itself():
    values = helm()
    assert values["nginx"]["enabled"] is False
    for bundled in ("postgresql", "redis", "rabbitmq"):
        assert values[bundled]["install"] is False, bundled
    assert values["applicationSettings"]["initialModel"] == "" and not values["applicationSettings"]["trainInitialModel"]
    assert values["rasa-action-server"]["install"] is True
    assert values["rasa-action-server"]["service"]["port"] == ENDPOINTS["actions"][0]


def test_helm_settings_come_from_the_configmap_and_the_secret():
    for role, values in helm_charts():
        for env in values["extraEnv"]:
            ref = env["valueFrom"]
            if "secretKeyRef" in ref:
                assert ref["secretKeyRef"]["name"] == "brackenford-secrets" and env["name"] in _secret_keys()
            else:
                assert ref["configMapKeyRef"]["name"] == "brackenford-config"
                assert ref["configMapKeyRef"]["key"] in _config()
            assert ref.get("secretKeyRef", ref.get("configMapKeyRef"))["key"] == env["name"]


# --- settings are read, secrets are placeholders -------------------------------------------------

def settings_given() -> Dict[str, Set[str]]:
    """Every setting the deploy files give the assistant's processes, and where."""
    given: Dict[str, Set[str]] = {}

    def add(names, where):
        for name in names:
            given.setdefault(name, set()).add(where)

    for name, service in app_services().items():
        add(service.get("environment", {}), f"compose.yaml {name}")
    interpolated = set(re.findall(r"\$\{(\w+)", COMPOSE.read_text()))
    add((name for name in env_file(ENV_EXAMPLE) if name not in interpolated or name in SECRETS), ".env.example")
    add(_config(), "k8s/configmap.yaml")
    add(_secret_keys(), "k8s/secret.example.yaml")
    for _, values in helm_charts():
        add((env["name"] for env in values["extraEnv"]), "helm/values.yaml")
    add(dockerfile_env(), "Dockerfile")
    return given


def test_every_setting_given_is_read_by_the_code():
    text = code_text()
    unread = {name: sorted(where) for name, where in settings_given().items()
              if not is_read(name, text) and name not in READ_ELSEWHERE}
    assert not unread, f"set in the deploy files but read nowhere in bot/, actions/ or Rasa's files: {unread}"


def test_settings_read_by_libraries_are_read_there():
    for name, reader in READ_ELSEWHERE.items():
        if reader.endswith(".py"):
            package, _, relative = reader.partition("/")
            spec = importlib.util.find_spec(package)
            source = Path(spec.submodule_search_locations[0]) / relative
            assert name in source.read_text(encoding="utf-8"), (name, reader)


def _is_placeholder(value) -> bool:
    value = "" if value is None else str(value)
    if value in ("", PLACEHOLDER) or re.fullmatch(r"\$\{\w+(:[-?][^}]*)?\}", value):
        return True
    if "://" in value:   # a URL: its password, if any, is the placeholder or comes from the environment
        password = urlsplit(re.sub(r"\$\{[^}]*\}", PLACEHOLDER, value)).password
        return password in (None, PLACEHOLDER)
    return False


def _secret_like(key: str) -> bool:
    return key in SECRETS or bool(re.search(r"(TOKEN|PASSWORD|SECRET|API_KEY|AUTH)$", key, re.I))


def _walk(node, path=()) -> Iterator[Tuple[Tuple, object]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _walk(value, path + (str(key),))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, path + (str(index),))
    else:
        yield path, node


def test_secret_values_are_placeholders():
    found = []
    for path in yaml_files():
        for doc in load_all(path):
            for keys, value in _walk(doc):
                if keys and _secret_like(keys[-1]) and not _is_placeholder(value):
                    found.append((path.name, ".".join(keys), value))
    for name, value in env_file(ENV_EXAMPLE).items():
        if _secret_like(name) and value != PLACEHOLDER:
            found.append((".env.example", name, value))
    assert not found


def _entropy(text: str) -> float:
    counts = Counter(text)
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())


def test_no_real_looking_token_anywhere_in_deploy():
    files = [p for p in DEPLOY.rglob("*") if p.is_file()] + [PROJECT_ROOT / ".dockerignore"]
    suspicious = []
    for path in files:
        for run in re.findall(r"[A-Za-z0-9_-]{20,}", path.read_text(encoding="utf-8", errors="ignore")):
            if re.fullmatch(r"[A-Z0-9_]+", run):   # a setting's name
                continue
            if re.search(r"\d", run) and re.search(r"[A-Za-z]", run) and _entropy(run) > 3.5:
                suspicious.append((path.name, run))
    assert not suspicious


# --- the README ---------------------------------------------------------------------------------

def test_readme_names_the_roles_the_order_and_what_was_not_tested():
    text = (DEPLOY / "README.md").read_text(encoding="utf-8").lower()
    for word in (*ROLES, MIGRATE, "brackenford db upgrade", "docker", "not tested"):
        assert word in text, word
