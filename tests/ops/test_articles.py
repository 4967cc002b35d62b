"""Importing articles: duplicates, rejections, exact claim offsets, suggestions, crash safety."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

import workbench.ops.articles as articles_ops
from tests.conftest import make_project, make_user
from workbench.errors import NotFound
from workbench.importing import ArticleDraft, Rejection, content_hash, normalize_text, parse_file
from workbench.models import Article, Claim, Suggestion, User
from workbench.ops.annotations import AnnotationInput, save_annotation
from workbench.ops.articles import article_progress, get_article, import_items
from workbench.ops.claims import active_claims
from workbench.ops.demo import DEMO_NAME, DEMO_TARGET, seed_demo
from workbench.ops.projects import get_project_by_name
from workbench.resources import resource_dir

TWO = "The minister said talks went well. Critics disagreed strongly.\n\nA third claim follows."


pytestmark = pytest.mark.usefixtures("fast_passwords")


def _count(session, model):
    return session.scalar(select(func.count()).select_from(model))


def _check_offsets(session, article):
    claims = active_claims(session, article)
    assert claims, "every test article has claims"
    assert [c.position for c in claims] == list(range(1, len(claims) + 1))
    previous_end = 0
    for claim in claims:
        assert previous_end <= claim.start < claim.end <= len(article.text)
        assert claim.text == article.text[claim.start : claim.end]
        assert claim.text == claim.text.strip()
        previous_end = claim.end
    return claims


def test_import_items_reports_every_item(session):
    ann = make_user(session, "ann")
    project = make_project(session, manager=ann)
    items = [
        ArticleDraft(text=TWO, title="First", outlet="Wire", source="a.txt"),
        Rejection(source="b.csv row 3", reason="row 3 has an empty 'text'"),
        ArticleDraft(text="  " + TWO + "\n", source="c.txt"),  # same text after normalising
        ArticleDraft(text="Something else entirely. And more.", source="d.txt"),
        ArticleDraft(text=TWO, title="Again", source="e.txt"),
    ]
    report = import_items(session, project, items, user=ann)
    assert [(r.source, r.status) for r in report.results] == [
        ("a.txt", "imported"),
        ("b.csv row 3", "rejected"),
        ("c.txt", "duplicate"),
        ("d.txt", "imported"),
        ("e.txt", "duplicate"),
    ]
    assert (report.imported, report.duplicates, report.rejected) == (2, 2, 1)
    assert report.results[1].reason == "row 3 has an empty 'text'"
    assert report.results[0].claims == 3
    first = get_article(session, report.results[0].article_id)
    assert (first.title, first.outlet, first.imported_by_id) == ("First", "Wire", ann.id)
    assert first.content_hash == content_hash(TWO)
    assert first.source == "a.txt"
    second = get_article(session, report.results[3].article_id)
    assert second.title == "Something else entirely. And more."  # fallback: first line
    assert _count(session, Article) == 2


def test_duplicates_of_stored_articles_are_skipped(session):
    project = make_project(session)
    import_items(session, project, [ArticleDraft(text=TWO)], user=None)
    session.commit()
    report = import_items(session, project, [ArticleDraft(text=TWO, source="again.txt")], user=None)
    assert report.results[0].status == "duplicate"
    assert "already has an article" in report.results[0].reason
    assert _count(session, Article) == 1
    # another project may hold the same text
    other = make_project(session, "Other")
    assert import_items(session, other, [ArticleDraft(text=TWO)], user=None).imported == 1


def test_claims_have_exact_offsets(session):
    project = make_project(session)
    texts = [
        TWO,
        "WASHINGTON - Officials met on Monday. “We agree,” Dr. Smith said. It is 3.5 km away.",
        "• first point here.\n• second point here.\n\n1. A list item. 2. Not a new item.",
        "Ünïcödé tëxt — with dashes… And ellipses. Done?",
    ]
    report = import_items(session, project, [ArticleDraft(text=t) for t in texts], user=None)
    assert report.imported == len(texts)
    for result in report.results:
        article = get_article(session, result.article_id)
        claims = _check_offsets(session, article)
        assert len(claims) == result.claims
        # between the claims there is only white space (and the dateline before the first)
        ends = [0, *(c.end for c in claims)]
        starts = [*(c.start for c in claims), len(article.text)]
        gaps = [article.text[e:s] for e, s in zip(ends, starts, strict=True)]
        assert gaps[0].replace(article.dateline, "", 1).strip(" -—–,\n") == ""
        assert all(not gap.strip() for gap in gaps[1:])
    assert get_article(session, report.results[1].article_id).dateline == "WASHINGTON"


def test_seed_article_dateline_and_boilerplate_suggestions(session):
    mona = make_user(session, "mona")
    project, report = seed_demo(session, manager=mona)
    assert project.name == DEMO_NAME
    assert [t.name for t in project.targets] == [DEMO_TARGET]
    assert report.imported == 1
    (article,) = project.articles
    assert article.dateline == "TEHRAN"
    assert article.text.startswith("TEHRAN - General Hamed")
    assert article.outlet == "Mehr News Agency"
    assert article.extra["license"].startswith("CC BY 4.0")
    assert article.source == "seeds/iran-iraq-military-talks.txt"
    claims = _check_offsets(session, article)
    assert claims[0].text.startswith("General Hamed Atiyeh Khwain")
    suggestions = session.scalars(
        select(Suggestion)
        .join(Claim)
        .where(Claim.article_id == article.id, Suggestion.field == "verifiability")
        .order_by(Claim.start)
    ).all()
    assert [s.claim_id for s in suggestions] == [c.id for c in claims]
    # the boilerplate at the end keeps its not_a_claim suggestion, from the suggester
    assert [(s.value, s.source, s.claim.text) for s in suggestions[-2:]] == [
        ("not_a_claim", "suggester", "SP/PA"),
        (
            "not_a_claim",
            "suggester",
            "All Content by Mehr News Agency is licensed under a Creative Commons "
            "Attribution 4.0 International License.",
        ),
    ]


def test_seed_demo_runs_once(session):
    mona = make_user(session, "mona")
    first, _ = seed_demo(session, manager=mona)
    again, report = seed_demo(session, manager=mona)
    assert again.id == first.id
    assert report.results == ()
    assert _count(session, Article) == 1


def test_seed_demo_without_manager(session):
    project, report = seed_demo(session)
    assert report.imported == 1
    assert project.memberships == []


def _seed_text() -> str:
    data = (resource_dir("seeds") / "iran-iraq-military-talks.txt").read_bytes()
    (draft,) = parse_file("seed.txt", data)
    return draft.text


@pytest.mark.parametrize("target", ["split_text", "store_articles", "store_suggestions"])
def test_failure_mid_import_leaves_nothing(session, monkeypatch, target):
    project = make_project(session)
    session.commit()
    monkeypatch.setattr(articles_ops, "IMPORT_BATCH", 1)  # a batch per article
    real = getattr(articles_ops, target)
    calls = []

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("disk on fire")
        return real(*args, **kwargs)

    monkeypatch.setattr(articles_ops, target, failing)
    items = [ArticleDraft(text=_seed_text()), ArticleDraft(text=TWO), ArticleDraft(text="Third.")]
    with pytest.raises(RuntimeError, match="disk on fire"):
        import_items(session, project, items, user=None)
    session.rollback()
    assert len(calls) == 2
    assert [_count(session, m) for m in (Article, Claim, Suggestion)] == [0, 0, 0]
    # the project is untouched and a clean retry imports everything
    monkeypatch.setattr(articles_ops, target, real)
    assert get_project_by_name(session, project.name).id == project.id
    report = import_items(session, project, items, user=None)
    assert report.imported == 3
    # every claim has its suggestions, stored with it
    suggested = set(session.scalars(select(Suggestion.claim_id)))
    assert suggested == set(session.scalars(select(Claim.id)))


def test_parsed_files_are_stored_normalised(session):
    project = make_project(session)
    items = parse_file("a.txt", b"\xef\xbb\xbf  Line one.\r\nLine two.\r\n\r\nPara two.  ")
    report = import_items(session, project, items, user=None)
    article = get_article(session, report.results[0].article_id)
    assert article.text == normalize_text(article.text)
    assert "\r" not in article.text
    _check_offsets(session, article)


def test_drafts_are_stored_normalised_and_empty_ones_rejected(session):
    project = make_project(session)
    items = [
        ArticleDraft(text="  \ufeffFirst line.\r\nSecond line.  ", source="raw"),
        ArticleDraft(text=" \n\t ", source="blank"),
    ]
    report = import_items(session, project, items, user=None)
    assert [(r.status, r.reason) for r in report.results] == [
        ("imported", ""),
        ("rejected", "the text is empty"),
    ]
    article = get_article(session, report.results[0].article_id)
    assert article.text == "First line.\nSecond line."
    assert article.content_hash == content_hash(article.text)
    _check_offsets(session, article)


def test_get_article_unknown(session):
    with pytest.raises(NotFound):
        get_article(session, 12345)


def test_article_progress(session):
    ann, bob = make_user(session, "ann"), make_user(session, "bob")
    project = make_project(session, manager=ann, annotators=[bob])
    report = import_items(
        session, project, [ArticleDraft(text=TWO), ArticleDraft(text="Other text. Yes.")], user=ann
    )
    first = get_article(session, report.results[0].article_id)
    claims = active_claims(session, first)
    for user in (ann, bob):
        save_annotation(
            session, project, claims[0], user, AnnotationInput(note="n"), base_version=None
        )
    save_annotation(session, project, claims[1], ann, AnnotationInput(note="n"), base_version=None)
    progress = article_progress(session, project, bob)
    rows = [(p.article.id, p.claims, p.annotated_by_me, p.annotations) for p in progress.articles]
    assert rows == [
        (first.id, 3, 1, 3),
        (report.results[1].article_id, 2, 0, 0),
    ]
    assert (progress.claims_total, progress.mine_total, progress.page.total) == (5, 1, 2)
    # one article a page: the second page has the second article, the project's totals
    second = article_progress(session, project, ann, page=2, size=1)
    assert [p.article.id for p in second.articles] == [report.results[1].article_id]
    assert (second.claims_total, second.mine_total, second.page.pages) == (5, 2, 2)
    with pytest.raises(NotFound):
        article_progress(session, project, ann, page=3, size=1)


def test_a_metadata_value_longer_than_its_column_is_rejected_with_the_reason(session):
    project = make_project(session)
    items = [
        ArticleDraft(text="One claim here.", language="English (United States)"),
        ArticleDraft(text="Another claim here.", language="en"),
    ]
    report = import_items(session, project, items, user=None)
    assert [r.status for r in report.results] == ["rejected", "imported"]
    assert "'language' value has 23 characters; at most 20" in report.results[0].reason
    session.commit()


FOUR = "First claim here. Second claim here. Third claim here. Fourth claim here."


def test_an_article_with_more_claims_than_allowed_is_rejected(session):
    project = make_project(session)
    items = [
        ArticleDraft(text=FOUR, source="long.txt"),
        ArticleDraft(text="A fine text. With two claims.", source="ok.txt"),
    ]
    report = import_items(session, project, items, user=None, max_claims=3)
    assert [(r.source, r.status, r.reason) for r in report.results] == [
        (
            "long.txt",
            "rejected",
            "the article has more than 3 claims, the most one article may have "
            "(WORKBENCH_MAX_CLAIMS_PER_ARTICLE); split it into smaller articles",
        ),
        ("ok.txt", "imported", ""),
    ]
    assert [_count(session, m) for m in (Article, Claim)] == [1, 2]
    assert import_items(session, project, items[:1], user=None, max_claims=4).imported == 1


def _job(session_factory, name="Jobs"):
    from workbench.ops.import_jobs import create_import_job

    with session_factory() as s:
        project = make_project(s, name)
        job = create_import_job(s, project, None, description="feed.jsonl", files_total=1)
        s.commit()
        return project.id, job.id


def _jsonl(*texts: str) -> bytes:
    import json

    return "".join(json.dumps({"text": t}) + "\n" for t in texts).encode()


def test_an_import_job_lets_others_write_between_its_batches(
    session_factory, database_url, monkeypatch
):
    """The lock is released between batches: while the job splits its second
    article, another connection (with a short busy timeout) writes at once."""
    import workbench.db
    from workbench.db import begin_write, make_engine, make_session_factory
    from workbench.jobs import ImportSource, run_import
    from workbench.ops.projects import create_project

    monkeypatch.setattr(workbench.db, "SQLITE_BUSY_TIMEOUT", 0.5)
    monkeypatch.setattr(articles_ops, "IMPORT_BATCH", 1)
    project_id, job_id = _job(session_factory)
    other_engine = make_engine(database_url)
    others = make_session_factory(other_engine)
    real = articles_ops.split_text
    calls: list[int] = []
    written: list[str] = []

    def split_and_let_another_write(text, **kwargs):
        calls.append(1)
        if len(calls) == 2:  # the first batch is stored, the second not yet
            with others() as other:
                begin_write(other)
                create_project(other, "Written meanwhile", targets=["T"])
                other.commit()
            written.append("yes")
        return real(text, **kwargs)

    monkeypatch.setattr(articles_ops, "split_text", split_and_let_another_write)
    source = ImportSource("feed.jsonl", _jsonl("One claim. Two.", "Three claim. Four.", "Five."))
    try:
        status = run_import(session_factory, job_id, [source], max_bytes=10**6)
    finally:
        other_engine.dispose()
    assert (status, written) == ("done", ["yes"])
    with session_factory() as s:
        from workbench.ops.import_jobs import get_import_job, job_items
        from workbench.ops.projects import get_project

        job = get_import_job(s, get_project(s, project_id), job_id)
        assert (job.items_total, job.items_done, job.imported) == (3, 3, 3)
        assert [i.status for i in job_items(s, job)] == ["imported"] * 3
        assert s.scalar(select(func.count()).select_from(Article)) == 3


def test_an_import_job_rejects_a_huge_line_of_claims_quickly(session_factory):
    """The issue's 8.8 MB line ("Ab. " 2.2 million times) is refused for its claims,
    with the reason in the report; the splitter stops soon after the limit."""
    from workbench.jobs import ImportSource, run_import
    from workbench.ops.import_jobs import get_import_job, job_items
    from workbench.ops.projects import get_project

    project_id, job_id = _job(session_factory)
    data = _jsonl("Ab. " * 2_200_000, "A normal article. With two claims.")
    status = run_import(session_factory, job_id, [ImportSource("big.jsonl", data)], max_bytes=10**7)
    assert status == "done"
    with session_factory() as s:
        job = get_import_job(s, get_project(s, project_id), job_id)
        rows = [(i.source, i.status, i.reason) for i in job_items(s, job)]
        assert rows == [
            (
                "big.jsonl line 1",
                "rejected",
                "the article has more than 20,000 claims, the most one article may have "
                "(WORKBENCH_MAX_CLAIMS_PER_ARTICLE); split it into smaller articles",
            ),
            ("big.jsonl line 2", "imported", ""),
        ]
        assert (job.imported, job.rejected) == (1, 1)


def test_a_job_whose_heartbeat_stopped_is_interrupted(session_factory):
    from datetime import timedelta

    from workbench.models import utcnow
    from workbench.ops.heartbeat import HEARTBEAT_STALE_SECONDS, job_status
    from workbench.ops.import_jobs import get_import_job
    from workbench.ops.projects import get_project

    project_id, job_id = _job(session_factory)
    with session_factory() as s:
        job = get_import_job(s, get_project(s, project_id), job_id)
        assert job_status(job) == "running"
        later = utcnow() + timedelta(seconds=HEARTBEAT_STALE_SECONDS + 1)
        assert job_status(job, now=later) == "interrupted"


@pytest.mark.parametrize("change", ["deactivated", "demoted", "removed"])
def test_an_import_job_stops_when_its_user_may_no_longer_import(
    session_factory, monkeypatch, change
):
    """A web import runs on after its request: when the admin deactivates its user,
    or the user stops being a manager of the project, while it runs, the batches
    stored so far stay and the job stops at the next one, failed with the reason
    (it kept storing every article of the upload)."""
    from workbench.jobs import ImportSource, run_import
    from workbench.ops.import_jobs import create_import_job, get_import_job
    from workbench.ops.projects import get_project, remove_member, set_member
    from workbench.ops.sessions import deactivate_user

    monkeypatch.setattr(articles_ops, "IMPORT_BATCH", 1)
    with session_factory() as s:
        manager = make_user(s, "boss")
        make_user(s, "keeper")
        project = make_project(s, "Stopped", manager=manager)
        set_member(s, project, s.scalar(select(User).where(User.username == "keeper")), "manager")
        job = create_import_job(s, project, manager, description="feed.jsonl", files_total=1)
        s.commit()
        project_id, job_id = project.id, job.id
    real = articles_ops.split_text
    calls: list[int] = []

    def split_and_change_the_user(text, **kwargs):
        calls.append(1)
        if len(calls) == 2:  # the first batch is stored, the second not yet
            with session_factory() as other:
                user = other.scalar(select(User).where(User.username == "boss"))
                project = get_project(other, project_id)
                if change == "deactivated":
                    deactivate_user(other, user)
                elif change == "demoted":
                    set_member(other, project, user, "annotator")
                else:
                    remove_member(other, project, user)
                other.commit()
        return real(text, **kwargs)

    monkeypatch.setattr(articles_ops, "split_text", split_and_change_the_user)
    source = ImportSource("feed.jsonl", _jsonl("One claim. Two.", "Three claim.", "Five."))
    assert run_import(session_factory, job_id, [source], max_bytes=10**6) == "failed"
    with session_factory() as s:
        job = get_import_job(s, get_project(s, project_id), job_id)
        assert job.status == "failed"
        assert "boss" in job.error and "stopped" in job.error
        assert s.scalar(select(func.count()).select_from(Article)) == job.imported == 1
