"""`workbench projects keys`: print a project's annotate-page keys, set them from a file."""

from __future__ import annotations

from sqlalchemy import select

from tests.cli.test_cli import fails, ok, talks  # noqa: F401 (a fixture)
from workbench.keymap import defaults, format_keymap_lines
from workbench.models import HistoryEntry, Project


def _keymap(session, name="Talks"):
    session.rollback()  # a new transaction: see what the commands committed
    return session.scalar(select(Project.keymap).where(Project.name == name))


def test_keys_prints_the_default_lines(cli, talks):  # noqa: F811
    assert ok(cli("projects", "keys", talks)) == format_keymap_lines(defaults()) + "\n"


def test_keys_set_from_a_file_and_standard_input(cli, session, talks, tmp_path):  # noqa: F811
    keys = tmp_path / "keys.txt"
    keys.write_text("# our keys\nnote: m\nundo: z\n", encoding="utf-8")
    result = cli("projects", "keys", talks, "--set", str(keys))
    assert result.exit_code == 0, result.output
    assert "note: m" in result.stdout.splitlines()
    assert "The keys of 'Talks' are changed." in result.stderr
    assert _keymap(session) == {"note": ["m"], "undo": ["z"]}
    entry = session.scalar(select(HistoryEntry).where(HistoryEntry.action == "edit-keys"))
    assert entry.user_id is None and entry.after == {"keys": "undo: z\nnote: m"}

    again = cli("projects", "keys", talks, "--set", str(keys))
    assert "The keys are unchanged." in again.stderr

    result = cli("projects", "keys", talks, "--set", "-", input="")
    assert result.exit_code == 0, result.output
    assert _keymap(session) is None, "an empty file restores the defaults"


def test_keys_refuses_bad_lines_naming_the_line_and_changes_nothing(
    cli,
    session,
    talks,  # noqa: F811
):
    ok(cli("projects", "keys", talks, "--set", "-", input="note: m\n"))
    fails(
        cli("projects", "keys", talks, "--set", "-", input="help: h\nundo: k\n"),
        "Keys on the annotate page, line 2: the key 'k' belongs to 'previous' by default",
    )
    assert _keymap(session) == {"note": ["m"]}


def test_keys_of_an_unknown_project(cli, talks):  # noqa: F811
    fails(cli("projects", "keys", "Nope"), "No project named 'Nope' (projects: Talks).")
