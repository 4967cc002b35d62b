"""Benchmark the pages of a big project: server time and size of each page.

Run from the repository root:

    python bench/scale.py                      # SQLite (a new file under bench/out/)
    python bench/scale.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/DB

Builds, with bulk inserts (SQLAlchemy Core, not the import path), one project of
``--articles`` short articles (default 100,000; two claims each, a third of them
with an annotation of the benchmark's user), one article of ``--claims`` claims
(default 20,000; every 5th annotated, every 10th with a suggestion), ``--speakers``
speakers (default 20,000; every 4th with an alias) and a history of ``--history``
entries (default 5,000) on the long article's middle claim. Then it requests, through
Flask's test client in this process (no HTTP server: the time is the app's, from the
request to the last byte of the body), each page ``--repeat`` times after two
warm-up requests, and prints the median and 95th percentile and the body's size:

    project page, first and last page of articles
    annotate page of the long article at its first, middle and last claim
    a fragment of claims fetched while scrolling (claims-after, at the middle)
    the speakers page (first page) and a speaker search
    the claim history (first and last page)

Target (issue 9): under 300 ms for each first page and for the annotate page.

SQLite: the database is bench/out/scale.sqlite3, made anew. PostgreSQL: a schema of
its own (bench_scale_<pid>) in the given database, which the app's connections use
through their search_path; dropped at the end unless --keep. On PostgreSQL the
build ends with VACUUM ANALYZE, as autovacuum would soon after such a load.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))

from machine import cpu_name  # noqa: E402 (bench/ is on sys.path when run)
from sqlalchemy import insert, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from workbench import create_app  # noqa: E402
from workbench.db import make_engine, make_session_factory  # noqa: E402
from workbench.importing import content_hash  # noqa: E402
from workbench.models import (  # noqa: E402
    Annotation,
    Article,
    Claim,
    HistoryEntry,
    Speaker,
    SpeakerAlias,
    Suggestion,
)
from workbench.ops.projects import create_project  # noqa: E402
from workbench.ops.users import create_user  # noqa: E402
from workbench.schema import upgrade  # noqa: E402

PASSWORD = "scale bench password"
BATCH = 5_000
TARGET_MS = 300


def batches(rows, size=BATCH):
    for i in range(0, len(rows), size):
        yield rows[i : i + size]


def analyze(engine) -> None:
    """On PostgreSQL, VACUUM ANALYZE: what autovacuum does soon after a bulk load.
    Without statistics the planner takes 100,000 rows for 41 and picks nested loops."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))


def open_database(url: str | None, keep: bool, name: str = "scale"):
    """Return (app database URL, engine, cleanup) for a fresh, migrated database:
    bench/out/<name>.sqlite3, or a schema bench_<name>_<pid> of the PostgreSQL ``url``
    (the other benches build theirs here too)."""
    if url is None:
        OUT.mkdir(parents=True, exist_ok=True)
        path = OUT / f"{name}.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{path}"
        engine = make_engine(url)
        upgrade(engine)
        return url, engine, engine.dispose
    if make_url(url).get_backend_name() != "postgresql":
        raise SystemExit("--database-url must be a PostgreSQL URL (SQLite is the default)")
    schema = f"bench_{name}_{os.getpid()}"
    admin = make_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in url else "?"
    app_url = f"{url}{separator}options={quote(f'-csearch_path={schema}')}"
    engine = make_engine(app_url)
    upgrade(engine)

    def cleanup() -> None:
        engine.dispose()
        if keep:
            print(f"kept      schema {schema}")
        else:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    return app_url, engine, cleanup


def build(engine, articles: int, claims: int, speakers: int, history: int) -> dict:
    """Fill the database; return the ids the requests need."""
    sessions = make_session_factory(engine)
    with sessions() as session:
        user = create_user(session, "bench", PASSWORD)
        project = create_project(session, "Scale", targets=["Cooperation"], creator=user)
        session.commit()
        pid, uid = project.id, user.id

        texts = [
            f"Article {i:06d} reports a meeting. Officials said it went well."
            for i in range(articles)
        ]
        article_ids: list[int] = []
        for chunk in batches(texts):
            article_ids += session.scalars(
                insert(Article).returning(Article.id, sort_by_parameter_order=True),
                [
                    {
                        "project_id": pid,
                        "title": t[:14],
                        "outlet": "Bench News",
                        "text": t,
                        "content_hash": content_hash(t),
                        "extra": {},
                    }
                    for t in chunk
                ],
            ).all()
        claim_rows = []
        for article_id, t in zip(article_ids, texts, strict=True):
            cut = t.index(". ") + 1
            claim_rows.append({"article_id": article_id, "position": 1, "start": 0, "end": cut})
            claim_rows.append(
                {"article_id": article_id, "position": 2, "start": cut + 1, "end": len(t)}
            )
        for chunk in batches(claim_rows):
            session.execute(insert(Claim), chunk)
        first_claims = session.scalars(
            select(Claim.id).where(Claim.position == 1).order_by(Claim.id)
        ).all()
        annotations = [
            {"claim_id": cid, "user_id": uid, "verifiability": "verifiable", "version": 1}
            for cid in first_claims[::3]
        ]
        for chunk in batches(annotations):
            session.execute(insert(Annotation), chunk)

        sentence = "Claim number {:06d} of the long article is here. "
        size = len(sentence.format(0))
        long_text = "".join(sentence.format(i) for i in range(claims))
        long_id = session.scalar(
            insert(Article).returning(Article.id),
            [
                {
                    "project_id": pid,
                    "title": "The long article",
                    "text": long_text,
                    "content_hash": content_hash(long_text),
                    "extra": {},
                }
            ],
        )
        rows = [
            {"article_id": long_id, "position": i + 1, "start": i * size, "end": (i + 1) * size - 1}
            for i in range(claims)
        ]
        for chunk in batches(rows):
            session.execute(insert(Claim), chunk)
        long_claims = session.scalars(
            select(Claim.id).where(Claim.article_id == long_id).order_by(Claim.start)
        ).all()
        for chunk in batches(
            [
                {"claim_id": cid, "user_id": uid, "verifiability": "opinion", "version": 1}
                for cid in long_claims[::5]
            ]
        ):
            session.execute(insert(Annotation), chunk)
        for chunk in batches(
            [
                {"claim_id": cid, "field": "verifiability", "value": "not_a_claim"}
                for cid in long_claims[::10]
            ]
        ):
            session.execute(insert(Suggestion), chunk)

        for chunk in batches(
            [{"project_id": pid, "name": f"Speaker {i:06d}"} for i in range(speakers)]
        ):
            session.execute(insert(Speaker), chunk)
        speaker_ids = session.scalars(select(Speaker.id).order_by(Speaker.id)).all()
        for chunk in batches(
            [
                {"speaker_id": sid, "alias": f"Alias {n:06d}"}
                for n, sid in enumerate(speaker_ids[::4])
            ]
        ):
            session.execute(insert(SpeakerAlias), chunk)

        middle = long_claims[len(long_claims) // 2]
        for chunk in batches(
            [
                {
                    "project_id": pid,
                    "entity": "claim",
                    "entity_id": middle,
                    "claim_id": middle,
                    "action": "trim",
                    "user_id": uid,
                    "before": {"start": 0, "end": 10},
                    "after": {"start": 1, "end": 10, "entry": i},
                }
                for i in range(history)
            ]
        ):
            session.execute(insert(HistoryEntry), chunk)
        session.commit()
    return {
        "project": pid,
        "article": long_id,
        "first": long_claims[0],
        "middle": middle,
        "last": long_claims[-1],
        "history_pages": max(1, -(-history // 100)),
    }


def measure(client, url: str, repeat: int) -> tuple[list[float], int]:
    """Request ``url`` twice to warm up, then ``repeat`` times; return the times (ms)
    and the body's size. Any status but 200 stops the benchmark."""
    times = []
    size = 0
    for i in range(repeat + 2):
        t0 = time.perf_counter()
        response = client.get(url)
        body = response.get_data()
        elapsed = (time.perf_counter() - t0) * 1000
        response.close()
        if response.status_code != 200:
            raise SystemExit(f"{url}: HTTP {response.status_code}\n{body[:500]!r}")
        if i >= 2:
            times.append(elapsed)
        size = len(body)
    return times, size


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="a PostgreSQL URL (SQLite by default)")
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--claims", type=int, default=20_000, help="claims of the long article")
    parser.add_argument("--speakers", type=int, default=20_000)
    parser.add_argument("--history", type=int, default=5_000, help="history entries of a claim")
    parser.add_argument("--repeat", type=int, default=20, help="timed requests a page")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL schema")
    args = parser.parse_args()

    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    app_url, engine, cleanup = open_database(args.database_url, args.keep)
    try:
        t0 = time.perf_counter()
        ids = build(engine, args.articles, args.claims, args.speakers, args.history)
        analyze(engine)
        built = time.perf_counter() - t0
        with tempfile.TemporaryDirectory() as instance:
            app = create_app(
                {"DATABASE_URL": app_url, "INSTANCE_PATH": instance, "SECRET_KEY": "scale-bench"}
            )
            client = app.test_client()
            page = client.get("/login").get_data(as_text=True)
            token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
            response = client.post(
                "/login", data={"username": "bench", "password": PASSWORD, "csrf_token": token}
            )
            if response.status_code != 302:
                raise SystemExit(f"login failed: HTTP {response.status_code}")
            p, a = ids["project"], ids["article"]
            annotate = f"/projects/{p}/articles/{a}/annotate"
            pages = [
                ("project page, page 1", f"/projects/{p}"),
                ("project page, last page", f"/projects/{p}?page={-(-(args.articles + 1) // 100)}"),
                ("annotate, first claim", f"{annotate}?claim={ids['first']}"),
                ("annotate, middle claim", f"{annotate}?claim={ids['middle']}"),
                ("annotate, last claim", f"{annotate}?claim={ids['last']}"),
                ("annotate, first unannotated", annotate),
                (
                    "fragment, claims after middle",
                    f"/projects/{p}/articles/{a}/claims-after/{ids['middle']}",
                ),
                ("speakers page, page 1", f"/projects/{p}/speakers"),
                ("speakers search", f"/projects/{p}/speakers?q=Alias+0001"),
                ("claim history, page 1", f"/projects/{p}/claims/{ids['middle']}/history"),
                (
                    "claim history, last page",
                    f"/projects/{p}/claims/{ids['middle']}/history?page={ids['history_pages']}",
                ),
            ]
            print(f"date      {started}")
            load = os.getloadavg()[0]
            print(f"machine   {cpu_name()}, {os.cpu_count()} cores, load {load:.2f} at start")
            print(f"python    {platform.python_version()} ({platform.python_implementation()})")
            print(f"database  {engine.dialect.name}")
            print(
                f"data      {args.articles:,} articles (2 claims each), a long article of "
                f"{args.claims:,} claims, {args.speakers:,} speakers, a claim history of "
                f"{args.history:,} entries; built in {built:.1f} s"
            )
            print("server    Flask test client in this process (app time, request to last byte)")
            print(f"requests  {args.repeat} timed a page after 2 warm-ups; target < {TARGET_MS} ms")
            print(f"{'page':34} {'median ms':>10} {'p95 ms':>8} {'bytes':>10}")
            for name, url in pages:
                times, size = measure(client, url, args.repeat)
                print(f"{name:34} {statistics.median(times):10.1f} {p95(times):8.1f} {size:10,}")
            app.extensions["workbench.engine"].dispose()
    finally:
        cleanup()


if __name__ == "__main__":
    main()
