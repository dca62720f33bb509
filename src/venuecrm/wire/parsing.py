"""Request bodies to models, every problem one ``"path: reason"`` string (docs/ivvy.md D21)."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

M = TypeVar("M", bound=BaseModel)

# Reasons worded for integrators; pydantic's own message is the fallback.
_REASONS = {
    "missing": "is required",
    "string_type": "must be a string",
    "list_type": "must be an array",
    "model_type": "must be an object",
    "model_attributes_type": "must be an object",
    "dict_type": "must be an object",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "literal_error": "must be one of {expected}",
    "string_too_long": "must be at most {max_length} characters",
    "string_too_short": "must not be empty",
    "too_long": "must have at most {max_length} items",
    "decimal_type": "must be a number",
    "decimal_parsing": "must be a number",
    "finite_number": "must be a finite number",
    "decimal_max_places": "must have at most {decimal_places} decimal places",
    "decimal_max_digits": "must have at most {max_digits} digits",
    "decimal_whole_digits": "must have at most {whole_digits} digits before the point",
    "greater_than_equal": "must be at least {ge}",
    "extra_forbidden": "is not a known key",
}


# Documented in the README's "Limits": every JSON body, on every route, is held to these before
# any per-item work, so a hostile body costs a walk of what was sent, never a query per item.
MAX_ARRAY_ITEMS = 100
MAX_OBJECT_KEYS = 200
MAX_DEPTH = 32
NUL = "\x00"
NUL_REASON = "must not contain the NUL character (\\u0000)"
_MAX_PROBLEMS = 50  # a body full of NULs gets a reply of bounded size


class BodyError(ValueError):
    """The body is not a JSON object; ``empty`` when it holds nothing at all (docs/ivvy.md D22).

    ``problems`` are ``"path: reason"`` strings, one per problem, ready for additionalMessages.
    """

    def __init__(
        self, reason: str, *, empty: bool = False, problems: list[str] | None = None
    ) -> None:
        super().__init__(reason)
        self.empty = empty
        self.problems = problems or [f"body: {reason}"]


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def decode_object(body: bytes) -> dict[str, Any]:
    """The body as a JSON object; raise ``BodyError`` for empty, malformed or non-object bodies."""
    if not body.strip():
        raise BodyError("the request is empty", empty=True)
    try:
        value = json.loads(body, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:
        raise BodyError(f"not valid JSON ({exc})") from None
    if value in ({}, [], ""):
        raise BodyError("the request is empty", empty=True)
    if not isinstance(value, dict):
        raise BodyError(f"must be a JSON object, not {type(value).__name__}")
    problems: list[str] = []
    _screen(value, (), problems)
    if problems:
        raise BodyError(problems[0], problems=problems)
    return value


def _screen(value: Any, loc: tuple[int | str, ...], problems: list[str]) -> None:
    """Collect what no field may hold: NUL characters, oversized arrays and objects, deep nesting.

    PostgreSQL text cannot store NUL, so it is refused here with its path rather than failing
    in the database. An oversized container is one problem and is not looked into.
    """
    if len(problems) >= _MAX_PROBLEMS:
        return
    if isinstance(value, str):
        if NUL in value:
            problems.append(f"{_where(loc)}: {NUL_REASON}")
        return
    if not isinstance(value, dict | list):
        return
    if len(loc) >= MAX_DEPTH:
        problems.append(f"{_where(loc)}: nested deeper than {MAX_DEPTH} levels")
    elif isinstance(value, list):
        if len(value) > MAX_ARRAY_ITEMS:
            problems.append(f"{_where(loc)}: must have at most {MAX_ARRAY_ITEMS} items")
            return
        for index, item in enumerate(value):
            _screen(item, (*loc, index), problems)
    elif len(value) > MAX_OBJECT_KEYS:
        problems.append(f"{_where(loc)}: must have at most {MAX_OBJECT_KEYS} keys")
    else:
        for key, item in value.items():
            if NUL in key:
                problems.append(f"{_where(loc)}: a key {NUL_REASON}")
                continue
            _screen(item, (*loc, key), problems)


def _where(loc: tuple[int | str, ...]) -> str:
    return format_path(loc) or "body"


def format_path(loc: tuple[int | str, ...]) -> str:
    """``('customFields', 2, 'fieldValue')`` as ``customFields[2].fieldValue``."""
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def describe(error: ErrorDetails) -> str:
    """One validation error as ``path: reason``."""
    template = _REASONS.get(error["type"])
    context = error.get("ctx", {})
    reason = template.format(**context) if template else error["msg"]
    loc = tuple(part for part in error["loc"] if not str(part).startswith("function-"))
    return f"{format_path(loc) or 'body'}: {reason[:1].lower()}{reason[1:]}"


@dataclass
class Parsed(Generic[M]):
    """A model of what was valid, the problems with the rest, and the paths they were found at."""

    model: M | None
    problems: list[str] = field(default_factory=list)
    invalid_paths: set[str] = field(default_factory=set)

    @property
    def usable(self) -> bool:
        """Whether there is a model with a usable ``id``: without one it is unknowable whether
        an addOrUpdate request was meant as an add or an update."""
        return self.model is not None and "id" not in self.invalid_paths


def _remove(data: dict[str, Any], loc: tuple[int | str, ...]) -> None:
    """Drop the value at ``loc`` so the rest can be validated; a list loses its whole self.

    Removing one list element would renumber the others and so mislabel their problems.
    """
    holder: Any = data
    for depth, part in enumerate(loc[:-1]):
        child = holder.get(part) if isinstance(holder, dict) else None
        if isinstance(child, list):
            _remove(data, loc[: depth + 1])
            return
        holder = child
    if isinstance(holder, dict):
        holder.pop(loc[-1], None)


def parse_lenient(model: type[M], data: dict[str, Any]) -> Parsed[M]:
    """Validate ``data``; on errors, also validate what remains so later checks still run."""
    try:
        return Parsed(model.model_validate(data))
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
    problems = [describe(error) for error in errors]
    invalid = {format_path(error["loc"]) for error in errors}
    rest = copy.deepcopy(data)
    locs = [error["loc"] for error in errors]
    # Each round drops what failed, then its parents, until the remainder validates.
    for _ in range(8):
        for loc in locs:
            _remove(rest, loc)
        try:
            return Parsed(model.model_validate(rest), problems, invalid)
        except ValidationError as exc:
            locs = [error["loc"][:-1] or error["loc"] for error in exc.errors()]
    return Parsed(None, problems, invalid)
