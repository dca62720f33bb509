"""How the app is served: uvicorn, a deadline for a request's headers, a socket per worker.

uvicorn closes a keep-alive connection that stays idle, but sets no time limit on a request's
headers: a client that sends one byte every few seconds, or nothing at all after connecting,
holds its connection (and a slot of every limit counted in connections) for ever. Here a request's
headers must be complete within ``VENUECRM_HEADER_TIMEOUT_SECONDS`` of the connection opening or
of the previous response, else the connection is closed.

With several workers, uvicorn binds one socket that they all accept from: the worker that wakes
first takes a burst of connections (16 keep-alive connections were seen split 14/2), and the busy
worker is the bottleneck while the other idles. On Linux each worker here listens on a socket of
its own, bound to the same address with ``SO_REUSEPORT``: the kernel gives each new connection to
one of them by a hash of its addresses, a fair coin per connection (docs/deployment.md §6).
"""

from __future__ import annotations

import asyncio
import ctypes
import importlib.util
import logging
import os
import signal
import socket
import sys
from typing import Any, SupportsIndex

import uvicorn
from uvicorn.config import STARTUP_FAILURE
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.supervisors import Multiprocess

from venuecrm.config import Settings, get_settings

logger = logging.getLogger("uvicorn.error")


class _HeaderDeadline(asyncio.Protocol):
    """Close the connection when no request's headers are complete by the deadline.

    Works on both of uvicorn's HTTP/1.1 protocols: each creates ``cycle`` when a request's
    headers are complete and calls ``on_response_complete`` when its response is sent.
    """

    loop: asyncio.AbstractEventLoop
    transport: asyncio.Transport
    cycle: Any
    _header_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Start the first request's deadline as the connection opens."""
        super().connection_made(transport)
        self._arm_header_deadline()

    def on_response_complete(self) -> None:
        """The next request's headers are due within the timeout from now."""
        super().on_response_complete()  # type: ignore[misc]
        self._arm_header_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        """Drop the deadline with the connection."""
        self._cancel_header_deadline()
        super().connection_lost(exc)

    def _arm_header_deadline(self) -> None:
        self._cancel_header_deadline()
        if not self.transport.is_closing():
            timeout = get_settings().header_timeout_seconds
            self._header_deadline = self.loop.call_later(timeout, self._header_deadline_passed)

    def _cancel_header_deadline(self) -> None:
        if self._header_deadline is not None:
            self._header_deadline.cancel()
            self._header_deadline = None

    def _header_deadline_passed(self) -> None:
        self._header_deadline = None
        cycle = self.cycle
        if cycle is not None and not cycle.response_complete:
            return  # a request's headers arrived: it is being answered
        if not self.transport.is_closing():
            self.transport.close()


class H11HeaderTimeoutProtocol(_HeaderDeadline, H11Protocol):
    """uvicorn's h11 protocol with the header deadline."""


HttpProtocol: type[asyncio.Protocol] = H11HeaderTimeoutProtocol
# The same choice as uvicorn's "auto": httptools when it is installed (uvicorn[standard]).
if importlib.util.find_spec("httptools") is not None:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    class HttpToolsHeaderTimeoutProtocol(_HeaderDeadline, HttpToolsProtocol):
        """uvicorn's httptools protocol with the header deadline."""

    HttpProtocol = HttpToolsHeaderTimeoutProtocol


def serve(settings: Settings, *, host: str, port: int, workers: int) -> None:
    """Serve the app on ``host:port`` in ``workers`` processes (this one when there is one)."""
    options: dict[str, Any] = {
        "app": "venuecrm.app:app_factory",
        "factory": True,
        "host": host,
        "port": port,
        "workers": workers,
        "access_log": False,
        "log_level": settings.log_level.lower(),
        "http": HttpProtocol,
        "timeout_keep_alive": settings.keep_alive_seconds,
    }
    # Only Linux spreads connections over SO_REUSEPORT sockets; elsewhere uvicorn's shared socket.
    if workers == 1 or sys.platform != "linux":
        uvicorn.run(**options)
        return
    config = uvicorn.Config(**options)  # also sets up uvicorn's logging
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    address = _free_address(family, host, port)
    logger.info("serving on %s port %d: %d workers, a socket each", host, address[1], workers)
    Multiprocess(config, sockets=[_SocketPerWorker(family, address)]).run()


def _free_address(family: socket.AddressFamily, host: str, port: int) -> tuple[str, int]:
    """``(host, port)`` once checked free, port 0 resolved; exits as uvicorn does if it is taken.

    The check binds without ``SO_REUSEPORT``, so it fails on a port where any server listens,
    even one that reuses the port: two services never share a port by accident.
    """
    with socket.socket(family) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            logger.error(exc)
            sys.exit(STARTUP_FAILURE)
        return host, int(probe.getsockname()[1])


def _worker_socket(
    supervisor: int, family: socket.AddressFamily, address: tuple[str, int]
) -> socket.socket:
    """The first thing a worker runs: tie its life to the supervisor's, then bind its socket."""
    _die_with(supervisor)
    return _listen_reusing_port(family, address)


def _die_with(supervisor: int) -> None:
    """Have the kernel kill this process when ``supervisor``, its parent, dies.

    uvicorn stops its workers when it stops; but killed outright (SIGKILL, the OOM killer) it
    would leave them serving as orphans, holding the port and database connections that a
    restarted service then finds taken.
    """
    pr_set_pdeathsig = 1  # <linux/prctl.h>
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)
    if os.getppid() != supervisor:  # it died before the line above took effect
        os._exit(STARTUP_FAILURE)


def _listen_reusing_port(family: socket.AddressFamily, address: tuple[str, int]) -> socket.socket:
    """A worker's own socket on ``address``, beside its siblings' (uvicorn listens on it)."""
    sock = socket.socket(family)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind(address)
    except OSError as exc:
        # uvicorn's startup-failure exit code stops the supervisor rather than restarting us.
        logger.error(exc)
        sys.exit(STARTUP_FAILURE)
    return sock


class _SocketPerWorker(socket.socket):
    """The socket uvicorn's supervisor hands to each worker: it arrives as one of its own.

    uvicorn pickles its sockets into every worker process it starts (and restarts); this one
    pickles as "bind a new SO_REUSEPORT socket on the address". The stand-in in the supervisor
    holds no file descriptor and is never listened on, so no connection waits on it.
    """

    def __init__(self, family: socket.AddressFamily, address: tuple[str, int]) -> None:
        super().__init__(family)
        self.close()
        self.arguments = (os.getpid(), family, address)

    def __reduce_ex__(self, protocol: SupportsIndex) -> tuple[Any, ...]:
        """Rebuilt in the worker as a socket of its own on the same address."""
        return (_worker_socket, self.arguments)
