"""The registry of iVvy actions: what each does, its request and reply models, its handler."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from venuecrm.db.uow import UnitOfWork
from venuecrm.schemas.ivvy import Pong, SuccessReply, format_timestamp
from venuecrm.schemas.opportunity import EXAMPLE as OPPORTUNITY_EXAMPLE
from venuecrm.schemas.opportunity import OpportunityIn
from venuecrm.services.opportunities import add_or_update_opportunity


@dataclass(frozen=True, slots=True)
class ActionContext:
    """One authenticated call: who made it, what it sent, and how to reach the database."""

    account_id: int
    api_key_id: int
    body: bytes
    now: datetime
    uow: Callable[[], UnitOfWork]


@dataclass(frozen=True, slots=True)
class Action:
    """An iVvy action: ``POST /api/1.0/{namespace}?action={name}``."""

    namespace: str
    name: str
    summary: str
    handler: Callable[[ActionContext], BaseModel]
    reply_model: type[BaseModel]
    request_model: type[BaseModel] | None = None
    request_example: Mapping[str, Any] | None = None
    error_codes: tuple[int, ...] = ()


def _ping(ctx: ActionContext) -> Pong:
    return Pong(ack=format_timestamp(ctx.now))


def _add_or_update_opportunity(ctx: ActionContext) -> SuccessReply:
    return SuccessReply(
        id=add_or_update_opportunity(
            ctx.uow(), account_id=ctx.account_id, api_key_id=ctx.api_key_id, body=ctx.body
        )
    )


ACTIONS: tuple[Action, ...] = (
    Action(
        namespace="test",
        name="ping",
        summary="Check that the API answers and the request signature is accepted.",
        handler=_ping,
        reply_model=Pong,
    ),
    Action(
        namespace="venue",
        name="addOrUpdateOpportunity",
        summary="Add an opportunity (no id) or update one (id), with its company, contact, "
        "referral and custom fields, in one transaction.",
        handler=_add_or_update_opportunity,
        reply_model=SuccessReply,
        request_model=OpportunityIn,
        request_example=OPPORTUNITY_EXAMPLE,
        error_codes=(24221, 24222, 24224),
    ),
)


def registry(actions: tuple[Action, ...] = ACTIONS) -> dict[tuple[str, str], Action]:
    """Actions keyed by lower-cased (namespace, action): iVvy matches names case-insensitively."""
    return {(a.namespace.lower(), a.name.lower()): a for a in actions}
