"""addOrUpdateOpportunity's rules across fields: what a checked request writes.

The rules are docs/ivvy.md §3.1 and D10-D25. ``Plan`` checks one parsed request against the
stored opportunity (on update) and the rows it names, adding every broken rule to the request's
``Problems``; ``features.opportunities.service`` writes the plan only when there are none.
"""

from __future__ import annotations

from typing import Any

from venuecrm.features.custom_fields import check_custom_fields
from venuecrm.features.opportunities.schemas import OpportunityIn
from venuecrm.features.parties.external_urls import external_urls_problem, merge_external_urls
from venuecrm.features.parties.references import References, check_reference
from venuecrm.features.parties.service import COMPANY, CONTACT, Party
from venuecrm.features.problems import Problems
from venuecrm.platform.models import (
    APPLY_TO_OPPORTUNITY,
    CONTACT_TYPE_COMPANY,
    CONTACT_TYPE_CONTACT,
)
from venuecrm.platform.rows import Row

OPPORTUNITY = "opportunity"
# Every id field of an opportunity: its wire name and the kind of record it names.
REFERENCES = {
    "venue_id": ("venueId", "venue"),
    "quality_id": ("qualityId", "quality"),
    "industry_id": ("industryId", "industry"),
    "source_id": ("sourceId", "source"),
    "owner_user_id": ("ownerUserId", "user"),
    "type_id": ("typeId", "type"),
    "subtype_id": ("subtypeId", "subtype"),
    "stage_id": ("stageId", "stage"),
    "stage_reason_id": ("stageReasonId", "stage_reason"),
    "channel_id": ("channelId", "channel"),
    "lost_to_competition": ("lostToCompetition", "lost_reason"),
    "company_id": ("companyId", COMPANY),
    "company_lead_contact_id": ("companyLeadContactId", CONTACT),
    "contact_id": ("contactId", CONTACT),
    "referral_contact_id": ("referralContactId", CONTACT),
    "referral_company_id": ("referralCompanyId", COMPANY),
}
# Columns copied as sent; utm* but utmContent are documented "only when adding" (docs/ivvy.md D12).
_COLUMNS = ("name", "description", "quality_id", "industry_id", "source_id", "owner_user_id",
            "channel_id", "utm_content", "confirmed_quote_id", "confirmed_quote_status",
            "cancelled_quote_id", "closed_date")  # fmt: skip
_ADD_ONLY = ("utm_source", "utm_medium", "utm_campaign", "utm_term")
_REQUIRED_ON_ADD = {"venue_id": "venueId", "name": "name", "type_id": "typeId",
                    "source_id": "sourceId"}  # fmt: skip
_NOT_CLEARABLE = {"name": "name", "type_id": "typeId", "source_id": "sourceId",
                  "stage_id": "stageId"}  # fmt: skip


def wanted_ids(model: OpportunityIn, existing: Row | None) -> dict[str, set[int]]:
    """Every id the rules look at: the request's, and on update the stored ones they meet."""
    wanted: dict[str, set[int]] = {}
    for name, (_, kind) in REFERENCES.items():
        value = getattr(model, name)
        if value is not None:
            wanted.setdefault(kind, set()).add(value)
    if existing is not None:
        for name, kind in (("type_id", "type"), ("source_id", "source"), ("stage_id", "stage")):
            wanted.setdefault(kind, set()).add(getattr(existing, name))
        if existing.company_id is not None:
            wanted.setdefault(COMPANY, set()).add(existing.company_id)
    return wanted


class Plan:
    """The checked result of a request: the columns to write, links and custom values."""

    def __init__(
        self,
        model: OpportunityIn,
        existing: Row | None,
        refs: References,
        parties: list[Party],
        problems: Problems,
    ) -> None:
        self.model, self.existing, self.refs, self.problems = model, existing, refs, problems
        self.creating = existing is None
        self.invalid_paths = problems.invalid_paths
        self.values: dict[str, Any] = {}
        self.links: list[tuple[Party, Party]] = []
        self.party = {p.path: p for p in parties}
        self.stage_changed = False
        self._required()
        for name, (wire, kind) in REFERENCES.items():
            check_reference(refs, problems, kind=kind, value=getattr(model, name), path=wire)
        self._copy_columns()
        self._type_and_subtype()
        self._stage_and_reason()
        self._contact_type()
        self._referral()
        self._external_urls()
        self.custom_values = check_custom_fields(
            model.custom_fields,
            entity=OPPORTUNITY,
            definitions=refs.definitions,
            path="customFields",
            creating=self.creating,
            problems=problems,
        )

    def _now(self, name: str) -> Any:
        """The field's value after this request: as sent, else as stored."""
        if self.model.sent(name) or self.existing is None:
            return getattr(self.model, name)
        return getattr(self.existing, name)

    def _required(self) -> None:
        model = self.model
        if model.venue_id is None:
            self.problems.add("venueId", "is required")
        if self.creating:
            for name, wire in _REQUIRED_ON_ADD.items():
                if name != "venue_id" and not getattr(model, name):
                    self.problems.add(wire, "is required")
        else:
            for name, wire in _NOT_CLEARABLE.items():
                if model.sent(name) and not getattr(model, name):
                    self.problems.add(wire, "cannot be cleared")

    def _copy_columns(self) -> None:
        model = self.model
        names = _COLUMNS + (_ADD_ONLY if self.creating else ())
        self.values.update({n: getattr(model, n) for n in names if model.sent(n)})
        if self.creating:
            self.values["venue_id"] = model.venue_id
        if model.sent("lost_to_competition"):
            self.values["lost_reason_id"] = model.lost_to_competition

    def _type_and_subtype(self) -> None:
        model, refs = self.model, self.refs
        type_id = self._now("type_id")
        type_row = refs.get("type", type_id) if type_id else None
        if type_row is None:
            return
        subtype_id = model.subtype_id
        if not model.sent("subtype_id") and self.existing is not None:
            unchanged = type_id == self.existing.type_id
            subtype_id = self.existing.subtype_id if unchanged else None
        if type_row["has_subtypes"]:
            subtype = refs.get("subtype", subtype_id) if subtype_id else None
            if subtype_id is None:
                self.problems.add("subtypeId", f"is required: type {type_id} has subtypes")
            elif subtype is not None and subtype["type_id"] != type_id:
                self.problems.add("subtypeId", f"is not a subtype of type {type_id}")
        elif model.subtype_id is not None:
            self.problems.add("subtypeId", f"type {type_id} has no subtypes")
            subtype_id = None
        else:
            subtype_id = None
        self.values["type_id"] = type_id
        self.values["subtype_id"] = subtype_id

    def _stage_and_reason(self) -> None:
        model, refs, existing = self.model, self.refs, self.existing
        stage_id = model.stage_id or (existing.stage_id if existing else refs.default_stage_id)
        if stage_id is None:
            if not model.sent("stage_id"):
                self.problems.add("stageId", "is required: the account has no default stage")
            return
        stage = refs.get("stage", stage_id)
        if stage is not None and stage["apply_to"] != APPLY_TO_OPPORTUNITY:
            self.problems.add("stageId", f"stage {stage_id} does not apply to opportunities")
        self.values["stage_id"] = stage_id
        self.stage_changed = existing is None or existing.stage_id != stage_id
        if model.stage_reason_id is not None:
            reason = refs.get("stage_reason", model.stage_reason_id)
            if reason is not None and reason["stage_id"] != stage_id:
                self.problems.add(
                    "stageReasonId",
                    f"reason {model.stage_reason_id} is not a reason of stage {stage_id}",
                )
            self.values["stage_reason_id"] = model.stage_reason_id
        elif model.sent("stage_reason_id") or (existing is not None and self.stage_changed):
            # A reason of the old stage means nothing in the new one: it is cleared.
            self.values["stage_reason_id"] = None

    def _not_both(self, name: str) -> None:
        """A party is named by its id (``name``_id) or sent as an object (``name``), not both."""
        fields = OpportunityIn.model_fields
        id_wire, object_wire = fields[f"{name}_id"].alias, fields[name].alias
        if getattr(self.model, f"{name}_id") is not None and getattr(self.model, name):
            self.problems.add(object_wire or name, f"give {id_wire} or {object_wire}, not both")

    def _contact_type(self) -> None:
        """docs/ivvy.md §3.1: companyId or company makes it a company opportunity."""
        model, existing = self.model, self.existing
        self._not_both("company")
        self._not_both("contact")
        company, contact = self.party.get("company"), self.party.get("contact")
        company_named = model.company_id is not None or company is not None
        contact_named = model.contact_id is not None or contact is not None
        lead_id = model.company_lead_contact_id
        if company_named:
            company_id = model.company_id if company is None else company.target_id
            self._check_lead_contact(company_id)
            self.values.update(
                contact_type=CONTACT_TYPE_COMPANY, company_id=model.company_id, contact_id=lead_id
            )
            if company is not None and contact is not None:
                self.links.append((company, contact))
        elif existing is not None and existing.contact_type == CONTACT_TYPE_COMPANY:
            if not contact_named:
                # Still a company opportunity: only its lead contact may change.
                self._check_lead_contact(existing.company_id)
                if model.sent("company_lead_contact_id"):
                    self.values["contact_id"] = lead_id
                return
            self._contact_opportunity(contact_named, lead_id)
        else:
            self._contact_opportunity(contact_named, lead_id)

    def _check_lead_contact(self, company_id: int | None) -> None:
        """In a company opportunity the lead contact must be a contact of that company."""
        if self.model.contact_id is not None:
            self.problems.add(
                "contactId",
                "a company opportunity takes its contact from companyLeadContactId or contact",
            )
        lead_id = self.model.company_lead_contact_id
        row = self.refs.get(CONTACT, lead_id) if lead_id is not None else None
        if row is not None and (company_id is None or company_id not in row["company_ids"]):
            company = f"company {company_id}" if company_id else "the new company"
            self.problems.add(
                "companyLeadContactId", f"contact {lead_id} is not a contact of {company}"
            )

    def _contact_opportunity(self, contact_named: bool, lead_id: int | None) -> None:
        if lead_id is not None:
            self.problems.add("companyLeadContactId", "needs companyId or company")
        if contact_named or self.creating:
            # A new opportunity may name no party at all (the document marks contact and
            # company optional): it is then a contact opportunity without a contact, and a
            # later update may give it one (README, "addOrUpdateOpportunity").
            self.values.update(
                contact_type=CONTACT_TYPE_CONTACT, company_id=None, contact_id=self.model.contact_id
            )

    def _referral(self) -> None:
        model, existing = self.model, self.existing
        self._not_both("referral_contact")
        self._not_both("referral_company")
        if model.sent("referral_contact_id") or model.referral_contact is not None:
            self.values["referral_contact_id"] = model.referral_contact_id
        if model.sent("referral_company_id") or model.referral_company is not None:
            self.values["referral_company_id"] = model.referral_company_id
        source_id = self._now("source_id")
        source = self.refs.get("source", source_id) if source_id else None
        if source is None or not source["is_referral"]:
            return
        named = any(
            v is not None
            for v in (
                model.referral_contact_id,
                model.referral_contact,
                model.referral_company_id,
                model.referral_company,
            )
        )
        kept = existing is not None and any(
            self.values.get(name, getattr(existing, name)) is not None
            for name in ("referral_contact_id", "referral_company_id")
        )
        sent_invalid = any(path.startswith("referral") for path in self.invalid_paths)
        if not named and not kept and not sent_invalid:
            self.problems.add(
                "sourceId",
                f"source {source_id} is a referral source: give referralContactId, "
                "referralContact, referralCompanyId or referralCompany",
            )

    def _external_urls(self) -> None:
        if not self.model.sent("external_urls"):
            return
        current = self.existing.external_urls if self.existing is not None else []
        urls = merge_external_urls(current or [], self.model.external_urls)
        problem = external_urls_problem(urls)
        if problem:
            self.problems.add("externalUrls", problem)
        self.values["external_urls"] = urls
