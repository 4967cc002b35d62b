"""`workbench dump` and `workbench restore` move a project between databases."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from tests.cli.test_cli import PASSWORD, fails, ok
from workbench.cli import main
from workbench.db import make_engine, make_session_factory
from workbench.models import Project
from workbench.schema import upgrade

DEMO = "Demo: Iran-Iraq military talks"


def make_runner(url, instance):
    runner = CliRunner()
    env = {"WORKBENCH_DATABASE_URL": url, "WORKBENCH_INSTANCE_PATH": str(instance)}

    def run(*args, input=None):
        return runner.invoke(main, list(args), env=env, input=input, catch_exceptions=False)

    return run


def test_dump_then_restore_elsewhere_gives_the_same_dump(cli, tmp_path):
    ok(cli("users", "add", "mona", "--password", PASSWORD))
    ok(cli("seed-demo", "--manager", "mona"))
    first = tmp_path / "first.jsonl"
    ok(cli("dump", "--project", DEMO, "--output", str(first)))
    header = json.loads(first.read_text(encoding="utf-8").splitlines()[0])
    assert header["format"] == "claim-workbench-dump"

    other_url = f"sqlite:///{tmp_path / 'other.sqlite3'}"
    engine = make_engine(other_url)
    upgrade(engine)
    engine.dispose()
    other = make_runner(other_url, tmp_path / "other")
    output = ok(other("restore", str(first)))
    assert f"Restored project {DEMO!r}" in output
    assert "mona" in output and "set-password" in output
    second = tmp_path / "second.jsonl"
    ok(other("dump", "--project", DEMO, "--output", str(second)))
    assert second.read_text(encoding="utf-8") == first.read_text(encoding="utf-8")


def test_restore_refuses_a_taken_name_and_a_file_that_is_no_dump(cli, tmp_path):
    ok(cli("users", "add", "mona", "--password", PASSWORD))
    ok(cli("seed-demo", "--manager", "mona"))
    dump = ok(cli("dump", "--project", DEMO))
    fails(cli("restore", "-", input=dump), "exists already")
    ok(cli("restore", "-", "--name", "Copy", input=dump))
    assert "Copy" in ok(cli("projects", "list"))
    fails(cli("restore", "-", input="hello\n"), "not valid JSON")
    fails(cli("dump", "--project", "Nope"), "No project named")


def demo_dump(cli):
    ok(cli("users", "add", "mona", "--password", PASSWORD))
    ok(cli("seed-demo", "--manager", "mona"))
    return ok(cli("dump", "--project", DEMO))


def changed(dump, kind, change):
    """Return the dump with ``change(record)`` applied to the first record of ``kind``
    (which may return a list of records to put in its place)."""
    out, done = [], False
    for line in dump.splitlines():
        record = json.loads(line)
        if record["type"] == kind and not done:
            done = True
            result = change(record)
            records = result if isinstance(result, list) else [record]
            out.extend(json.dumps(r) for r in records)
        else:
            out.append(line)
    return "\n".join(out) + "\n"


BAD_RESTORES = {
    "not utf-8": (lambda dump: dump.encode() + b"\xff\xfe\n", ["--name", "Copy"], "not UTF-8"),
    "format version 0": (
        lambda dump: changed(dump, "header", lambda r: r.update(format_version=0)),
        [],
        "format version 0",
    ),
    "unknown role": (
        lambda dump: changed(dump, "member", lambda r: r.update(role="owner")),
        ["--name", "Copy"],
        "'owner'",
    ),
    "unknown label field": (
        lambda dump: changed(dump, "label", lambda r: r.update(field="colour")),
        ["--name", "Copy"],
        "'colour'",
    ),
    "target key": (
        lambda dump: changed(dump, "target", lambda r: r.update(key="x")),
        ["--name", "Copy"],
        "'key'",
    ),
    "label repeated": (
        lambda dump: changed(dump, "label", lambda r: [r, dict(r)]),
        ["--name", "Copy"],
        "repeats the label",
    ),
    "lone surrogate": (
        lambda dump: changed(dump, "article", lambda r: r.update(title="\ud800")),
        ["--name", "Copy"],
        "the article's 'title' holds a lone surrogate",
    ),
    "blank name": (lambda dump: dump, ["--name", "   "], "project name"),
    "long name": (lambda dump: dump, ["--name", "n" * 201], "at most 200"),
}


@pytest.mark.parametrize(("edit", "options", "message"), BAD_RESTORES.values(), ids=BAD_RESTORES)
def test_restore_refuses_a_bad_dump_in_one_line_and_changes_nothing(cli, edit, options, message):
    dump = demo_dump(cli)
    projects = ok(cli("projects", "list"))
    output = fails(cli("restore", "-", *options, input=edit(dump)), message)
    assert "Traceback" not in output
    assert len(output.strip().splitlines()) == 1, output
    assert ok(cli("projects", "list")) == projects


def test_dump_reads_a_read_only_snapshot_on_postgresql(cli, database_url, monkeypatch):
    if make_url(database_url).get_backend_name() != "postgresql":
        pytest.skip("on SQLite a read transaction is a snapshot already")
    import workbench.ops.backup as backup

    seen = []
    original = backup.dump_project

    def spy(session, project):
        for record in original(session, project):
            if not seen:
                seen.append(session.execute(text("SHOW transaction_isolation")).scalar())
                seen.append(session.execute(text("SHOW transaction_read_only")).scalar())
            yield record

    monkeypatch.setattr(backup, "dump_project", spy)
    demo_dump(cli)
    assert seen == ["repeatable read", "on"]


def test_exports_read_a_read_only_snapshot_on_postgresql(cli, database_url, monkeypatch):
    """An export reads the targets, the speakers and the rows in several queries:
    on PostgreSQL in one REPEATABLE READ READ ONLY transaction, from the CLI and
    from the web."""
    if make_url(database_url).get_backend_name() != "postgresql":
        pytest.skip("on SQLite a read transaction is a snapshot already")
    import workbench.cli as cli_module
    import workbench.web.exports as web_exports

    seen = []

    def spy(session, project, **options):
        seen.append(
            (
                session.execute(text("SHOW transaction_isolation")).scalar(),
                session.execute(text("SHOW transaction_read_only")).scalar(),
            )
        )
        return iter([project.name])

    monkeypatch.setattr(cli_module, "export_stream", spy)
    monkeypatch.setattr(web_exports, "export_stream", spy)
    demo_dump(cli)
    assert ok(cli("export", "--project", DEMO)) == DEMO
    engine = make_engine(database_url)
    try:
        sessions = make_session_factory(engine)
        with sessions() as session:
            project_id = session.scalar(select(Project.id).where(Project.name == DEMO))
        assert list(web_exports._stream(sessions, project_id)) == [DEMO]
    finally:
        engine.dispose()
    assert seen == [("repeatable read", "on")] * 2


def annotated_demo_dump(cli, database_url, tmp_path):
    """The demo project with annotations and history (so that it has more than 60 lines),
    dumped with ``--output``; return the file."""
    ok(cli("users", "add", "mona", "--password", PASSWORD))
    ok(cli("seed-demo", "--manager", "mona"))
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as session:
            from workbench.models import User
            from workbench.ops.annotations import AnnotationInput, save_annotation
            from workbench.ops.claims import active_claims

            project = session.scalar(select(Project).where(Project.name == DEMO))
            mona = session.scalar(select(User).where(User.username == "mona"))
            for claim in active_claims(session, project.articles[0]):
                values = AnnotationInput(verifiability="verifiable")
                save_annotation(session, project, claim, mona, values, base_version=None)
            session.commit()
    finally:
        engine.dispose()
    dump = tmp_path / "p1.jsonl"
    ok(cli("dump", "--project", DEMO, "--output", str(dump)))
    return dump


def test_a_dump_cut_by_head_is_refused_and_changes_nothing(cli, database_url, tmp_path):
    """The issue's reproduction: dump; head -n N p1.jsonl > t.jsonl; restore t.jsonl
    (N falls among the annotations; every claim has suggestions before them)."""
    dump = annotated_demo_dump(cli, database_url, tmp_path)
    lines = dump.read_text(encoding="utf-8").splitlines(keepends=True)
    assert len(lines) > 100
    first = next(i for i, line in enumerate(lines) if '"type": "annotation"' in line)
    cut = tmp_path / "t.jsonl"
    cut.write_text("".join(lines[: first + 10]), encoding="utf-8")  # what `head` writes
    projects = ok(cli("projects", "list"))
    result = cli("restore", str(cut), "--name", "P1-cut")
    output = fails(result, "The dump has no closing record: it is cut short or not a whole dump.")
    assert "Restored" not in output and "Traceback" not in output
    # What it lacks, from the counts in the header: 30 annotations (one per claim) and
    # the history, which comes after them: theirs and the project's creation.
    assert re.search(r" It has \d+ of 30 annotations and 0 of 31 history entries\.$", output)
    assert ok(cli("projects", "list")) == projects
    # The whole file restores, with no warning.
    result = cli("restore", str(dump), "--name", "P1-whole")
    assert "Restored project 'P1-whole'" in ok(result)
    assert result.stderr == ""


def test_a_dump_of_the_previous_format_restores_with_a_warning_on_stderr(
    cli, database_url, tmp_path
):
    dump = annotated_demo_dump(cli, database_url, tmp_path)
    records = [json.loads(line) for line in dump.read_text(encoding="utf-8").splitlines()]
    records[0]["format_version"] = 2
    old = "".join(json.dumps(r) + "\n" for r in records if r["type"] != "end")
    result = cli("restore", "-", "--name", "Old", input=old)
    assert "Restored project 'Old'" in ok(result)
    assert result.stderr == (
        "Warning: The dump has format version 2, from before dumps ended with a closing "
        "record: it cannot be checked for completeness. Compare the restored project with "
        "the one dumped.\n"
    )
