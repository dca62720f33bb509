"""The collection machinery on its own: any labelled select, its details, and parameter rules.

A later list (opportunities, contacts) only declares a select; these tests show what it gets.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Subquery, case, func, select

from tests.factories import Tenant
from venuecrm.errors import InvalidParameter
from venuecrm.features.collections import parse_list_params
from venuecrm.platform.collections import Condition, Kind, ListQuery, Op, fetch_page
from venuecrm.platform.models import CustomFieldDefinition, LeadChannel, LeadSource
from venuecrm.platform.uow import UnitOfWork


def _channels(account_id: int) -> ListQuery:
    c = LeadChannel
    rows = select(c.id.label("id"), c.name.label("name")).where(c.account_id == account_id)

    def details(page: Subquery) -> list[Any]:
        return [func.upper(page.c.name).label("shout")]

    return ListQuery(rows, details)


def test_fields_are_the_labelled_scalar_columns_with_kinds_from_their_types() -> None:
    s, d = LeadSource, CustomFieldDefinition
    query = ListQuery(
        select(
            s.id.label("id"),
            s.name.label("name"),
            s.cost.label("cost"),
            s.is_referral.label("isReferral"),
            s.created_at.label("createdDate"),
            case((s.is_active, 1), else_=2).label("status"),
            d.select_values.label("selectValues"),
        )
    )

    assert query.fields == {
        "id": Kind.INT,
        "name": Kind.TEXT,
        "cost": Kind.NUMBER,
        "isReferral": Kind.BOOL,
        "createdDate": Kind.TIMESTAMP,
        "status": Kind.INT,
    }


def test_a_page_carries_its_details_and_the_total(uow_factory: UnitOfWork, tenant: Tenant) -> None:
    with uow_factory:
        lookups = uow_factory.lookups(tenant.account_id)
        made = [lookups.add(LeadChannel, name=name).id for name in ("a", "b", "c", "d")]
        uow_factory.commit()

    with uow_factory:
        session = uow_factory.session
        query = _channels(tenant.account_id)
        page = fetch_page(session, query, [], start=1, limit=2)
        past = fetch_page(session, query, [Condition("name", Op.NOT, "a")], start=9, limit=2)
        none = fetch_page(session, query, [Condition("name", Op.EQ, None)], start=0, limit=2)

    assert page.total == 4
    assert page.rows == [
        {"id": made[1], "name": "b", "shout": "B"},
        {"id": made[2], "name": "c", "shout": "C"},
    ]
    assert (past.total, past.rows) == (3, [])
    assert (none.total, none.rows) == (0, [])


FIELDS = {"id": Kind.INT, "name": Kind.TEXT, "modifiedDate": Kind.TIMESTAMP}


def test_parameters_default_cap_and_become_conditions() -> None:
    assert parse_list_params({}, FIELDS).per_page == 100
    params = parse_list_params(
        {"perPage": 1000, "start": "20", "filter": {"\u200bname__begins": "A", "id": "ISNULL"}},
        FIELDS,
    )

    assert (params.start, params.per_page) == (20, 100)
    assert params.conditions == [
        Condition("name", Op.BEGINS, "A"),
        Condition("id", Op.EQ, None),
    ]


def test_modified_date_aliases_exist_only_where_modified_date_does() -> None:
    params = parse_list_params({"filter": {"toModifiedDate": "2026-01-01"}}, FIELDS)

    assert [(c.field, c.op) for c in params.conditions] == [("modifiedDate", Op.LESSTHAN)]
    with pytest.raises(InvalidParameter) as caught:
        parse_list_params({"filter": {"toModifiedDate": "2026-01-01"}}, {"id": Kind.INT})
    assert caught.value.additional_messages == [
        "filter.toModifiedDate: unknown field 'toModifiedDate'; filterable fields: id"
    ]


def test_ignored_filter_keys_are_checked_but_not_applied() -> None:
    ignored = {"venueId": Kind.INT}

    params = parse_list_params({"filter": {"venueId": 7}}, FIELDS, ignored=ignored)

    assert params.conditions == []
    with pytest.raises(InvalidParameter) as caught:
        parse_list_params({"filter": {"venueId": "x"}}, FIELDS, ignored=ignored)
    assert caught.value.message == "'filter.venueId' does not validate"
