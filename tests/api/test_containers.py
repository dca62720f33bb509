"""The container setup: docker-compose.yml as Compose resolves it, and the Dockerfile's contract.

Debian's ``docker-compose`` validates and resolves the compose file without a Docker engine, so
these tests check the wiring Compose would actually use; no image is built or run.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import threading
import tomllib
from collections.abc import Iterator
from fnmatch import fnmatch
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path, PurePosixPath
from typing import Any, ClassVar

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from sqlalchemy.engine import URL, make_url

from venuecrm.config import Settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
# Variables the compose file reads; cleared so the developer's shell cannot change the defaults.
COMPOSE_VARIABLES = (
    "POSTGRES_USER",
    "POSTGRES_PASSWORD",
    "POSTGRES_DB",
    "VENUECRM_LOG_LEVEL",
    "APP_PORT",
    "REPLICA_A_PORT",
    "REPLICA_B_PORT",
    "COMPOSE_PROFILES",
    "VENUECRM_SECRET_KEYS",
)
REPLICAS = ("app-a", "app-b")
BASE_IMAGE = "python:3.11-slim-bookworm"


# --- docker-compose.yml ---------------------------------------------------------------------


def _compose(
    *args: str, env_file: Path, overrides: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    executable = shutil.which("docker-compose")
    if executable is None:
        pytest.fail(
            "docker-compose is not on PATH: install Debian's docker-compose package "
            "(apt-get install docker-compose; `./dev test` installs it). No Docker engine needed."
        )
    env = {k: v for k, v in os.environ.items() if k not in COMPOSE_VARIABLES}
    env.update(overrides or {})
    # An empty env file stands in for any .env in the checkout, for the same reason.
    return subprocess.run(
        [executable, "--env-file", str(env_file), "-f", str(COMPOSE_FILE), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _resolve(env_file: Path, overrides: dict[str, str] | None = None) -> dict[str, Any]:
    result = _compose("config", env_file=env_file, overrides=overrides)
    assert result.returncode == 0, result.stderr
    resolved: dict[str, Any] = yaml.safe_load(result.stdout)
    return resolved


@pytest.fixture(scope="module")
def env_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("compose") / "empty.env"
    path.write_text("")
    return path


@pytest.fixture(scope="module")
def services(env_file: Path) -> dict[str, Any]:
    """The services as Compose resolves them with the file's own defaults."""
    resolved: dict[str, Any] = _resolve(env_file)["services"]
    return resolved


def _environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {key: str(value) for key, value in env.items()}


def _command(service: dict[str, Any]) -> list[str]:
    command = service.get("command") or []
    return shlex.split(command) if isinstance(command, str) else [str(c) for c in command]


def _database_url(service: dict[str, Any]) -> URL:
    url = _environment(service).get("DATABASE_URL")
    assert url, "DATABASE_URL is not set"
    return make_url(url)


def _healthcheck_command(service: dict[str, Any]) -> str:
    healthcheck = service.get("healthcheck") or {}
    assert not healthcheck.get("disable"), "healthcheck is disabled"
    test = healthcheck.get("test")
    assert test, "no healthcheck"
    return test if isinstance(test, str) else " ".join(test)


def _published_ports(service: dict[str, Any]) -> set[tuple[str, int, int]]:
    """(host address, published port, container port) of each published port."""
    ports = set()
    for port in service.get("ports") or []:
        if isinstance(port, dict):
            ports.add((port.get("host_ip", ""), int(port["published"]), int(port["target"])))
        else:
            *host, published, target = str(port).split("/")[0].split(":")
            ports.add((":".join(host), int(published), int(target)))
    return ports


def _volume_sources(service: dict[str, Any], target: str) -> set[str]:
    sources = set()
    for volume in service.get("volumes") or []:
        if isinstance(volume, dict):
            if volume.get("target") == target:
                sources.add(volume.get("source", ""))
        else:
            source, _, rest = str(volume).partition(":")
            if rest.split(":")[0] == target:
                sources.add(source)
    return sources


def test_compose_file_validates_cleanly(env_file: Path) -> None:
    result = _compose("config", "-q", env_file=env_file)
    assert result.returncode == 0, result.stderr
    # Warnings (an unset variable, an obsolete key) are defects too.
    assert result.stderr == ""


def test_stack_has_database_migration_and_app_services(services: dict[str, Any]) -> None:
    assert {"db", "migrate", "app"} <= set(services)


def test_app_database_url_reaches_db_service_with_its_credentials(
    services: dict[str, Any],
) -> None:
    url = _database_url(services["app"])
    db_env = _environment(services["db"])
    assert url.host == "db"
    assert url.port in (None, 5432)
    assert url.username == db_env["POSTGRES_USER"]
    assert url.password == db_env["POSTGRES_PASSWORD"]
    assert url.database == db_env["POSTGRES_DB"]
    # The app must accept the URL as given, with the psycopg 3 driver.
    normalised = Settings(database_url=url.render_as_string(hide_password=False)).database_url
    assert normalised is not None
    assert normalised.startswith("postgresql+psycopg://")


def test_migration_targets_the_same_database_as_app(services: dict[str, Any]) -> None:
    assert _database_url(services["migrate"]) == _database_url(services["app"])


def test_overridden_credentials_reach_db_and_both_clients(env_file: Path) -> None:
    overrides = {"POSTGRES_USER": "alice", "POSTGRES_PASSWORD": "s3cret", "POSTGRES_DB": "crm"}
    services = _resolve(env_file, overrides)["services"]
    db_env = _environment(services["db"])
    assert {k: db_env[k] for k in overrides} == overrides
    for name in ("app", "migrate"):
        url = _database_url(services[name])
        assert (url.username, url.password, url.database) == ("alice", "s3cret", "crm"), name


def test_default_password_is_a_local_placeholder_not_empty(services: dict[str, Any]) -> None:
    # postgres:18 refuses to initialise without a password unless auth is switched off.
    assert _environment(services["db"])["POSTGRES_PASSWORD"]
    assert "POSTGRES_HOST_AUTH_METHOD" not in _environment(services["db"])


def test_database_keeps_data_in_a_named_volume(env_file: Path, services: dict[str, Any]) -> None:
    named_volumes = set(_resolve(env_file).get("volumes") or {})
    # postgres:18 puts PGDATA under /var/lib/postgresql/18/docker; the parent must be the mount.
    sources = _volume_sources(services["db"], "/var/lib/postgresql")
    assert sources
    assert sources <= named_volumes


def test_database_health_is_checked_over_tcp_with_room_for_a_slow_first_start(
    services: dict[str, Any],
) -> None:
    command = _healthcheck_command(services["db"])
    assert "pg_isready" in command
    # Over TCP: the image's first-start server listens on the unix socket only.
    assert "-h 127.0.0.1" in command
    assert _seconds(services["db"]["healthcheck"]["start_period"]) >= 300


def _seconds(duration: str) -> float:
    """A Compose duration such as ``5m`` or ``1m30s`` in seconds."""
    total, number = 0.0, ""
    units = {"h": 3600, "m": 60, "s": 1}
    for char in str(duration):
        if char.isdigit() or char == ".":
            number += char
        else:
            total += float(number) * units[char]
            number = ""
    return total + (float(number) if number else 0.0)


def test_migration_runs_once_after_database_is_healthy(services: dict[str, Any]) -> None:
    migrate = services["migrate"]
    assert _command(migrate) == ["venuecrm", "db", "upgrade"]
    assert migrate.get("restart", "no") == "no"
    assert migrate["depends_on"]["db"]["condition"] == "service_healthy"


def test_app_starts_after_migration_succeeds_and_database_is_healthy(
    services: dict[str, Any],
) -> None:
    depends_on = services["app"]["depends_on"]
    assert depends_on["migrate"]["condition"] == "service_completed_successfully"
    assert depends_on["db"]["condition"] == "service_healthy"


def test_app_and_migration_run_this_repository(services: dict[str, Any]) -> None:
    for name in ("app", "migrate"):
        build = services[name].get("build") or {}
        context = build.get("context") if isinstance(build, dict) else build
        assert context, f"{name} is not built from the repository"
        assert Path(context).resolve() == ROOT, name
    assert _command(services["app"]) == ["venuecrm", "serve"]


def test_app_publishes_port_8000_on_localhost_only(services: dict[str, Any]) -> None:
    assert _published_ports(services["app"]) == {("127.0.0.1", 8000, 8000)}


def test_published_ports_move_with_their_variables(env_file: Path) -> None:
    overrides = {"APP_PORT": "18000", "REPLICA_A_PORT": "18001", "REPLICA_B_PORT": "18002"}
    services = _resolve(env_file, {**overrides, "COMPOSE_PROFILES": "replicas"})["services"]
    assert _published_ports(services["app"]) == {("127.0.0.1", 18000, 8000)}
    assert _published_ports(services["app-a"]) == {("127.0.0.1", 18001, 8000)}
    assert _published_ports(services["app-b"]) == {("127.0.0.1", 18002, 8000)}


def test_app_services_share_one_named_data_volume(env_file: Path) -> None:
    # The data directory holds the secret key that encrypts API secrets (without
    # VENUECRM_SECRET_KEYS): migrate, app and the replicas must see the same one, across
    # rebuilds, and no container gets an anonymous volume of its own.
    resolved = _resolve(env_file, {"COMPOSE_PROFILES": "replicas"})
    for name in ("app", "migrate", *REPLICAS):
        assert _volume_sources(resolved["services"][name], "/var/lib/venuecrm") == {"appdata"}
    assert "appdata" in resolved["volumes"]


def test_replicas_and_pgbouncer_start_only_with_the_replicas_profile(
    services: dict[str, Any],
) -> None:
    for name in ("pgbouncer", *REPLICAS):
        assert services[name].get("profiles") == ["replicas"], name
    for name in ("db", "migrate", "app"):
        assert not services[name].get("profiles"), name


def test_replicas_reach_the_database_through_pgbouncer_without_prepared_statements(
    env_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    services = _resolve(env_file, {"COMPOSE_PROFILES": "replicas"})["services"]
    direct = _database_url(services["app"])
    bouncer = _environment(services["pgbouncer"])
    assert (bouncer["DB_HOST"], int(bouncer["DB_PORT"])) == ("db", 5432)
    assert (bouncer["DB_USER"], bouncer["DB_PASSWORD"], bouncer["DB_NAME"]) == (
        direct.username,
        direct.password,
        direct.database,
    )
    assert services["pgbouncer"]["depends_on"]["db"]["condition"] == "service_healthy"
    for name in REPLICAS:
        replica = services[name]
        url = _database_url(replica)
        assert (url.host, url.port) == ("pgbouncer", 6432), name
        assert url.set(host=direct.host, port=direct.port) == direct
        assert _command(replica) == ["venuecrm", "serve"]
        assert replica["depends_on"]["pgbouncer"]["condition"] == "service_healthy"
        assert replica["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        assert "127.0.0.1:8000/ready" in _healthcheck_command(replica)
        # Read through Settings, so a misspelt variable name fails here.
        for key, value in _environment(replica).items():
            if key.startswith("VENUECRM_"):
                monkeypatch.setenv(key, value)
        assert Settings().prepared_statements is False


def test_pgbouncer_pools_transactions() -> None:
    entrypoint = (ROOT / "docker" / "pgbouncer" / "entrypoint.sh").read_text()
    assert "pool_mode = transaction" in entrypoint
    dockerfile = (ROOT / "docker" / "pgbouncer" / "Dockerfile").read_text()
    # The app image's base, where Debian 12 ships PgBouncer 1.18.
    assert f"FROM {BASE_IMAGE}\n" in dockerfile
    assert "'pgbouncer=1.18.*'" in dockerfile


def test_app_healthcheck_probes_http_readiness(services: dict[str, Any]) -> None:
    command = _healthcheck_command(services["app"])
    assert "127.0.0.1:8000/ready" in command
    assert "curl" not in command
    assert "wget" not in command


# --- Dockerfile -----------------------------------------------------------------------------


def _instructions() -> list[tuple[str, str]]:
    """The Dockerfile's (INSTRUCTION, arguments), with comments dropped and continuations joined."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for raw in DOCKERFILE.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        keyword, _, args = (pending + line).partition(" ")
        instructions.append((keyword.upper(), args.strip()))
        pending = ""
    return instructions


def _final_stage() -> list[tuple[str, str]]:
    instructions = _instructions()
    last_from = max(i for i, (keyword, _) in enumerate(instructions) if keyword == "FROM")
    return instructions[last_from:]


def _image_env() -> dict[str, str]:
    env: dict[str, str] = {}
    for keyword, args in _final_stage():
        if keyword != "ENV":
            continue
        if "=" not in args.split()[0]:
            key, value = args.split(None, 1)
            env[key] = value
        else:
            env.update(item.split("=", 1) for item in shlex.split(args))
    return env


def _exec_form(args: str) -> list[str]:
    parsed = json.loads(args)
    assert isinstance(parsed, list)
    return [str(item) for item in parsed]


def test_image_builds_on_python_311_slim_of_one_debian_release() -> None:
    stages: list[str] = []
    for keyword, args in _instructions():
        if keyword != "FROM":
            continue
        base, *alias = args.split()
        # Every stage starts from python:3.11-slim on Debian 12 or from an earlier stage.
        assert base == BASE_IMAGE or base in stages, base
        stages.append(alias[-1] if alias else base)
    assert stages[-1] == BASE_IMAGE  # the runtime stage carries no build leftovers


def test_image_runs_as_a_numeric_non_root_user() -> None:
    users = [args for keyword, args in _final_stage() if keyword == "USER"]
    assert users, "the image runs as root"
    # Numbers, so Kubernetes' runAsNonRoot can check them without a passwd lookup (DL3066).
    user, _, group = users[-1].partition(":")
    assert user.isdigit(), users[-1]
    assert group.isdigit(), users[-1]
    assert int(user) != 0


def test_image_keeps_the_embedded_database_in_a_volume() -> None:
    volumes = [args for keyword, args in _final_stage() if keyword == "VOLUME"]
    assert volumes == [_image_env()["VENUECRM_DATA_DIR"]]


def test_dependencies_install_from_the_hashed_lock_before_sources_are_copied() -> None:
    steps = _instructions()

    def first(keyword: str, prefix: str) -> int:
        return next(
            i for i, (k, args) in enumerate(steps) if k == keyword and args.startswith(prefix)
        )

    install = next(
        i
        for i, (k, args) in enumerate(steps)
        if k == "RUN" and "--require-hashes" in args and "requirements.lock" in args
    )
    assert first("COPY", "requirements.lock") < install < first("COPY", "src")
    # The runtime image copies the dependencies and the project as separate layers, so a
    # source edit changes only the small one.
    assert first("COPY", "--from=deps /opt/venv") < first("COPY", "--from=project")
    lock = (ROOT / "requirements.lock").read_text()
    # Every requirement is pinned to one version and carries hashes.
    pins = [line for line in lock.splitlines() if line and not line.startswith((" ", "#"))]
    assert pins
    assert all("==" in pin and pin.endswith("\\") for pin in pins), pins
    assert "--hash=sha256:" in lock


def test_image_settings_serve_on_all_interfaces_with_shipped_migrations(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    env = _image_env()
    for key, value in env.items():
        if key.startswith("VENUECRM_"):
            monkeypatch.setenv(key, value)
    # Read through Settings, so a misspelt variable name fails here rather than in production.
    settings = Settings()
    assert settings.host == "0.0.0.0"
    assert settings.port == 8000
    assert settings.migrations_dir == Path(env["VENUECRM_MIGRATIONS_DIR"])


def test_image_copies_migrations_to_the_configured_directory() -> None:
    migrations_dir = PurePosixPath(_image_env()["VENUECRM_MIGRATIONS_DIR"])
    workdir = PurePosixPath("/")
    destinations = []
    for keyword, args in _final_stage():
        if keyword == "WORKDIR":
            workdir = workdir / args
        elif keyword == "COPY" and not args.startswith("--"):
            *sources, destination = args.split()
            if [source.rstrip("/") for source in sources] == ["migrations"]:
                destinations.append(workdir / destination)
    assert migrations_dir in destinations
    assert (ROOT / "migrations" / "env.py").is_file()


def test_image_serves_by_default_on_exposed_port_8000() -> None:
    final = _final_stage()
    assert ("EXPOSE", "8000") in final
    commands = [_exec_form(args) for keyword, args in final if keyword == "CMD"]
    assert commands[-1] == ["venuecrm", "serve"]


class _Probe(BaseHTTPRequestHandler):
    status = 200
    paths: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        self.paths.append(self.path)
        self.send_response(self.status)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def probe_server() -> Iterator[tuple[int, type[_Probe]]]:
    handler = type("Probe", (_Probe,), {"paths": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], handler
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(("status", "healthy"), [(200, True), (503, False)])
def test_image_healthcheck_passes_only_when_health_answers_ok(
    probe_server: tuple[int, type[_Probe]], status: int, healthy: bool
) -> None:
    port, handler = probe_server
    handler.status = status
    checks = [args for keyword, args in _final_stage() if keyword == "HEALTHCHECK"]
    assert checks, "no HEALTHCHECK"
    _, _, command = checks[-1].partition("CMD ")
    program, *arguments = _exec_form(command)
    # The slim image has python but neither curl nor wget.
    assert program == "python"
    # Run the probe exactly as the image would, pointed at a stand-in server.
    result = subprocess.run(
        [sys.executable, *arguments],
        env={**os.environ, "VENUECRM_PORT": str(port)},
        capture_output=True,
        timeout=30,
        check=False,
    )
    assert (result.returncode == 0) is healthy
    assert handler.paths == ["/health"]


def test_lock_pins_every_runtime_dependency_of_pyproject() -> None:
    # A dependency added to pyproject.toml without running docker/lock would be missing from the
    # image (the lock is installed with --no-deps).
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pinned = {
        canonicalize_name(line.split("==")[0])
        for line in (ROOT / "requirements.lock").read_text().splitlines()
        if "==" in line and not line.startswith((" ", "#"))
    }
    wanted = {canonicalize_name(Requirement(dep).name) for dep in project["dependencies"]}
    assert wanted - pinned == set(), "run docker/lock"


def test_build_context_keeps_sources_and_drops_local_state() -> None:
    patterns = [
        line.strip().rstrip("/")
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]

    def ignored(path: str) -> bool:
        return any(fnmatch(path, pattern) for pattern in patterns)

    needed_files = ("pyproject.toml", "README.md", "src", "migrations", "alembic.ini")
    for needed in (*needed_files, "requirements.lock", "docker/requirements-build.lock"):
        assert not ignored(needed), needed
    for local in (".venv", ".venuecrm", ".git", "tests", "bench", ".pytest_cache"):
        assert ignored(local), local
