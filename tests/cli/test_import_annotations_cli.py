"""`workbench import-annotations`: earlier annotations from a CSV (issue 12, point 6)."""

from __future__ import annotations

import csv
import io

from sqlalchemy import func, select

from tests.cli.test_backup_cli import DEMO, make_runner
from tests.cli.test_cli import PASSWORD, fails, ok
from workbench.db import make_engine, make_session_factory
from workbench.models import Annotation, Article, Claim, Project, User
from workbench.ops.annotation_import import IMPORTED_PASSWORD
from workbench.ops.annotations import AnnotationInput, save_annotation
from workbench.ops.claims import active_claims
from workbench.ops.speakers import create_speaker
from workbench.ops.users import authenticate
from workbench.schema import upgrade

LABELS = (
    "speaker",
    "speaker_type",
    "speaker_title",
    "via",
    "attribution",
    "stance:Iran-Iraq military cooperation",
    "verifiability",
    "note",
    "status",
)


def label_cells(text: str) -> dict[tuple[str, str], tuple[str, ...]]:
    rows = csv.DictReader(io.StringIO(text, newline=""))
    return {(r["claim_id"], r["annotator"]): tuple(r[c] for c in LABELS) for r in rows}


def claims_of(url: str) -> list[tuple[int, int, int, int]]:
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            return session.execute(
                select(Claim.id, Claim.article_id, Claim.start, Claim.end).order_by(Claim.id)
            ).all()
    finally:
        engine.dispose()


def annotate_demo(session) -> None:
    """ann codes three claims of the demo article, one with a speaker new to the registry."""
    project = session.scalar(select(Project).where(Project.name == DEMO))
    ann = session.scalar(select(User).where(User.username == "ann"))
    claims = active_claims(session, session.scalar(select(Article)))
    target = project.targets[0].id
    newcomer = create_speaker(session, project, "Qasim al-Araji", type="person", title="Adviser")
    for claim, values in zip(
        claims,
        [
            dict(speaker_id=newcomer.id, attribution="direct", stances={target: "favor"}),
            dict(attribution="none", verifiability="verifiable", note="=1+1, said\nthe note"),
            dict(verifiability="opinion", status="draft"),
        ],
        strict=False,
    ):
        save_annotation(session, project, claim, ann, AnnotationInput(**values), base_version=None)
    session.commit()


def test_help_lists_the_command(cli):
    assert "  import-annotations " in ok(cli("--help"))
    assert "--replace" in ok(cli("import-annotations", "--help"))


def test_an_export_imports_into_a_restored_copy_as_the_same_annotations(
    cli, session, tmp_path, database_url
):
    """Dump the demo project, code in it, export; restore the dump in a fresh database,
    import the export there: the same label cells, ann an inactive account."""
    ok(cli("users", "add", "mona", "--password", PASSWORD))
    ok(cli("seed-demo", "--manager", "mona"))
    dump = tmp_path / "demo.jsonl"
    ok(cli("dump", "--project", DEMO, "--output", str(dump)))
    ok(cli("users", "add", "ann", "--password", PASSWORD))
    ok(cli("projects", "add-member", DEMO, "ann"))
    annotate_demo(session)
    export = tmp_path / "export.csv"
    ok(cli("export", "--project", DEMO, "--format", "csv", "--output", str(export)))
    first = export.read_text(encoding="utf-8")
    assert len(label_cells(first)) == 3

    other_url = f"sqlite:///{tmp_path / 'copy.sqlite3'}"
    engine = make_engine(other_url)
    upgrade(engine)
    engine.dispose()
    other = make_runner(other_url, tmp_path / "copy")
    ok(other("restore", str(dump)))
    # A fresh database gives the restored claims the ids they had.
    assert claims_of(other_url) == claims_of(database_url)
    output = ok(other("import-annotations", "--project", DEMO, str(export)))
    assert "3 annotations imported, 0 replaced, 0 unchanged." in output
    assert "1 speaker added to the registry" in output
    assert "1 new account (ann), inactive" in output
    assert "users set-password NAME" in output
    second = ok(other("export", "--project", DEMO, "--format", "csv"))
    assert label_cells(second.replace("\r\n", "\n")) == label_cells(first.replace("\r\n", "\n"))

    engine = make_engine(other_url)
    try:
        with make_session_factory(engine)() as copy:
            ann = copy.scalar(select(User).where(User.username == "ann"))
            assert (ann.is_active, ann.password_hash) == (False, IMPORTED_PASSWORD)
    finally:
        engine.dispose()
    # The command line's way in: a password, then activation.
    ok(other("users", "set-password", "ann", input=f"{PASSWORD}\n{PASSWORD}\n"))
    ok(other("users", "activate", "ann"))
    engine = make_engine(other_url)
    try:
        with make_session_factory(engine)() as copy:
            assert authenticate(copy, "ann", PASSWORD, address="cli").username == "ann"
    finally:
        engine.dispose()


def test_a_bad_file_lists_every_problem_and_stores_nothing(cli, session, tmp_path):
    ok(cli("users", "add", "mona", "--password", PASSWORD))
    ok(cli("seed-demo", "--manager", "mona"))
    claim = session.scalars(select(Claim.id).order_by(Claim.id)).first()
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "claim_id,annotator,attribution\n"
        f"{claim},newbie,direct\n"
        f"{claim},other,shouted\n"
        "123456,ann,none\n",
        encoding="utf-8",
    )
    result = cli("import-annotations", "--project", DEMO, str(bad))
    fails(result, "Nothing was imported: 2 problem(s), listed above.")
    assert "line 4, column 'claim_id': no claim 123456 in this project" in result.stderr
    assert (
        "bad.csv: line 3, column 'attribution': unknown attribution label 'shouted'"
        in result.stderr
    )
    bad.write_text(
        f"claim_id,annotator,attribution\n{claim},newbie,direct\n123456,ann,none\n",
        encoding="utf-8",
    )
    result = cli("import-annotations", "--project", DEMO, str(bad))
    fails(result, "Nothing was imported")
    assert "line 3, column 'claim_id': no claim 123456 in this project" in result.stderr
    session.rollback()  # a new snapshot: what the command left
    assert session.scalar(select(func.count()).select_from(Annotation)) == 0
    assert session.scalar(select(User).where(User.username == "newbie")) is None
    fails(cli("import-annotations", "--project", "Nope", str(bad)), "No project named 'Nope'")


def test_an_annotation_that_exists_needs_replace(cli, session, tmp_path, monkeypatch):
    ok(cli("users", "add", "mona", "--password", PASSWORD))
    ok(cli("seed-demo", "--manager", "mona"))
    claim = session.scalars(select(Claim.id).order_by(Claim.id)).first()
    path = tmp_path / "one.csv"
    path.write_text(f"claim_id,annotator,note\n{claim},mona,first\n", encoding="utf-8")
    assert "1 annotation imported" in ok(cli("import-annotations", "--project", DEMO, str(path)))
    path.write_text(f"claim_id,annotator,note\n{claim},mona,second\n", encoding="utf-8")
    result = cli("import-annotations", "--project", DEMO, str(path))
    fails(result, "Nothing was imported")
    assert "mona has an annotation of claim" in result.stderr and "--replace" in result.stderr
    output = ok(cli("import-annotations", "--project", DEMO, "--replace", str(path)))
    assert "0 annotations imported, 1 replaced, 0 unchanged." in output
    session.rollback()  # a new snapshot: what the command left
    annotation = session.scalar(select(Annotation))
    assert (annotation.note, annotation.version) == ("second", 2)
    # The upload limit is the importer's (WORKBENCH_MAX_UPLOAD_MB).
    monkeypatch.setenv("WORKBENCH_MAX_UPLOAD_MB", "0.00001")
    result = cli("import-annotations", "--project", DEMO, "-", input=path.read_bytes())
    fails(result, "Nothing was imported")
    assert "over the 10-byte limit" in result.stderr
