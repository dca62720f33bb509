"""The error registry: codes are distinct and the README documents every one."""

from __future__ import annotations

import re
from pathlib import Path

from venuecrm.errors import ALL_ERRORS, AuthenticationFailed

README = Path(__file__).resolve().parents[2] / "README.md"


def _codes() -> set[tuple[int, int]]:
    codes = {(error.error_code, error.specific_code) for error in ALL_ERRORS}
    codes |= {
        (401, AuthenticationFailed.MISSING_HEADER),
        (401, AuthenticationFailed.MALFORMED_HEADER),
        (401, AuthenticationFailed.UNKNOWN_KEY),
        (401, AuthenticationFailed.BAD_SIGNATURE),
        (401, AuthenticationFailed.BAD_CONTENT_MD5),
    }
    return codes


def test_specific_codes_are_unique() -> None:
    specific = [error.specific_code for error in ALL_ERRORS]
    assert len(specific) == len(set(specific))


def test_readme_documents_every_code() -> None:
    table = set(
        (int(a), int(b))
        for a, b in re.findall(r"^\| (\d{3}) \| (\d{5}) \|", README.read_text(), re.MULTILINE)
    )
    assert table == _codes()
