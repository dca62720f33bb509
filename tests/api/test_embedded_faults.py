"""The embedded PostgreSQL under faults (issue 15 item 5), with real processes: its postmaster
killed under a running server, and the server itself killed and served again."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.api.fault_helpers import (
    assert_whole,
    embedded_env,
    embedded_uow,
    postmasters,
    serve,
    signed_post,
    wait_for,
    whole_create,
)
from tests.api.opportunity_helpers import URI
from tests.factories import Seeded, seeded_tenant
from venuecrm.platform.embedded import pgdata, postmaster_pid, process_alive


def _create(base: str, seeded: Seeded, name: str) -> httpx.Response:
    return signed_post(base, seeded.tenant, URI, whole_create(seeded, name))


def test_a_killed_postmaster_is_restarted_and_nothing_acknowledged_is_lost(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "data"
    with serve(embedded_env(data_dir), tmp_path / "server.log") as server:
        seeded = seeded_tenant(embedded_uow(data_dir))
        acknowledged: dict[str, int] = {}
        for name in ("before-1", "before-2"):
            response = _create(server.base, seeded, name)
            assert response.status_code == 200, response.text
            acknowledged[name] = response.json()["id"]
        dead = postmaster_pid(pgdata(data_dir))
        assert dead is not None
        os.kill(dead, signal.SIGKILL)
        wait_for(lambda: not process_alive(dead), 10, "the postmaster to die")

        # Until the watch restarts it, every request fails fast and cleanly; then they succeed.
        outage: list[int] = []
        deadline = time.monotonic() + 60
        while True:
            started = time.monotonic()
            response = _create(server.base, seeded, f"during-{len(outage)}")
            assert time.monotonic() - started < 3
            if response.status_code == 200:
                acknowledged[f"during-{len(outage)}"] = response.json()["id"]
                break
            assert response.status_code == 503, response.text
            assert response.json()["specificCode"] == 90503
            assert response.headers["Retry-After"] == "2"
            outage.append(response.status_code)
            assert time.monotonic() < deadline, server.log.read_text()
        assert postmaster_pid(pgdata(data_dir)) != dead
        response = _create(server.base, seeded, "after")
        assert response.status_code == 200, response.text
        acknowledged["after"] = response.json()["id"]
        assert_whole(embedded_uow(data_dir), seeded, acknowledged)


def test_a_killed_server_is_served_again_and_leaks_no_postmaster(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    env = embedded_env(data_dir)
    with serve(env, tmp_path / "first.log") as first:
        seeded = seeded_tenant(embedded_uow(data_dir))
        response = _create(first.base, seeded, "first")
        assert response.status_code == 200, response.text
        acknowledged = {"first": response.json()["id"]}
        orphan = postmaster_pid(pgdata(data_dir))
        first.process.kill()
        first.process.wait(timeout=30)
    # The server died without cleaning up: its postmaster is still running, unowned.
    assert orphan is not None
    assert process_alive(orphan)

    with serve(env, tmp_path / "second.log") as second:
        # The orphan is adopted, not duplicated.
        assert postmaster_pid(pgdata(data_dir)) == orphan
        assert postmasters(pgdata(data_dir)) == [orphan]
        response = _create(second.base, seeded, "second")
        assert response.status_code == 200, response.text
        acknowledged["second"] = response.json()["id"]
        assert_whole(embedded_uow(data_dir), seeded, acknowledged)
    # A clean stop of the only live holder stops the postmaster it adopted.
    wait_for(lambda: not postmasters(pgdata(data_dir)), 30, "the postmaster to stop")
    assert not process_alive(orphan)
    assert (pgdata(data_dir) / ".handle_pids.json").read_text() == "[]"


def test_a_server_and_postmaster_killed_together_are_served_again(tmp_path: Path) -> None:
    # As after a power cut: both gone, postmaster.pid and the holder list left behind.
    data_dir = tmp_path / "data"
    env = embedded_env(data_dir)
    with serve(env, tmp_path / "first.log") as first:
        seeded = seeded_tenant(embedded_uow(data_dir))
        response = _create(first.base, seeded, "first")
        assert response.status_code == 200, response.text
        acknowledged = {"first": response.json()["id"]}
        dead = postmaster_pid(pgdata(data_dir))
        assert dead is not None
        first.process.kill()
        first.process.wait(timeout=30)
        os.kill(dead, signal.SIGKILL)
        wait_for(lambda: not process_alive(dead), 10, "the postmaster to die")
    assert postmaster_pid(pgdata(data_dir)) == dead

    with serve(env, tmp_path / "second.log") as second:
        assert postmasters(pgdata(data_dir)) not in ([], [dead])
        response = _create(second.base, seeded, "second")
        assert response.status_code == 200, response.text
        acknowledged["second"] = response.json()["id"]
        assert_whole(embedded_uow(data_dir), seeded, acknowledged)
    wait_for(lambda: not postmasters(pgdata(data_dir)), 30, "the postmaster to stop")


@pytest.fixture(autouse=True)
def _no_postmaster_left(tmp_path: Path) -> Iterator[None]:
    """Whatever a test does, it leaves no postmaster of its data directory running."""
    yield
    for pid in postmasters(pgdata(tmp_path / "data")):
        os.kill(pid, signal.SIGKILL)
