"""Benchmark the import of earlier annotations (issue 12): rows per second and peak memory.

Run from the repository root:  python bench/annotation_import.py [--rows 100000]

Builds a project in a new SQLite database (in a temporary folder): articles of 100
claims each, two stance targets, a registry of 50 speakers, the suggester's speaker,
attribution and verifiability suggestion on every claim, two annotators (ann and bob)
as members. Everything is inserted with Core bulk inserts. Then, each in a process of
its own (this script with ``--child``, which reports its wall clock and its own peak
RSS, VmHWM, so the figure covers the import alone: interpreter, imports and import):

1. ``earlier``: a CSV of ``--rows`` rows in the export's label columns only (claim_id,
   annotator, speaker, via, attribution, both stances, verifiability, a note on one row
   in five; half of the rows by an annotator the instance does not know, who becomes
   an inactive account), imported with ``ops.annotation_import.import_annotations``
   and committed.
2. ``export``: the project's wide CSV export written to a file (every column).
3. ``round trip``: the annotations deleted (a fresh copy of the project), that export
   imported back (every column: claim texts checked, suggestions ignored), and the
   label cells of a new export compared with the first export's.

The file size limit is lifted for the benchmark (the web and the command line keep
WORKBENCH_MAX_UPLOAD_MB, 10 MB by default: raise it for such files).
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
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import delete, insert, select  # noqa: E402

from workbench.db import make_engine, make_session_factory  # noqa: E402
from workbench.importing import content_hash  # noqa: E402
from workbench.models import (  # noqa: E402
    Annotation,
    Article,
    Claim,
    HistoryEntry,
    Project,
    Speaker,
    Stance,
    Suggestion,
    User,
)
from workbench.ops.projects import create_project, set_member  # noqa: E402
from workbench.schema import upgrade  # noqa: E402

TARGETS = ("Iran-Iraq military cooperation", "US troops in Iraq")
CLAIMS_PER_ARTICLE = 100
SPEAKERS = 50
LABELS = (
    "speaker",
    "speaker_type",
    "speaker_title",
    "via",
    "attribution",
    *(f"stance:{t}" for t in TARGETS),
    "verifiability",
    "note",
    "status",
)


def build(url: str, claims: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    engine = make_engine(url)
    upgrade(engine)
    with make_session_factory(engine)() as session:
        users = [
            User(username=name, password_hash="x", is_active=True)
            for name in ("mona", "ann", "bob")
        ]
        session.add_all(users)
        session.flush()
        project = create_project(session, "Bench", targets=list(TARGETS), creator=users[0])
        for user in users[1:]:
            set_member(session, project, user, "annotator")
        speakers = session.scalars(
            insert(Speaker).returning(Speaker.id, sort_by_parameter_order=True),
            [
                {
                    "project_id": project.id,
                    "name": f"Speaker {i:03d}",
                    "type": "person",
                    "title": f"Title {i}",
                }
                for i in range(SPEAKERS)
            ],
        ).all()
        sentence = "Speaker {:03d} said claim {:06d} is here. "
        number = 0
        for a in range(-(-claims // CLAIMS_PER_ARTICLE)):
            count = min(CLAIMS_PER_ARTICLE, claims - a * CLAIMS_PER_ARTICLE)
            parts, spans, at = [], [], 0
            for _ in range(count):
                text = sentence.format(number % SPEAKERS, number)
                parts.append(text)
                spans.append((at, at + len(text) - 1))
                at += len(text)
                number += 1
            text = "".join(parts)
            article_id = session.scalar(
                insert(Article).returning(Article.id),
                [
                    {
                        "project_id": project.id,
                        "title": f"Article {a}",
                        "text": text,
                        "content_hash": content_hash(text),
                        "extra": {},
                    }
                ],
            )
            claim_ids = session.scalars(
                insert(Claim).returning(Claim.id, sort_by_parameter_order=True),
                [
                    {"article_id": article_id, "position": i + 1, "start": s, "end": e}
                    for i, (s, e) in enumerate(spans)
                ],
            ).all()
            suggestions = []
            for claim_id in claim_ids:
                who = rng.randrange(SPEAKERS)
                suggestions += [
                    {
                        "claim_id": claim_id,
                        "field": "speaker",
                        "value": f"Speaker {who:03d}",
                        "speaker_id": speakers[who],
                        "evidence": {},
                    },
                    {
                        "claim_id": claim_id,
                        "field": "attribution",
                        "value": "indirect",
                        "evidence": {},
                    },
                    {
                        "claim_id": claim_id,
                        "field": "verifiability",
                        "value": "verifiable",
                        "evidence": {},
                    },
                ]
            session.execute(insert(Suggestion), suggestions)
        session.commit()
    engine.dispose()


def earlier_coding(url: str, rows: int, path: Path, seed: int = 11) -> None:
    """Write a CSV of ``rows`` annotations in the label columns: each claim by ann and
    by carla (whom the instance does not know)."""
    rng = random.Random(seed)
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        claim_ids = session.scalars(select(Claim.id).order_by(Claim.id)).all()
    engine.dispose()
    header = [
        "claim_id",
        "annotator",
        *[c for c in LABELS if c not in ("speaker_type", "speaker_title", "status")],
    ]
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        for i in range(rows):
            claim_id = claim_ids[i // 2]
            writer.writerow(
                [
                    claim_id,
                    "ann" if i % 2 == 0 else "carla",
                    f"Speaker {rng.randrange(SPEAKERS):03d}",
                    "Speaker 001" if rng.random() < 0.1 else "",
                    rng.choice(["direct", "indirect", "none", "mixed"]),
                    rng.choice(["favor", "against", "neutral", "unrelated"]),
                    rng.choice(["favor", "against", "neutral", "unrelated", ""]),
                    rng.choice(["verifiable", "opinion", "prediction"]),
                    'He said "never",\nthen: =maybe' if rng.random() < 0.2 else "",
                ]
            )


def peak_rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def child(mode: str, url: str, path: Path) -> None:
    from workbench.ops.annotation_import import read_annotation_file, store_annotation_import
    from workbench.ops.exports import export_stream

    engine = make_engine(url)
    sessions = make_session_factory(engine)
    report: dict[str, object] = {}
    with sessions() as session:
        project = session.scalar(select(Project))
        if mode == "export":
            started = time.perf_counter()
            with path.open("w", encoding="utf-8", newline="") as out:
                for chunk in export_stream(session, project, format="csv"):
                    out.write(chunk)
            report["export_s"] = time.perf_counter() - started
        else:
            if mode == "round-trip":
                session.execute(delete(Stance))
                session.execute(delete(HistoryEntry).where(HistoryEntry.entity == "annotation"))
                session.execute(delete(Annotation))
                session.commit()
            data = path.read_bytes()
            started = time.perf_counter()
            prepared = read_annotation_file(session, project, data, max_bytes=len(data))
            read_s = time.perf_counter() - started
            summary = store_annotation_import(session, project, prepared, user=None)
            store_s = time.perf_counter() - started - read_s
            session.commit()
            total = time.perf_counter() - started
            report.update(
                rows=len(prepared.parsed.rows),
                created=summary.created,
                accounts=summary.accounts,
                read_s=read_s,
                store_s=store_s,
                total_s=total,
                mb=len(data) / 1e6,
            )
    engine.dispose()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    report["cpu_s"] = usage.ru_utime + usage.ru_stime  # the whole process's, imports included
    report["rss_mb"] = peak_rss_mb()
    print(json.dumps(report))


def run_child(mode: str, url: str, path: Path) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "--child", mode, "--url", url, "--file", str(path)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def label_cells(path: Path) -> dict:
    with path.open(encoding="utf-8", newline="") as f:
        return {
            (r["claim_id"], r["annotator"]): tuple(r[c] for c in LABELS) for r in csv.DictReader(f)
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.url, args.file)
        return
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        url = f"sqlite:///{folder / 'bench.sqlite3'}"
        started = time.perf_counter()
        build(url, -(-args.rows // 2))
        earlier = folder / "earlier.csv"
        earlier_coding(url, args.rows, earlier)
        print(
            f"built in {time.perf_counter() - started:.1f} s: {args.rows:,} rows on "
            f"{-(-args.rows // 2):,} claims"
        )
        print(
            f"machine: {platform.machine()}, Python {platform.python_version()}, "
            f"load {os.getloadavg()[0]:.2f}"
        )
        for name, mode, path in (
            ("earlier (label columns)", "import", earlier),
            ("export", "export", folder / "export.csv"),
            ("round trip (every column)", "round-trip", folder / "export.csv"),
        ):
            r = run_child(mode, url, path)
            if mode == "export":
                print(
                    f"{name}: {r['export_s']:.1f} s (CPU {r['cpu_s']:.1f} s), "
                    f"peak RSS {r['rss_mb']:.0f} MB"
                )
                continue
            print(
                f"{name}: {r['rows']:,} rows, {r['mb']:.1f} MB: read and checked in "
                f"{r['read_s']:.1f} s, matched and stored in {r['store_s']:.1f} s, "
                f"{r['total_s']:.1f} s with the commit = {r['rows'] / r['total_s']:,.0f} rows/s "
                f"(the process's CPU time {r['cpu_s']:.1f} s); peak RSS {r['rss_mb']:.0f} MB; "
                f"accounts made: {r['accounts']}"
            )
        again = folder / "again.csv"
        run_child("export", url, again)
        same = label_cells(again) == label_cells(folder / "export.csv")
        print(f"label cells of the export after the round trip are the same: {same}")


if __name__ == "__main__":
    main()
