"""A real PgBouncer (Debian's ``pgbouncer``) in transaction-pooling mode in front of a database.

Tests marked ``pgbouncer`` run their ``client`` through it as well as directly (see
``tests/conftest.py``), which is how replicas usually reach PostgreSQL (docs/deployment.md).
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from tests.servers import free_port
from venuecrm.config import Settings


def _unprivileged_user(database_url: str) -> str:
    socket_dir = Path(str(make_url(database_url).query.get("host") or "/nonexistent"))
    if socket_dir.is_dir() and socket_dir.stat().st_uid != 0:
        return pwd.getpwuid(socket_dir.stat().st_uid).pw_name
    return "nobody"


def _config(database_url: str, port: int, pool_size: int) -> str:
    url = make_url(database_url)
    # The embedded server listens on a unix socket only, named in the URL's ``host`` parameter.
    host = url.query.get("host") or url.host or "localhost"
    server = {
        "host": host,
        "port": url.port or 5432,
        "dbname": url.database,
        "user": url.username or "postgres",
    }
    if url.password:
        server["password"] = url.password
    connection = " ".join(f"{key}={value}" for key, value in server.items())
    # PgBouncer drops the app's startup ``options`` (the request timeouts); each server connection
    # gets them when it opens instead, as in docker/pgbouncer/entrypoint.sh.
    defaults = Settings()
    timeouts = (
        f"SET lock_timeout = {defaults.lock_timeout_ms}; "
        f"SET statement_timeout = {defaults.statement_timeout_ms}"
    )
    return f"""\
[databases]
{url.database} = {connection} connect_query='{timeouts}'

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
; Local test only: the client's user name is not checked, the server connection's user is
; the one above.
auth_type = any
pool_mode = transaction
default_pool_size = {pool_size}
max_client_conn = 500
ignore_startup_parameters = extra_float_digits,options
"""


@contextmanager
def pgbouncer(database_url: str, workdir: Path, *, pool_size: int = 20) -> Iterator[str]:
    """Run PgBouncer in front of ``database_url``; yield a URL that reaches the same database.

    ``pool_size`` is the number of server connections it multiplexes the clients onto.
    """
    executable = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
    if not Path(executable).exists():
        pytest.fail("pgbouncer is not installed: apt-get install pgbouncer (`./dev test` does)")
    port = free_port()
    config = workdir / "pgbouncer.ini"
    config.write_text(_config(database_url, port, pool_size))
    command = [executable, str(config)]
    if os.geteuid() == 0:
        # PgBouncer refuses to run as root: it drops to another user after reading its config,
        # the one owning the server's socket directory (the embedded server's) if there is one.
        command[1:1] = ["-u", _unprivileged_user(database_url)]
    log = workdir / "pgbouncer.log"
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    url = make_url(database_url)
    through = url.set(
        drivername="postgresql+psycopg", host="127.0.0.1", port=port, query={}
    ).render_as_string(hide_password=False)
    try:
        _wait_until_connectable(through, process, log)
        yield through
    finally:
        process.terminate()
        process.wait(timeout=30)


def _wait_until_connectable(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    """Poll until a query passes through PgBouncer, failing fast if it exited."""
    libpq = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"pgbouncer exited with {process.returncode}:\n{log.read_text()}")
        try:
            with psycopg.connect(libpq, connect_timeout=2, prepare_threshold=None) as conn:
                conn.execute("SELECT 1")
                return
        except psycopg.OperationalError:
            time.sleep(0.1)  # polling interval, not synchronisation: the query decides
    pytest.fail(f"pgbouncer not connectable after 30 s:\n{log.read_text()}")
