"""The SQL of the history actions: one record's change records, newest first, with their key."""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy import and_, select

from venuecrm.platform.collections import ListQuery
from venuecrm.platform.models import ApiKey, Change


# Built once per account and entity, as the other lists are.
@lru_cache(maxsize=1024)
def change_list(account_id: int, entity: str, record_key: str) -> ListQuery:
    """The account's change records of ``entity``; the record's id is labelled ``record_key``."""
    c, k = Change, ApiKey
    rows = (
        select(
            c.id.label("id"),
            c.record_id.label(record_key),
            c.action.label("action"),
            c.api_key_id.label("apiKeyId"),
            k.label.label("apiKeyLabel"),
            c.request_id.label("requestId"),
            c.changed_at.label("changedDate"),
            c.changes.label("changes"),
        )
        .select_from(c)
        .outerjoin(k, and_(k.account_id == c.account_id, k.id == c.api_key_id))
        .where(c.account_id == account_id, c.entity == entity)
    )
    return ListQuery(rows, newest_first=True)
