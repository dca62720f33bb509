"""The ``/crm`` resources' routes, declared: a ``Resource`` names what its feature does for
each operation and ``add_routes`` routes them with their documentation, so a route is a line
of a table and the OpenAPI parameters come from the features' filter and sort tables.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from inspect import Parameter, Signature
from typing import Any, Protocol

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel

from venuecrm.edges.crm.handlers import (
    Lister,
    authorized,
    delete_reply,
    list_reply,
    one_reply,
    save_reply,
)
from venuecrm.features.accounts.service import Credentials
from venuecrm.features.unified_lists import parse_body
from venuecrm.platform.uow import UnitOfWork
from venuecrm.wire.unified import (
    BadRequestResponse,
    NotFoundResponse,
    ServiceUnavailableResponse,
    TooManyRequestsResponse,
    UnauthorizedResponse,
    UnprocessableResponse,
)

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


@dataclass(frozen=True, kw_only=True)
class Doc:
    """An operation's summary, its description and the model of its 2xx reply."""

    summary: str
    description: str
    reply: type[BaseModel] | None = None


@dataclass(frozen=True, kw_only=True)
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

    _route(router, r, list_, method="GET", path=f"/{r.name}", suffix="All", docs=docs, path_id=None,
           openapi_extra=list_extra)  # fmt: skip
    _route(router, r, get, method="GET", path=one, suffix="One", docs=docs, path_id=r.path_id)
    if r.saver is not None and r.body is not None:
        saver, model, body = r.saver, r.body, body_of(r.body.__name__)

        async def save(request: Request, record: str | None) -> Response:
            return await save_reply(
                request,
                r.name,
                lambda uow, who, raw: saver(
                    uow, who=who, body=parse_body(model, raw), record=record
                ),
                created=record is None,
            )

        async def add(request: Request, record: None) -> Response:
            return await save(request, None)

        async def update(request: Request, record: str) -> Response:
            return await save(request, record)

        _route(router, r, add, method="POST", path=f"/{r.name}", suffix="Add", docs=docs,
               path_id=None, status_code=201, openapi_extra=body)  # fmt: skip
        _route(router, r, update, method="PATCH", path=one, suffix="Update", docs=docs,
               path_id=r.path_id, openapi_extra=body)  # fmt: skip
    if r.deleter is not None:
        deleter = r.deleter

        async def delete(request: Request, record: str) -> Response:
            return await delete_reply(
                request, r.name, lambda uow, who: deleter(uow, who=who, record=record)
            )

        _route(router, r, delete, method="DELETE", path=one, suffix="Delete", docs=docs,
               path_id=r.path_id, openapi_extra=DELETE)  # fmt: skip


def _route(
    router: APIRouter,
    resource: Resource,
    run: Callable[[Request, Any], Awaitable[Response]],
    *,
    method: str,
    path: str,
    suffix: str,
    docs: Mapping[str, Doc],
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
_REFUSED = (
    ("POST", "Add", "Creation"),
    ("PATCH", "Update", "Update"),
    ("DELETE", "Delete", "Deletion"),
)


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
        doc = Doc(summary="Not supported (501)", description=descriptions[suffix])
        _route(router, resource, _refuse(refusal(resource.name, operation)), method=method,
               path=path, suffix=suffix, docs={suffix: doc},
               path_id=resource.path_id if one else None, status_code=501,
               responses=_NOT_IMPLEMENTED)  # fmt: skip


def _refuse(error: Exception) -> Callable[[Request, Any], Awaitable[Response]]:
    async def run(request: Request, _: object) -> Response:
        def refused(*_: object) -> Response:
            raise error

        return await authorized(request, refused)

    return run
