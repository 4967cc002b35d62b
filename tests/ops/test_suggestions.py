"""Storing suggestions (ops.suggestions): import, boundary edits, re-runs, the roster."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

import workbench.ops.suggestions as suggestions_ops
from tests.bulk import make_articles, make_long_article
from tests.conftest import make_project, make_user
from tests.ops.conftest import while_open
from workbench.db import begin_write
from workbench.errors import InvalidInput, NotFound, PermissionDenied
from workbench.importing import parse_pasted
from workbench.jobs import run_suggestions
from workbench.models import (
    Annotation,
    Article,
    Claim,
    HistoryEntry,
    Project,
    Suggestion,
    SuggestionRun,
)
from workbench.ops.annotations import AnnotationInput, save_annotation
from workbench.ops.articles import import_items
from workbench.ops.claims import active_claims, merge_with_next, split_claim, trim_claim
from workbench.ops.projects import set_member
from workbench.ops.speakers import create_speaker, merge_speakers
from workbench.ops.suggestions import (
    add_roster,
    article_roster,
    create_suggestion_run,
    get_suggestion_run,
    refresh_article,
    refresh_articles,
    run_status,
    run_suggestion_batch,
    speaker_found_in,
)
from workbench.suggest import FIELDS as SUGGESTED_FIELDS

pytestmark = pytest.mark.usefixtures("fast_passwords")

TEXT = (
    '"We will open the bridge in May," Transport Minister Jane Doe said on Monday. '
    "Doe added that the work had cost 40 million euros. "
    "Opposition leader John Smith said the plan would fail. "
    "The bridge crosses the river Elbe near the old town."
)


def _import(session, project, text=TEXT, title="Bridge", outlet="Daily News"):
    report = import_items(
        session, project, parse_pasted(text, title=title, outlet=outlet), user=None
    )
    assert report.imported == 1, report
    return session.get(Article, report.results[0].article_id)


def _rows(session, article_id=None):
    """Every suggestion (of one article), as comparable tuples, by claim and field."""
    query = select(
        Suggestion.claim_id,
        Suggestion.field,
        Suggestion.value,
        Suggestion.confidence,
        Suggestion.reason,
        Suggestion.speaker_id,
        Suggestion.source,
        Suggestion.evidence,
    ).join(Claim, Claim.id == Suggestion.claim_id)
    if article_id is not None:
        query = query.where(Claim.article_id == article_id)
    return [
        tuple(r) for r in session.execute(query.order_by(Suggestion.claim_id, Suggestion.field))
    ]


def _check_stored_form(session, article):
    """Every active claim has its rows; each row has the documented form."""
    claims = {c.id: c for c in active_claims(session, article)}
    rows = session.scalars(
        select(Suggestion).join(Claim).where(Claim.article_id == article.id)
    ).all()
    assert {s.claim_id for s in rows} == set(claims)
    for s in rows:
        assert s.field in SUGGESTED_FIELDS and s.source == "suggester"
        assert 0.0 <= s.confidence <= 1.0
        assert set(s.evidence) >= {"rule", "continuation", "items"}
        for item in s.evidence["items"]:
            role, start, end = item  # [role, start, end]: text[start:end] is the evidence
            assert isinstance(role, str) and role
            assert 0 <= start < end <= len(article.text)
        if s.field in ("speaker", "via") and "speaker" in s.evidence:
            assert set(s.evidence["speaker"]) == {"name", "type", "title", "aliases"}
    return rows


def test_import_stores_every_claims_suggestions_linked_to_the_registry(session):
    project = make_project(session)
    doe = create_speaker(session, project, "Jane Doe", title="Transport Minister", aliases=["Doe"])
    article = _import(session, project)
    rows = _check_stored_form(session, article)
    speakers = {s.claim_id: s for s in rows if s.field == "speaker"}
    first = active_claims(session, article)[0]
    assert speakers[first.id].value == "Jane Doe"
    assert speakers[first.id].speaker_id == doe.id
    assert speakers[first.id].reason
    # a name the registry lacks is stored with what creating it needs, and no link
    smith = [s for s in speakers.values() if "Smith" in s.value]
    assert smith and all(s.speaker_id is None for s in smith)
    assert smith[0].evidence["speaker"]["type"] == "person"


def test_a_wire_dateline_is_the_articles_wire_source(session):
    project = make_project(session)
    article = _import(
        session,
        project,
        "LONDON (Reuters) - The central bank raised its main rate to 5 percent on Thursday.",
        outlet="The Paper",
    )
    assert article.wire_source == "Reuters"


def test_a_failing_suggester_fails_the_whole_import(session, monkeypatch):
    project = make_project(session)
    session.commit()

    def broken(*args, **kwargs):
        raise RuntimeError("suggester broke")

    monkeypatch.setattr(suggestions_ops.suggest, "suggest_article", broken)
    with pytest.raises(RuntimeError, match="suggester broke"):
        _import(session, project)
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Article)) == 0
    assert session.scalar(select(func.count()).select_from(Suggestion)) == 0


@pytest.mark.parametrize("edit", ["split", "merge", "trim"])
def test_boundary_edits_leave_no_stale_suggestion(session, edit):
    project = make_project(session)
    article = _import(session, project)
    claims = active_claims(session, article)
    if edit == "split":
        split_claim(session, claims[1], claims[1].start + 4, user=None)
    elif edit == "merge":
        merge_with_next(session, claims[1], user=None)
    else:
        trim_claim(session, claims[1], claims[1].start, claims[1].end - 10, user=None)
    _check_stored_form(session, article)
    # what is stored is what a fresh run gives: running again writes nothing
    before = _rows(session, article.id)
    stored = refresh_article(session, article)
    assert (stored.written, stored.removed) == (0, 0)
    assert _rows(session, article.id) == before
    merged = session.scalars(select(Claim.id).where(Claim.state == "merged")).all()
    assert not session.scalars(select(Suggestion).where(Suggestion.claim_id.in_(merged))).all()


def _annotations(session):
    return [
        tuple(r)
        for r in session.execute(
            select(
                Annotation.id,
                Annotation.claim_id,
                Annotation.speaker_id,
                Annotation.attribution,
                Annotation.verifiability,
                Annotation.version,
                Annotation.updated_at,
            ).order_by(Annotation.id)
        )
    ]


def test_a_rerun_replaces_suggestions_and_never_touches_annotations(session, session_factory):
    mona = make_user(session, "mona")
    project = make_project(session, manager=mona)
    article = _import(session, project)
    claim = active_claims(session, article)[0]
    save_annotation(
        session,
        project,
        claim,
        mona,
        AnnotationInput(attribution="indirect", verifiability="opinion"),
        base_version=None,
    )
    fresh = _rows(session)
    # stale rows: a changed value, and one for a field the suggester does not propose now
    session.execute(update(Suggestion).values(value="stale", reason="old"))
    session.commit()
    annotations = _annotations(session)
    run = create_suggestion_run(session, project, mona)
    session.commit()
    assert run_suggestions(session_factory, run.id) == "done"
    session.expire_all()
    assert _rows(session) == fresh
    assert _annotations(session) == annotations
    run = get_suggestion_run(session, project, run.id)
    assert (run_status(run), run.articles_done, run.articles_total) == ("done", 1, 1)
    assert run.claims == len(active_claims(session, article))
    entry = session.scalar(select(HistoryEntry).where(HistoryEntry.action == "rerun-suggestions"))
    assert entry.entity == "project" and entry.user_id == mona.id
    assert entry.after["articles"] == 1
    # idempotent: again, nothing to write
    assert refresh_articles(session, project, [article.id]).written == 0


def test_refresh_refuses_another_projects_article(session):
    project = make_project(session)
    other = make_project(session, "Other")
    article = _import(session, other)
    with pytest.raises(NotFound, match="No article"):
        refresh_articles(session, project, [article.id])


def test_only_managers_rerun(session):
    mona, ann, max_ = (make_user(session, name) for name in ("mona", "ann", "max"))
    project = make_project(session, manager=mona)
    set_member(session, project, ann, "annotator")
    set_member(session, project, max_, "manager")
    with pytest.raises(PermissionDenied):
        create_suggestion_run(session, project, ann)
    run = create_suggestion_run(session, project, mona)
    set_member(session, project, mona, "annotator")  # demoted while it runs
    with pytest.raises(PermissionDenied, match="may no longer"):
        run_suggestion_batch(session, run.id)


def test_a_rerun_goes_by_bounded_batches(session, session_factory, monkeypatch):
    project = make_project(session)
    make_articles(session, project, 7)
    session.commit()
    monkeypatch.setattr(suggestions_ops, "RERUN_BATCH", 3)
    run = create_suggestion_run(session, project, None)
    session.commit()
    seen = []
    assert run_suggestions(session_factory, run.id, on_progress=seen.append) == "done"
    assert [r.articles_done for r in seen] == [3, 6, 7, 7]
    assert session.scalar(select(func.count(func.distinct(Suggestion.claim_id)))) == 7


def test_a_killed_rerun_leaves_whole_articles_and_running_again_finishes(
    session, session_factory, monkeypatch
):
    project = make_project(session)
    first = _import(session, project)
    second = _import(session, project, TEXT.replace("Elbe", "Rhine"), title="Two")
    fresh = _rows(session)
    session.execute(update(Suggestion).values(value="stale"))
    session.commit()
    monkeypatch.setattr(suggestions_ops, "RERUN_BATCH", 1)
    real = suggestions_ops.refresh_articles
    calls = []

    def dies_on_the_second_batch(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt  # the process is killed: nothing records it
        return real(*args, **kwargs)

    monkeypatch.setattr(suggestions_ops, "refresh_articles", dies_on_the_second_batch)
    run = create_suggestion_run(session, project, None)
    session.commit()
    with pytest.raises(KeyboardInterrupt):
        run_suggestions(session_factory, run.id)
    session.expire_all()
    # the first article has its new suggestions, the second its old ones, each whole
    assert {r[2] for r in _rows(session, second.id)} == {"stale"}
    assert "stale" not in {r[2] for r in _rows(session, first.id)}
    _check_stored_form(session, first)
    _check_stored_form(session, second)
    run = get_suggestion_run(session, project, run.id)
    assert (run.status, run.articles_done) == ("running", 1)
    later = run.heartbeat_at + timedelta(hours=1)
    assert run_status(run, now=later) == "interrupted"
    # a new run may start once the killed one shows as interrupted (not before: a
    # second start while one runs is refused, test_suggestion_hardening.py)
    session.execute(
        update(SuggestionRun)
        .where(SuggestionRun.id == run.id)
        .values(heartbeat_at=run.heartbeat_at - timedelta(hours=1))
    )
    session.commit()
    # a failure (not a kill) is recorded
    monkeypatch.setattr(
        suggestions_ops, "refresh_articles", lambda *a, **k: (_ for _ in ()).throw(OSError("disk"))
    )
    failed = create_suggestion_run(session, project, None)
    session.commit()
    assert run_suggestions(session_factory, failed.id) == "failed"
    failed = get_suggestion_run(session, project, failed.id)
    assert failed.status == "failed" and "disk" in failed.error
    # running again redoes everything
    monkeypatch.setattr(suggestions_ops, "refresh_articles", real)
    again = create_suggestion_run(session, project, None)
    session.commit()
    assert run_suggestions(session_factory, again.id) == "done"
    session.expire_all()
    assert _rows(session) == fresh


def test_a_20000_claim_article_reruns_in_a_few_statements(session):
    project = make_project(session)
    article = make_long_article(session, project, 20_000)
    session.commit()
    started = time.monotonic()
    stored = refresh_articles(session, project, [article.id])
    session.commit()
    assert stored.claims == 20_000
    assert session.scalar(select(func.count(func.distinct(Suggestion.claim_id)))) == 20_000
    again = refresh_articles(session, project, [article.id])
    assert again.written == 0
    assert time.monotonic() - started < 120


def test_speaker_merges_take_the_suggestions_along(session):
    project = make_project(session)
    doe = create_speaker(session, project, "Jane Doe", aliases=["Doe"])
    article = _import(session, project)
    named = session.scalar(
        select(func.count()).select_from(Suggestion).where(Suggestion.speaker_id == doe.id)
    )
    assert named
    into = create_speaker(session, project, "Jane A. Doe")
    merge_speakers(session, doe, into, user=None)
    rows = session.scalars(select(Suggestion).where(Suggestion.speaker_id == into.id)).all()
    assert len(rows) == named and {s.value for s in rows} == {"Jane A. Doe"}
    assert not session.scalars(select(Suggestion).where(Suggestion.speaker_id == doe.id)).all()
    page, found = speaker_found_in(session, into)
    assert (page.total, [f.article_id for f in found]) == (1, [article.id])


def test_the_roster_goes_into_the_registry_in_one_action(session):
    mona = make_user(session, "mona")
    project = make_project(session, manager=mona)
    article = _import(session, project)
    roster = article_roster(session, article)
    assert {line.name for line in roster} == {"Daily News", "Jane Doe", "John Smith"}
    assert all(line.speaker_id is None for line in roster)
    report = add_roster(session, article, user=mona)
    assert {s.name for s in report.created} == {"Daily News", "Jane Doe", "John Smith"}
    assert report.skipped == ()
    jane = next(s for s in report.created if s.name == "Jane Doe")
    assert (jane.type, jane.title) == ("person", "Transport Minister")
    assert "Doe" in {a.alias for a in jane.aliases}
    # the article's suggestions now name the new speakers
    linked = session.scalars(select(Suggestion.speaker_id).where(Suggestion.field == "speaker"))
    assert jane.id in set(linked)
    page, found = speaker_found_in(session, jane)
    assert [f.article_id for f in found] == [article.id] and found[0].claims == 2
    # again: nothing left to add, every one is reported
    again = add_roster(session, article, user=mona)
    assert again.created == ()
    assert dict(again.skipped) == dict.fromkeys(
        ("Daily News", "Jane Doe", "John Smith"), "the registry has it already"
    )
    created = (
        select(func.count())
        .select_from(HistoryEntry)
        .where(HistoryEntry.entity == "speaker", HistoryEntry.action == "create")
    )
    assert session.scalar(created) == 3


def test_the_roster_skips_names_the_registry_has_or_that_clash(session):
    project = make_project(session)
    create_speaker(session, project, "J. Smith", aliases=["John Smith"])
    create_speaker(session, project, "Richard Doe", aliases=["Doe"])
    article = _import(session, project)
    report = add_roster(session, article, user=None)
    assert [s.name for s in report.created] == ["Daily News"]
    skipped = dict(report.skipped)
    assert skipped["J. Smith"] == "the registry has it already"
    assert "'Doe' already names the speaker 'Richard Doe'" in skipped["Jane Doe"]


def test_where_a_speaker_was_found_is_paginated(session):
    project = make_project(session)
    doe = create_speaker(session, project, "Jane Doe", aliases=["Doe"])
    for i in range(3):
        _import(session, project, TEXT + f" Story {i}.", title=f"Story {i}")
    page, found = speaker_found_in(session, doe, page=2, size=2)
    assert (page.total, page.pages, len(found)) == (3, 2, 1)
    with pytest.raises(NotFound):
        speaker_found_in(session, doe, page=3, size=2)
    assert session.scalar(select(func.count()).select_from(SuggestionRun)) == 0


@pytest.mark.parametrize("order", ["edit first", "re-run first"])
def test_a_rerun_and_a_split_of_one_article_take_turns(session, database_url, order):
    project = make_project(session)
    article = _import(session, project)
    project_id, article_id = project.id, article.id
    claim_id = active_claims(session, article)[1].id
    session.commit()

    def edit(s):
        begin_write(s)
        claim = s.get(Claim, claim_id)
        split_claim(s, claim, claim.start + 4, user=None)

    def rerun(s):
        begin_write(s)
        refresh_articles(s, s.get(Project, project_id), [article_id])

    first, second = (edit, rerun) if order == "edit first" else (rerun, edit)
    result = while_open(database_url, first, second)
    assert result is None, result
    session.expire_all()
    article = session.get(Article, article_id)
    _check_stored_form(session, article)
    assert refresh_article(session, article).written == 0


def test_an_import_job_suggests_outside_its_write_transactions(
    session, session_factory, monkeypatch
):
    """The suggester runs as articles are split; a batch's transaction only stores."""
    from workbench.jobs import ImportSource, run_import
    from workbench.ops import articles as articles_ops
    from workbench.ops.import_jobs import create_import_job

    project = make_project(session)
    job = create_import_job(session, project, None, description="t", files_total=1)
    session.commit()
    storing, calls = [], []
    real_suggest, real_store = suggestions_ops.suggest.suggest_article, articles_ops.store_articles

    def suggest(*args, **kwargs):
        calls.append(bool(storing))
        return real_suggest(*args, **kwargs)

    def store(*args, **kwargs):
        storing.append(1)
        try:
            return real_store(*args, **kwargs)
        finally:
            storing.pop()

    monkeypatch.setattr(suggestions_ops.suggest, "suggest_article", suggest)
    monkeypatch.setattr(articles_ops, "store_articles", store)
    items = parse_pasted(TEXT) + parse_pasted(TEXT.replace("Elbe", "Rhine"))
    assert run_import(session_factory, job.id, [ImportSource("pasted", items=items)]) == "done"
    assert calls == [False, False]
    assert session.scalar(select(func.count(func.distinct(Suggestion.claim_id)))) == 8


def test_a_rerun_batch_suggested_before_a_split_is_suggested_again(session):
    project = make_project(session)
    article = _import(session, project)
    other = _import(session, project, TEXT.replace("Elbe", "Rhine"), title="Two")
    run = create_suggestion_run(session, project, None)
    session.commit()
    prepared = suggestions_ops.prepare_run_batch(session, run.id)
    assert prepared.article_ids == (article.id, other.id)
    claim = active_claims(session, article)[1]
    split_claim(session, claim, claim.start + 4, user=None)  # after the batch was read
    session.commit()
    calls = []
    real = suggestions_ops.suggest.suggest_article

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(suggestions_ops.suggest, "suggest_article", counted)
        run = run_suggestion_batch(session, run.id, prepared=prepared)
    assert len(calls) == 1  # the split article only: the other's result is used
    assert run.articles_done == 2
    for each in (article, other):
        _check_stored_form(session, each)
        assert refresh_article(session, each).written == 0


def _saved(session, claim, user, base=None, **values):
    annotation = save_annotation(
        session, claim.article.project, claim, user, AnnotationInput(**values), base_version=base
    )
    session.refresh(annotation)
    return annotation


def test_a_save_records_which_fields_took_the_suggestion_unchanged(session):
    mona = make_user(session, "mona")
    project = make_project(session, manager=mona)
    doe = create_speaker(session, project, "Jane Doe", aliases=["Doe"])
    article = _import(session, project)
    first, _, third, _ = active_claims(session, article)
    suggested = {
        s.field: s
        for s in session.scalars(select(Suggestion).where(Suggestion.claim_id == first.id))
    }
    assert (suggested["speaker"].speaker_id, suggested["attribution"].value) == (doe.id, "direct")
    verifiability = suggested["verifiability"].value
    other = "opinion" if verifiability != "opinion" else "verifiable"
    saved = _saved(
        session, first, mona, speaker_id=doe.id, attribution="direct", verifiability=other
    )
    assert saved.from_suggestion == ["speaker", "attribution"]
    # saved again with the suggested verifiability and another attribution
    saved = _saved(
        session,
        first,
        mona,
        base=saved.version,
        speaker_id=doe.id,
        attribution="indirect",
        verifiability=verifiability,
    )
    assert saved.from_suggestion == ["speaker", "verifiability"]
    # a suggested speaker the registry lacked, created when accepted, counts by its name
    smith = session.scalar(
        select(Suggestion).where(Suggestion.claim_id == third.id, Suggestion.field == "speaker")
    )
    assert (smith.value, smith.speaker_id) == ("John Smith", None)
    created = create_speaker(session, project, "John Smith")
    saved = _saved(session, third, mona, speaker_id=created.id)
    assert saved.from_suggestion == ["speaker"]
    # only a note set, nothing taken; a re-run later does not change what was recorded
    assert _saved(session, active_claims(session, article)[3], mona, note="n").from_suggestion == []
    refresh_articles(session, project, [article.id])
    session.refresh(saved)
    assert saved.from_suggestion == ["speaker"]


def test_the_new_columns_dump_and_restore_and_older_dumps_get_the_defaults(session, tmp_path):
    import json

    from tests.ops.test_backup import other_database
    from workbench.ops.backup import dump_lines, read_dump, restore_project

    mona = make_user(session, "mona")
    project = make_project(session, manager=mona)
    doe = create_speaker(session, project, "Jane Doe", aliases=["Doe"])
    _import(session, project, "LONDON (Reuters) - " + TEXT)
    article = _import(session, project)
    first = active_claims(session, article)[0]
    _saved(session, first, mona, speaker_id=doe.id, attribution="direct")
    session.commit()
    lines = list(dump_lines(session, project))
    records = [json.loads(line) for line in lines]
    assert {r["wire_source"] for r in records if r["type"] == "article"} == {"Reuters", ""}
    suggested = [r for r in records if r["type"] == "suggestion"]
    assert all(r["reason"] for r in suggested)
    assert {r["speaker"] for r in suggested if r["field"] == "speaker"} >= {None, 1}
    [annotation] = [r for r in records if r["type"] == "annotation"]
    assert annotation["from_suggestion"] == ["speaker", "attribution"]
    engine, sessions = other_database(tmp_path)
    try:
        with sessions() as other:
            restored, _, _ = restore_project(other, read_dump(lines), name="Copy")
            other.commit()
            # the same lines but the project record (its name) and the closing digest
            assert list(dump_lines(other, restored))[2:-1] == lines[2:-1]
            saved = other.scalar(select(Annotation))
            assert saved.from_suggestion == ["speaker", "attribution"]
            linked = other.scalar(
                select(Suggestion).where(
                    Suggestion.claim_id == saved.claim_id, Suggestion.field == "speaker"
                )
            )
            assert linked.speaker_id == saved.speaker_id
            # a dump from before (format 2: no closing record) restores with the defaults
            old = [r for r in records if r["type"] != "end"]
            old[0]["format_version"] = 2
            added = {
                "article": ("wire_source",),
                "suggestion": ("reason", "speaker"),
                "annotation": ("from_suggestion",),
            }
            for r in old:
                for name in added.get(r["type"], ()):
                    del r[name]
            text = [json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in old]
            restored, _, warnings = restore_project(other, read_dump(text), name="Old")
            other.commit()
            assert warnings
            project_claims = select(Claim.id).join(Article).where(Article.project_id == restored.id)
            assert {
                (s.reason, s.speaker_id)
                for s in other.scalars(
                    select(Suggestion).where(Suggestion.claim_id.in_(project_claims))
                )
            } == {("", None)}
            assert {a.wire_source for a in restored.articles} == {""}
            assert (
                other.scalar(
                    select(Annotation.from_suggestion).where(
                        Annotation.claim_id.in_(project_claims)
                    )
                )
                == []
            )
            # what restore refuses
            for bad, message in ((["nope"], "names 'nope', which is no field"), ("x", "a list")):
                for r in old:
                    if r["type"] == "annotation":
                        r["from_suggestion"] = bad
                text = [json.dumps(r, sort_keys=True) + "\n" for r in old]
                with pytest.raises(InvalidInput, match=message):
                    restore_project(other, read_dump(text), name="Bad")
                other.rollback()
    finally:
        engine.dispose()
