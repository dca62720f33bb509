"""Events per second one dispatcher delivers to a local receiver.

What it measures: ``venuecrm serve --workers 1`` (a real subprocess, embedded PostgreSQL in a
temporary data dir unless ``--database-url``), whose one dispatcher thread is the dispatcher
measured. A fresh account gets a confirmed crm subscription to a receiver in its own process
that answers 204 at once; ``--events`` OpportunityUpdated deliveries (the getOpportunityList
item of the API's example as data and previousData) are put in the outbox in one INSERT, and the
clock runs from that commit until the last one is marked delivered. Each delivery is signed
(Standard Webhooks), POSTed, and its attempt logged, as in service.

stdout: one ``dispatch key=value ...`` line; stderr: progress.

    .venv/bin/python bench/dispatch.py --events 5000
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import psutil
import psycopg
from harness.receiver import running_receiver, subscribe
from harness.seed import seed
from harness.server import running_service

from venuecrm.features.opportunities.list_schemas import OpportunityItem

_FILL = """
INSERT INTO deliveries (account_id, subscription_id, entity, record_id, subject, body)
SELECT %s, %s, 'opportunity', n, 'OpportunityUpdated', %s::jsonb
FROM generate_series(1, %s) AS n
"""
_LEFT = "SELECT count(*) FROM deliveries WHERE account_id = %s AND status <> 'delivered'"


def log(message: str) -> None:
    """Progress on stderr."""
    print(message, file=sys.stderr, flush=True)


def main() -> int:
    """Measure; exit 1 when not every event was delivered within the time allowed."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=5000, help="deliveries to drain")
    parser.add_argument("--database-url", default=None, help="default: a temporary embedded one")
    parser.add_argument("--timeout", type=float, default=600, help="give up after this (s)")
    args = parser.parse_args()
    item = OpportunityItem.model_json_schema()["example"]
    body = json.dumps({"data": item, "previousData": item})
    with (
        running_service(database_url_arg=args.database_url, workers=1) as service,
        running_receiver() as receiver,
    ):
        account = seed(service.db)
        (sub,) = subscribe(service.db.libpq(), account.account_id, receiver, ("crm",))
        server = psutil.Process(service.process.pid)
        with psycopg.connect(service.db.libpq(), autocommit=True) as conn:
            cpu_before = sum(sum(p.cpu_times()[:2]) for p in [server, *server.children(True)])
            conn.execute(_FILL, (account.account_id, sub, body, args.events))
            began = time.perf_counter()
            log(f"{args.events} events queued; draining ...")
            left = args.events
            while left:
                if time.perf_counter() - began > args.timeout:
                    log(f"!!! {left} events left after {args.timeout:g} s")
                    return 1
                time.sleep(0.05)  # polling interval; the count decides
                row = conn.execute(_LEFT, (account.account_id,)).fetchone()
                left = int(row[0]) if row else 0
            took = time.perf_counter() - began
            cpu = sum(sum(p.cpu_times()[:2]) for p in [server, *server.children(True)])
    rate = args.events / took
    print(
        f"dispatch events={args.events} seconds={took:.2f} events_per_s={rate:.0f} "
        f"server_cpu_ms_per_event={1000 * (cpu - cpu_before) / args.events:.2f} "
        f"body_bytes={len(body)}",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
