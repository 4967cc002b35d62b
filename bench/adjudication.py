"""Benchmark adjudication on a big project: the first page of the disagreement list,
and accepting every agreed label into gold.

Run from the repository root:

    python bench/adjudication.py                 # SQLite (a new file under bench/out/)
    python bench/adjudication.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/DB

Builds, with bulk inserts (SQLAlchemy Core, not the save path), one project of
``--claims`` claims (default 100,000: ``--claims / 10`` articles of ten claims),
each with a done annotation of each of three annotators (speaker from a registry
of 1,000, attribution, verifiability, the stance toward the project's one target).
About ``--disagree`` of the claims (default 0.2) have one field on which one
annotator differs from the other two; a tenth of the claims have no stance (coded
``not_a_claim``), which is not a disagreement. Then it times:

    the list's first page (operation alone, and the page through Flask's test client,
      from the request to the last byte), median and 95th percentile of --repeat runs
      after two warm-ups; also the first page filtered by one field and the next page
    accept-all-agree for the project as the button and the command run it (batch by
      batch, each batch stored in a short write transaction), and a second run
      (nothing left to accept: the cost of finding that out)

Target (issue 12): the list's first page under 200 ms.

SQLite: the database is bench/out/adjudication.sqlite3, made anew. PostgreSQL: a
schema of its own (bench_gold_<pid>) in the given database, dropped at the end
unless --keep; the build ends with VACUUM ANALYZE.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))

from machine import cpu_name  # noqa: E402 (bench/ is on sys.path when run)
from scale import analyze, batches, open_database  # noqa: E402
from sqlalchemy import insert  # noqa: E402

from workbench import create_app  # noqa: E402
from workbench.db import make_session_factory  # noqa: E402
from workbench.importing import content_hash  # noqa: E402
from workbench.jobs import run_accept_agreed  # noqa: E402
from workbench.models import Annotation, Article, Claim, Speaker, Stance  # noqa: E402
from workbench.ops.gold import Filters, list_disagreements  # noqa: E402
from workbench.ops.projects import create_project, get_project, set_member  # noqa: E402
from workbench.ops.users import create_user  # noqa: E402

PASSWORD = "adjudication bench password"
TARGET_MS = 200
ATTRIBUTIONS = ("direct", "indirect", "mixed", "none")
VERIFIABILITY = ("verifiable", "opinion", "prediction")
STANCES = ("favor", "against", "neutral", "unrelated")


def build(engine, claims: int, disagree: float) -> dict:
    """Fill the database; return the ids the timings need."""
    rng = random.Random(12)
    sessions = make_session_factory(engine)
    with sessions() as session:
        judge = create_user(session, "judge", PASSWORD)
        coders = [create_user(session, f"coder{i}", PASSWORD) for i in range(3)]
        project = create_project(session, "Adjudication", targets=["Cooperation"], creator=judge)
        for coder in coders:
            set_member(session, project, coder, "annotator")
        session.commit()
        pid, target = project.id, project.targets[0].id
        uids = [c.id for c in coders]
        speaker_ids = session.scalars(
            insert(Speaker).returning(Speaker.id, sort_by_parameter_order=True),
            [{"project_id": pid, "name": f"Speaker {i:04d}"} for i in range(1_000)],
        ).all()
        sentence = "Claim {:07d} says a thing. "
        size = len(sentence.format(0))
        per_article = 10
        article_rows = []
        for a in range(claims // per_article):
            body = "".join(sentence.format(a * per_article + i) for i in range(per_article))
            article_rows.append(
                {
                    "project_id": pid,
                    "title": f"Article {a:06d}",
                    "text": body,
                    "content_hash": content_hash(body),
                    "extra": {},
                }
            )
        article_ids = []
        for chunk in batches(article_rows):
            article_ids += session.scalars(
                insert(Article).returning(Article.id, sort_by_parameter_order=True), chunk
            ).all()
        claim_rows = [
            {"article_id": aid, "position": i + 1, "start": i * size, "end": (i + 1) * size - 1}
            for aid in article_ids
            for i in range(per_article)
        ]
        claim_ids = []
        for chunk in batches(claim_rows):
            claim_ids += session.scalars(
                insert(Claim).returning(Claim.id, sort_by_parameter_order=True), chunk
            ).all()
        annotations, stances = [], []
        differing = 0
        for cid in claim_ids:
            base = {
                "speaker_id": rng.choice(speaker_ids),
                "attribution": rng.choice(ATTRIBUTIONS),
                "verifiability": rng.choice(VERIFIABILITY),
            }
            stance = rng.choice(STANCES)
            no_stance = rng.random() < 0.1
            if no_stance:
                base["verifiability"] = "not_a_claim"
            odd = rng.random() < disagree
            differing += odd
            odd_field = rng.choice(("speaker_id", "attribution", "verifiability", "stance"))
            for n, uid in enumerate(uids):
                values = dict(base)
                value = stance
                if odd and n == 2:
                    if odd_field == "speaker_id":
                        values["speaker_id"] = rng.choice(speaker_ids)
                    elif odd_field == "attribution":
                        values["attribution"] = next(
                            a for a in ATTRIBUTIONS if a != base["attribution"]
                        )
                    elif odd_field == "verifiability":
                        values["verifiability"] = next(
                            v for v in VERIFIABILITY if v != base["verifiability"]
                        )
                    else:
                        value = next(s for s in STANCES if s != stance)
                annotations.append(
                    {"claim_id": cid, "user_id": uid, "status": "submitted", "version": 1, **values}
                )
                stances.append(None if no_stance and not (odd and odd_field == "stance") else value)
        ids = []
        for chunk in batches(annotations):
            ids += session.scalars(
                insert(Annotation).returning(Annotation.id, sort_by_parameter_order=True), chunk
            ).all()
        stance_rows = [
            {"annotation_id": aid, "target_id": target, "value": value}
            for aid, value in zip(ids, stances, strict=True)
            if value is not None
        ]
        for chunk in batches(stance_rows):
            session.execute(insert(Stance), chunk)
        session.commit()
    analyze(engine)
    return {
        "project_id": pid,
        "claims": len(claim_ids),
        "annotations": len(ids),
        "differing": differing,
    }


def timed(run, repeat: int) -> tuple[float, float]:
    for _ in range(2):
        run()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(0.95 * len(times)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url")
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--disagree", type=float, default=0.2)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    url, engine, cleanup = open_database(args.database_url, args.keep, "adjudication")
    try:
        started = time.perf_counter()
        ids = build(engine, args.claims, args.disagree)
        print(
            f"built     {ids['claims']:,} claims, {ids['annotations']:,} done annotations, "
            f"{ids['differing']:,} claims with a field in disagreement, "
            f"in {time.perf_counter() - started:.1f} s ({engine.dialect.name})"
        )
        print(f"machine   {cpu_name()}, {os.cpu_count()} cores, Python {platform.python_version()}")
        sessions = make_session_factory(engine)
        pid = ids["project_id"]
        results = []

        def op(filters=None, after=None):
            def run():
                with sessions() as session:
                    page = list_disagreements(
                        session, get_project(session, pid), filters, after=after
                    )
                    assert page.rows, "no disagreements found"
                    return page

            return run

        with sessions() as session:
            first = list_disagreements(session, get_project(session, pid))
        results.append(("list, first page (operation)", *timed(op(), args.repeat)))
        results.append(
            (
                "list, first page, field=attribution",
                *timed(op(Filters(key="attribution")), args.repeat),
            )
        )
        results.append(
            ("list, second page (operation)", *timed(op(after=first.next_after), args.repeat))
        )
        app = create_app(
            {"DATABASE_URL": url, "SECRET_KEY": "bench", "INSTANCE_PATH": str(OUT / "instance")}
        )
        client = app.test_client()
        token = (
            client.get("/login")
            .get_data(as_text=True)
            .split('name="csrf_token" type="hidden" value="')[1]
            .split('"')[0]
        )
        response = client.post(
            "/login", data={"username": "judge", "password": PASSWORD, "csrf_token": token}
        )
        assert response.status_code == 302, response.status_code

        def page():
            response = client.get(f"/projects/{pid}/adjudication")
            body = response.get_data()
            assert response.status_code == 200 and b"Settle" in body

        results.append(("list, first page (web, to the last byte)", *timed(page, args.repeat)))
        for name, median, p95 in results:
            flag = "ok" if median < TARGET_MS else "OVER"
            print(
                f"{name:<45} median {median:7.1f} ms  p95 {p95:7.1f} ms  [{flag} < {TARGET_MS} ms]"
            )
        for label in ("accept-all-agree, first run", "accept-all-agree, second run"):
            # As the button and `workbench gold accept-agreed` run it: batch by batch.
            start = time.perf_counter()
            report = run_accept_agreed(sessions, pid, user_id=None)
            elapsed = time.perf_counter() - start
            print(
                f"{label:<45} {elapsed:7.2f} s   accepted {report.accepted:,}, "
                f"unchanged {report.unchanged:,}, claims read {report.claims:,}"
            )
        app.extensions["workbench.engine"].dispose()
    finally:
        cleanup()


if __name__ == "__main__":
    main()
