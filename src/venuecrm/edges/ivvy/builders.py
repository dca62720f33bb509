"""The shapes iVvy actions come in: a list, a record by id, an addOrUpdate, a definitions array.

Each builder declares an ``Action`` whose codes, example and handler follow from the shape, so a
new action of a known shape is one call in ``edges.ivvy.registry``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol, Unpack

from pydantic import BaseModel

from venuecrm.edges.ivvy.action import Action, ActionContext, Codes, Names, Stop
from venuecrm.errors import (
    InvalidParameter,
    MissingParameter,
    VenueCrmError,
)
from venuecrm.features.collections import Collection, Record, get_collection, get_one
from venuecrm.features.lookups.service import LookupSpec, add_or_update_lookup
from venuecrm.features.problems import Problems
from venuecrm.features.reference import service as reference_data
from venuecrm.features.reference.schemas import CustomFieldDefinitionList
from venuecrm.platform.uow import UnitOfWork
from venuecrm.wire.collections import list_request_example
from venuecrm.wire.ivvy import SuccessReply


def parameter_codes(not_found: type[VenueCrmError], *, stop: Stop = Stop.UNUSABLE) -> Codes:
    """docs/ivvy.md D29: problems are 23016 (23017 when only required values are missing)."""
    return Codes(
        invalid=InvalidParameter, missing=MissingParameter, not_found=(not_found,), stop=stop
    )


class Write(Protocol):
    """A service that adds or updates one record from a parsed request; the record's id."""

    def __call__(self, uow: UnitOfWork, model: Any, problems: Problems, who: ActionContext) -> int:
        """Write and commit; raise the action's error for any problem."""


def write_action(
    *,
    request: type[BaseModel],
    example: Mapping[str, Any],
    codes: Codes,
    write: Write,
    **names: Unpack[Names],
) -> Action:
    """An addOrUpdate action: a parsed request in, ``{"success": true, "id": ...}`` out."""

    def handler(ctx: ActionContext) -> SuccessReply:
        return SuccessReply(id=write(ctx.uow(), ctx.input, ctx.problems, ctx))

    return Action(
        **names,
        handler=handler,
        reply_model=SuccessReply,
        request_model=request,
        request_example=example,
        codes=codes,
    )


def one_action(
    *,
    record: Record[Any],
    request: type[BaseModel],
    example_id: int,
    **names: Unpack[Names],
) -> Action:
    """A record by ``id``: 23016 for a malformed id, 23017 without one, else ``not_found``."""

    def handler(ctx: ActionContext) -> BaseModel:
        reply: BaseModel = get_one(
            ctx.uow(), record, account_id=ctx.account_id, row_id=ctx.input.id
        )
        return reply

    codes = parameter_codes(record.not_found, stop=Stop.ANY)
    return Action(
        **names,
        handler=handler,
        reply_model=record.item,
        request_model=request,
        request_example={"id": example_id},
        codes=codes,
    )


def list_action(
    *,
    collection: Collection[Any],
    example: Mapping[str, Any],
    not_found: tuple[type[VenueCrmError], ...] = (),
    missing: type[VenueCrmError] | None = None,
    **names: Unpack[Names],
) -> Action:
    """A collection action: paging and filter in, ``{meta, results}`` out.

    Parsing problems do not stop it: the collection adds those of paging and filter against
    its fields and lists them all. An empty body asks for the first page.
    """

    def handler(ctx: ActionContext) -> BaseModel:
        reply: BaseModel = get_collection(
            ctx.uow(),
            collection,
            account_id=ctx.account_id,
            request=ctx.input,
            problems=ctx.problems.items,
        )
        return reply

    codes = Codes(invalid=InvalidParameter, missing=missing, not_found=not_found, stop=Stop.NEVER)
    return Action(
        **names,
        handler=handler,
        reply_model=collection.reply,
        request_model=collection.request,
        request_example=example,
        codes=codes,
    )


def lookup_actions(spec: LookupSpec) -> tuple[Action, ...]:
    """getX List and addOrUpdateX of one CRM lookup (docs/ivvy.md §3.6)."""
    required = " and ".join(spec.required.values())
    name_field = next(iter(spec.required.values()))
    plural = spec.label[:-1] + "ies" if spec.label.endswith("y") else spec.label + "s"
    return (
        list_action(
            namespace="crm",
            name=f"get{spec.noun}List",
            summary=f"List the account's active {plural}, with paging and filter.",
            collection=spec.collection,
            example=list_request_example({f"{name_field}__CONTAINS": "a"}),
        ),
        write_action(
            namespace="crm",
            name=f"addOrUpdate{spec.noun}",
            summary=f"Add a {spec.label} (no id; {required} required) or update one (id): "
            "only the keys sent change.",
            request=spec.request,
            example=spec.example,
            codes=Codes(
                invalid=spec.invalid_details,
                unreadable=spec.invalid_request,
                empty=spec.invalid_request,
                not_found=(spec.not_found,),
            ),
            write=lambda uow, model, problems, _who: add_or_update_lookup(
                uow, spec, model, problems
            ),
        ),
    )


def definitions_action(*, entity: str, **names: Unpack[Names]) -> Action:
    """A bare array of one entity's custom field definitions (docs/ivvy.md §4.4)."""

    def handler(ctx: ActionContext) -> CustomFieldDefinitionList:
        return reference_data.get_custom_field_definitions(
            ctx.uow(), account_id=ctx.account_id, entity=entity
        )

    return Action(
        **names,
        handler=handler,
        reply_model=CustomFieldDefinitionList,
    )
