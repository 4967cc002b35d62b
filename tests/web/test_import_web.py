"""Importing through the web: paste, upload many files, and a clear report of every failure."""

from __future__ import annotations

import html
import io
import json
import os
import re
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.conftest import Web
from tests.web.web_helpers import fresh, page_text, read, report_rows
from workbench.models import Article, Claim

DATA = Path(__file__).resolve().parent.parent / "text" / "data" / "import"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"


def _files(*pairs):
    return {"files": [(io.BytesIO(data), name) for name, data in pairs]}


def _articles(db) -> list[Article]:
    return list(fresh(db).scalars(select(Article).order_by(Article.id)))


@pytest.fixture
def manager(web, team):
    web.login("mona")
    return web


def test_paste_imports_one_article(manager, db, team):
    pid = team["project"].id
    response = manager.post(
        f"/projects/{pid}/import/paste",
        {
            "title": "Talks",
            "outlet": "Mehr",
            "author": "A. Writer",
            "url": "https://example.org/talks",
            "published": "2025-01-02",
            "text": "Baqeri said the talks went well.\r\nThe ministry denied it.",
        },
    )
    body = read(response)
    assert response.status_code == 200
    assert report_rows(body) == [("imported", "pasted text", "Talks: 2 claims")]
    assert "1 imported, 0 skipped as duplicates, 0 rejected." in page_text(body)
    (article,) = _articles(db)
    assert (article.title, article.outlet, article.url) == (
        "Talks",
        "Mehr",
        "https://example.org/talks",
    )
    assert article.text == "Baqeri said the talks went well.\nThe ministry denied it."
    assert f'/projects/{pid}/articles/{article.id}/annotate"' in body


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"text": "   \n  "}, "Text: This field is required."),
        ({"text": "Fine text.", "url": "not a url"}, "URL: Invalid URL."),
        (
            {"text": "Fine text.", "published": "June 10th"},
            "Published (YYYY-MM-DD): Give the date as YYYY-MM-DD (2024-06-10), or an ISO "
            "date and time (2024-06-10T14:30:00Z); 'June 10th' is neither.",
        ),
        ({"text": "Fine text.", "published": "2024-02-30"}, "'2024-02-30' is neither."),
        ({"text": "Fine text.", "published": "10/06/2024"}, "'10/06/2024' is neither."),
    ],
)
def test_paste_with_a_bad_field_is_refused(manager, db, team, fields, message):
    response = manager.post(f"/projects/{team['project'].id}/import/paste", fields)
    body = read(response)
    assert response.status_code == 400
    assert message in page_text(body)
    assert _articles(db) == []


def test_upload_of_many_files_reports_each(manager, db, team):
    pid = team["project"].id
    files = _files(
        ("notes.txt", b"First sentence here. Second sentence there."),
        ("story.md", b"# A heading\n\nMarkdown body text. More of it."),
        ("news.html", (DATA / "news_article.html").read_bytes()),
        ("sheet.csv", b'title,text\nOne,"Row one text. More."\nTwo,Row two text.\n'),
        ("feed.jsonl", b'{"text": "Line one. More.", "title": "L1"}\n{not json}\n'),
        ("again.txt", b"First sentence here. Second sentence there."),
        ("empty.txt", b""),
        ("picture.txt", PNG),
        ("nul.md", b"text with a \x00 NUL byte"),
        ("latin.txt", bytes(range(128, 256)) * 4),
        ("noheader.csv", b"headline,story\nA,B\n"),
        ("image.png", PNG),
    )
    response = manager.post(f"/projects/{pid}/import/upload", files)
    body = read(response)
    assert response.status_code == 200
    rows = report_rows(body)
    by_source = {source: (status, details) for status, source, details in rows}
    imported = {s for s, (status, _) in by_source.items() if status == "imported"}
    assert imported == {
        "notes.txt",
        "story.md",
        "news.html",
        "sheet.csv row 2",
        "sheet.csv row 3",
        "feed.jsonl line 1",
    }
    assert by_source["story.md"][1] == "A heading: 2 claims"
    assert "Council approves new bike lanes" in by_source["news.html"][1]
    reasons = {
        "again.txt": ("duplicate", "the project already has an article with the same text"),
        "feed.jsonl line 2": ("rejected", "line 2 is not valid JSON"),
        "empty.txt": ("rejected", "the file is empty"),
        "picture.txt": ("rejected", "the file is a PNG image, not text; save the article as"),
        "nul.md": ("rejected", "the file looks binary (it contains NUL bytes), not text"),
        "latin.txt": (
            "rejected",
            "the file could not be decoded as text in any known encoding",
        ),
        "noheader.csv": (
            "rejected",
            "the CSV has no 'text' column (columns found: headline, story)",
        ),
        "image.png": ("rejected", "unsupported file type '.png'"),
    }
    for source, (status, reason) in reasons.items():
        assert by_source[source][0] == status, (source, by_source[source])
        assert reason in by_source[source][1], (source, by_source[source])
    summary = page_text(body)
    assert "6 imported, 1 skipped as duplicates, 7 rejected." in summary
    # Nothing of a rejected or duplicate item was stored: every article is a whole import.
    articles = _articles(db)
    assert sorted(a.source for a in articles) == sorted(imported)
    for article in articles:
        claims = select(func.count()).select_from(Claim).where(Claim.article_id == article.id)
        assert db.scalar(claims) >= 1, article.source


def test_a_broken_csv_keeps_the_rows_before_and_reports_the_rest(manager, db, team):
    data = b'title,text\nOne,"Row one. Fine."\nTwo,"Broken "quote" here.\nThree,Never read.\n'
    response = manager.post(
        f"/projects/{team['project'].id}/import/upload", _files(("broken.csv", data))
    )
    rows = report_rows(read(response))
    assert rows[0][:2] == ("imported", "broken.csv row 2")
    assert rows[1][:2] == ("rejected", "broken.csv row 3")
    assert "it and any rows after it were not imported" in rows[1][2]
    assert [a.source for a in _articles(db)] == ["broken.csv row 2"]


def test_only_rejections_give_a_400_report(manager, db, team):
    response = manager.post(
        f"/projects/{team['project'].id}/import/upload",
        _files(("empty.txt", b""), ("blank.md", b"  \n\t\n")),
    )
    body = read(response)
    assert response.status_code == 400
    assert [r[:2] for r in report_rows(body)] == [
        ("rejected", "empty.txt"),
        ("rejected", "blank.md"),
    ]
    assert "the file is empty (it contains only whitespace)" in body
    assert _articles(db) == []


def test_a_duplicate_paste_is_skipped(manager, db, team):
    url = f"/projects/{team['project'].id}/import/paste"
    read(manager.post(url, {"text": "Same text. Twice."}))
    response = manager.post(url, {"text": "  Same text. Twice.  \n"})
    body = read(response)
    assert response.status_code == 200
    assert report_rows(body) == [
        ("duplicate", "pasted text", "the project already has an article with the same text")
    ]
    assert len(_articles(db)) == 1


def test_no_file_chosen(manager, db, team):
    url = f"/projects/{team['project'].id}/import/upload"
    for data in ({}, {"files": (io.BytesIO(b""), "")}):
        response = manager.post(url, data)
        body = read(response)
        assert response.status_code == 400
        assert "Choose one or more files to upload." in body
    assert _articles(db) == []


def test_a_file_over_the_per_file_limit_is_rejected(make_app, db, team):
    app = make_app(MAX_UPLOAD_MB=0.001)
    web = Web(app.test_client())
    web.login("mona")
    form = read(web.get(f"/projects/{team['project'].id}/import"))
    assert "At most 0.001 MB per file." in page_text(form)
    big = b"A sentence of text. " * 100  # 2,000 bytes
    response = web.post(
        f"/projects/{team['project'].id}/import/upload",
        _files(("big.txt", big), ("small.txt", b"Small. Text.")),
    )
    rows = report_rows(read(response))
    assert rows == [
        ("rejected", "big.txt", "the file is 2 kB, over the 1 kB limit"),
        ("imported", "small.txt", "small: 2 claims"),
    ]
    assert [a.source for a in _articles(db)] == ["small.txt"]


def test_a_request_over_the_limit_gets_a_413_page(make_app, db, team):
    app = make_app(MAX_REQUEST_MB=0.01)
    web = Web(app.test_client())
    web.login("mona")
    response = web.post(
        f"/projects/{team['project'].id}/import/upload",
        _files(("a.txt", b"Text. " * 2000), ("b.txt", b"More. " * 2000)),
    )
    body = read(response)
    assert response.status_code == 413
    assert "Upload too large" in body
    assert "over the 0.01 MB limit for one upload; nothing was imported" in body
    assert _articles(db) == []
    # The JSON flavour says the same.
    response = web.post(
        f"/projects/{team['project'].id}/import/upload",
        _files(("a.txt", b"Text. " * 3000)),
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 413
    assert response.get_json()["error"] == "Upload too large"


def test_an_annotator_may_not_import(web, db, team):
    web.login("ann")
    pid = team["project"].id
    for response in (
        web.get(f"/projects/{pid}/import"),
        web.post(f"/projects/{pid}/import/paste", {"text": "A claim. Another."}),
        web.post(f"/projects/{pid}/import/upload", _files(("a.txt", b"A claim. Another."))),
    ):
        body = read(response)
        assert response.status_code == 403
        assert "You do not have permission to do that." in body
    assert _articles(db) == []
    project_page = read(web.get(f"/projects/{pid}"))
    assert "Import articles" not in project_page


def test_jsonl_metadata_is_kept(manager, db, team):
    line = json.dumps({"text": "A claim. Another one.", "title": "T", "section": "World"})
    response = manager.post(
        f"/projects/{team['project'].id}/import/upload", _files(("f.jsonl", line.encode()))
    )
    assert response.status_code == 200
    read(response)
    (article,) = _articles(db)
    assert (article.title, article.extra) == ("T", {"section": "World"})


def test_a_long_pasted_article_is_accepted(manager, db, team):
    """Werkzeug's own 500 kB cap on form text does not apply: the per-file limit does."""
    text = " ".join(("word " * 10_000).strip() + "." for _ in range(11))  # 550 kB
    response = manager.post(f"/projects/{team['project'].id}/import/paste", {"text": text})
    body = read(response)
    assert response.status_code == 200, page_text(body)[:300]
    assert report_rows(body)[0][0] == "imported"
    assert len(_articles(db)[0].text) == len(text)


def test_a_pasted_text_over_the_per_file_limit_is_rejected(make_app, db, team):
    app = make_app(MAX_UPLOAD_MB=0.001)  # 1,000 bytes
    web = Web(app.test_client())
    web.login("mona")
    url = f"/projects/{team['project'].id}/import/paste"
    response = web.post(url, {"text": "A claim here. " * 200})  # 2,800 bytes
    body = read(response)
    assert response.status_code == 400
    assert "over the" in page_text(body) and "limit" in page_text(body)
    assert _articles(db) == []
    response = web.post(url, {"text": "A claim here. " * 50})
    assert response.status_code == 200
    read(response)


_OPENED: list[str] | None = None


def _audit(event, args):
    if _OPENED is not None and event == "open" and args and isinstance(args[0], str | bytes):
        _OPENED.append(os.fsdecode(args[0]))


def test_an_uploads_name_never_reaches_the_filesystem(manager, db, team, tmp_path):
    """Path traversal: a file name is read for its extension and shown, escaped;
    nothing is opened, read or written under it (checked with an audit hook that
    sees every open() of the process while the request runs). Only the last path
    component is kept, as browsers that send "C:\\fakepath\\a.txt" need."""
    global _OPENED
    token = uuid.uuid4().hex
    names = [
        f"../../../../../../../../tmp/{token}.txt",
        f"..\\..\\..\\{token}.md",
        f"/etc/{token}.csv",
        f"<img src=x onerror=alert('{token}')>.txt",
    ]
    body_of = {names[0]: b"Traversal one. More.", names[1]: b"Traversal two. More."}
    body_of[names[2]] = b"title,text\nT,Traversal three. More.\n"
    body_of[names[3]] = b"Traversal four. More."
    sys.addaudithook(_audit)  # hooks cannot be removed; this one only records while _OPENED is set
    _OPENED = []
    try:
        response = manager.post(
            f"/projects/{team['project'].id}/import/upload",
            _files(*((name, body_of[name]) for name in names)),
        )
        opened = [path for path in _OPENED if token in path]
    finally:
        _OPENED = None
    body = read(response)
    assert response.status_code == 200
    assert opened == []
    assert not Path(f"/tmp/{token}.txt").exists()
    assert "<img src=x" not in body and "&lt;img src=x onerror" in body
    assert len(_articles(db)) == 4  # each imported, under its name as given


def _jsonl(*texts: str) -> bytes:
    return "".join(json.dumps({"text": t}) + "\n" for t in texts).encode()


def _wait_for_job(web, pid, job_id):
    """Poll the progress endpoint until the job is no longer running; return its JSON."""
    import time

    for _ in range(600):
        state = web.get(f"/api/projects/{pid}/imports/{job_id}").get_json()
        if state["status"] != "running":
            return state
        time.sleep(0.1)
    raise AssertionError(f"the import did not finish: {state}")


def test_a_long_import_shows_its_progress_and_others_can_save_meanwhile(
    make_app, db, team, monkeypatch
):
    """An upload that does not finish at once goes to a progress page (done of
    total, refreshed by static JS or, without it, by the page itself); while the
    job runs, another user logs in and saves an annotation on an article it
    already stored; at the end the same page is the report."""
    import threading

    import workbench.ops.articles as articles_ops

    app = make_app(IMPORT_WAIT_SECONDS=0)
    mona = Web(app.test_client())
    mona.login("mona")
    pid = team["project"].id
    monkeypatch.setattr(articles_ops, "IMPORT_BATCH", 1)
    entered, gate = threading.Event(), threading.Event()
    real = articles_ops.split_text
    calls: list[int] = []

    def split_slowly(text, **kwargs):
        calls.append(1)
        if len(calls) == 3:  # two articles stored, the third being prepared
            entered.set()
            gate.wait(60)
        return real(text, **kwargs)

    monkeypatch.setattr(articles_ops, "split_text", split_slowly)
    texts = [f"Article {n} says one thing. And another thing." for n in range(1, 6)]
    try:
        response = mona.post(f"/projects/{pid}/import/upload", _files(("f.jsonl", _jsonl(*texts))))
        assert response.status_code == 303, read(response)
        location = response.location
        assert entered.wait(60)
        job_id = int(location.rstrip("/").rsplit("/", 1)[-1])
        state = mona.get(f"/api/projects/{pid}/imports/{job_id}").get_json()
        assert (state["status"], state["done"], state["total"]) == ("running", 2, 5)
        page = read(mona.get(location))
        assert "2 of 5 items done" in page_text(page)
        assert '<meta http-equiv="refresh"' in page
        assert 'src="/static/js/import_progress.js"' in page
        # Meanwhile: a login and a save on an article the job has already stored.
        ann = Web(app.test_client())
        assert ann.login("ann").status_code == 302
        (article,) = _articles(db)[:1]
        claim = db.scalars(select(Claim).where(Claim.article_id == article.id)).first()
        csrf = ann.get("/api/session").get_json()["csrf_token"]
        saved = ann.client.post(
            f"/api/projects/{pid}/claims/{claim.id}/annotation",
            json={"base_version": None, "verifiability": "opinion"},
            headers={"X-CSRFToken": csrf},
        )
        assert saved.status_code == 200, saved.get_data(as_text=True)
    finally:
        gate.set()
    state = _wait_for_job(mona, pid, job_id)
    assert (state["status"], state["done"], state["total"], state["imported"]) == (
        "done",
        5,
        5,
        5,
    )
    report = read(mona.get(location))
    assert "5 imported, 0 skipped as duplicates, 0 rejected." in page_text(report)
    assert [r[:2] for r in report_rows(report)] == [
        ("imported", f"f.jsonl line {n}") for n in range(1, 6)
    ]
    assert '<meta http-equiv="refresh"' not in report


def test_the_report_of_a_large_import_is_paginated_and_filtered(manager, db, team):
    pid = team["project"].id
    lines = []
    for n in range(1, 251):
        lines.append("{broken" if n % 5 == 0 else json.dumps({"text": f"Row {n} text. More."}))
    data = ("\n".join(lines) + "\n").encode()
    response = manager.post(f"/projects/{pid}/import/upload", _files(("big.jsonl", data)))
    body = read(response)
    assert response.status_code == 200
    assert "200 imported, 0 skipped as duplicates, 50 rejected." in page_text(body)
    rows = report_rows(body)
    assert [r[1] for r in rows] == [f"big.jsonl line {n}" for n in range(1, 101)]
    next_link = re.search(r'href="([^"]*after=\d+[^"]*)"[^>]*>Next', body)
    assert next_link, "no link to the next page"
    second = read(manager.get(html.unescape(next_link.group(1))))
    assert [r[1] for r in report_rows(second)] == [f"big.jsonl line {n}" for n in range(101, 201)]
    job_url = re.search(r'href="(/projects/\d+/imports/\d+)\?', body).group(1)
    rejected = read(manager.get(f"{job_url}?fate=rejected"))
    rows = report_rows(rejected)
    assert [r[:2] for r in rows] == [("rejected", f"big.jsonl line {n}") for n in range(5, 251, 5)]
    assert "200 imported, 0 skipped as duplicates, 50 rejected." in page_text(rejected)
    assert manager.get(f"{job_url}?fate=nonsense").status_code == 400
    for bad in ("x", "-1", "²", "1e3"):
        assert manager.get(f"{job_url}?after={bad}").status_code == 400, bad
    # A position nothing can have, as every number in a query string (web/common.py).
    assert manager.get(f"{job_url}?after={2**31}").status_code == 404


def test_an_upload_of_1000_files_is_accepted_and_1001_refused(manager, db, team):
    """The documented limit is 1,000 files; the CSRF field is one more form part."""
    url = f"/projects/{team['project'].id}/import/upload"
    response = manager.post(url, _files(*((f"f{i}.png", b"x") for i in range(1000))))
    body = read(response)
    assert response.status_code == 400, page_text(body)[:300]
    assert "0 imported, 0 skipped as duplicates, 1,000 rejected." in page_text(body)
    response = manager.post(url, _files(*((f"f{i}.png", b"x") for i in range(1001))))
    body = read(response)
    assert response.status_code == 413
    assert "at most 1,000 files" in page_text(body)


def test_an_article_with_too_many_claims_is_reported(make_app, db, team):
    app = make_app(MAX_CLAIMS_PER_ARTICLE=3)
    web = Web(app.test_client())
    web.login("mona")
    four = "First claim here. Second claim here. Third claim here. Fourth claim here."
    response = web.post(
        f"/projects/{team['project'].id}/import/upload",
        _files(("f.jsonl", _jsonl(four, "Short one. Two."))),
    )
    rows = report_rows(read(response))
    assert rows[0][:2] == ("rejected", "f.jsonl line 1")
    assert "the article has more than 3 claims" in rows[0][2]
    assert rows[1][0] == "imported"
    assert [a.source for a in _articles(db)] == ["f.jsonl line 2"]


def test_a_write_that_cannot_get_the_sqlite_lock_gets_a_503(make_app, db, team, monkeypatch):
    """Another connection holds SQLite's write lock past the busy timeout: a form
    post, a login and an API save each answer 503 with Retry-After and a clear
    message (a page, or JSON under /api/), never a 500, and nothing changes."""
    import sqlite3

    from sqlalchemy.engine import make_url

    import workbench.db
    from tests.web.web_helpers import add_article, snapshot

    app = make_app()
    engine = app.extensions["workbench.engine"]
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's database-wide write lock")
    _, claims = add_article(db, team["project"])
    db.commit()
    mona = Web(app.test_client())
    mona.login("mona")
    ann = Web(app.test_client())
    ann.login("ann")
    csrf = ann.get("/api/session").get_json()["csrf_token"]
    mona.refresh_token(f"/projects/{team['project'].id}/import")
    stan = Web(app.test_client())
    stan.refresh_token("/login")
    monkeypatch.setattr(workbench.db, "SQLITE_BUSY_TIMEOUT", 0.3)
    before = snapshot(app)
    holder = sqlite3.connect(make_url(str(engine.url)).database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        responses = [
            mona.post(f"/projects/{team['project'].id}/import/paste", {"text": "A new text. Yes."}),
            stan.post("/login", {"username": "stan", "password": "wrong"}),
            ann.client.post(
                f"/api/projects/{team['project'].id}/claims/{claims[0].id}/annotation",
                json={"base_version": None, "verifiability": "opinion"},
                headers={"X-CSRFToken": csrf},
            ),
        ]
    finally:
        holder.rollback()
        holder.close()
    for response in responses[:2]:
        body = read(response)
        assert response.status_code == 503, page_text(body)[:300]
        assert response.headers["Retry-After"] == "5"
        assert "The database is busy" in page_text(body)
        assert "nothing was saved" in page_text(body)
    api = responses[2]
    assert api.status_code == 503
    assert api.headers["Retry-After"] == "5"
    assert api.get_json()["error"] == "The database is busy"
    assert snapshot(app) == before


def test_a_job_that_lost_its_worker_is_shown_as_interrupted(manager, db, team):
    """A job still "running" whose heartbeat stopped (its worker was killed) shows
    its report so far, saying that it stopped and that the rest was not imported."""
    from datetime import timedelta

    from workbench.models import utcnow
    from workbench.ops.import_jobs import create_import_job

    job = create_import_job(
        db, team["project"], team["manager"], description="big.csv", files_total=1
    )
    job.items_total, job.heartbeat_at = 10, utcnow() - timedelta(hours=1)
    db.commit()
    pid = team["project"].id
    page = page_text(read(manager.get(f"/projects/{pid}/imports/{job.id}")))
    assert "The import stopped before it finished (the server process running it ended)" in page
    assert "0 of the 10 items read so far were done" in page
    assert manager.get(f"/api/projects/{pid}/imports/{job.id}").get_json()["status"] == (
        "interrupted"
    )
    form = page_text(read(manager.get(f"/projects/{pid}/import")))
    assert "big.csv : interrupted, 0 imported, 0 duplicates, 0 rejected" in form


@pytest.mark.parametrize(
    "published", ["2024-06-10", "2024-06-10T14:30:00Z", "2024-06-10T14:30+02:00", "  2024-06-10 "]
)
def test_a_pasted_iso_date_or_timestamp_is_accepted(manager, db, team, published):
    response = manager.post(
        f"/projects/{team['project'].id}/import/paste",
        {"text": "Baqeri said the talks went well.", "published": published},
    )
    read(response)
    assert response.status_code == 200
    (article,) = _articles(db)
    assert article.published == published.strip()


def test_a_refused_date_keeps_the_form_as_typed(manager, db, team):
    response = manager.post(
        f"/projects/{team['project'].id}/import/paste",
        {"title": "Kept", "text": "Baqeri said the talks went well.", "published": "June 10th"},
    )
    body = read(response)
    assert response.status_code == 400
    assert 'value="June 10th"' in body and 'value="Kept"' in body
    assert '<div class="error">Give the date as YYYY-MM-DD (2024-06-10)' in body  # by the field
    assert "Baqeri said the talks went well." in body
