"""The tables an account configuration file holds, described once, and the file's records.

Export, checks, plan and apply all iterate ``TABLES`` (parents before children, a referenced
table before the tables referring to it); no table has code of its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError

from venuecrm.features.account_config.fields import ConfigModel
from venuecrm.features.account_config.schemas import (
    CustomFieldRecord,
    LeadSourceRecord,
    LeadStageRecord,
    LeadTypeRecord,
    NamedRecord,
    QualityRecord,
    ReasonRecord,
    SubtypeRecord,
    UserRecord,
    VenueRecord,
)
from venuecrm.platform import models
from venuecrm.platform.base import Tenant
from venuecrm.wire.ivvy import parse_id


@dataclass(frozen=True, eq=False)
class Table:
    """One table as the file holds it.

    ``location`` is where its list is, from the top of the file or, for a child table, inside
    its parent's record. ``label`` names a row in plans and matches a record given without an
    id. ``fixed`` are columns the file does not carry (which custom fields a list holds);
    ``immutable`` columns cannot change once a row exists (values and opportunities rely on
    them).
    """

    key: str
    noun: str
    model: type[Tenant]
    record: type[ConfigModel]
    location: tuple[str, ...]
    label: str = "name"
    parent: Table | None = None
    parent_column: str = ""
    fixed: Mapping[str, Any] = field(default_factory=dict)
    refs: tuple[Ref, ...] = ()
    immutable: tuple[str, ...] = ()


@dataclass(frozen=True, eq=False)
class Ref:
    """A reference to a record of the file: ``id_field`` by id, or ``name_field`` by its label.

    It is stored in ``column``; the target must be active and, with ``require``, have
    ``column == value`` (else ``reason``).
    """

    id_field: str
    name_field: str
    column: str
    target: Table
    require: tuple[str, Any, str] | None = None


VENUES = Table("venues", "venue", models.Venue, VenueRecord, ("venues",))
USERS = Table("users", "user", models.User, UserRecord, ("users",), label="email")
LEAD_TYPES = Table("leadTypes", "lead type", models.LeadType, LeadTypeRecord, ("leadTypes",))
SUBTYPES = Table(
    "leadTypes.subtypes",
    "lead subtype",
    models.LeadSubtype,
    SubtypeRecord,
    ("subtypes",),
    parent=LEAD_TYPES,
    parent_column="type_id",
)
LEAD_STAGES = Table(
    "leadStages",
    "stage",
    models.LeadStage,
    LeadStageRecord,
    ("leadStages",),
    immutable=("apply_to",),
)
REASONS = Table(
    "leadStages.reasons",
    "stage reason",
    models.LeadStageReason,
    ReasonRecord,
    ("reasons",),
    label="reason",
    parent=LEAD_STAGES,
    parent_column="stage_id",
)
LEAD_SOURCES = Table(
    "leadSources",
    "lead source",
    models.LeadSource,
    LeadSourceRecord,
    ("leadSources",),
    refs=(Ref("default_type_id", "default_type", "default_type_id", LEAD_TYPES),),
)
TABLES: tuple[Table, ...] = (
    VENUES,
    USERS,
    LEAD_TYPES,
    SUBTYPES,
    LEAD_STAGES,
    REASONS,
    LEAD_SOURCES,
    Table("leadChannels", "lead channel", models.LeadChannel, NamedRecord, ("leadChannels",)),
    Table(
        "leadQualities",
        "lead quality",
        models.LeadQuality,
        QualityRecord,
        ("leadQualities",),
        label="label",
    ),
    Table("industries", "industry", models.Industry, NamedRecord, ("industries",)),
    Table("lostReasons", "lost reason", models.LostReason, NamedRecord, ("lostReasons",)),
    *(
        Table(
            f"customFields.{entity}",
            f"{entity} custom field",
            models.CustomFieldDefinition,
            CustomFieldRecord,
            ("customFields", entity),
            label="display_name",
            fixed={"entity": entity},
            immutable=("field_type",),
        )
        for entity in models.CUSTOM_FIELD_ENTITIES
    ),
)
# The account's defaults (AccountSettings); a missing stageId takes the default (docs/ivvy.md D16).
DEFAULTS: tuple[Ref, ...] = (
    Ref("venue_id", "venue", "default_venue_id", VENUES),
    Ref(
        "stage_id",
        "stage",
        "default_stage_id",
        LEAD_STAGES,
        require=("apply_to", models.APPLY_TO_OPPORTUNITY, "does not apply to opportunities"),
    ),
    Ref("type_id", "type", "default_type_id", LEAD_TYPES),
    Ref("source_id", "source", "default_source_id", LEAD_SOURCES),
)


def children(table: Table) -> list[Table]:
    """The tables listed inside this table's records."""
    return [child for child in TABLES if child.parent is table]


def columns(table: Table) -> tuple[str, ...]:
    """The record's attributes that are plain columns of the row (not ids, children or refs)."""
    skip = {"id"} | {c.location[0] for c in children(table)} | {r.id_field for r in table.refs}
    fields = table.record.model_fields
    return tuple(name for name, info in fields.items() if name not in skip and not info.exclude)


def read_id(value: Any) -> int | None:
    """An id as the file gives it, or None when there is none or it is not an id."""
    if value is None:
        return None
    try:
        return parse_id(value)
    except PydanticCustomError:
        return None


@dataclass(eq=False)
class Entry:
    """One record of the file, read tolerantly: checks run even when it did not validate.

    ``row`` is the account's row it is (by id, or matched by label), and after apply the
    inserted one; ``values`` its validated plain columns; ``targets`` what its refs resolved to.
    """

    table: Table
    path: str
    raw: dict[str, Any]
    parent: Entry | None = None
    row: Any = None
    values: dict[str, Any] = field(default_factory=dict)
    targets: dict[Ref, Entry | None] = field(default_factory=dict)

    @property
    def id(self) -> int | None:
        """The id the record gives, if it is a valid one."""
        return read_id(self.raw.get("id"))

    def get(self, attribute: str) -> Any:
        """The raw value of a record attribute."""
        return self.raw.get(to_camel(attribute))

    @property
    def label(self) -> str | None:
        """The record's name (its label column), when it is a string."""
        value = self.get(self.table.label)
        return value if isinstance(value, str) else None

    @property
    def active(self) -> bool:
        """Whether the record stays active (the default)."""
        return self.raw.get("isActive") is not False

    def describe(self) -> str:
        """``lead type 7``, or ``lead type 'Wedding'`` for a record without an id."""
        return f"{self.table.noun} {self.id if self.id is not None else repr(self.label)}"


def _dig(holder: Any, keys: tuple[str, ...]) -> Any:
    for key in keys:
        holder = holder.get(key) if isinstance(holder, dict) else None
    return holder


def walk(data: dict[str, Any]) -> tuple[list[Entry], set[Table]]:
    """Every record of the file in ``TABLES`` order, each parent before its children.

    Also returns the tables whose list could not be read, so references into them go unchecked
    (the structure check already reported why).
    """
    entries: list[Entry] = []
    unreadable: set[Table] = set()
    for table in TABLES:
        if table.parent is not None:
            continue
        items = _dig(data, table.location)
        if not isinstance(items, list):
            unreadable.add(table)
            continue
        for index, raw in enumerate(items):
            if not isinstance(raw, dict):
                continue
            entry = Entry(table, f"{'.'.join(table.location)}[{index}]", raw)
            entries.append(entry)
            for child in children(table):
                key = child.location[0]
                kids = raw.get(key, [])
                if not isinstance(kids, list):
                    unreadable.add(child)
                    continue
                entries.extend(
                    Entry(child, f"{entry.path}.{key}[{position}]", kid, parent=entry)
                    for position, kid in enumerate(kids)
                    if isinstance(kid, dict)
                )
    return entries, unreadable
