"""Companies and contacts: matching, checking and writing them, alone or nested.

addOrUpdateContact and addOrUpdateCompany write one party (a company with its
``primaryContact`` is two); addOrUpdateOpportunity's ``company``, ``contact``,
``referralCompany`` and ``referralContact`` are the same objects, written by the same code in
the opportunity's transaction. With ``id`` a party updates that record; without,
``updateIfExists`` updates the record with the same natural key (docs/ivvy.md D24), else a record is
created. The steps, in order: ``collect``, ``prepare`` (``lock_and_match``, then ``check``
every party), and once nothing is wrong, ``write``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic.alias_generators import to_snake

from venuecrm.features.custom_fields import check_custom_fields
from venuecrm.features.parties.external_urls import external_urls_problem, merge_external_urls
from venuecrm.features.parties.records import Records
from venuecrm.features.parties.references import References, check_reference
from venuecrm.features.parties.schemas import COMMISSION_KEYS, CompanyIn, ContactIn
from venuecrm.features.problems import Problems
from venuecrm.platform.base import Base
from venuecrm.platform.models import Company, Contact
from venuecrm.platform.rows import NOW, TABLES, Row

COMPANY, CONTACT = "company", "contact"
_CONTACT_COLUMNS = ("external_id", "first_name", "last_name", "email", "phone", "status",
                    "sms_status", "privacy_consent")  # fmt: skip
_COMPANY_COLUMNS = ("external_id", "business_name", "trading_name", "business_number", "phone",
                    "other_phone", "fax", "website", "email", "primary_account_manager_id",
                    "secondary_account_manager_id", "industry_id", "is_agent",
                    "iata_number")  # fmt: skip
# Keys that identify a record: sent as null or "" they would leave it nameless.
_KEY_FIELDS = {COMPANY: ("businessName",), CONTACT: ("firstName", "lastName", "email")}
# Ids a company or contact refers to, and what they must be.
_COMPANY_REFS = {"primary_contact_id": ("primaryContactId", "contact"),
                 "primary_account_manager_id": ("primaryAccountManagerId", "user"),
                 "secondary_account_manager_id": ("secondaryAccountManagerId", "user"),
                 "industry_id": ("industryId", "industry")}  # fmt: skip


def at(path: str, key: str) -> str:
    """The path of ``key`` inside the party at ``path``; a party sent alone has no prefix."""
    return f"{path}.{key}" if path else key


def normalise(text: str | None) -> str:
    """Trimmed, case-folded, Unicode-normalised text with inner whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFKC", text or "").casefold().split())


def key_of(*parts: str | None) -> str:
    """A natural key (docs/ivvy.md D24): the business name, or first name + last name + email."""
    return "\x1f".join(normalise(part) for part in parts)


@dataclass(eq=False)
class Party:
    """One company or contact of a request (sent alone or nested), and what it resolves to."""

    kind: str
    path: str
    data: CompanyIn | ContactIn
    primary_contact: Party | None = None
    natural_key: str | None = None
    target_id: int | None = None  # the existing record it updates
    row: Row | None = None  # that record, locked; None when it does not exist
    id: int | None = None  # the record it is, once written
    custom_values: dict[int, Any] = field(default_factory=dict)  # checked, to write

    @property
    def creates(self) -> bool:
        """Whether writing this party inserts a new record."""
        return self.target_id is None


def collect(data: CompanyIn | ContactIn | None, path: str) -> list[Party]:
    """The party for ``data`` (None when absent) and its nested primary contact."""
    if data is None:
        return []
    if isinstance(data, ContactIn):
        return [Party(CONTACT, path, data, target_id=data.id)]
    nested = collect(data.primary_contact, at(path, "primaryContact"))
    company = Party(COMPANY, path, data, nested[0] if nested else None, target_id=data.id)
    return [company, *nested]


def natural_key(party: Party) -> str | None:
    """The key ``updateIfExists`` matches on, or None when the party isn't matched by key."""
    data = party.data
    if data.id is not None or not data.update_if_exists:
        return None
    if isinstance(data, CompanyIn):
        return key_of(data.business_name) or None
    parts = (data.first_name, data.last_name, data.email)
    return key_of(*parts) if all(normalise(p) for p in parts) else None


def wanted_references(parties: Iterable[Party]) -> dict[str, set[int]]:
    """Every other record the parties name, by kind, for one references query."""
    wanted: dict[str, set[int]] = {}
    for party in parties:
        data = party.data
        if isinstance(data, CompanyIn):
            for name, (_, kind) in _COMPANY_REFS.items():
                value = getattr(data, name)
                if value is not None:
                    wanted.setdefault(kind, set()).add(value)
        else:
            wanted.setdefault(COMPANY, set()).update(data.companies or [])
    return wanted


def lock_and_match(crm: Records, parties: list[Party]) -> None:
    """Serialise requests on the same natural keys, resolve each key, lock what is updated.

    The key lock makes concurrent requests with the same new key create one record: the second
    finds the first's record once the first commits. The records to update are then locked
    companies first, each in id order, so requests sharing records always wait on each other in
    the same order and never deadlock; they are checked and written as they are under the lock.
    """
    for party in parties:
        party.natural_key = natural_key(party)
    keys: dict[str, list[str]] = {}
    ids: dict[str, list[int]] = {}
    for party in parties:
        if party.natural_key:
            keys.setdefault(party.kind, []).append(party.natural_key)
        elif party.target_id is not None:
            ids.setdefault(party.kind, []).append(party.target_id)
    matches, locked = crm.match_and_lock(keys, ids)
    for party in parties:
        if party.natural_key:
            party.target_id = matches.get((party.kind, party.natural_key))
        if party.target_id is not None:
            party.row = locked[party.kind].get(party.target_id)


def prepare(
    crm: Records,
    parties: list[Party],
    problems: Problems,
    *,
    wanted: dict[str, set[int]] | None = None,
) -> References:
    """Lock and match the parties, then add every problem with them to ``problems``.

    Returns the references loaded on the way, with the caller's own ``wanted`` ids, so a
    request reads them in one query.
    """
    lock_and_match(crm, parties)
    needed = wanted_references(parties)
    for kind, ids in (wanted or {}).items():
        needed.setdefault(kind, set()).update(ids)
    refs = crm.references(needed)
    for party in parties:
        check(party, refs, problems)
    return refs


def check(party: Party, refs: References, problems: Problems) -> None:
    """Every problem with one party, added to ``problems``."""
    data, path = party.data, party.path
    if data.id is not None and party.row is None:
        problems.add(at(path, "id"), f"no {party.kind} {data.id} in this account")
    for wire in _KEY_FIELDS[party.kind]:
        name = to_snake(wire)
        value = getattr(data, name)
        if party.creates and not value:
            problems.add(at(path, wire), "is required")
        elif data.sent(name) and not value:
            problems.add(at(path, wire), "cannot be cleared")
    if isinstance(data, CompanyIn):
        for name, (wire, kind) in _COMPANY_REFS.items():
            check_reference(
                refs, problems, kind=kind, value=getattr(data, name), path=at(path, wire)
            )
        if data.primary_contact_id is not None and data.primary_contact is not None:
            problems.add(at(path, "primaryContact"), "give primaryContactId or primaryContact")
    else:
        for index, company_id in enumerate(data.companies or []):
            where = at(path, f"companies[{index}]")
            check_reference(refs, problems, kind=COMPANY, value=company_id, path=where)
    if data.sent("external_urls"):
        current = party.row.external_urls if party.row is not None else []
        problem = external_urls_problem(merge_external_urls(current or [], data.external_urls))
        if problem:
            problems.add(at(path, "externalUrls"), problem)
    party.custom_values = check_custom_fields(
        data.custom_fields,
        entity=party.kind,
        definitions=refs.definitions,
        path=at(path, "customFields"),
        creating=party.creates,
        problems=problems,
    )


def _apply(row: Row, party: Party) -> None:
    data = party.data
    columns = _COMPANY_COLUMNS if isinstance(data, CompanyIn) else _CONTACT_COLUMNS
    for name in columns:
        if data.sent(name):
            setattr(row, name, getattr(data, name))
    if data.sent("external_urls"):
        row.external_urls = merge_external_urls(row.external_urls or [], data.external_urls)
    if isinstance(data, CompanyIn):
        if data.sent("address"):
            row.address = (
                data.address.model_dump(by_alias=True, exclude_unset=True) if data.address else None
            )
        commissions = {key: getattr(data, name) for key, name in _commission_fields(data)}
        if commissions:
            row.commissions = {**(row.commissions or {}), **commissions}
        if party.primary_contact is not None:
            row.primary_contact_id = party.primary_contact.id
        row.natural_key = key_of(row.business_name)
    else:
        row.natural_key = key_of(row.first_name, row.last_name, row.email)


def _commission_fields(data: CompanyIn) -> list[tuple[str, str]]:
    pairs = []
    for key in COMMISSION_KEYS:
        name = to_snake(key)
        if data.sent(name):
            pairs.append((key, name))
    return pairs


def _new_rows(parties: Iterable[Party], kind: str) -> dict[object, list[Party]]:
    """The records of ``kind`` the parties create: the same new natural key twice is one."""
    rows: dict[object, list[Party]] = {}
    for party in parties:
        if party.kind == kind and party.creates:
            rows.setdefault(party.natural_key or party, []).append(party)
    return rows


def new_records(parties: Iterable[Party]) -> dict[type[Base], int]:
    """How many companies and contacts writing the parties creates (ids to reserve)."""
    listed = list(parties)
    return {Contact: len(_new_rows(listed, CONTACT)), Company: len(_new_rows(listed, COMPANY))}


def write(
    crm: Records,
    parties: list[Party],
    links: Iterable[tuple[Party, Party]],
    ids: Mapping[type[Base], list[int]] | None = None,
) -> None:
    """Create, then update, then link the parties; ``links`` are (company, contact) pairs.

    ``ids`` are the new records' ids, reserved by the caller with its own (``new_records``);
    by default they are reserved here. The records updated were locked by ``lock_and_match``.
    A record a request writes gets a new modifiedDate, also when only its custom values or
    companies change.
    """
    if ids is None:
        ids = crm.new_ids(new_records(parties))
    for party in parties:
        party.id = party.target_id
    # Contacts first: a new company may name a new contact as its primary contact.
    for kind, model in ((CONTACT, Contact), (COMPANY, Company)):
        fresh = iter(ids[model])
        for group in _new_rows(parties, kind).values():
            row = Row(TABLES[model].new({}))
            _apply(row, group[0])
            row_id = next(fresh)
            crm.insert(model, {**row.values(), "id": row_id})
            for party in group:
                party.id = row_id

    for party in parties:
        if not party.creates:
            assert party.row is not None
            _apply(party.row, party)
            party.row.modified_at = NOW
    crm.flush()

    pairs: set[tuple[int, int]] = set()
    for party in parties:
        assert party.id is not None
        if party.custom_values:
            crm.set_custom_values(party.kind, party.id, party.custom_values)
        if isinstance(party.data, ContactIn):
            pairs.update((company, party.id) for company in party.data.companies or [])
        if party.primary_contact is not None and party.primary_contact.id is not None:
            pairs.add((party.id, party.primary_contact.id))
    for company, contact in links:
        assert company.id is not None
        assert contact.id is not None
        pairs.add((company.id, contact.id))
    crm.link(pairs)
