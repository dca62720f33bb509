"""ORM tables, one module per part of the schema; every name is importable from here.

Every tenant table's keys lead with ``account_id`` (see ``base.Tenant``). Importing this package
registers every table on ``Base.metadata`` (migrations/env.py and the schema tests rely on it).
"""

from __future__ import annotations

from venuecrm.platform.base import Base
from venuecrm.platform.models.accounts import (
    Account,
    AccountSettings,
    ApiKey,
    StoredResponse,
)
from venuecrm.platform.models.crm import (
    CONTACT_TYPE_COMPANY,
    CONTACT_TYPE_CONTACT,
    Company,
    CompanyContact,
    Contact,
    CustomFieldValue,
    Opportunity,
)
from venuecrm.platform.models.lookups import (
    APPLY_TO_LEAD,
    APPLY_TO_OPPORTUNITY,
    CUSTOM_FIELD_ENTITIES,
    CustomFieldDefinition,
    Industry,
    LeadChannel,
    LeadQuality,
    LeadSource,
    LeadStage,
    LeadStageReason,
    LeadSubtype,
    LeadType,
    LostReason,
    User,
    Venue,
)
from venuecrm.platform.models.notes import (
    OpportunityNote,
)

__all__ = [
    "APPLY_TO_LEAD",
    "APPLY_TO_OPPORTUNITY",
    "CONTACT_TYPE_COMPANY",
    "CONTACT_TYPE_CONTACT",
    "CUSTOM_FIELD_ENTITIES",
    "Account",
    "AccountSettings",
    "ApiKey",
    "Base",
    "Company",
    "CompanyContact",
    "Contact",
    "CustomFieldDefinition",
    "CustomFieldValue",
    "Industry",
    "LeadChannel",
    "LeadQuality",
    "LeadSource",
    "LeadStage",
    "LeadStageReason",
    "LeadSubtype",
    "LeadType",
    "LostReason",
    "Opportunity",
    "OpportunityNote",
    "StoredResponse",
    "User",
    "Venue",
]
