"""Benchmark the streaming export: rows per second and peak memory of the export alone.

Run from the repository root:  python bench/bench_export.py [--rows 1000000]

Builds (once, cached in bench/out/) a project with ``--rows`` annotation rows:
articles of 100 claims each, 20 annotators per claim, stances toward two
targets, speakers and via sources from a registry, article metadata, and notes
with commas, quotes, newlines and formula-like starts, and the suggester's five
suggestions per claim (speaker, speaker type, via on some, attribution,
verifiability), each taken unchanged by about 60% of the annotators (recorded
in the annotation's ``from_suggestion``). Everything is inserted with
SQLAlchemy Core bulk inserts, not through save_annotation or store_suggestions.

The export itself runs in a separate process (this script with ``--child``),
which times ``export_stream(session, project, format=...)`` written to a file
(``--output``, default /dev/null), wall clock and CPU time, and reports its
own peak RSS (VmHWM from /proc/self/status), so the number covers the export
process alone: the interpreter, its imports and the export, not the build.
(The child's ``ru_maxrss``, and so the parent's RUSAGE_CHILDREN, would not do:
Linux keeps that high-water mark across fork and exec, so it would include the
parent's size.) ``--repeat`` runs (default 3, each a new process); the best
run's speed and the highest peak RSS are printed, with the load average, as
other work on the machine slows the export down.

SQLite by default. With --database-url (PostgreSQL) the data is built in a
schema of its own (bench_export_<rows>) which is dropped afterwards unless
--keep is given (a kept schema is reused by the next run).

Targets: >= 100,000 rows/s and peak RSS < 200 MB for 1,000,000 rows.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from machine import cpu_name  # noqa: E402 (bench/ is on sys.path when run)
from sqlalchemy import Engine, func, insert, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from workbench.db import make_engine, make_session_factory  # noqa: E402
from workbench.models import (  # noqa: E402
    Annotation,
    Article,
    Claim,
    Membership,
    Project,
    Speaker,
    Stance,
    Suggestion,
    User,
)
from workbench.ops.projects import create_project  # noqa: E402
from workbench.schema import upgrade  # noqa: E402

OUT = ROOT / "bench" / "out"
ROWS_TARGET = 100_000
RSS_TARGET_MB = 200
ANNOTATORS = 20
CLAIMS_PER_ARTICLE = 100
TARGETS = ("Iran-Iraq military cooperation", "US troops in Iraq")
CHUNK = 20_000

SUBJECTS = ["Baqeri", "Khwain", "Hatami", "The Iraqi delegation", "Tehran", "Baghdad"]
VERBS = ["said", "stressed", "denied", "welcomed", "rejected", "announced"]
OBJECTS = [
    "the border security agreement",
    "joint naval exercises in the Gulf",
    "a new air defence programme",
    "closer consultations on regional security",
    "the withdrawal of foreign forces",
]
PEOPLE = [
    ("Mohammad Baqeri", "person", "Chief of Staff of the Iranian Armed Forces"),
    ("Hamed Atiyeh Khwain", "person", "Commander of Iraqi Army Aviation"),
    ("Amir Hatami", "person", "Iranian Defense Minister"),
    ("Iraqi Ministry of Defence", "organization", ""),
    ("Mehr News Agency", "outlet", ""),
    ("Tasnim", "outlet", ""),
    ("author", "author", ""),
]
NOTE_SHARE = 0.2  # of annotations with a note; most notes need quoting
TAKEN_SHARE = 0.6  # of an annotation's suggested fields saved as suggested
NOTES = [
    "Quote, then paraphrase",
    'He said "never", then "maybe"',
    "Two lines:\nfirst, then second",
    '=HYPERLINK("http://example.org")',
    "-5% is the figure quoted",
    "Unclear speaker; check the Farsi original, para. 3",
    "Ünïcödé — “curly” quotes, too",
]


def shape(rows: int) -> tuple[int, int]:
    """Return (articles, claims) needed for ``rows`` claim x annotator rows."""
    claims = -(-rows // ANNOTATORS)
    return -(-claims // CLAIMS_PER_ARTICLE), claims


def article_text(rng: random.Random, n: int, number: int) -> tuple[str, list[tuple[int, int]]]:
    """Return an article of ``n`` sentences and the offsets of each sentence."""
    parts: list[str] = []
    spans: list[tuple[int, int]] = []
    pos = 0
    for i in range(n):
        sentence = (
            f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} "
            f"in article {number}, sentence {i + 1}, on {rng.choice(['Monday', 'Wednesday'])}."
        )
        if i == 0:
            sentence = f"“{sentence[:-1]},” officials said."
        start = pos + (1 if parts else 0)
        parts.append(sentence)
        spans.append((start, start + len(sentence)))
        pos = start + len(sentence)
    return " ".join(parts), spans


def build(engine: Engine, rows: int, note_share: float, seed: int = 7) -> None:
    """Fill a migrated, empty database with a project of ``rows`` annotation rows."""
    rng = random.Random(seed)
    n_articles, n_claims = shape(rows)
    base_time = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)
    sessions = make_session_factory(engine)
    with sessions() as session:
        project = create_project(session, project_name(rows), targets=list(TARGETS))
        target_ids = [t.id for t in project.targets]
        conn = session.connection()
        conn.execute(
            insert(User),
            [
                {"id": 1000 + i, "username": f"annotator{i:02d}", "password_hash": "-"}
                for i in range(ANNOTATORS)
            ],
        )
        user_ids = [1000 + i for i in range(ANNOTATORS)]
        conn.execute(
            insert(Membership),
            [{"project_id": project.id, "user_id": u, "role": "annotator"} for u in user_ids],
        )
        speakers = [
            {"id": 1 + i, "project_id": project.id, "name": n, "type": t, "title": title}
            for i, (n, t, title) in enumerate(PEOPLE)
        ]
        conn.execute(insert(Speaker), speakers)
        speaker_ids = [s["id"] for s in speakers]
        outlet_ids = [s["id"] for s in speakers if s["type"] == "outlet"]

        claim_id = 0
        annotation_id = 0
        claim_rows: list[dict] = []
        annotation_rows: list[dict] = []
        stance_rows: list[dict] = []
        suggestion_rows: list[dict] = []
        for a in range(n_articles):
            n = min(CLAIMS_PER_ARTICLE, n_claims - a * CLAIMS_PER_ARTICLE)
            body, spans = article_text(rng, n, a + 1)
            conn.execute(
                insert(Article),
                {
                    "id": a + 1,
                    "project_id": project.id,
                    "title": f"Military talks, part {a + 1}",
                    "outlet": "Mehr News Agency",
                    "author": "Staff",
                    "url": f"https://example.org/news/{a + 1}",
                    "published": f"2024-04-{1 + a % 28:02d}",
                    "language": "en",
                    "dateline": "TEHRAN",
                    "text": body,
                    "content_hash": f"{a + 1:064x}",
                    "extra": {"section": rng.choice(["politics", "defence"]), "wire": "MNA"},
                    "source": "bench",
                },
            )
            for position, (start, end) in enumerate(spans, start=1):
                claim_id += 1
                claim_rows.append(
                    {
                        "id": claim_id,
                        "article_id": a + 1,
                        "position": position,
                        "start": start,
                        "end": end,
                    }
                )
                suggested = suggestions(rng, speakers, outlet_ids)
                suggestion_rows += [{"claim_id": claim_id, **row} for row in suggested.values()]
                for user_id in user_ids:
                    if annotation_id >= rows:
                        break
                    annotation_id += 1
                    created = base_time + timedelta(seconds=annotation_id * 7)
                    values = {
                        "speaker_id": rng.choice(speaker_ids),
                        "via_id": rng.choice(outlet_ids) if rng.random() < 0.3 else None,
                        "attribution": rng.choice(["direct", "indirect", "mixed", "none"]),
                        "verifiability": rng.choice(["verifiable", "opinion", "prediction"]),
                    }
                    taken = []
                    for field, row in suggested.items():
                        if field != "speaker_type" and rng.random() < TAKEN_SHARE:
                            column = f"{field}_id" if field in ("speaker", "via") else field
                            values[column] = row["speaker_id"] or row["value"]
                            taken.append(field)
                    annotation_rows.append(
                        {
                            "id": annotation_id,
                            "claim_id": claim_id,
                            "user_id": user_id,
                            **values,
                            "from_suggestion": taken,
                            "note": rng.choice(NOTES) if rng.random() < note_share else "",
                            "status": "submitted" if rng.random() < 0.9 else "draft",
                            "created_at": created,
                            "updated_at": created + timedelta(minutes=rng.randint(0, 90)),
                        }
                    )
                    for target_id in target_ids:
                        if rng.random() < 0.95:
                            stance_rows.append(
                                {
                                    "annotation_id": annotation_id,
                                    "target_id": target_id,
                                    "value": rng.choice(["favor", "against", "neutral"]),
                                }
                            )
            if len(annotation_rows) >= CHUNK or a == n_articles - 1:
                conn.execute(insert(Claim), claim_rows)
                conn.execute(insert(Annotation), annotation_rows)
                if stance_rows:
                    conn.execute(insert(Stance), stance_rows)
                conn.execute(insert(Suggestion), suggestion_rows)
                claim_rows, annotation_rows, stance_rows, suggestion_rows = [], [], [], []
        session.commit()


def suggestions(rng: random.Random, speakers: list[dict], outlet_ids: list[int]) -> dict:
    """Return one claim's suggestion rows (without the claim id), by field."""
    speaker = rng.choice(speakers)
    rows = {
        "speaker": (speaker["name"], speaker["id"]),
        "speaker_type": (speaker["type"], None),
    }
    if rng.random() < 0.3:
        via_id = rng.choice(outlet_ids)
        via = next(s for s in speakers if s["id"] == via_id)
        rows["via"] = (via["name"], via["id"])
    rows["attribution"] = (rng.choice(["direct", "indirect", "mixed", "none"]), None)
    rows["verifiability"] = (rng.choice(["verifiable", "opinion", "prediction"]), None)
    return {
        field: {
            "field": field,
            "value": value,
            "speaker_id": speaker_id,
            "confidence": round(rng.uniform(0.5, 1.0), 4),
            "reason": "the bench's made-up reason",
            "source": "suggester",
            "evidence": {"rule": "bench", "continuation": False, "items": []},
        }
        for field, (value, speaker_id) in rows.items()
    }


def project_name(rows: int) -> str:
    return f"Export bench {rows}"


def count_rows(engine: Engine, rows: int) -> int:
    """Return the number of annotations of the bench project (0 if it is missing)."""
    with engine.connect() as conn:
        project_id = conn.scalar(select(Project.id).where(Project.name == project_name(rows)))
        if project_id is None:
            return 0
        return conn.scalar(
            select(func.count())
            .select_from(Annotation)
            .join(Claim, Claim.id == Annotation.claim_id)
            .join(Article, Article.id == Claim.article_id)
            .where(Article.project_id == project_id)
        )


def dataset(rows: int, note_share: float) -> str:
    """Return the cache name of a data set."""
    return f"{rows}_notes{round(note_share * 100)}_suggested"


def prepare_sqlite(rows: int, note_share: float, rebuild: bool) -> tuple[str, float | None]:
    """Return (URL, build seconds or None if cached) of a SQLite file with the data."""
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"export_{dataset(rows, note_share)}.sqlite3"
    url = f"sqlite:///{path}"
    if path.exists() and not rebuild:
        engine = make_engine(url)
        try:
            if count_rows(engine, rows) == rows:
                return url, None
        finally:
            engine.dispose()
    partial = OUT / f"export_{dataset(rows, note_share)}.building.sqlite3"
    for p in (path, partial):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{p}{suffix}").unlink(missing_ok=True)
    engine = make_engine(f"sqlite:///{partial}")
    t0 = time.perf_counter()
    upgrade(engine)
    build(engine, rows, note_share)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    seconds = time.perf_counter() - t0
    partial.rename(path)
    return url, seconds


def postgres_url(url: str, schema: str) -> str:
    """Return ``url`` with the connection's search_path set to ``schema``."""
    return (
        make_url(url)
        .update_query_dict({"options": f"-csearch_path={schema}"})
        .render_as_string(hide_password=False)
    )


def prepare_postgres(
    url: str, rows: int, note_share: float, rebuild: bool
) -> tuple[str, float | None, str]:
    """Return (URL with search_path, build seconds or None if reused, schema)."""
    schema = f"bench_export_{dataset(rows, note_share)}"
    admin = make_engine(url)
    try:
        with admin.begin() as conn:
            exists = conn.scalar(
                text("SELECT 1 FROM information_schema.schemata WHERE schema_name = :s"),
                {"s": schema},
            )
        scoped = postgres_url(url, schema)
        if exists and not rebuild:
            engine = make_engine(scoped)
            try:
                if count_rows(engine, rows) == rows:
                    return scoped, None, schema
            finally:
                engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        engine = make_engine(scoped)
        t0 = time.perf_counter()
        upgrade(engine)
        build(engine, rows, note_share)
        with engine.connect() as conn:
            conn.execute(text("ANALYZE"))
            conn.commit()
        engine.dispose()
        return scoped, time.perf_counter() - t0, schema
    finally:
        admin.dispose()


def drop_schema(url: str, schema: str) -> None:
    admin = make_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    admin.dispose()


def run_child(url: str, rows: int, fmt: str, shape_: str, output: str) -> None:
    """Export the bench project to ``output`` and print timings as one JSON line."""
    from workbench.ops.exports import export_stream

    engine = make_engine(url)
    sessions = make_session_factory(engine)
    rss_before = peak_rss_mb()
    with sessions() as session, open(output, "w", encoding="utf-8", newline="") as out:
        project = session.scalar(select(Project).where(Project.name == project_name(rows)))
        t0 = time.perf_counter()
        c0 = time.process_time()
        first = None
        written = 0
        for chunk in export_stream(session, project, format=fmt, shape=shape_):
            if first is None and written:
                first = time.perf_counter() - t0
            written += len(chunk)
            out.write(chunk)
        seconds = time.perf_counter() - t0
        cpu = time.process_time() - c0
    engine.dispose()
    print(
        json.dumps(
            {
                "seconds": seconds,
                "cpu_seconds": cpu,
                "first_row_seconds": first,
                "chars": written,
                "rss_before_export_mb": rss_before,
                "peak_rss_mb": peak_rss_mb(),
            }
        )
    )


def peak_rss_mb() -> float:
    """Return this process's peak resident set size in MB (VmHWM, counted since exec).

    Not ``getrusage(...).ru_maxrss``: Linux carries that high-water mark over
    fork and exec, so a child would report the parent's size if it was larger.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def count_csv_records(path: str) -> int:
    """Return the number of CSV records after the header (quoted newlines handled)."""
    with open(path, encoding="utf-8", newline="") as f:
        return sum(1 for _ in csv.reader(f)) - 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="annotation rows")
    parser.add_argument(
        "--notes",
        type=float,
        default=NOTE_SHARE,
        help=f"share of annotations with a note (default {NOTE_SHARE})",
    )
    parser.add_argument("--format", choices=("csv", "jsonl"), default="csv")
    parser.add_argument("--shape", choices=("wide", "long"), default="wide")
    parser.add_argument("--output", default=os.devnull, help="where the export goes")
    parser.add_argument("--database-url", help="PostgreSQL URL (a schema of its own is used)")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the cached data")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL schema")
    parser.add_argument("--verify", action="store_true", help="count the CSV records written")
    parser.add_argument(
        "--repeat", type=int, default=3, help="export runs, each in a new process (default 3)"
    )
    parser.add_argument("--child", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        run_child(args.child, args.rows, args.format, args.shape, args.output)
        return

    schema = None
    if args.database_url:
        if make_url(args.database_url).get_backend_name() != "postgresql":
            raise SystemExit("--database-url must be a PostgreSQL URL (SQLite is the default)")
        url, built, schema = prepare_postgres(
            args.database_url, args.rows, args.notes, args.rebuild
        )
        backend = "postgresql"
    else:
        url, built = prepare_sqlite(args.rows, args.notes, args.rebuild)
        backend = "sqlite"
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        url,
        "--rows",
        str(args.rows),
        "--format",
        args.format,
        "--shape",
        args.shape,
        "--output",
        args.output,
    ]
    load = os.getloadavg()[0]
    runs = []
    try:
        for _ in range(args.repeat):
            done = subprocess.run(command, capture_output=True, text=True)
            if done.returncode:
                raise SystemExit(f"the export process failed:\n{done.stderr}")
            runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
    finally:
        if schema and not args.keep:
            drop_schema(args.database_url, schema)

    best = min(runs, key=lambda r: r["seconds"])
    peak = max(r["peak_rss_mb"] for r in runs)
    print(f"date      {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(f"machine   {cpu_name()}, {os.cpu_count()} cores, load average {load:.2f} at start")
    print(f"python    {platform.python_version()} ({platform.python_implementation()})")
    print(f"database  {backend}")
    n_articles, _ = shape(args.rows)
    print(
        f"data      {args.rows:,} annotation rows ({n_articles:,} articles x "
        f"{CLAIMS_PER_ARTICLE} claims x {ANNOTATORS} annotators, {len(TARGETS)} targets, "
        f"notes on {args.notes:.0%}, 4 or 5 suggestions a claim); "
        + (f"built in {built:.1f} s" if built is not None else "cached")
    )
    print(
        f"export    {args.format} {args.shape} to {args.output}, {len(runs)} runs: "
        + ", ".join(f"{r['seconds']:.2f} s" for r in runs)
        + f"; {best['chars'] / 1e6:.1f} M chars, first chunk after "
        f"{best['first_row_seconds'] or 0:.2f} s"
    )
    print(
        f"speed     {args.rows / best['seconds']:,.0f} rows/s (best run; target >= "
        f"{ROWS_TARGET:,}); {args.rows / best['cpu_seconds']:,.0f} rows per CPU second"
    )
    print(
        f"memory    peak RSS of the export process {peak:.0f} MB (highest run;"
        f" target < {RSS_TARGET_MB}); {best['rss_before_export_mb']:.0f} MB before the export"
    )
    if args.verify and args.format == "csv" and args.output != os.devnull:
        records = count_csv_records(args.output)
        print(f"verify    {records:,} CSV records in {args.output}")
        if args.shape == "wide" and records != args.rows:
            raise SystemExit(f"expected {args.rows:,} records")


if __name__ == "__main__":
    main()
