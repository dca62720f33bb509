"""The container stack, really run: build, up, seed, call, restart, non-root, slow first start.

This needs a Docker engine. No engine is a failure, not a skip: CI prepares one (``.ci/run``
starts the CI host's stand-in engine when ``docker info`` fails). It works with
``docker compose`` (v2) and Debian's ``docker-compose`` (v1), whichever is installed.

Cost on this machine (2 shared cores, stand-in images): about 2.5 minutes with cold build caches,
80-95 s cached; of that, 20 s is the deliberate slow first database start, and PostgreSQL
starts three times (its initialisation server, the first start, the restart).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from alembic.script import ScriptDirectory

from tests.servers import free_port
from venuecrm.edges.ivvy.signing import sign_headers

ROOT = Path(__file__).resolve().parents[2]
IMAGE = "venuecrm:local"
APP_UID = 10001
# The first start initialises PostgreSQL after this init script, which is slower than the
# healthcheck interval on purpose: the stack must wait for it, not fail on it.
SLOW_INIT_SECONDS = 20
SLOW_INIT_MARKER = "venuecrm-test: slow init finished"
# Compose settings a developer's shell might carry; the test sets its own.
COMPOSE_VARIABLES = (
    "POSTGRES_USER",
    "POSTGRES_PASSWORD",
    "POSTGRES_DB",
    "VENUECRM_LOG_LEVEL",
    "APP_PORT",
    "REPLICA_A_PORT",
    "REPLICA_B_PORT",
    "COMPOSE_PROJECT_NAME",
    "COMPOSE_FILE",
    "COMPOSE_PROFILES",
    "VENUECRM_SECRET_KEYS",
)


def _docker() -> str:
    # Debian's docker.io CLI matches the engine; prefer it over a newer CLI elsewhere on PATH.
    docker = "/usr/bin/docker" if Path("/usr/bin/docker").exists() else shutil.which("docker")
    if docker is None:
        pytest.fail("no docker CLI: install Docker (CI's .ci/run prepares one)")
    return docker


def _engine_answers(docker: str) -> None:
    result = subprocess.run(
        [docker, "info", "--format", "{{.ServerVersion}}"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if result.returncode != 0:
        pytest.fail(
            "no Docker engine answers (`docker info` failed); start one (CI's .ci/run does):\n"
            f"{result.stderr}"
        )


def _compose_command(docker: str) -> list[str]:
    """``docker compose`` when the v2 plugin is there, else Debian's ``docker-compose``."""
    v2 = subprocess.run(
        [docker, "compose", "version"], capture_output=True, timeout=60, check=False
    )
    if v2.returncode == 0:
        return [docker, "compose"]
    v1 = shutil.which("docker-compose")
    if v1 is None:
        pytest.fail("neither `docker compose` nor `docker-compose` is installed")
    return [v1]


@dataclass
class Stack:
    """One compose project of this repository's docker-compose.yml, run under a unique name."""

    docker: str
    compose: list[str]
    project: str
    files: list[Path]
    env: dict[str, str]
    app_port: int
    replica_ports: tuple[int, int]

    def run(
        self, *args: str, timeout: float = 600, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        """Run one compose command for this project; fail with its output if it fails."""
        files = [arg for path in self.files for arg in ("-f", str(path))]
        result = subprocess.run(
            [*self.compose, "-p", self.project, *files, *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if check and result.returncode != 0:
            pytest.fail(f"compose {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result

    def container(self, service: str) -> str:
        """The id of the service's container (also when it has exited)."""
        ids = self.run("ps", "-a", "-q", service).stdout.split()
        assert len(ids) == 1, f"{service}: containers {ids}"
        return ids[0]

    def inspect(self, container: str) -> dict[str, Any]:
        """``docker inspect`` of one container."""
        result = subprocess.run(
            [self.docker, "inspect", container], capture_output=True, text=True, check=True
        )
        found: list[dict[str, Any]] = json.loads(result.stdout)
        return found[0]

    def logs(self) -> str:
        """Every service's log, for failure messages."""
        return self.run("logs", "--no-color", check=False).stdout

    def wait_healthy(self, service: str, deadline_seconds: float = 420) -> None:
        """Poll the service's healthcheck until healthy; fail if it exits or never gets there."""
        deadline = time.monotonic() + deadline_seconds
        container = self.container(service)
        while time.monotonic() < deadline:
            state = self.inspect(container)["State"]
            if state["Status"] in ("exited", "dead"):
                pytest.fail(f"{service} exited ({state['ExitCode']}):\n{self.logs()}")
            if state.get("Health", {}).get("Status") == "healthy":
                return
            time.sleep(1)  # polling interval; the engine's healthcheck decides
        pytest.fail(f"{service} not healthy after {deadline_seconds} s:\n{self.logs()}")


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The stack built and started with a slow first database start; removed with its volumes."""
    docker = _docker()
    _engine_answers(docker)
    compose = _compose_command(docker)
    here = tmp_path_factory.mktemp("stack")
    initdb = here / "initdb"
    initdb.mkdir()
    (initdb / "00-slow.sh").write_text(
        f"#!/bin/sh\nsleep {SLOW_INIT_SECONDS}\necho '{SLOW_INIT_MARKER}'\n"
    )
    # The image's entrypoint reads init scripts as the postgres user.
    initdb.chmod(0o755)
    (initdb / "00-slow.sh").chmod(0o755)
    override = here / "slow-first-start.yml"
    override.write_text(
        f"services:\n  db:\n    volumes:\n      - {initdb}:/docker-entrypoint-initdb.d:ro\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in COMPOSE_VARIABLES}
    app_port, replica_ports = free_port(), (free_port(), free_port())
    env.update(
        APP_PORT=str(app_port),
        REPLICA_A_PORT=str(replica_ports[0]),
        REPLICA_B_PORT=str(replica_ports[1]),
    )
    stack = Stack(
        docker=docker,
        compose=compose,
        project=f"venuecrm-test-{uuid.uuid4().hex[:8]}",
        files=[ROOT / "docker-compose.yml", override],
        env=env,
        app_port=app_port,
        replica_ports=replica_ports,
    )
    try:
        started = time.monotonic()
        stack.run("build")
        built = time.monotonic()
        stack.run("up", "-d")
        stack.wait_healthy("app")
        print(
            f"\nstack: build {built - started:.0f} s, first up to healthy "
            f"{time.monotonic() - built:.0f} s"
        )
        yield stack
    finally:
        # Every profile's containers, and the volumes: nothing of the run is left behind.
        stack.env["COMPOSE_PROFILES"] = "replicas"
        stack.run("down", "-v", "--remove-orphans", check=False)


def _call(port: int, key: str, secret: str, namespace: str, action: str, body: Any) -> Any:
    """One signed iVvy call through a published port; returns the JSON reply."""
    raw = json.dumps(body).encode()
    request_string = f"/api/1.0/{namespace}?action={action}"
    headers = sign_headers(
        key=key, secret=secret, request_string=request_string, body=raw, now=datetime.now(UTC)
    )
    response = httpx.post(
        f"http://127.0.0.1:{port}{request_string}",
        content=raw,
        headers=headers,
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return response.json()


def _revisions() -> list[str]:
    """Every migration of this checkout, oldest first."""
    script = ScriptDirectory(str(ROOT / "migrations"))
    return [revision.revision for revision in reversed(list(script.walk_revisions()))]


def _seed(stack: Stack) -> dict[str, Any]:
    result = stack.run("exec", "-T", "app", "venuecrm", "seed-demo", "--json")
    account: dict[str, Any] = json.loads(result.stdout)["accounts"][0]
    return account


def _opportunity_names(stack: Stack, account: dict[str, Any]) -> dict[int, str]:
    reply = _call(
        stack.app_port,
        account["apiKey"],
        account["apiSecret"],
        "crm",
        "getOpportunityList",
        {},
    )
    return {row["id"]: row["name"] for row in reply["results"]}


def test_stack_serves_keeps_data_and_runs_unprivileged(stack: Stack) -> None:
    db_logs = stack.run("logs", "--no-color", "db").stdout
    assert SLOW_INIT_MARKER in db_logs, "the slow init script did not run"

    migrate = stack.inspect(stack.container("migrate"))
    assert migrate["State"]["ExitCode"] == 0
    migrate_log = stack.run("logs", "--no-color", "migrate").stdout
    # The one-shot migration says what it applied: every revision, first to last.
    applied = re.findall(r"\bapplied (\w+): ", migrate_log)
    assert applied == _revisions()

    account = _seed(stack)
    key, secret = account["apiKey"], account["apiSecret"]
    ping = _call(stack.app_port, key, secret, "test", "ping", {})
    assert "ack" in ping
    # The README's way, from inside the app container.
    readme_ping = stack.run(
        "exec", "-T", "app", "venuecrm", "call", "test", "ping", "--key", key, "--secret", secret
    )
    assert "ack" in json.loads(readme_ping.stdout)

    body = {
        "venueId": account["venueId"],
        "name": "Container enquiry",
        "typeId": account["typeId"],
        "sourceId": account["sourceId"],
        "company": {"businessName": "Boxed Pty Ltd", "updateIfExists": True},
        "contact": {
            "firstName": "Dock",
            "lastName": "Er",
            "email": "dock@boxed.example",
            "updateIfExists": True,
        },
    }
    created = _call(stack.app_port, key, secret, "venue", "addOrUpdateOpportunity", body)
    opportunity_id = created["id"]
    assert _opportunity_names(stack, account)[opportunity_id] == "Container enquiry"
    company = _call(stack.app_port, key, secret, "contact", "getCompanyList", {})
    assert [c["businessName"] for c in company["results"]] == ["Boxed Pty Ltd"]

    # The data directory (and its secret key) is the project's named volume, not an anonymous one.
    app = stack.inspect(stack.container("app"))
    data = [m for m in app["Mounts"] if m["Destination"] == "/var/lib/venuecrm"]
    assert [(m["Type"], m["Name"]) for m in data] == [("volume", f"{stack.project}_appdata")]

    # Every uid of the serving process (real, effective, saved, filesystem) is the image's user.
    status = stack.run("exec", "-T", "app", "cat", "/proc/1/status").stdout
    uids = next(line.split()[1:] for line in status.splitlines() if line.startswith("Uid:"))
    assert uids == [str(APP_UID)] * 4

    stack.run("down")
    stack.run("up", "-d")
    stack.wait_healthy("app")
    # Same account and key (seed-demo is idempotent), and the opportunity is still there.
    again = _seed(stack)
    assert (again["accountId"], again["apiKey"]) == (account["accountId"], key)
    assert _opportunity_names(stack, account)[opportunity_id] == "Container enquiry"
    # Nothing left to apply the second time.
    assert "(0 applied)" in stack.run("logs", "--no-color", "migrate").stdout.splitlines()[-1]


def test_image_runs_as_numeric_user_without_pip(stack: Stack) -> None:
    image = json.loads(
        subprocess.run(
            [stack.docker, "image", "inspect", IMAGE], capture_output=True, text=True, check=True
        ).stdout
    )[0]
    assert image["Config"]["User"] == f"{APP_UID}:{APP_UID}"
    assert "/var/lib/venuecrm" in (image["Config"]["Volumes"] or {})
    print(f"\nimage {IMAGE}: {image['Size'] / 1e6:.0f} MB")
    for module in ("pip", "setuptools"):
        result = subprocess.run(
            [stack.docker, "run", "--rm", IMAGE, "python", "-c", f"import {module}"],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 1, f"{module} is importable in the runtime image"
        assert "ModuleNotFoundError" in result.stderr


def test_root_owned_data_dir_is_a_one_line_error_saying_what_to_do(
    stack: Stack, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o755)  # owned by whoever runs the test; not uid 10001 unless that is us
    assert data.stat().st_uid != APP_UID
    result = subprocess.run(
        [
            stack.docker,
            "run",
            "--rm",
            "-v",
            f"{data}:/var/lib/venuecrm",
            IMAGE,
            "venuecrm",
            "db",
            "upgrade",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: data directory /var/lib/venuecrm is not writable")
    assert f"chown -R {APP_UID}:{APP_UID}" in lines[0]
    assert "Traceback" not in result.stderr


def test_replicas_profile_serves_two_replicas_through_pgbouncer(stack: Stack) -> None:
    # Last in this module: it adds PgBouncer and two replicas to the running stack.
    stack.env["COMPOSE_PROFILES"] = "replicas"
    stack.run("up", "-d", "--build")  # builds the PgBouncer image too
    for service in ("pgbouncer", "app-a", "app-b"):
        stack.wait_healthy(service)
    replica_env = stack.inspect(stack.container("app-a"))["Config"]["Env"]
    assert "VENUECRM_PREPARED_STATEMENTS=false" in replica_env
    assert any(e.startswith("DATABASE_URL=") and "@pgbouncer:6432/" in e for e in replica_env)
    # PgBouncer drops the app's startup options; its server connections carry the timeouts.
    show = (
        "import os, psycopg\n"
        "c = psycopg.connect(os.environ['DATABASE_URL'], prepare_threshold=None)\n"
        "for name in ('lock_timeout', 'statement_timeout'):\n"
        "    print(c.execute(f'SHOW {name}').fetchone()[0])\n"
    )
    timeouts = stack.run("exec", "-T", "app-a", "python", "-c", show).stdout.split()
    assert timeouts == ["2s", "10s"]
    account = _seed(stack)
    key, secret = account["apiKey"], account["apiSecret"]
    ids = []
    for port in stack.replica_ports:
        body = {
            "venueId": account["venueId"],
            "name": f"Replica enquiry {port}",
            "typeId": account["typeId"],
            "sourceId": account["sourceId"],
            "company": {"businessName": "Replicated Pty Ltd", "updateIfExists": True},
        }
        ids.append(_call(port, key, secret, "venue", "addOrUpdateOpportunity", body)["id"])
    # Both replicas wrote to the one database the main app reads.
    names = _opportunity_names(stack, account)
    assert [names[i] for i in ids] == [f"Replica enquiry {port}" for port in stack.replica_ports]
    companies = _call(stack.app_port, key, secret, "contact", "getCompanyList", {})
    assert [c["businessName"] for c in companies["results"]].count("Replicated Pty Ltd") == 1
