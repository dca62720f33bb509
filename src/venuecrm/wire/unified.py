"""The unified CRM's (Apideck's) shared wire shapes: ids, texts, the envelope, paging, errors.

Every /crm resource's models build on these, so the envelope and error replies exist once.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

_DIGITS = re.compile(r"^\d{1,10}$")


def _id(value: str | None) -> str | None:
    if value is not None and not _DIGITS.match(value):
        raise ValueError("not an id of this server (digits)")
    return value


RecordId = Annotated[str, StringConstraints(strict=True), AfterValidator(_id)]
Text = Annotated[str, StringConstraints(strict=True, max_length=65535)]
Short = Annotated[str, StringConstraints(strict=True, max_length=255)]


class CustomField(BaseModel):
    """A custom field value: ``id`` is the field id, ``name`` its display name."""

    model_config = ConfigDict(extra="ignore")

    id: str | None = None
    name: str | None = None
    description: str | None = None
    value: Any = None


class Input(BaseModel):
    """A write body: unknown and read-only keys are ignored, as the SDKs echo what they read."""

    model_config = ConfigDict(extra="ignore")

    def sent(self, name: str) -> bool:
        """Whether the client sent this key (explicit null included)."""
        return name in self.model_fields_set


class Envelope(BaseModel):
    """Apideck's reply envelope; ``data`` (and a list's ``meta`` and ``links``) come with it."""

    status_code: int
    status: str = "OK"
    service: str = "venuecrm"
    resource: str
    operation: str


class UnifiedId(BaseModel):
    """The id of the record written."""

    model_config = ConfigDict(json_schema_extra={"example": {"id": "755"}})

    id: str


class Cursors(BaseModel):
    """Opaque cursors; ``next`` is null on the last page."""

    previous: str | None = None
    current: str | None = None
    next: str | None = None


class Meta(BaseModel):
    """Page facts."""

    items_on_page: int
    cursors: Cursors
    total_count: int


class Links(BaseModel):
    """Full URLs of the pages."""

    previous: str | None = None
    current: str
    next: str | None = None


class ErrorResponse(BaseModel):
    """Apideck's error reply."""

    status_code: int
    error: str
    type_name: str
    message: str
    detail: str | dict[str, Any] = Field(
        description='Every problem as "path: reason" in detail.problems, or a message.'
    )
    ref: str


class BadRequestResponse(ErrorResponse):
    """400: the body or query does not fit the schema."""


class UnauthorizedResponse(ErrorResponse):
    """401: no valid Bearer token."""


class NotFoundResponse(ErrorResponse):
    """404: no such opportunity in the account."""


class TooManyRequestsResponse(ErrorResponse):
    """429: the key's rate limit, the address's failed-authentication limit, or a record that
    stayed locked by another request past the lock timeout; see Retry-After."""


class UnprocessableResponse(ErrorResponse):
    """422: a rule of the account is broken."""


class ServiceUnavailableResponse(ErrorResponse):
    """503: the database is unavailable or busy; see Retry-After."""
