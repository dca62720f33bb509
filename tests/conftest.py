"""Shared fixtures: a real PostgreSQL (embedded, or DATABASE_URL), migrated once; the real app."""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from cryptography.fernet import Fernet
from fastapi import FastAPI
from fastapi.testclient import TestClient
from psycopg import sql
from sqlalchemy.engine import make_url

from tests.factories import Clock, Seeded, Tenant, new_tenant, seeded_tenant
from tests.pgbouncer import pgbouncer
from tests.servers import free_port, libpq_url, serve_command, wait_until_ready
from venuecrm.app import create_app
from venuecrm.config import Settings
from venuecrm.platform import migrate
from venuecrm.platform.embedded import start_embedded
from venuecrm.platform.engine import make_engine, make_session_factory
from venuecrm.platform.uow import UnitOfWork

UNLIMITED = "1000000/second"
# One key for every process of the run (this one, live servers, CLI runs): they share a database
# and so its encrypted API secrets, but not a data directory.
SECRET_KEYS = Fernet.generate_key().decode()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh, migrated database for this test run."""
    external = os.environ.get("DATABASE_URL")
    name = f"venuecrm_test_{uuid.uuid4().hex[:8]}"
    if external:
        base = Settings(database_url=external).database_url
        assert base is not None
        admin = libpq_url(base)
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        url = make_url(base).set(database=name).render_as_string(hide_password=False)
    else:
        url = start_embedded(tmp_path_factory.mktemp("pg"), database=name)
    migrate.upgrade(Settings(database_url=url), url)
    yield url
    if external:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture(scope="session")
def settings(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings pointing at the test database."""
    # Every in-process request comes from one address ("testclient") and many tests send wrong
    # signatures on purpose: the limits are out of reach here; test_rate_limits sets its own.
    return Settings(
        database_url=database_url,
        data_dir=tmp_path_factory.mktemp("data"),
        rate_limit=UNLIMITED,
        failed_auth_limit=UNLIMITED,
        secret_keys=SECRET_KEYS,
    )


@pytest.fixture(scope="session")
def clock() -> Clock:
    """The app's clock; tests move it instead of sleeping."""
    return Clock(datetime.now(UTC))


@pytest.fixture(autouse=True)
def _reset_clock(clock: Clock) -> None:
    clock.now = datetime.now(UTC).replace(microsecond=0)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Tests marked ``pgbouncer`` that use ``client`` run directly and through PgBouncer."""
    if metafunc.definition.get_closest_marker("pgbouncer") and "client" in metafunc.fixturenames:
        metafunc.parametrize("route", ["direct", "pgbouncer"], indirect=True, scope="session")


@pytest.fixture(scope="session")
def route(request: pytest.FixtureRequest) -> str:
    """How the app reaches PostgreSQL: ``direct`` unless parametrised (see above)."""
    return str(getattr(request, "param", "direct"))


@pytest.fixture(scope="session")
def pgbouncer_url(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The test database through a real PgBouncer in transaction-pooling mode."""
    with pgbouncer(database_url, tmp_path_factory.mktemp("pgbouncer")) as url:
        yield url


@pytest.fixture(scope="session")
def app(settings: Settings, clock: Clock, route: str, request: pytest.FixtureRequest) -> FastAPI:
    """The real application on the test database (through PgBouncer for that route)."""
    if route == "pgbouncer":
        # What an operator sets behind PgBouncer in transaction mode (docs/deployment.md).
        settings = settings.model_copy(
            update={
                "database_url": request.getfixturevalue("pgbouncer_url"),
                "prepared_statements": False,
            }
        )
    return create_app(settings, clock=clock)


@pytest.fixture(scope="session")
def client(app: FastAPI) -> Iterator[TestClient]:
    """HTTP client talking to the app in-process; server errors come back as responses."""
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def uow_factory(settings: Settings) -> Iterator[UnitOfWork]:
    """A unit of work for arranging and checking the database directly."""
    engine = make_engine(settings)
    yield UnitOfWork(make_session_factory(engine))
    engine.dispose()


@pytest.fixture
def tenant(uow_factory: UnitOfWork) -> Tenant:
    """A fresh account with one API key: every test gets its own tenant, so none interfere."""
    return new_tenant(uow_factory)


@pytest.fixture(scope="session")
def live_server(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``venuecrm serve`` in a real process on the test database; yields its base URL."""
    with serving(
        server_env(database_url), tmp_path_factory.mktemp("server") / "server.log"
    ) as base:
        yield base


def server_env(database_url: str | None = None, **extra: str) -> dict[str, str]:
    """The environment of a test's ``venuecrm serve``: the run's secret keys, rate limits out of
    reach, and ``database_url`` (else no database from the caller's environment) plus ``extra``."""
    external = ("DATABASE_URL", "VENUECRM_DATABASE_URL")
    env = {k: v for k, v in os.environ.items() if k not in external}
    if database_url is not None:
        env["DATABASE_URL"] = database_url
    return {
        **env,
        "VENUECRM_RATE_LIMIT": UNLIMITED,
        "VENUECRM_FAILED_AUTH_LIMIT": UNLIMITED,
        "VENUECRM_SECRET_KEYS": SECRET_KEYS,
        # Event tests run their own dispatchers, with their own settings.
        "VENUECRM_EVENTS_DISPATCHER": "false",
        **extra,
    }


@contextmanager
def serving(env: dict[str, str], log: Path) -> Iterator[str]:
    """Run ``venuecrm serve`` with ``env`` until the block ends; yields its base URL."""
    port = free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(
            serve_command(port=port),
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(base, process, log)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture
def seeded(uow_factory: UnitOfWork) -> Seeded:
    """A fresh account configured like seed-demo's account A."""
    return seeded_tenant(uow_factory)
