"""What an iVvy action declares, and the one pipeline that turns its body into its input.

Every action's request goes through ``read_input``: the body is decoded and screened
(``wire.parsing.decode_object``), the action's empty-body policy applies, the input model is
parsed leniently and its problems collected, and the action's declared error is raised when the
request cannot be used. Services receive the parsed input, never bytes (docs/ivvy.md D21, D22).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any, TypedDict

from pydantic import BaseModel

from venuecrm.errors import InvalidParameter, VenueCrmError
from venuecrm.features.problems import Problems, request_error, unreadable_error
from venuecrm.platform.uow import UnitOfWork
from venuecrm.wire.parsing import BodyError, decode_object, parse_lenient


class Stop(Enum):
    """When the problems found while parsing stop a request before its service runs."""

    UNUSABLE = "unusable"  # no model, or an unusable id; else the service adds its own
    ANY = "any"  # any problem
    NEVER = "never"  # the service checks everything, starting from an empty model if need be


@dataclass(frozen=True, slots=True, kw_only=True)
class Codes:
    """The errors an action answers a request it cannot use with, as classes of ``errors``.

    ``empty`` None: an empty body (nothing, ``{}``, ``[]``, ``""``) is a request without
    parameters. An ``empty`` code of its own lists nothing; one shared with ``unreadable``
    lists "body: the request is empty" like any other unusable body.
    """

    invalid: type[VenueCrmError] = InvalidParameter
    unreadable: type[VenueCrmError] | None = None  # None: ``invalid``
    empty: type[VenueCrmError] | None = None
    missing: type[VenueCrmError] | None = None  # 23017: only required values are missing
    not_found: tuple[type[VenueCrmError], ...] = ()
    stop: Stop = Stop.UNUSABLE

    @property
    def documented(self) -> tuple[type[VenueCrmError], ...]:
        """Every code the action can answer with its request's fault, ascending."""
        found = [self.empty, self.unreadable, self.invalid, self.missing, *self.not_found]
        unique = {error.specific_code: error for error in found if error is not None}
        return tuple(unique[code] for code in sorted(unique))

    @property
    def example(self) -> type[VenueCrmError]:
        """The code an example envelope shows: the action's own "details are invalid" code,
        else its most specific one."""
        return self.invalid if self.invalid is not InvalidParameter else self.documented[-1]


class Names(TypedDict):
    """What names an action and says what it does: ``{namespace}?action={name}``, summary."""

    namespace: str
    name: str
    summary: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ActionContext:
    """One authenticated call: who made it, its parsed input, and how to reach the database.

    ``input`` is the action's parsed request model; ``problems``
    holds what parsing found that did not stop the request.
    """

    account_id: int
    api_key_id: int
    input: Any
    problems: Problems
    now: datetime
    uow: Callable[[], UnitOfWork]


@dataclass(frozen=True, slots=True, kw_only=True)
class Action:
    """An iVvy action: ``POST /api/1.0/{namespace}?action={name}``."""

    namespace: str
    name: str
    summary: str
    handler: Callable[[ActionContext], BaseModel]
    reply_model: type[BaseModel]
    # None: the action takes no parameters and its body is not read.
    request_model: type[BaseModel] | None = None
    request_example: Mapping[str, Any] | None = None
    codes: Codes = Codes()

    @property
    def error_codes(self) -> tuple[type[VenueCrmError], ...]:
        """The specific codes the action documents; none when it reads no parameters."""
        return self.codes.documented if self.request_model is not None else ()

    @property
    def writes(self) -> bool:
        """iVvy names every write addOrUpdate*; only writes are guarded against running twice."""
        return self.name.startswith("addOrUpdate")


def read_input(action: Action, body: bytes) -> tuple[Any, Problems]:
    """The action's input from the raw body, and the problems that did not stop it."""
    model = action.request_model
    codes = action.codes
    if model is None:
        return None, Problems()
    try:
        data = decode_object(body)
    except BodyError as exc:
        empty = codes.empty
        if exc.empty and empty is None:
            data = {}
        elif exc.empty and empty is not None and empty is not codes.unreadable:
            raise empty() from None
        else:
            raise unreadable_error(codes.unreadable or codes.invalid, exc.problems) from None
    parsed = parse_lenient(model, data)
    problems = Problems(parsed.problems, parsed.invalid_paths)
    stopped = {
        Stop.UNUSABLE: not parsed.usable,
        Stop.ANY: bool(problems),
        Stop.NEVER: False,
    }[codes.stop]
    if stopped:
        raise request_error(codes.invalid, problems, missing=codes.missing)
    return (model() if parsed.model is None else parsed.model), problems
