"""What every ``/crm`` route shares: the envelope, authentication, idempotent writes, the list
parameters and the list/one replies, so each route is one call.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from inspect import Parameter, Signature
from typing import Any, Protocol, TypeVar

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from venuecrm.edges.http import idempotency
from venuecrm.edges.http.deps import authenticate_bearer_request, read_body, runtime, write_slot
from venuecrm.errors import InvalidRequest
from venuecrm.features.accounts.service import Credentials
from venuecrm.features.unified_lists import Page, parse_body
from venuecrm.platform.uow import UnitOfWork
from venuecrm.wire.unified import (
    BadRequestResponse,
    NotFoundResponse,
    ServiceUnavailableResponse,
    TooManyRequestsResponse,
    UnauthorizedResponse,
    UnprocessableResponse,
)

R = TypeVar("R")
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": BadRequestResponse, "description": "Bad Request: see detail.problems"},
    401: {"model": UnauthorizedResponse, "description": "Unauthorized"},
    404: {"model": NotFoundResponse, "description": "Not Found"},
    422: {"model": UnprocessableResponse, "description": "A rule of the account is broken"},
    429: {"model": TooManyRequestsResponse, "description": "Rate limited, or the record stayed "
          "busy past the lock timeout: see Retry-After"},
    503: {"model": ServiceUnavailableResponse, "description": "Database unavailable: see "
          "Retry-After"},
}  # fmt: skip
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "schema": {"type": "string", "maxLength": 255},
    "description": "A retry with this key gets the first response instead of running again "
    "(24 h); another request with it is 422, one while the first runs 409.",
}
DELETE = {"parameters": [IDEMPOTENCY_KEY]}


def body_of(model: str) -> dict[str, Any]:
    """The ``openapi_extra`` of a write taking a ``model`` body and an Idempotency-Key."""
    schema = {"$ref": f"#/components/schemas/{model}"}
    content = {"application/json": {"schema": schema}}
    return {"requestBody": {"required": True, "content": content}, "parameters": [IDEMPOTENCY_KEY]}


def list_parameters(
    filters: Iterable[str] = (), *, sorts: Iterable[str] = (), example: str = "id,name"
) -> dict[str, Any]:
    """The list parameters with ``filter[...]`` of ``filters`` and ``sort[...]`` by ``sorts``
    (deep objects, as Apideck has them)."""
    names, by = list(filters), list(sorts)
    schema = {"type": "object", "additionalProperties": False,
              "properties": {name: {"type": "string"} for name in names}}  # fmt: skip
    deep = {"in": "query", "style": "deepObject", "explode": True}
    sort = {"type": "object", "properties": {
        "by": {"type": "string", "enum": by},
        "direction": {"type": "string", "enum": ["asc", "desc"], "default": "asc"}}}  # fmt: skip
    return {"parameters": [
        {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1,
                                                     "maximum": 200, "default": 20}},
        {"name": "cursor", "in": "query", "schema": {"type": "string"},
         "description": "meta.cursors.next of the previous page"},
        {"name": "fields", "in": "query", "schema": {"type": "string"},
         "description": f"Comma-separated keys to return, e.g. {example}: each item then "
         "has only those keys (its schema's required keys do not apply); an unknown key is 400"},
        *([{"name": "filter", **deep, "schema": schema}] if names else []),
        *([{"name": "sort", **deep, "schema": sort}] if by else []),
    ]}  # fmt: skip


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

    def run() -> R:
        credentials = authenticate_bearer_request(request)
        return work(rt.uow(), credentials)

    return await run_in_threadpool(run)


async def _write(
    request: Request, body: bytes, work: Callable[[UnitOfWork, Credentials], JSONResponse]
) -> Response:
    """Run a write for the caller's key; with an Idempotency-Key, at most once (see README)."""
    rt = runtime(request)

    def run() -> idempotency.Outcome:
        credentials = authenticate_bearer_request(request)
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
            rt.uow(),
            account_id=credentials.account_id,
            guards=guards,
            fingerprint=idempotency.fingerprint(request, body),
            now=now,
            work=reply,
        )

    async with write_slot(request):
        outcome = await run_in_threadpool(run)
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


class Getter(Protocol):
    """A feature's read of one record by its path id."""

    def __call__(self, uow: UnitOfWork, *, account_id: int, record: str) -> BaseModel: ...


class Saver(Protocol):
    """A feature's create (``record`` None) or update from a parsed body; the record's id."""

    def __call__(
        self, uow: UnitOfWork, *, who: Credentials, body: Any, record: str | None = None
    ) -> str: ...


class Deleter(Protocol):
    """A feature's delete of one record by its path id; the id."""

    def __call__(self, uow: UnitOfWork, *, who: Credentials, record: str) -> str: ...


@dataclass(frozen=True)
class Doc:
    """An operation's summary, its description and the model of its 2xx reply."""

    summary: str
    description: str
    reply: type[BaseModel] | None = None


@dataclass(frozen=True)
class Resource:
    """A ``/crm`` resource: its path (also the reply's ``resource`` and the operation ids'
    prefix), the name of its path id, its item model and what the feature does for each
    operation. An operation without a function is not routed."""

    name: str
    path_id: str
    item: type[BaseModel]
    lister: Lister
    getter: Getter
    body: type[BaseModel] | None = None
    saver: Saver | None = None
    deleter: Deleter | None = None


def add_routes(
    router: APIRouter, resource: Resource, docs: Mapping[str, Doc], *, list_extra: dict[str, Any]
) -> None:
    """Route ``resource``'s list and get, and its create, update and delete when the feature
    has them; ``docs`` holds each operation's Doc by operation id suffix (All, One, Add...)."""
    r = resource
    one = f"/{r.name}/{{{r.path_id}}}"

    async def list_(request: Request, _: None) -> Response:
        return await list_reply(request, r.name, r.item, r.lister)

    async def get(request: Request, record: str) -> Response:
        return await one_reply(
            request, r.name, lambda uow, account: r.getter(uow, account_id=account, record=record)
        )

    _route(router, "GET", f"/{r.name}", r, "All", docs, list_, None, openapi_extra=list_extra)
    _route(router, "GET", one, r, "One", docs, get, r.path_id)
    if r.saver is not None and r.body is not None:
        saver, model, body = r.saver, r.body, body_of(r.body.__name__)

        async def add(request: Request, record: None) -> Response:
            return await save_reply(
                request,
                r.name,
                lambda uow, who, raw: saver(uow, who=who, body=parse_body(model, raw)),
                created=True,
            )

        async def update(request: Request, record: str) -> Response:
            return await save_reply(
                request,
                r.name,
                lambda uow, who, raw: saver(
                    uow, who=who, body=parse_body(model, raw), record=record
                ),
                created=False,
            )

        _route(router, "POST", f"/{r.name}", r, "Add", docs, add, None, status_code=201,
               openapi_extra=body)  # fmt: skip
        _route(router, "PATCH", one, r, "Update", docs, update, r.path_id, openapi_extra=body)
    if r.deleter is not None:
        deleter = r.deleter

        async def delete(request: Request, record: str) -> Response:
            return await delete_reply(
                request, r.name, lambda uow, who: deleter(uow, who=who, record=record)
            )

        _route(router, "DELETE", one, r, "Delete", docs, delete, r.path_id, openapi_extra=DELETE)


def _route(
    router: APIRouter,
    method: str,
    path: str,
    resource: Resource,
    suffix: str,
    docs: Mapping[str, Doc],
    run: Callable[[Request, Any], Awaitable[Response]],
    path_id: str | None,
    **options: Any,
) -> None:
    """Add one route whose endpoint takes the path id under its documented name."""

    async def endpoint(request: Request, **path_params: str) -> Response:
        return await run(request, path_params.get(path_id) if path_id else None)

    # FastAPI reads the parameters from the signature: the path id keeps its public name.
    parameters = [Parameter("request", Parameter.POSITIONAL_OR_KEYWORD, annotation=Request)]
    if path_id is not None:
        parameters.append(Parameter(path_id, Parameter.KEYWORD_ONLY, annotation=str))
    endpoint.__signature__ = Signature(parameters)  # type: ignore[attr-defined]
    doc = docs[suffix]
    router.add_api_route(
        path,
        endpoint,
        methods=[method],
        operation_id=f"{resource.name}{suffix}",
        summary=doc.summary,
        description=doc.description,
        response_model=doc.reply,
        **{"responses": ERRORS, **options},
    )


_NOT_IMPLEMENTED: dict[int | str, dict[str, Any]] = {
    **ERRORS,
    501: {"description": "Not supported: users and pipelines are the account's configuration"},
}
_REFUSED = (("POST", "Add", "Creation"), ("PATCH", "Update", "Update"),
            ("DELETE", "Delete", "Deletion"))  # fmt: skip


def add_not_supported(
    router: APIRouter,
    resource: Resource,
    descriptions: Mapping[str, str],
    *,
    refusal: Callable[[str, str], Exception],
) -> None:
    """Route create, update and delete of a read-only resource to Apideck's 501 (``refusal``
    of the resource and the operation), after authentication: the caller learns nothing
    before it is known."""
    for method, suffix, operation in _REFUSED:
        one = suffix != "Add"
        path = f"/{resource.name}/{{{resource.path_id}}}" if one else f"/{resource.name}"
        doc = Doc("Not supported (501)", descriptions[suffix])
        _route(router, method, path, resource, suffix, {suffix: doc},
               _refuse(refusal(resource.name, operation)), resource.path_id if one else None,
               status_code=501, responses=_NOT_IMPLEMENTED)  # fmt: skip


def _refuse(error: Exception) -> Callable[[Request, Any], Awaitable[Response]]:
    async def run(request: Request, _: object) -> Response:
        def refused(*_: object) -> Response:
            raise error

        return await authorized(request, refused)

    return run
