"""The server time of the annotate page's autosave (issue 11), in one process.

Sets up a fresh database as bench/load.py does (SQLite in a temporary folder, or
--database-url, whose public schema is wiped), logs one annotator in with Flask's
test client, and sends N autosaves: exactly the request the annotate page sends in
the background (`POST /api/projects/<p>/claims/<c>/annotation`, status "draft",
the CSRF header, the claim's span as shown, the speaker and via, every field),
each based on the version the previous answer returned and each changing
something (the note, the verifiability, the stance and the speaker alternate).
Every save is timed on its own, from the test client's call to the answer
(the app's whole request path, no network); prints the median and the 95th
percentile, the CPU per save, the SQL statements per save, and with --profile
the Python function calls per save (which the machine's load does not change) and
a cProfile summary of where the time goes.

    python bench/autosave.py
    python bench/autosave.py --profile
    python bench/autosave.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test

``autosave_server_times(n, database_url=None)`` returns the N times (seconds) for
other benchmarks (bench/ui.py).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import platform
import pstats
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
sys.path[:0] = [str(ROOT), str(BENCH)]

from load import PASSWORD, autosave_body, page_claims, prepare  # noqa: E402
from machine import cpu_name  # noqa: E402
from sqlalchemy import event  # noqa: E402

from workbench import create_app  # noqa: E402

WARM_UP = 100


@contextmanager
def _autosaver(database_url: str | None):
    """Yield ``save()``, which sends the page's next autosave and returns its wall
    time in seconds, and the app's engine; the database is set up fresh."""
    with tempfile.TemporaryDirectory() as tmp:
        url = database_url or f"sqlite:///{Path(tmp) / 'autosave.sqlite3'}"
        project_id, _, names = prepare(url, 1)
        app = create_app(
            {"DATABASE_URL": url, "INSTANCE_PATH": tmp, "SECRET_KEY": "bench-autosave-secret"}
        )
        engine = app.extensions["workbench.engine"]
        claims, target_id, speakers = page_claims(engine, project_id)
        client = app.test_client()
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        form = {"csrf_token": token, "username": names[0], "password": PASSWORD}
        assert client.post("/login", data=form).status_code == 302, "login failed"
        headers = {"X-CSRFToken": client.get("/api/session").get_json()["csrf_token"]}
        versions: dict[int, int | None] = dict.fromkeys(c[0] for c in claims)
        count = iter(range(10**9))

        def save() -> float:
            i = next(count)
            claim_id, start, end = claims[i % len(claims)]
            body = autosave_body(i, versions[claim_id], (start, end), target_id, speakers)
            url_ = f"/api/projects/{project_id}/claims/{claim_id}/annotation"
            began = time.perf_counter()
            response = client.post(url_, json=body, headers=headers)
            took = time.perf_counter() - began
            answer = response.get_json()
            if response.status_code != 200 or not answer.get("saved"):
                raise SystemExit(f"autosave refused ({response.status_code}): {answer}")
            versions[claim_id] = answer["annotation"]["version"]
            return took

        try:
            yield save, engine
        finally:
            engine.dispose()


def autosave_server_times(n: int, database_url: str | None = None) -> list[float]:
    """Return the server time (seconds, in order) of ``n`` autosaves through Flask's
    test client on a fresh database (SQLite in a temporary folder unless
    ``database_url``, whose public schema is wiped), after a warm-up of 100."""
    with _autosaver(database_url) as (save, _):
        for _ in range(WARM_UP):
            save()
        return [save() for _ in range(n)]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(int(len(ordered) * share + 0.5) - 1, 0)]


def _count_statements(engine, run: Callable[[], None]) -> int:
    """How many statements SQLAlchemy sent while ``run`` ran (the BEGIN that
    workbench.db issues straight to SQLite's driver is not among them)."""
    seen = [0]

    def count(*_args) -> None:
        seen[0] += 1

    event.listen(engine, "before_cursor_execute", count)
    try:
        run()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return seen[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="default: SQLite in a temporary folder")
    parser.add_argument("--saves", type=int, default=1000)
    parser.add_argument("--profile", action="store_true", help="also print cProfile's top 25")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    with _autosaver(args.database_url) as (save, engine):
        for _ in range(WARM_UP):
            save()
        cpu = time.process_time()
        times = [save() for _ in range(args.saves)]
        cpu = time.process_time() - cpu
        statements = _count_statements(engine, lambda: [save() for _ in range(100)]) / 100
        if args.profile:
            profile = cProfile.Profile()
            profile.runcall(lambda: [save() for _ in range(args.saves)])
        backend = engine.dialect.name
    print(f"backend: {backend}; {args.saves} autosaves (status draft) through Flask's test client")
    print(f"machine: {os.cpu_count()} cores, {cpu_name()}; Python {platform.python_version()}")
    print(f"load average at start: {load:.2f}")
    print(
        f"server time: median {statistics.median(times) * 1000:.2f} ms, "
        f"p95 {percentile(times, 0.95) * 1000:.2f} ms, max {max(times) * 1000:.2f} ms"
    )
    print(f"CPU of this process: {cpu / args.saves * 1000:.2f} ms per autosave")
    print(f"SQL statements per autosave (through SQLAlchemy): {statements:g}")
    if args.profile:
        stats = pstats.Stats(profile).sort_stats(os.environ.get("BENCH_SORT", "cumulative"))
        # What a shared machine's load does not change: the work done per autosave.
        print(f"Python function calls per autosave: {stats.total_calls / args.saves:,.0f}")
        stats.print_stats(25)
        if os.environ.get("BENCH_CALLEES"):
            stats.print_callees(os.environ["BENCH_CALLEES"])


if __name__ == "__main__":
    main()
