"""Benchmark the agreement figures of a big project (issue 12).

Run from the repository root:

    python bench/agreement.py                      # SQLite (a new file under bench/out/)
    python bench/agreement.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/DB

Builds, with bulk inserts (SQLAlchemy Core, not the save path), one project of
``--claims`` claims (default 100,000; 20 to an article) with two stance targets,
``--annotators`` annotators (default 3) who all marked every claim done, and a
registry of ``--speakers`` speakers (default 2,000; every 20th merged into
another, with annotations still naming the merged one, as a restore may leave
them). Each claim has a true value per field drawn from a realistic distribution
(most claims verifiable and without a via; stance mostly unrelated); each
annotator gives it with probability 0.85, else another value; a via is empty
(missing) on most claims (and left out by 5% of annotators where there is one), a
stance on a claim the annotator called not_a_claim is left out, and 2% of
annotations are drafts (left out of agreement).

Then it times, through ops.agreement (the path the page, the CSV and the CLI
take), ``--repeat`` times after one warm-up:

    the database read alone (the one query, as ops.agreement reads it, into arrays)
    all figures for every field, without the bootstrap (target: under 1 s)
    the same with the figures of the first page of articles (what the agreement
    page asks for)
    the same with every article's figures (the CSV by article)
    one field, and one field with the bootstrap interval of alpha, 1,000 resamples
    (target: under 10 s)
    the coefficients alone, from the reliability data in memory, without and with
    the bootstrap
    the agreement page, its CSV and the CSV by article through Flask's test client,
    logged in as the manager (the whole request: report, template, CSV)

Each line gives the median wall-clock time and the median CPU time of the process:
the machine is shared, and the CPU time is what the work itself cost.

SQLite: the database is bench/out/agreement.sqlite3, made anew. PostgreSQL: a schema
of its own (bench_agreement_<pid>), dropped at the end unless --keep; the build ends
with VACUUM ANALYZE, as autovacuum would soon after such a load.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))

from machine import cpu_name  # noqa: E402 (bench/ is on sys.path when run)
from scale import analyze, batches, open_database  # noqa: E402
from sqlalchemy import insert, select  # noqa: E402

from workbench import create_app  # noqa: E402
from workbench.db import make_session_factory  # noqa: E402
from workbench.importing import content_hash  # noqa: E402
from workbench.models import (  # noqa: E402
    Annotation,
    Article,
    Claim,
    Project,
    Speaker,
    Stance,
    Target,
)
from workbench.ops import agreement as ops_agreement  # noqa: E402
from workbench.ops.agreement import (  # noqa: E402
    _columns,
    _label_sets,
    _read,
    agreement_report,
)
from workbench.ops.projects import create_project, set_member  # noqa: E402
from workbench.ops.users import create_user  # noqa: E402
from workbench.review.agreement import agreement  # noqa: E402
from workbench.web.agreement import ARTICLES_PER_PAGE  # noqa: E402

CLAIMS_PER_ARTICLE = 20
TARGETS = ("Iran-Iraq military cooperation", "Sanctions relief")
ATTRIBUTION = (("direct", 30), ("indirect", 45), ("mixed", 10), ("none", 15))
VERIFIABILITY = (("verifiable", 60), ("opinion", 20), ("prediction", 15), ("not_a_claim", 5))
STANCE = (("favor", 10), ("against", 8), ("neutral", 12), ("unrelated", 70))
RIGHT = 0.85
VIA_SHARE = 0.25  # claims that have a via
MISSING_VIA = 0.05  # an annotator leaves out a via the claim has
STRAY_VIA = 0.03  # an annotator gives a via the claim does not have
DRAFTS = 0.02
TARGET_ALL_MS = 1_000
MANAGER = "bench-manager"
PASSWORD = "agreement bench password"
TARGET_BOOTSTRAP_MS = 10_000


def _pick(rng: random.Random, table) -> str:
    values, weights = zip(*table, strict=True)
    return rng.choices(values, weights)[0]


def _coded(rng: random.Random, truth, choices):
    """What one annotator gives: the truth with probability RIGHT, else another value."""
    if rng.random() < RIGHT:
        return truth
    others = [c for c in choices if c != truth]
    return rng.choice(others) if others else truth


def build(engine, claims: int, annotators: int, speakers: int, seed: int = 12) -> int:
    """Fill the database; return the project's id."""
    rng = random.Random(seed)
    sessions = make_session_factory(engine)
    with sessions() as session:
        manager = create_user(session, MANAGER, PASSWORD)
        project = create_project(session, "Agreement", targets=list(TARGETS), creator=manager)
        users = []
        for i in range(annotators):
            user = create_user(session, f"annotator{i + 1}", PASSWORD)
            set_member(session, project, user, "annotator")
            users.append(user.id)
        session.commit()
        pid = project.id
        target_ids = session.scalars(
            select(Target.id).where(Target.project_id == pid).order_by(Target.position)
        ).all()

        speaker_ids = session.scalars(
            insert(Speaker).returning(Speaker.id, sort_by_parameter_order=True),
            [{"project_id": pid, "name": f"Speaker {i:05d}"} for i in range(speakers)],
        ).all()
        # Every 20th speaker merged into the one before it; annotations may still name it.
        for i in range(1, len(speaker_ids), 20):
            session.execute(
                Speaker.__table__.update()
                .where(Speaker.id == speaker_ids[i])
                .values(merged_into_id=speaker_ids[i - 1])
            )

        articles = -(-claims // CLAIMS_PER_ARTICLE)
        texts = [
            f"Article {i:06d}. " + "A claim is here. " * CLAIMS_PER_ARTICLE for i in range(articles)
        ]
        article_ids: list[int] = []
        for chunk in batches(texts):
            article_ids += session.scalars(
                insert(Article).returning(Article.id, sort_by_parameter_order=True),
                [
                    {
                        "project_id": pid,
                        "title": t[:14],
                        "text": t,
                        "content_hash": content_hash(t),
                        "extra": {},
                    }
                    for t in chunk
                ],
            ).all()
        claim_rows = []
        for n in range(claims):
            position = n % CLAIMS_PER_ARTICLE
            start = 16 + 17 * position
            claim_rows.append(
                {
                    "article_id": article_ids[n // CLAIMS_PER_ARTICLE],
                    "position": position + 1,
                    "start": start,
                    "end": start + 16,
                }
            )
        claim_ids: list[int] = []
        for chunk in batches(claim_rows):
            claim_ids += session.scalars(
                insert(Claim).returning(Claim.id, sort_by_parameter_order=True), chunk
            ).all()

        attributions = [v for v, _ in ATTRIBUTION]
        verifiabilities = [v for v, _ in VERIFIABILITY]
        stances = [v for v, _ in STANCE]
        annotation_rows = []
        stance_values = []  # per annotation row: {target id: value}
        # Speakers cluster by article: each article quotes a handful of its own.
        for n, claim_id in enumerate(claim_ids):
            article = n // CLAIMS_PER_ARTICLE
            local = [speaker_ids[(article * 7 + k) % speakers] for k in range(5)]
            true_speaker = rng.choice(local)
            true_via = rng.choice(local) if rng.random() < VIA_SHARE else None
            true_attribution = _pick(rng, ATTRIBUTION)
            true_verifiability = _pick(rng, VERIFIABILITY)
            true_stances = [_pick(rng, STANCE) for _ in target_ids]
            for user_id in users:
                verifiability = _coded(rng, true_verifiability, verifiabilities)
                if true_via is not None:
                    via = _coded(rng, true_via, local) if rng.random() > MISSING_VIA else None
                else:
                    via = rng.choice(local) if rng.random() < STRAY_VIA else None
                annotation_rows.append(
                    {
                        "claim_id": claim_id,
                        "user_id": user_id,
                        "speaker_id": _coded(rng, true_speaker, local),
                        "via_id": via,
                        "attribution": _coded(rng, true_attribution, attributions),
                        "verifiability": verifiability,
                        "status": "draft" if rng.random() < DRAFTS else "submitted",
                        "codebook_version": 1,
                        "version": 1,
                    }
                )
                stance_values.append(
                    {}
                    if verifiability == "not_a_claim"
                    else {
                        t: _coded(rng, s, stances)
                        for t, s in zip(target_ids, true_stances, strict=True)
                    }
                )
        annotation_ids: list[int] = []
        for chunk in batches(annotation_rows):
            annotation_ids += session.scalars(
                insert(Annotation).returning(Annotation.id, sort_by_parameter_order=True), chunk
            ).all()
        stance_rows = [
            {"annotation_id": aid, "target_id": t, "value": v}
            for aid, values in zip(annotation_ids, stance_values, strict=True)
            for t, v in values.items()
        ]
        for chunk in batches(stance_rows):
            session.execute(insert(Stance), chunk)
        session.commit()
    return pid


def timed(function, repeat: int) -> tuple[list[float], list[float], object]:
    """Call ``function`` once to warm up, then ``repeat`` times; return the wall-clock
    and the CPU times of this process (ms) and the last result. The machine is shared:
    the CPU time is what the work cost, the wall-clock time what a user waited."""
    result = function()
    wall, cpu = [], []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        result = function()
        wall.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    return wall, cpu, result


def line(what: str, wall: list[float], cpu: list[float], target: int | None = None) -> str:
    goal = f" (target {target:,} ms)" if target else ""
    return (
        f"{what}: median {statistics.median(wall):,.0f} ms wall, "
        f"{statistics.median(cpu):,.0f} ms CPU; max {max(wall):,.0f} ms wall{goal}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="a PostgreSQL URL (SQLite by default)")
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--annotators", type=int, default=3)
    parser.add_argument("--speakers", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of each measurement")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL schema")
    args = parser.parse_args()

    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    app_url, engine, cleanup = open_database(args.database_url, args.keep, "agreement")
    try:
        t0 = time.perf_counter()
        pid = build(engine, args.claims, args.annotators, args.speakers)
        analyze(engine)
        built = time.perf_counter() - t0
        sessions = make_session_factory(engine)
        print(f"date      {started}")
        load = os.getloadavg()[0]
        print(f"machine   {cpu_name()}, {os.cpu_count()} cores, load {load:.2f} at start")
        print(f"python    {platform.python_version()} ({platform.python_implementation()})")
        print(f"database  {engine.dialect.name}")
        print(
            f"data      {args.claims:,} claims ({CLAIMS_PER_ARTICLE} an article), "
            f"{args.annotators} annotators each, 2 targets, {args.speakers:,} speakers "
            f"(every 20th merged); built in {built:.1f} s"
        )
        with sessions() as session:
            project = session.get(Project, pid)
            columns = _columns(project)
            label_sets = _label_sets(session, project.id)

            def read():
                return _read(session, project, columns, None, project.codebook_version, label_sets)

            def report(**options):
                def run():
                    session.expire_all()
                    return agreement_report(session, project, **options)

                return run

            wall, cpu, data = timed(read, args.repeat)
            rows = f"{len(data.item):,} annotations of {len(data.claim_ids):,} claims"
            print(line(f"database read alone, into arrays ({rows})", wall, cpu))
            wall, cpu, everything = timed(report(), args.repeat)
            print(line("all figures, every field, no bootstrap", wall, cpu, TARGET_ALL_MS))
            for f in everything.fields:
                a = f.agreement
                print(
                    f"  {f.key:<38} items {a.items:>7,}  values {a.values:>7,}  "
                    f"observed {_show(a.observed)}  alpha {_show(a.alpha.value)}  "
                    f"AC1 {_show(a.ac1.value)}  Fleiss {_show(a.fleiss.value)}"
                )
            page = slice(0, ARTICLES_PER_PAGE)
            wall, cpu, _ = timed(report(by_article=True, article_slice=page), args.repeat)
            print(
                line(
                    f"the agreement page's report (the same, and the figures of its first "
                    f"{ARTICLES_PER_PAGE} articles)",
                    wall,
                    cpu,
                    TARGET_ALL_MS,
                )
            )
            wall, cpu, _ = timed(report(by_article=True), args.repeat)
            print(line("the same with every article's figures (the CSV by article)", wall, cpu))
            field = "verifiability"
            wall, cpu, one = timed(report(field_key=field), args.repeat)
            print(line(f"one field ({field}), no bootstrap", wall, cpu))
            wall, cpu, boot = timed(report(field_key=field, resamples=1000), args.repeat)
            (f,) = boot.fields
            interval = f.agreement.interval
            print(
                line(
                    f"one field ({field}) with the bootstrap, {interval.resamples:,} resamples "
                    f"of {interval.draws:,} pairs",
                    wall,
                    cpu,
                    TARGET_BOOTSTRAP_MS,
                )
            )
            print(
                f"  alpha {f.agreement.alpha.value:.3f}, 95% CI "
                f"[{interval.low:.3f}, {interval.high:.3f}], seed {interval.seed}"
            )
            for name in (field, "speaker"):
                ratings = _ratings_of(session, project, name)
                patterns = f"{len(ratings.item):,} values, {len(ratings.labels):,} labels"
                wall, cpu, _ = timed(lambda r=ratings: agreement(r), args.repeat)
                print(line(f"coefficients alone, in memory ({name}, {patterns})", wall, cpu))
                wall, cpu, _ = timed(lambda r=ratings: agreement(r, resamples=1000), args.repeat)
                print(line(f"coefficients and bootstrap alone, in memory ({name})", wall, cpu))
        pages(app_url, pid, args.repeat)
    finally:
        cleanup()


def pages(url: str, pid: int, repeat: int) -> None:
    """Time the agreement page and its CSV through Flask's test client (the whole
    request: the report, the template, the CSV), logged in as the manager."""
    app = create_app(
        {
            "DATABASE_URL": url,
            "INSTANCE_PATH": tempfile.mkdtemp(prefix="bench-agreement-"),
            "SECRET_KEY": "agreement bench",
        }
    )
    client = app.test_client()
    login = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', login).group(1)
    form = {"username": MANAGER, "password": PASSWORD, "csrf_token": token}
    if client.post("/login", data=form).status_code != 302:
        raise SystemExit("the bench manager could not log in")
    for label, path, target in (
        ("the agreement page, through Flask", f"/projects/{pid}/agreement", TARGET_ALL_MS),
        ("its CSV, through Flask", f"/projects/{pid}/agreement.csv", TARGET_ALL_MS),
        ("the CSV by article, through Flask", f"/projects/{pid}/agreement.csv?by_article=1", None),
    ):
        wall, cpu, response = timed(lambda path=path: client.get(path), repeat)
        if response.status_code != 200:
            raise SystemExit(f"{path}: HTTP {response.status_code}")
        print(line(f"{label} ({len(response.data) // 1024:,} KiB)", wall, cpu, target))


def _show(value) -> str:
    return f"{value:.3f}" if value is not None else "n/a"


def _ratings_of(session, project, field: str):
    """The reliability data (cells) that ops.agreement hands the coefficients for ``field``."""
    captured = []

    def spy(ratings, **options):
        captured.append(ratings)
        return agreement(ratings, **options)

    ops_agreement.agreement = spy
    try:
        agreement_report(session, project, field_key=field)
    finally:
        ops_agreement.agreement = agreement
    return captured[0]


if __name__ == "__main__":
    main()
