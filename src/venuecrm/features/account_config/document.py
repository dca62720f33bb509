"""The configuration file as text: YAML in, every problem with its path, YAML out."""

from __future__ import annotations

from typing import Any

import yaml
from pydantic import (
    ValidationError,
)
from pydantic.alias_generators import to_camel
from pydantic_core import ErrorDetails

from venuecrm.features.account_config.schemas import ConfigFile, CustomFieldRecord
from venuecrm.wire.parsing import Parsed, describe, format_path

_WIRE_NAMES = {
    name: to_camel(name)
    for model in (CustomFieldRecord,)
    for name, info in model.model_fields.items()
    if info.validate_default
}


def load_yaml(text: str) -> tuple[Any, list[str]]:
    """The YAML document, or the problem that stops it being read."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        reason = getattr(exc, "problem", None) or "unreadable"
        return None, [f"file: not valid YAML{where}: {reason}"]
    if data is None:
        return None, ["file: is empty"]
    if not isinstance(data, dict):
        return None, ["file: must be a mapping of sections (version, venues, users, ...)"]
    return data, []


def _wire_loc(error: ErrorDetails) -> ErrorDetails:
    """Pydantic locates an error in a default value (``validate_default``) by attribute name."""
    loc = tuple(
        _WIRE_NAMES.get(part, part) if isinstance(part, str) else part for part in error["loc"]
    )
    return {**error, "loc": loc}


def check_structure(data: dict[str, Any]) -> Parsed[ConfigFile]:
    """The file as a model, or every problem the model finds, with the paths they are at."""
    try:
        return Parsed(ConfigFile.model_validate(data))
    except ValidationError as exc:
        errors = [_wire_loc(error) for error in exc.errors(include_url=False)]
    return Parsed(
        None,
        [describe(error) for error in errors],
        {format_path(error["loc"]) for error in errors},
    )


def dump_yaml(config: ConfigFile) -> str:
    """The file's text: keys in model order, records in the order given."""
    return yaml.safe_dump(
        config.model_dump(by_alias=True), sort_keys=False, allow_unicode=True, width=100
    )


__all__ = [
    "check_structure",
    "dump_yaml",
    "load_yaml",
]
