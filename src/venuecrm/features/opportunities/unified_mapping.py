"""The unified CRM (Apideck) opportunity mapped to iVvy's shape and back (docs/unified.md C5).

One direction turns a CRM body into an addOrUpdateOpportunity request, so every iVvy rule is
applied by the same code; the other turns a stored opportunity into the CRM model.
"""

from __future__ import annotations

from datetime import UTC
from decimal import Decimal
from typing import Any

from venuecrm.features.opportunities.unified_schemas import Opportunity, OpportunityInput
from venuecrm.features.opportunities.views import OpportunityView
from venuecrm.features.parties.records import Records
from venuecrm.features.problems import Problems
from venuecrm.platform.models import CONTACT_TYPE_COMPANY
from venuecrm.platform.rows import Row
from venuecrm.wire.unified import CustomField

# Columns only the CRM view has, written as sent.
EXTRA_COLUMNS = ("monetary_amount", "currency", "win_probability", "priority", "status",
                 "status_id", "tags", "won_reason_id", "won_reason", "lead_id",
                 "stage_last_changed_at")  # fmt: skip
# iVvy field to CRM field, to report iVvy's problems under the names the client sent.
CRM_PATHS = {"venueId": "pipeline_id", "name": "title", "stageId": "pipeline_stage_id",
             "stageReasonId": "pipeline_stage_id", "sourceId": "source_id", "typeId": "type",
             "subtypeId": "type", "ownerUserId": "owner_id", "companyId": "company_id",
             "company": "company_name", "contactId": "primary_contact_id",
             "companyLeadContactId": "primary_contact_id", "contact": "primary_contact_id",
             "closedDate": "close_date", "lostToCompetition": "loss_reason_id",
             "customFields": "custom_fields"}  # fmt: skip
_MISSING = object()


def crm_path(problem: str) -> str:
    """An iVvy ``path: reason`` renamed to the CRM field it came from."""
    path, _, reason = problem.partition(": ")
    head = path.split(".", 1)[0].split("[", 1)[0]
    rest = path[len(head) :].replace(".fieldValue", ".value").replace(".fieldId", ".id")
    return CRM_PATHS.get(head, head) + rest + ": " + reason


def _named(records: Records, kind: str, name: str, path: str, problems: Problems) -> int | None:
    found = records.id_named(kind, name=name)
    if found is None:
        problems.add(path, f"no {kind.replace('_', ' ')} named {name!r} in this account")
    return found


def to_ivvy(
    body: OpportunityInput,
    existing: Row | None,
    records: Records,
    problems: Problems,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The addOrUpdateOpportunity request for ``body`` and the CRM-only column values."""
    sent = body.sent
    data: dict[str, Any] = {}
    if existing is not None:
        data.update(id=existing.id, venueId=existing.venue_id)
    if sent("pipeline_id"):
        if existing is not None and body.pipeline_id != str(existing.venue_id):
            problems.add("pipeline_id", "an opportunity cannot move to another pipeline")
        data["venueId"] = body.pipeline_id if existing is None else existing.venue_id
    for field, key in (("title", "name"), ("pipeline_stage_id", "stageId"),
                       ("owner_id", "ownerUserId"), ("description", "description")):  # fmt: skip
        if sent(field):
            data[key] = getattr(body, field)
    if sent("close_date"):
        data["closedDate"] = body.close_date.isoformat() if body.close_date else None
    if sent("source_id"):
        data["sourceId"] = body.source_id
    elif body.lead_source is not None:
        data["sourceId"] = _named(records, "source", body.lead_source, "lead_source", problems)
    if sent("type"):
        data["typeId"] = body.type and _named(records, "type", body.type, "type", problems)
    if sent("loss_reason_id"):
        data["lostToCompetition"] = body.loss_reason_id
    elif body.loss_reason is not None:
        reason = _named(records, "lost_reason", body.loss_reason, "loss_reason", problems)
        data["lostToCompetition"] = reason
    _contact_and_company(body, existing, data, problems)
    if sent("custom_fields"):
        data["customFields"] = [
            _custom_field(index, item, records, problems)
            for index, item in enumerate(body.custom_fields or [])
        ]
    extra = {name: getattr(body, name) for name in EXTRA_COLUMNS if sent(name)}
    for name in ("monetary_amount", "win_probability"):
        if extra.get(name) is not None:
            extra[name] = Decimal(str(extra[name]))
    return data, extra


def _contact_and_company(
    body: OpportunityInput,
    existing: Row | None,
    data: dict[str, Any],
    problems: Problems,
) -> None:
    """primary_contact_id or contact_id name the contact, company_id or company_name the company."""
    sent = body.sent
    contact: Any = _MISSING
    for name in ("contact_id", "primary_contact_id"):
        if sent(name):
            if contact is not _MISSING and getattr(body, name) != contact:
                problems.add("contact_id", "differs from primary_contact_id")
            contact = getattr(body, name)
    if sent("company_id") or sent("company_name"):
        if body.company_id is not None:
            data["companyId"] = body.company_id
        elif body.company_name is not None:
            data["company"] = {"businessName": body.company_name, "updateIfExists": True}
        if "companyId" in data or "company" in data:
            if contact not in (_MISSING, None):
                data["companyLeadContactId"] = contact
            return
        # The company was cleared: what remains is a contact opportunity.
        if contact is _MISSING and existing is not None:
            contact = existing.contact_id
        data["contactId"] = None if contact is _MISSING else contact
        return
    if contact is _MISSING:
        return
    if existing is not None and existing.contact_type == CONTACT_TYPE_COMPANY:
        data["companyLeadContactId"] = contact
    else:
        data["contactId"] = contact


def _custom_field(
    index: int, item: CustomField, records: Records, problems: Problems
) -> dict[str, Any]:
    field_id: Any = item.id
    if field_id is None and item.name is not None:
        field_id = _named(
            records, "custom_field", item.name, f"custom_fields[{index}].name", problems
        )
    elif field_id is None:
        problems.add(f"custom_fields[{index}]", "give id or name")
    return {"fieldId": field_id or 0, "fieldValue": item.value}


def _text(value: int | None) -> str | None:
    return None if value is None else str(value)


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def to_crm(view: OpportunityView) -> Opportunity:
    """The CRM model of a stored opportunity; every key present (docs/unified.md C2)."""
    row = view.row
    amount, probability = _number(row.monetary_amount), _number(row.win_probability)
    expected = (
        amount * probability / 100 if amount is not None and probability is not None else None
    )
    return Opportunity(
        id=str(row.id),
        title=row.name,
        primary_contact_id=_text(row.contact_id),
        description=row.description,
        type=view.type_name,
        monetary_amount=amount,
        currency=row.currency,
        win_probability=probability,
        expected_revenue=expected,
        close_date=row.closed_date,
        loss_reason_id=_text(row.lost_reason_id),
        loss_reason=view.lost_reason_name,
        won_reason_id=row.won_reason_id,
        won_reason=row.won_reason,
        pipeline_id=_text(row.venue_id),
        pipeline_stage_id=_text(row.stage_id),
        source_id=_text(row.source_id),
        lead_id=row.lead_id,
        lead_source=view.source_name,
        contact_id=_text(row.contact_id),
        contact_ids=[str(row.contact_id)] if row.contact_id is not None else [],
        company_id=_text(row.company_id),
        company_name=view.company_name,
        owner_id=_text(row.owner_user_id),
        priority=row.priority,
        status=row.status,
        status_id=row.status_id,
        tags=row.tags,
        interaction_count=None,
        custom_fields=[
            CustomField(id=str(f["fieldId"]), name=f["displayName"], value=f["fieldValue"])
            for f in view.custom_fields
        ],
        stage_last_changed_at=row.stage_last_changed_at or row.stage_changed_at,
        last_activity_at=None,
        deleted=row.deleted_at is not None,
        date_stage_changed=row.stage_changed_at,
        date_last_contacted=None,
        date_lead_created=row.created_at,
        custom_mappings=None,
        updated_by=_text(row.modified_by_key_id),
        created_by=_text(row.created_by_key_id),
        updated_at=row.modified_at.astimezone(UTC) if row.modified_at else None,
        created_at=row.created_at.astimezone(UTC) if row.created_at else None,
        pass_through=[],
    )
