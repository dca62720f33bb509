"""uvicorn's HTTP protocol with a deadline for a request's headers (slow-drip connections).

uvicorn closes a keep-alive connection that stays idle, but sets no time limit on a request's
headers: a client that sends one byte every few seconds, or nothing at all after connecting,
holds its connection (and a slot of every limit counted in connections) for ever. Here a request's
headers must be complete within ``VENUECRM_HEADER_TIMEOUT_SECONDS`` of the connection opening or
of the previous response, else the connection is closed.
"""

from __future__ import annotations

import asyncio
import importlib.util
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

from venuecrm.config import get_settings


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
