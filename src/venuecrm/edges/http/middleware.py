"""Per-request context: the request id, one structured log line, and the last-resort 500."""

from __future__ import annotations

import logging
import re
import time
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from venuecrm.edges.http import screen
from venuecrm.edges.http.envelope import error_response, unexpected_error_response
from venuecrm.logs import exception_fields

logger = logging.getLogger("venuecrm.request")
REQUEST_ID_HEADER = "x-request-id"
_REQUEST_ID_NAME = REQUEST_ID_HEADER.encode()
# Echo a caller's id only when it is safe to put in a header and a log line.
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
# Orchestrators call these every few seconds; a passing probe is logged at DEBUG, not INFO.
_PROBES = frozenset({"/health", "/ready"})


def _action(pairs: screen.Pairs) -> str:
    """The ``action`` parameter for the log line: its first non-blank value, else ""."""
    return next((value for name, value in pairs if name == "action" and value), "")


def _request_id(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name == _REQUEST_ID_NAME:
            candidate = str(value.decode("latin-1"))
            if _SAFE_REQUEST_ID.match(candidate):
                return candidate
    return uuid.uuid4().hex


class RequestContextMiddleware:
    """Give every response an X-Request-Id, log it, and turn any escaped exception into a 500.

    Query strings ``screen`` refuses are answered here, before routing.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _request_id(scope)
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        started = time.perf_counter()
        status = 500
        response_started = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                response_started = True
                status = message["status"]
                headers = list(message.get("headers", []))
                encoded = request_id.encode()
                # Apideck clients read Request-Id; iVvy clients get X-Request-Id.
                headers += ((_REQUEST_ID_NAME, encoded), (b"request-id", encoded))
                # The caller's key quota, when the request was authenticated (api.ratelimit).
                for name, value in state.get("rate_limit_headers", {}).items():
                    headers.append((name.lower().encode(), value.encode()))
                message = {**message, "headers": headers}
            await send(message)

        # Parsed once, for the screen and the log line; most requests have no query string.
        query_string = scope.get("query_string", b"")
        pairs = screen.query_pairs(query_string) if query_string else []
        try:
            refused = screen.refusal(scope["path"], pairs)
            if refused is not None:
                await error_response(refused, scope["path"])(scope, receive, send_with_id)
            else:
                await self.app(scope, receive, send_with_id)
        except Exception as exc:
            # Types, codes and frames only: an exception's message can quote the request.
            logger.error(
                "unhandled error", extra={"request_id": request_id, **exception_fields(exc)}
            )
            if response_started:
                raise
            await unexpected_error_response(request_id, scope["path"])(scope, receive, send_with_id)
        finally:
            level = logging.DEBUG if scope["path"] in _PROBES and status < 400 else logging.INFO
            if logger.isEnabledFor(level):
                logger.log(
                    level,
                    "request",
                    extra={
                        "request_id": request_id,
                        "method": scope["method"],
                        "path": scope["path"],
                        "action": _action(pairs),
                        "account_id": state.get("account_id"),
                        "status": status,
                        "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                    },
                )
