"""Structured logging: one JSON object per line on stderr."""

from __future__ import annotations

import json
import logging
import sys
import traceback
from datetime import UTC, datetime
from typing import Any

# Attributes every LogRecord has; anything else was passed through ``extra=`` and is logged.
_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message"}


class JsonFormatter(logging.Formatter):
    """Render a record and its ``extra`` fields as one JSON line."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as JSON, with the traceback as a string field when there is one."""
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({k: v for k, v in record.__dict__.items() if k not in _STANDARD})
        if record.exc_info:
            entry["traceback"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def exception_fields(exc: BaseException) -> dict[str, Any]:
    """What to log of an unexpected exception: types, codes and frames, never its messages.

    Messages carry values: psycopg's (``invalid input syntax for type integer: "ada@..."``,
    ``DETAIL: Key (email)=(...)``), pydantic's (the input), SQLAlchemy's (the statement's
    parameters). The types, PostgreSQL's SQLSTATE and the frames say where to look; the request
    id ties them to the request.
    """
    chain: list[dict[str, Any]] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen and len(chain) < 8:
        seen.add(id(current))
        entry: dict[str, Any] = {
            "type": f"{type(current).__module__}.{type(current).__qualname__}",
            "frames": [
                f"{frame.filename}:{frame.lineno} in {frame.name}"
                for frame in traceback.extract_tb(current.__traceback__)
            ],
        }
        # SQLAlchemy wraps the driver's error in .orig; psycopg's carries the SQLSTATE.
        sqlstate = getattr(getattr(current, "orig", None) or current, "sqlstate", None)
        if isinstance(sqlstate, str):
            entry["sqlstate"] = sqlstate
        chain.append(entry)
        current = current.__cause__ or current.__context__
    return {"error_type": chain[0]["type"], "error_chain": chain}


def configure_logging(level: str) -> None:
    """Send venuecrm's logs to stderr as JSON lines."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger("venuecrm")
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    root.propagate = False
