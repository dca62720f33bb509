"""A fresh account to load: configured like the demo ones, as the tests seed theirs."""

from __future__ import annotations

from dataclasses import dataclass

import psycopg
from tests.factories import seeded_tenant

from harness.database import Database
from harness.server import SECRET_KEYS
from venuecrm.config import Settings
from venuecrm.platform.engine import make_engine, make_session_factory
from venuecrm.platform.uow import UnitOfWork
from venuecrm.wire.ivvy import FieldType

MB = 1024 * 1024


@dataclass(frozen=True)
class Account:
    """The seeded account: ids every request names, and the key that signs."""

    account_id: int
    key_id: int
    key: str
    secret: str
    venue_id: int
    type_id: int
    source_id: int
    stage_id: int
    text_field: int
    select_field: int
    select_value: str
    number_field: int


def seed(db: Database) -> Account:
    """One fresh account configured like the demo ones (fresh: re-runs on a shared db don't mix)."""
    engine = make_engine(Settings(database_url=db.url, secret_keys=SECRET_KEYS), db.url)
    try:
        seeded = seeded_tenant(UnitOfWork(make_session_factory(engine)), prefix="bench")
    finally:
        engine.dispose()
    with psycopg.connect(db.libpq()) as conn:
        row = conn.execute(
            "SELECT id FROM api_keys WHERE key = %s", (seeded.tenant.key,)
        ).fetchone()
    assert row is not None, "seed_account returned a key that is not in api_keys"
    select_field = seeded.field_id(FieldType.SELECT)
    (select,) = [f for f in seeded["customFields"] if f["fieldId"] == select_field]
    return Account(
        account_id=seeded.tenant.account_id,
        key_id=row[0],
        key=seeded.tenant.key,
        secret=seeded.tenant.secret,
        venue_id=seeded["venueId"],
        type_id=seeded["typeId"],  # Meeting: no subtypes, so no subtypeId is needed
        source_id=seeded["sourceId"],  # Website: not a referral source
        stage_id=seeded["stageId"],
        text_field=seeded.field_id(FieldType.TEXT),
        select_field=select_field,
        select_value=next(iter(select["selectValues"])),  # a key, as iVvy clients send
        number_field=seeded.field_id(FieldType.NUMBER),
    )
