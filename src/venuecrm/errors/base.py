"""The base of every error a client can see, and the list each new error class joins."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

_DEFINED: list[type[VenueCrmError]] = []


class VenueCrmError(Exception):
    """A failure with an iVvy error code; rendered by ``edges.http.envelope`` only."""

    error_code: ClassVar[int] = 400
    specific_code: int = 0
    default_message: ClassVar[str] = "Bad request"
    # The line of the README's error table; every class with a specific code has one.
    meaning: ClassVar[str] = ""
    # Extra response headers (Retry-After, RateLimit-*); most errors have none.
    headers: Mapping[str, str] = {}

    def __init__(
        self,
        message: str | None = None,
        additional_messages: list[str] | None = None,
        *,
        specific_code: int | None = None,
    ) -> None:
        self.message = message or self.default_message
        self.additional_messages = list(additional_messages or [])
        if specific_code is not None:
            self.specific_code = specific_code
        super().__init__(self.message)

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        _DEFINED.append(cls)
