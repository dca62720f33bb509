"""The benchmarks' harness: each module one concern, the scripts in bench/ add only a workload.

- ``database``: the database under a run (embedded and temporary, or ``--database-url``)
- ``server``:   ``venuecrm serve`` started, ready, stopped; the run's options; log summaries
- ``seed``:     a fresh account, seeded like the tests' (``tests.factories.seeded_tenant``)
- ``load``:     N signed keep-alive clients for a timed window, failures counted (httpx)
- ``wrk``:      calls signed beforehand and replayed by wrk (``replay.lua``): a cheap generator
- ``monitor``:  CPU per party and per worker, peak memory, connections during a window
- ``pgbench``:  the same writes as raw SQL, the same-run ceiling
- ``preload``:  many opportunities written straight into an account (INSERT ... SELECT)
- ``report``:   number formats and the CPU table

A script runs as ``python bench/<name>.py``: its own directory is on ``sys.path``, so ``import
harness`` works; the repository root is added here so the harness shares ``tests/`` helpers
(``tests.servers``, ``tests.factories``) instead of copying them.
"""

from __future__ import annotations

import sys
from pathlib import Path

_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)
