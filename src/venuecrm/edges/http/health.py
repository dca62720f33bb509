"""Liveness and readiness probes."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from venuecrm.edges.http.deps import runtime

router = APIRouter(tags=["health"])


@router.get("/health", summary="Liveness: the process answers.")
async def health() -> dict[str, str]:
    """Always ok while the process serves requests."""
    # Async: answered on the event loop, so a probe never waits for a thread busy with the
    # database (a liveness probe that queued behind slow queries would restart a live server).
    return {"status": "ok"}


@router.get("/ready", summary="Readiness: the database answers.")
def ready(request: Request) -> JSONResponse:
    """Ok when a query reaches PostgreSQL, 503 otherwise."""
    try:
        with runtime(request).engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception:  # any failure, whatever its kind, means not ready
        return JSONResponse({"status": "unavailable"}, status_code=503)
    return JSONResponse({"status": "ok"})
