"""Writing a note against a concurrent soft delete of its opportunity."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from tests.api.opportunity_helpers import base_body
from tests.factories import Seeded
from venuecrm.config import Settings
from venuecrm.errors import LeadNotFound
from venuecrm.features.notes.schemas import OpportunityNoteIn
from venuecrm.features.notes.service import add_or_update_opportunity_note
from venuecrm.features.opportunities.schemas import OpportunityIn
from venuecrm.features.opportunities.service import add_or_update_opportunity
from venuecrm.features.parties.records import Records
from venuecrm.features.problems import Problems
from venuecrm.platform.engine import make_engine, make_session_factory
from venuecrm.platform.models import ApiKey, Opportunity, OpportunityNote
from venuecrm.platform.rows import NOW
from venuecrm.platform.uow import UnitOfWork


@pytest.fixture
def factory(settings: Settings) -> Iterator[sessionmaker[Session]]:
    """A session factory of its own, so two transactions can run side by side."""
    engine = make_engine(settings)
    yield make_session_factory(engine)
    engine.dispose()


def _waiting_on(uow: UnitOfWork, pid: int) -> int:
    """How many backends wait for a lock that backend ``pid`` holds."""
    with uow:
        query = text(
            "SELECT count(*) FROM pg_stat_activity WHERE :pid = ANY(pg_blocking_pids(pid))"
        )
        return int(uow.session.execute(query, {"pid": pid}).scalar_one())


def test_a_note_waits_for_a_concurrent_delete_and_then_finds_no_opportunity(
    factory: sessionmaker[Session], uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    account = seeded.tenant.account_id
    with uow_factory as uow:
        key = uow.session.execute(select(ApiKey.id).where(ApiKey.key == seeded["apiKey"]))
        key_id = key.scalar_one()
    lead = add_or_update_opportunity(
        UnitOfWork(factory, account_id=account),
        OpportunityIn.model_validate(base_body(seeded)),
        Problems(),
        api_key_id=key_id,
    )
    note = OpportunityNoteIn.model_validate(
        {"venueId": seeded["venueId"], "leadId": lead, "note": "n"}
    )

    with UnitOfWork(factory) as deleter, ThreadPoolExecutor(max_workers=1) as pool:
        records = Records(deleter, account)
        row = records.lock_opportunity(lead)
        assert row is not None
        row.deleted_at = NOW
        records.flush()
        pid = deleter.session.execute(text("SELECT pg_backend_pid()")).scalar_one()
        writing = pool.submit(
            add_or_update_opportunity_note,
            UnitOfWork(factory, account_id=account),
            note,
            Problems(),
            api_key_id=key_id,
        )
        deadline = time.monotonic() + 10
        while _waiting_on(uow_factory, pid) == 0 and not writing.done():
            assert time.monotonic() < deadline, "the note never waited for the delete"
            time.sleep(0.02)  # polling interval only: pg_stat_activity decides
        assert not writing.done(), "the note did not wait for the delete's lock"
        deleter.commit()
        with pytest.raises(LeadNotFound):
            writing.result(timeout=10)

    with uow_factory as uow:
        written = uow.session.execute(
            select(func.count()).where(OpportunityNote.account_id == account)
        ).scalar_one()
        deleted = uow.session.get(Opportunity, (account, lead))
        assert deleted is not None
        assert deleted.deleted_at is not None
    assert written == 0
