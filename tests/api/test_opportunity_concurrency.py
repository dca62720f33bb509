"""Concurrent addOrUpdateOpportunity calls on a real server process: no duplicates or deadlocks."""

from __future__ import annotations

from typing import Any

import httpx

from tests.api.opportunity_helpers import URI, base_body, post_all, rows
from tests.factories import Seeded
from venuecrm.platform.models import Company, CompanyContact, Contact, Opportunity
from venuecrm.platform.uow import UnitOfWork


def _post_all(base: str, seeded: Seeded, bodies: list[dict[str, Any]]) -> list[httpx.Response]:
    return post_all(base, seeded.tenant, [(URI, body) for body in bodies])


def test_concurrent_creates_with_the_same_new_company_create_it_once(
    live_server: str, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    body = base_body(
        seeded,
        company={"businessName": "Race Condition Pty Ltd", "updateIfExists": True},
        contact={
            "firstName": "Rae",
            "lastName": "Singh",
            "email": "rae@race.example",
            "updateIfExists": True,
        },
    )
    responses = _post_all(live_server, seeded, [body] * 20)
    assert [r.status_code for r in responses] == [200] * 20, [r.text for r in responses]
    assert len({r.json()["id"] for r in responses}) == 20
    acct = seeded.tenant.account_id
    (company,) = rows(uow_factory, Company, acct)
    (contact,) = rows(uow_factory, Contact, acct)
    assert [
        (link.company_id, link.contact_id) for link in rows(uow_factory, CompanyContact, acct)
    ] == [(company.id, contact.id)]
    opportunities = rows(uow_factory, Opportunity, acct)
    assert len(opportunities) == 20
    assert {(o.company_id, o.contact_id) for o in opportunities} == {(company.id, contact.id)}


def test_crossed_companies_and_updates_never_deadlock(
    live_server: str, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    # Half the requests use X as company and Y as referral company, half the reverse; some match
    # by natural key and some update by id, so each pair of requests shares rows in both orders.
    setup = _post_all(
        live_server,
        seeded,
        [base_body(seeded, company={"businessName": name}) for name in ("Xeno", "Yotta")],
    )
    assert all(r.status_code == 200 for r in setup)
    ids = {c.business_name: c.id for c in rows(uow_factory, Company, seeded.tenant.account_id)}
    x_key = {"businessName": "xeno", "updateIfExists": True, "phone": "1"}
    y_key = {"businessName": "YOTTA", "updateIfExists": True, "phone": "2"}
    x_id = {"id": ids["Xeno"], "fax": "3"}
    y_id = {"id": ids["Yotta"], "fax": "4"}
    referral = {"sourceId": seeded["referralSourceId"]}
    shapes = [
        {"company": x_key, "referralCompany": y_id},
        {"company": y_key, "referralCompany": x_id},
        {"company": x_id, "referralCompany": y_key},
        {"company": y_id, "referralCompany": x_key},
    ]
    bodies = [base_body(seeded, **referral, **shapes[i % 4]) for i in range(24)]
    responses = _post_all(live_server, seeded, bodies)
    assert [r.status_code for r in responses] == [200] * 24, [r.text for r in responses]
    companies = rows(uow_factory, Company, seeded.tenant.account_id)
    assert sorted(c.business_name.lower() for c in companies) == ["xeno", "yotta"]
    assert {(c.phone, c.fax) for c in companies} == {("1", "3"), ("2", "4")}
