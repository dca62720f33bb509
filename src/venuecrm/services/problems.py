"""Collecting every problem of a request before answering (decision 21)."""

from __future__ import annotations


class Problems:
    """``"path: reason"`` strings, gathered in the order they were found."""

    def __init__(self, initial: list[str] | None = None, paths: set[str] | None = None) -> None:
        self.items: list[str] = list(initial or [])
        self._paths: set[str] = set(paths or ())

    def add(self, path: str, reason: str) -> None:
        """Record one problem, unless one was already found at, above or below ``path``.

        A value that failed to parse is left out of later checks, which would otherwise
        report it again as missing.
        """
        if any(_related(path, known) for known in self._paths):
            return
        item = f"{path}: {reason}"
        if item not in self.items:
            self.items.append(item)

    def __bool__(self) -> bool:
        return bool(self.items)


def _related(a: str, b: str) -> bool:
    """Whether one path is the other or lies inside it (``contact`` and ``contact.email``)."""
    shorter, longer = sorted((a, b), key=len)
    return longer == shorter or longer.startswith((f"{shorter}.", f"{shorter}["))
