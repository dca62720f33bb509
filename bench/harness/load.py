"""Signed load: N concurrent keep-alive clients on one asyncio loop, timed, failures counted."""

from __future__ import annotations

import asyncio
import math
import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from harness.monitor import Monitor, Usage
from harness.seed import Account
from harness.server import Service
from venuecrm.edges.ivvy.signing import sign_headers

_REQUEST_ID = re.compile(r"\b[0-9a-f]{32}\b")


# ---------------------------------------------------------------------------------------------
@dataclass
class LoadResult:
    """What N clients got in one timed window."""

    ok: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    elapsed: float = 0.0

    def percentile(self, q: float) -> float:
        """Nearest-rank percentile of all latencies (errors included: they cost time too)."""
        ordered = sorted(self.latencies_ms)
        if not ordered:
            return math.nan
        return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


@dataclass(frozen=True)
class Call:
    """One signed iVvy call: its request string (path and query) and its body."""

    request_string: str
    body: bytes


# (client number, sequence number within the client) -> the call to send next.
MakeCall = Callable[[int, int], Call]
# The reply's JSON -> whether it is the success the workload expects.
IsSuccess = Callable[[Any], bool]


def describe_failure(response: httpx.Response, is_success: IsSuccess) -> str | None:
    """None for a success, else a short description to count failures by."""
    try:
        reply = response.json()
    except ValueError:
        return f"HTTP {response.status_code}: not JSON: {response.text[:120]!r}"
    if response.status_code == 200 and is_success(reply):
        return None
    if isinstance(reply, dict) and "errorCode" in reply:
        text = (
            f"HTTP {response.status_code} errorCode {reply.get('errorCode')} "
            f"specificCode {reply.get('specificCode')}: {reply.get('message')} "
            f"{reply.get('additionalMessages') or ''}"
        )
        # A 500 names its request id; without it, the same failure counts as one kind.
        return _REQUEST_ID.sub("<request-id>", text)[:300]
    return f"HTTP {response.status_code}: unexpected reply {str(reply)[:200]}"


async def _client(
    number: int,
    base: str,
    account: Account,
    *,
    make_call: MakeCall,
    is_success: IsSuccess,
    deadline: float,
    result: LoadResult,
) -> None:
    # One connection per client, kept alive: a real integrator reuses its connection too.
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as client:
        sequence = 0
        # Bounded: no request starts after the deadline; the one in flight finishes.
        while time.monotonic() < deadline:
            sequence += 1
            call = make_call(number, sequence)
            # Signed per request: IVVY-Date must be within the server's staleness window.
            headers = sign_headers(
                key=account.key,
                secret=account.secret,
                request_string=call.request_string,
                body=call.body,
                now=datetime.now(UTC),
            )
            started = time.perf_counter()
            try:
                response = await client.post(
                    call.request_string, content=call.body, headers=headers
                )
            except httpx.HTTPError as exc:
                response, failure = None, f"{type(exc).__name__}: {exc}"
            result.latencies_ms.append((time.perf_counter() - started) * 1000)
            if response is not None:
                failure = describe_failure(response, is_success)
            if failure is None:
                result.ok += 1
            else:
                result.errors[failure] += 1


def run_load(
    base: str,
    account: Account,
    *,
    clients: int,
    seconds: float,
    make_call: MakeCall,
    is_success: IsSuccess,
) -> LoadResult:
    """``clients`` concurrent signed senders for ``seconds``, on one asyncio loop."""
    result = LoadResult()

    async def main() -> None:
        deadline = time.monotonic() + seconds
        tasks = [
            _client(
                n,
                base,
                account,
                make_call=make_call,
                is_success=is_success,
                deadline=deadline,
                result=result,
            )
            for n in range(clients)
        ]
        await asyncio.gather(*tasks)

    started = time.perf_counter()
    asyncio.run(main())
    # Until the last in-flight request returned, so a slow tail is not dropped from req/s.
    result.elapsed = time.perf_counter() - started
    return result


def warm_up_and_measure(
    service: Service,
    account: Account,
    *,
    clients: int,
    args: Any,
    make_call: MakeCall,
    is_success: IsSuccess,
) -> tuple[LoadResult, Usage]:
    """An untimed warm-up, then the timed window under a ``Monitor``; failures are printed."""
    print(f"clients={clients}: warm-up {args.warmup:g} s ...", flush=True)
    warm = run_load(
        service.base,
        account,
        clients=clients,
        seconds=args.warmup,
        make_call=make_call,
        is_success=is_success,
    )
    if warm.errors:
        print(f"!!! warm-up errors: {dict(warm.errors)}", flush=True)
    print(f"clients={clients}: service {args.seconds} s ...", flush=True)
    with Monitor(service.process_info, service.db) as monitor:
        load = run_load(
            service.base,
            account,
            clients=clients,
            seconds=args.seconds,
            make_call=make_call,
            is_success=is_success,
        )
    if load.errors:
        service.failed = True
        print(f"!!! {sum(load.errors.values())} FAILED REQUESTS with {clients} clients:")
        for message, count in load.errors.most_common(10):
            print(f"!!!   {count} x {message}", flush=True)
    return load, monitor.usage
