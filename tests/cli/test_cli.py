"""The ``workbench`` command line, run through click's CliRunner on the test database."""

from __future__ import annotations

import json

import click
import pandas as pd
import pytest
from click.testing import CliRunner
from sqlalchemy import func, select, text

from workbench.cli import Context, main, prepare_database
from workbench.db import make_engine
from workbench.exporting import long_columns
from workbench.models import Article, LoginSession, Membership, Project, User
from workbench.ops.demo import DEMO_NAME
from workbench.ops.sessions import start_session
from workbench.ops.users import authenticate
from workbench.schema import head_revision, schema_state, upgrade

PASSWORD = "a long password"


def ok(result):
    assert result.exit_code == 0, result.output
    return result.output


def fails(result, message):
    assert result.exit_code != 0, result.output
    assert message in result.output
    return result.output


@pytest.fixture
def talks(cli):
    ok(cli("users", "add", "mona", "--password", PASSWORD))
    ok(
        cli(
            "projects",
            "create",
            "Talks",
            "--target",
            "Cooperation",
            "--target",
            "Sanctions",
            "--manager",
            "mona",
        )
    )
    return "Talks"


def test_help_lists_the_commands(cli):
    output = ok(cli("--help"))
    for command in (
        "db",
        "users",
        "projects",
        "import",
        "export",
        "codebook",
        "seed-demo",
        "serve",
    ):
        assert f"  {command} " in output
    assert "WORKBENCH_DATABASE_URL" in output
    assert "upgrade" in ok(cli("db", "--help"))


def test_db_status_and_upgrade(cli, session):
    head = head_revision()
    output = ok(cli("db", "status"))
    assert f"schema: {head} (this workbench: {head})" in output
    assert "Run `workbench db upgrade`" not in output
    assert ok(cli("db", "upgrade")) == f"Database schema: {head} -> {head}.\n"
    session.execute(text("UPDATE alembic_version SET version_num = '0000'"))
    session.commit()
    try:
        output = cli("db", "status")
        assert output.exit_code == 1
        assert "schema: 0000" in output.output
        assert "Run `workbench db upgrade`." in output.output
        fails(cli("projects", "list"), "Back it up, then run `workbench db upgrade`.")
    finally:
        # on PostgreSQL the next test reuses this database (only the tables are emptied)
        session.execute(text("UPDATE alembic_version SET version_num = :head"), {"head": head})
        session.commit()


def test_db_upgrade_creates_an_empty_database(tmp_path):
    url = f"sqlite:///{tmp_path / 'new.sqlite3'}"
    env = {"WORKBENCH_DATABASE_URL": url, "WORKBENCH_INSTANCE_PATH": str(tmp_path / "i")}
    runner = CliRunner()
    status = runner.invoke(main, ["db", "status"], env=env)
    assert status.exit_code == 1
    assert "schema: empty" in status.output
    result = runner.invoke(main, ["users", "add", "ann", "--password", PASSWORD], env=env)
    assert result.exit_code != 0
    assert "The database is empty. Run `workbench db upgrade`" in result.output
    result = runner.invoke(main, ["db", "upgrade"], env=env)
    assert result.output == f"Database schema: empty -> {head_revision()}.\n"
    assert (
        runner.invoke(main, ["users", "add", "ann", "--password", PASSWORD], env=env).exit_code == 0
    )


def test_users_add_and_set_password(cli, session):
    assert ok(cli("users", "add", "ann", "--password", PASSWORD)) == "Created user ann.\n"
    assert ok(cli("users", "add", "root", "--admin", "--password", PASSWORD)) == (
        "Created admin user root.\n"
    )
    assert ok(cli("users", "add", "bob", input=f"{PASSWORD}\n{PASSWORD}\n")).endswith(
        "Created user bob.\n"
    )
    users = {u.username: u for u in session.scalars(select(User))}
    assert {name: u.is_admin for name, u in users.items()} == {
        "ann": False,
        "root": True,
        "bob": False,
    }
    assert authenticate(session, "bob", PASSWORD, address="cli") is not None
    session.rollback()  # release the write lock before the next command
    fails(cli("users", "add", "ann", "--password", PASSWORD), "Error: The username 'ann' is taken.")
    fails(cli("users", "add", "eve", "--password", "short"), "at least 8 characters")
    fails(cli("users", "add", "has space", "--password", PASSWORD), "A username is")
    session.rollback()
    assert session.scalar(select(func.count()).select_from(User)) == 3

    assert ok(cli("users", "set-password", "ann", "--password", "another password")) == (
        "Password changed for ann.\n"
    )
    session.rollback()
    assert authenticate(session, "ann", "another password", address="cli") is not None
    session.rollback()
    fails(cli("users", "set-password", "ann", "--password", "short"), "at least 8 characters")
    fails(
        cli("users", "set-password", "ghost", "--password", PASSWORD),
        "Error: No user named 'ghost'.",
    )


def test_users_end_sessions_deactivate_and_activate(cli, session):
    ok(cli("users", "add", "ann", "--password", PASSWORD))
    ok(cli("users", "add", "root", "--admin", "--password", PASSWORD))
    ann = session.scalar(select(User).where(User.username == "ann"))
    for _ in range(2):
        start_session(session, ann)
    session.commit()

    def still_open():
        session.rollback()
        session.expire_all()  # nothing to roll back after a commit: rollback expires nothing
        return session.scalar(
            select(func.count())
            .select_from(LoginSession)
            .where(LoginSession.user_id == ann.id, LoginSession.ended_at.is_(None))
        )

    assert ok(cli("users", "end-sessions", "ann")) == "Ended 2 session(s) of ann.\n"
    assert still_open() == 0
    start_session(session, ann)
    session.commit()
    assert ok(cli("users", "deactivate", "ann")) == "Deactivated ann (1 session(s) ended).\n"
    assert still_open() == 0
    assert authenticate(session, "ann", PASSWORD, address="cli") is None
    session.rollback()
    assert ok(cli("users", "activate", "ann")) == "ann can log in again.\n"
    assert authenticate(session, "ann", PASSWORD, address="cli") is not None
    session.rollback()
    fails(cli("users", "deactivate", "root"), "Error: root is the last active administrator.")
    for command in ("end-sessions", "deactivate", "activate"):
        fails(cli("users", command, "ghost"), "Error: No user named 'ghost'.")


def test_set_password_ends_every_session(cli, session):
    ok(cli("users", "add", "ann", "--password", PASSWORD))
    ann = session.scalar(select(User).where(User.username == "ann"))
    start_session(session, ann)
    session.commit()
    ok(cli("users", "set-password", "ann", "--password", "another password"))
    session.rollback()
    assert session.scalar(select(LoginSession.ended_reason)) == "password"


def test_projects_create_and_add_member(cli, session, talks):
    project = session.scalar(select(Project).where(Project.name == "Talks"))
    assert [t.name for t in project.targets] == ["Cooperation", "Sanctions"]
    ok(cli("users", "add", "ann", "--password", PASSWORD))
    assert ok(cli("projects", "add-member", "Talks", "ann")) == "ann is annotator of 'Talks'.\n"
    assert ok(cli("projects", "add-member", "Talks", "ann", "--role", "manager")) == (
        "ann is manager of 'Talks'.\n"
    )
    session.rollback()  # a new transaction sees the commands' commits
    roles = dict(
        session.execute(
            select(User.username, Membership.role).join(Membership).order_by(User.username)
        ).all()
    )
    assert roles == {"ann": "manager", "mona": "manager"}
    assert ok(cli("projects", "list")) == "Talks\n"
    assert ok(cli("projects", "create", "Blanks", "--target", "X", "--target", " ")) == (
        "Created project 'Blanks' with 1 target(s).\n"
    )
    fails(cli("projects", "create", "Talks", "--target", "X"), "exists already")
    fails(cli("projects", "create", "Empty", "--target", " "), "at least one stance target")
    fails(cli("projects", "create", "Twice", "--target", "X", "--target", "x"), "only once")
    fails(
        cli("projects", "create", "Nobody", "--target", "X", "--manager", "ghost"),
        "No user named 'ghost'",
    )
    fails(cli("projects", "create", "Bare"), "Missing option '--target'")
    fails(cli("projects", "add-member", "Talks", "ghost"), "Error: No user named 'ghost'.")
    fails(
        cli("projects", "add-member", "Nope", "ann"),
        "Error: No project named 'Nope' (projects: Blanks, Talks).",
    )
    session.rollback()
    assert session.scalars(select(Project.name).order_by(Project.name)).all() == ["Blanks", "Talks"]


def test_projects_create_with_guidelines(cli, session, tmp_path):
    guide = tmp_path / "guide.md"
    guide.write_text("# Read me\n\nCarefully.\n", encoding="utf-8")
    output = ok(
        cli(
            "projects",
            "create",
            "Guided",
            "--target",
            "T",
            "--guidelines",
            str(guide),
            "--description",
            "About things",
        )
    )
    assert output == "Created project 'Guided' with 1 target(s).\n"
    project = session.scalar(select(Project))
    assert (project.guidelines, project.description) == (
        "# Read me\n\nCarefully.\n",
        "About things",
    )
    assert project.memberships == []


@pytest.fixture
def files(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "talks.txt").write_text(
        "TEHRAN - The chiefs met on Wednesday. They agreed to talk again.\n", encoding="utf-8"
    )
    (folder / "batch.csv").write_text(
        "title,outlet,text\n"
        "First,Wire,The first row has text. It has two claims.\n"
        "Empty,Wire,\n"
        "Third,Wire,The third row is fine.\n",
        encoding="utf-8",
    )
    (folder / "empty.txt").write_bytes(b"")
    (folder / "blob.txt").write_bytes(bytes(range(256)) * 4)
    return folder


def test_import_reports_every_item(cli, session, talks, files):
    paths = [str(files / n) for n in ("talks.txt", "batch.csv", "empty.txt", "blob.txt")]
    output = ok(cli("import", "--project", "Talks", *paths))
    lines = output.splitlines()
    assert lines[0] == "imported  talks.txt: 2 claims"
    assert lines[1] == "imported  batch.csv row 2: 2 claims"
    assert lines[2] == "rejected  batch.csv row 3: row 3 has an empty 'text'"
    assert lines[3] == "imported  batch.csv row 4: 1 claim"
    assert lines[4] == "rejected  empty.txt: the file is empty"
    assert lines[5].startswith("rejected  blob.txt: the file looks binary")
    assert lines[6] == "3 imported, 0 duplicates skipped, 3 rejected."
    assert len(lines) == 7
    articles = session.scalars(select(Article).order_by(Article.id)).all()
    assert [(a.title, a.outlet, a.dateline) for a in articles] == [
        ("talks", "", "TEHRAN"),
        ("First", "Wire", ""),
        ("Third", "Wire", ""),
    ]
    # again: everything is a duplicate, which is not a failure
    output = ok(cli("import", "--project", "Talks", str(files / "talks.txt")))
    assert output.splitlines() == [
        "duplicate talks.txt: the project already has an article with the same text",
        "0 imported, 1 duplicate skipped, 0 rejected.",
    ]


def test_import_shows_its_progress_on_stderr_and_the_report_on_stdout(cli, talks, files):
    paths = [str(files / n) for n in ("talks.txt", "batch.csv", "empty.txt", "blob.txt")]
    result = cli("import", "--project", "Talks", "--progress", *paths)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == "3 imported, 0 duplicates skipped, 3 rejected."
    progress = result.stderr.splitlines()
    assert (
        progress[-1]
        == "6 of 6 items done (4 of 4 files read): 3 imported, 0 duplicates, 3 rejected"
    )
    assert all(" items done (" in line for line in progress)


def test_import_with_nothing_importable_exits_non_zero(cli, session, talks, files):
    result = cli("import", "--project", "Talks", str(files / "empty.txt"), str(files / "blob.txt"))
    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == "0 imported, 0 duplicates skipped, 2 rejected."
    assert session.scalar(select(func.count()).select_from(Article)) == 0


def test_import_errors(cli, session, talks, files, tmp_path):
    fails(
        cli("import", "--project", "Nope", str(files / "talks.txt")),
        "Error: No project named 'Nope' (projects: Talks).",
    )
    fails(
        cli(
            "import", "--project", "Talks", str(files / "talks.txt"), str(tmp_path / "missing.txt")
        ),
        "missing.txt",
    )
    fails(cli("import", "--project", "Talks"), "Missing argument 'FILES...'")
    # nothing was imported by the failed runs
    assert session.scalar(select(func.count()).select_from(Article)) == 0


def _annotate_everything(session):
    from workbench.ops.annotations import AnnotationInput, save_annotation
    from workbench.ops.claims import active_claims

    project = session.scalar(select(Project).where(Project.name == "Talks"))
    mona = session.scalar(select(User).where(User.username == "mona"))
    article = project.articles[0]
    claims = active_claims(session, article)
    coop = project.targets[0]
    save_annotation(
        session,
        project,
        claims[0],
        mona,
        AnnotationInput(verifiability="verifiable", stances={coop.id: "favor"}),
        base_version=None,
    )
    session.commit()
    return claims


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_export_long_all_claims(cli, session, talks, files, tmp_path, fmt):
    ok(cli("import", "--project", "Talks", str(files / "talks.txt")))
    claims = _annotate_everything(session)
    out = tmp_path / f"export.{fmt}"
    result = cli(
        "export",
        "--project",
        "Talks",
        "--format",
        fmt,
        "--shape",
        "long",
        "--all-claims",
        "--output",
        str(out),
    )
    assert ok(result) == ""
    assert not (tmp_path / f"export.{fmt}.part").exists()
    if fmt == "csv":
        frame = pd.read_csv(out, keep_default_na=False)
        assert list(frame.columns) == long_columns()
        with out.open(encoding="utf-8", newline="") as handle:
            assert handle.readline() == ",".join(long_columns()) + "\r\n"
        rows = frame.to_dict("records")
    else:
        rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
        assert all(list(row) == long_columns() for row in rows)
    assert {row["claim_id"] for row in rows} == {c.id for c in claims}
    mine = [(row["field"], row["value"]) for row in rows if row["annotator"] == "mona"]
    assert ("verifiability", "verifiable") in mine
    assert all(row["project"] == "Talks" for row in rows)


def test_export_to_standard_output_and_wide(cli, session, talks, files):
    ok(cli("import", "--project", "Talks", str(files / "talks.txt")))
    _annotate_everything(session)
    output = ok(cli("export", "--project", "Talks"))
    header = output.splitlines()[0].split(",")
    assert header[:3] == ["project", "article_id", "article_title"]
    assert len(output.splitlines()) == 2  # the header and mona's one annotation
    fails(cli("export", "--project", "Nope"), "No project named 'Nope' (projects: Talks)")
    fails(cli("export", "--project", "Talks", "--format", "xlsx"), "Invalid value for '--format'")
    assert ok(cli("export", "--project", "Talks", "--excel")) == "\ufeff" + output
    fails(cli("export", "--project", "Talks", "--format", "jsonl", "--excel"), "--excel is for CSV")


def test_codebook(cli, talks, tmp_path):
    output = ok(cli("codebook", "--project", "Talks"))
    assert output.startswith("# Codebook: Talks\n")
    for word in ("Cooperation", "Sanctions", "favor", "verifiable", "not_a_claim", "indirect"):
        assert word in output
    out = tmp_path / "codebook.csv"
    assert ok(cli("codebook", "--project", "Talks", "--format", "csv", "-o", str(out))) == ""
    frame = pd.read_csv(out, keep_default_na=False)
    assert "favor" in frame.to_csv()
    fails(cli("codebook", "--project", "Nope"), "No project named 'Nope'")


def test_seed_demo(cli, session):
    ok(cli("users", "add", "admin", "--password", PASSWORD))
    output = ok(cli("seed-demo"))
    assert output == f"Demo project {DEMO_NAME!r}: 1 article(s) imported.\n"
    assert ok(cli("seed-demo")) == f"Demo project {DEMO_NAME!r}: 0 article(s) imported.\n"
    project = session.scalar(select(Project).where(Project.name == DEMO_NAME))
    assert [(m.user.username, m.role) for m in project.memberships] == [("admin", "manager")]


def test_seed_demo_names_an_unknown_manager(cli, session):
    fails(cli("seed-demo", "--manager", "ghost"), "No user named 'ghost'")
    assert session.scalar(select(func.count()).select_from(Project)) == 0
    # without an explicit manager and without an admin account, the demo has no manager
    ok(cli("seed-demo"))


def _context(monkeypatch, url, tmp_path):
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", url)
    monkeypatch.setenv("WORKBENCH_INSTANCE_PATH", str(tmp_path / "instance"))
    return Context()


def test_prepare_database_on_an_empty_database(monkeypatch, tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    ctx = _context(monkeypatch, url, tmp_path)
    try:
        login = prepare_database(ctx)
        assert login.startswith("Log in as admin with the password ")
        password = login.rsplit(" ", 1)[1]
        assert schema_state(ctx.engine).is_current
        with ctx.sessions() as session:
            admin = authenticate(session, "admin", password, address="cli")
            assert admin is not None and admin.is_admin
            project = session.scalar(select(Project))
            assert project.name == DEMO_NAME
            assert len(project.articles) == 1
            assert [(m.user_id, m.role) for m in project.memberships] == [(admin.id, "manager")]
        # a second start creates nothing
        assert prepare_database(ctx) is None
    finally:
        ctx.engine.dispose()


def test_prepare_database_without_demo(monkeypatch, tmp_path):
    ctx = _context(monkeypatch, f"sqlite:///{tmp_path / 'fresh.sqlite3'}", tmp_path)
    try:
        assert prepare_database(ctx, demo=False).startswith("Log in as admin")
        with ctx.sessions() as session:
            assert session.scalar(select(func.count()).select_from(Project)) == 0
    finally:
        ctx.engine.dispose()


def test_prepare_database_refuses_an_old_schema(monkeypatch, tmp_path):
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0000'"))
    engine.dispose()
    ctx = _context(monkeypatch, url, tmp_path)
    try:
        with pytest.raises(click.ClickException) as info:
            prepare_database(ctx)
        assert "workbench db upgrade" in info.value.message
        assert "0000" in info.value.message
        with ctx.sessions() as session:
            assert session.scalar(select(func.count()).select_from(User)) == 0
    finally:
        ctx.engine.dispose()


def test_a_failed_export_leaves_no_file(cli, talks, tmp_path, monkeypatch):
    import workbench.cli as cli_module
    from workbench.errors import WorkbenchError

    def broken(*args, **kwargs):
        yield "project,claim_id\r\n"
        raise WorkbenchError("the database went away")

    monkeypatch.setattr(cli_module, "export_stream", broken)
    out = tmp_path / "export.csv"
    out.write_text("an older export\n", encoding="utf-8")
    fails(cli("export", "--project", "Talks", "--output", str(out)), "the database went away")
    assert out.read_text(encoding="utf-8") == "an older export\n"
    assert not (tmp_path / "export.csv.part").exists()


def test_an_import_killed_midway_leaves_whole_articles_and_its_report(
    cli, talks, database_url, tmp_path
):
    """kill -9 of `workbench import` after its first batches: every stored article
    has all its claims, the report lists exactly what was stored, and the job, its
    heartbeat stopped, is shown as interrupted."""
    import os
    import signal
    import subprocess
    import sys
    import time
    from datetime import timedelta

    from workbench.db import make_session_factory
    from workbench.models import Claim, ImportJob, ImportJobItem, utcnow
    from workbench.ops.heartbeat import job_status
    from workbench.text.splitter import split_text

    big = tmp_path / "big.jsonl"
    sentence = "The minister said on Monday that the talks about {n} went well."
    with big.open("w", encoding="utf-8") as out:
        for n in range(20_000):
            text = " ".join(sentence.format(n=f"{n}-{k}") for k in range(12))
            out.write(json.dumps({"text": text, "title": f"A{n}"}) + "\n")
    env = {
        **os.environ,
        "WORKBENCH_DATABASE_URL": database_url,
        "WORKBENCH_INSTANCE_PATH": str(tmp_path / "instance"),
        "WORKBENCH_MAX_UPLOAD_MB": "100",
    }
    process = subprocess.Popen(
        [sys.executable, "-c", "from workbench.cli import main; main()", "import",
         "--project", "Talks", str(big)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    try:
        for _ in range(3000):
            with sessions() as s:
                done = s.scalar(select(func.max(ImportJob.items_done))) or 0
            if done > 0 or process.poll() is not None:
                break
            time.sleep(0.02)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        with sessions() as s:
            job = s.scalars(select(ImportJob)).one()
            assert job.status == "running", "the import ended before it could be killed"
            assert 0 < job.items_done < 20_000
            rows = s.scalars(select(ImportJobItem).order_by(ImportJobItem.position)).all()
            assert [r.position for r in rows] == list(range(1, job.items_done + 1))
            articles = s.scalars(select(Article).order_by(Article.id)).all()
            assert sorted(r.article_id for r in rows) == [a.id for a in articles]
            assert len(articles) == job.imported == job.items_done
            counts = dict(
                s.execute(select(Claim.article_id, func.count()).group_by(Claim.article_id)).all()
            )
            for article in articles:
                assert counts[article.id] == len(split_text(article.text).spans) == 12
            later = utcnow() + timedelta(minutes=3)
            assert job_status(job, now=later) == "interrupted"
    finally:
        if process.poll() is None:
            process.kill()
        engine.dispose()
