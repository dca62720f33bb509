"""The live schema distributes by ``account_id`` on PostgreSQL + Citus unchanged.

Citus is not installable here, so this proves what Citus itself would check when each table is
distributed (docs/deployment.md, "Beyond one database"): every table but the global catalogs
has ``account_id``, and every primary key, unique constraint, unique index and foreign key among
them includes it, with foreign keys joining ``account_id`` to ``account_id`` (co-located
shards). The global catalogs become Citus reference tables, copied to every node; Citus allows
foreign keys from distributed tables to them, not the other way.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[2]
SHARD_KEY = "account_id"
# Looked up before the account is known, or not per account at all; why each is global:
GLOBAL_CATALOGS = {
    # Alembic's bookkeeping: one row for the whole database.
    "alembic_version",
    # The tenants themselves (unique names across accounts); one row per account.
    "accounts",
    # A request finds its account by its API key, so the key is unique across accounts.
    "api_keys",
}

# Every table of the schema with its columns, constraints and unique indexes, by name.
_TABLES = """
SELECT c.oid, c.relname
FROM pg_class c
WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p')
"""
_CONSTRAINTS = """
SELECT con.conname, con.contype, con.conrelid::regclass::text, con.confrelid::regclass::text,
       ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(n, i)
             JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n ORDER BY k.i),
       ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(n, i)
             JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n ORDER BY k.i)
FROM pg_constraint con
WHERE con.connamespace = current_schema()::regnamespace AND con.contype IN ('p', 'u', 'f')
"""
_UNIQUE_INDEXES = """
SELECT i.indexrelid::regclass::text, i.indrelid::regclass::text,
       ARRAY(SELECT a.attname::text FROM unnest(i.indkey) WITH ORDINALITY k(n, o)
             JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.n ORDER BY k.o)
FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
WHERE c.relnamespace = current_schema()::regnamespace AND i.indisunique
  -- Indexes behind a primary key or unique constraint are checked as that constraint.
  AND NOT EXISTS (SELECT FROM pg_constraint con WHERE con.conindid = i.indexrelid)
"""
_COLUMNS = """
SELECT table_name::text FROM information_schema.columns
WHERE table_schema = current_schema() AND column_name = %s
"""


def shard_key_problems(conn: psycopg.Connection) -> list[str]:
    """Everything in the live schema that would stop distributing it by ``account_id``."""
    tables = {name for _, name in conn.execute(_TABLES)}
    keyed = {name for (name,) in conn.execute(_COLUMNS, (SHARD_KEY,))}
    distributed = tables - GLOBAL_CATALOGS
    problems = [f"{t}: no {SHARD_KEY} column" for t in sorted(distributed - keyed)]
    for name, kind, table, referred, columns, referred_columns in conn.execute(_CONSTRAINTS):
        if kind in ("p", "u") and table in distributed and SHARD_KEY not in columns:
            problems.append(f"{table}: {name} {columns} leaves out {SHARD_KEY}")
        if kind != "f":
            continue
        if table in GLOBAL_CATALOGS and referred in distributed:
            problems.append(f"{table}: {name} refers from a global catalog to {referred}")
        if table in distributed and referred in distributed:
            pairs = dict(zip(columns, referred_columns, strict=True))
            if pairs.get(SHARD_KEY) != SHARD_KEY:
                problems.append(f"{table}: {name} {columns} does not join on {SHARD_KEY}")
    for name, table, columns in conn.execute(_UNIQUE_INDEXES):
        if table in distributed and SHARD_KEY not in columns:
            problems.append(f"{table}: unique index {name} {columns} leaves out {SHARD_KEY}")
    return sorted(set(problems))


@pytest.fixture
def conn(database_url: str) -> Iterator[psycopg.Connection]:
    """A connection to the migrated test database; whatever it does is rolled back."""
    libpq = make_url(database_url).set(drivername="postgresql").render_as_string(False)
    with psycopg.connect(libpq) as connection:
        yield connection
        connection.rollback()


def test_every_table_but_the_global_catalogs_is_keyed_by_account(
    conn: psycopg.Connection,
) -> None:
    tables = {name for _, name in conn.execute(_TABLES)}
    # The catalogs named global exist (a renamed one must be renamed here too), and there are
    # tenant tables to distribute.
    assert tables >= GLOBAL_CATALOGS
    assert len(tables - GLOBAL_CATALOGS) >= 10
    assert shard_key_problems(conn) == []


def test_the_check_reports_tables_and_keys_without_the_account(
    conn: psycopg.Connection,
) -> None:
    # What a careless migration could add: caught, whichever rule it breaks.
    conn.execute("CREATE TABLE audit_log (id int PRIMARY KEY, note text)")
    conn.execute("ALTER TABLE venues ADD COLUMN code text, ADD CONSTRAINT venue_code UNIQUE (code)")
    conn.execute("CREATE UNIQUE INDEX venue_code_idx ON venues (code, id)")
    assert shard_key_problems(conn) == [
        "audit_log: audit_log_pkey ['id'] leaves out account_id",
        "audit_log: no account_id column",
        "venues: unique index venue_code_idx ['code', 'id'] leaves out account_id",
        "venues: venue_code ['code'] leaves out account_id",
    ]


_CALL = re.compile(
    r"SELECT (create_reference_table|create_distributed_table)\('(\w+)'"
    r"(?:, 'account_id'(?:, colocate_with => '(\w+)')?)?\);"
)
_REFERENCES = """
SELECT DISTINCT con.conrelid::regclass::text, con.confrelid::regclass::text
FROM pg_constraint con
WHERE con.connamespace = current_schema()::regnamespace AND con.contype = 'f'
"""


def test_the_documented_citus_calls_cover_every_table_in_a_working_order(
    conn: psycopg.Connection,
) -> None:
    calls = _CALL.findall((ROOT / "docs" / "deployment.md").read_text())
    tables = {name for _, name in conn.execute(_TABLES)}
    reference = [table for kind, table, _ in calls if kind == "create_reference_table"]
    distributed = [
        (table, colocated) for kind, table, colocated in calls if kind.endswith("d_table")
    ]
    assert set(reference) == GLOBAL_CATALOGS
    assert {table for table, _ in distributed} == tables - GLOBAL_CATALOGS
    assert len(calls) == len(tables)
    # One co-location group: the first distributed table, and every other one with it.
    first = distributed[0][0]
    assert [colocated for _, colocated in distributed] == ["", *[first] * (len(distributed) - 1)]
    # A table is distributed after every table its foreign keys refer to.
    order = {table: i for i, (_, table, _) in enumerate(calls)}
    for table, referred in conn.execute(_REFERENCES):
        if table != referred:
            assert order[referred] < order[table], (table, referred)
