"""Cached keys and lookups are never served stale: a change made by another process takes
effect on the very next request in every server process (``platform.versioned``).

Two real ``venuecrm serve`` processes share the test database; each has served the key and the
account's lookups (so both hold them cached) before the test process changes them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest

from tests.api.fault_helpers import signed_post
from tests.api.opportunity_helpers import URI, base_body
from tests.conftest import server_env, serving
from tests.factories import Seeded
from venuecrm.features.accounts.service import revoke_key
from venuecrm.platform.models import LeadSource
from venuecrm.platform.uow import UnitOfWork


@pytest.fixture
def servers(database_url: str, tmp_path: Path) -> Iterator[list[str]]:
    """Two server processes on the test database; their base URLs."""
    with ExitStack() as stack:
        yield [
            stack.enter_context(serving(server_env(database_url), tmp_path / f"{name}.log"))
            for name in ("a", "b")
        ]


def create(base: str, seeded: Seeded, name: str) -> httpx.Response:
    """A signed create naming the seeded source."""
    return signed_post(base, seeded.tenant, URI, base_body(seeded, name=name))


def crm_list(base: str, seeded: Seeded) -> httpx.Response:
    """A /crm read with the same key."""
    tenant = seeded.tenant
    return httpx.get(
        f"{base}/crm/opportunities",
        headers={"Authorization": f"Bearer {tenant.key}:{tenant.secret}"},
        timeout=10,
    )


def test_a_deactivated_source_is_refused_on_the_next_request_in_every_process(
    servers: list[str], seeded: Seeded, uow_factory: UnitOfWork
) -> None:
    for base in servers:
        warm = create(base, seeded, "warm")
        assert warm.status_code == 200, warm.text
    with uow_factory as uow:
        source = uow.session.get(LeadSource, (seeded.tenant.account_id, seeded["sourceId"]))
        assert source is not None
        source.is_active = False
        uow.commit()
    for base in servers:
        refused = create(base, seeded, "after")
        assert refused.status_code == 400, refused.text
        assert (
            f"sourceId: source {seeded['sourceId']} is inactive"
            in (refused.json()["additionalMessages"])
        )


def test_a_revoked_key_is_refused_on_the_next_request_in_every_process(
    servers: list[str], seeded: Seeded, uow_factory: UnitOfWork
) -> None:
    for base in servers:
        assert create(base, seeded, "warm").status_code == 200
        assert crm_list(base, seeded).status_code == 200
    assert revoke_key(uow_factory, seeded.tenant.key)
    for base in servers:
        refused = create(base, seeded, "after")
        assert (refused.status_code, refused.json()["specificCode"]) == (463, 90107)
        unified = crm_list(base, seeded)
        assert (unified.status_code, unified.json()["message"]) == (401, "Key Revoked")
