"""What every ``/crm`` route does: authenticate, run the feature in the threadpool (writes
idempotently, one write slot each), and reply in Apideck's envelope, ``fields=`` applied.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Protocol, TypeVar

from fastapi import Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from venuecrm.edges.http import idempotency
from venuecrm.edges.http.deps import (
    authenticate_bearer_request,
    bind_caller,
    read_body,
    runtime,
    write_slot,
)
from venuecrm.errors import InvalidRequest
from venuecrm.features.accounts.service import Credentials
from venuecrm.features.unified_lists import Page
from venuecrm.platform.uow import UnitOfWork

R = TypeVar("R")


def envelope(operation: str, status: int, *, resource: str, **body: Any) -> JSONResponse:
    """Apideck's reply envelope around ``body``."""
    return JSONResponse(
        {"status_code": status, "status": "OK", "service": "venuecrm",
         "resource": resource, "operation": operation, **body},
        status_code=status,
    )  # fmt: skip


async def authorized(request: Request, work: Callable[[UnitOfWork, Credentials], R]) -> R:
    """Run ``work`` for the caller's key in the threadpool (the database stack is synchronous)."""
    rt = runtime(request)

    def run(uow: UnitOfWork) -> R:
        credentials = authenticate_bearer_request(request, uow)
        bind_caller(uow, request, credentials)
        return work(uow, credentials)

    return await run_in_threadpool(rt.in_transaction, run)


async def _write(
    request: Request, body: bytes, work: Callable[[UnitOfWork, Credentials], JSONResponse]
) -> Response:
    """Run a write for the caller's key; with an Idempotency-Key, at most once (see README)."""
    rt = runtime(request)

    def run(uow: UnitOfWork) -> idempotency.Outcome:
        credentials = authenticate_bearer_request(request, uow)
        bind_caller(uow, request, credentials)
        now = rt.clock()
        key = idempotency.idempotency_key(request.headers, (idempotency.IDEMPOTENCY_KEY,))
        guards = (
            []
            if key is None
            else [idempotency.key_guard(key, now, rt.settings.idempotency_ttl_seconds)]
        )

        def reply(uow: UnitOfWork) -> tuple[int, bytes]:
            response = work(uow, credentials)
            return response.status_code, bytes(response.body)

        return idempotency.run_once(
            uow,
            account_id=credentials.account_id,
            guards=guards,
            fingerprint=idempotency.fingerprint(request, body),
            now=now,
            work=reply,
        )

    async with write_slot(request):
        outcome = await run_in_threadpool(rt.in_transaction, run)
    return outcome.response()


def requested_fields(request: Request, model: type[BaseModel]) -> list[str] | None:
    """The keys ``fields=`` asks for (None: all); 400 naming any ``model`` does not have.

    An unknown key used to be dropped silently, leaving items without any key at all.
    """
    raw = request.query_params.get("fields")
    if not raw:
        return None
    wanted = [f.strip().split(".", 1)[0] for f in raw.split(",") if f.strip()]
    unknown = [key for key in wanted if key not in model.model_fields]
    if unknown:
        raise InvalidRequest(
            "Invalid Params",
            [f"fields: '{key}' is not a key of {model.__name__}" for key in unknown],
        )
    return wanted


def select_fields(item: BaseModel, wanted: list[str] | None) -> dict[str, Any]:
    """``item`` as JSON, limited to the ``wanted`` keys when ``fields=`` named some."""
    data = item.model_dump(mode="json")
    return data if wanted is None else {key: data[key] for key in wanted}


class Lister(Protocol):
    """A feature's list read: one page for the account and the query parameters."""

    def __call__(
        self, uow: UnitOfWork, *, account_id: int, params: Iterable[tuple[str, str]]
    ) -> Page[Any]: ...


async def list_reply(
    request: Request, resource: str, item: type[BaseModel], lister: Lister
) -> JSONResponse:
    """A page in Apideck's list envelope; ``links.next`` repeats the request at the next cursor."""
    params = list(request.query_params.multi_items())
    page = await authorized(
        request, lambda uow, who: lister(uow, account_id=who.account_id, params=params)
    )
    wanted = requested_fields(request, item)
    cursor = page.next_cursor
    return envelope(
        "all",
        200,
        resource=resource,
        data=[select_fields(row, wanted) for row in page.items],
        meta={
            "items_on_page": len(page.items),
            "cursors": {
                "previous": None,
                "current": request.query_params.get("cursor"),
                "next": cursor,
            },
            "total_count": page.total,
        },
        links={
            "previous": None,
            "current": str(request.url),
            "next": str(request.url.include_query_params(cursor=cursor)) if cursor else None,
        },
    )


async def one_reply(
    request: Request, resource: str, read: Callable[[UnitOfWork, int], BaseModel]
) -> JSONResponse:
    """One record (``read`` for the caller's account), limited to ``fields`` when asked."""
    item = await authorized(request, lambda uow, who: read(uow, who.account_id))
    data = select_fields(item, requested_fields(request, type(item)))
    return envelope("one", 200, resource=resource, data=data)


async def save_reply(
    request: Request,
    resource: str,
    save: Callable[[UnitOfWork, Credentials, bytes], str],
    *,
    created: bool,
) -> Response:
    """Create (201) or update (200) through ``save``, idempotently; the reply names the id.

    The body is parsed inside ``save``, after authentication: an anonymous caller learns
    nothing of the schema, it gets 401 like on every other route.
    """
    raw = await read_body(request, runtime(request).settings.max_body_bytes)
    operation, status = ("add", 201) if created else ("update", 200)
    return await _write(
        request,
        raw,
        lambda uow, who: envelope(
            operation, status, resource=resource, data={"id": save(uow, who, raw)}
        ),
    )


async def delete_reply(
    request: Request, resource: str, delete: Callable[[UnitOfWork, Credentials], str]
) -> Response:
    """Delete through ``delete``, idempotently; 200 naming the id."""
    return await _write(
        request,
        b"",
        lambda uow, who: envelope("delete", 200, resource=resource, data={"id": delete(uow, who)}),
    )
