"""The schema: migrations and models agree, and tenancy is built into every key."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import ForeignKeyConstraint, UniqueConstraint, create_engine
from sqlalchemy.exc import IntegrityError

from tests.factories import new_tenant
from venuecrm.platform.models import AccountSettings, Base, LeadStage, LeadStageReason
from venuecrm.platform.uow import UnitOfWork

# Tables looked up before the account is known (the key is how a request finds its account).
CATALOG_UNIQUES = {("api_keys", ("key",)), ("accounts", ("name",))}


def test_models_and_migrations_agree(database_url: str) -> None:
    engine = create_engine(database_url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_server_default": True})
        diff = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert diff == []


def test_every_tenant_key_leads_with_the_account() -> None:
    for table in Base.metadata.sorted_tables:
        if table.name == "accounts":
            continue
        assert table.primary_key.columns.keys()[0] == "account_id", table.name
        for constraint in table.constraints:
            if isinstance(constraint, ForeignKeyConstraint):
                assert constraint.column_keys[0] == "account_id", (table.name, constraint.name)
            if isinstance(constraint, UniqueConstraint):
                columns = tuple(constraint.columns.keys())
                if (table.name, columns) not in CATALOG_UNIQUES:
                    assert columns[0] == "account_id", (table.name, columns)
        for index in table.indexes:
            if index.unique:
                assert next(iter(index.columns)).name == "account_id", (table.name, index.name)


def test_an_id_of_another_account_cannot_be_linked(uow_factory: UnitOfWork) -> None:
    mine, theirs = new_tenant(uow_factory), new_tenant(uow_factory)
    with uow_factory as uow:
        their_stage = uow.lookups(theirs.account_id).add(LeadStage, name="Theirs", apply_to=1)
        uow.commit()
    with uow_factory as uow:
        uow.session.add(
            AccountSettings(account_id=mine.account_id, default_stage_id=their_stage.id)
        )
        with pytest.raises(IntegrityError):
            uow.session.flush()
    with uow_factory as uow, pytest.raises(IntegrityError):
        uow.lookups(mine.account_id).add(LeadStageReason, stage_id=their_stage.id, reason="x")
