"""The real Apideck Python SDK (apideck-unify) against a running venuecrm: only its URL changed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from apideck_unify import Apideck, models
from apideck_unify.utils import RetryConfig

from tests.factories import Seeded, seeded_tenant
from venuecrm.platform.uow import UnitOfWork

# The SDK retries 5xx for minutes by default; a test should fail at the first one.
NO_RETRIES = RetryConfig("none", None, False)


@pytest.fixture(scope="module")
def account(uow_factory: UnitOfWork) -> Seeded:
    """One configured account for the SDK tests of this module."""
    return seeded_tenant(uow_factory)


@pytest.fixture(scope="module")
def sdk(live_server: str, account: Seeded) -> Iterator[Apideck]:
    """The SDK as an Apideck customer configures it, pointed at our server."""
    with Apideck(
        api_key=f"{account['apiKey']}:{account['apiSecret']}",
        app_id="venuecrm-tests",
        consumer_id="test-consumer",
        server_url=live_server,
        retry_config=NO_RETRIES,
    ) as client:
        yield client


def _create(sdk: Apideck, account: Seeded, title: str, **fields: object) -> str:
    fields.setdefault("company_name", "SDK Customers Pty Ltd")
    response = sdk.crm.opportunities.create(
        title=title,
        pipeline_id=str(account["venueId"]),
        **fields,  # type: ignore[arg-type]
    )
    assert response.http_meta.response.status_code == 201
    assert response.create_opportunity_response is not None
    assert response.create_opportunity_response.status_code == 201
    assert response.create_opportunity_response.operation == "add"
    return response.create_opportunity_response.data.id


def test_create_then_get_reads_back_every_field(sdk: Apideck, account: Seeded) -> None:
    guests = next(f for f in account["customFields"] if f["fieldType"] == 8)
    new_id = _create(
        sdk,
        account,
        "Gala dinner",
        description="Black tie",
        monetary_amount=75000,
        currency=models.Currency.AUD,
        win_probability=40,
        close_date=date(2026, 12, 31),
        status="Open",
        priority="High",
        tags=["gala", "vip"],
        custom_fields=[{"name": guests["displayName"], "value": 120}],
    )
    got = sdk.crm.opportunities.get(id=new_id)
    assert got.get_opportunity_response is not None
    item = got.get_opportunity_response.data
    assert item.id == new_id
    assert item.title == "Gala dinner"
    assert item.description == "Black tie"
    assert item.pipeline_id == str(account["venueId"])
    assert item.pipeline_stage_id == str(account["stageId"])  # the account's default stage
    assert item.type == "Meeting"  # the account's default type, by name
    assert item.source_id == str(account["sourceId"])
    assert item.lead_source == "Website"
    assert item.company_name == "SDK Customers Pty Ltd"
    assert item.company_id is not None
    assert item.monetary_amount == 75000
    assert item.currency == models.Currency.AUD
    assert item.win_probability == 40
    assert item.expected_revenue == 30000
    assert str(item.close_date) == "2026-12-31"
    assert (item.status, item.priority, item.tags) == ("Open", "High", ["gala", "vip"])
    assert [(c.id, c.name, c.value) for c in item.custom_fields] == [
        (str(guests["fieldId"]), guests["displayName"], 120)
    ]
    assert item.deleted is False
    assert item.created_at is not None
    assert item.updated_at is not None


def test_list_filters_sorts_and_pages(sdk: Apideck, account: Seeded) -> None:
    for amount in (500, 100, 400, 200, 300):
        _create(sdk, account, "Paged", monetary_amount=amount, status="Paging")
    _create(sdk, account, "Other status", monetary_amount=50, status="Elsewhere")
    pages = sdk.crm.opportunities.list(
        limit=2,
        filter_={"status": "Paging"},
        sort={"by": models.OpportunitiesSortBy.MONETARY_AMOUNT, "direction": "desc"},
    )
    seen: list[float | None] = []
    page_count = 0
    while pages is not None:
        body = pages.get_opportunities_response
        assert body is not None
        assert body.meta is not None
        assert body.meta.total_count == 5
        seen += [item.monetary_amount for item in body.data]
        page_count += 1
        pages = pages.next()
    assert seen == [500, 400, 300, 200, 100]
    assert page_count == 3


def test_update_changes_only_what_is_sent_and_null_clears(sdk: Apideck, account: Seeded) -> None:
    new_id = _create(sdk, account, "To update", description="keep", status="Open", priority="Low")
    updated = sdk.crm.opportunities.update(id=new_id, title="Updated", priority=None)
    assert updated.update_opportunity_response is not None
    assert updated.update_opportunity_response.data.id == new_id
    got = sdk.crm.opportunities.get(id=new_id).get_opportunity_response
    assert got is not None
    item = got.data
    assert (item.title, item.description, item.status, item.priority) == (
        "Updated",
        "keep",
        "Open",
        None,
    )


def test_delete_is_soft_and_then_not_found(sdk: Apideck, account: Seeded) -> None:
    new_id = _create(sdk, account, "To delete")
    deleted = sdk.crm.opportunities.delete(id=new_id)
    assert deleted.delete_opportunity_response is not None
    assert deleted.delete_opportunity_response.data.id == new_id
    with pytest.raises(models.NotFoundResponse) as raised:
        sdk.crm.opportunities.get(id=new_id)
    assert raised.value.data.type_name == "EntityNotFoundError"
    assert raised.value.data.status_code == 404


def test_typed_errors_for_400_401_404_422(sdk: Apideck, account: Seeded, live_server: str) -> None:
    with pytest.raises(models.BadRequestResponse) as bad:
        sdk.crm.opportunities.list(filter_={"monetary_amount": 1}, sort={"by": "nonsense"})
    assert bad.value.data.type_name == "UnsupportedSortFieldError"
    with (
        Apideck(
            api_key=f"{account['apiKey']}:wrong-secret",
            app_id="a",
            consumer_id="c",
            server_url=live_server,
            retry_config=NO_RETRIES,
        ) as wrong,
        pytest.raises(models.UnauthorizedResponse) as unauthorized,
    ):
        wrong.crm.opportunities.list()
    assert unauthorized.value.data.type_name == "UnauthorizedError"
    with pytest.raises(models.NotFoundResponse):
        sdk.crm.opportunities.get(id="999999999")
    with pytest.raises(models.UnprocessableResponse) as unprocessable:
        sdk.crm.opportunities.create(
            title="Referral without referrer",
            pipeline_id=str(account["venueId"]),
            source_id=str(account["referralSourceId"]),
            company_name="Needs A Referrer",
        )
    detail = unprocessable.value.data.detail
    assert isinstance(detail, dict)
    assert detail["problems"] == [
        f"source_id: source {account['referralSourceId']} is a referral source: give "
        "referralContactId, referralContact, referralCompanyId or referralCompany"
    ]
