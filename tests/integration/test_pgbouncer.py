"""Why ``VENUECRM_PREPARED_STATEMENTS=false`` behind PgBouncer in transaction-pooling mode.

With one server connection behind the pooler, two clients take turns on it. psycopg names its
prepared statements per client connection (``_pg3_0``, ...), so the second client's first one
clashes with the first client's on the shared server connection, unless nothing is prepared.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import ProgrammingError

from tests.pgbouncer import pgbouncer
from venuecrm.config import Settings
from venuecrm.platform.engine import make_engine

# psycopg prepares a statement on its fifth run on a connection (prepare_threshold=5).
RUNS = 6


@pytest.fixture(scope="module")
def single_server_connection(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The test database through PgBouncer (transaction mode) with one server connection."""
    with pgbouncer(database_url, tmp_path_factory.mktemp("pgbouncer-1"), pool_size=1) as url:
        yield url


def _take_turns(engine: Engine) -> list[int]:
    """Two client connections, each running its own query ``RUNS`` times, one transaction each."""
    autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")
    results = []
    with autocommit.connect() as first, autocommit.connect() as second:
        for client, value in ((first, 1), (second, 2)):
            results += [client.execute(text(f"SELECT {value}")).scalar_one() for _ in range(RUNS)]
    engine.dispose()
    return results


def test_prepared_statements_clash_through_transaction_pooling(
    settings: Settings, single_server_connection: str
) -> None:
    engine = make_engine(
        settings.model_copy(
            update={"database_url": single_server_connection, "prepared_statements": True}
        )
    )
    with pytest.raises(ProgrammingError, match='prepared statement "_pg3_0" already exists'):
        _take_turns(engine)


def test_without_prepared_statements_every_query_passes(
    settings: Settings, single_server_connection: str
) -> None:
    engine = make_engine(
        settings.model_copy(
            update={"database_url": single_server_connection, "prepared_statements": False}
        )
    )
    assert _take_turns(engine) == [1] * RUNS + [2] * RUNS


def test_server_connections_carry_the_request_timeouts(
    settings: Settings, pgbouncer_url: str
) -> None:
    # PgBouncer drops the startup options that set them directly (README "Guarantees").
    engine = make_engine(
        settings.model_copy(update={"database_url": pgbouncer_url, "prepared_statements": False})
    )
    with engine.connect() as conn:
        # pg_settings gives both in milliseconds.
        found = dict(
            conn.execute(
                text(
                    "SELECT name, setting::int FROM pg_settings"
                    " WHERE name IN ('lock_timeout', 'statement_timeout')"
                )
            ).all()
        )
    engine.dispose()
    assert found == {
        "lock_timeout": settings.lock_timeout_ms,
        "statement_timeout": settings.statement_timeout_ms,
    }
