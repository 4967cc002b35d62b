"""Where an import's CPU time goes: preparing articles (normalise, hash, split, suggest)
against storing them (articles, claims, suggestion rows), on SQLite.

Run from the repository root after ``python bench/bench_import.py`` has written
bench/out/articles.jsonl:  python bench/bench_import_phases.py

It imports the file once into a new SQLite database through the real path
(``ops.articles.import_items``) and sums the CPU time (time.process_time) spent in
``ops.articles.prepare_item`` and in ``ops.articles.store_batch``.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from workbench.db import make_engine, make_session_factory  # noqa: E402
from workbench.importing import parse_file  # noqa: E402
from workbench.ops import articles  # noqa: E402
from workbench.ops.projects import create_project  # noqa: E402
from workbench.ops.users import create_user  # noqa: E402
from workbench.schema import upgrade  # noqa: E402

SPENT = {"prepare_item": 0.0, "store_batch": 0.0}


def timed(name: str) -> None:
    original = getattr(articles, name)

    def wrapper(*args, **kwargs):
        started = time.process_time()
        try:
            return original(*args, **kwargs)
        finally:
            SPENT[name] += time.process_time() - started

    setattr(articles, name, wrapper)


def main() -> None:
    path = ROOT / "bench" / "out" / "articles.jsonl"
    if not path.exists():
        raise SystemExit("run python bench/bench_import.py first (it writes the file)")
    data = path.read_bytes()
    timed("prepare_item")
    timed("store_batch")
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{folder}/phases.sqlite3")
        upgrade(engine)
        sessions = make_session_factory(engine)
        with sessions() as session:
            user = create_user(session, "bench", "bench password 123")
            project = create_project(session, "Import phases", targets=["Cooperation"])
            session.commit()
            items = parse_file(path.name, data, max_bytes=len(data) + 1)
            started = time.process_time()
            report = articles.import_items(session, project, items, user=user)
            session.commit()
            total = time.process_time() - started
        engine.dispose()
    mb = len(data) / 1e6
    print(f"input     {path.relative_to(ROOT)}: {mb:.2f} MB, {report.imported:,} articles")
    print(f"total     {total:.2f} CPU s = {mb / total:.2f} MB/s")
    print(f"prepare   {SPENT['prepare_item']:.2f} CPU s (normalise, hash, split, suggest)")
    print(f"store     {SPENT['store_batch']:.2f} CPU s (articles, claims, suggestion rows)")


if __name__ == "__main__":
    main()
