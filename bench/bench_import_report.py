"""Server time of an import report's pages for an import of 100,000 items.

Run from the repository root:  python bench/bench_import_report.py [--items 100000]
[--database-url postgresql+psycopg://...]

Makes a fresh database (SQLite in a temporary folder, or the PostgreSQL database
given, whose public schema is wiped), a project with a finished import job of
``--items`` report rows (a third rejected, the rest duplicates, as a re-import of
a large file with bad lines gives), then times, in one process with Flask's test
client, the report's first page, a filtered first page, and a page deep into the
report, best of 5 each. The target (issue 9): the first page in under 300 ms.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from machine import cpu_name  # noqa: E402 (bench/ is on sys.path when run)
from sqlalchemy import insert, text  # noqa: E402

from tests.conftest import Web  # noqa: E402
from workbench import create_app  # noqa: E402
from workbench.db import make_engine, make_session_factory  # noqa: E402
from workbench.models import ImportJobItem  # noqa: E402
from workbench.ops.import_jobs import create_import_job, finish_import_job  # noqa: E402
from workbench.ops.projects import create_project  # noqa: E402
from workbench.ops.users import create_user  # noqa: E402
from workbench.schema import upgrade  # noqa: E402

PASSWORD = "bench password 123"


def prepare(url: str, items: int) -> tuple[int, int]:
    engine = make_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    upgrade(engine)
    with make_session_factory(engine)() as session:
        user = create_user(session, "manager", PASSWORD)
        project = create_project(session, "Report bench", targets=["T"], creator=user)
        job = create_import_job(session, project, user, description="big.jsonl", files_total=1)
        for start in range(1, items + 1, 10_000):
            rows = [
                {
                    "job_id": job.id,
                    "position": i,
                    "source": f"big.jsonl line {i}",
                    "status": "rejected" if i % 3 == 0 else "duplicate",
                    "reason": f"line {i} is not valid JSON: Expecting value (column 1)"
                    if i % 3 == 0
                    else "the project already has an article with the same text",
                    "article_id": None,
                    "title": "",
                    "claims": 0,
                }
                for i in range(start, min(start + 10_000, items + 1))
            ]
            session.execute(insert(ImportJobItem), rows)
        job.items_total = job.items_done = items
        job.rejected = items // 3
        job.duplicates = items - items // 3
        finish_import_job(session, job.id)
        session.commit()
        ids = project.id, job.id
    engine.dispose()
    return ids


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--database-url", help="default: SQLite in a temporary folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'report.sqlite3'}"
        project_id, job_id = prepare(url, args.items)
        app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": tmp, "SECRET_KEY": "bench"})
        web = Web(app.test_client())
        assert web.login("manager", PASSWORD).status_code == 302
        base = f"/projects/{project_id}/imports/{job_id}"
        backend = app.extensions["workbench.engine"].dialect.name
        print(f"backend: {backend}; report rows: {args.items:,}")
        print(f"machine: {os.cpu_count()} cores, {cpu_name()}; Python {platform.python_version()}")
        for label, query in (
            ("first page", ""),
            ("first page, rejected only", "?fate=rejected"),
            ("a page at row 90%", f"?after={args.items * 9 // 10}"),
        ):
            best = float("inf")
            for _ in range(5):
                started = time.perf_counter()
                response = web.get(base + query)
                body = response.get_data()
                best = min(best, time.perf_counter() - started)
            assert response.status_code == 200, response.status_code
            print(f"{label}: {best * 1000:.1f} ms (best of 5), {len(body):,} bytes")
        app.extensions["workbench.engine"].dispose()


if __name__ == "__main__":
    main()
