"""Concurrent contact, company and opportunity writes on a real server: one record per natural
key, whichever action creates it, and no deadlock when requests share records in any order."""

from __future__ import annotations

from typing import Any

from tests.api.opportunity_helpers import URI, base_body, post_all, rows
from tests.api.party_helpers import ADA
from tests.factories import Seeded, ivvy_uri
from venuecrm.platform.models import Company, CompanyContact, Contact, Opportunity
from venuecrm.platform.uow import UnitOfWork

CONTACT_URI = ivvy_uri("contact", "addOrUpdateContact")
COMPANY_URI = ivvy_uri("contact", "addOrUpdateCompany")


def _ok(responses: list[Any]) -> list[int]:
    assert [r.status_code for r in responses] == [200] * len(responses), [
        r.text for r in responses if r.status_code != 200
    ]
    return [int(r.json()["id"]) for r in responses]


def test_racing_adds_of_one_new_contact_alone_and_nested_create_it_once(
    live_server: str, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    spellings = [
        {"firstName": "Rae", "lastName": "Singh", "email": "rae@race.example"},
        {"firstName": " RAE", "lastName": "singh ", "email": "Rae@Race.example"},
    ]
    calls: list[tuple[str, Any]] = []
    for n in range(24):
        contact = {**spellings[n % 2], "updateIfExists": True, "phone": str(n)}
        if n % 3:
            calls.append((CONTACT_URI, contact))
        else:
            calls.append((URI, base_body(seeded, contact=contact)))
    ids = _ok(post_all(live_server, seeded.tenant, calls))
    acct = seeded.tenant.account_id
    (contact,) = rows(uow_factory, Contact, acct)
    assert {i for (uri, _), i in zip(calls, ids, strict=True) if uri == CONTACT_URI} == {contact.id}
    assert {o.contact_id for o in rows(uow_factory, Opportunity, acct)} == {contact.id}


def test_racing_companies_with_a_primary_contact_create_each_once(
    live_server: str, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    person = {**ADA, "updateIfExists": True}
    company = {"businessName": "Race Pty Ltd", "updateIfExists": True, "primaryContact": person}
    calls: list[tuple[str, Any]] = [(COMPANY_URI, company)] * 10 + [(CONTACT_URI, person)] * 10
    nested = {"businessName": "race pty ltd", "updateIfExists": True}
    calls += [(URI, base_body(seeded, company=nested, contact=person))] * 4
    _ok(post_all(live_server, seeded.tenant, calls))
    acct = seeded.tenant.account_id
    (company_row,) = rows(uow_factory, Company, acct)
    (contact_row,) = rows(uow_factory, Contact, acct)
    assert company_row.primary_contact_id == contact_row.id
    links = [(m.company_id, m.contact_id) for m in rows(uow_factory, CompanyContact, acct)]
    assert links == [(company_row.id, contact_row.id)]


def test_crossed_updates_of_shared_records_never_deadlock(
    live_server: str, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    setup = post_all(
        live_server,
        seeded.tenant,
        [(COMPANY_URI, {"businessName": name}) for name in ("Xeno", "Yotta")]
        + [(CONTACT_URI, {**ADA, "email": f"{n}@example.com"}) for n in ("p", "q")],
    )
    x, y, p, q = _ok(setup)
    q_key = {**ADA, "email": "Q@example.com", "updateIfExists": True}
    shapes: list[tuple[str, Any]] = [
        (COMPANY_URI, {"id": x, "phone": "1", "primaryContact": {"id": q, "phone": "1"}}),
        (COMPANY_URI, {"businessName": "YOTTA", "updateIfExists": True, "fax": "2",
                       "primaryContact": {"id": p}}),
        (CONTACT_URI, {"id": p, "companies": [x, y], "phone": "3"}),
        (CONTACT_URI, {**q_key, "companies": [y, x]}),
        (URI, base_body(seeded, sourceId=seeded["referralSourceId"], company={"id": y},
                        contact={"id": p}, referralCompany={"businessName": "xeno",
                                                            "updateIfExists": True},
                        referralContact=q_key)),
        (URI, base_body(seeded, sourceId=seeded["referralSourceId"], company={"id": x},
                        contact=q_key, referralCompany={"id": y}, referralContact={"id": p})),
    ]  # fmt: skip
    _ok(post_all(live_server, seeded.tenant, [shapes[n % len(shapes)] for n in range(24)]))
    acct = seeded.tenant.account_id
    # The setup calls raced too, so their ids may come in either order.
    assert {c.id for c in rows(uow_factory, Company, acct)} == {x, y}
    assert {c.id for c in rows(uow_factory, Contact, acct)} == {p, q}
    links = {(m.company_id, m.contact_id) for m in rows(uow_factory, CompanyContact, acct)}
    assert links == {(x, p), (y, p), (x, q), (y, q)}
