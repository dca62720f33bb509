"""Exceptions to iVvy error envelopes: the only place an error body is built."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from venuecrm.errors import InternalError, MethodNotAllowed, UnknownAction, VenueCrmError

IVVY_PREFIX = "/api/"


def envelope(error: VenueCrmError) -> dict[str, Any]:
    """iVvy's error body for ``error``."""
    return {
        "errorCode": error.error_code,
        "message": error.message,
        "specificCode": error.specific_code,
        "additionalMessages": error.additional_messages,
    }


def error_response(error: VenueCrmError) -> JSONResponse:
    """The envelope with HTTP status equal to ``errorCode`` (decision 7)."""
    return JSONResponse(envelope(error), status_code=error.error_code)


def unexpected_error_response(request_id: str) -> JSONResponse:
    """A clean 500 that names the request id the server logged the traceback under."""
    return error_response(
        InternalError(
            f"An error has occurred; quote request id {request_id}",
            [f"requestId: {request_id}"],
        )
    )


async def _venuecrm_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, VenueCrmError)
    return error_response(exc)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if request.url.path.startswith(IVVY_PREFIX):
        if exc.status_code == 405:
            return error_response(MethodNotAllowed())
        if exc.status_code == 404:
            return error_response(UnknownAction(f"No such API route: {request.url.path}"))
    return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that turn exceptions into envelopes."""
    app.add_exception_handler(VenueCrmError, _venuecrm_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
