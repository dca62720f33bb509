"""Resource sampling during a window: CPU per party and per worker, peak memory, connections."""

from __future__ import annotations

import contextlib
import math
import resource
import threading
import time
from dataclasses import dataclass, field

import psutil

from harness.database import Database

# Resource sampling
# ---------------------------------------------------------------------------------------------


def _tree(root: psutil.Process | None, *, exclude_postgres: bool = False) -> list[psutil.Process]:
    if root is None:
        return []
    try:
        processes = [root, *root.children(recursive=True)]
    except psutil.Error:
        return []
    if exclude_postgres:
        # Defensive: a postmaster started by the server itself must not count as the server.
        processes = [p for p in processes if _name(p) != "postgres"]
    return processes


def _name(process: psutil.Process) -> str:
    with contextlib.suppress(psutil.Error):
        return process.name()
    return ""


def _sum_memory(processes: list[psutil.Process], *, pss: bool = False) -> int:
    total = 0
    for process in processes:
        with contextlib.suppress(psutil.Error):
            total += process.memory_full_info().pss if pss else process.memory_info().rss
    return total


def _cpu_by_pid(processes: list[psutil.Process]) -> dict[int, float]:
    seconds: dict[int, float] = {}
    for process in processes:
        with contextlib.suppress(psutil.Error):
            times = process.cpu_times()
            # children_*: children already reaped. Backends can be short-lived (a pool that
            # closes overflow connections), and the postmaster reaps them, so their CPU moves
            # from their own entry to their parent's rather than vanishing from the sum.
            seconds[process.pid] = (
                times.user + times.system + times.children_user + times.children_system
            )
    return seconds


def _cpu_delta(before: dict[int, float], after: dict[int, float]) -> float:
    # Processes born during the window count from zero.
    return sum(value - before.get(pid, 0.0) for pid, value in after.items())


@dataclass
class Usage:
    """Peak memory and CPU seconds of each party over one timed window."""

    server_rss: int = 0
    pg_rss: int = 0
    pg_pss: int = 0
    wall: float = 0.0
    generator_cpu: float = 0.0
    server_cpu: float = 0.0
    pg_cpu: float = 0.0
    machine_busy: float = 0.0  # CPU seconds, all cores, not idle/iowait/steal
    machine_steal: float = 0.0
    connections_opened: int | None = None  # new PostgreSQL sessions during the window
    # Per server worker (the processes that accept the service's connections), by pid:
    worker_rss: dict[int, int] = field(default_factory=dict)  # peak RSS
    worker_cpu: dict[int, float] = field(default_factory=dict)  # CPU seconds in the window
    worker_conns: dict[int, int] = field(default_factory=dict)  # client connections held


def _port_sockets(process: psutil.Process, port: int) -> tuple[bool, int]:
    """Whether ``process`` listens on ``port``, and how many connections to it it holds."""
    listening, established = False, 0
    with contextlib.suppress(psutil.Error):
        for conn in process.net_connections(kind="tcp"):
            if conn.laddr and conn.laddr.port == port:
                listening |= conn.status == psutil.CONN_LISTEN
                established += conn.status == psutil.CONN_ESTABLISHED
    return listening, established


def connection_split(server: list[psutil.Process], port: int) -> dict[int, int]:
    """Client connections each worker holds, by pid.

    A worker is a server process listening on the port; with several, the supervisor that
    started them listens too but never accepts, so it is left out when it holds none.
    """
    sockets = {p.pid: _port_sockets(p, port) for p in server}
    workers = {pid: held for pid, (listening, held) in sockets.items() if listening or held}
    if len(workers) > 1 and server and workers.get(server[0].pid) == 0:
        del workers[server[0].pid]
    return workers


class Monitor:
    """Samples memory in the background and takes CPU deltas around a window.

    With ``port`` (the service's), it also finds the workers and counts the client connections
    each holds, so an uneven split shows.
    """

    def __init__(
        self, server: psutil.Process, db: Database, interval: float = 0.5, port: int | None = None
    ) -> None:
        self.server, self.db, self.interval, self.port = server, db, interval, port
        self.usage = Usage()
        self._stop = threading.Event()
        self._sampler_cpu = 0.0
        self._thread = threading.Thread(target=self._sample_loop, daemon=True)

    def _trees(self) -> tuple[list[psutil.Process], list[psutil.Process]]:
        return _tree(self.server, exclude_postgres=True), _tree(self.db.postmaster())

    def _sample_loop(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()
        # This thread runs in the generator's process: its CPU must not count as the load's.
        self._sampler_cpu = time.thread_time()

    def _sample(self) -> None:
        server, pg = self._trees()
        u = self.usage
        u.server_rss = max(u.server_rss, _sum_memory(server))
        if self.port is not None:
            split = connection_split(server, self.port)
            # Keep-alive connections stay where the kernel put them: the fullest sample is it.
            if sum(split.values()) >= sum(u.worker_conns.values()):
                u.worker_conns = split
            for process in server:
                if process.pid in split:
                    with contextlib.suppress(psutil.Error):
                        rss = process.memory_info().rss
                        u.worker_rss[process.pid] = max(u.worker_rss.get(process.pid, 0), rss)
        u.pg_rss = max(u.pg_rss, _sum_memory(pg))
        # RSS counts shared_buffers once per backend that touched them; PSS splits them.
        u.pg_pss = max(u.pg_pss, _sum_memory(pg, pss=True))

    def __enter__(self) -> Monitor:
        server, pg = self._trees()
        self._server_cpu, self._pg_cpu = _cpu_by_pid(server), _cpu_by_pid(pg)
        self._self_cpu = time.process_time()
        self._children_cpu = _children_cpu()
        self._machine = psutil.cpu_times()
        self._sessions = self.db.sessions()
        self._started = time.perf_counter()
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        u = self.usage
        u.wall = time.perf_counter() - self._started
        # The generator is this process, or pgbench (a child that has exited by now).
        u.generator_cpu = (time.process_time() - self._self_cpu - self._sampler_cpu) + (
            _children_cpu() - self._children_cpu
        )
        self._sample()
        server, pg = self._trees()
        server_cpu = _cpu_by_pid(server)
        u.server_cpu = _cpu_delta(self._server_cpu, server_cpu)
        u.worker_cpu = {
            pid: server_cpu.get(pid, 0.0) - self._server_cpu.get(pid, 0.0) for pid in u.worker_rss
        }
        # An external server's processes are not ours to see: unknown, not zero.
        u.pg_cpu = _cpu_delta(self._pg_cpu, _cpu_by_pid(pg)) if pg else math.nan
        sessions = self.db.sessions()
        if sessions is not None and self._sessions is not None:
            # Counted when a backend first reports its statistics: close to, not exactly, live.
            u.connections_opened = sessions - self._sessions
        machine = psutil.cpu_times()
        # guest time is already inside user time in /proc/stat.
        total = sum(machine) - sum(self._machine)
        total -= (machine.guest + machine.guest_nice) - (
            self._machine.guest + self._machine.guest_nice
        )
        idle = (machine.idle - self._machine.idle) + (machine.iowait - self._machine.iowait)
        u.machine_steal = machine.steal - self._machine.steal
        u.machine_busy = total - idle - u.machine_steal


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime
