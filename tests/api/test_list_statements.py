"""What an opportunity list costs the database: one statement per page, the same text for every
request of a shape (its values are parameters, so it is built once and prepared), and a count
that reads no lookup table the filters do not name."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import event
from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg

from tests.api.list_helpers import call, collection
from tests.api.opportunity_helpers import base_body, created_id, post
from tests.factories import Clock, Seeded
from venuecrm.features.opportunities.list_query import opportunity_list
from venuecrm.platform.collections import Condition, Op, count_select


@contextmanager
def statements(app: FastAPI) -> Iterator[list[str]]:
    """Every statement the app sends to the database while the block runs."""
    engine, sent = app.state.runtime.engine, list[str]()

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        sent.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _opportunity_reads(app: FastAPI, request: Callable[[], Response]) -> tuple[Response, list[str]]:
    """The response and the statements that read opportunities (the key lookup aside)."""
    with statements(app) as sent:
        response = request()
    return response, [s for s in sent if "FROM opportunities" in s]


def _create(client: TestClient, clock: Clock, seeded: Seeded, name: str) -> int:
    return created_id(post(client, seeded.tenant, clock, base_body(seeded, name=name)))


def test_a_getopportunitylist_page_is_one_statement_the_same_for_any_values(
    app: FastAPI, client: TestClient, clock: Clock, seeded: Seeded
) -> None:
    names = ("Wedding of Ada", "Wedding of Bob", "Gala dinner")
    made = [
        created_id(post(client, seeded.tenant, clock, base_body(seeded, name=n))) for n in names
    ]

    def page(prefix: str, start: int) -> Callable[[], Response]:
        body = {"venueIds": [seeded["venueId"]], "filter": {"name__BEGINS": prefix}}
        return lambda: call(
            client, seeded.tenant, clock, "crm", "getOpportunityList", {**body, "start": start}
        )

    weddings, first = _opportunity_reads(app, page("wedding", 1))
    galas, second = _opportunity_reads(app, page("GALA", 0))

    meta, results = collection(weddings)
    assert meta == {"totalResults": 2, "start": 1, "perPage": 100, "count": 1}
    assert [(r["id"], r["name"]) for r in results] == [(made[1], "Wedding of Bob")]
    meta, results = collection(galas)
    assert (meta["totalResults"], [r["id"] for r in results]) == (1, [made[2]])
    assert len(first) == len(second) == 1
    assert first == second  # one text: the prefix, venue and start are parameters
    assert "wedding" not in first[0].lower()


def test_a_crm_opportunities_page_is_one_statement_the_same_for_any_values(
    app: FastAPI, client: TestClient, clock: Clock, seeded: Seeded
) -> None:
    titles = ("Spring fair", "Summer fair", "Spring fair")
    made = [
        created_id(post(client, seeded.tenant, clock, base_body(seeded, name=t))) for t in titles
    ]
    auth = {"Authorization": f"Bearer {seeded.tenant.key}:{seeded.tenant.secret}"}

    def page(title: str) -> Callable[[], Response]:
        return lambda: client.get(
            "/crm/opportunities", params={"filter[title]": title, "limit": "1"}, headers=auth
        )

    spring, first = _opportunity_reads(app, page("Spring fair"))
    summer, second = _opportunity_reads(app, page("Summer fair"))

    assert spring.status_code == summer.status_code == 200, (spring.text, summer.text)
    assert [item["id"] for item in spring.json()["data"]] == [str(made[0])]
    assert spring.json()["meta"]["total_count"] == 2
    assert spring.json()["meta"]["cursors"]["next"] is not None
    assert [item["id"] for item in summer.json()["data"]] == [str(made[1])]
    assert summer.json()["meta"]["total_count"] == 1
    assert len(first) == len(second) == 1
    assert first == second
    assert "fair" not in first[0].lower()


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
