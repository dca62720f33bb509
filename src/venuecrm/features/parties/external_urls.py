"""A record's external URLs: sent ones applied by ``ref``, at most three kept."""

from __future__ import annotations

from typing import Any

from venuecrm.features.parties.schemas import ExternalUrl


def merge_external_urls(
    current: list[dict[str, Any]], sent: list[ExternalUrl] | None
) -> list[dict[str, Any]]:
    """Apply sent external URLs by ``ref``: a null list removes all, a null url removes one."""
    if sent is None:
        return []
    by_ref = {item["ref"]: item for item in current}
    for item in sent:
        if item.url is None:
            by_ref.pop(item.ref, None)
        else:
            by_ref[item.ref] = {"ref": item.ref, "url": item.url, "label": item.label}
    return list(by_ref.values())


def external_urls_problem(urls: list[dict[str, Any]]) -> str | None:
    """External URLs are capped at three per record."""
    return "at most 3 external URLs per record" if len(urls) > 3 else None
