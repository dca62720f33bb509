"""Imports point down: entry points -> edges -> features -> (wire, platform) -> errors/config/logs.

Every module under src/venuecrm is parsed (ast, nothing is imported) and each `venuecrm` import,
including ones inside functions and under TYPE_CHECKING, is checked against the layer table.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"
PACKAGE = "venuecrm"

# Layer of a module, from its first component below `venuecrm`.
LAYERS: dict[str, str] = {
    "__main__": "entry",
    "app": "entry",
    "cli": "entry",
    "edges": "edges",
    "features": "features",
    "wire": "wire",
    "platform": "platform",
    "errors": "base",
    "config": "base",
    "logs": "base",
}

# What each layer may import (its own layer included where listed).
ALLOWED: dict[str, set[str]] = {
    "entry": {"entry", "edges", "features", "wire", "platform", "base"},
    "edges": {"edges", "features", "wire", "platform", "base"},
    "features": {"features", "wire", "platform", "base"},
    "wire": {"wire", "base"},
    "platform": {"platform", "base"},
    "base": {"base"},
}


def _layer(module: str) -> str:
    parts = module.split(".")
    assert parts[0] == PACKAGE, module
    if len(parts) == 1:
        return "entry"  # the package itself (`from venuecrm import x`) counts as the top
    return LAYERS[parts[1]]


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path, module: str) -> list[tuple[int, str]]:
    """Every `venuecrm` module the file imports, with its line, relative imports resolved."""
    tree = ast.parse(path.read_text(), filename=str(path))
    is_package = path.name == "__init__.py"
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                drop = node.level - 1 if is_package else node.level
                base = base[: len(base) - drop]
                name = ".".join([*base, node.module] if node.module else base)
            else:
                name = node.module or ""
            found.append((node.lineno, name))
    return [(line, name) for line, name in found if name.split(".")[0] == PACKAGE]


def _modules() -> list[Path]:
    return sorted((SRC / PACKAGE).rglob("*.py"))


def upward_imports() -> list[str]:
    """Each import that points up or sideways out of its layer, as `file:line: a -> b`."""
    wrong: list[str] = []
    for path in _modules():
        module = _module_name(path)
        layer = _layer(module)
        for line, target in _imports(path, module):
            if _layer(target) not in ALLOWED[layer]:
                where = path.relative_to(SRC)
                wrong.append(f"{where}:{line}: {layer} {module} -> {_layer(target)} {target}")
    return wrong


def test_every_module_has_a_layer() -> None:
    for path in _modules():
        _layer(_module_name(path))  # KeyError names a new top-level module without a layer


def test_imports_point_down() -> None:
    assert upward_imports() == []


@pytest.mark.parametrize(
    ("source", "module", "expected"),
    [
        ("from venuecrm.edges.http import deps\n", "venuecrm.platform.uow", "edges"),
        ("from ..features import problems\n", "venuecrm.wire.parsing", "features"),
        ("def f():\n    import venuecrm.cli\n", "venuecrm.errors", "entry"),
    ],
)
def test_an_upward_import_is_found(tmp_path: Path, source: str, module: str, expected: str) -> None:
    """The checker itself: an upward import, relative or inside a function, is reported."""
    path = tmp_path / "src" / Path(*module.split(".")).with_suffix(".py")
    path.parent.mkdir(parents=True)
    path.write_text(source)
    (target,) = _imports(path, module)
    assert _layer(target[1]) == expected
    assert _layer(target[1]) not in ALLOWED[_layer(module)]
