"""Many opportunities written straight into an account as raw SQL, for runs on a full table."""

from __future__ import annotations

import contextlib
import json
import time

import psycopg

from harness.database import Database
from harness.seed import Account

# Ids grow with created_at, as real ones do; each names one of the account's contacts, every
# third one of its companies too; three custom values each, as an API create writes them.
_OPPORTUNITIES = """
WITH c AS (SELECT array_agg(id ORDER BY id) AS ids FROM contacts WHERE account_id = %(acct)s),
     co AS (SELECT array_agg(id ORDER BY id) AS ids FROM companies WHERE account_id = %(acct)s),
     added AS (
INSERT INTO opportunities (account_id, venue_id, name, description, contact_type, company_id,
                           contact_id, source_id, type_id, stage_id, external_urls,
                           created_by_key_id, modified_by_key_id, created_at, modified_at)
SELECT %(acct)s, %(venue)s, 'Preloaded opportunity #' || g, 'Enquiry ' || g || ' from the website',
       CASE WHEN g %% 3 = 0 THEN 'company' ELSE 'contact' END,
       CASE WHEN g %% 3 = 0 THEN co.ids[1 + g %% cardinality(co.ids)] END,
       c.ids[1 + g %% cardinality(c.ids)],
       %(source)s, %(type)s, %(stage)s, '[]', %(key)s, %(key)s,
       now() - interval '730 days' * (1 - g::float8 / %(n)s),
       now() - interval '730 days' * (1 - g::float8 / %(n)s)
FROM generate_series(1, %(n)s) g, c, co
ORDER BY g
RETURNING id)
SELECT min(id), max(id) FROM added
"""
_CUSTOM_VALUES = """
INSERT INTO custom_field_values (account_id, entity, record_id, field_id, value)
SELECT %(acct)s, 'opportunity', o.id, v.field_id, v.value
FROM opportunities o
CROSS JOIN (VALUES (%(text)s, '"Preloaded"'::json), (%(number)s, '42'::json),
                   (%(select)s, %(select_json)s::json)) AS v (field_id, value)
WHERE o.account_id = %(acct)s AND o.id BETWEEN %(first)s AND %(last)s
"""


def preload_opportunities(db: Database, account: Account, rows: int) -> float:
    """``rows`` opportunities (and their custom values) in ``account``; returns the seconds taken.

    The account needs at least one contact and one company (the bench's existing parties).
    """
    began = time.perf_counter()
    params: dict[str, object] = {
        "acct": account.account_id,
        "n": rows,
        "venue": account.venue_id,
        "source": account.source_id,
        "type": account.type_id,
        "stage": account.stage_id,
        "key": account.key_id,
        "text": account.text_field,
        "number": account.number_field,
        "select": account.select_field,
        "select_json": json.dumps(account.select_value),
    }
    with psycopg.connect(db.libpq(), autocommit=True) as conn:
        # The rows name only the account's own records, so the per-row foreign key checks
        # (most of the loading time) can be skipped where we may (superuser: the embedded server).
        with contextlib.suppress(psycopg.errors.InsufficientPrivilege):
            conn.execute("SET session_replication_role = replica")
        with conn.transaction():
            ids = conn.execute(_OPPORTUNITIES, params).fetchone()
            assert ids is not None
            assert ids[0] is not None, "no opportunities were preloaded"
            conn.execute(_CUSTOM_VALUES, {**params, "first": ids[0], "last": ids[1]})
        # Visibility map and statistics, as autovacuum would leave them on a settled table.
        conn.execute("VACUUM ANALYZE opportunities, custom_field_values")
    return time.perf_counter() - began
