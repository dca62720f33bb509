"""Throughput, latency and memory of signed getOpportunityList pages over 100,000 opportunities,
beside pgbench running the same page query.

What it measures: ``venuecrm serve`` (a real subprocess, embedded PostgreSQL in a temporary data
dir unless ``--database-url``) answering ``crm?action=getOpportunityList`` for one account that
holds ``--rows`` opportunities (default 100,000; loaded with INSERT ... SELECT generate_series,
not through the API, in a few seconds), with 20,000 contacts, 5,000 companies, 5 pipeline stages,
2 venues and 2-3 custom field values per opportunity. For each query shape (``--shape``) and
client count N, N concurrent clients ask for a 100-row page at a random ``start`` within that
shape's results for a fixed time; it prints requests/s, p50 and p99 latency, errors, and the
server's and PostgreSQL's peak RSS.

The reference: pgbench, in the same run, with the same N, runs the very statement the service
sends for that shape (compiled by venuecrm's own collection code, so it cannot drift) at random
offsets, as a prepared statement. ``ratio = service req/s / pgbench tps``. The service also
looks up the API key (one more query), and turns rows into JSON; pgbench only fetches them.

``--explain`` prints EXPLAIN (ANALYZE, BUFFERS) of each shape's page query at a middle offset;
without it, each shape's execution time is printed.

    .venv/bin/python bench/list_opportunities.py [--clients 1 --clients 16] [--seconds 10]
        [--shape stage_recent|name_begins|venue_all|contact ...] [--explain]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import psutil
import psycopg
from harness.database import Database
from harness.load import Call, LoadResult, warm_up_and_measure
from harness.monitor import Monitor, Usage
from harness.pgbench import PgbenchResult, run_pgbench
from harness.report import CpuRow, mb, print_cpu_table
from harness.seed import Account, seed
from harness.server import add_run_arguments, running_service
from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg

from venuecrm.features.collections import parse_list_params
from venuecrm.features.opportunities.list_query import opportunity_list
from venuecrm.features.opportunities.list_schemas import OpportunityListIn
from venuecrm.features.opportunities.listing import OPPORTUNITIES
from venuecrm.platform.collections import (
    LIMIT,
    START,
    Condition,
    ListQuery,
    condition_values,
    count_select,
    page_select,
)

REQUEST_STRING = "/api/1.0/crm?action=getOpportunityList"
PER_PAGE = 100
EXTRA_STAGES = ("Proposal Sent", "Negotiation", "Won")
NAME_PREFIXES = ("Wedding", "Conference", "Gala dinner", "Board meeting", "Birthday", "Seminar",
                 "Workshop", "Product launch")  # fmt: skip
CONTACTS, COMPANIES = 20_000, 5_000


# ---------------------------------------------------------------------------------------------
# The data: one account with many opportunities, written as raw SQL
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dataset:
    """What the loader made, for the shapes to name."""

    venue_id: int
    other_venue_id: int
    contact_id: int  # a contact with rows / 20,000 opportunities
    rows: int
    seconds: float


def load(db: Database, account: Account, rows: int) -> Dataset:
    """``rows`` opportunities in ``account``: ids grow with created_at, as real ones do.

    80 % in the first venue; stages spread at random over the account's five opportunity
    stages; a third are company opportunities; half have an owner; modified_at lies between
    creation and now, skewed towards creation.
    """
    began = time.perf_counter()
    acct = account.account_id
    with psycopg.connect(db.libpq(), autocommit=True) as conn:
        venues = _ids(conn, "SELECT id FROM venues WHERE account_id = %s AND is_active", acct)
        conn.execute(
            "INSERT INTO lead_stages (account_id, name, colour, apply_to, is_active) "
            "SELECT %s, n, '', 1, true FROM unnest(%s::text[]) n",
            (acct, list(EXTRA_STAGES)),
        )
        stages = _ids(
            conn, "SELECT id FROM lead_stages WHERE account_id = %s AND apply_to = 1", acct
        )
        owner = conn.execute("SELECT min(id) FROM users WHERE account_id = %s", (acct,)).fetchone()
        with conn.transaction():
            conn.execute("SELECT setseed(0.42)")
            conn.execute(_CONTACTS, {"acct": acct, "n": CONTACTS})
            conn.execute(_COMPANIES, {"acct": acct, "n": COMPANIES})
            conn.execute(
                _OPPORTUNITIES,
                {
                    "acct": acct,
                    "n": rows,
                    "venue": venues[0],
                    "other_venue": venues[1],
                    "prefixes": list(NAME_PREFIXES),
                    "stages": stages,
                    "owner": owner[0] if owner else None,
                    "source": account.source_id,
                    "type": account.type_id,
                    "key": account.key_id,
                },
            )
            conn.execute(
                _CUSTOM_VALUES,
                {"acct": acct, "text": account.text_field, "number": account.number_field,
                 "select": account.select_field, "select_json": json.dumps(account.select_value)},
            )  # fmt: skip
        # Visibility map and statistics, as autovacuum would leave them on a settled table.
        conn.execute("VACUUM ANALYZE")
        # contacts[1 + g % CONTACTS] above: the first contact has every CONTACTS-th one.
        contact = conn.execute("SELECT min(id) FROM contacts WHERE account_id = %s", (acct,))
        contact_id = contact.fetchone()[0]  # type: ignore[index]
    return Dataset(venues[0], venues[1], contact_id, rows, time.perf_counter() - began)


def _ids(conn: psycopg.Connection[Any], query: str, account_id: int) -> list[int]:
    return [int(row[0]) for row in conn.execute(f"{query} ORDER BY id", (account_id,))]


_CONTACTS = """
INSERT INTO contacts (account_id, first_name, last_name, email, external_urls, natural_key)
SELECT %(acct)s, 'Guest', 'Number ' || g, 'guest' || g || '@example.com', '[]',
       'guest' || chr(31) || 'number ' || g || chr(31) || 'guest' || g || '@example.com'
FROM generate_series(1, %(n)s) g
"""
_COMPANIES = """
INSERT INTO companies (account_id, business_name, is_agent, commissions, external_urls,
                       natural_key)
SELECT %(acct)s, 'Company ' || g, false, '{}', '[]', 'company ' || g
FROM generate_series(1, %(n)s) g
"""
_OPPORTUNITIES = """
WITH c AS (SELECT array_agg(id ORDER BY id) AS ids FROM contacts WHERE account_id = %(acct)s),
     co AS (SELECT array_agg(id ORDER BY id) AS ids FROM companies WHERE account_id = %(acct)s),
     s AS (SELECT g, random() AS r_stage, random() AS r_modified,
                  now() - interval '730 days' * (1 - g::float8 / %(n)s)
                        + interval '1 hour' * random() AS created
           FROM generate_series(1, %(n)s) g)
INSERT INTO opportunities (account_id, venue_id, name, description, contact_type, company_id,
                           contact_id, owner_user_id, source_id, type_id, stage_id,
                           external_urls, created_by_key_id, modified_by_key_id, created_at,
                           modified_at, stage_changed_at)
SELECT %(acct)s,
       CASE WHEN g %% 5 = 0 THEN %(other_venue)s ELSE %(venue)s END,
       (%(prefixes)s::text[])[1 + g %% 8] || ' #' || g,
       'Enquiry ' || g || ' from the website form',
       CASE WHEN g %% 3 = 0 THEN 'company' ELSE 'contact' END,
       CASE WHEN g %% 3 = 0 THEN co.ids[1 + g %% cardinality(co.ids)] END,
       c.ids[1 + g %% cardinality(c.ids)],
       CASE WHEN g %% 2 = 0 THEN %(owner)s::int END,
       %(source)s, %(type)s,
       (%(stages)s::int[])[1 + floor(r_stage * cardinality(%(stages)s::int[]))::int],
       '[]', %(key)s, %(key)s,
       least(created, now()),
       least(created + (now() - created) * power(r_modified, 3), now()),
       least(created + (now() - created) * power(r_modified, 3), now())
FROM s, c, co
ORDER BY g
"""
_CUSTOM_VALUES = """
INSERT INTO custom_field_values (account_id, entity, record_id, field_id, value)
SELECT o.account_id, 'opportunity', o.id, v.field_id, v.value
FROM opportunities o
CROSS JOIN (VALUES (%(text)s, '"Booked through the bench"'::json),
                   (%(number)s, '42'::json),
                   (%(select)s, %(select_json)s::json)) AS v (field_id, value)
WHERE o.account_id = %(acct)s AND (v.field_id <> %(select)s OR o.id %% 2 = 0)
"""


# ---------------------------------------------------------------------------------------------
# The query shapes, and the statement venuecrm sends for each
# ---------------------------------------------------------------------------------------------


def shape_bodies(data: Dataset) -> dict[str, dict[str, Any]]:
    """getOpportunityList requests without ``start``, by shape name."""
    recent = (datetime.now(UTC) - timedelta(days=90)).strftime("%Y-%m-%d")
    venue = {"venueIds": [data.venue_id], "perPage": PER_PAGE}
    return {
        # One stage, recently modified: a sales team's working list.
        "stage_recent": {
            **venue,
            "filter": {"stageName": "New Enquiry", "modifiedDate__GREATERTHAN": recent},
        },
        # A name search, typed by a user.
        "name_begins": {**venue, "filter": {"name__BEGINS": "wed"}},
        # Everything of a venue: a sync paging through it all.
        "venue_all": venue,
        # One contact's opportunities, in every venue: a CRM showing a person's history.
        "contact": {"perPage": PER_PAGE, "filter": {"contactId": data.contact_id}},
    }


@dataclass(frozen=True)
class Shape:
    """A request shape, how many rows it matches, and its SQL for pgbench."""

    name: str
    body: dict[str, Any]
    total: int
    sql: str  # the page statement; the offset is the pgbench variable ``start``
    variables: dict[str, object]

    @property
    def max_start(self) -> int:
        """The largest start that still gives a full page."""
        return max(self.total - PER_PAGE, 0)


def _statement(account_id: int, body: dict[str, Any]) -> tuple[ListQuery, list[Condition]]:
    """The list and the conditions the service reads for ``body`` (features.collections)."""
    query = opportunity_list(account_id)
    params = parse_list_params(body, query.fields, request=OpportunityListIn)
    conditions: list[Condition] = list(params.conditions)
    if OPPORTUNITIES.conditions is not None:
        conditions += OPPORTUNITIES.conditions(params.request)
    return query, conditions


def build_shape(db: Database, account: Account, name: str, body: dict[str, Any]) -> Shape:
    """The shape's total (from the service's count statement) and its pgbench SQL.

    The service's own page statement, compiled with named parameters, which are pgbench's
    ``:variable`` syntax, so it keeps the bind casts psycopg sends and runs as a prepared
    statement, as it does from the service; ``START`` becomes pgbench's random ``start``.
    """
    query, conditions = _statement(account.account_id, body)
    compiled = page_select(query, conditions).compile(
        dialect=PGDialect_psycopg(paramstyle="named"), compile_kwargs={"render_postcompile": True}
    )
    values = {**compiled.params, **condition_values(query, conditions), LIMIT: PER_PAGE}
    sql = compiled.string.replace(f":{START}::", ":start::")
    assert ":start::" in sql, "the offset parameter was not found in the page statement"
    variables = {k: _pgbench_value(v) for k, v in values.items() if k != START}
    count = query.compiled(count_select, conditions, PGDialect_psycopg())
    with psycopg.connect(db.libpq()) as conn:
        row = conn.execute(count.sql, {**count.params, **values}).fetchone()
    assert row is not None
    return Shape(name, body, int(row[0]), sql + ";\n", variables)


def _pgbench_value(value: Any) -> object:
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, list):  # an array parameter, in PostgreSQL's text form
        return "{" + ",".join(map(str, value)) + "}"
    return value


def explain(db: Database, account: Account, shape: Shape, *, verbose: bool) -> float:
    """EXPLAIN ANALYZE of the page at a middle start (the second run: caches are warm).

    Prints the plan when ``verbose``; returns the execution time in ms.
    """
    start = shape.max_start // 2
    query, conditions = _statement(account.account_id, shape.body)
    page = query.compiled(page_select, conditions, PGDialect_psycopg())
    values = {**page.params, **condition_values(query, conditions), START: start, LIMIT: PER_PAGE}
    sql = f"EXPLAIN (ANALYZE, BUFFERS) {page.sql}"
    with psycopg.connect(db.libpq()) as conn:
        conn.execute(sql, values)
        plan = [row[0] for row in conn.execute(sql, values)]
    if verbose:
        print(f"\n--- EXPLAIN ANALYZE {shape.name} (start={start}):")
        print("\n".join(plan))
    found = [line for line in plan if line.startswith("Execution Time:")]
    return float(found[0].split()[2]) if found else math.nan


# ---------------------------------------------------------------------------------------------
# The load
# ---------------------------------------------------------------------------------------------


def calls(shape: Shape) -> Callable[[int, int], Call]:
    """A page of the shape at a random start; each client has its own seeded generator."""
    generators: dict[int, random.Random] = {}

    def make(number: int, _sequence: int) -> Call:
        rng = generators.setdefault(number, random.Random(number))
        body = {**shape.body, "start": rng.randint(0, shape.max_start)}
        return Call(REQUEST_STRING, json.dumps(body).encode())

    return make


def is_full_page(reply: Any) -> bool:
    """A collection whose page is full (every start is at least a page from the end)."""
    if not isinstance(reply, dict) or reply.keys() != {"meta", "results"}:
        return False
    meta, results = reply["meta"], reply["results"]
    return isinstance(results, list) and meta.get("count") == len(results) > 0


# ---------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------


@dataclass
class Row:
    """Figures for one shape and client count."""

    shape: Shape
    clients: int
    load: LoadResult
    usage: Usage
    pgbench: PgbenchResult
    pgbench_usage: Usage


def print_report(
    rows: list[Row], shapes: list[Shape], data: Dataset, plans: dict[str, float], args: Any
) -> None:
    """The figures, the page query's own time, the CPU picture and the caveat."""
    print()
    print(
        f"venuecrm getOpportunityList: {data.rows} opportunities in one account (loaded in "
        f"{data.seconds:.1f} s), pages of {PER_PAGE} at random starts; {args.seconds} s per "
        f"run, workers={args.workers}, {psutil.cpu_count()} cores (logical), load average now "
        f"{', '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    print(f"{'shape':>12} {'matches':>7} {'sql_ms':>7}  request body (start random)")
    for shape in shapes:
        print(f"{shape.name:>12} {shape.total:>7} {plans[shape.name]:>7.1f}  "
              f"{json.dumps(shape.body)}")  # fmt: skip
    print("sql_ms: the page query's execution time by EXPLAIN ANALYZE at a middle start.")
    print()
    print(
        f"{'shape':>12} {'clients':>7} {'req/s':>8} {'p50ms':>7} {'p99ms':>7} {'errors':>6} "
        f"{'server_rss_MB':>13} {'pg_rss_MB':>9} {'pgbench_tps':>11} {'pgbench_ms':>10} "
        f"{'ratio':>6}"
    )
    for row in rows:
        load = row.load
        rps = load.ok / load.elapsed if load.elapsed else math.nan
        ratio = rps / row.pgbench.tps if row.pgbench.tps else math.nan
        print(
            f"{row.shape.name:>12} {row.clients:>7} {rps:>8.1f} {load.percentile(0.5):>7.1f} "
            f"{load.percentile(0.99):>7.1f} {sum(load.errors.values()):>6} "
            f"{mb(row.usage.server_rss):>13} {mb(row.usage.pg_rss):>9} "
            f"{row.pgbench.tps:>11.1f} {row.pgbench.latency_ms:>10.1f} {ratio:>6.3f}"
        )
    cpu_rows = []
    for row in rows:
        name, requests = row.shape.name, len(row.load.latencies_ms)
        cpu_rows.append(CpuRow(row.clients, f"{name} service", row.usage, requests))
        pgbench_count = row.pgbench.tps * row.pgbench_usage.wall
        cpu_rows.append(CpuRow(row.clients, f"{name} pgbench", row.pgbench_usage, pgbench_count))
    print_cpu_table(cpu_rows)
    print(
        "Caveat: shared, noisy machine (CPU steal, other jobs): absolute figures wander between "
        "runs; read the ratio to pgbench measured in the same run."
    )


def main() -> int:
    """Run the benchmark; exit 1 when any request failed."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_run_arguments(parser, default_clients="1 and 16")
    parser.set_defaults(seconds=10)
    parser.add_argument("--rows", type=int, default=100_000, help="opportunities to load")
    parser.add_argument(
        "--shape",
        action="append",
        choices=("stage_recent", "name_begins", "venue_all", "contact"),
        help="query shapes to run; repeat (default: all)",
    )
    parser.add_argument("--explain", action="store_true", help="print each shape's plan")
    args = parser.parse_args()
    client_counts: list[int] = args.clients or [1, 16]
    began = time.perf_counter()

    with running_service(database_url_arg=args.database_url, workers=args.workers) as service:
        account = seed(service.db)
        print(f"loading {args.rows} opportunities ...", flush=True)
        data = load(service.db, account, args.rows)
        bodies = shape_bodies(data)
        names = args.shape or list(bodies)
        shapes = [build_shape(service.db, account, name, bodies[name]) for name in names]
        plans = {s.name: explain(service.db, account, s, verbose=args.explain) for s in shapes}
        rows: list[Row] = []
        for shape in shapes:
            script = service.work / f"{shape.name}.sql"
            script.write_text(f"\\set start random(0, {shape.max_start})\n{shape.sql}")
            for clients in client_counts:
                print(f"--- {shape.name}", flush=True)
                load_result, usage = warm_up_and_measure(
                    service,
                    account,
                    clients=clients,
                    args=args,
                    make_call=calls(shape),
                    is_success=is_full_page,
                )
                print(f"clients={clients}: pgbench {args.seconds} s ...", flush=True)
                with Monitor(service.process_info, service.db) as pg_monitor:
                    pgbench = run_pgbench(
                        service.db,
                        [str(script)],
                        clients=clients,
                        seconds=args.seconds,
                        variables=shape.variables,
                    )
                if pgbench.failed:
                    service.failed = True
                rows.append(Row(shape, clients, load_result, usage, pgbench, pg_monitor.usage))
        print_report(rows, shapes, data, plans, args)
        print(f"whole run: {time.perf_counter() - began:.0f} s")
    if service.failed:
        print("\n!!! THE RUN HAD ERRORS: the figures above are not valid.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
