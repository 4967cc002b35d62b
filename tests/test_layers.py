"""The layers import only downward (DESIGN.md): text -> data -> interfaces."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "workbench"

PURE = {
    "text",
    "importing",
    "importing_annotations",
    "exporting",
    "labels",
    "permissions",
    "settings",
    "errors",
    "resources",
    "merges",
    "suggest",
    "fields",
    "pagination",
    "words",
    "review",
    "charts",
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


# What a pure module may not load, directly or through anything it imports.
HEAVY = ("flask", "werkzeug", "jinja2", "wtforms", "flask_wtf", "sqlalchemy", "alembic")
PURE_IMPORTS = (
    "workbench",
    "workbench.text",
    "workbench.text.splitter",
    "workbench.text.storable",
    "workbench.suggest",
    "workbench.suggest.model",
    "workbench.importing",
    "workbench.importing_annotations",
    "workbench.exporting",
    "workbench.labels",
    "workbench.fields",
    "workbench.permissions",
    "workbench.settings",
    "workbench.errors",
    "workbench.resources",
    "workbench.merges",
    "workbench.pagination",
    "workbench.words",
    "workbench.review",
    "workbench.review.agreement",
    "workbench.review.assignment",
    "workbench.review.tables",
    "workbench.charts",
    "workbench.review.disagreement",
)
_LOADED = """
import importlib, sys
importlib.import_module(sys.argv[1])
heavy = sys.argv[2].split(",")
print(",".join(sorted({n.split(".")[0] for n in sys.modules} & set(heavy))))
"""


@pytest.mark.parametrize("module", PURE_IMPORTS)
def test_pure_modules_load_no_web_framework_or_database(module):
    """What importing a pure module really loads, in a fresh interpreter: not only
    its own imports, but everything they import in turn (the package root too)."""
    done = subprocess.run(
        [sys.executable, "-c", _LOADED, module, ",".join(HEAVY)],
        capture_output=True,
        text=True,
        check=True,
        cwd=PACKAGE.parent,
    )
    loaded = done.stdout.strip()
    assert not loaded, f"import {module} loads {loaded}"


def test_every_pure_package_is_checked_for_what_it_loads():
    top = {name.split(".")[1] for name in PURE_IMPORTS if "." in name}
    assert PURE <= top, f"not checked for what they load: {sorted(PURE - top)}"
