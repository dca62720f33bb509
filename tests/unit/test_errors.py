"""The error catalogue: the classes in venuecrm.errors are its one source; the README agrees."""

from __future__ import annotations

import re
from pathlib import Path

from venuecrm.errors import ALL_ERRORS, BY_SPECIFIC_CODE, VenueCrmError, catalogue

README = Path(__file__).resolve().parents[2] / "README.md"
ROW = re.compile(r"^\| (\d{3}) \| (\d{5}) \| (.*) \|$", re.MULTILINE)


def _every_subclass(cls: type[VenueCrmError]) -> list[type[VenueCrmError]]:
    found: list[type[VenueCrmError]] = []
    for sub in cls.__subclasses__():
        found += [sub, *_every_subclass(sub)]
    return found


def expected_table() -> str:
    """The README's error table rows, as they must read (copy this when the test fails)."""
    return "\n".join(f"| {a} | {b} | {text} |" for a, b, text in catalogue())


def test_all_errors_is_every_class_with_a_code() -> None:
    walked = {e for e in _every_subclass(VenueCrmError) if e.specific_code}
    assert set(ALL_ERRORS) == walked
    assert len(ALL_ERRORS) == len(walked)


def test_specific_codes_are_unique() -> None:
    codes = [code for _, code, _ in catalogue()]
    assert len(codes) == len(set(codes))
    assert set(BY_SPECIFIC_CODE) <= set(codes)


def test_every_code_has_a_meaning() -> None:
    assert all(text for _, _, text in catalogue())


def test_readme_table_is_the_catalogue() -> None:
    """Row for row, in order: a new error class needs its README line, and nothing else."""
    rows = "\n".join(m.group(0) for m in ROW.finditer(README.read_text()))
    assert rows == expected_table()


def test_docs_name_only_codes_of_the_catalogue() -> None:
    """docs/ restates the protocol: every specific code it names is one venuecrm answers."""
    docs = README.parent / "docs"
    text = "\n".join(path.read_text() for path in sorted(docs.glob("*.md")))
    named = {int(code) for code in re.findall(r"\b(2[34]\d{3}|90\d{3})\b", text)}
    assert named - {code for _, code, _ in catalogue()} == set()
