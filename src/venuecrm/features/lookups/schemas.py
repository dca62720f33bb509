"""The CRM lookups of docs/ivvy.md §3.6: list items and addOrUpdate requests of sources, types,
stages, channels and qualities."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, StringConstraints
from pydantic_core import PydanticCustomError

from venuecrm.wire.collections import ListReply, example_config, list_example
from venuecrm.wire.ivvy import Flag, Id, IvvyModel, ReplyModel, Text, parse_whole_number


def _null_as_empty(value: Any) -> Any:
    return "" if value is None else value


# A name is required when adding and cannot be cleared; null is how a client tries to.
Name = Annotated[
    str, StringConstraints(strict=True, strip_whitespace=True, min_length=1, max_length=200)
]
# Optional text columns: null clears them to "".
OptionalText = Annotated[Text, BeforeValidator(_null_as_empty)]
Str20 = Annotated[str, StringConstraints(strict=True, strip_whitespace=True, max_length=20)]
Colour = Annotated[Str20, BeforeValidator(_null_as_empty)]
Cost = Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2)]


def _apply_to(value: Any) -> int:
    """docs/ivvy.md §3.6: 1 = opportunity, 2 = lead; the docs type it as a string, so "1" too."""
    try:
        number = parse_whole_number(value)
    except PydanticCustomError:
        number = 0
    if number not in (1, 2):
        raise PydanticCustomError("apply_to", "must be 1 (opportunities) or 2 (leads)")
    return number


ApplyTo = Annotated[int, BeforeValidator(_apply_to)]


# -- list items ------------------------------------------------------------------------------


class LeadSourceItem(ReplyModel):
    """A lead source."""

    id: int
    name: str
    description: str
    cost: float | None = Field(description="Cost of the source; null when never set.")
    is_referral: bool = Field(description="Opportunities from it need a referral party.")
    default_type: int | None = Field(description="Id of the source's default lead type.")


class LeadSubtypeItem(ReplyModel):
    """A subtype of a lead type."""

    id: int
    name: str


class LeadTypeItem(ReplyModel):
    """A lead type and its active subtypes."""

    id: int
    type: str
    subtypes: list[LeadSubtypeItem]


class StageReasonItem(ReplyModel):
    """A reason within a stage."""

    id: int
    reason: str


class LeadStageItem(ReplyModel):
    """A lead stage, its active reasons, and whether it applies to opportunities or leads."""

    id: int
    name: str
    apply_to: int = Field(description="1 opportunities, 2 leads.")
    reasons: list[StageReasonItem]


class LeadChannelItem(ReplyModel):
    """A lead channel."""

    id: int
    name: str


class LeadQualityItem(ReplyModel):
    """A lead quality."""

    id: int
    label: str
    show_on_dash: bool


class LeadSourceList(ListReply[LeadSourceItem]):
    """Reply of crm getLeadSourceList."""

    model_config = example_config(
        list_example(
            {
                "id": 189,
                "name": "Referral Program",
                "description": "",
                "cost": 0,
                "isReferral": True,
                "defaultType": 1,
            }
        )
    )


class LeadTypeList(ListReply[LeadTypeItem]):
    """Reply of crm getLeadTypeList."""

    model_config = example_config(
        list_example(
            {"id": 18, "type": "Wedding", "subtypes": [{"id": 2, "name": "Ceremony"}]},
            {"id": 19, "type": "Meeting", "subtypes": []},
        )
    )


class LeadStageList(ListReply[LeadStageItem]):
    """Reply of crm getLeadStageList."""

    model_config = example_config(
        list_example(
            {
                "id": 69,
                "name": "New Enquiry",
                "applyTo": 1,
                "reasons": [{"id": 127, "reason": "Website form"}],
            }
        )
    )


class LeadChannelList(ListReply[LeadChannelItem]):
    """Reply of crm getLeadChannelList."""

    model_config = example_config(list_example({"id": 4, "name": "Email"}))


class LeadQualityList(ListReply[LeadQualityItem]):
    """Reply of crm getLeadQualityList."""

    model_config = example_config(list_example({"id": 3, "label": "Hot", "showOnDash": True}))


# -- addOrUpdate requests: no id adds, an id updates only the keys sent ------------------------


class LookupIn(IvvyModel):
    """An addOrUpdate request of any lookup: no ``id`` adds, an ``id`` updates."""

    id: Id | None = None


class NamedLookupIn(LookupIn):
    """A lookup whose name is ``name``."""

    name: Name | None = None


class LeadSourceIn(NamedLookupIn):
    """addOrUpdateLeadSource: ``name`` is required when adding."""

    description: OptionalText = ""
    cost: Cost | None = Field(default=None, description="A number of at most 2 decimals, >= 0.")
    colour: Colour = ""
    is_referral: Flag = False
    default_type: Id | None = Field(default=None, description="An active lead type id.")


class LeadTypeIn(LookupIn):
    """addOrUpdateLeadType: ``type`` (its name) is required when adding."""

    type: Name | None = None


class LeadStageIn(NamedLookupIn):
    """addOrUpdateLeadStage: ``name`` and ``applyTo`` are required when adding."""

    colour: Colour = ""
    apply_to: ApplyTo | None = Field(default=None, description="1 opportunities, 2 leads.")


class LeadChannelIn(NamedLookupIn):
    """addOrUpdateLeadChannel: ``name`` is required when adding."""


class LeadQualityIn(LookupIn):
    """addOrUpdateLeadQuality: ``label`` is required when adding."""

    label: Name | None = None
    show_on_dash: Flag = False
