"""Throughput, latency, CPU and memory of signed nested creates under wrk, beside a pgbench ceiling.

What it measures: ``venuecrm serve --workers W`` (a real subprocess, embedded PostgreSQL in a
temporary data dir unless ``--database-url``) receiving ``addOrUpdateOpportunity`` calls that
each name a company, a contact and an opportunity with three custom fields, signed as the JS SDK
signs them. Half the calls name one of 1,000 companies/contacts created beforehand through the
API, half new ones. The calls are signed before each run with one IVVY-Date and replayed by wrk
(harness/replay.lua) over N keep-alive connections, so the load generator costs a few
microseconds of CPU per request and is never the bottleneck.

The reference: pgbench, right after each run against the same database with the same N, doing
the same writes as raw SQL in one transaction: match-or-insert the company and the contact by
natural key, link them, insert the opportunity and its three custom values (half of the
transactions naming the existing parties). ``ratio = service req/s / pgbench tps``; compare
ratios between runs, not raw figures: the machine is shared and noisy, and both move with it.

``--rows 1000000`` then loads that many opportunities into the account and measures every client
count again, so the cost of a full table shows as a change in req/s and p99 within one run.

stdout: one ``nested_create key=value ...`` line per measurement (and one ``rows_compare`` line
per client count with ``--rows``); stderr: progress and a table. Exit 1 if any reply was not
``{"success":true,"id":N}`` or the rows written do not match the replies.

    .venv/bin/python bench/nested_create.py --workers 1,2 --clients 1,16 --seconds 20 [--rows N]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys
import time
import uuid
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import psycopg
from harness.load import Call
from harness.monitor import Monitor, Usage
from harness.pgbench import PgbenchResult, run_pgbench
from harness.preload import preload_opportunities
from harness.seed import Account, seed
from harness.server import Service, add_run_arguments, running_service
from harness.wrk import STALENESS_SECONDS, WrkResult, run_wrk, write_requests

from venuecrm.edges.ivvy.signing import sign_headers

REQUEST_STRING = "/api/1.0/venue?action=addOrUpdateOpportunity"
SUCCESS = '{"success":true,"id":'  # every reply must start so (and be a 2xx)
EXISTING = 1000  # companies/contacts created before the runs; half the calls name one
# Distinct signed calls per run: this many times what the warm-up's rate would send. Few enough
# that wrk's loading them (part of its CPU in the window) stays small beside the requests.
HEADROOM = 3
MB = 1024 * 1024
Parties = tuple[dict[str, Any], dict[str, Any]]  # a company and a contact


# ---------------------------------------------------------------------------------------------
# The workload
# ---------------------------------------------------------------------------------------------


def existing_party(i: int) -> Parties:
    """Company and contact number ``i`` of those created before the runs."""
    company = {"businessName": f"Bench Existing Co {i:04d} Pty Ltd", "updateIfExists": True}
    contact = {
        "firstName": "Existing",
        "lastName": f"Person {i:04d}",
        "email": f"existing.{i:04d}@bench.example",
        "updateIfExists": True,
    }
    return company, contact


def new_party(tag: str) -> Parties:
    """A company and contact no earlier call named (``tag`` is unique)."""
    company = {"businessName": f"Bench Co {tag} Pty Ltd", "updateIfExists": True}
    contact = {
        "firstName": "New",
        "lastName": f"Person {tag}",
        "email": f"new.{tag}@bench.example",
        "updateIfExists": True,
    }
    return company, contact


def create_call(account: Account, name: str, parties: Parties, seed: int) -> Call:
    """One nested create naming ``parties`` (company, contact), with three custom values."""
    company, contact = parties
    delegates = 10 + seed % 391
    body = {
        "venueId": account.venue_id,
        "name": name,
        "description": f"Two-day conference for about {delegates} delegates, plenary room "
        "plus four breakout rooms.",
        "typeId": account.type_id,  # Meeting: no subtypes, so no subtypeId is needed
        "sourceId": account.source_id,
        "stageId": account.stage_id,
        "company": company,
        "contact": contact,
        "customFields": [
            {"fieldId": account.text_field, "fieldValue": "Vegetarian x3, gluten free x1"},
            {"fieldId": account.select_field, "fieldValue": account.select_value},
            {"fieldId": account.number_field, "fieldValue": delegates},
        ],
    }
    return Call(REQUEST_STRING, json.dumps(body, separators=(",", ":")).encode())


def existing_calls(account: Account, indexes: Iterable[int]) -> Iterator[Call]:
    """Creates that bring the existing companies/contacts ``indexes`` into being."""
    for i in indexes:
        yield create_call(account, f"Bench warm-up {i}", existing_party(i), i)


def mixed_calls(account: Account, count: int) -> Iterator[Call]:
    """``count`` creates, each naming existing parties or new ones at random, half and half."""
    tag = uuid.uuid4().hex[:10]
    rng = random.Random(tag)
    for j in range(count):
        if rng.random() < 0.5:
            parties = existing_party(rng.randrange(EXISTING))
        else:
            parties = new_party(f"{tag}-{j}")
        yield create_call(account, f"Bench opportunity {tag}-{j}", parties, j)


# ---------------------------------------------------------------------------------------------
# The ceiling: the same writes as raw SQL (two scripts, new and existing parties, weighted 1:1)
# ---------------------------------------------------------------------------------------------

# A party is matched by its natural key (docs/ivvy.md D24: normalised name, or first name + last
# name + email joined by chr(31)); lower() is that normalisation for these ASCII names. Columns
# without a server default get what the ORM's defaults give them. Variables stay outside
# string literals, where pgbench would not replace them.
CEILING_SCRIPT = r"""
\set r random(1, 2000000000)
\set i random(0, {last_existing})
BEGIN;
WITH found AS (SELECT id FROM companies
               WHERE account_id = :acct AND natural_key = lower({company}) LIMIT 1),
     added AS (INSERT INTO companies (account_id, business_name, is_agent, commissions,
                                      external_urls, natural_key)
               SELECT :acct, {company}, false, '{{}}', '[]', lower({company})
               WHERE NOT EXISTS (SELECT FROM found) RETURNING id)
SELECT id AS company_id FROM found UNION ALL SELECT id FROM added \gset
WITH found AS (SELECT id FROM contacts
               WHERE account_id = :acct
                 AND natural_key = lower({first} || chr(31) || {last} || chr(31) || {email})
               LIMIT 1),
     added AS (INSERT INTO contacts (account_id, first_name, last_name, email, external_urls,
                                     natural_key)
               SELECT :acct, {first}, {last}, {email}, '[]',
                      lower({first} || chr(31) || {last} || chr(31) || {email})
               WHERE NOT EXISTS (SELECT FROM found) RETURNING id)
SELECT id AS contact_id FROM found UNION ALL SELECT id FROM added \gset
INSERT INTO company_contacts (account_id, company_id, contact_id)
VALUES (:acct, :company_id, :contact_id) ON CONFLICT DO NOTHING;
INSERT INTO opportunities (account_id, venue_id, name, description, contact_type, company_id,
                           contact_id, source_id, type_id, stage_id, external_urls,
                           created_by_key_id, modified_by_key_id)
VALUES (:acct, :venue, 'PgBench opportunity ' || :client_id || '-' || :r,
        'Two-day conference for about 42 delegates, plenary room plus four breakout rooms.',
        'company', :company_id, :contact_id, :source, :type, :stage, '[]', :key_id, :key_id)
RETURNING id AS opportunity_id \gset
INSERT INTO custom_field_values (account_id, entity, record_id, field_id, value)
VALUES (:acct, 'opportunity', :opportunity_id, :text_field, '"Vegetarian x3, gluten free x1"'),
       (:acct, 'opportunity', :opportunity_id, :select_field, :select_json),
       (:acct, 'opportunity', :opportunity_id, :number_field, '42');
COMMIT;
"""
NEW_PARTIES = {
    "company": "'PgBench Co ' || :client_id || '-' || :r || ' Pty Ltd'",
    "first": "'New'",
    "last": "'Person pgbench-' || :client_id || '-' || :r",
    "email": "'new.pgbench-' || :client_id || '-' || :r || '@bench.example'",
}
EXISTING_PARTIES = {  # existing_party(i), spelt in SQL
    "company": "'Bench Existing Co ' || lpad(:i::text, 4, '0') || ' Pty Ltd'",
    "first": "'Existing'",
    "last": "'Person ' || lpad(:i::text, 4, '0')",
    "email": "'existing.' || lpad(:i::text, 4, '0') || '@bench.example'",
}


def ceiling_scripts(work: Path) -> list[str]:
    """The two pgbench scripts, weighted 1:1 like the calls' new and existing parties."""
    paths = []
    for name, parties in (("new", NEW_PARTIES), ("existing", EXISTING_PARTIES)):
        path = work / f"ceiling_{name}.sql"
        path.write_text(CEILING_SCRIPT.format(last_existing=EXISTING - 1, **parties))
        paths.append(f"{path}@1")
    return paths


def ceiling_variables(account: Account) -> dict[str, object]:
    """The ids the ceiling scripts name."""
    return {
        "acct": account.account_id,
        "venue": account.venue_id,
        "source": account.source_id,
        "type": account.type_id,
        "stage": account.stage_id,
        "key_id": account.key_id,
        "text_field": account.text_field,
        "select_field": account.select_field,
        "number_field": account.number_field,
        "select_json": json.dumps(account.select_value),
    }


# ---------------------------------------------------------------------------------------------
# What the database says was written
# ---------------------------------------------------------------------------------------------

_HIGH_WATER = """
SELECT (SELECT coalesce(max(id), 0) FROM opportunities WHERE account_id = %(a)s),
       (SELECT coalesce(max(id), 0) FROM companies WHERE account_id = %(a)s),
       (SELECT coalesce(max(id), 0) FROM contacts WHERE account_id = %(a)s)
"""
# The existing companies and contacts: 1,000 each unless a natural key failed to match.
_EXISTING_COUNTS = """
(SELECT count(*) FROM companies
 WHERE account_id = %(a)s AND business_name LIKE 'Bench Existing Co %%'),
(SELECT count(*) FROM contacts WHERE account_id = %(a)s AND email LIKE 'existing.%%@bench.example')
"""
# Since the high-water marks: opportunities, their custom values, companies and contacts, the
# distinct new ones the new opportunities name, and the existing population.
_WRITTEN = (
    """
WITH opp AS (SELECT * FROM opportunities WHERE account_id = %(a)s AND id > %(opp)s)
SELECT (SELECT count(*) FROM opp),
       (SELECT count(*) FROM custom_field_values v JOIN opp ON v.record_id = opp.id
        WHERE v.account_id = %(a)s AND v.entity = 'opportunity'),
       (SELECT count(*) FROM companies WHERE account_id = %(a)s AND id > %(co)s),
       (SELECT count(*) FROM contacts WHERE account_id = %(a)s AND id > %(ct)s),
       (SELECT count(DISTINCT company_id) FROM opp WHERE company_id > %(co)s),
       (SELECT count(DISTINCT contact_id) FROM opp WHERE contact_id > %(ct)s),
"""
    + _EXISTING_COUNTS
)


@dataclass(frozen=True)
class Written:
    """Rows written since a high-water mark."""

    opportunities: int
    custom_values: int
    companies: int
    contacts: int
    companies_named: int  # distinct new companies the new opportunities name
    contacts_named: int
    existing_companies: int
    existing_contacts: int

    def problems(self, ok: int, clients: int) -> list[str]:
        """How the rows disagree with ``ok`` successful replies (empty when they agree)."""
        found = []
        # Requests still in flight when wrk stopped may commit without a counted reply.
        if not ok <= self.opportunities <= ok + clients:
            found.append(f"{self.opportunities} opportunities for {ok} successful replies")
        if self.custom_values != 3 * self.opportunities:
            found.append(f"{self.custom_values} custom values for {self.opportunities} creates")
        if (self.companies, self.contacts) != (self.companies_named, self.contacts_named):
            found.append(
                f"{self.companies} companies and {self.contacts} contacts created, but the new "
                f"opportunities name {self.companies_named} and {self.contacts_named} new ones"
            )
        if (self.existing_companies, self.existing_contacts) != (EXISTING, EXISTING):
            found.append(
                f"{self.existing_companies} existing companies and {self.existing_contacts} "
                f"contacts, not {EXISTING} each: a natural key matched twice"
            )
        return found


def existing_counts(conn: psycopg.Connection[Any], account_id: int) -> tuple[int, int]:
    """How many of the existing companies and contacts the account holds (1,000 each, or wrong)."""
    row = conn.execute(f"SELECT {_EXISTING_COUNTS}", {"a": account_id}).fetchone()
    assert row is not None
    return row[0], row[1]


def high_water(conn: psycopg.Connection[Any], account_id: int) -> dict[str, int]:
    """The largest ids of the account's opportunities, companies and contacts."""
    row = conn.execute(_HIGH_WATER, {"a": account_id}).fetchone()
    assert row is not None
    return {"opp": row[0], "co": row[1], "ct": row[2]}


def settled(conn: psycopg.Connection[Any], account_id: int, marks: dict[str, int]) -> Written:
    """What was written since ``marks``, once the server has finished what was in flight.

    A request in flight when wrk stopped still commits: poll until the count stops moving.
    """
    deadline = time.monotonic() + 30
    last = None
    while True:
        row = conn.execute(_WRITTEN, {"a": account_id, **marks}).fetchone()
        assert row is not None
        now = Written(*row)
        if now == last or time.monotonic() > deadline:
            return now
        last = now
        time.sleep(0.5)


def missing_existing(conn: psycopg.Connection[Any], account_id: int) -> list[int]:
    """Indexes of the existing companies/contacts not (yet) both in the database."""
    companies = {
        r[0]
        for r in conn.execute(
            "SELECT business_name FROM companies WHERE account_id = %s", (account_id,)
        )
    }
    contacts = {
        r[0]
        for r in conn.execute("SELECT email FROM contacts WHERE account_id = %s", (account_id,))
    }
    return [
        i
        for i in range(EXISTING)
        if existing_party(i)[0]["businessName"] not in companies
        or existing_party(i)[1]["email"] not in contacts
    ]


# ---------------------------------------------------------------------------------------------
# The runs
# ---------------------------------------------------------------------------------------------


@dataclass
class Measurement:
    """One (workers, clients, rows preloaded) window and its ceiling."""

    workers: int
    clients: int
    rows: int
    wrk: WrkResult
    usage: Usage
    written: Written
    problems: list[str]
    ceiling: PgbenchResult
    ceiling_usage: Usage

    @property
    def valid(self) -> bool:
        """Every reply a success, the rows as the replies say, the ceiling without failures."""
        ok = self.wrk.errors == 0 and self.wrk.ok == self.wrk.requests
        return ok and not self.problems and self.ceiling.failed == 0

    @property
    def ratio(self) -> float:
        """Service req/s over the ceiling's tps."""
        return self.wrk.rps / self.ceiling.tps if self.ceiling.tps else math.nan

    def fields(self) -> dict[str, object]:
        """The measurement as ordered key=value pairs."""
        w, u, c = self.wrk, self.usage, self.ceiling_usage
        per_request = 1000 / w.requests if w.requests else math.nan
        workers = sorted(u.worker_rss)
        ceiling_tx = self.ceiling.transactions
        return {
            "workers": self.workers,
            "clients": self.clients,
            "rows_preloaded": self.rows,
            "rps": f"{w.rps:.1f}",
            "p50_ms": f"{w.p50_ms:.2f}",
            "p99_ms": f"{w.p99_ms:.2f}",
            "errors": w.errors,
            "non2xx": w.non2xx,
            "bad_replies": w.bad,
            "socket_errors": w.socket_errors,
            "requests": w.requests,
            "rows_created": self.written.opportunities,
            "rows_ok": "no" if self.problems else "yes",
            "worker_rss_mb": "/".join(f"{u.worker_rss[p] / MB:.0f}" for p in workers) or "n/a",
            "server_rss_mb": f"{u.server_rss / MB:.0f}",
            "pg_pss_mb": f"{u.pg_pss / MB:.0f}",
            "server_cpu_ms_per_req": f"{u.server_cpu * per_request:.2f}",
            "pg_cpu_ms_per_req": f"{u.pg_cpu * per_request:.2f}",
            # wrk's loading of the file before the first request is setup, not load.
            "wrk_cpu_ms_per_req": f"{(u.generator_cpu - w.setup_cpu) * per_request:.3f}",
            "wrk_setup_cpu_ms": f"{w.setup_cpu * 1000:.0f}",
            "worker_conns": "/".join(str(u.worker_conns.get(p, 0)) for p in workers) or "n/a",
            "worker_cores": "/".join(f"{u.worker_cpu.get(p, 0) / u.wall:.2f}" for p in workers)
            or "n/a",
            "wrk_cores": f"{(u.generator_cpu - w.setup_cpu) / u.wall:.3f}",
            "server_cores": f"{u.server_cpu / u.wall:.2f}",
            "pg_cores": f"{u.pg_cpu / u.wall:.2f}",
            "machine_cores": f"{u.machine_busy / u.wall:.2f}",
            "steal_cores": f"{u.machine_steal / u.wall:.2f}",
            "new_pg_conns": u.connections_opened,
            "ceiling_tps": f"{self.ceiling.tps:.1f}",
            "ceiling_p50_ms": f"{self.ceiling.p50_ms:.2f}",
            "ceiling_p99_ms": f"{self.ceiling.p99_ms:.2f}",
            "ceiling_failed": self.ceiling.failed,
            "ceiling_pg_cpu_ms_per_tx": f"{c.pg_cpu * 1000 / ceiling_tx:.2f}"
            if ceiling_tx
            else "nan",
            "ratio": f"{self.ratio:.3f}",
            "seconds": f"{w.seconds:.1f}",
            "wrapped": w.wrapped,
            "valid": "yes" if self.valid else "no",
        }


def log(message: str) -> None:
    """Progress, on stderr (stdout carries only the figures)."""
    print(message, file=sys.stderr, flush=True)


def create_existing(service: Service, account: Account, conn: psycopg.Connection[Any]) -> None:
    """The 1,000 companies/contacts half the calls name, through the API, each sent once.

    Not by wrk: replaying a file sends a body again once it runs out, and the server answers a
    repeated signature with the first reply, or 409 while the first is still running.
    """

    def send(call: Call) -> str | None:
        headers = sign_headers(
            key=account.key,
            secret=account.secret,
            request_string=call.request_string,
            body=call.body,
            now=datetime.now(UTC),
        )
        reply = client.post(call.request_string, content=call.body, headers=headers)
        return None if reply.is_success and reply.text.startswith(SUCCESS) else reply.text

    began = time.perf_counter()
    with (
        httpx.Client(base_url=service.base, timeout=60) as client,
        ThreadPoolExecutor(8) as pool,
    ):
        failures = [f for f in pool.map(send, existing_calls(account, range(EXISTING))) if f]
    if failures:
        sys.exit(f"{len(failures)} creates of the existing parties failed, e.g. {failures[0]}")
    missing = missing_existing(conn, account.account_id)
    if missing:
        sys.exit(f"existing parties {missing[:10]}... are not in the database")
    log(f"{EXISTING} existing companies/contacts created in {time.perf_counter() - began:.1f} s")


def measure(
    service: Service,
    account: Account,
    conn: psycopg.Connection[Any],
    workers: int,
    clients: int,
    *,
    rows: int,
    args: argparse.Namespace,
) -> Measurement:
    """Warm-up, a timed wrk window, the rows checked in SQL, then the pgbench ceiling."""
    prefix = f"workers={workers} clients={clients} rows={rows}"
    warm, timed = service.work / "warm.txt", service.work / "timed.txt"
    # Signed now: each run ends well within the server's staleness window.
    write_requests(warm, account, mixed_calls(account, max(2000, int(args.warmup * 2000))))
    warm_result = run_wrk(service.base, warm, clients=clients, seconds=args.warmup, expect=SUCCESS)
    count = max(500, int(HEADROOM * warm_result.rps * args.seconds))
    write_requests(timed, account, mixed_calls(account, count))
    conn.execute("CHECKPOINT")  # no checkpoint left over from the warm-up or the loading
    marks = high_water(conn, account.account_id)
    settled(conn, account.account_id, marks)  # the warm-up's last requests have committed
    marks = high_water(conn, account.account_id)
    log(f"{prefix}: wrk {args.seconds} s ({count} signed calls)")
    with Monitor(service.process_info, service.db, port=service.port) as monitor:
        result = run_wrk(service.base, timed, clients=clients, seconds=args.seconds, expect=SUCCESS)
    rows_written = settled(conn, account.account_id, marks)
    problems = rows_written.problems(result.ok, clients)
    if result.wrapped:
        problems.append(f"wrk sent all {count} calls and started again")
    log(f"{prefix}: pgbench {args.seconds} s")
    conn.execute("CHECKPOINT")
    with Monitor(service.process_info, service.db) as ceiling_monitor:
        ceiling = run_pgbench(
            service.db,
            ceiling_scripts(service.work),
            clients=clients,
            seconds=args.seconds,
            variables=ceiling_variables(account),
            latencies=True,
        )
    # The existing-party script must match what the service made, not add look-alikes.
    if existing_counts(conn, account.account_id) != (EXISTING, EXISTING):
        problems.append("the ceiling added existing parties again: its natural keys are wrong")
    m = Measurement(
        workers, clients, rows, result, monitor.usage, rows_written, problems, ceiling,
        ceiling_monitor.usage,
    )  # fmt: skip
    print("nested_create " + " ".join(f"{k}={v}" for k, v in m.fields().items()), flush=True)
    if not m.valid or ceiling.failed:
        service.failed = True
        log(f"!!! {prefix}: INVALID: {result.errors} errors; {problems}")
        for example in result.examples:
            log(f"!!!   {example}")
    return m


def run_workers(workers: int, args: argparse.Namespace) -> list[Measurement]:
    """A fresh server (and database) with ``workers`` workers, measured at every client count."""
    measurements = []
    with running_service(database_url_arg=args.database_url, workers=workers) as service:
        account = seed(service.db)
        with psycopg.connect(service.db.libpq(), autocommit=True) as conn:
            create_existing(service, account, conn)
            for rows in [0, args.rows] if args.rows else [0]:
                if rows:
                    log(f"loading {rows} opportunities ...")
                    took = preload_opportunities(service.db, account, rows)
                    log(f"loaded {rows} opportunities in {took:.1f} s")
                for clients in args.clients:
                    m = measure(service, account, conn, workers, clients, rows=rows, args=args)
                    measurements.append(m)
    return measurements


def compare_rows(measurements: list[Measurement]) -> None:
    """With rows preloaded against without, per workers and clients: req/s and p99."""
    empty = {(m.workers, m.clients): m for m in measurements if m.rows == 0}
    for full in (m for m in measurements if m.rows):
        base = empty[(full.workers, full.clients)]
        rps_change = 100 * (full.wrk.rps / base.wrk.rps - 1) if base.wrk.rps else math.nan
        p99_change = 100 * (full.wrk.p99_ms / base.wrk.p99_ms - 1) if base.wrk.p99_ms else math.nan
        print(
            f"rows_compare workers={full.workers} clients={full.clients} rows={full.rows} "
            f"rps_empty={base.wrk.rps:.1f} rps_full={full.wrk.rps:.1f} "
            f"rps_change_pct={rps_change:.1f} p99_empty_ms={base.wrk.p99_ms:.2f} "
            f"p99_full_ms={full.wrk.p99_ms:.2f} p99_change_pct={p99_change:.1f} "
            f"ratio_empty={base.ratio:.3f} ratio_full={full.ratio:.3f}",
            flush=True,
        )


def print_table(measurements: list[Measurement], args: argparse.Namespace) -> None:
    """The figures for a human, on stderr."""
    log("")
    log(
        f"venuecrm nested create (company + contact + opportunity + 3 custom fields, half the "
        f"parties existing) under wrk, {args.seconds} s per run; {os.cpu_count()} cores; "
        f"load average now {', '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    columns = [
        ("W", "workers", 2), ("C", "clients", 3), ("rows", "rows_preloaded", 7),
        ("req/s", "rps", 7), ("p50ms", "p50_ms", 7), ("p99ms", "p99_ms", 7),
        ("err", "errors", 4), ("rows_ok", "rows_ok", 7), ("rss_MB/worker", "worker_rss_mb", 13),
        ("conns/worker", "worker_conns", 12), ("srv_ms/req", "server_cpu_ms_per_req", 10),
        ("pg_ms/req", "pg_cpu_ms_per_req", 9), ("wrk_ms/req", "wrk_cpu_ms_per_req", 10),
        ("machine", "machine_cores", 7), ("pgbench_tps", "ceiling_tps", 11),
        ("pgb_p99", "ceiling_p99_ms", 7), ("ratio", "ratio", 6),
    ]  # fmt: skip
    log(" ".join(f"{title:>{width}}" for title, _, width in columns))
    for m in measurements:
        fields = m.fields()
        log(" ".join(f"{fields[key]!s:>{width}}" for _, key, width in columns))
    log(
        "\nsrv/pg/wrk_ms/req: CPU of the server's processes, PostgreSQL's and wrk's per request; "
        "machine: busy cores on the whole box (other tenants included): well above "
        "server + postgres means the run was disturbed. Read the ratio, not the raw figures."
    )


def main() -> int:
    """Run the benchmark; exit 1 when any request failed or the rows do not match."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_run_arguments(parser, default_clients="1,16", several_workers=True)
    parser.set_defaults(seconds=20)
    parser.add_argument(
        "--rows", type=int, default=0, help="then load this many opportunities and measure again"
    )
    args = parser.parse_args()
    args.clients = args.clients or [1, 16]
    args.workers = args.workers or [2]
    # Every call is signed before its run: warm-up and run must end inside the server's window.
    if args.warmup < 1:
        parser.error("--warmup must be at least 1 s: its rate sizes the run's signed calls")
    if args.warmup + args.seconds > STALENESS_SECONDS - 60:
        parser.error(f"--warmup + --seconds must stay under {STALENESS_SECONDS - 60} s")
    began = time.perf_counter()
    measurements: list[Measurement] = []
    for workers in args.workers:
        measurements += run_workers(workers, args)
    compare_rows(measurements)
    print_table(measurements, args)
    log(f"whole run: {time.perf_counter() - began:.0f} s")
    if not all(m.valid for m in measurements):
        log("\n!!! THE RUN HAD ERRORS: the figures above are not valid.")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
