"""The layers import only downward (DESIGN.md): text -> data -> interfaces."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "workbench"

PURE = {
    "text",
    "importing",
    "exporting",
    "labels",
    "permissions",
    "settings",
    "errors",
    "resources",
    "merges",
    "suggest",
}
DATA = {"models", "ops", "db", "schema", "migrations", "jobs"}
FORBIDDEN = {
    "pure": (
        "flask",
        "flask_wtf",
        "wtforms",
        "sqlalchemy",
        "alembic",
        "workbench.models",
        "workbench.ops",
        "workbench.db",
        "workbench.schema",
        "workbench.web",
        "workbench.cli",
    ),
    "data": ("flask", "flask_wtf", "wtforms", "workbench.web", "workbench.cli"),
}


def layer_of(path: Path) -> str | None:
    top = path.relative_to(PACKAGE).parts[0].removesuffix(".py")
    if top in PURE:
        return "pure"
    if top in DATA:
        return "data"
    return None


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


MODULES = sorted(p for p in PACKAGE.rglob("*.py") if layer_of(p))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_lower_layers_do_not_import_higher_ones(path):
    layer = layer_of(path)
    bad = sorted(
        name
        for name in imports(path)
        for forbidden in FORBIDDEN[layer]
        if name == forbidden or name.startswith(forbidden + ".")
    )
    assert not bad, f"{path.name} ({layer} layer) imports {bad}"


def test_the_check_sees_the_modules_it_guards():
    names = {str(p.relative_to(PACKAGE)) for p in MODULES}
    assert {"text/splitter.py", "importing.py", "exporting.py", "ops/annotations.py"} <= names
