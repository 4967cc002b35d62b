"""docs/keys.md lists every action of the annotate page with its default keys, as
workbench/keymap.py defines them."""

from __future__ import annotations

import re
from pathlib import Path

from workbench.keymap import ACTIONS, RESERVED, parse_keymap_lines, shown

DOC = Path(__file__).resolve().parent.parent / "docs" / "keys.md"


def actions_table() -> str:
    """The table of docs/keys.md's "The default keys", from ACTIONS."""
    rows = ["| action | what it does | default keys |", "| --- | --- | --- |"]
    for action in ACTIONS:
        keys = " ".join(f"`{shown(k)}`" for k in action.keys)
        rows.append(f"| `{action.name}` | {action.description} | {keys} |")
    return "\n".join(rows)


def test_the_doc_lists_every_action_with_its_default_keys():
    text = DOC.read_text(encoding="utf-8")
    match = re.search(r"<!-- actions:[^>]*-->\n(.*?)\n<!-- /actions -->", text, re.S)
    assert match, "docs/keys.md has no <!-- actions --> table"
    assert match.group(1) == actions_table(), "paste this table:\n" + actions_table()


def test_the_doc_names_every_fixed_key():
    text = DOC.read_text(encoding="utf-8")
    for key in ("Escape", "Tab", "Ctrl+Z", "`0`", "`1`–`9`"):
        assert key in text
    assert {str(d) for d in range(10)} | {"Escape", "Tab"} == set(RESERVED)


def test_the_refusals_the_doc_quotes_are_the_ones_given():
    text = DOC.read_text(encoding="utf-8")
    rows = re.findall(r"^\| `([^|`]*)`(?: then `([^|`]*)`)? \| (line \d+: [^|]*?) \|$", text, re.M)
    assert len(rows) >= 9
    for first, second, refusal in rows:
        typed = first + ("\n" + second if second else "")
        try:
            parse_keymap_lines(typed)
        except ValueError as exc:
            said = str(exc)
        else:
            raise AssertionError(f"{typed!r} is not refused")
        head = refusal.split("…")[0].rstrip(", ")
        assert said.startswith(head), (typed, said)
