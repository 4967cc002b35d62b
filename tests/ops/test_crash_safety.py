"""An operation interrupted by an exception midway leaves the database as it was
(the caller rolls back; operations never commit on their own)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

import workbench.ops.articles as articles_ops
import workbench.ops.claims as claims_ops
import workbench.ops.speakers as speakers_ops
from tests.conftest import make_project, make_user
from workbench.importing import parse_pasted
from workbench.models import Base
from workbench.ops.annotations import AnnotationInput, save_annotation
from workbench.ops.articles import import_items
from workbench.ops.claims import merge_with_next, split_claim, trim_claim
from workbench.ops.speakers import create_speaker, merge_speakers

TEXT = "First claim here. Second claim there. Third claim everywhere."


class Boom(RuntimeError):
    pass


def snapshot(session) -> dict[str, list[tuple]]:
    """Every row of every table, in id order."""
    tables = {}
    for table in Base.metadata.sorted_tables:
        rows = session.execute(select(table).order_by(*table.primary_key.columns)).all()
        tables[table.name] = [tuple(row) for row in rows]
    return tables


def fail_on_call(monkeypatch, module, name, n):
    """Make module.name raise Boom on its n-th call (1-based), after n-1 good calls."""
    original = getattr(module, name)
    calls = {"count": 0}

    def wrapper(*args, **kwargs):
        calls["count"] += 1
        if calls["count"] == n:
            raise Boom(f"injected failure in {name}")
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, wrapper)


@pytest.fixture
def world(session):
    manager = make_user(session, "mona")
    project = make_project(session, "Crash", manager=manager)
    import_items(session, project, parse_pasted(TEXT), user=manager)
    claims = project.articles[0].claims
    a = create_speaker(session, project, "Hatami", user=manager)
    b = create_speaker(session, project, "Amir Hatami", user=manager)
    for claim in claims:
        save_annotation(
            session,
            project,
            claim,
            manager,
            AnnotationInput(speaker_id=a.id, note="x"),
            base_version=None,
        )
    session.commit()
    return {
        "session": session,
        "project": project,
        "manager": manager,
        "claims": claims,
        "speakers": (a, b),
    }


def run_and_roll_back(session, action):
    before = snapshot(session)
    with pytest.raises(Boom):
        action()
    session.rollback()
    assert snapshot(session) == before


def test_split_interrupted_after_the_first_history_entry(world, monkeypatch):
    session, claim = world["session"], world["claims"][0]
    fail_on_call(monkeypatch, claims_ops, "record", 2)
    run_and_roll_back(
        session, lambda: split_claim(session, claim, claim.start + 6, user=world["manager"])
    )


def test_merge_interrupted_midway(world, monkeypatch):
    session, claim = world["session"], world["claims"][0]
    fail_on_call(monkeypatch, claims_ops, "_flag_annotations", 1)
    run_and_roll_back(session, lambda: merge_with_next(session, claim, user=world["manager"]))


def test_trim_interrupted_midway(world, monkeypatch):
    session, claim = world["session"], world["claims"][1]
    fail_on_call(monkeypatch, claims_ops, "_renumber", 1)
    run_and_roll_back(
        session,
        lambda: trim_claim(session, claim, claim.start + 1, claim.end, user=world["manager"]),
    )


def test_speaker_merge_interrupted_after_annotations_moved(world, monkeypatch):
    session = world["session"]
    a, b = world["speakers"]
    fail_on_call(monkeypatch, speakers_ops, "record", 2)
    run_and_roll_back(session, lambda: merge_speakers(session, a, b, user=world["manager"]))


def test_import_interrupted_on_the_second_article(world, monkeypatch):
    session, project = world["session"], world["project"]
    fail_on_call(monkeypatch, articles_ops, "split_text", 2)
    items = parse_pasted("A new article. With claims.") + parse_pasted("Another one. Yes.")
    run_and_roll_back(session, lambda: import_items(session, project, items, user=None))


def test_an_import_job_failing_in_batch_2_keeps_batch_1_whole(session_factory, monkeypatch):
    """Each batch is its own transaction: a failure in the second leaves the first
    article whole (all its claims and suggestions), nothing of the second, and a
    report that says what was done and why the job stopped."""
    from workbench.jobs import ImportSource, run_import
    from workbench.models import Article, Claim, Suggestion
    from workbench.ops.import_jobs import create_import_job, get_import_job, job_items
    from workbench.ops.projects import get_project
    from workbench.text.splitter import split_text

    monkeypatch.setattr(articles_ops, "IMPORT_BATCH", 1)
    fail_on_call(monkeypatch, articles_ops, "store_articles", 2)
    with session_factory() as s:
        project = make_project(s, "Crash")
        job = create_import_job(s, project, None, description="pasted", files_total=1)
        s.commit()
        project_id, job_id = project.id, job.id
    first = "TEHRAN - The first article. It is stored whole.\n\nSP/PA"
    items = parse_pasted(first) + parse_pasted("The second article. It fails.")
    status = run_import(session_factory, job_id, [ImportSource("pasted text", items=items)])
    assert status == "failed"
    with session_factory() as s:
        articles = s.scalars(select(Article)).all()
        assert [a.text for a in articles] == [first]
        claims = s.scalars(select(Claim).order_by(Claim.start)).all()
        spans = split_text(first).spans
        assert [(c.start, c.end) for c in claims] == [(x.start, x.end) for x in spans]
        # every claim of the article stored has its suggestions, the sign-off its not_a_claim
        suggested = s.scalars(select(Suggestion)).all()
        assert {x.claim_id for x in suggested} == {c.id for c in claims}
        sign_off = {x.field: x.value for x in suggested if x.claim_id == claims[-1].id}
        assert sign_off["verifiability"] == "not_a_claim"
        job = get_import_job(s, get_project(s, project_id), job_id)
        assert (job.status, job.items_total, job.items_done, job.imported) == ("failed", 2, 1, 1)
        assert "injected failure in store_articles" in job.error
        assert [(i.source, i.status) for i in job_items(s, job)] == [("pasted text", "imported")]
