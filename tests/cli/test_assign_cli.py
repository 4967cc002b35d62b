"""`workbench assign`: k per article, by hand, hand-over, modes and queues from the CLI."""

from __future__ import annotations

from sqlalchemy import func, select

from tests.cli.test_cli import fails, ok, talks  # noqa: F401 (a fixture)
from tests.conftest import PASSWORD
from workbench.models import Article, Assignment, Project


def _setup(cli, tmp_path):
    for name in ("ann", "bob"):
        ok(cli("users", "add", name, "--password", PASSWORD))
        ok(cli("projects", "add-member", "Talks", name))
    source = tmp_path / "a.txt"
    for n in range(4):
        source.write_text(f"Minister {n} said the talks went well. They resume on day {n}.\n")
        ok(cli("import", "--project", "Talks", str(source), "--no-progress"))


def test_auto_then_list_then_hand_over(cli, session, talks, tmp_path):  # noqa: F811
    _setup(cli, tmp_path)
    out = ok(
        cli(
            "assign",
            "auto",
            "--project",
            "Talks",
            "--annotator",
            "ann",
            "--annotator",
            "bob",
            "--k",
            "1",
        )
    )
    assert "Made 4 assignments: ann 2, bob 2." in out
    assert "Annotators now annotate only the articles assigned to them." in out
    assert (
        ok(cli("assign", "list", "--project", "Talks"))
        == "annotator,articles\nann,2\nbob,2\nmona,0\n"
    )
    queue = ok(cli("assign", "list", "--project", "Talks", "--annotator", "ann")).splitlines()
    assert queue[0] == "article_id,title,claims,done,draft,state"
    assert len(queue) == 3 and all(line.endswith("not started") for line in queue[1:])
    out = ok(cli("assign", "hand-over", "--project", "Talks", "--from", "ann", "--to", "bob"))
    assert "Made 2 assignments: bob 2." in out
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Assignment)) == 4
    again = ok(
        cli(
            "assign",
            "auto",
            "--project",
            "Talks",
            "--annotator",
            "ann",
            "--annotator",
            "bob",
            "--k",
            "1",
        )
    )
    assert "Nothing was assigned: each had its annotators already." in again


def test_add_remove_and_modes(cli, session, talks, tmp_path):  # noqa: F811
    _setup(cli, tmp_path)
    first = session.scalar(select(func.min(Article.id)))
    ok(cli("assign", "add", "--project", "Talks", "--annotator", "ann", "--article", str(first)))
    assert "assigned-only: yes; blind: yes" in ok(cli("assign", "mode", "--project", "Talks"))
    out = ok(cli("assign", "mode", "--project", "Talks", "--open", "--not-blind"))
    assert "Annotators may now annotate any article." in out
    assert "assigned-only: no; blind: no" in out
    session.rollback()
    assert session.scalar(select(Project.blind)) is False
    ok(cli("assign", "remove", "--project", "Talks", "--annotator", "ann", "--article", str(first)))
    fails(
        cli(
            "assign", "remove", "--project", "Talks", "--annotator", "ann", "--article", str(first)
        ),
        f"Article {first} is not assigned to ann.",
    )


def test_bad_input_is_refused_and_changes_nothing(cli, session, talks, tmp_path):  # noqa: F811
    _setup(cli, tmp_path)
    fails(
        cli("assign", "auto", "--project", "Talks", "--annotator", "ann", "--k", "2"),
        "between 1 and the 1 chosen",
    )
    fails(
        cli("assign", "auto", "--project", "Talks", "--annotator", "ghost", "--k", "1"),
        "Not a member of this project: ghost",
    )
    fails(
        cli("assign", "add", "--project", "Talks", "--annotator", "ann", "--article", "99999"),
        "No such article in this project: 99999",
    )
    fails(cli("assign", "list", "--project", "Nope"), "No project named 'Nope'")
    fails(
        cli("assign", "hand-over", "--project", "Talks", "--from", "ghost", "--to", "ann"),
        "No user named 'ghost'",
    )
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Assignment)) == 0
    assert session.scalar(select(Project.assigned_only)) is False


def test_progress_prints_each_annotators_counts(cli, talks, tmp_path):  # noqa: F811
    _setup(cli, tmp_path)
    lines = ok(cli("progress", "--project", "Talks")).splitlines()
    assert lines[0].startswith("annotator,role,claims,done,draft,not_started,last_active,")
    assert "speaker_kept,speaker_suggested" in lines[0]
    rows = {line.split(",")[0]: line.split(",") for line in lines[1:]}
    assert set(rows) == {"ann", "bob", "mona"}
    assert rows["ann"][3:7] == ["0", "0", rows["ann"][2], ""]
