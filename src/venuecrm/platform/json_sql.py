"""SQL pieces list queries share: a related row as a JSON object, a record's custom values."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, func, select, text
from sqlalchemy.dialects.postgresql import aggregate_order_by

from venuecrm.platform.models import CustomFieldDefinition, CustomFieldValue


def related(
    account_id: int, model: Any, key: ColumnElement[Any], fields: dict[str, Any]
) -> ColumnElement[Any]:
    """The account's ``model`` row whose id is ``key`` as a JSON object of ``fields``; or null."""
    item = func.json_build_object(*[x for pair in fields.items() for x in pair])
    return select(item).where(model.account_id == account_id, model.id == key).scalar_subquery()


def custom_values(
    account_id: int, entity: str, record_id: ColumnElement[Any], *, value_key: str
) -> ColumnElement[Any]:
    """A record's custom values, ``[{fieldId, displayName, <value_key>}]`` in display order.

    Opportunities name the value ``fieldValue`` (docs/ivvy.md D13), contacts and companies ``value``
    (docs/ivvy.md §4.4).
    """
    v, d = CustomFieldValue, CustomFieldDefinition
    item = func.json_build_object(
        "fieldId", v.field_id, "displayName", d.display_name, value_key, v.value
    )
    return (
        select(func.coalesce(func.json_agg(aggregate_order_by(item, d.sort_order, v.field_id)),
                             text("'[]'::json")))
        .select_from(v)
        .join(d, and_(d.account_id == v.account_id, d.id == v.field_id))
        .where(v.account_id == account_id, v.entity == entity, v.record_id == record_id)
        .scalar_subquery()
    )  # fmt: skip
