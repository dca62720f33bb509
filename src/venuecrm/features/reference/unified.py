"""The unified CRM's users, pipelines and notes: read, list, and write notes (docs/unified.md §6).

Users and pipelines are read-only views of the account's users, venues and opportunity stages:
writing them does not map on iVvy's data, so it is Apideck's 501. Notes are the rows of
addOrUpdateOpportunityNote, written with its rules.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from pydantic import ValidationError

from venuecrm.errors import (
    InvalidNoteDetails,
    InvalidRequest,
    LeadNotFound,
    OperationNotSupported,
    RecordNotFound,
)
from venuecrm.features.notes.queries import OpportunityNotes
from venuecrm.features.notes.service import live_opportunity
from venuecrm.features.problems import Problems
from venuecrm.features.reference.unified_queries import CrmRecords, IdPage, NoteFilter
from venuecrm.features.reference.unified_schemas import (
    Email,
    Note,
    NoteInput,
    PhoneNumber,
    Pipeline,
    Stage,
    User,
)
from venuecrm.platform.models import OpportunityNote, Venue
from venuecrm.platform.models import User as UserRow
from venuecrm.platform.uow import UnitOfWork
from venuecrm.wire.ivvy import path_id
from venuecrm.wire.parsing import BodyError, decode_object, describe

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list and the cursor of the next (None on the last page)."""

    items: list[T]
    total: int
    next_cursor: str | None


@dataclass(frozen=True)
class Query:
    """A list request: page size, the id the page starts after, and the filter values."""

    limit: int
    after: int | None
    filters: dict[str, Any]


def record_id(entity: str, raw: str) -> int:
    """A path id: digits within the id range, else the record is simply not found."""
    found = path_id(raw)
    if found is None:
        raise RecordNotFound(entity, raw)
    return found


def _text(value: str) -> str:
    return value


def _id_filter(value: str) -> int:
    found = path_id(value)
    if found is None:
        raise ValueError("must be an id (digits)")
    return found


def _moment(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def parse_query(
    resource: str,
    params: Iterable[tuple[str, str]],
    filters: Mapping[str, Callable[[str], Any]],
) -> Query:
    """``limit``, ``cursor`` and ``filter[...]`` checked; 400 listing every problem."""
    limit, cursor, values, problems = 20, None, {}, []
    seen: set[str] = set()
    for key, value in params:
        if key in seen:
            problems.append(f"{key}: given more than once")
            continue
        seen.add(key)
        if key == "limit":
            if not value.isascii() or not value.isdigit() or not 1 <= int(value) <= 200:
                problems.append("limit: must be a whole number from 1 to 200")
            else:
                limit = int(value)
        elif key == "cursor":
            cursor = value or None
        elif key.startswith("filter[") and key.endswith("]"):
            name = key[len("filter[") : -1]
            if name not in filters:
                known = ", ".join(filters) or "none"
                raise InvalidRequest(
                    f"Unsupported filter: {name}",
                    [f"filter[{name}]: unknown; the {resource} filters are: {known}"],
                    type_name="UnsupportedFiltersError",
                )
            try:
                values[name] = filters[name](value)
            except ValueError as exc:
                reason = str(exc) if "must" in str(exc) else "must be an ISO 8601 date-time"
                problems.append(f"filter[{name}]: {reason}")
        elif key.startswith("sort["):
            raise InvalidRequest(
                f"Unsupported sort: {key}",
                [f"{key}: {resource} are listed by id; they take no sort"],
                type_name="UnsupportedSortFieldError",
            )
    if problems:
        raise InvalidRequest("Invalid Params", problems)
    after = _decode_cursor(resource, cursor) if cursor is not None else None
    return Query(limit, after, values)


def _encode_cursor(resource: str, after: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"r": resource, "after": after}).encode()).decode()


def _decode_cursor(resource: str, cursor: str) -> int:
    try:
        payload = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        after = payload["after"]
        if payload["r"] != resource or not isinstance(after, int):
            raise ValueError("not this list's cursor")
        return after
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise InvalidRequest(
            "Invalid cursor",
            ["cursor: not a cursor of this list (take it from meta.cursors.next)"],
            type_name="InvalidCursorError",
        ) from None


def _page(resource: str, page: IdPage, items: list[T], last_id: int | None) -> Page[T]:
    after = last_id if page.more else None
    return Page(items, page.total, None if after is None else _encode_cursor(resource, after))


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def _iso(moment: datetime) -> str:
    return _utc(moment).isoformat().replace("+00:00", "Z")


def _str(value: int | None) -> str | None:
    return None if value is None else str(value)


# -- users -----------------------------------------------------------------------------------

USER_FILTERS: dict[str, Callable[[str], Any]] = {"email": _text, "name": _text}


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
            after=query.after, limit=query.limit, **query.filters
        )
        rows = [row[0] for row in page.rows]
        return _page("users", page, [to_user(r) for r in rows], rows[-1].id if rows else None)


def get_user(uow: UnitOfWork, *, account_id: int, user_id: str) -> User:
    """One user of the account; 404 when it has none with this id."""
    found = record_id("user", user_id)
    with uow:
        row = uow.lookups(account_id).get(UserRow, found)
        if row is None:
            raise RecordNotFound("user", user_id)
        return to_user(row)


# -- pipelines -------------------------------------------------------------------------------


def _stages(records: CrmRecords) -> list[Stage]:
    """The account's opportunity stages, the stages of every pipeline: inactive ones archived."""
    return [
        Stage(id=str(s.id), name=s.name, value=None, win_probability=None, display_order=index,
              archived=not s.is_active, created_at=_utc(s.created_at),
              updated_at=_utc(s.modified_at))
        for index, s in enumerate(records.stages(), start=1)
    ]  # fmt: skip


def _pipeline(venue: Any, stages: list[Stage]) -> Pipeline:
    return Pipeline(
        id=str(venue.id), name=venue.name, currency=None, archived=False, active=True,
        display_order=None, win_probability_enabled=False, stages=stages,
        updated_at=_utc(venue.modified_at), created_at=_utc(venue.created_at), pass_through=[],
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
        return _page("pipelines", page, items, venues[-1].id if venues else None)


def get_pipeline(uow: UnitOfWork, *, account_id: int, pipeline_id: str) -> Pipeline:
    """One active venue of the account as a pipeline; 404 otherwise."""
    found = record_id("pipeline", pipeline_id)
    with uow:
        venue = uow.lookups(account_id).find(Venue, id=found, is_active=True)
        if venue is None:
            raise RecordNotFound("pipeline", pipeline_id)
        return _pipeline(venue, _stages(CrmRecords(uow.session, account_id)))


def not_supported(resource: str, operation: str) -> OperationNotSupported:
    """Apideck's 501 for writes that venuecrm's data cannot carry (docs/unified.md §6)."""
    return OperationNotSupported(
        f"{operation} of {resource} is not supported",
        [f"{resource} are read-only here: they are the account's configuration "
         "(venuecrm config apply, or iVvy's lookup actions)"],
    )  # fmt: skip


# -- notes -----------------------------------------------------------------------------------

NOTE_FILTERS: dict[str, Callable[[str], Any]] = {
    "title": _text,
    "owner_id": _id_filter,
    "contact_id": _id_filter,
    "company_id": _id_filter,
    "opportunity_id": _id_filter,
    "updated_since": _moment,
    "created_since": _moment,
}
_FILTER_COLUMNS = {"owner_id": "owner_user_id"}


def to_note(row: Any) -> Note:
    """A note row (with its opportunity's contact and company) as the unified CRM's ``Note``."""
    note: OpportunityNote = row[0]
    return Note(
        id=str(note.id), title=note.title, content=note.note, owner_id=_str(note.owner_user_id),
        contact_id=_str(row[1]), company_id=_str(row[2]), opportunity_id=str(note.opportunity_id),
        activity_id=None, lead_id=None, active=True, custom_mappings=None,
        updated_by=_str(note.modified_by_key_id), created_by=_str(note.created_by_key_id),
        updated_at=_utc(note.modified_at), created_at=_utc(note.created_at), pass_through=[],
    )  # fmt: skip


def list_notes(
    uow: UnitOfWork, *, account_id: int, params: Iterable[tuple[str, str]]
) -> Page[Note]:
    """A page of the notes of the account's live opportunities, by id."""
    query = parse_query("notes", params, NOTE_FILTERS)
    found = NoteFilter(**{_FILTER_COLUMNS.get(k, k): v for k, v in query.filters.items()})
    with uow:
        page = CrmRecords(uow.session, account_id).notes(
            found, after=query.after, limit=query.limit
        )
        items = [to_note(row) for row in page.rows]
        return _page("notes", page, items, page.rows[-1][0].id if page.rows else None)


def get_note(uow: UnitOfWork, *, account_id: int, note_id: str) -> Note:
    """One note of a live opportunity of the account; 404 otherwise."""
    found = record_id("note", note_id)
    with uow:
        row = CrmRecords(uow.session, account_id).note(found)
        if row is None:
            raise RecordNotFound("note", note_id)
        return to_note(row)


def parse_note(body: bytes) -> NoteInput:
    """A note body; 400 with every problem when it does not fit the schema."""
    try:
        return NoteInput.model_validate(decode_object(body))
    except BodyError as exc:
        raise InvalidRequest("Invalid Params", exc.problems) from None
    except ValidationError as exc:
        problems = [describe(error) for error in exc.errors(include_url=False)]
        raise InvalidRequest("Invalid Params", problems) from None


def save_note(
    uow: UnitOfWork,
    *,
    account_id: int,
    api_key_id: int,
    body: NoteInput,
    note_id: str | None = None,
) -> str:
    """Create (no id) or update a note with addOrUpdateOpportunityNote's rules; its id."""
    with uow:
        notes = OpportunityNotes(uow.session, account_id)
        row = None
        if note_id is not None:
            row = notes.lock_note(record_id("note", note_id))
            if row is None or notes.live_opportunity(row.opportunity_id) is None:
                raise RecordNotFound("note", note_id)
        elif body.opportunity_id is None or not body.content:
            missing = [f"{k}: is required" for k in ("content", "opportunity_id")
                       if getattr(body, k) in (None, "")]  # fmt: skip
            raise InvalidRequest("Invalid Params", missing)
        problems = Problems()
        values = _note_values(uow, account_id, body, row, problems)
        if problems:
            raise InvalidNoteDetails("Invalid State", problems.items)
        if row is None:
            assert body.opportunity_id is not None
            saved = notes.add(
                opportunity_id=int(body.opportunity_id), api_key_id=api_key_id, **values
            )
        else:
            notes.update(row, api_key_id=api_key_id, **values)
            saved = row
        uow.commit()
        return str(saved.id)


def _note_values(
    uow: UnitOfWork,
    account_id: int,
    body: NoteInput,
    row: OpportunityNote | None,
    problems: Problems,
) -> dict[str, Any]:
    """The columns a note body sets, after every rule of the account; problems collected."""
    sent = body.sent
    values: dict[str, Any] = {}
    if sent("content"):
        if body.content is None or not body.content.strip():
            problems.add("content", "must not be blank")
        values["note"] = body.content
    if sent("title"):
        values["title"] = body.title
    opportunity_id = row.opportunity_id if row is not None else int(body.opportunity_id or 0)
    if row is not None and sent("opportunity_id") and body.opportunity_id != str(opportunity_id):
        problems.add("opportunity_id", "a note cannot move to another opportunity")
    try:
        # FOR SHARE: a concurrent delete of the opportunity waits for this note, as in iVvy.
        noted = live_opportunity(
            OpportunityNotes(uow.session, account_id),
            lead_id=opportunity_id,
            venue_id=None,
            lock=True,
        )
    except LeadNotFound:
        problems.add("opportunity_id", f"no live opportunity {opportunity_id} in this account")
        noted = None
    if noted is not None:
        for name, have in (("contact_id", noted.contact_id), ("company_id", noted.company_id)):
            if sent(name) and getattr(body, name) != _str(have):
                problems.add(name, f"must be its opportunity's ({_str(have) or 'none'})")
    if sent("owner_id"):
        owner = int(body.owner_id) if body.owner_id is not None else None
        if (
            owner is not None
            and uow.lookups(account_id).find(UserRow, id=owner, is_active=True) is None
        ):
            problems.add("owner_id", f"no active user {owner} in this account")
        values["owner_user_id"] = owner
    for name in ("activity_id", "lead_id"):
        if getattr(body, name) is not None:
            problems.add(name, "venuecrm's notes belong to opportunities only")
    if body.active is False:
        problems.add("active", "a note cannot be made inactive; delete it")
    return values


def delete_note(uow: UnitOfWork, *, account_id: int, note_id: str) -> str:
    """Remove a note of a live opportunity; 404 when there is none."""
    with uow:
        notes = OpportunityNotes(uow.session, account_id)
        row = notes.lock_note(record_id("note", note_id))
        if row is None or notes.live_opportunity(row.opportunity_id, lock=True) is None:
            raise RecordNotFound("note", note_id)
        notes.delete(row)
        uow.commit()
    return note_id
