"""Where the templates, static files and seeds are.

An installed wheel has them inside the package (see pyproject.toml); a source
checkout (editable install, tests) has them at the top of the repository.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    """Return the folder ``name`` (templates, static or seeds); raises FileNotFoundError."""
    for candidate in (PACKAGE / name, PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"the workbench's {name}/ folder is missing from the installation")
