"""Query strings every API route refuses before any work: repeated, NUL-bearing or too many.

A repeated parameter is ambiguous: the router, the handler and the request log could each read a
different copy (``?action=ping&action=addOrUpdateOpportunity`` once ran the create while the log
said ``ping``). Refusing it here, before routing, leaves one reading for all of them.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from venuecrm.edges.http.envelope import CRM_PREFIX, IVVY_PREFIX
from venuecrm.errors import InvalidParameter, InvalidRequest, VenueCrmError
from venuecrm.wire.parsing import NUL, NUL_REASON

MAX_QUERY_PARAMETERS = 50  # documented in the README's "Limits"


Pairs = list[tuple[str, str]]


def query_pairs(query_string: bytes) -> Pairs:
    """A query string's parameters in order, repeats and blank values kept."""
    # Parsed as Starlette parses it, so the names are the ones the handlers see.
    return parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)


def query_problems(pairs: Pairs) -> list[str]:
    """Every problem of a query string's parameters, one ``"name: reason"`` each."""
    if len(pairs) > MAX_QUERY_PARAMETERS:
        return [f"query: must have at most {MAX_QUERY_PARAMETERS} parameters"]
    problems: list[str] = []
    seen: set[str] = set()
    for name, value in pairs:
        if NUL in name or NUL in value:
            problems.append(f"{name.replace(NUL, '')}: {NUL_REASON}")
        elif name in seen:
            problems.append(f"{name}: must be sent once, not repeated")
        seen.add(name)
    return problems


def refusal(path: str, pairs: Pairs) -> VenueCrmError | None:
    """The error to answer instead of running an API request, or None to run it."""
    if not pairs or not path.startswith((IVVY_PREFIX, CRM_PREFIX)):
        return None
    problems = query_problems(pairs)
    if not problems:
        return None
    if path.startswith(IVVY_PREFIX):
        return InvalidParameter("The query string does not validate", problems)
    return InvalidRequest("Invalid Params", problems)
