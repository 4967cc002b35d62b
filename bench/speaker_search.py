"""Benchmark the speaker picker's search (GET /api/projects/<p>/speakers) on a big registry.

Run from the repository root:

    python bench/speaker_search.py                 # SQLite (a new file under bench/out/)
    python bench/speaker_search.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/DB

Builds, with bulk inserts (SQLAlchemy Core), one project with ``--speakers`` speakers
(default 100,000: first and last names from short lists, a fifth with diacritics,
every third with an alias, every fifth with a title), ``--annotations`` annotations
(default 200,000, by 20 users on claims of 1,000 articles) naming speakers as speaker
and via, and one article whose stored suggestions name 10 speakers (its roster).
Then, through Flask's test client in this process (the app's time, from the request
to the last byte of the body), it times:

    the first search of a worker (the folded registry is read and cached)
    searches of several queries (one letter, a prefix, a word inside names, an accented
    name, an alias, a title, nothing found, the empty query with the article), each
    ``--repeat`` times after a warm-up: median and 95th percentile per query and overall
    the same with the usage counts read again at every search (USAGE_TTL = 0: in use,
    one search a worker every USAGE_TTL seconds; the counts do not change here, so the
    registry keeps its ranks)
    ranking the registry again (what a search pays when the counts it read changed)
    adding a speaker (POST) and the search right after it (the cache follows the history)
    a search after 1,000, HISTORY_TAIL_LIMIT - 100 and HISTORY_TAIL_LIMIT + 1 other
    history entries (the last reads the registry again)

Target (issue 11): a search under 50 ms median on a 100,000-speaker registry.

SQLite: bench/out/speaker_search.sqlite3, made anew. PostgreSQL: a schema of its own
(bench_picker_<pid>), dropped at the end unless --keep; the build ends with VACUUM
ANALYZE, as autovacuum would.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote, urlencode

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))

from machine import cpu_name  # noqa: E402 (bench/ is on sys.path when run)
from scale import analyze  # noqa: E402
from sqlalchemy import insert, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

import workbench.ops.speaker_picker as picker  # noqa: E402
from workbench import create_app  # noqa: E402
from workbench.db import make_engine, make_session_factory  # noqa: E402
from workbench.importing import content_hash  # noqa: E402
from workbench.models import (  # noqa: E402
    Annotation,
    Article,
    Claim,
    HistoryEntry,
    Project,
    Speaker,
    SpeakerAlias,
    Suggestion,
    User,
)
from workbench.ops.projects import create_project, set_member  # noqa: E402
from workbench.ops.users import create_user  # noqa: E402
from workbench.schema import upgrade  # noqa: E402

PASSWORD = "picker bench password"
BATCH = 5_000
TARGET_MS = 50
FIRST = [
    "Mohammad", "Ali", "Hossein", "Reza", "Ahmad", "Mahmoud", "Hassan", "Mehdi", "Abbas",
    "Javad", "Fatemeh", "Zahra", "Maryam", "Sara", "Leila", "John", "Anna", "Pierre",
    "José", "Zoë", "Ahmed", "Omar", "Yusuf", "Karim", "Nadia", "Olga", "Ivan", "Chen",
    "Wei", "Kenji",
]  # fmt: skip
LAST = [
    "Baqeri", "Hatami", "Salami", "Rezaei", "Nasirzadeh", "Zarif", "Araghchi", "Larijani",
    "Ghalibaf", "Rouhani", "Smith", "Jones", "Dubois", "Martin", "Garcia", "Novak",
    "Petrov", "Wang", "Tanaka", "Khan", "Haddad", "Mansour", "Karimi", "Amiri", "Yazdi",
    "Bāqerī", "Ẓarīf", "Müller", "Núñez", "Çelik", "Đorđević", "Søren", "Ólafsson",
]  # fmt: skip
TITLES = ["Chief of Staff", "Defence Minister", "Spokesman", "Ambassador", "Commander"]
QUERIES = [
    ("one letter", "a"),
    ("a prefix", "baq"),
    ("a whole first name", "mohammad"),
    ("inside a word", "zade"),
    ("accented, typed accented", "bāqerī"),
    ("typed plain, stored accented", "zarif"),
    ("an alias", "sardar"),
    ("a title", "minister"),
    ("nothing found", "xqzv"),
    ("empty, with the article", ""),
]


def batches(rows, size=BATCH):
    for i in range(0, len(rows), size):
        yield rows[i : i + size]


def open_database(url: str | None, keep: bool):
    """Return (app database URL, engine, cleanup) for a fresh, migrated database."""
    if url is None:
        OUT.mkdir(parents=True, exist_ok=True)
        path = OUT / "speaker_search.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{path}"
        engine = make_engine(url)
        upgrade(engine)
        return url, engine, engine.dispose
    if make_url(url).get_backend_name() != "postgresql":
        raise SystemExit("--database-url must be a PostgreSQL URL (SQLite is the default)")
    schema = f"bench_picker_{os.getpid()}"
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


def build(engine, speakers: int, annotations: int) -> dict:
    """Fill the database; return the ids the requests need."""
    rng = random.Random(11)
    sessions = make_session_factory(engine)
    with sessions() as session:
        user = create_user(session, "bench", PASSWORD)
        project = create_project(session, "Picker", targets=["Cooperation"], creator=user)
        session.commit()
        pid = project.id
        rows = []
        for i in range(speakers):
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)} {i:06d}"
            title = TITLES[(i // 5) % len(TITLES)] if i % 5 == 0 else ""
            rows.append({"project_id": pid, "name": name, "type": "person", "title": title})
        for chunk in batches(rows):
            session.execute(insert(Speaker), chunk)
        speaker_ids = session.scalars(
            select(Speaker.id).where(Speaker.project_id == pid).order_by(Speaker.id)
        ).all()
        for chunk in batches(
            [
                {"speaker_id": sid, "alias": f"Sardar {rng.choice(LAST)} {n:06d}"}
                for n, sid in enumerate(speaker_ids[::3])
            ]
        ):
            session.execute(insert(SpeakerAlias), chunk)
        annotators = 20
        users = [user.id]
        for n in range(1, annotators):
            other = User(username=f"bench{n}", password_hash="!")
            session.add(other)
            session.flush()
            set_member(session, project, other, "annotator")
            users.append(other.id)
        articles = 1_000
        per_article = max(1, -(-annotations // (annotators * articles)))
        sentence = "Someone said something about the talks. "
        body = sentence * per_article
        article_ids = []
        for chunk in batches(list(range(articles + 1))):
            article_ids += session.scalars(
                insert(Article).returning(Article.id, sort_by_parameter_order=True),
                [
                    {
                        "project_id": pid,
                        "title": f"Article {n}",
                        "text": f"{n:05d} {body}",
                        "content_hash": content_hash(f"{n:05d} {body}"),
                        "extra": {},
                    }
                    for n in chunk
                ],
            ).all()
        size = len(sentence)
        claim_rows = [
            {
                "article_id": article_id,
                "position": k + 1,
                "start": 6 + k * size,
                "end": 6 + (k + 1) * size - 1,
            }
            for article_id in article_ids
            for k in range(per_article)
        ]
        for chunk in batches(claim_rows):
            session.execute(insert(Claim), chunk)
        roster_article = article_ids[-1]
        claim_ids = session.scalars(
            select(Claim.id).where(Claim.article_id != roster_article).order_by(Claim.id)
        ).all()
        # Use follows a long tail: a few speakers are named very often.
        popular = speaker_ids[:: max(1, len(speaker_ids) // 2000)]
        rows = []
        for claim_id in claim_ids:
            for uid in users:
                if len(rows) >= annotations:
                    break
                rows.append(
                    {
                        "claim_id": claim_id,
                        "user_id": uid,
                        "speaker_id": rng.choice(popular)
                        if rng.random() < 0.7
                        else rng.choice(speaker_ids),
                        "via_id": rng.choice(popular) if rng.random() < 0.2 else None,
                        "version": 1,
                    }
                )
        for chunk in batches(rows):
            session.execute(insert(Annotation), chunk)
        roster_claims = session.scalars(
            select(Claim.id).where(Claim.article_id == roster_article).order_by(Claim.start)
        ).all()
        roster = rng.sample(list(speaker_ids), 10)
        session.execute(
            insert(Suggestion),
            [
                {"claim_id": cid, "field": "speaker", "value": "x", "speaker_id": sid}
                for cid, sid in zip(roster_claims, roster, strict=False)
            ],
        )
        session.commit()
    return {"project": pid, "article": roster_article, "annotations": len(rows)}


def add_history(engine, project_id: int, entries: int) -> None:
    """Append ``entries`` history entries of annotation saves (what a busy project
    writes between two searches of one worker)."""
    row = {
        "project_id": project_id,
        "entity": "annotation",
        "entity_id": 1,
        "claim_id": 1,
        "action": "save",
        "before": {"verifiability": "opinion", "version": 1},
        "after": {"verifiability": "verifiable", "version": 2},
    }
    with engine.begin() as conn:
        for chunk in batches([row] * entries):
            conn.execute(insert(HistoryEntry), chunk)


def timed(client, method: str, url: str, **kwargs) -> tuple[float, object]:
    t0 = time.perf_counter()
    response = client.open(url, method=method, **kwargs)
    body = response.get_data()
    elapsed = (time.perf_counter() - t0) * 1000
    response.close()
    if response.status_code not in (200, 201):
        raise SystemExit(f"{method} {url}: HTTP {response.status_code}\n{body[:500]!r}")
    return elapsed, json.loads(body)


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]


def run_queries(client, base: str, article: int, repeat: int) -> list[float]:
    every = []
    print(f"{'query':36} {'q':>10} {'median ms':>10} {'p95 ms':>8} {'found':>6}")
    for name, query in QUERIES:
        args = {"q": query, "article": article}
        url = f"{base}?{urlencode(args)}"
        timed(client, "GET", url)
        times = []
        for _ in range(repeat):
            elapsed, answer = timed(client, "GET", url)
            times.append(elapsed)
        every += times
        found = f"{len(answer['speakers'])}{'+' if answer['more'] else ''}"
        print(
            f"{name:36} {query!r:>10} {statistics.median(times):10.1f} {p95(times):8.1f} {found:>6}"
        )
    print(f"{'all queries':36} {'':>10} {statistics.median(every):10.1f} {p95(every):8.1f}")
    return every


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="a PostgreSQL URL (SQLite by default)")
    parser.add_argument("--speakers", type=int, default=100_000)
    parser.add_argument("--annotations", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=30, help="timed searches a query")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL schema")
    args = parser.parse_args()

    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    app_url, engine, cleanup = open_database(args.database_url, args.keep)
    try:
        t0 = time.perf_counter()
        ids = build(engine, args.speakers, args.annotations)
        analyze(engine)
        built = time.perf_counter() - t0
        with tempfile.TemporaryDirectory() as instance:
            app = create_app(
                {"DATABASE_URL": app_url, "INSTANCE_PATH": instance, "SECRET_KEY": "picker-bench"}
            )
            client = app.test_client()
            page = client.get("/login").get_data(as_text=True)
            token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
            response = client.post(
                "/login", data={"username": "bench", "password": PASSWORD, "csrf_token": token}
            )
            if response.status_code != 302:
                raise SystemExit(f"login failed: HTTP {response.status_code}")
            token = client.get("/api/session").get_json()["csrf_token"]
            p, a = ids["project"], ids["article"]
            base = f"/api/projects/{p}/speakers"
            print(f"date      {started}")
            load = os.getloadavg()[0]
            print(f"machine   {cpu_name()}, {os.cpu_count()} cores, load {load:.2f} at start")
            print(f"python    {platform.python_version()} ({platform.python_implementation()})")
            print(f"database  {engine.dialect.name}")
            print(
                f"data      {args.speakers:,} speakers ({args.speakers // 3 + 1:,} aliases), "
                f"{ids['annotations']:,} annotations naming them; built in {built:.1f} s"
            )
            print("server    Flask test client in this process (app time, request to last byte)")
            print(f"requests  {args.repeat} timed a query after 1 warm-up; target < {TARGET_MS} ms")
            first, _ = timed(client, "GET", f"{base}?{urlencode({'q': 'baq', 'article': a})}")
            print(f"first search of the process (reads and folds the registry): {first:.0f} ms")
            every = run_queries(client, base, a, args.repeat)
            print("-- the usage counts read again at every search (USAGE_TTL = 0; in use, one")
            print("   search a worker every USAGE_TTL; the same counts, so the ranks are kept):")
            ttl, picker.USAGE_TTL = picker.USAGE_TTL, 0.0
            recount = run_queries(client, base, a, max(5, args.repeat // 3))
            picker.USAGE_TTL = ttl
            reranks = []
            with app.extensions["workbench.sessions"]() as session:
                project = session.get(Project, p)
                index = picker._index(session, project)
                for _ in range(5):
                    index.usage, index.usage_at = {}, None  # as if the counts had changed
                    t0 = time.perf_counter()
                    picker._ranked(session, project, index)
                    reranks.append((time.perf_counter() - t0) * 1000)
            print(
                f"ranking the registry again (counts changed): median "
                f"{statistics.median(reranks):.0f} ms, max {max(reranks):.0f} ms"
            )
            adds, after = [], []
            for n in range(max(5, args.repeat // 3)):
                elapsed, _ = timed(
                    client,
                    "POST",
                    base,
                    data=json.dumps({"name": f"Bench Newcomer {n}", "aliases": [f"BN {n}"]}),
                    headers={"Content-Type": "application/json", "X-CSRFToken": token},
                )
                adds.append(elapsed)
                elapsed, answer = timed(client, "GET", f"{base}?q=bench+newcomer+{n}")
                if answer["speakers"][0]["name"] != f"Bench Newcomer {n}":
                    raise SystemExit("the new speaker was not found by the next search")
                after.append(elapsed)
            print(
                f"add a speaker (POST): median {statistics.median(adds):.1f} ms, "
                f"p95 {p95(adds):.1f} ms"
            )
            print(
                f"search right after it (found): median {statistics.median(after):.1f} ms, "
                f"p95 {p95(after):.1f} ms"
            )
            tail = []
            for entries in (1_000, picker.HISTORY_TAIL_LIMIT - 100, picker.HISTORY_TAIL_LIMIT + 1):
                add_history(engine, p, entries)
                elapsed, _ = timed(client, "GET", f"{base}?q=baq")
                tail.append(f"{entries:,} entries: {elapsed:.0f} ms")
            print(f"search after other history entries (saves) since the last: {'; '.join(tail)}")
            print(
                f"summary   search median {statistics.median(every):.1f} ms, "
                f"p95 {p95(every):.1f} ms (with recounts: median "
                f"{statistics.median(recount):.1f} ms, p95 {p95(recount):.1f} ms)"
            )
            app.extensions["workbench.engine"].dispose()
    finally:
        cleanup()


if __name__ == "__main__":
    main()
