"""The ASGI application: routers, error handlers, request context, docs."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import anyio
from anyio import to_thread
from fastapi import FastAPI
from fastapi_offline import FastAPIOffline

from venuecrm.config import Settings, get_settings
from venuecrm.edges.crm import opportunities as crm
from venuecrm.edges.crm import parties as crm_parties
from venuecrm.edges.crm import records as crm_records
from venuecrm.edges.http import health, notifications
from venuecrm.edges.http.deps import Runtime
from venuecrm.edges.http.envelope import install_error_handlers
from venuecrm.edges.http.middleware import RequestContextMiddleware
from venuecrm.edges.http.ratelimit import RateLimits
from venuecrm.edges.ivvy import routes as ivvy
from venuecrm.edges.ivvy.registry import ACTIONS, Action, registry
from venuecrm.edges.openapi import build_openapi
from venuecrm.features.events import outbox
from venuecrm.features.events.dispatcher import Dispatcher
from venuecrm.logs import configure_logging
from venuecrm.platform.engine import make_engine, make_session_factory

DESCRIPTION = """\
An iVvy-compatible venue CRM API. Every iVvy call is `POST /api/1.0/{namespace}?action={action}`
with a JSON body, signed with `X-Api-Authorization: IWS {key}:{signature}` (HMAC-SHA1, see the
README). Try it with `venuecrm call test ping`.
"""


# Threads beyond the write slots: one read runs Python while another waits on PostgreSQL.
READ_THREADS = 2


def _now() -> datetime:
    return datetime.now(UTC)


def create_app(
    settings: Settings,
    *,
    clock: Callable[[], datetime] = _now,
    actions: tuple[Action, ...] = ACTIONS,
    dispatch: bool = False,
) -> FastAPI:
    """Build the app for ``settings``; ``clock`` and ``actions`` are injectable for tests;
    ``dispatch`` runs an event dispatcher thread while the app serves."""
    engine = make_engine(settings)
    outbox.install()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # Database work runs in anyio's threadpool, one request per thread, each thread on a
        # pooled connection. It needs a thread per write slot (writes may sit in lock waits)
        # plus READ_THREADS for reads and pings. More add no throughput, as a worker's Python
        # runs on one core at a time: they only move the queue from the limiter (first come,
        # first served, no connection held) to the GIL and the pool, and hold PostgreSQL
        # backends that compete with it for the same cores.
        slots = max(1, min(settings.write_slots, settings.pool_size - 1))
        threads = min(settings.pool_size, slots + READ_THREADS)
        to_thread.current_default_thread_limiter().total_tokens = threads
        # Writes wait on row locks; capping them below the thread count keeps threads and
        # connections free for reads and pings however many writers queue on one record.
        app.state.write_slots = anyio.Semaphore(slots)
        dispatcher = Dispatcher(settings) if dispatch else None
        thread = dispatcher.start() if dispatcher is not None else None
        yield
        if dispatcher is not None and thread is not None:
            dispatcher.stop()
            # Let its round finish (at most one send timeout) before its pool goes away.
            await to_thread.run_sync(thread.join, settings.events_timeout_seconds + 5)
            dispatcher.close()
        engine.dispose()

    app: FastAPI = FastAPIOffline(
        title="venuecrm", version="0.1.0", description=DESCRIPTION, lifespan=lifespan
    )
    app.state.runtime = Runtime(
        settings,
        engine,
        make_session_factory(engine),
        clock,
        RateLimits(settings.rate_limit, settings.failed_auth_limit),
    )
    app.state.actions = registry(actions)
    install_error_handlers(app)
    app.add_middleware(RequestContextMiddleware)
    app.include_router(ivvy.router)
    app.include_router(crm.router)
    app.include_router(crm_records.router)
    app.include_router(crm_parties.router)
    app.include_router(health.router)
    app.include_router(notifications.router)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build_openapi(app, app.state.actions.values())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


def app_factory() -> FastAPI:
    """Entry point for uvicorn workers: settings from the environment, JSON logs."""
    settings = get_settings()
    configure_logging(settings.log_level)
    return create_app(settings, dispatch=settings.events_dispatcher)
