"""Each read model's field specification is the one the reply documents: no database needed.

An iVvy list's SQL labels its columns with the wire names (they are also its filterable
fields), and its reply model documents the same names; a /crm list's filters and sorts come
from one table that both the checks and the OpenAPI parameters read.
"""

from __future__ import annotations

import typing
from typing import Any

import pytest
from pydantic import BaseModel

from venuecrm.app import create_app
from venuecrm.config import Settings
from venuecrm.features.collections import Collection
from venuecrm.features.lookups import service as lookups
from venuecrm.features.lookups.queries import Lists
from venuecrm.features.notes.service import NOTES
from venuecrm.features.notes.unified_queries import NOTE_FILTERS
from venuecrm.features.opportunities.listing import OPPORTUNITIES
from venuecrm.features.opportunities.views import FILTERS, SORTS
from venuecrm.features.parties.contact_namespace import COMPANIES, CONTACTS
from venuecrm.features.parties.read_schemas import CompanyItem
from venuecrm.features.parties.schemas import COMMISSION_KEYS
from venuecrm.features.parties.unified_queries import COMPANIES as CRM_COMPANIES
from venuecrm.features.parties.unified_queries import CONTACTS as CRM_CONTACTS
from venuecrm.features.reference.service import INDUSTRIES, USERS, VENUES
from venuecrm.features.reference.unified_queries import USER_FILTERS

_NAMED = {"OPPORTUNITIES": OPPORTUNITIES, "CONTACTS": CONTACTS, "COMPANIES": COMPANIES,
          "NOTES": NOTES, "INDUSTRIES": INDUSTRIES, "USERS": USERS, "VENUES": VENUES}  # fmt: skip


def _lookup_collections() -> dict[str, Collection[Any]]:
    """The lookup lists' collections, as the action table declares them."""
    found: dict[str, Collection[Any]] = {}
    for value in vars(lookups).values():
        for item in value if isinstance(value, tuple | list) else (value,):
            collection = getattr(item, "collection", None)
            if isinstance(collection, Collection):
                found[collection.reply.__name__] = collection
    return found


COLLECTIONS = {**_NAMED, **_lookup_collections()}


def _wire_names(model: type[BaseModel]) -> set[str]:
    return {info.alias or name for name, info in model.model_fields.items()}


def _item_model(collection: Collection[Any]) -> type[BaseModel]:
    results = collection.reply.model_fields["results"].annotation
    (item,) = typing.get_args(results)
    assert isinstance(item, type)
    assert issubclass(item, BaseModel)
    return item


def _selected(collection: Collection[Any]) -> set[str]:
    """The wire names the list's SQL selects: its labelled rows and per-page details."""
    query = collection.query(Lists(None, 1))  # type: ignore[arg-type]  # SQL is only built
    names = {column.key for column in query.rows.selected_columns}
    if query.details is not None:
        names |= {column.key for column in query.details(query.rows.subquery())}
    return {name for name in names if name is not None}


def test_the_lookup_collections_are_found() -> None:
    assert len(_lookup_collections()) == 5


@pytest.mark.parametrize("name", sorted(COLLECTIONS))
def test_an_ivvy_list_selects_exactly_what_its_reply_documents(name: str) -> None:
    """What the SQL selects is documented; what it does not select is a constant (a field
    with a default, e.g. currentBookingId), or spread from a stored object (commissions)."""
    collection = COLLECTIONS[name]
    item = _item_model(collection)
    selected, documented = _selected(collection), _wire_names(item)
    spread = {"commissions": set(COMMISSION_KEYS)} if item is CompanyItem else {}
    for column, keys in spread.items():
        assert column in selected
        assert keys <= documented
        selected = (selected - {column}) | keys
    assert selected <= documented, selected - documented
    constants = [f for f, info in item.model_fields.items() if (info.alias or f) not in selected]
    assert all(not item.model_fields[f].is_required() for f in constants), constants


def test_every_crm_list_documents_the_filters_and_sorts_its_table_holds() -> None:
    settings = Settings(database_url="postgresql+psycopg://u:p@127.0.0.1:1/x")
    paths = create_app(settings).openapi()["paths"]  # builds the document; connects nowhere
    tables: dict[str, tuple[Any, Any]] = {
        "/crm/opportunities": (FILTERS, SORTS),
        "/crm/companies": (CRM_COMPANIES.filters, CRM_COMPANIES.sorts),
        "/crm/contacts": (CRM_CONTACTS.filters, CRM_CONTACTS.sorts),
        "/crm/users": (USER_FILTERS, {}),
        "/crm/notes": (NOTE_FILTERS, {}),
        "/crm/pipelines": ({}, {}),
    }
    for path, (filters, sorts) in tables.items():
        parameters = {p["name"]: p for p in paths[path]["get"]["parameters"]}
        documented = parameters.get("filter", {}).get("schema", {}).get("properties", {})
        assert list(documented) == list(filters), path
        by = parameters.get("sort", {}).get("schema", {}).get("properties", {}).get("by", {})
        assert by.get("enum", []) == list(sorts), path
