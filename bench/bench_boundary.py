"""How long a boundary edit of a 20,000-claim article takes, and how long it holds the
write transaction (SQLite's one write lock), suggestions stored again included.

Run from the repository root:  python bench/bench_boundary.py [--claims 20000] [--repeat 3]
(--database-url postgresql+psycopg://... for PostgreSQL, in a throwaway schema).

Builds one article of ``--claims`` sentences (the seed article's sentences repeated,
about 55 characters each) through the real import path (ops.articles.import_items:
split, suggest, store), then for a split, a merge and a trim of its middle claim,
each ``--repeat`` times: the suggester's run before the write transaction
(ops.claims.prepare_edit, outside it) and the edit itself with its suggestions stored
(inside it, up to the commit). Prints the best and the worst of each.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench_import import open_database  # noqa: E402
from machine import cpu_name  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from workbench.db import begin_write, make_session_factory  # noqa: E402
from workbench.importing import ArticleDraft  # noqa: E402
from workbench.models import Article, Claim, Suggestion  # noqa: E402
from workbench.ops.articles import import_items  # noqa: E402
from workbench.ops.claims import (  # noqa: E402
    active_claims,
    merge_with_next,
    prepare_edit,
    split_claim,
    trim_claim,
)
from workbench.ops.projects import create_project  # noqa: E402
from workbench.text.splitter import split_text  # noqa: E402

SEED = ROOT / "seeds" / "iran-iraq-military-talks.txt"


def long_text(claims: int) -> str:
    seed = SEED.read_text(encoding="utf-8")
    sentences = [seed[s.start : s.end] for s in split_text(seed).spans if s.kind == "claim"]
    sentences = [s for s in sentences if s.endswith((".", '"', "\u201d"))]
    out = []
    for i in range(claims):
        out.append(sentences[i % len(sentences)])
        if i % 12 == 11:
            out.append("\n\n")
    return " ".join(out)


def middle_claim(session, article_id: int) -> Claim:
    article = session.get(Article, article_id)
    claims = active_claims(session, article)
    return claims[len(claims) // 2]


def edit(sessions, article_id: int, kind: str) -> tuple[float, float]:
    """Return (seconds preparing outside the transaction, seconds inside it)."""
    with sessions() as session:
        claim = middle_claim(session, article_id)
        text = claim.article.text
        cut = text.find(" ", claim.start + (claim.end - claim.start) // 2)
        options = {
            "split": {"at": cut},
            "merge": {},
            "trim": {"start": claim.start, "end": cut},
        }[kind]
        t0 = time.perf_counter()
        prepared = prepare_edit(session, claim, kind, **options)
        t1 = time.perf_counter()
        session.rollback()
        begin_write(session)
        claim = session.get(Claim, claim.id)
        if kind == "split":
            split_claim(session, claim, options["at"], user=None, prepared=prepared)
        elif kind == "merge":
            merge_with_next(session, claim, user=None, prepared=prepared)
        else:
            trim_claim(session, claim, options["start"], options["end"], user=None,
                       prepared=prepared)  # fmt: skip
        session.commit()
        t2 = time.perf_counter()
    return t1 - t0, t2 - t1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    engine, cleanup = open_database(args.database_url)
    try:
        sessions = make_session_factory(engine)
        text = long_text(args.claims)
        with sessions() as session:
            project = create_project(session, "Boundary bench", targets=["Cooperation"])
            t0 = time.perf_counter()
            report = import_items(
                session, project, [ArticleDraft(text=text, outlet="Mehr News Agency")], user=None
            )
            session.commit()
            imported = time.perf_counter() - t0
            (result,) = report.results
            article_id = result.article_id
            rows = session.scalar(
                select(func.count())
                .select_from(Suggestion)
                .join(Claim)
                .where(Claim.article_id == article_id)
            )
        print(f"date      {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
        print(f"machine   {cpu_name()}, {os.cpu_count()} cores, load average "
              f"{os.getloadavg()[0]:.2f} at start")  # fmt: skip
        print(f"python    {platform.python_version()}; database {engine.dialect.name}")
        print(
            f"article   {len(text) / 1e6:.2f} MB, {result.claims:,} claims, "
            f"{rows:,} suggestion rows; imported in {imported:.2f} s"
        )
        for kind in ("split", "merge", "trim"):
            times = [edit(sessions, article_id, kind) for _ in range(args.repeat)]
            before = sorted(t[0] for t in times)
            inside = sorted(t[1] for t in times)
            print(
                f"{kind:9} suggester before the transaction {before[0]:.2f}-{before[-1]:.2f} s; "
                f"in the write transaction {inside[0]:.2f}-{inside[-1]:.2f} s"
            )
    finally:
        cleanup()


if __name__ == "__main__":
    main()
