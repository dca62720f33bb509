"""What an opportunity list costs the database: statements and round trips, counted from
libpq's trace (``tests/api/wire_trace.py``), not timed; and a count that reads no lookup
table the filters do not name."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg

from tests.api.list_helpers import call, collection
from tests.api.opportunity_helpers import base_body, created_id, post
from tests.api.wire_trace import cost, traced
from tests.factories import Clock, Seeded
from venuecrm.features.opportunities.list_query import opportunity_list
from venuecrm.platform.collections import Condition, Op, count_select

WARM = 6  # past psycopg's prepare threshold (5), as in steady use
# BEGIN | the account's configuration version | the page, with its total | COMMIT: one
# statement per round trip, the page one of them whatever the filters.
PAGE_COST = (4, 4)


def _create(client: TestClient, clock: Clock, seeded: Seeded, name: str) -> int:
    return created_id(post(client, seeded.tenant, clock, base_body(seeded, name=name)))


def test_a_getopportunitylist_page_is_one_statement_whatever_its_values(
    app: FastAPI, client: TestClient, clock: Clock, seeded: Seeded
) -> None:
    names = ("Wedding of Ada", "Wedding of Bob", "Gala dinner")
    made = [_create(client, clock, seeded, name) for name in names]

    def page(prefix: str, start: int) -> Response:
        body = {"venueIds": [seeded["venueId"]], "filter": {"name__BEGINS": prefix}}
        body["start"] = start
        return call(client, seeded.tenant, clock, "crm", "getOpportunityList", body)

    for n in range(WARM):
        collection(page(f"x{n}", n))
    with traced(app) as counts:
        weddings = page("wedding", 1)

    meta, results = collection(weddings)
    assert meta == {"totalResults": 2, "start": 1, "perPage": 100, "count": 1}
    assert [(r["id"], r["name"]) for r in results] == [(made[1], "Wedding of Bob")]
    meta, results = collection(page("GALA", 0))
    assert (meta["totalResults"], [r["id"] for r in results]) == (1, [made[2]])
    assert cost(counts) == PAGE_COST


def test_a_crm_opportunities_page_is_one_statement_whatever_its_values(
    app: FastAPI, client: TestClient, clock: Clock, seeded: Seeded
) -> None:
    titles = ("Spring fair", "Summer fair", "Spring fair")
    made = [_create(client, clock, seeded, title) for title in titles]
    auth = {"Authorization": f"Bearer {seeded.tenant.key}:{seeded.tenant.secret}"}

    def page(title: str) -> Response:
        params = {"filter[title]": title, "limit": "1"}
        response = client.get("/crm/opportunities", params=params, headers=auth)
        assert response.status_code == 200, response.text
        return response

    for n in range(WARM):
        page(f"x{n}")
    with traced(app) as counts:
        spring = page("Spring fair")
    summer = page("Summer fair")

    assert [item["id"] for item in spring.json()["data"]] == [str(made[0])]
    assert spring.json()["meta"]["total_count"] == 2
    assert spring.json()["meta"]["cursors"]["next"] is not None
    assert [item["id"] for item in summer.json()["data"]] == [str(made[1])]
    assert summer.json()["meta"]["total_count"] == 1
    assert cost(counts) == PAGE_COST


def test_the_count_reads_only_the_lookups_its_filters_name() -> None:
    query = opportunity_list(1)

    def sql(*conditions: Condition) -> str:
        return str(count_select(query, conditions).compile(dialect=PGDialect_psycopg()))

    by_venue = sql(Condition("venueId", Op.IN, [7]))
    by_stage = sql(Condition("stageName", Op.EQ, "New"), Condition("venueId", Op.IN, [7, 8]))

    assert "lead_" not in by_venue
    assert "lost_reasons" not in by_venue
    assert "JOIN lead_stages" in by_stage
    assert "lead_types" not in by_stage
    assert "lead_qualities" not in by_stage
