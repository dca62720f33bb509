"""addOrUpdateContact and addOrUpdateCompany: adds, updates, matching, codes of docs/ivvy.md D29.

Every rejected request is checked to have written nothing, in any table.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.list_helpers import NO_BODY, refused
from tests.api.opportunity_helpers import base_body, created_id, opportunity_row, post, rows
from tests.api.party_helpers import ADA, ADD_COMPANY, ADD_CONTACT, memberships, save
from tests.factories import Clock, Seeded, seeded_tenant
from venuecrm.platform.models import Company, Contact, CustomFieldDefinition
from venuecrm.platform.uow import UnitOfWork


def _contact(uow: UnitOfWork, account_id: int, contact_id: int) -> Contact:
    (row,) = [c for c in rows(uow, Contact, account_id) if c.id == contact_id]
    return row


def _company(uow: UnitOfWork, account_id: int, company_id: int) -> Company:
    (row,) = [c for c in rows(uow, Company, account_id) if c.id == company_id]
    return row


def test_add_contact_stores_what_was_sent(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    acct = seeded.tenant.account_id
    company = save(client, seeded.tenant, clock, ADD_COMPANY, {"businessName": "Acme"})
    body = {
        **ADA,
        "phone": "0455 550 000",
        "status": "2",
        "smsStatus": 4,
        "externalId": "crm-1",
        "privacyConsent": 1,
        "companies": [str(company)],
        "groups": [{"groupId": 10}],
        "externalUrls": [{"ref": "crm", "url": "https://crm.example/1", "label": "CRM"}],
    }
    contact_id = save(client, seeded.tenant, clock, ADD_CONTACT, body)
    row = _contact(uow_factory, acct, contact_id)
    assert (row.first_name, row.last_name, row.email, row.phone) == (
        "Ada", "Lovelace", "ada@example.com", "0455 550 000",
    )  # fmt: skip
    assert (row.status, row.sms_status, row.external_id, row.privacy_consent) == (
        2, 4, "crm-1", True,
    )  # fmt: skip
    assert row.external_urls == [{"ref": "crm", "url": "https://crm.example/1", "label": "CRM"}]
    assert memberships(uow_factory, acct) == {(company, contact_id)}


def test_update_contact_changes_only_the_keys_sent(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    acct = seeded.tenant.account_id
    contact_id = save(
        client, seeded.tenant, clock, ADD_CONTACT, {**ADA, "phone": "1", "externalId": "x"}
    )
    before = _contact(uow_factory, acct, contact_id)
    update = {"id": contact_id, "phone": "2", "externalId": None, "LastName": "Byron"}
    assert save(client, seeded.tenant, clock, ADD_CONTACT, update) == contact_id
    after = _contact(uow_factory, acct, contact_id)
    assert (after.first_name, after.last_name, after.email) == ("Ada", "Byron", "ada@example.com")
    assert (after.phone, after.external_id) == ("2", None)
    assert after.natural_key == "ada\x1fbyron\x1fada@example.com"
    assert after.modified_at > before.modified_at
    assert len(rows(uow_factory, Contact, acct)) == 1


def test_update_with_only_custom_values_still_moves_modified_date(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    acct = seeded.tenant.account_id
    with uow_factory as uow:
        field = uow.lookups(acct).add(
            CustomFieldDefinition, entity="contact", field_type=0, display_name="Nickname"
        )
        uow.commit()
    contact_id = save(client, seeded.tenant, clock, ADD_CONTACT, ADA)
    before: datetime = _contact(uow_factory, acct, contact_id).modified_at
    update = {"id": contact_id, "customFields": [{"fieldId": field.id, "value": "Countess"}]}
    save(client, seeded.tenant, clock, ADD_CONTACT, update)
    assert _contact(uow_factory, acct, contact_id).modified_at > before


def test_update_if_exists_matches_trimmed_case_and_unicode_insensitively(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    acct = seeded.tenant.account_id
    first = {"firstName": "Zo\u00eb", "lastName": "\uff21ngstr\u00f6m", "email": "zoe@example.com"}
    contact_id = save(client, seeded.tenant, clock, ADD_CONTACT, first)
    again = {
        "firstName": "  ZOË ",
        "lastName": "aNGSTRÖM",
        "email": " ZOE@Example.com",
        "phone": "0400",
        "updateIfExists": "1",
    }
    assert save(client, seeded.tenant, clock, ADD_CONTACT, again) == contact_id
    (row,) = rows(uow_factory, Contact, acct)
    assert (row.first_name, row.phone) == ("ZOË", "0400")  # stripped, the rest as sent

    company_id = save(client, seeded.tenant, clock, ADD_COMPANY, {"businessName": "Café  Nova"})
    match = {"businessName": "CAFÉ NOVA ", "fax": "9", "updateIfExists": True}
    assert save(client, seeded.tenant, clock, ADD_COMPANY, match) == company_id
    (company,) = rows(uow_factory, Company, acct)
    assert (company.business_name, company.fax) == ("CAFÉ NOVA", "9")


def test_update_if_exists_takes_the_lowest_id_and_creates_without_a_match(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    acct = seeded.tenant.account_id
    low, high = (save(client, seeded.tenant, clock, ADD_CONTACT, ADA) for _ in range(2))
    assert low < high
    match = {**ADA, "email": "ADA@example.com", "phone": "7", "updateIfExists": True}
    assert save(client, seeded.tenant, clock, ADD_CONTACT, match) == low
    new = {**ADA, "email": "ada@other.example", "updateIfExists": True}
    created = save(client, seeded.tenant, clock, ADD_CONTACT, new)
    assert [(c.id, c.phone) for c in rows(uow_factory, Contact, acct)] == [
        (low, "7"), (high, None), (created, None),
    ]  # fmt: skip
    twins = [save(client, seeded.tenant, clock, ADD_COMPANY, {"businessName": "Twin"})
             for _ in range(2)]  # fmt: skip
    match_company = {"businessName": "twin", "website": "w", "updateIfExists": True}
    assert save(client, seeded.tenant, clock, ADD_COMPANY, match_company) == min(twins)


def test_add_company_with_everything_and_a_new_primary_contact(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    acct = seeded.tenant.account_id
    body = {
        "businessName": "Acme Pty Ltd",
        "tradingName": "Acme",
        "businessNumber": "123",
        "phone": "1",
        "otherPhone": "2",
        "fax": "3",
        "website": "www.acme.example",
        "email": "hello@acme.example",
        "address": {"line1": "1 Queen St", "city": "Brisbane", "postalCode": 4000, "id": 0},
        "primaryContact": {**ADA, "updateIfExists": True},
        "primaryAccountManagerId": seeded["ownerUserId"],
        "industryId": str(seeded["industryId"]),
        "isAgent": 1,
        "commissionSpace": "10",
        "commissionSpaceType": "CHF",
        "commissionFood": 5,
        "iataNumber": "IATA-1",
        "externalId": "ext-co",
    }
    company_id = save(client, seeded.tenant, clock, ADD_COMPANY, body)
    (contact,) = rows(uow_factory, Contact, acct)
    row = _company(uow_factory, acct, company_id)
    assert row.address == {"line1": "1 Queen St", "city": "Brisbane", "postalCode": "4000"}
    assert (row.primary_contact_id, row.primary_account_manager_id, row.industry_id) == (
        contact.id, seeded["ownerUserId"], seeded["industryId"],
    )  # fmt: skip
    assert row.commissions == {
        "commissionSpace": 10, "commissionSpaceType": "CHF", "commissionFood": 5,
    }  # fmt: skip
    assert (row.is_agent, row.iata_number, row.external_id, row.trading_name) == (
        True, "IATA-1", "ext-co", "Acme",
    )  # fmt: skip
    assert memberships(uow_factory, acct) == {(company_id, contact.id)}

    # The primary contact matched by its key: no second contact.
    again = {"id": company_id, "primaryContact": {**ADA, "phone": "5", "updateIfExists": True},
             "commissionFood": None}  # fmt: skip
    save(client, seeded.tenant, clock, ADD_COMPANY, again)
    (contact_after,) = rows(uow_factory, Contact, acct)
    assert (contact_after.id, contact_after.phone) == (contact.id, "5")
    assert _company(uow_factory, acct, company_id).commissions["commissionFood"] is None


def test_external_urls_merge_by_ref_up_to_three(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    acct = seeded.tenant.account_id
    urls = [{"ref": r, "url": f"https://{r}.example"} for r in ("a", "b")]
    company_id = save(
        client, seeded.tenant, clock, ADD_COMPANY, {"businessName": "Links", "externalUrls": urls}
    )
    changes = [{"ref": "a", "url": None}, {"ref": "c", "url": "https://c.example"}]
    update = {"id": company_id, "externalUrls": changes}
    save(client, seeded.tenant, clock, ADD_COMPANY, update)
    assert [u["ref"] for u in _company(uow_factory, acct, company_id).external_urls] == ["b", "c"]
    more = {"id": company_id, "externalUrls": [{"ref": r, "url": f"https://{r}.example"}
                                               for r in ("d", "e")]}  # fmt: skip
    envelope = refused(client, seeded.tenant, clock, uow_factory, ADD_COMPANY, more, 23016)
    assert envelope["additionalMessages"] == ["externalUrls: at most 3 external URLs per record"]
    save(client, seeded.tenant, clock, ADD_COMPANY, {"id": company_id, "externalUrls": None})
    assert _company(uow_factory, acct, company_id).external_urls == []


def test_missing_required_fields_alone_are_23017_naming_the_first(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    cases: list[tuple[tuple[str, str], Any, list[str]]] = [
        (ADD_CONTACT, NO_BODY, ["firstName: is required", "lastName: is required",
                                "email: is required"]),
        (ADD_CONTACT, {}, ["firstName: is required", "lastName: is required",
                           "email: is required"]),
        (ADD_CONTACT, {"firstName": "Ada", "email": "ada@example.com", "groups": []},
         ["lastName: is required"]),
        (ADD_COMPANY, b"  ", ["businessName: is required"]),
        (ADD_COMPANY, {"businessName": "Acme", "primaryContact": {"firstName": "P"}},
         ["primaryContact.lastName: is required", "primaryContact.email: is required"]),
        (ADD_CONTACT, {**ADA, "externalUrls": [{"url": "https://x.example"}]},
         ["externalUrls[0].ref: is required"]),
    ]  # fmt: skip
    for action, body, expected in cases:
        envelope = refused(client, seeded.tenant, clock, uow_factory, action, body, 23017)
        assert envelope["message"] == f"'{expected[0].split(':')[0]}' is required"
        assert envelope["additionalMessages"] == expected


def test_invalid_values_are_23016_listing_every_problem_missing_ones_too(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    body = {
        "firstName": "Ada",
        "email": "not-an-email",
        "status": 4,
        "smsStatus": "x",
        "phone": 12,
        "companies": [999_999_999],
        "updateIfExists": "maybe",
        "externalUrls": [{"ref": "crm", "url": "http://insecure.example"}],
    }
    envelope = refused(client, seeded.tenant, clock, uow_factory, ADD_CONTACT, body, 23016)
    assert envelope["message"] == "'email' does not validate"
    assert envelope["additionalMessages"] == [
        "email: not a valid email address",
        "phone: must be a string",
        "status: must be one of 1, 2, 3 or 5",
        "smsStatus: must be one of 1, 2, 3 or 4",
        "updateIfExists: must be true or false (or 0 or 1)",
        "externalUrls[0].url: must be an https:// URL",
        "lastName: is required",
        "companies[0]: no company 999999999 in this account",
    ]
    company = {"businessName": "Acme", "industryId": 999_999_999, "primaryContactId": 1,
               "primaryContact": ADA, "primaryAccountManagerId": "x", "isAgent": 2}  # fmt: skip
    envelope = refused(client, seeded.tenant, clock, uow_factory, ADD_COMPANY, company, 23016)
    assert envelope["additionalMessages"] == [
        "primaryAccountManagerId: must be a positive whole-number id",
        "isAgent: must be true or false (or 0 or 1)",
        "primaryContactId: no contact 1 in this account",
        "industryId: no industry 999999999 in this account",
        "primaryContact: give primaryContactId or primaryContact",
    ]
    for raw, reason in ((b"{", "body: not valid JSON"), (b"[1]", "body: must be a JSON object")):
        envelope = refused(client, seeded.tenant, clock, uow_factory, ADD_CONTACT, raw, 23016)
        assert envelope["message"] == "'body' does not validate"
        assert envelope["additionalMessages"][0].startswith(reason)


def test_names_cannot_be_cleared_and_take_up_to_255_characters(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    long = "x" * 255
    contact_id = save(
        client, seeded.tenant, clock, ADD_CONTACT, {**ADA, "firstName": long, "externalId": long}
    )
    assert _contact(uow_factory, seeded.tenant.account_id, contact_id).first_name == long
    clear = {"id": contact_id, "firstName": "", "email": None, "lastName": "y" * 256}
    envelope = refused(client, seeded.tenant, clock, uow_factory, ADD_CONTACT, clear, 23016)
    assert envelope["additionalMessages"] == [
        "lastName: must be at most 255 characters",
        "firstName: cannot be cleared",
        "email: cannot be cleared",
    ]
    company_id = save(client, seeded.tenant, clock, ADD_COMPANY, {"businessName": "Keep"})
    envelope = refused(
        client, seeded.tenant, clock, uow_factory, ADD_COMPANY,
        {"id": company_id, "businessName": "  "}, 23016,
    )  # fmt: skip
    assert envelope["additionalMessages"] == ["businessName: cannot be cleared"]


@pytest.fixture
def foreign(client: TestClient, clock: Clock, uow_factory: UnitOfWork) -> tuple[Seeded, int, int]:
    """Another account, with a contact (Ada) and a company ("Shared") of its own."""
    other = seeded_tenant(uow_factory)
    contact = save(client, other.tenant, clock, ADD_CONTACT, ADA)
    company = save(client, other.tenant, clock, ADD_COMPANY, {"businessName": "Shared"})
    return other, contact, company


def test_unknown_or_foreign_id_is_24096_or_24153_before_any_other_problem(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded,
    foreign: tuple[Seeded, int, int],
) -> None:  # fmt: skip
    _, theirs, their_company = foreign
    for contact_id in (999_999_999, theirs):
        envelope = refused(
            client, seeded.tenant, clock, uow_factory, ADD_CONTACT,
            {"id": contact_id, "email": "bad"}, 24096,
        )  # fmt: skip
        assert envelope["message"] == f"Unable to find contact {contact_id}"
    for company_id in (999_999_999, their_company):
        envelope = refused(
            client, seeded.tenant, clock, uow_factory, ADD_COMPANY,
            {"id": company_id, "businessName": "Mine now"}, 24153,
        )  # fmt: skip
        assert envelope["message"] == f"Unable to find company {company_id}"
    # A nested id that is not the account's is a problem of the request, not the action's code.
    nested = {"businessName": "Acme", "primaryContact": {"id": theirs}}
    envelope = refused(client, seeded.tenant, clock, uow_factory, ADD_COMPANY, nested, 23016)
    assert envelope["additionalMessages"] == [
        f"primaryContact.id: no contact {theirs} in this account"
    ]
    invalid = refused(client, seeded.tenant, clock, uow_factory, ADD_CONTACT, {"id": "7a"}, 23016)
    assert invalid["additionalMessages"] == ["id: must be a positive whole-number id"]


def test_another_accounts_records_are_never_matched_or_linked(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded,
    foreign: tuple[Seeded, int, int],
) -> None:  # fmt: skip
    other, theirs, their_company = foreign
    mine = save(client, seeded.tenant, clock, ADD_CONTACT, {**ADA, "updateIfExists": True})
    assert mine != theirs
    company = save(
        client, seeded.tenant, clock, ADD_COMPANY, {"businessName": "Shared", "updateIfExists": 1}
    )
    assert company != their_company
    linked = {**ADA, "updateIfExists": True, "companies": [their_company]}
    envelope = refused(client, seeded.tenant, clock, uow_factory, ADD_CONTACT, linked, 23016)
    assert envelope["additionalMessages"] == [
        f"companies[0]: no company {their_company} in this account"
    ]
    assert memberships(uow_factory, other.tenant.account_id) == set()


def test_companies_add_memberships_and_never_remove_one(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    acct = seeded.tenant.account_id
    a, b = (save(client, seeded.tenant, clock, ADD_COMPANY, {"businessName": n}) for n in "AB")
    contact_id = save(client, seeded.tenant, clock, ADD_CONTACT, {**ADA, "companies": [a, a]})
    save(client, seeded.tenant, clock, ADD_CONTACT, {"id": contact_id, "companies": [b]})
    save(client, seeded.tenant, clock, ADD_CONTACT, {"id": contact_id, "companies": []})
    assert memberships(uow_factory, acct) == {(a, contact_id), (b, contact_id)}
    # The nested contact of an opportunity behaves the same.
    nested = base_body(seeded, contact={"id": contact_id, "companies": [a]})
    created_id(post(client, seeded.tenant, clock, nested))
    assert memberships(uow_factory, acct) == {(a, contact_id), (b, contact_id)}


def test_a_contact_saved_alone_is_the_one_an_opportunity_matches_and_back(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    acct = seeded.tenant.account_id
    contact_id = save(client, seeded.tenant, clock, ADD_CONTACT, ADA)
    company_id = save(client, seeded.tenant, clock, ADD_COMPANY, {"businessName": "Acme"})
    body = base_body(
        seeded,
        contact={"firstName": "ADA ", "lastName": "lovelace", "email": "Ada@Example.com",
                 "phone": "9", "updateIfExists": True},
        company={"businessName": "acme", "updateIfExists": True},
    )  # fmt: skip
    row = opportunity_row(uow_factory, acct, created_id(post(client, seeded.tenant, clock, body)))
    assert (row["contact_id"], row["company_id"]) == (contact_id, company_id)
    assert _contact(uow_factory, acct, contact_id).phone == "9"
    assert memberships(uow_factory, acct) == {(company_id, contact_id)}

    # And a contact an opportunity created is the one addOrUpdateContact matches.
    nested = base_body(seeded, contact={"firstName": "Grace", "lastName": "Hopper",
                                        "email": "grace@example.com"})  # fmt: skip
    created_id(post(client, seeded.tenant, clock, nested))
    grace = max(c.id for c in rows(uow_factory, Contact, acct))
    match = {"firstName": "grace", "lastName": "HOPPER", "email": "grace@example.com",
             "updateIfExists": True}  # fmt: skip
    assert save(client, seeded.tenant, clock, ADD_CONTACT, match) == grace


def test_nested_and_alone_share_the_url_cap_and_required_custom_fields(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    acct = seeded.tenant.account_id
    urls = [{"ref": r, "url": f"https://{r}.example"} for r in ("a", "b", "c")]
    contact_id = save(client, seeded.tenant, clock, ADD_CONTACT, {**ADA, "externalUrls": urls})
    one_more = [{"ref": "d", "url": "https://d.example"}]
    nested = base_body(seeded, contact={"id": contact_id, "externalUrls": one_more})
    envelope = refused(
        client, seeded.tenant, clock, uow_factory, ("venue", "addOrUpdateOpportunity"), nested,
        24224,
    )  # fmt: skip
    assert envelope["additionalMessages"] == [
        "contact.externalUrls: at most 3 external URLs per record"
    ]
    with uow_factory as uow:
        required = uow.lookups(acct).add(
            CustomFieldDefinition, entity="contact", field_type=0, display_name="Badge",
            is_required=True,
        ).id  # fmt: skip
        uow.commit()
    reason = f"custom field {required} (Badge) is required"
    new_contact = {"firstName": "New", "lastName": "Person", "email": "new@example.com"}
    envelope = refused(
        client, seeded.tenant, clock, uow_factory, ("venue", "addOrUpdateOpportunity"),
        base_body(seeded, contact=new_contact), 24224,
    )  # fmt: skip
    assert envelope["additionalMessages"] == [f"contact.customFields: {reason}"]
    envelope = refused(client, seeded.tenant, clock, uow_factory, ADD_CONTACT, new_contact, 23017)
    assert envelope["additionalMessages"] == [f"customFields: {reason}"]
    # Updating an existing contact does not need it.
    save(client, seeded.tenant, clock, ADD_CONTACT, {"id": contact_id, "phone": "1"})
