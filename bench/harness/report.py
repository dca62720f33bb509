"""The report's pieces: number formats and the CPU table."""

from __future__ import annotations

import math
from dataclasses import dataclass

from harness.monitor import Usage

MB = 1024 * 1024


def mb(value: int) -> str:
    return f"{value / MB:.0f}" if value else "n/a"


def count(value: int | None) -> str:
    return "n/a" if value is None else str(value)


def cores(seconds: float, wall: float) -> str:
    return f"{seconds / wall:.2f}" if wall and not math.isnan(seconds) else "n/a"


@dataclass(frozen=True)
class CpuRow:
    """One timed window in the CPU table: who was measured and how many requests it made."""

    clients: int
    run: str  # "service", "pgbench", "name_begins service"...
    usage: Usage
    requests: float


def print_cpu_table(rows: list[CpuRow]) -> None:
    """CPU per party in cores during each window, and new PostgreSQL connections."""
    print()
    print("CPU during each window in cores (CPU seconds / wall seconds), and new connections:")
    print(
        f"{'clients':>7} {'run':>20} {'generator':>9} {'server':>7} {'postgres':>8} "
        f"{'machine':>7} {'steal':>6} {'gen_ms/req':>10} {'new_pg_conns':>12}"
    )
    for row in rows:
        usage, wall = row.usage, row.usage.wall
        per_request = usage.generator_cpu * 1000 / row.requests if row.requests else math.nan
        print(
            f"{row.clients:>7} {row.run:>20} {cores(usage.generator_cpu, wall):>9} "
            f"{cores(usage.server_cpu, wall):>7} {cores(usage.pg_cpu, wall):>8} "
            f"{cores(usage.machine_busy, wall):>7} {cores(usage.machine_steal, wall):>6} "
            f"{per_request:>10.2f} {count(usage.connections_opened):>12}"
        )
    print()
    print(
        "generator = this script (service runs) or pgbench (pgbench runs); one asyncio loop tops "
        "out near 1.00 core.\nmachine = all busy CPU on the box, other tenants "
        "included; steal = CPU the hypervisor gave elsewhere."
    )
