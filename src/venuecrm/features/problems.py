"""Collecting every problem of a request before answering (docs/ivvy.md D21), and the 23016/23017
envelope that lists them (docs/ivvy.md D29)."""

from __future__ import annotations

from typing import TypeVar

from venuecrm.errors import InvalidParameter, MissingParameter, VenueCrmError

E = TypeVar("E", bound=VenueCrmError)

REQUIRED = "is required"


class Problems:
    """``"path: reason"`` strings, gathered in the order they were found.

    Each is either a missing required value or an invalid one; ``only_missing`` tells a
    request that lacks something (23017) from one that sent something wrong (23016).
    """

    def __init__(self, initial: list[str] | None = None, paths: set[str] | None = None) -> None:
        self.items: list[str] = []
        self._missing: set[str] = set()
        for item in initial or []:
            self._record(item, missing=item.endswith(f": {REQUIRED}"))
        self._paths: set[str] = set(paths or ())

    @property
    def invalid_paths(self) -> frozenset[str]:
        """The paths whose values failed to parse: later checks leave them alone."""
        return frozenset(self._paths)

    def add(self, path: str, reason: str, *, missing: bool = False) -> None:
        """Record one problem, unless one was already found at, above or below ``path``.

        A value that failed to parse is left out of later checks, which would otherwise
        report it again as missing. ``reason`` "is required" is always a missing value;
        ``missing`` marks other wordings of one.
        """
        if any(_related(path, known) for known in self._paths):
            return
        self._record(f"{path}: {reason}", missing=missing or reason == REQUIRED)

    def _record(self, item: str, *, missing: bool) -> None:
        if item not in self.items:
            self.items.append(item)
            if missing:
                self._missing.add(item)

    @property
    def only_missing(self) -> bool:
        """Whether every problem is a required value that was not given."""
        return bool(self.items) and all(item in self._missing for item in self.items)

    def __bool__(self) -> bool:
        return bool(self.items)


def details_error(error: type[E], problems: Problems) -> E:
    """``error`` listing every problem, its message saying how many there are."""
    count = len(problems.items)
    plural = "s" if count != 1 else ""
    return error(f"{error.default_message}: {count} problem{plural}", problems.items)


def invalid_parameters(problems: list[str]) -> InvalidParameter:
    """23016 naming the first problem's field, with every problem listed (docs/ivvy.md D29)."""
    return InvalidParameter(f"'{_first_path(problems)}' does not validate", problems)


def parameter_error(problems: Problems) -> InvalidParameter | MissingParameter:
    """23017 when the only problems are missing required values, else 23016; both list all.

    A request that is both incomplete and wrong is 23016: the values it sent must change
    anyway, and the missing ones are listed beside them.
    """
    if problems.only_missing:
        return MissingParameter(f"'{_first_path(problems.items)}' is required", problems.items)
    return invalid_parameters(problems.items)


def _first_path(problems: list[str]) -> str:
    return problems[0].split(": ", 1)[0]


def _related(a: str, b: str) -> bool:
    """Whether one path is the other or lies inside it (``contact`` and ``contact.email``)."""
    shorter, longer = sorted((a, b), key=len)
    return longer == shorter or longer.startswith((f"{shorter}.", f"{shorter}["))


def request_error(
    error: type[VenueCrmError], problems: Problems, *, missing: type[VenueCrmError] | None = None
) -> VenueCrmError:
    """The error an action declares for problems with its request, worded for its code.

    23016 (and 23017, ``missing``, when only required values are missing) name the first
    problem's field; an action's own "details are invalid" code counts the problems.
    """
    if missing is not None and problems.only_missing:
        return missing(f"'{_first_path(problems.items)}' is required", problems.items)
    if issubclass(error, InvalidParameter):
        return invalid_parameters(problems.items)
    return details_error(error, problems)


def unreadable_error(error: type[VenueCrmError], problems: list[str]) -> VenueCrmError:
    """The error an action declares for a body that is no JSON object, listing why."""
    if issubclass(error, InvalidParameter):
        return invalid_parameters(problems)
    return error(additional_messages=problems)
