"""addOrUpdateOpportunity and the unified CRM view's writes: check, then write, in one transaction.

The rules live in ``features.opportunities.rules``. Every problem is collected before
anything is written, so a rejected request writes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from venuecrm.errors import InvalidOpportunityDetails, OpportunityNotFound
from venuecrm.features.opportunities.rules import OPPORTUNITY, Plan, wanted_ids
from venuecrm.features.opportunities.schemas import OpportunityIn
from venuecrm.features.parties import service as party_rules
from venuecrm.features.parties.records import Records
from venuecrm.features.problems import Problems, details_error
from venuecrm.platform.models import Opportunity
from venuecrm.platform.rows import NOW, TABLES, Row
from venuecrm.platform.uow import UnitOfWork
from venuecrm.wire.parsing import parse_lenient


def add_or_update_opportunity(
    uow: UnitOfWork, model: OpportunityIn, problems: Problems, *, api_key_id: int
) -> int:
    """Create or update an opportunity of the unit of work's account; return its id.

    ``model`` is the parsed request and ``problems`` what parsing found in it.
    """
    with uow:
        opportunity_id = apply_opportunity(Records(uow), model, problems, api_key_id=api_key_id)
        uow.commit()
    return opportunity_id


def write_opportunity(
    crm: Records,
    *,
    api_key_id: int,
    data: dict[str, Any],
    extra: Mapping[str, Any] | None = None,
) -> int:
    """Apply a request in iVvy's wire names inside an open transaction; return the id.

    The unified CRM view writes through here: ``extra`` holds checked columns the iVvy request
    has no keys for. Raises before writing anything when any rule is broken.
    """
    parsed = parse_lenient(OpportunityIn, data)
    problems = Problems(parsed.problems, parsed.invalid_paths)
    if parsed.model is None or not parsed.usable:
        raise _invalid(problems)
    return apply_opportunity(crm, parsed.model, problems, api_key_id=api_key_id, extra=extra)


def apply_opportunity(
    crm: Records,
    model: OpportunityIn,
    problems: Problems,
    *,
    api_key_id: int,
    extra: Mapping[str, Any] | None = None,
) -> int:
    """Check every rule of a parsed request, then write it; both APIs write through here."""
    existing = _existing(crm, model)
    parties = [
        *party_rules.collect(model.company, "company"),
        *party_rules.collect(model.contact, "contact"),
        *party_rules.collect(model.referral_company, "referralCompany"),
        *party_rules.collect(model.referral_contact, "referralContact"),
    ]
    refs = party_rules.prepare(crm, parties, problems, wanted=wanted_ids(model, existing))
    plan = Plan(model, existing, refs, parties, problems)
    if problems:
        raise _invalid(problems)

    # Every new record's id in one statement: the writes then need no reply before COMMIT.
    ids = crm.new_ids({**party_rules.new_records(parties), Opportunity: int(existing is None)})
    party_rules.write(crm, parties, plan.links, ids)
    plan.values.update(extra or {})
    opportunity_id = _save(crm, plan, api_key_id, ids[Opportunity])
    crm.set_custom_values(OPPORTUNITY, opportunity_id, plan.custom_values)
    return opportunity_id


def soft_delete(crm: Records, *, opportunity_id: int, api_key_id: int) -> None:
    """Soft-delete an opportunity in the caller's transaction (no commit): both APIs stop
    showing it; 24222 when there is none."""
    existing = crm.lock_opportunity(opportunity_id)
    if existing is None:
        raise OpportunityNotFound(f"Opportunity {opportunity_id} does not exist")
    existing.deleted_at = NOW
    existing.modified_by_key_id = api_key_id
    crm.flush()


def _invalid(problems: Problems) -> InvalidOpportunityDetails:
    return details_error(InvalidOpportunityDetails, problems)


def _existing(crm: Records, model: OpportunityIn) -> Row | None:
    """The opportunity to update, locked; 24222 unless it is the account's, in that venue."""
    if model.id is None:
        return None
    existing = crm.lock_opportunity(model.id)
    if existing is None or (model.venue_id is not None and existing.venue_id != model.venue_id):
        raise OpportunityNotFound(
            f"Opportunity {model.id} does not exist"
            + (f" in venue {model.venue_id}" if model.venue_id is not None else "")
        )
    return existing


def _save(crm: Records, plan: Plan, api_key_id: int, new_ids: list[int]) -> int:
    """Insert (with the id reserved for it) or update the opportunity row with the planned
    values and the parties' ids; its id."""
    values = dict(plan.values)
    for path, column in (("company", "company_id"), ("contact", "contact_id"),
                         ("referralCompany", "referral_company_id"),
                         ("referralContact", "referral_contact_id")):  # fmt: skip
        party = plan.party.get(path)
        if party is not None:
            values[column] = party.id
    row = plan.existing
    if row is None:
        (row_id,) = new_ids
        values.update(id=row_id, created_by_key_id=api_key_id, modified_by_key_id=api_key_id)
        crm.insert(Opportunity, TABLES[Opportunity].new(values))
        return row_id
    for name, value in values.items():
        setattr(row, name, value)
    row.modified_by_key_id = api_key_id
    if plan.stage_changed:
        row.stage_changed_at = NOW
    crm.flush()
    saved: int = row.id
    return saved
