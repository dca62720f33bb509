"""The one registry of error codes venuecrm answers with: the classes below are the catalogue.

Every failure a client can see is a ``VenueCrmError``: ``error_code`` is iVvy's HTTP-like code
(and the HTTP status), ``specific_code`` the 5-digit code and ``meaning`` its line in the README's
error table, which ``tests/unit/test_errors.py`` checks against ``catalogue()``. iVvy's own codes
come from ``docs/ivvy.md``; codes in the 90xxx range are ours, for cases iVvy documents no code
for (docs/ivvy.md D27). Defining a subclass with a ``specific_code`` registers it in
``ALL_ERRORS``; there is no second list to keep in step.

iVvy documents two "request contains invalid data" codes per lookup (docs/ivvy.md §3.6); venuecrm
gives the first to a body it cannot read and the second to details that fail validation.
24438 is iVvy's "venue does not exist" of addOrUpdateOpportunityNote (docs/ivvy.md §3.3): iVvy
documents no code for getVenue. 24096 and 24153 are getContact's and getCompany's codes
(docs/ivvy.md §4.5); D29 gives them to updates of an unknown id too. The note codes follow
the lookups' split: 24436 ("the request contains invalid") for a body that cannot be read, 24437
("invalid data") for details that fail validation. 24435 ("an error has occurred") is never
answered: failures are 500 / 90500.
"""

from __future__ import annotations

from venuecrm.errors import actions, protocol
from venuecrm.errors.actions import *  # noqa: F403 (each module's __all__)
from venuecrm.errors.base import _DEFINED, VenueCrmError
from venuecrm.errors.protocol import *  # noqa: F403

# Every error with a code: the protocol's, then the actions', each in the order defined (the
# README's order). A stable sort, since the imports above are in alphabetical order.
ALL_ERRORS: tuple[type[VenueCrmError], ...] = tuple(
    sorted(
        (e for e in _DEFINED if e.specific_code),
        key=lambda e: e.__module__ == actions.__name__,
    )
)

BY_SPECIFIC_CODE: dict[int, type[VenueCrmError]] = {e.specific_code: e for e in ALL_ERRORS}


def catalogue() -> list[tuple[int, int, str]]:
    """Every (errorCode, specificCode, meaning) a client can get, in the README's order."""
    rows: list[tuple[int, int, str]] = []
    for error in ALL_ERRORS:
        meanings = getattr(error, "meanings", {error.specific_code: error.meaning})
        rows += [(error.error_code, code, text) for code, text in meanings.items()]
    return rows


__all__ = ["ALL_ERRORS", "BY_SPECIFIC_CODE", "VenueCrmError", "catalogue"]
__all__ += protocol.__all__
__all__ += actions.__all__
