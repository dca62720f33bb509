"""addOrUpdateOpportunity bodies that are empty or not a JSON object."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.api.opportunity_helpers import rejected
from tests.factories import Clock, Seeded
from venuecrm.platform.uow import UnitOfWork


@pytest.mark.parametrize("body", [b"", b"  \n\t ", b"{}", b"[]", b'""', b" { } "])
def test_empty_request_is_24221(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded, body: bytes
) -> None:
    assert rejected(client, seeded.tenant, clock, uow_factory, body, specific=24221) == []


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b'{"venueId": 1,', "body: not valid JSON"),
        (b"[1, 2]", "body: must be a JSON object, not list"),
        (b'"text"', "body: must be a JSON object, not str"),
        (b"42", "body: must be a JSON object, not int"),
        (b"null", "body: must be a JSON object, not NoneType"),
        (b'{"venueId": NaN}', "body: not valid JSON"),
        (b"\xff\xfe{", "body: not valid JSON"),
        (b"[" * 100_000, "body: not valid JSON"),
    ],
    ids=["truncated", "array", "string", "number", "null", "nan", "bad-utf8", "deep"],
)
def test_body_that_is_not_a_json_object_is_24224(
    client: TestClient,
    clock: Clock,
    uow_factory: UnitOfWork,
    seeded: Seeded,
    body: bytes,
    reason: str,
) -> None:
    (message,) = rejected(client, seeded.tenant, clock, uow_factory, body)
    assert message.startswith(reason)


def test_envelope_message_summarises_the_problems(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    from tests.api.opportunity_helpers import post

    response = post(client, seeded.tenant, clock, {"venueId": "x"})
    body = response.json()
    assert body["message"] == (
        f"The opportunity details are invalid: {len(body['additionalMessages'])} problems"
    )
    assert all(": " in item for item in body["additionalMessages"])
