"""``venuecrm serve`` under test: started, ready, stopped, its log summarised afterwards."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil
from cryptography.fernet import Fernet
from tests import servers
from tests.servers import free_port, serve_command

from harness.database import Database, stop_embedded
from venuecrm.config import Settings
from venuecrm.platform.engine import database_url

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
    command = serve_command(port=port, workers=workers)
    with log.open("wb") as out:
        return subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)


def wait_until_ready(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    """The tests' readiness poll with a longer wait; a server that never gets ready ends the run."""
    try:
        servers.wait_until_ready(base, process, log, timeout=90)
    except servers.ServerNotReady as exc:
        sys.exit(str(exc))


def stop_server(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM (a graceful exit that also releases the embedded PostgreSQL), then SIGKILL."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def counts(text: str) -> list[int]:
    """``"1,16"`` -> [1, 16]: a comma-separated list of positive whole numbers."""
    try:
        values = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        values = []
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"expected numbers like 1,16; got {text!r}")
    return values


class _Extend(argparse.Action):
    """A repeatable list option: ``--clients 1,16`` is ``--clients 1 --clients 16``."""

    def __call__(self, parser: Any, namespace: Any, values: Any, option: Any = None) -> None:
        setattr(namespace, self.dest, [*(getattr(namespace, self.dest) or []), *values])


def add_run_arguments(parser: Any, *, default_clients: str, several_workers: bool = False) -> None:
    """The options every benchmark takes; ``several_workers``: ``--workers`` is a list too."""
    parser.add_argument(
        "--clients",
        type=counts,
        action=_Extend,
        help=f"concurrent clients, e.g. 1,16 or repeated (default: {default_clients})",
    )
    parser.add_argument(
        "--seconds", type=int, default=15, help="timed window per run (default: %(default)s)"
    )
    parser.add_argument(
        "--warmup", type=float, default=2.0, help="untimed load first (connections, caches)"
    )
    if several_workers:
        parser.add_argument(
            "--workers", type=counts, action=_Extend, help="server worker processes, e.g. 1,2"
        )
    else:
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
    def port(self) -> int:
        """The port the server listens on."""
        return int(self.base.rsplit(":", 1)[1])

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
                summarise_server_log(log, kept=kept)
        if db is not None:
            db.close()
        if db is not None and db.embedded_pgdata is not None:
            if service is not None and service.failed:
                _print_pg_errors(db.embedded_pgdata / "log")
            stop_embedded(db.embedded_pgdata)
        shutil.rmtree(work, ignore_errors=True)


def summarise_server_log(log: Path, *, kept: Path) -> None:
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
