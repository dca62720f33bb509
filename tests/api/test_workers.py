"""``venuecrm serve``'s worker processes: one per CPU, and connections spread over them (issue 11).

Real servers on real sockets; which process holds each connection is read from the kernel's
tables (``psutil``, as ``ss -tnp`` does).
"""

from __future__ import annotations

import socket
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import psutil
import pytest

from tests.conftest import server_env, serving
from tests.servers import free_port, serve_command, wait_until_ready
from venuecrm.config import usable_cpus

CONNECTIONS = 64
# Each worker listens on a socket of its own (SO_REUSEPORT) and the kernel gives each connection
# to one of them by a hash of its addresses (with a secret seed): for two workers, a fair coin per
# connection. A worker gets fewer than 12 of 64 with probability 2 * P(Binomial(64, 1/2) < 12)
# = 1.0e-7, one run in ten million. The single shared socket this replaced gave 48 to 64 of them
# to one worker whenever they arrived together, as below.
MIN_SHARE = 12


def _port(base: str) -> int:
    return urlsplit(base).port or 80


def _pids(port: int, status: str, peers: set[tuple[str, int]] | None = None) -> Counter[int]:
    """How many of the server's sockets on ``port`` in ``status`` each process holds (only those
    connected to ``peers`` when given)."""
    return Counter(
        conn.pid
        for conn in psutil.net_connections("tcp")
        if conn.laddr and conn.laddr.port == port and conn.status == status and conn.pid
        if peers is None or (conn.raddr and (conn.raddr.ip, conn.raddr.port) in peers)
    )


def _listening(port: int, workers: int) -> Counter[int]:
    """The processes listening on ``port``, once ``workers`` of them do (/ready answered when the
    first one did); fails after a deadline."""
    deadline = time.monotonic() + 30
    while len(listeners := _pids(port, psutil.CONN_LISTEN)) < workers:
        if time.monotonic() > deadline:
            pytest.fail(f"{len(listeners)} of {workers} workers listen on port {port}")
        time.sleep(0.1)  # polling interval; the kernel's table decides
    return listeners


@pytest.fixture(scope="module")
def two_workers(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``venuecrm serve`` with VENUECRM_WORKERS=2."""
    env = server_env(database_url, VENUECRM_WORKERS="2")
    with serving(env, tmp_path_factory.mktemp("workers") / "server.log") as base:
        _listening(_port(base), 2)
        yield base


def test_connections_that_arrive_together_spread_over_the_workers(two_workers: str) -> None:
    port = _port(two_workers)
    # Every connection opens before any request is sent, as a client pool warming up does.
    socks = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(CONNECTIONS)]
    try:
        for sock in socks:
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        for sock in socks:  # an answer means a worker accepted the connection
            assert sock.recv(4096).startswith(b"HTTP/1.1 200")
        held = _pids(port, psutil.CONN_ESTABLISHED, {sock.getsockname() for sock in socks})
    finally:
        for sock in socks:
            sock.close()
    assert sum(held.values()) == CONNECTIONS
    assert len(held) == 2, held
    assert min(held.values()) >= MIN_SHARE, held
    # Both are workers of one server, not some other process on the port.
    assert len({psutil.Process(pid).ppid() for pid in held}) == 1


def test_a_second_server_on_a_taken_port_fails_instead_of_sharing_it(
    two_workers: str, database_url: str, tmp_path: Path
) -> None:
    port = _port(two_workers)
    listeners = _pids(port, psutil.CONN_LISTEN)
    second = subprocess.run(
        serve_command(port=port, workers=2),
        env=server_env(database_url),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert second.returncode == 3, second.stderr  # uvicorn's exit code for a failed start
    assert "address already in use" in second.stderr.lower()
    assert _pids(port, psutil.CONN_LISTEN) == listeners


def test_serve_starts_one_worker_per_usable_cpu_by_default(
    database_url: str, tmp_path: Path
) -> None:
    env = server_env(database_url)
    env.pop("VENUECRM_WORKERS", None)
    with serving(env, tmp_path / "server.log") as base:
        listeners = _listening(_port(base), usable_cpus())
    assert len(listeners) == usable_cpus()


def _gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def test_workers_die_with_a_supervisor_killed_outright(database_url: str, tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "server.log"
    with log.open("wb") as out:
        supervisor = subprocess.Popen(
            serve_command(port=port, workers=2),
            env=server_env(database_url),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until_ready(f"http://127.0.0.1:{port}", supervisor, log)
        workers = set(_listening(port, 2))
        assert {psutil.Process(pid).ppid() for pid in workers} == {supervisor.pid}
        supervisor.kill()  # no chance to stop its workers itself
        supervisor.wait(timeout=30)
        deadline = time.monotonic() + 10
        while not all(_gone(pid) for pid in workers):
            assert time.monotonic() < deadline, "orphaned workers still running"
            time.sleep(0.1)  # polling interval; the process table decides
        assert _pids(port, psutil.CONN_LISTEN) == Counter()
    finally:
        supervisor.kill()
