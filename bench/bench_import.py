"""Benchmark importing news articles end to end: parse, split, store, commit.

Run from the repository root:  python bench/bench_import.py [--mb 5] [--format jsonl]

Builds >= 5 MB of unique news-like articles (3-5 KB each) from the seed article
(its sentences shuffled, mixed with synthetic sentences that vary names, titles,
numbers, places and quotes; every article carries a unique line so none is
skipped as a duplicate), writes them as a JSON Lines (or CSV) file under
bench/out/, then times the real import path on a fresh, migrated database: the
import job that the web and ``workbench import`` run (workbench/jobs.py
run_import: parse the file, prepare every article (split, suggest; in worker
processes for a large import, see ops/preparing.py, --workers), store batch by
batch, each batch committed; bench/load.py --with-import times that path under
load), and, separately, workbench.text.splitter.split_text alone on the same texts.
Speeds are in MB of article text per second (1 MB = 10**6 bytes of UTF-8);
the import runs ``--repeat`` times (default 3, each into a new database) and the
best run is reported with the load average, as other work slows it down.

SQLite (a new file under bench/out/) by default. With --database-url a
PostgreSQL database is used instead: the benchmark creates a throwaway schema
(bench_import_<pid>), points the connection's search_path at it, and drops it
at the end, so nothing else in that database is touched.

Targets: import end to end, split and suggest included, >= 1.5 MB/s on SQLite
(issue 10; it was >= 1 MB/s for import + split); splitter alone >= 2 MB/s.
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import io
import json
import os
import platform
import pstats
import random
import re
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from machine import cpu_name  # noqa: E402 (bench/ is on sys.path when run)
from sqlalchemy import func, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from workbench.db import make_engine, make_session_factory  # noqa: E402
from workbench.jobs import ImportSource, run_import  # noqa: E402
from workbench.models import Claim, ImportJob  # noqa: E402
from workbench.ops.import_jobs import create_import_job  # noqa: E402
from workbench.ops.preparing import default_workers  # noqa: E402
from workbench.ops.projects import create_project  # noqa: E402
from workbench.schema import upgrade  # noqa: E402
from workbench.text.splitter import split_text  # noqa: E402

OUT = ROOT / "bench" / "out"
SEED = ROOT / "seeds" / "iran-iraq-military-talks.txt"
IMPORT_TARGET_MBS = 1.5
SPLIT_TARGET_MBS = 2.0

PLACES = ["TEHRAN", "BAGHDAD", "WASHINGTON", "BEIRUT", "LONDON", "CAIRO", "ERBIL", "DOHA"]
AGENCIES = ["Reuters", "AP", "AFP", "MNA", "IRNA", "Tasnim"]
OUTLETS = ["Mehr News Agency", "Tehran Times", "Rudaw", "Al-Monitor", "Reuters", "AFP"]
NAMES = ["Baqeri", "Khwain", "Hatami", "Heidari", "Hajizadeh", "Kadhim", "Al-Sudani", "Salami"]
FIRST = ["Mohammad", "Hamed", "Amir", "Kamal", "Ali", "Hossein", "Nasser", "Yahya"]
TITLES = ["Gen.", "Brig. Gen.", "Lt. Col.", "Maj.", "Adm.", "Dr.", "Mr.", "Prof."]
PLACES_IN = ["Tehran", "Baghdad", "Basra", "Erbil", "Mosul", "Karbala", "the Gulf", "Geneva"]
MONTHS = ["Jan.", "Feb.", "March", "April", "May", "June", "July", "Aug.", "Sept.", "Oct."]
VERBS = ["said", "told reporters", "added", "stressed", "noted", "warned", "insisted"]
OBJECTS = [
    "the border security agreement",
    "the new air defence programme",
    "joint naval exercises in the Gulf",
    "talks on oil and gas exports",
    "the reconstruction fund for Mosul",
    "a ceasefire along the frontier",
    "military training for Iraqi pilots",
    "intelligence sharing against Daesh remnants",
]


def load_seed_sentences() -> list[str]:
    """Return the seed article's sentences (a rough split is enough to shuffle them)."""
    seed = SEED.read_text(encoding="utf-8")
    seed = re.sub(r"^[A-Z]+ - ", "", seed.strip())
    return [s for s in re.split(r"(?<=[.!?”\"])\s+(?=[A-Z“\"])", seed) if s]


def synthetic_sentence(rng: random.Random) -> str:
    """Return one news-like sentence: quotes, titles, numbers, abbreviations, dates."""
    name, first, title = rng.choice(NAMES), rng.choice(FIRST), rng.choice(TITLES)
    obj, place = rng.choice(OBJECTS), rng.choice(PLACES_IN)
    num = f"{rng.randint(1, 99)}.{rng.randint(0, 9)}"
    kind = rng.randrange(9)
    if kind == 0:
        return f"“We will not accept delays to {obj},” {title} {name} {rng.choice(VERBS)}."
    if kind == 1:
        return f'"Is this about {obj}?" {name} asked. "No. It is not," the U.S. envoy replied.'
    if kind == 2:
        return (
            f"Officials from the U.S. and the U.N. discussed {obj} at 10 a.m. on "
            f"{rng.choice(MONTHS)} {rng.randint(1, 28)}, according to {title} {first} {name}."
        )
    if kind == 3:
        return f"Trade between {place} and Tehran grew {num} percent last year, officials said."
    if kind == 4:
        return (
            f"According to a report by {rng.choice(AGENCIES)}, {name} said {obj} "
            f"would serve regional security and stability."
        )
    if kind == 5:
        return f"{first} {name} met {title} {rng.choice(NAMES)} in {place} on Wednesday."
    if kind == 6:
        return f"The programme costs ${num} billion, {rng.choice(VERBS)} {first} {name}."
    if kind == 7:
        return (
            f"{title} {name} said {obj} would be signed in {place} within "
            f"{rng.randint(2, 12)} weeks, but gave no further details."
        )
    return (
        f"“Our neighbours can count on us,” {name} {rng.choice(VERBS)}, adding that "
        f"{obj} was “a matter of {rng.choice(['honour', 'security', 'principle'])}.”"
    )


def build_articles(min_bytes: int, seed: int = 20240611) -> list[dict[str, object]]:
    """Return unique article records (3-5 KB of text each) totalling >= min_bytes of text."""
    rng = random.Random(seed)
    sentences = load_seed_sentences()
    articles: list[dict[str, object]] = []
    total = 0
    while total < min_bytes:
        number = len(articles) + 1
        goal = rng.randint(3000, 5000)
        pool = rng.sample(sentences, k=rng.randint(len(sentences) // 3, len(sentences)))
        # A unique sentence, so that no article is a duplicate of another.
        parts = [f"The talks were the {number:,}th round in the series, officials said."]
        size = len(parts[0])
        while size < goal:
            sentence = pool.pop() if pool and rng.random() < 0.5 else synthetic_sentence(rng)
            parts.append(sentence)
            size += len(sentence) + 1
        rng.shuffle(parts)
        paragraphs, i = [], 0
        while i < len(parts):
            step = rng.randint(2, 5)
            paragraphs.append(" ".join(parts[i : i + step]))
            i += step
        body = "\n\n".join(paragraphs)
        body = f"{rng.choice(PLACES)} ({rng.choice(AGENCIES)}) - " + body
        if rng.random() < 0.5:
            body += (
                "\n\nSP/PA All Content by Mehr News Agency is licensed under a Creative "
                "Commons Attribution 4.0 International License."
            )
        articles.append(
            {
                "title": f"{rng.choice(NAMES)} on {rng.choice(OBJECTS)} ({number})",
                "outlet": rng.choice(OUTLETS),
                "author": f"{rng.choice(FIRST)} {rng.choice(NAMES)}",
                "url": f"https://news.example.org/2024/{number}",
                "published": f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                "language": "en",
                "section": rng.choice(["politics", "defence", "region"]),
                "text": body,
            }
        )
        total += len(body.encode("utf-8"))
    return articles


def write_file(articles: list[dict[str, object]], fmt: str) -> Path:
    """Write the articles as bench/out/articles.<fmt> and return the path."""
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"articles.{fmt}"
    if fmt == "jsonl":
        lines = (json.dumps(a, ensure_ascii=False) for a in articles)
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    else:
        buffer = io.StringIO(newline="")
        writer = csv.DictWriter(buffer, fieldnames=list(articles[0]))
        writer.writeheader()
        writer.writerows(articles)
        path.write_text(buffer.getvalue(), encoding="utf-8", newline="")
    return path


def open_database(url: str | None):
    """Return (engine, cleanup) for a fresh, migrated database."""
    if url is None:
        path = OUT / "bench_import.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        engine = make_engine(f"sqlite:///{path}")
        upgrade(engine)
        return engine, engine.dispose
    if make_url(url).get_backend_name() != "postgresql":
        raise SystemExit("--database-url must be a PostgreSQL URL (SQLite is the default)")
    schema = f"bench_import_{os.getpid()}"
    admin = make_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    upgrade(engine)

    def cleanup() -> None:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    return engine, cleanup


def import_once(
    url: str | None, path: Path, data: bytes, expected: int, profile: bool, workers: int | None
):
    """Import the file into a fresh database as an import job; return (seconds, claims,
    backend, profiler)."""
    engine, cleanup = open_database(url)
    try:
        sessions = make_session_factory(engine)
        with sessions() as session:
            project = create_project(session, "Import bench", targets=["Cooperation"])
            # As `workbench import` does: a job of the command line, no user.
            job = create_import_job(session, project, None, description=path.name, files_total=1)
            session.commit()
            job_id = job.id
        profiler = cProfile.Profile() if profile else None
        if profiler:
            profiler.enable()
        t0 = time.perf_counter()
        status = run_import(
            sessions,
            job_id,
            [ImportSource(path.name, data=data)],
            max_bytes=len(data) + 1,
            workers=workers,
        )
        seconds = time.perf_counter() - t0
        if profiler:
            profiler.disable()
        with sessions() as session:
            job = session.get(ImportJob, job_id)
            claims = session.scalar(select(func.count()).select_from(Claim))
            if status != "done" or job.imported != expected:
                raise SystemExit(
                    f"expected {expected} imported, got {job.imported} ({job.duplicates} "
                    f"duplicates, {job.rejected} rejected; {status}: {job.error})"
                )
        return seconds, claims, engine.dialect.name, profiler
    finally:
        cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=5.0, help="MB of article text (default 5)")
    parser.add_argument("--format", choices=("jsonl", "csv"), default="jsonl")
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL URL; a throwaway schema is created in it and dropped afterwards",
    )
    parser.add_argument(
        "--repeat", type=int, default=3, help="imports, each into a new database (default 3)"
    )
    parser.add_argument("--profile", action="store_true", help="print the top cProfile entries")
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="worker processes that prepare articles (default: WORKBENCH_IMPORT_WORKERS's "
        "auto, one a core, at most 4; 0: none)",
    )
    args = parser.parse_args()

    articles = build_articles(int(args.mb * 1_000_000))
    texts = [str(a["text"]) for a in articles]
    text_mb = sum(len(t.encode("utf-8")) for t in texts) / 1_000_000
    path = write_file(articles, args.format)
    data = path.read_bytes()
    load = os.getloadavg()[0]

    runs = []
    for i in range(args.repeat):
        runs.append(
            import_once(
                args.database_url, path, data, len(articles), args.profile and i == 0, args.workers
            )
        )
    total, claims, backend, profiler = min(runs, key=lambda r: r[0])
    profiler = runs[0][3]

    best = float("inf")
    spans = 0
    for _ in range(3):
        s0 = time.perf_counter()
        spans = sum(len(split_text(t).spans) for t in texts)
        best = min(best, time.perf_counter() - s0)

    workers = default_workers() if args.workers is None else args.workers
    print(f"date      {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(f"machine   {cpu_name()}, {os.cpu_count()} cores, load average {load:.2f} at start")
    print(f"python    {platform.python_version()} ({platform.python_implementation()})")
    print(f"database  {backend}")
    print(
        f"input     {path.relative_to(ROOT)}: {len(data) / 1e6:.2f} MB file, "
        f"{text_mb:.2f} MB article text, {len(articles):,} articles "
        f"(avg {text_mb * 1e6 / len(articles) / 1000:.1f} KB)"
    )
    print(
        f"import    {len(runs)} runs (an import job, {workers} worker processes): "
        + ", ".join(f"{r[0]:.2f} s" for r in runs)
    )
    print(
        f"import    {text_mb / total:.2f} MB/s end to end (best run; target >= "
        f"{IMPORT_TARGET_MBS:g}); {len(articles):,} articles, {claims:,} claims"
    )
    print(
        f"splitter  {best:.2f} s (best of 3) = {text_mb / best:.2f} MB/s"
        f" (target >= {SPLIT_TARGET_MBS:g}); {spans:,} spans"
    )
    if profiler:
        print("profile   (first import run, cumulative time)")
        order = os.environ.get("BENCH_SORT", "cumulative")
        pstats.Stats(profiler).sort_stats(order).print_stats(30)


if __name__ == "__main__":
    main()
