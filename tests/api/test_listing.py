"""The collection machinery (docs/ivvy.md §5, D26) through getLeadSourceList and friends:
paging, every filter modifier, null searches, and 23016 for anything it cannot apply."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.list_helpers import NO_BODY, add_rows, call, collection, error, ids
from tests.factories import Clock, Tenant
from venuecrm.platform.models import Industry, LeadChannel, LeadSource, User
from venuecrm.platform.uow import UnitOfWork

SOURCES: list[dict[str, Any]] = [
    {"name": "Website", "description": "Our own site", "cost": Decimal("0")},
    {"name": "Google Ads", "description": "", "cost": Decimal("12.50")},
    {"name": "Referral Program", "description": "", "cost": None, "is_referral": True},
    {"name": "50%_Off flyer", "description": "Print", "cost": Decimal("3")},
    {"name": "website widget", "description": "", "cost": Decimal("100")},
    {"name": "Retired source", "cost": Decimal("1"), "is_active": False},
]


@pytest.fixture
def sources(uow_factory: UnitOfWork, tenant: Tenant) -> dict[str, int]:
    """The SOURCES rows in a fresh account, by name."""
    found = add_rows(uow_factory, tenant.account_id, LeadSource, SOURCES)
    return {row["name"]: row_id for row, row_id in zip(SOURCES, found, strict=True)}


def _names(client: TestClient, tenant: Tenant, clock: Clock, filters: dict[str, Any]) -> list[str]:
    response = call(client, tenant, clock, "crm", "getLeadSourceList", {"filter": filters})
    meta, results = collection(response)
    assert meta["totalResults"] == len(results)
    return [item["name"] for item in results]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, ["Website", "Google Ads", "Referral Program", "50%_Off flyer", "website widget"]),
        ({"name": "WEBSITE"}, ["Website"]),
        (
            {"name__NOT": "website"},
            ["Google Ads", "Referral Program", "50%_Off flyer", "website widget"],
        ),
        ({"name__CONTAINS": "SITE"}, ["Website", "website widget"]),
        ({"name__CONTAINS": "%"}, ["50%_Off flyer"]),
        ({"name__CONTAINS": "_o"}, ["50%_Off flyer"]),
        ({"name__NOTCONTAINS": "site"}, ["Google Ads", "Referral Program", "50%_Off flyer"]),
        ({"name__BEGINS": "web"}, ["Website", "website widget"]),
        ({"name__BEGINS": "50%_o"}, ["50%_Off flyer"]),
        ({"name__BEGINS": "50_"}, []),
        ({"name__ENDS": "%_off flyer"}, ["50%_Off flyer"]),
        ({"name__CONTAINS": "/"}, []),
        ({"name__ENDS": "ADS"}, ["Google Ads"]),
        ({"cost__LESSTHAN": 3}, ["Website", "50%_Off flyer"]),
        ({"cost__GREATERTHAN": "12.5"}, ["Google Ads", "website widget"]),
        ({"cost__GREATERTHAN": 3, "cost__LESSTHAN": 12.5}, ["Google Ads", "50%_Off flyer"]),
        ({"cost": 12.5}, ["Google Ads"]),
        ({"cost__NOT": 0}, ["Google Ads", "Referral Program", "50%_Off flyer", "website widget"]),
        ({"description__EMPTY": True}, ["Google Ads", "Referral Program", "website widget"]),
        ({"description__EMPTY": 0}, ["Website", "50%_Off flyer"]),
        ({"cost__EMPTY": "1"}, ["Referral Program"]),
        ({"isReferral": True}, ["Referral Program"]),
        ({"isReferral": "0", "name__CONTAINS": "w"}, ["Website", "website widget"]),
        ({"name__contains": "ads"}, ["Google Ads"]),
        ({"name__\u200bCONTAINS\u200b": "ads"}, ["Google Ads"]),
        ({"\u200bname": "google ads"}, ["Google Ads"]),
    ],
)
def test_each_filter_modifier_selects_the_rows_it_names(
    client: TestClient,
    tenant: Tenant,
    clock: Clock,
    sources: dict[str, int],
    filters: dict[str, Any],
    expected: list[str],
) -> None:
    assert _names(client, tenant, clock, filters) == expected


@pytest.mark.parametrize("null", [None, "ISNULL", "__ISNULL__"])
def test_every_null_form_searches_for_no_value(
    client: TestClient, tenant: Tenant, clock: Clock, sources: dict[str, int], null: Any
) -> None:
    assert _names(client, tenant, clock, {"cost": null}) == ["Referral Program"]
    assert "Referral Program" not in _names(client, tenant, clock, {"cost__NOT": null})
    assert len(_names(client, tenant, clock, {"cost__NOT": null})) == 4


def test_filter_on_an_id_field(
    client: TestClient, tenant: Tenant, clock: Clock, sources: dict[str, int]
) -> None:
    assert _names(client, tenant, clock, {"id": str(sources["Google Ads"])}) == ["Google Ads"]
    assert _names(client, tenant, clock, {"id__GREATERTHAN": sources["50%_Off flyer"]}) == [
        "50%_Off flyer",
        "website widget",
    ]


def test_unknown_filter_fields_are_23016_naming_each(
    client: TestClient, tenant: Tenant, clock: Clock, sources: dict[str, int]
) -> None:
    response = call(
        client,
        tenant,
        clock,
        "crm",
        "getLeadSourceList",
        {"filter": {"colour": "red", "name": "Website", "bogus__CONTAINS": "x", "name__LIKE": "w"}},
    )

    body = error(response, 23016)
    assert body["message"] == "'filter.colour' does not validate"
    fields = "id, name, description, cost, isReferral, defaultType"
    assert body["additionalMessages"] == [
        f"filter.colour: unknown field 'colour'; filterable fields: {fields}",
        f"filter.bogus__CONTAINS: unknown field 'bogus'; filterable fields: {fields}",
        "filter.name__LIKE: unknown modifier __LIKE; use one of __BEGINS, __CONTAINS, __EMPTY, "
        "__ENDS, __GREATERTHAN, __LESSTHAN, __NOT, __NOTCONTAINS",
    ]


@pytest.mark.parametrize(
    ("filters", "problem"),
    [
        ({"cost": "cheap"}, "filter.cost: must be a number"),
        ({"cost": True}, "filter.cost: must be a number"),
        ({"name": 5}, "filter.name: must be a string"),
        ({"name": ["Website"]}, "filter.name: must be a string"),
        ({"id": "first"}, "filter.id: must be a whole number"),
        ({"isReferral": "yes"}, "filter.isReferral: must be true or false (or 0 or 1)"),
        (
            {"description__EMPTY": "ISNULL"},
            "filter.description__EMPTY: must be true or false (or 0 or 1)",
        ),
        (
            {"cost__CONTAINS": "1"},
            "filter.cost__CONTAINS: __CONTAINS applies to text fields, and this one is a number",
        ),
        (
            {"name__LESSTHAN": "m"},
            "filter.name__LESSTHAN: __LESSTHAN applies to numbers and "
            "timestamps, and this one is a text",
        ),
        (
            {"isReferral__GREATERTHAN": 0},
            "filter.isReferral__GREATERTHAN: __GREATERTHAN applies "
            "to numbers and timestamps, and this one is a boolean",
        ),
        (
            {"name__BEGINS": "ISNULL"},
            "filter.name__BEGINS: __BEGINS cannot search for null; use the field alone or __NOT",
        ),
    ],
)
def test_a_value_of_the_wrong_type_is_23016(
    client: TestClient,
    tenant: Tenant,
    clock: Clock,
    sources: dict[str, int],
    filters: dict[str, Any],
    problem: str,
) -> None:
    response = call(client, tenant, clock, "crm", "getLeadSourceList", {"filter": filters})

    body = error(response, 23016)
    assert body["message"] == f"'{problem.split(':')[0]}' does not validate"
    assert body["additionalMessages"] == [problem]


@pytest.mark.parametrize(
    ("params", "problem"),
    [
        ({"filter": "name=Website"}, "filter: must be an object of field conditions"),
        ({"filter": ["name"]}, "filter: must be an object of field conditions"),
        ({"perPage": 0}, "perPage: must be at least 1"),
        ({"perPage": -5}, "perPage: must be at least 1"),
        ({"perPage": 2.5}, "perPage: must be a whole number"),
        ({"perPage": "many"}, "perPage: must be a whole number"),
        ({"perPage": True}, "perPage: must be a whole number"),
        ({"start": -1}, "start: must be 0 or more"),
        ({"start": "first"}, "start: must be a whole number"),
    ],
)
def test_invalid_paging_parameters_are_23016(
    client: TestClient, tenant: Tenant, clock: Clock, params: dict[str, Any], problem: str
) -> None:
    response = call(client, tenant, clock, "crm", "getLeadSourceList", params)

    body = error(response, 23016)
    assert body["message"] == f"'{problem.split(':')[0]}' does not validate"
    assert body["additionalMessages"] == [problem]


def test_every_problem_is_listed_and_the_first_named(
    client: TestClient, tenant: Tenant, clock: Clock
) -> None:
    params = {"perPage": "x", "start": -2, "filter": {"nope": 1, "cost": "x"}}

    body = error(call(client, tenant, clock, "crm", "getLeadSourceList", params), 23016)

    assert body["message"] == "'perPage' does not validate"
    assert [m.split(":")[0] for m in body["additionalMessages"]] == [
        "perPage",
        "start",
        "filter.nope",
        "filter.cost",
    ]


@pytest.mark.parametrize("body", [NO_BODY, b"[]", b"{}", b"  ", {"filter": []}, {"filter": None}])
def test_no_parameters_means_the_first_100_unfiltered(
    client: TestClient, tenant: Tenant, clock: Clock, sources: dict[str, int], body: Any
) -> None:
    meta, results = collection(call(client, tenant, clock, "crm", "getLeadSourceList", body))

    assert meta == {"totalResults": 5, "start": 0, "perPage": 100, "count": 5}
    assert ids(results) == sorted(v for k, v in sources.items() if k != "Retired source")


@pytest.mark.parametrize("body", [b"{not json", b"5", b'"text"'])
def test_a_body_that_is_not_an_object_is_23016(
    client: TestClient, tenant: Tenant, clock: Clock, body: bytes
) -> None:
    reply = error(call(client, tenant, clock, "crm", "getLeadSourceList", body), 23016)

    assert reply["message"] == "'body' does not validate"
    assert reply["additionalMessages"][0].startswith("body: ")


def test_per_page_is_capped_at_100(
    client: TestClient, tenant: Tenant, clock: Clock, uow_factory: UnitOfWork
) -> None:
    channel_ids = add_rows(
        uow_factory, tenant.account_id, LeadChannel, [{"name": f"c{i}"} for i in range(105)]
    )

    meta, results = collection(
        call(client, tenant, clock, "crm", "getLeadChannelList", {"perPage": 500})
    )
    assert meta == {"totalResults": 105, "start": 0, "perPage": 100, "count": 100}
    assert ids(results) == channel_ids[:100]

    meta, results = collection(
        call(client, tenant, clock, "crm", "getLeadChannelList", {"perPage": "500", "start": 100})
    )
    assert meta == {"totalResults": 105, "start": 100, "perPage": 100, "count": 5}
    assert ids(results) == channel_ids[100:]


def test_a_start_past_the_end_is_an_empty_page_with_the_total(
    client: TestClient, tenant: Tenant, clock: Clock, sources: dict[str, int]
) -> None:
    params = {"start": 50, "perPage": 10, "filter": {"name__CONTAINS": "web"}}

    meta, results = collection(call(client, tenant, clock, "crm", "getLeadSourceList", params))

    assert results == []
    assert meta == {"totalResults": 2, "start": 50, "perPage": 10, "count": 0}


def test_pages_never_skip_or_repeat_a_row_while_rows_are_added(
    client: TestClient, tenant: Tenant, clock: Clock, uow_factory: UnitOfWork
) -> None:
    account = tenant.account_id
    existing = add_rows(uow_factory, account, LeadChannel, [{"name": f"c{i}"} for i in range(7)])
    seen: list[int] = []
    totals = []
    start = 0
    while True:
        params = {"perPage": 3, "start": start}
        meta, results = collection(call(client, tenant, clock, "crm", "getLeadChannelList", params))
        seen += ids(results)
        totals.append(meta["totalResults"])
        if meta["count"] < 3:
            break
        start += 3
        # Someone adds channels between two page requests.
        add_rows(uow_factory, account, LeadChannel, [{"name": f"new at {start}"}])

    assert len(seen) == len(set(seen)), "a row was repeated"
    assert seen == sorted(seen)
    assert set(existing) <= set(seen), "a row was skipped"
    assert totals == [7, 8, 9, 10]
    assert len(seen) == 10


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_timestamp_filters_cover_the_second_or_day_named(
    client: TestClient, tenant: Tenant, clock: Clock, uow_factory: UnitOfWork
) -> None:
    rows = [
        {"name": "A", "created_at": _at("2026-01-01 10:00:00.500"),
         "modified_at": _at("2026-03-01 00:00:00")},
        {"name": "B", "created_at": _at("2026-01-02 00:00:00"),
         "modified_at": _at("2026-03-02 12:00:00")},
        {"name": "C", "created_at": _at("2026-01-02 23:59:59.999"),
         "modified_at": _at("2026-03-03 00:00:00")},
    ]  # fmt: skip
    add_rows(uow_factory, tenant.account_id, Industry, rows)

    def names(filters: dict[str, Any]) -> list[str]:
        response = call(client, tenant, clock, "account", "getIndustryList", {"filter": filters})
        return [item["name"] for item in collection(response)[1]]

    assert names({"createdDate": "2026-01-02"}) == ["B", "C"]
    assert names({"createdDate": "2026-01-01 10:00:00 UTC"}) == ["A"]
    assert names({"createdDate": "2026-01-01 10:00:00"}) == ["A"]
    assert names({"createdDate__NOT": "2026-01-02"}) == ["A"]
    assert names({"createdDate__LESSTHAN": "2026-01-01 10:00:00"}) == ["A"]
    assert names({"createdDate__GREATERTHAN": "2026-01-02 00:00:01"}) == ["C"]
    assert names({"fromModifiedDate": "2026-03-02", "toModifiedDate": "2026-03-02"}) == ["B"]
    assert names({"modifiedDate__EMPTY": False}) == ["A", "B", "C"]
    first = collection(call(client, tenant, clock, "account", "getIndustryList", {}))[1][0]
    assert first["createdDate"] == "2026-01-01 10:00:00 UTC"
    assert first["modifiedDate"] == "2026-03-01 00:00:00 UTC"


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("yesterday", "must be an iVvy timestamp or a date"),
        ("2026-02-30", "is not a real date and time"),
        ("2026-01-01 25:00:00", "is not a real date and time"),
        (20260101, "must be an iVvy timestamp or a date"),
    ],
)
def test_a_bad_timestamp_is_23016(
    client: TestClient, tenant: Tenant, clock: Clock, value: Any, problem: str
) -> None:
    params = {"filter": {"createdDate__GREATERTHAN": value}}

    body = error(call(client, tenant, clock, "account", "getIndustryList", params), 23016)

    assert body["additionalMessages"] == [f"filter.createdDate__GREATERTHAN: {problem}"]


def test_user_list_accepts_and_ignores_venue_id(
    client: TestClient, tenant: Tenant, clock: Clock, uow_factory: UnitOfWork
) -> None:
    users = [
        {"first_name": "Ann", "last_name": "Active", "email": "ann@example.com", "phone": "1"},
        {"first_name": "Ian", "last_name": "Inactive", "is_active": False},
    ]
    ann, ian = add_rows(uow_factory, tenant.account_id, User, users)

    everyone = {"venueId": 999, "filter": {"venueId": "12345"}}
    meta, results = collection(call(client, tenant, clock, "account", "getUserList", everyone))
    inactive = {"filter": {"currentStatus": 2}}
    _, only_ian = collection(call(client, tenant, clock, "account", "getUserList", inactive))
    bad = call(client, tenant, clock, "account", "getUserList", {"venueId": "Grand Hall"})

    assert meta["totalResults"] == 2
    assert [(u["id"], u["currentStatus"]) for u in results] == [(ann, 1), (ian, 2)]
    assert results[0] | {"createdDate": "", "modifiedDate": ""} == {
        "id": ann,
        "firstName": "Ann",
        "lastName": "Active",
        "email": "ann@example.com",
        "phone": "1",
        "currentStatus": 1,
        "createdDate": "",
        "modifiedDate": "",
    }
    assert ids(only_ian) == [ian]
    assert error(bad, 23016)["additionalMessages"] == [
        "venueId: must be a positive whole-number id"
    ]
