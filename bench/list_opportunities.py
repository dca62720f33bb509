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
import asyncio
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
from urllib.parse import urlencode

import httpx
import psutil
import psycopg
from harness.database import Database
from harness.load import Call, LoadResult, describe_failure, warm_up_and_measure
from harness.monitor import Monitor, Usage
from harness.pgbench import PgbenchResult, run_pgbench
from harness.report import CpuRow, mb, print_cpu_table
from harness.seed import Account, seed
from harness.server import Service, add_run_arguments, running_service
from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg
from sqlalchemy.orm import Session

from venuecrm.features.collections import parse_list_params
from venuecrm.features.opportunities.list_query import opportunity_list
from venuecrm.features.opportunities.list_schemas import OpportunityListIn
from venuecrm.features.opportunities.listing import OPPORTUNITIES
from venuecrm.features.opportunities.unified import read_query
from venuecrm.features.opportunities.views import OpportunityViews, parameters
from venuecrm.features.unified_lists import encode_cursor
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
IVVY_SHAPES = ("stage_recent", "name_begins", "venue_all", "contact")
CRM_SHAPES = ("crm_since", "crm_owner")
CRM_PATH = "/crm/opportunities"


# ---------------------------------------------------------------------------------------------
# The data: one account with many opportunities, written as raw SQL
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dataset:
    """What the loader made, for the shapes to name."""

    venue_id: int
    other_venue_id: int
    contact_id: int  # a contact with rows / 20,000 opportunities
    owner_id: int  # the user who owns every other opportunity
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
    assert owner is not None, "the seeded account has no user"
    assert owner[0] is not None, "the seeded account has no user"
    return Dataset(venues[0], venues[1], contact_id, owner[0], rows, time.perf_counter() - began)


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


def crm_shapes(data: Dataset) -> dict[str, tuple[dict[str, Any], str, object]]:
    """GET /crm/opportunities query strings without ``cursor``, by shape name, each with the
    SQL condition it stands for and its value (to find where full pages end)."""
    recent = (datetime.now(UTC) - timedelta(days=90)).strftime("%Y-%m-%dT00:00:00Z")
    limit = str(PER_PAGE)
    return {
        # What changed lately: an integrator's incremental sync.
        "crm_since": (
            {"filter[updated_since]": recent, "limit": limit},
            "modified_at >= %s",
            datetime.fromisoformat(recent),
        ),
        # One owner's opportunities: half the account.
        "crm_owner": (
            {"filter[owner_id]": str(data.owner_id), "limit": limit},
            "owner_user_id = %s",
            data.owner_id,
        ),
    }


def build_crm_shape(
    db: Database, account: Account, name: str, spec: tuple[dict[str, Any], str, object]
) -> Shape:
    """A /crm shape: its total, the last id a full page can follow, and its pgbench SQL (the
    service's own page statement, the cursor's id as ``start``)."""
    params, condition, value = spec
    query = read_query(list(params.items()))
    query.after = (0,)  # any position: it shapes the statement
    statement = OpportunityViews(Session(), account.account_id).page_select(query)
    compiled = statement.compile(
        dialect=PGDialect_psycopg(paramstyle="named"), compile_kwargs={"render_postcompile": True}
    )
    sql = compiled.string.replace(":after_0::", ":start::")
    assert ":start::" in sql, "the cursor's id was not found in the page statement"
    values = {**compiled.params, **parameters(query)}
    variables = {k: _pgbench_value(v) for k, v in values.items() if k != "after_0"}
    matches = f"FROM opportunities WHERE account_id = %s AND deleted_at IS NULL AND {condition}"
    with psycopg.connect(db.libpq()) as conn:
        total = conn.execute(f"SELECT count(*) {matches}", (account.account_id, value))
        last = conn.execute(
            f"SELECT id {matches} ORDER BY id DESC OFFSET %s LIMIT 1",
            (account.account_id, value, PER_PAGE),
        )
        (count,), found = total.fetchone() or (0,), last.fetchone()
    return Shape(name, params, int(count), sql + ";\n", variables, found[0] if found else 0)


@dataclass(frozen=True)
class Shape:
    """A request shape, how many rows it matches, and its SQL for pgbench.

    An iVvy shape's ``body`` is the request body and ``start`` an offset; a /crm shape's
    ``body`` is the query string and ``start`` the id its cursor continues after.
    """

    name: str
    body: dict[str, Any]
    total: int
    sql: str  # the page statement; the offset (or id) is the pgbench variable ``start``
    variables: dict[str, object]
    max_start: int  # the largest start that still gives a full page

    @property
    def crm(self) -> bool:
        """A /crm shape."""
        return self.name.startswith("crm_")


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
    total = int(row[0])
    return Shape(name, body, total, sql + ";\n", variables, max(total - PER_PAGE, 0))


def _compiled(statement: Any) -> Any:
    """``statement`` as psycopg receives it from the service (``%(name)s`` parameters)."""
    return statement.compile(
        dialect=PGDialect_psycopg(), compile_kwargs={"render_postcompile": True}
    )


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
    if shape.crm:
        return _explain_crm(db, account, shape, verbose=verbose)
    start = shape.max_start // 2
    query, conditions = _statement(account.account_id, shape.body)
    page = query.compiled(page_select, conditions, PGDialect_psycopg())
    values = {**page.params, **condition_values(query, conditions), START: start, LIMIT: PER_PAGE}
    sql = f"EXPLAIN (ANALYZE, BUFFERS) {page.sql}"
    with psycopg.connect(db.libpq()) as conn:
        conn.execute(sql, values)
        plan = [row[0] for row in conn.execute(sql, values)]
    return _print_plan(shape, start, plan, verbose=verbose)


def _explain_crm(db: Database, account: Account, shape: Shape, *, verbose: bool) -> float:
    """EXPLAIN ANALYZE of a /crm page after the middle of its range of ids."""
    start = shape.max_start // 2
    query = read_query(list(shape.body.items()))
    query.after = (start,)
    views = OpportunityViews(Session(), account.account_id)
    compiled = _compiled(views.page_select(query))
    values = {**compiled.params, **parameters(query)}
    sql = f"EXPLAIN (ANALYZE, BUFFERS) {compiled.string}"
    with psycopg.connect(db.libpq()) as conn:
        conn.execute(sql, values)
        plan = [row[0] for row in conn.execute(sql, values)]
    return _print_plan(shape, start, plan, verbose=verbose)


def _print_plan(shape: Shape, start: int, plan: list[str], *, verbose: bool) -> float:
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


def crm_paths(shape: Shape) -> Callable[[int, int], str]:
    """A page of the /crm shape after a random id, by the cursor the service itself writes."""
    generators: dict[int, random.Random] = {}

    def make(number: int, _sequence: int) -> str:
        rng = generators.setdefault(number, random.Random(number))
        cursor = encode_cursor(
            {"sort": None, "desc": False, "after": [rng.randint(0, shape.max_start)]}
        )
        return f"{CRM_PATH}?{urlencode({**shape.body, 'cursor': cursor})}"

    return make


def is_full_crm_page(reply: Any) -> bool:
    """A /crm list whose page is full."""
    if not isinstance(reply, dict) or not isinstance(reply.get("data"), list):
        return False
    return len(reply["data"]) == PER_PAGE == reply.get("meta", {}).get("items_on_page")


def run_crm_load(
    service: Service, account: Account, *, clients: int, seconds: float, shape: Shape
) -> LoadResult:
    """``clients`` concurrent GET /crm/opportunities senders for ``seconds`` (Bearer key pair),
    as harness.load's run_load sends signed iVvy calls."""
    result, make_path = LoadResult(), crm_paths(shape)
    headers = {"Authorization": f"Bearer {account.key}:{account.secret}"}

    async def client(number: int, deadline: float) -> None:
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        async with httpx.AsyncClient(base_url=service.base, limits=limits, timeout=60) as http:
            sequence = 0
            while time.monotonic() < deadline:
                sequence += 1
                path = make_path(number, sequence)
                started = time.perf_counter()
                try:
                    response = await http.get(path, headers=headers)
                except httpx.HTTPError as exc:
                    response, failure = None, f"{type(exc).__name__}: {exc}"
                result.latencies_ms.append((time.perf_counter() - started) * 1000)
                if response is not None:
                    failure = describe_failure(response, is_full_crm_page)
                if failure is None:
                    result.ok += 1
                else:
                    result.errors[failure] += 1

    async def main() -> None:
        deadline = time.monotonic() + seconds
        await asyncio.gather(*[client(n, deadline) for n in range(clients)])

    started = time.perf_counter()
    asyncio.run(main())
    result.elapsed = time.perf_counter() - started
    return result


def measure_crm(
    service: Service, account: Account, *, clients: int, args: Any, shape: Shape
) -> tuple[LoadResult, Usage]:
    """harness.load's warm_up_and_measure for a /crm shape: untimed warm-up, timed window."""
    print(f"clients={clients}: warm-up {args.warmup:g} s ...", flush=True)
    run_crm_load(service, account, clients=clients, seconds=args.warmup, shape=shape)
    print(f"clients={clients}: service {args.seconds} s ...", flush=True)
    with Monitor(service.process_info, service.db) as monitor:
        load = run_crm_load(service, account, clients=clients, seconds=args.seconds, shape=shape)
    if load.errors:
        service.failed = True
        print(f"!!! {sum(load.errors.values())} FAILED REQUESTS with {clients} clients:")
        for message, count in load.errors.most_common(10):
            print(f"!!!   {count} x {message}", flush=True)
    return load, monitor.usage


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
        choices=(*IVVY_SHAPES, *CRM_SHAPES),
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
        bodies, crm = shape_bodies(data), crm_shapes(data)
        shapes = [
            build_crm_shape(service.db, account, name, crm[name])
            if name in crm
            else build_shape(service.db, account, name, bodies[name])
            for name in args.shape or [*IVVY_SHAPES, *CRM_SHAPES]
        ]
        plans = {s.name: explain(service.db, account, s, verbose=args.explain) for s in shapes}
        rows: list[Row] = []
        for shape in shapes:
            script = service.work / f"{shape.name}.sql"
            script.write_text(f"\\set start random(0, {shape.max_start})\n{shape.sql}")
            for clients in client_counts:
                print(f"--- {shape.name}", flush=True)
                if shape.crm:
                    load_result, usage = measure_crm(
                        service, account, clients=clients, args=args, shape=shape
                    )
                else:
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
