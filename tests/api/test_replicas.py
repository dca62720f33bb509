"""Replicas: two real ``venuecrm serve`` processes on one database, racing for the same rows.

Users who outgrow one process run several app replicas against one PostgreSQL, directly or
through PgBouncer in transaction-pooling mode; both ways are raced here.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.api.opportunity_helpers import URI, base_body, created_id, post_all, rows
from tests.conftest import server_env, serving
from tests.factories import Seeded
from venuecrm.platform.models import Company, CompanyContact, Contact, Opportunity
from venuecrm.platform.uow import UnitOfWork

RACERS = 20


@pytest.fixture(params=["direct", "pgbouncer"])
def replicas(
    request: pytest.FixtureRequest, database_url: str, tmp_path: Path
) -> Iterator[list[tuple[str, Path]]]:
    """Two servers on the test database; yields each one's base URL and log file."""
    if request.param == "pgbouncer":
        env = server_env(request.getfixturevalue("pgbouncer_url"))
        env["VENUECRM_PREPARED_STATEMENTS"] = "false"
    else:
        env = server_env(database_url)
    with ExitStack() as servers:
        found = []
        for name in ("a", "b"):
            log = tmp_path / f"replica-{name}.log"
            found.append((servers.enter_context(serving(env, log)), log))
        yield found


def _creates_logged(log: Path) -> int:
    lines = (json.loads(line) for line in log.read_text().splitlines() if line.startswith("{"))
    return sum(1 for line in lines if line.get("action") == "addOrUpdateOpportunity")


def test_racing_creates_across_two_replicas_make_one_company_and_one_contact(
    replicas: list[tuple[str, Path]], uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    body = base_body(
        seeded,
        company={"businessName": "Replica Race Pty Ltd", "updateIfExists": True},
        contact={
            "firstName": "Rep",
            "lastName": "Lica",
            "email": "rep@replica.example",
            "updateIfExists": True,
        },
    )
    bases = [base for base, _ in replicas]
    responses = post_all(bases, seeded.tenant, [(URI, body)] * RACERS)
    ids = [created_id(response) for response in responses]
    assert len(set(ids)) == RACERS
    # Each replica served half of the race. A request's line is logged after its response is
    # sent, so the last lines may land just after the replies: wait for them, with a deadline.
    deadline = time.monotonic() + 10
    logged = [_creates_logged(log) for _, log in replicas]
    while sum(logged) < RACERS and time.monotonic() < deadline:
        time.sleep(0.02)  # polling interval only: the log's contents decide
        logged = [_creates_logged(log) for _, log in replicas]
    assert logged == [RACERS // 2] * 2

    acct = seeded.tenant.account_id
    (company,) = rows(uow_factory, Company, acct)
    (contact,) = rows(uow_factory, Contact, acct)
    assert company.business_name == "Replica Race Pty Ltd"
    assert contact.email == "rep@replica.example"
    links = rows(uow_factory, CompanyContact, acct)
    assert [(link.company_id, link.contact_id) for link in links] == [(company.id, contact.id)]
    # Every reply names an opportunity, and each of them points at that one company and contact.
    opportunities = {o.id: o for o in rows(uow_factory, Opportunity, acct)}
    assert set(opportunities) == set(ids)
    assert {(o.company_id, o.contact_id) for o in opportunities.values()} == {
        (company.id, contact.id)
    }
