"""docs/review.md lists each action and the roles that hold it as workbench.permissions
declares them."""

from __future__ import annotations

from pathlib import Path

from workbench.permissions import ACTIONS, ANNOTATOR, ARTICLE, ROLES

DOC = Path(__file__).resolve().parents[1] / "docs" / "review.md"


def _table() -> list[str]:
    text = DOC.read_text(encoding="utf-8")
    start = text.index("<!-- roles-table")
    body = text[start : text.index("<!-- end roles-table -->")]
    return [line for line in body.splitlines() if line.startswith("| `")]


def test_the_roles_table_matches_the_actions():
    rows = {}
    for line in _table():
        cells = [c.strip() for c in line.strip("|").split("|")]
        rows[cells[0].strip("`")] = cells[2:]
    assert list(rows) == list(ACTIONS)
    for name, action in ACTIONS.items():
        for role, cell in zip(ROLES, rows[name], strict=True):
            if role not in action.roles:
                expected = ""
            elif action.on == ARTICLE and role == ANNOTATOR:
                expected = "assigned"
            else:
                expected = "yes"
            assert cell == expected, (name, role)
