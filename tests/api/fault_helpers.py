"""Helpers for the fault tests: a row lock held from outside the app, waiting backends."""

from __future__ import annotations

import json
import subprocess
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import psycopg
from psycopg import sql

from tests.api.opportunity_helpers import base_body, rows
from tests.conftest import SECRET_KEYS, server_env
from tests.factories import Seeded, Tenant, sign_js
from tests.servers import free_port, libpq_url, serve_command, wait_until_ready
from venuecrm.config import Settings
from venuecrm.platform.embedded import DATABASE_NAME, pgdata, process_alive
from venuecrm.platform.engine import make_engine, make_session_factory
from venuecrm.platform.models import Company, Contact, CustomFieldValue, Opportunity
from venuecrm.platform.uow import UnitOfWork


@contextmanager
def row_locked(database_url: str, table: str, row_id: int) -> Iterator[psycopg.Connection]:
    """Hold ``FOR UPDATE`` on one row from a separate connection until the block ends."""
    with psycopg.connect(libpq_url(database_url)) as conn:
        query = sql.SQL("SELECT id FROM {} WHERE id = %s FOR UPDATE").format(sql.Identifier(table))
        assert conn.execute(query, (row_id,)).fetchone() is not None
        try:
            yield conn
        finally:
            conn.rollback()


def lock_waiters(database_url: str) -> int:
    """How many backends of the database wait on a lock (row lock waiters queue behind the
    first one, so they are not all blocked by the holder itself)."""
    with psycopg.connect(libpq_url(database_url), autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        ).fetchone()
    assert row is not None
    return int(row[0])


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll ``condition`` until it holds; fail with ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)  # polling interval; the condition decides


@dataclass
class Served:
    """A ``venuecrm serve`` process started by a test."""

    process: subprocess.Popen[bytes]
    base: str
    log: Path


@contextmanager
def serve(env: dict[str, str], log: Path) -> Iterator[Served]:
    """``venuecrm serve`` with ``env``, ready; stopped (SIGTERM) at the end unless already dead."""
    port = free_port()
    with log.open("ab") as out:
        process = subprocess.Popen(
            serve_command(port=port),
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    served = Served(process, f"http://127.0.0.1:{port}", log)
    try:
        wait_until_ready(served.base, process, log)
        yield served
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=30)


def embedded_env(data_dir: Path) -> dict[str, str]:
    """The environment of a server on its own embedded PostgreSQL under ``data_dir``."""
    return server_env(VENUECRM_DATA_DIR=str(data_dir))


def uow_for(url: str) -> UnitOfWork:
    """A unit of work on the database at ``url``, encrypting secrets with the run's keys."""
    settings = Settings(database_url=url, secret_keys=SECRET_KEYS)
    return UnitOfWork(make_session_factory(make_engine(settings, url)))


def embedded_uow(data_dir: Path) -> UnitOfWork:
    """A unit of work on a server's embedded database, without becoming one of its holders."""
    socket_dir = (pgdata(data_dir) / "postmaster.pid").read_text().splitlines()[4]
    return uow_for(f"postgresql+psycopg://postgres:@/{DATABASE_NAME}?host={socket_dir}")


def postmasters(cluster: Path) -> list[int]:
    """Live processes whose command line names ``cluster`` (its postmaster), from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if str(cluster).encode() in cmdline and process_alive(int(entry.name)):
            found.append(int(entry.name))
    return found


def signed_post(
    base: str, tenant: Tenant, uri: str, body: Any, timeout: float = 10
) -> httpx.Response:
    """One signed iVvy call to a live server, dated now."""
    raw = json.dumps(body).encode()
    headers = sign_js(tenant, uri, raw, datetime.now(UTC))
    return httpx.post(f"{base}{uri}", content=raw, headers=headers, timeout=timeout)


def whole_create(seeded: Seeded, name: str) -> dict[str, Any]:
    """A create with every part a fault could split: new company, new contact, custom value."""
    return base_body(
        seeded,
        name=name,
        company={"businessName": f"{name} Co"},
        contact={"firstName": name, "lastName": "Fault", "email": f"{name}@fault.example"},
        customFields=[{"fieldId": seeded.field_id(0), "fieldValue": name}],
    )


def assert_whole(uow: UnitOfWork, seeded: Seeded, acknowledged: dict[str, int]) -> None:
    """Every acknowledged create is there with all its parts, and no create is there twice."""
    acct = seeded.tenant.account_id
    opportunities = rows(uow, Opportunity, acct)
    names = Counter(o.name for o in opportunities)
    assert [name for name, count in names.items() if count > 1] == []
    by_id = {o.id: o for o in opportunities}
    companies = {c.id: c for c in rows(uow, Company, acct)}
    contacts = {c.id: c for c in rows(uow, Contact, acct)}
    values = {
        v.record_id: v.value
        for v in rows(uow, CustomFieldValue, acct)
        if v.entity == "opportunity" and v.field_id == seeded.field_id(0)
    }
    for name, opportunity_id in acknowledged.items():
        found = by_id[opportunity_id]
        assert found.name == name
        assert found.company_id is not None
        assert found.contact_id is not None
        assert companies[found.company_id].business_name == f"{name} Co"
        assert contacts[found.contact_id].email == f"{name}@fault.example"
        assert values[opportunity_id] == name
    # A create that was not acknowledged is there whole or not at all.
    for opportunity in opportunities:
        assert values.get(opportunity.id) == opportunity.name
        assert opportunity.contact_id in contacts
        assert opportunity.company_id in companies
