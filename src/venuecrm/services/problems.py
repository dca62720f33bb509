"""Collecting every problem of a request before answering (decision 21)."""

from __future__ import annotations


class Problems:
    """``"path: reason"`` strings, gathered in the order they were found."""

    def __init__(self, initial: list[str] | None = None) -> None:
        self.items: list[str] = list(initial or [])

    def add(self, path: str, reason: str) -> None:
        """Record one problem."""
        item = f"{path}: {reason}"
        if item not in self.items:
            self.items.append(item)

    def __bool__(self) -> bool:
        return bool(self.items)
