"""Running ``venuecrm serve`` as a child process: shared by the tests and the benchmarks.

Nothing here imports venuecrm, so ``bench/harness`` can use it beside a server it measures.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from sqlalchemy.engine import make_url


class ServerNotReady(RuntimeError):
    """The server exited, or did not answer /ready in time; the message carries its log."""


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def libpq_url(url: str) -> str:
    """A SQLAlchemy URL as psycopg (libpq) wants it."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def serve_command(*, port: int, workers: int | None = None) -> list[str]:
    """The command line of ``venuecrm serve`` on ``port``, run by this interpreter."""
    command = [sys.executable, "-m", "venuecrm", "serve", "--port", str(port)]
    return command + (["--workers", str(workers)] if workers is not None else [])


def wait_until_ready(
    base: str, process: subprocess.Popen[bytes], log: Path, *, timeout: float = 60
) -> None:
    """Poll the readiness probe until the server answers 200; raise at once if it exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerNotReady(f"server exited with {process.returncode}:\n{log.read_text()}")
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(f"{base}/ready", timeout=2).status_code == 200:
                return
        time.sleep(0.1)  # polling interval, not synchronisation: the probe decides
    raise ServerNotReady(f"server not ready after {timeout:g} s:\n{log.read_text()}")
