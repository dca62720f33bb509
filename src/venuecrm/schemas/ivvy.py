"""iVvy wire models shared by every action: the error envelope, timestamps, ping."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel


def format_timestamp(moment: datetime) -> str:
    """An iVvy timestamp: ``yyyy-mm-dd HH:mm:ss UTC`` (reference section 5)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


class ErrorEnvelope(BaseModel):
    """iVvy's error body; the HTTP status equals ``errorCode``."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        json_schema_extra={
            "example": {
                "errorCode": 401,
                "message": "Request is stale",
                "specificCode": 23005,
                "additionalMessages": [],
            }
        },
    )

    error_code: int = Field(description="HTTP-like code; also the HTTP status.")
    message: str
    specific_code: int = Field(description="iVvy's 5-digit code (90xxx are venuecrm's own).")
    additional_messages: list[str] = Field(description='Every problem, as "path: reason".')


class Pong(BaseModel):
    """Reply of ``test?action=ping``."""

    model_config = ConfigDict(json_schema_extra={"example": {"ack": "2026-11-24 10:00:00 UTC"}})

    ack: str = Field(description="Server time as an iVvy timestamp.")
