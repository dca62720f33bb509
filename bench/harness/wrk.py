"""Signed load replayed by wrk: requests signed before the run with one IVVY-Date, then sent.

wrk (C, one event loop per thread) costs a few microseconds of CPU per request, so the load
generator stays far from being the bottleneck; the Python side only signs, before the clock runs.
"""

from __future__ import annotations

import contextlib
import math
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import psutil

from harness.load import Call
from harness.seed import Account
from venuecrm.edges.ivvy.signing import sign_headers

LUA = Path(__file__).with_name("replay.lua")
# The server refuses a request whose IVVY-Date is older than this (docs/ivvy.md §1).
STALENESS_SECONDS = 300


def wrk_binary() -> str:
    """wrk on PATH, or the run ends with how to install it."""
    found = shutil.which("wrk")
    if found is None:
        sys.exit("wrk not found: apt-get install -y wrk")
    return found


def write_requests(path: Path, account: Account, calls: Iterable[Call]) -> int:
    """Sign every call with one IVVY-Date (now) into ``path``, as replay.lua reads it."""
    now = datetime.now(UTC)
    written = 0
    with path.open("w", encoding="ascii") as out:
        for call in calls:
            headers = sign_headers(
                key=account.key,
                secret=account.secret,
                request_string=call.request_string,
                body=call.body,
                now=now,
            )
            # json.dumps escapes non-ASCII, tabs and newlines, so a body is one tab-free line.
            fields = [call.request_string, call.body.decode("ascii")]
            fields += [f"{name}: {value}" for name, value in headers.items()]
            out.write("\t".join(fields) + "\n")
            written += 1
    return written


@dataclass
class WrkResult:
    """wrk's counts and latencies for one window (latencies in ms)."""

    requests: int
    seconds: float
    ok: int
    bad: int  # 2xx replies that were not the expected success
    non2xx: int
    socket_errors: int  # connect, read, write errors and timeouts
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    wrapped: int  # times the requests file ran out and started again
    setup_cpu: float  # wrk's CPU seconds before its first request (loading the file)
    examples: list[str] = field(default_factory=list)

    @property
    def rps(self) -> float:
        """Completed requests per second."""
        return self.requests / self.seconds if self.seconds else math.nan

    @property
    def errors(self) -> int:
        """Everything that was not the expected success."""
        return self.bad + self.non2xx + self.socket_errors


def _setup_cpu(process: subprocess.Popen[str]) -> float:
    """wrk's CPU seconds once its load threads exist, i.e. after every init() has loaded the file.

    wrk runs init() for each thread before starting it; its own CPU until then is setup, not
    load, and is left out of the CPU per request.
    """
    deadline = time.monotonic() + 30
    with contextlib.suppress(psutil.Error):
        wrk = psutil.Process(process.pid)
        while wrk.num_threads() < 2 and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)  # polling a process we cannot be told about
        times = wrk.cpu_times()
        return times.user + times.system
    return 0.0


def run_wrk(
    base: str,
    requests_file: Path,
    *,
    clients: int,
    seconds: float,
    expect: str,
    threads: int = 1,
) -> WrkResult:
    """``clients`` keep-alive connections replaying ``requests_file`` for ``seconds``.

    ``expect``: the start of every successful reply's body.
    """
    command = [wrk_binary(), "-t", str(max(1, min(threads, clients))), "-c", str(clients)]
    command += ["-d", f"{math.ceil(seconds)}s", "--timeout", "10s", "--latency"]
    command += ["-s", str(LUA), base, "--", str(requests_file), expect]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    setup_cpu = _setup_cpu(process)
    try:
        text, _ = process.communicate(timeout=seconds + 90)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    found = re.search(r"^replay (.*)$", text, re.MULTILINE)
    if process.returncode != 0 or found is None:
        sys.exit(f"wrk failed (exit {process.returncode}):\n{text}")
    values = {k: int(v) for k, v in (pair.split("=") for pair in found.group(1).split())}
    return WrkResult(
        requests=values["requests"],
        seconds=values["duration_us"] / 1e6,
        ok=values["ok"],
        bad=values["bad"],
        non2xx=values["non2xx"],
        socket_errors=sum(values[k] for k in ("connect", "read", "write", "timeout")),
        p50_ms=values["p50_us"] / 1000,
        p90_ms=values["p90_us"] / 1000,
        p99_ms=values["p99_us"] / 1000,
        max_ms=values["max_us"] / 1000,
        wrapped=values["wrapped"],
        setup_cpu=setup_cpu,
        examples=re.findall(r"^replay-example (.*)$", text, re.MULTILINE),
    )
