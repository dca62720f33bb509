"""Every change to an account's cached configuration bumps ``accounts.config_version``.

Processes serve API keys, lookups and custom field definitions from memory and trust them only
while this number is unchanged, so a table missing its trigger would be served stale.
"""

from __future__ import annotations

from sqlalchemy import select, text

from tests.factories import Seeded, Tenant
from venuecrm.platform.models import CONFIG_TABLES, Account, LeadSource
from venuecrm.platform.uow import UnitOfWork


def version(uow: UnitOfWork, account_id: int) -> int:
    """The account's configuration version."""
    with uow:
        return uow.session.execute(
            select(Account.config_version).where(Account.id == account_id)
        ).scalar_one()


def test_every_cached_table_and_only_those_have_the_trigger(uow_factory: UnitOfWork) -> None:
    with uow_factory as uow:
        triggered = uow.session.scalars(
            text(
                "SELECT event_object_table FROM information_schema.triggers"
                " WHERE trigger_name = 'bump_config_version' GROUP BY event_object_table"
            )
        ).all()
    assert sorted(triggered) == sorted(CONFIG_TABLES)


def test_insert_update_and_delete_bump_only_their_account(
    uow_factory: UnitOfWork, seeded: Seeded, tenant: Tenant
) -> None:
    account = seeded.tenant.account_id
    other = tenant.account_id
    before, other_before = version(uow_factory, account), version(uow_factory, other)
    with uow_factory as uow:
        source = LeadSource(account_id=account, name="Version probe")
        uow.session.add(source)
        uow.session.flush()
        source.name = "Version probe renamed"
        uow.session.flush()
        uow.session.delete(source)
        uow.commit()
    assert version(uow_factory, account) == before + 3
    assert version(uow_factory, other) == other_before
