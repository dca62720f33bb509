"""What a nested create costs the database: statements and round trips, counted, not timed.

The benchmark's request (company + contact + opportunity + custom fields, each party matched
by ``updateIfExists``) is sent with new and with existing parties, counted from libpq's own
trace (``tests/api/wire_trace.py``). A regression fails here before any benchmark sees it.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.api.opportunity_helpers import created_id, post
from tests.api.wire_trace import cost, traced
from tests.factories import Clock, Seeded


def body(seeded: Seeded, tag: str) -> dict[str, Any]:
    """The benchmark's nested create: both parties matched by natural key."""
    return {
        "venueId": seeded["venueId"],
        "name": f"Cost {tag}",
        "typeId": seeded["typeId"],
        "sourceId": seeded["sourceId"],
        "stageId": seeded["stageId"],
        "company": {"businessName": f"Cost Co {tag}", "updateIfExists": True},
        "contact": {
            "firstName": "Cost",
            "lastName": tag,
            "email": f"{tag}@cost.example",
            "updateIfExists": True,
        },
        "customFields": [
            {"fieldId": seeded.field_id(0), "fieldValue": "Vegetarian x3"},
            {"fieldId": seeded.field_id(8), "fieldValue": 120},
        ],
    }


# BEGIN (psycopg waits for it) | key check | retry guards | key locks, match and lock |
# new ids | every write and COMMIT. Statements: those, plus one per write.
ROUND_TRIPS = 6


def test_a_nested_create_with_new_parties_costs_six_round_trips(
    app: FastAPI, client: TestClient, seeded: Seeded, clock: Clock
) -> None:
    for n in range(6):  # past psycopg's prepare threshold, as in steady use
        created_id(post(client, seeded.tenant, clock, body(seeded, f"warm{n}")))
    with traced(app) as counts:
        created_id(post(client, seeded.tenant, clock, body(seeded, uuid.uuid4().hex[:8])))
    # BEGIN, version, guard lock, stored response look-up, key locks, company and contact
    # match, new ids; contact, company, link, opportunity, custom values, stored response, COMMIT.
    assert cost(counts) == (15, ROUND_TRIPS)
    # Prepared statements: parsed once per connection, then only bound.
    assert counts["Parse"] <= 2


def test_a_nested_create_with_existing_parties_costs_six_round_trips(
    app: FastAPI, client: TestClient, seeded: Seeded, clock: Clock
) -> None:
    tag = uuid.uuid4().hex[:8]
    created_id(post(client, seeded.tenant, clock, body(seeded, tag)))
    with traced(app) as counts:
        created_id(post(client, seeded.tenant, clock, body(seeded, tag)))
    # As above, with the company and contact updated (modifiedDate) instead of inserted and one
    # new id (the opportunity's).
    assert cost(counts) == (15, ROUND_TRIPS)


def test_a_rejected_create_writes_nothing_and_stops_before_the_writes(
    app: FastAPI, client: TestClient, seeded: Seeded, clock: Clock
) -> None:
    created_id(post(client, seeded.tenant, clock, body(seeded, "warm")))
    bad = {**body(seeded, uuid.uuid4().hex[:8]), "typeId": 999999999}
    with traced(app) as counts:
        response = post(client, seeded.tenant, clock, bad)
    assert response.status_code == 400
    assert "typeId: no type 999999999 in this account" in response.json()["additionalMessages"]
    # BEGIN | version | guard lock, look-up | key locks, company and contact match | ROLLBACK.
    assert cost(counts) == (8, 5)
