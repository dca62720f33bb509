"""The CRM lookups of docs/ivvy.md §3.6: list and addOrUpdate of sources, types, stages, channels
and qualities, all driven by one table of ``LookupSpec``.

addOrUpdate without ``id`` adds a record; with ``id`` it updates only the keys sent, and an id
that is not an active record of the caller's account is that lookup's "does not exist" code.
Inactive records are neither listed nor updatable: they cannot be used by opportunities either.
Every problem is collected before anything is written, so a rejected request writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from venuecrm.errors import (
    InvalidLeadChannelDetails,
    InvalidLeadChannelRequest,
    InvalidLeadQualityDetails,
    InvalidLeadQualityRequest,
    InvalidLeadSourceDetails,
    InvalidLeadSourceRequest,
    InvalidLeadStageDetails,
    InvalidLeadStageRequest,
    InvalidLeadTypeDetails,
    InvalidLeadTypeRequest,
    InvalidLookupDetails,
    InvalidLookupRequest,
    LeadChannelNotFound,
    LeadQualityNotFound,
    LeadSourceNotFound,
    LeadStageNotFound,
    LeadTypeNotFound,
    LookupNotFound,
)
from venuecrm.features.collections import Collection
from venuecrm.features.lookups.queries import Lists
from venuecrm.features.lookups.schemas import (
    LeadChannelIn,
    LeadChannelList,
    LeadQualityIn,
    LeadQualityList,
    LeadSourceIn,
    LeadSourceList,
    LeadStageIn,
    LeadStageList,
    LeadTypeIn,
    LeadTypeList,
    LookupIn,
)
from venuecrm.features.problems import Problems, details_error
from venuecrm.platform.base import Tenant
from venuecrm.platform.models import (
    APPLY_TO_OPPORTUNITY,
    LeadChannel,
    LeadQuality,
    LeadSource,
    LeadStage,
    LeadType,
)
from venuecrm.platform.repositories import Lookups
from venuecrm.platform.uow import UnitOfWork

# A rule beyond "required when adding": (repository, row being updated or None, request, problems).
Check = Callable[[Lookups, Any, Any, Problems], None]


@dataclass(frozen=True, slots=True)
class LookupSpec:
    """One lookup: its table, wire models, codes and rules."""

    noun: str  # "LeadSource": getLeadSourceList, addOrUpdateLeadSource
    label: str  # "lead source", for messages
    model: type[Tenant]
    request: type[LookupIn]
    columns: Mapping[str, str]  # request attribute -> column it writes
    required: Mapping[str, str]  # request attribute -> wire name: required to add, not clearable
    not_found: type[LookupNotFound]
    invalid_request: type[InvalidLookupRequest]
    invalid_details: type[InvalidLookupDetails]
    example: Mapping[str, Any]  # an addOrUpdate request, for the OpenAPI document
    collection: Collection[Any]
    check: Check | None = None


def _source_default_type(lookups: Lookups, _row: Any, model: Any, problems: Problems) -> None:
    """A source's ``defaultType`` is an active lead type of the account."""
    type_id = model.default_type
    if type_id is not None and lookups.find(LeadType, id=type_id, is_active=True) is None:
        problems.add("defaultType", f"no active lead type {type_id} in this account")


def _stage_keeps_opportunities(lookups: Lookups, row: Any, model: Any, problems: Problems) -> None:
    """A stage opportunities use (or the default stage) must keep applying to opportunities.

    Otherwise every later update of those opportunities would fail docs/ivvy.md D18's stage rule.
    """
    if row is None or model.apply_to is None or model.apply_to == row.apply_to:
        return
    if row.apply_to == APPLY_TO_OPPORTUNITY and lookups.stage_in_use(row.id):
        problems.add(
            "applyTo",
            f"stage {row.id} is the stage of opportunities or the account's default stage, "
            "so it must keep applying to opportunities (1)",
        )


LOOKUPS: tuple[LookupSpec, ...] = (
    LookupSpec(
        noun="LeadSource",
        label="lead source",
        model=LeadSource,
        request=LeadSourceIn,
        columns={
            "name": "name",
            "description": "description",
            "cost": "cost",
            "colour": "colour",
            "is_referral": "is_referral",
            "default_type": "default_type_id",
        },
        required={"name": "name"},
        not_found=LeadSourceNotFound,
        invalid_request=InvalidLeadSourceRequest,
        invalid_details=InvalidLeadSourceDetails,
        example={"name": "Referral Source", "isReferral": True, "cost": "12.50"},
        collection=Collection(Lists.lead_sources, LeadSourceList),
        check=_source_default_type,
    ),
    LookupSpec(
        noun="LeadType",
        label="lead type",
        model=LeadType,
        request=LeadTypeIn,
        columns={"type": "name"},
        required={"type": "type"},
        not_found=LeadTypeNotFound,
        invalid_request=InvalidLeadTypeRequest,
        invalid_details=InvalidLeadTypeDetails,
        example={"type": "Conference"},
        collection=Collection(Lists.lead_types, LeadTypeList),
    ),
    LookupSpec(
        noun="LeadStage",
        label="lead stage",
        model=LeadStage,
        request=LeadStageIn,
        columns={"name": "name", "colour": "colour", "apply_to": "apply_to"},
        required={"name": "name", "apply_to": "applyTo"},
        not_found=LeadStageNotFound,
        invalid_request=InvalidLeadStageRequest,
        invalid_details=InvalidLeadStageDetails,
        example={"name": "Site Visit", "applyTo": 1, "colour": "#7ee546"},
        collection=Collection(Lists.lead_stages, LeadStageList),
        check=_stage_keeps_opportunities,
    ),
    LookupSpec(
        noun="LeadChannel",
        label="lead channel",
        model=LeadChannel,
        request=LeadChannelIn,
        columns={"name": "name"},
        required={"name": "name"},
        not_found=LeadChannelNotFound,
        invalid_request=InvalidLeadChannelRequest,
        invalid_details=InvalidLeadChannelDetails,
        example={"name": "Social media"},
        collection=Collection(Lists.lead_channels, LeadChannelList),
    ),
    LookupSpec(
        noun="LeadQuality",
        label="lead quality",
        model=LeadQuality,
        request=LeadQualityIn,
        columns={"label": "label", "show_on_dash": "show_on_dash"},
        required={"label": "label"},
        not_found=LeadQualityNotFound,
        invalid_request=InvalidLeadQualityRequest,
        invalid_details=InvalidLeadQualityDetails,
        example={"label": "Warm", "showOnDash": True},
        collection=Collection(Lists.lead_qualities, LeadQualityList),
    ),
)


def add_or_update_lookup(
    uow: UnitOfWork, spec: LookupSpec, model: LookupIn, problems: Problems
) -> int:
    """Add (no id) or update (id) one lookup record; return its id.

    ``model`` is the parsed ``spec.request`` and ``problems`` what parsing found in it.
    """
    with uow:
        lookups = uow.lookups()
        row_id = model.id
        row = None
        if row_id is not None:
            row = lookups.lock_active(spec.model, row_id)
            if row is None:
                raise spec.not_found(f"{spec.label.capitalize()} {row_id} does not exist")
        for name, wire in spec.required.items():
            if row is None and getattr(model, name) is None:
                problems.add(wire, "is required")
            elif row is not None and model.sent(name) and getattr(model, name) is None:
                problems.add(wire, "cannot be cleared")
        if spec.check is not None:
            spec.check(lookups, row, model, problems)
        if problems:
            raise details_error(spec.invalid_details, problems)

        values = {
            column: getattr(model, name)
            for name, column in spec.columns.items()
            if model.sent(name)
        }
        if row is None:
            row = lookups.add(spec.model, **values)
        else:
            lookups.update(row, **values)
        uow.commit()
        return row.id
