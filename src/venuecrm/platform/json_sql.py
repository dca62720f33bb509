"""JSON-building SQL, the one place for it: objects of wire names, arrays (``[]`` when empty),
a related row as an object, a record's custom values.

Every empty array is ``'[]'::json``, typed like ``json_agg``'s result, so a ``coalesce`` of
the two is json whichever branch it takes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, and_, func, select, text
from sqlalchemy.dialects.postgresql import aggregate_order_by

from venuecrm.platform.models import CustomFieldDefinition, CustomFieldValue

EMPTY_ARRAY = text("'[]'::json")


def json_object(fields: Mapping[str, Any]) -> ColumnElement[Any]:
    """``json_build_object`` of ``fields``: each key to its column or expression."""
    return func.json_build_object(*[x for pair in fields.items() for x in pair])


def or_empty(array: Any) -> ColumnElement[Any]:
    """A JSON array's value, ``[]`` when there was nothing to aggregate (null)."""
    return func.coalesce(array, EMPTY_ARRAY)


def json_agg(item: Any, order_by: Sequence[Any] = ()) -> ColumnElement[Any]:
    """``json_agg`` of ``item``, in ``order_by`` order when given."""
    return func.json_agg(aggregate_order_by(item, *order_by) if order_by else item)


def json_array(
    item: Any,
    where: Iterable[Any],
    *,
    order_by: Sequence[Any] = (),
    join: tuple[Any, Any, Any] | None = None,
) -> ColumnElement[Any]:
    """A scalar subquery: the rows matching ``where`` as a JSON array of ``item``; ``[]`` when
    none. ``join`` is (from, joined, on) when the rows come from two tables."""
    query = select(or_empty(json_agg(item, order_by)))
    if join is not None:
        query = query.select_from(join[0]).join(join[1], join[2])
    return query.where(*where).scalar_subquery()


def related(
    account_id: int, model: Any, key: ColumnElement[Any], fields: dict[str, Any]
) -> ColumnElement[Any]:
    """The account's ``model`` row whose id is ``key`` as a JSON object of ``fields``; or null."""
    item = json_object(fields)
    return select(item).where(model.account_id == account_id, model.id == key).scalar_subquery()


def custom_values(
    account_id: int, entity: str, record_id: ColumnElement[Any], *, value_key: str
) -> ColumnElement[Any]:
    """A record's custom values, ``[{fieldId, displayName, <value_key>}]`` in display order.

    Opportunities name the value ``fieldValue`` (docs/ivvy.md D13), contacts and companies ``value``
    (docs/ivvy.md §4.4).
    """
    v, d = CustomFieldValue, CustomFieldDefinition
    item = json_object({"fieldId": v.field_id, "displayName": d.display_name, value_key: v.value})
    return json_array(
        item,
        (v.account_id == account_id, v.entity == entity, v.record_id == record_id),
        order_by=(d.sort_order, v.field_id),
        join=(v, d, and_(d.account_id == v.account_id, d.id == v.field_id)),
    )
