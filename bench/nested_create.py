"""Throughput, latency and memory of signed nested creates, beside a pgbench ceiling.

What it measures: ``venuecrm serve`` (a real subprocess, embedded PostgreSQL in a temporary data
dir unless ``--database-url``) receiving ``addOrUpdateOpportunity`` calls that each create a
company, a contact and an opportunity with three custom fields, signed as the JS SDK signs them.
For each client count N, N concurrent clients send for a fixed time; it prints requests/s, p50
and p99 latency, errors, the server's peak RSS (its process and children) and PostgreSQL's.

The reference: pgbench, in the same run against the same database and with the same N, doing the
same writes as raw SQL in one transaction (company, contact, their link, the opportunity, three
custom field values). That is the ceiling: what the database alone does with those rows, with no
HTTP, JSON, signing, validation or ORM. ``ratio = service req/s / pgbench tps``; compare ratios
between runs, not raw figures: this machine is shared and noisy (few cores, CPU steal), and both
figures move together with it. The service also reads (key lookup, one references query, natural
key match under advisory locks) that pgbench does not, so 1.0 is unreachable by design.

Everything shares the machine's cores: the load generator, the server and PostgreSQL. The CPU
table shows who used what, so you can tell whether the generator (one asyncio loop, so at most
one core) was the limit.

    .venv/bin/python bench/nested_create.py --clients 1 --clients 32 --seconds 15 [--workers 1]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
import uuid
from dataclasses import dataclass
from typing import Any

import psutil
from harness.load import Call, LoadResult, warm_up_and_measure
from harness.monitor import Monitor, Usage
from harness.pgbench import PgbenchResult, run_pgbench
from harness.report import CpuRow, mb, print_cpu_table
from harness.seed import Account, seed
from harness.server import add_run_arguments, running_service

REQUEST_STRING = "/api/1.0/venue?action=addOrUpdateOpportunity"


# ---------------------------------------------------------------------------------------------
# The workload
# ---------------------------------------------------------------------------------------------


def body_for(account: Account, tag: str) -> bytes:
    """One nested create; ``tag`` makes its company and contact new records."""
    return json.dumps(
        {
            "venueId": account.venue_id,
            "name": f"Bench opportunity {tag}",
            "typeId": account.type_id,
            "sourceId": account.source_id,
            "stageId": account.stage_id,
            "company": {"businessName": f"Bench Co {tag}", "updateIfExists": True},
            "contact": {
                "firstName": "Bench",
                "lastName": f"Client {tag}",
                "email": f"bench.{tag}@example.com",
                "updateIfExists": True,
            },
            "customFields": [
                {"fieldId": account.text_field, "fieldValue": "Booked through the bench"},
                {"fieldId": account.select_field, "fieldValue": account.select_value},
                {"fieldId": account.number_field, "fieldValue": 42},
            ],
        }
    ).encode()


def is_created(reply: Any) -> bool:
    """``{"success": true, "id": N}`` and nothing else."""
    return (
        isinstance(reply, dict)
        and reply.keys() == {"success", "id"}
        and reply["success"] is True
        and isinstance(reply["id"], int)
    )


def calls(account: Account) -> Any:
    """A fresh tag per call, so every create makes a new company and contact."""
    run = uuid.uuid4().hex[:8]
    return lambda number, sequence: Call(
        REQUEST_STRING, body_for(account, f"{run}-{number}-{sequence}")
    )


# ---------------------------------------------------------------------------------------------
# pgbench: the same writes as raw SQL
# ---------------------------------------------------------------------------------------------

# What one nested create writes (parties.write, opportunities._save, set_custom_values), as raw
# SQL. NOT NULL columns without a server default (models.py, migration 0002) get what the ORM's
# defaults give them: is_agent false, commissions {}, external_urls []. Names are unique through
# :client_id and a random number; nothing is unique-constrained, so a rare repeat is harmless.
PGBENCH_SCRIPT = r"""
\set r random(1, 2000000000)
BEGIN;
INSERT INTO companies (account_id, business_name, is_agent, commissions, external_urls,
                       natural_key)
VALUES (:acct, 'PgBench Co ' || :client_id || '-' || :r, false, '{}', '[]',
        'pgbench co ' || :client_id || '-' || :r)
RETURNING id AS company_id \gset
INSERT INTO contacts (account_id, first_name, last_name, email, external_urls, natural_key)
VALUES (:acct, 'PgBench', 'Client ' || :client_id || '-' || :r,
        'pgbench.' || :client_id || '-' || :r || '@example.com', '[]',
        'pgbench' || chr(31) || 'client ' || :client_id || '-' || :r || chr(31)
        || 'pgbench.' || :client_id || '-' || :r || '@example.com')
RETURNING id AS contact_id \gset
INSERT INTO company_contacts (account_id, company_id, contact_id)
VALUES (:acct, :company_id, :contact_id);
INSERT INTO opportunities (account_id, venue_id, name, contact_type, company_id, contact_id,
                           source_id, type_id, stage_id, external_urls, created_by_key_id,
                           modified_by_key_id)
VALUES (:acct, :venue, 'PgBench opportunity ' || :client_id || '-' || :r, 'company',
        :company_id, :contact_id, :source, :type, :stage, '[]', :key_id, :key_id)
RETURNING id AS opportunity_id \gset
INSERT INTO custom_field_values (account_id, entity, record_id, field_id, value)
VALUES (:acct, 'opportunity', :opportunity_id, :text_field, '"Booked through the bench"'),
       (:acct, 'opportunity', :opportunity_id, :select_field, :select_json),
       (:acct, 'opportunity', :opportunity_id, :number_field, '42');
COMMIT;
"""


def pgbench_variables(account: Account) -> dict[str, object]:
    """The ids the script names."""
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
# Main
# ---------------------------------------------------------------------------------------------


@dataclass
class Row:
    """Figures for one client count."""

    clients: int
    load: LoadResult
    usage: Usage
    pgbench: PgbenchResult
    pgbench_usage: Usage


def print_report(rows: list[Row], args: argparse.Namespace, total_seconds: float) -> None:
    """The figures, the CPU picture and the caveat."""
    print()
    print(
        f"venuecrm nested create: company + contact + opportunity + 3 custom fields; "
        f"{args.seconds} s per client count, workers={args.workers}, "
        f"{psutil.cpu_count()} cores (logical), load average now "
        f"{', '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    header = (
        f"{'clients':>7} {'req/s':>8} {'p50ms':>7} {'p99ms':>7} {'errors':>6} "
        f"{'server_rss_MB':>13} {'pg_rss_MB':>9} {'pg_pss_MB':>9} {'pgbench_tps':>11} "
        f"{'ratio':>6}"
    )
    print(header)
    for row in rows:
        load = row.load
        rps = load.ok / load.elapsed if load.elapsed else math.nan
        errors = sum(load.errors.values())
        ratio = rps / row.pgbench.tps if row.pgbench.tps else math.nan
        print(
            f"{row.clients:>7} {rps:>8.1f} {load.percentile(0.5):>7.1f} "
            f"{load.percentile(0.99):>7.1f} {errors:>6} {mb(row.usage.server_rss):>13} "
            f"{mb(row.usage.pg_rss):>9} {mb(row.usage.pg_pss):>9} "
            f"{row.pgbench.tps:>11.1f} {ratio:>6.3f}"
        )
    cpu_rows = []
    for row in rows:
        cpu_rows.append(CpuRow(row.clients, "service", row.usage, len(row.load.latencies_ms)))
        pgbench_count = row.pgbench.tps * row.pgbench_usage.wall
        cpu_rows.append(CpuRow(row.clients, "pgbench", row.pgbench_usage, pgbench_count))
    print_cpu_table(cpu_rows)
    print(
        "Caveat: shared, noisy machine (CPU steal, other jobs): absolute figures wander between "
        "runs; read the ratio to pgbench measured in the same run. pg_rss counts shared "
        "buffers once per backend; pg_pss splits them fairly."
    )
    print(f"whole run: {total_seconds:.0f} s")


def main() -> int:
    """Run the benchmark; exit 1 when any request failed."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_run_arguments(parser, default_clients="1 and 32")
    args = parser.parse_args()
    client_counts: list[int] = args.clients or [1, 32]
    began = time.perf_counter()

    with running_service(database_url_arg=args.database_url, workers=args.workers) as service:
        account = seed(service.db)
        script = service.work / "nested_create.sql"
        script.write_text(PGBENCH_SCRIPT)
        rows: list[Row] = []
        for clients in client_counts:
            load, usage = warm_up_and_measure(
                service,
                account,
                clients=clients,
                args=args,
                make_call=calls(account),
                is_success=is_created,
            )
            print(f"clients={clients}: pgbench {args.seconds} s ...", flush=True)
            with Monitor(service.process_info, service.db) as pg_monitor:
                pgbench = run_pgbench(
                    service.db,
                    [str(script)],
                    clients=clients,
                    seconds=args.seconds,
                    variables=pgbench_variables(account),
                )
            rows.append(Row(clients, load, usage, pgbench, pg_monitor.usage))
            if pgbench.failed:
                service.failed = True
        print_report(rows, args, time.perf_counter() - began)
    if service.failed:
        print("\n!!! THE RUN HAD ERRORS: the figures above are not valid.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
