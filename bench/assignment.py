"""Benchmark assignment and the review pages on a project of 100,000 articles.

Run from the repository root:

    python bench/assignment.py                  # SQLite (bench/out/assignment.sqlite3)
    python bench/assignment.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/DB

Builds with bulk inserts ``--articles`` articles (default 100,000) of two claims each,
six annotators and a manager, a third of the first claims annotated by the first
annotator. Then times, once each (they write):

    k per article (k=3 over the six annotators: 300,000 assignments), from scratch
    the same run again (nothing to add)
    the run after importing 1,000 new articles (only they are assigned)
    handing an annotator's unstarted articles to the other five

and, through Flask's test client (median of ``--repeat`` after two warm-ups):

    the annotator's home page (their queue), their project page (their articles),
    the assignment page, the progress dashboard

On PostgreSQL the pages are timed after VACUUM ANALYZE, as autovacuum would run
after such loads. Targets: the pages under 300 ms (as issue 9's pages); the k-per-article run well
under the 600 s request timeout, so that the web form can do it.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from machine import cpu_name  # noqa: E402
from scale import analyze, batches, open_database  # noqa: E402
from sqlalchemy import func, insert, select  # noqa: E402

from workbench import create_app  # noqa: E402
from workbench.db import make_session_factory  # noqa: E402
from workbench.importing import content_hash  # noqa: E402
from workbench.models import Annotation, Article, Assignment, Claim, Project, User  # noqa: E402
from workbench.ops.assignments import assign_k, hand_over  # noqa: E402
from workbench.ops.projects import create_project, set_member  # noqa: E402
from workbench.ops.users import create_user  # noqa: E402

PASSWORD = "assignment bench password"
CODERS = [f"coder{i}" for i in range(1, 7)]


def add_articles(session, pid: int, start: int, count: int) -> None:
    texts = [
        f"Article {i:06d} reports a meeting. Officials said it went well."
        for i in range(start, start + count)
    ]
    ids: list[int] = []
    for chunk in batches(texts):
        ids += session.scalars(
            insert(Article).returning(Article.id, sort_by_parameter_order=True),
            [
                {"project_id": pid, "title": t[:14], "text": t, "content_hash": content_hash(t),
                 "extra": {}}
                for t in chunk
            ],  # fmt: skip
        ).all()
    rows = []
    for article_id, t in zip(ids, texts, strict=True):
        cut = t.index(". ") + 1
        rows.append({"article_id": article_id, "position": 1, "start": 0, "end": cut})
        rows.append({"article_id": article_id, "position": 2, "start": cut + 1, "end": len(t)})
    for chunk in batches(rows):
        session.execute(insert(Claim), chunk)


def build(engine, articles: int) -> int:
    sessions = make_session_factory(engine)
    with sessions() as session:
        manager = create_user(session, "boss", PASSWORD)
        project = create_project(session, "Review", targets=["Cooperation"], creator=manager)
        for name in CODERS:
            set_member(session, project, create_user(session, name, PASSWORD), "annotator")
        session.commit()
        add_articles(session, project.id, 0, articles)
        first = session.scalar(select(User.id).where(User.username == CODERS[0]))
        claims = session.scalars(
            select(Claim.id).where(Claim.position == 1).order_by(Claim.id)
        ).all()
        for chunk in batches(
            [{"claim_id": c, "user_id": first, "note": "n", "version": 1} for c in claims[::3]]
        ):
            session.execute(insert(Annotation), chunk)
        session.commit()
        return project.id


def timed(label: str, fn) -> None:
    start = time.perf_counter()
    result = fn()
    print(f"{label:<52} {time.perf_counter() - start:8.2f} s   {result}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url")
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    url, engine, cleanup = open_database(args.database_url, args.keep, "assignment")
    try:
        print(f"machine   {cpu_name()}")
        print(f"backend   {engine.dialect.name}")
        start = time.perf_counter()
        pid = build(engine, args.articles)
        print(f"build     {args.articles:,} articles in {time.perf_counter() - start:.1f} s")
        sessions = make_session_factory(engine)

        def run(fn):
            with sessions() as session:
                project = session.get(Project, pid)
                out = fn(session, project)
                session.commit()
                return out

        timed(
            "k per article (k=3 of 6), from scratch",
            lambda: run(lambda s, p: assign_k(s, p, CODERS, 3).summary()[:60]),
        )
        timed(
            "the same run again",
            lambda: run(lambda s, p: assign_k(s, p, CODERS, 3).summary()[:60]),
        )
        with sessions() as session:
            add_articles(session, pid, args.articles, 1000)
            session.commit()
        timed(
            "after 1,000 new articles",
            lambda: run(lambda s, p: assign_k(s, p, CODERS, 3).summary()[:60]),
        )

        def give_away(s, p):
            user = s.scalar(select(User).where(User.username == CODERS[-1]))
            return hand_over(s, p, user, CODERS[:-1]).summary()[:60]

        timed("hand over coder6's unstarted articles", lambda: run(give_away))
        with sessions() as session:
            print(
                "assignments",
                session.scalar(select(func.count()).select_from(Assignment)),
            )

        analyze(engine)
        instance = tempfile.mkdtemp(prefix="bench-assignment-")
        app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": instance, "SECRET_KEY": "bench"})
        pages = {
            CODERS[0]: [("home page (queue)", "/"), ("project page", f"/projects/{pid}")],
            "boss": [
                ("assignment page", f"/projects/{pid}/assignments"),
                ("progress dashboard", f"/projects/{pid}/progress"),
            ],
        }
        for username, urls in pages.items():
            client = app.test_client()
            page = client.get("/login").get_data(as_text=True)
            token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
            login = {"username": username, "password": PASSWORD, "csrf_token": token}
            assert client.post("/login", data=login).status_code == 302
            for label, path in urls:
                times = []
                for i in range(args.repeat + 2):
                    start = time.perf_counter()
                    response = client.get(path)
                    body = response.get_data()
                    elapsed = (time.perf_counter() - start) * 1000
                    assert response.status_code == 200, (path, response.status_code)
                    if i >= 2:
                        times.append(elapsed)
                print(
                    f"{label + ' (' + username + ')':<40} median {statistics.median(times):7.1f} ms"
                    f"   max {max(times):7.1f} ms   {len(body) / 1024:6.0f} KiB"
                )
    finally:
        cleanup()


if __name__ == "__main__":
    main()
