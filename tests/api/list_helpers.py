"""Helpers for list and lookup actions: signed calls, reply checks, arranging rows."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response

from tests.api.opportunity_helpers import table_counts
from tests.factories import Clock, Tenant, ivvy_uri, sign_js
from venuecrm.platform.base import Tenant as TenantRow
from venuecrm.platform.uow import UnitOfWork

META_KEYS = {"totalResults", "start", "perPage", "count"}
NO_BODY: Any = object()


def call(
    client: TestClient, tenant: Tenant, clock: Clock, namespace: str, action: str, body: Any
) -> Response:
    """POST one iVvy action signed by ``tenant``; ``NO_BODY`` sends nothing, bytes go as is."""
    uri = ivvy_uri(namespace, action)
    if body is NO_BODY:
        raw = b""
    elif isinstance(body, bytes):
        raw = body
    else:
        raw = json.dumps(body).encode()
    # Each call is a new request: identical signed bytes would be a replay of the last one.
    return client.post(uri, content=raw, headers=sign_js(tenant, uri, raw, clock.tick()))


def collection(response: Response) -> tuple[dict[str, int], list[dict[str, Any]]]:
    """The meta and results of a successful list reply, after checking its shape."""
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"meta", "results"}
    assert set(body["meta"]) == META_KEYS
    assert body["meta"]["count"] == len(body["results"])
    return body["meta"], body["results"]


def error(response: Response, specific: int) -> dict[str, Any]:
    """The error envelope, after checking status and codes."""
    assert response.status_code == 400, response.text
    body: dict[str, Any] = response.json()
    assert body["errorCode"] == 400
    assert body["specificCode"] == specific
    assert set(body) == {"errorCode", "message", "specificCode", "additionalMessages"}
    return body


def refused(
    client: TestClient,
    tenant: Tenant,
    clock: Clock,
    uow: UnitOfWork,
    action: tuple[str, str],
    body: Any,
    specific: int,
) -> dict[str, Any]:
    """Call ``(namespace, action)``, expecting error ``specific`` and no row written anywhere."""
    before = table_counts(uow)
    envelope = error(call(client, tenant, clock, *action, body), specific)
    assert table_counts(uow) == before, "a rejected request wrote rows"
    return envelope


def add_rows(
    uow: UnitOfWork, account_id: int, model: type[TenantRow], rows: list[dict[str, Any]]
) -> list[int]:
    """Insert rows of ``model`` into the account, committed; return their ids in order."""
    with uow:
        lookups = uow.lookups(account_id)
        ids = [lookups.add(model, **values).id for values in rows]
        uow.commit()
    return ids


def ids(results: list[dict[str, Any]]) -> list[int]:
    """The ids of a page's results, in order."""
    return [int(item["id"]) for item in results]
