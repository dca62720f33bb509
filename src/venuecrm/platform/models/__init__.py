"""ORM tables, one module per part of the schema; every name is importable from here.

Every tenant table's keys lead with ``account_id`` (see ``base.Tenant``). Importing this package
registers every table on ``Base.metadata`` (migrations/env.py and the schema tests rely on it).
"""

from __future__ import annotations

from venuecrm.platform.base import Base
from venuecrm.platform.models import accounts, changes, crm, events, lookups, notes
from venuecrm.platform.models.accounts import *  # noqa: F403 (each module's __all__)
from venuecrm.platform.models.changes import *  # noqa: F403
from venuecrm.platform.models.crm import *  # noqa: F403
from venuecrm.platform.models.events import *  # noqa: F403
from venuecrm.platform.models.lookups import *  # noqa: F403
from venuecrm.platform.models.notes import *  # noqa: F403

__all__ = ["Base"]
__all__ += accounts.__all__
__all__ += changes.__all__
__all__ += crm.__all__
__all__ += events.__all__
__all__ += lookups.__all__
__all__ += notes.__all__

# What a process caches per account and checks against ``Account.config_version``: a change to
# any of these tables bumps it (a trigger on each, migration 0007c; tests/integration checks
# that the triggers and this list agree).
CONFIG_TABLES = (
    "api_keys",
    "account_settings",
    "subscriptions",
    *(table.__tablename__ for table in lookups.LOOKUP_TABLES),
)
__all__ += ["CONFIG_TABLES"]
