"""The unified CRM's users and pipelines: read-only views of the account's users, venues and
opportunity stages (docs/unified.md §6); writing them does not map on iVvy's data, so it is
Apideck's 501.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from venuecrm.errors import OperationNotSupported, RecordNotFound
from venuecrm.features.reference.unified_queries import USER_FILTERS, CrmRecords
from venuecrm.features.reference.unified_schemas import Email, PhoneNumber, Pipeline, Stage, User
from venuecrm.features.unified_lists import (
    Page,
    id_page,
    parse_query,
    record_id,
    utc,
)
from venuecrm.platform.models import User as UserRow
from venuecrm.platform.models import Venue
from venuecrm.platform.uow import UnitOfWork


def _iso(moment: datetime) -> str:
    return utc(moment).isoformat().replace("+00:00", "Z")


# -- users -----------------------------------------------------------------------------------


def to_user(row: UserRow) -> User:
    """A user as the unified CRM's ``User``: one primary e-mail and phone, when it has them."""
    name = " ".join(part for part in (row.first_name, row.last_name) if part) or None
    return User(
        id=str(row.id), parent_id=None, username=None, name=name,
        first_name=row.first_name or None, last_name=row.last_name or None, title=None,
        division=None, department=None, company_name=None, employee_number=None,
        description=None, image=None, language=None,
        status="active" if row.is_active else "inactive",
        emails=[Email(id=None, email=row.email, type="primary")] if row.email else [],
        phone_numbers=[PhoneNumber(id=None, number=row.phone, country_code=None, area_code=None,
                                   extension=None, type="primary")] if row.phone else [],
        addresses=[], custom_mappings=None, updated_at=_iso(row.modified_at),
        created_at=_iso(row.created_at), pass_through=[],
    )  # fmt: skip


def list_users(
    uow: UnitOfWork, *, account_id: int, params: Iterable[tuple[str, str]]
) -> Page[User]:
    """A page of the account's users (owners), active or not, by id."""
    query = parse_query("users", params, USER_FILTERS)
    with uow:
        page = CrmRecords(uow.session, account_id).users(
            query.conditions.values(), after=query.after, limit=query.limit
        )
        rows = [row[0] for row in page.rows]
        return id_page("users", page, [to_user(r) for r in rows], rows[-1].id if rows else None)


def get_user(uow: UnitOfWork, *, account_id: int, record: str) -> User:
    """One user of the account; 404 when it has none with this id."""
    found = record_id("user", raw=record)
    with uow:
        row = uow.lookups(account_id).get(UserRow, found)
        if row is None:
            raise RecordNotFound("user", record)
        return to_user(row)


# -- pipelines -------------------------------------------------------------------------------


def _stages(records: CrmRecords) -> list[Stage]:
    """The account's opportunity stages, the stages of every pipeline: inactive ones archived."""
    return [
        Stage(id=str(s.id), name=s.name, value=None, win_probability=None, display_order=index,
              archived=not s.is_active, created_at=utc(s.created_at),
              updated_at=utc(s.modified_at))
        for index, s in enumerate(records.stages(), start=1)
    ]  # fmt: skip


def _pipeline(venue: Any, stages: list[Stage]) -> Pipeline:
    return Pipeline(
        id=str(venue.id), name=venue.name, currency=None, archived=False, active=True,
        display_order=None, win_probability_enabled=False, stages=stages,
        updated_at=utc(venue.modified_at), created_at=utc(venue.created_at), pass_through=[],
    )  # fmt: skip


def list_pipelines(
    uow: UnitOfWork, *, account_id: int, params: Iterable[tuple[str, str]]
) -> Page[Pipeline]:
    """A page of the account's active venues, each with the account's opportunity stages."""
    query = parse_query("pipelines", params, {})
    with uow:
        records = CrmRecords(uow.session, account_id)
        page = records.venues(after=query.after, limit=query.limit)
        venues = [row[0] for row in page.rows]
        stages = _stages(records) if venues else []
        items = [_pipeline(venue, stages) for venue in venues]
        return id_page("pipelines", page, items, venues[-1].id if venues else None)


def get_pipeline(uow: UnitOfWork, *, account_id: int, record: str) -> Pipeline:
    """One active venue of the account as a pipeline; 404 otherwise."""
    found = record_id("pipeline", raw=record)
    with uow:
        venue = uow.lookups(account_id).find(Venue, id=found, is_active=True)
        if venue is None:
            raise RecordNotFound("pipeline", record)
        return _pipeline(venue, _stages(CrmRecords(uow.session, account_id)))


def not_supported(resource: str, operation: str) -> OperationNotSupported:
    """Apideck's 501 for writes that venuecrm's data cannot carry (docs/unified.md §6)."""
    return OperationNotSupported(
        f"{operation} of {resource} is not supported",
        [f"{resource} are read-only here: they are the account's configuration "
         "(venuecrm config apply, or iVvy's lookup actions)"],
    )  # fmt: skip
