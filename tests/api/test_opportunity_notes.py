"""venue addOrUpdateOpportunityNote and crm getOpportunityNoteList, through the signed app."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select

from tests.api.list_helpers import NO_BODY, add_rows, call, collection, error, ids
from tests.api.opportunity_helpers import base_body, created_id, post, rows, table_counts
from tests.factories import Clock, Seeded, Tenant, seeded_tenant
from venuecrm.features.accounts.service import create_key
from venuecrm.platform.models import ApiKey, OpportunityNote, Venue
from venuecrm.platform.uow import UnitOfWork

HTML = "<p>Called the client: <b>wants a quote</b> &amp; a tour</p>\n"


def add_note(client: TestClient, clock: Clock, tenant: Tenant, body: Any) -> Response:
    """One signed addOrUpdateOpportunityNote call."""
    return call(client, tenant, clock, "venue", "addOrUpdateOpportunityNote", body)


def note_id(response: Response) -> int:
    """The id of a successful addOrUpdateOpportunityNote, after checking the reply's shape."""
    return created_id(response)


def list_notes(client: TestClient, clock: Clock, tenant: Tenant, body: Any) -> Response:
    """One signed getOpportunityNoteList call."""
    return call(client, tenant, clock, "crm", "getOpportunityNoteList", body)


def notes(uow: UnitOfWork, account_id: int) -> list[OpportunityNote]:
    """Every note row of the account, by id."""
    return rows(uow, OpportunityNote, account_id)


def key_id(uow: UnitOfWork, key: str) -> int:
    """The id of an API key."""
    with uow:
        return uow.session.execute(select(ApiKey.id).where(ApiKey.key == key)).scalar_one()


def opportunity(client: TestClient, clock: Clock, seeded: Seeded, **overrides: Any) -> int:
    """A new opportunity of the seeded account."""
    return created_id(post(client, seeded.tenant, clock, base_body(seeded, **overrides)))


def delete_opportunity(client: TestClient, seeded: Seeded, opportunity_id: int) -> None:
    """Soft-delete through the unified CRM view (the only delete there is)."""
    headers = {"Authorization": f"Bearer {seeded['apiKey']}:{seeded['apiSecret']}"}
    response = client.delete(f"/crm/opportunities/{opportunity_id}", headers=headers)
    assert response.status_code == 200, response.text


def rejected(
    client: TestClient, clock: Clock, uow: UnitOfWork, tenant: Tenant, body: Any, specific: int
) -> dict[str, Any]:
    """A note call that must fail with ``specific`` and write nothing; its envelope."""
    before = table_counts(uow)
    envelope = error(add_note(client, clock, tenant, body), specific)
    assert table_counts(uow) == before, "a rejected request wrote rows"
    return envelope


def timestamp(moment: Any) -> str:
    return str(moment.strftime("%Y-%m-%d %H:%M:%S UTC"))


# -- addOrUpdateOpportunityNote ---------------------------------------------------------------


def test_a_note_is_stored_as_sent_with_its_key_and_listed(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    lead = opportunity(client, clock, seeded)
    body = {"venueId": seeded["venueId"], "leadId": lead, "note": HTML}

    new_id = note_id(add_note(client, clock, seeded.tenant, body))

    (row,) = notes(uow_factory, seeded.tenant.account_id)
    writer = key_id(uow_factory, seeded.tenant.key)
    assert (row.id, row.opportunity_id, row.note) == (new_id, lead, HTML)
    assert (row.created_by_key_id, row.modified_by_key_id) == (writer, writer)
    meta, results = collection(list_notes(client, clock, seeded.tenant, {"leadId": lead}))
    assert meta == {"totalResults": 1, "start": 0, "perPage": 100, "count": 1}
    assert results == [
        {
            "id": new_id,
            "leadId": lead,
            "venueId": seeded["venueId"],
            "note": HTML,
            "createdByUserId": None,
            "createdDate": timestamp(row.created_at),
            "modifiedDate": timestamp(row.modified_at),
        }
    ]


def test_an_update_replaces_the_text_and_records_the_key(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    lead = opportunity(client, clock, seeded)
    body = {"venueId": seeded["venueId"], "leadId": lead, "note": "first"}
    first = note_id(add_note(client, clock, seeded.tenant, body))
    (before,) = notes(uow_factory, seeded.tenant.account_id)
    key, secret = create_key(uow_factory, account_id=seeded.tenant.account_id, label="second")
    second_key = Tenant(seeded.tenant.account_id, key, secret)

    # Ids as digit strings, as some clients send them (docs/ivvy.md D10).
    update = {"id": str(first), "venueId": str(seeded["venueId"]), "leadId": lead, "note": "2nd"}
    assert note_id(add_note(client, clock, second_key, update)) == first

    (after,) = notes(uow_factory, seeded.tenant.account_id)
    assert after.note == "2nd"
    assert after.created_by_key_id == key_id(uow_factory, seeded.tenant.key)
    assert after.modified_by_key_id == key_id(uow_factory, key)
    assert after.created_at == before.created_at
    assert after.modified_at > before.modified_at


@pytest.mark.parametrize("body", [NO_BODY, b"  ", b"{}", b"[]", b'""', b"{not json", b"[1, 2]"])
def test_an_empty_or_unreadable_body_is_24436(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded, body: Any
) -> None:
    envelope = rejected(client, clock, uow_factory, seeded.tenant, body, 24436)

    assert envelope["message"] == "The note request is empty or not a JSON object"
    assert len(envelope["additionalMessages"]) == 1
    assert envelope["additionalMessages"][0].startswith("body: ")


@pytest.mark.parametrize(
    ("body", "problems"),
    [
        (
            {"venueId": None, "leadId": None, "note": None},
            ["venueId: is required", "leadId: is required", "note: is required"],
        ),
        (
            {"id": "abc", "venueId": 0, "leadId": 1.5, "note": 42},
            [
                "id: must be a positive whole-number id",
                "venueId: must be a positive whole-number id",
                "leadId: must be a positive whole-number id",
                "note: must be a string",
            ],
        ),
        ({"note": " \n\t "}, ["note: must not be blank"]),
        ({"note": ["a"]}, ["note: must be a string"]),
        ({"note": "x" * 65536}, ["note: must be at most 65535 characters"]),
    ],
)
def test_invalid_details_are_24437_with_every_problem(
    client: TestClient,
    clock: Clock,
    uow_factory: UnitOfWork,
    seeded: Seeded,
    body: dict[str, Any],
    problems: list[str],
) -> None:
    lead = opportunity(client, clock, seeded)
    full = {"venueId": seeded["venueId"], "leadId": lead, **body}

    envelope = rejected(client, clock, uow_factory, seeded.tenant, full, 24437)

    count = len(problems)
    assert envelope["message"] == (
        f"The note details are invalid: {count} problem{'s' if count != 1 else ''}"
    )
    assert envelope["additionalMessages"] == problems


def test_a_venue_that_is_not_an_active_venue_of_the_account_is_24438(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    lead = opportunity(client, clock, seeded)
    other = seeded_tenant(uow_factory)
    (inactive,) = add_rows(
        uow_factory, seeded.tenant.account_id, Venue, [{"name": "Closed", "is_active": False}]
    )

    for venue in (other["venueId"], inactive, 2**31 - 1):
        body = {"venueId": venue, "leadId": lead, "note": "n"}
        envelope = rejected(client, clock, uow_factory, seeded.tenant, body, 24438)
        assert envelope["message"] == f"Venue {venue} does not exist"


def test_an_opportunity_that_is_not_live_in_the_account_and_venue_is_24441(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    other = seeded_tenant(uow_factory)
    theirs = opportunity(client, clock, other)
    deleted = opportunity(client, clock, seeded)
    delete_opportunity(client, seeded, deleted)
    elsewhere = opportunity(client, clock, seeded, venueId=seeded["otherVenueId"])

    for lead in (theirs, deleted, elsewhere, 2**31 - 1):
        body = {"venueId": seeded["venueId"], "leadId": lead, "note": "n"}
        envelope = rejected(client, clock, uow_factory, seeded.tenant, body, 24441)
        assert (
            envelope["message"] == f"Opportunity {lead} does not exist in venue {seeded['venueId']}"
        )
    # Their venue with their opportunity: the venue is the first thing that is not ours.
    body = {"venueId": other["venueId"], "leadId": theirs, "note": "n"}
    rejected(client, clock, uow_factory, seeded.tenant, body, 24438)


def test_a_note_of_a_deleted_opportunity_cannot_be_updated(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    lead = opportunity(client, clock, seeded)
    body = {"venueId": seeded["venueId"], "leadId": lead, "note": "before"}
    existing = note_id(add_note(client, clock, seeded.tenant, body))
    delete_opportunity(client, seeded, lead)

    rejected(client, clock, uow_factory, seeded.tenant, {**body, "id": existing}, 24441)

    assert [n.note for n in notes(uow_factory, seeded.tenant.account_id)] == ["before"]


def test_a_note_id_that_is_not_a_note_of_that_opportunity_is_24434(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    lead, sibling = opportunity(client, clock, seeded), opportunity(client, clock, seeded)
    venue = seeded["venueId"]
    on_sibling = note_id(
        add_note(client, clock, seeded.tenant, {"venueId": venue, "leadId": sibling, "note": "s"})
    )
    other = seeded_tenant(uow_factory)
    their_lead = opportunity(client, clock, other)
    theirs = note_id(
        add_note(
            client, clock, other.tenant, {"venueId": other["venueId"], "leadId": their_lead,
                                          "note": "t"}
        )
    )  # fmt: skip

    for unknown in (on_sibling, theirs, 2**31 - 1):
        body = {"id": unknown, "venueId": venue, "leadId": lead, "note": "changed"}
        envelope = rejected(client, clock, uow_factory, seeded.tenant, body, 24434)
        assert envelope["message"] == f"Note {unknown} does not exist on opportunity {lead}"
    assert [n.note for n in notes(uow_factory, seeded.tenant.account_id)] == ["s"]
    assert [n.note for n in notes(uow_factory, other.tenant.account_id)] == ["t"]


# -- getOpportunityNoteList ------------------------------------------------------------------


def test_list_scopes_pages_and_filters(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    venue, other_venue = seeded["venueId"], seeded["otherVenueId"]
    lead, second, elsewhere = (
        opportunity(client, clock, seeded),
        opportunity(client, clock, seeded),
        opportunity(client, clock, seeded, venueId=other_venue),
    )

    def add(lead_id: int, text: str, venue_id: int = venue) -> int:
        body = {"venueId": venue_id, "leadId": lead_id, "note": text}
        return note_id(add_note(client, clock, seeded.tenant, body))

    on_lead = [add(lead, f"<p>Call {i}</p>") for i in range(5)]
    on_second = add(second, "Visit booked")
    on_elsewhere = add(elsewhere, "<p>Call there</p>", other_venue)

    def listed(body: dict[str, Any]) -> list[int]:
        return ids(collection(list_notes(client, clock, seeded.tenant, body))[1])

    assert listed({}) == [*on_lead, on_second, on_elsewhere]
    assert listed({"leadId": lead}) == on_lead
    assert listed({"leadId": str(second), "venueId": venue}) == [on_second]
    assert listed({"venueId": other_venue}) == [on_elsewhere]
    assert listed({"filter": {"note__CONTAINS": "CALL"}}) == [*on_lead, on_elsewhere]
    assert listed({"filter": {"leadId": second}}) == [on_second]
    assert listed({"filter": {"id__GREATERTHAN": on_lead[3], "note__BEGINS": "<p>"}}) == [
        on_lead[3],
        on_lead[4],
        on_elsewhere,
    ]
    assert listed({"filter": {"createdByUserId": "ISNULL", "fromModifiedDate": "2000-01-01"}}) == [
        *on_lead,
        on_second,
        on_elsewhere,
    ]
    assert listed({"filter": {"toModifiedDate": "2000-01-01"}}) == []

    meta, page = collection(
        list_notes(client, clock, seeded.tenant, {"leadId": lead, "perPage": 2, "start": 2})
    )
    assert meta == {"totalResults": 5, "start": 2, "perPage": 2, "count": 2}
    assert ids(page) == on_lead[2:4]
    meta, page = collection(
        list_notes(client, clock, seeded.tenant, {"leadId": lead, "perPage": 2, "start": 9})
    )
    assert (meta, page) == ({"totalResults": 5, "start": 9, "perPage": 2, "count": 0}, [])


def test_list_hides_deleted_opportunities_and_other_accounts(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    venue = seeded["venueId"]
    kept, gone = opportunity(client, clock, seeded), opportunity(client, clock, seeded)
    for lead in (kept, gone):
        note_id(add_note(client, clock, seeded.tenant, {"venueId": venue, "leadId": lead,
                                                        "note": "n"}))  # fmt: skip
    delete_opportunity(client, seeded, gone)
    other = seeded_tenant(uow_factory)
    theirs = opportunity(client, clock, other)
    add_note(client, clock, other.tenant, {"venueId": other["venueId"], "leadId": theirs,
                                           "note": "secret"})  # fmt: skip

    _, results = collection(list_notes(client, clock, seeded.tenant, {}))
    assert [r["leadId"] for r in results] == [kept]
    _, results = collection(list_notes(client, clock, seeded.tenant, {"venueId": other["venueId"]}))
    assert results == []
    assert len(notes(uow_factory, seeded.tenant.account_id)) == 2  # the deleted one's is kept


def test_list_of_an_opportunity_that_is_not_live_in_the_account_is_24441(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    other = seeded_tenant(uow_factory)
    theirs = opportunity(client, clock, other)
    deleted = opportunity(client, clock, seeded)
    delete_opportunity(client, seeded, deleted)
    mine = opportunity(client, clock, seeded)

    for body in (
        {"leadId": theirs},
        {"leadId": deleted},
        {"leadId": mine, "venueId": seeded["otherVenueId"]},
    ):
        envelope = error(list_notes(client, clock, seeded.tenant, body), 24441)
        assert envelope["message"].startswith(f"Opportunity {body['leadId']} does not exist")


def test_list_parameters_that_do_not_validate_are_23016(
    client: TestClient, clock: Clock, seeded: Seeded
) -> None:
    body = {"leadId": "seven", "venueId": -1, "filter": {"colour": "red"}}

    envelope = error(list_notes(client, clock, seeded.tenant, body), 23016)

    assert envelope["message"] == "'venueId' does not validate"
    assert envelope["additionalMessages"] == [
        "venueId: must be a positive whole-number id",
        "leadId: must be a positive whole-number id",
        "filter.colour: unknown field 'colour'; filterable fields: id, leadId, venueId, note, "
        "createdByUserId, createdDate, modifiedDate",
    ]
