"""The cost of one annotation save inside the app, without a server or clients.

Sets up a fresh database as bench/load.py does (SQLite in a temporary folder,
or --database-url, whose public schema is wiped), logs one annotator in with
Flask's test client, and times N saves through the JSON API
(`POST /api/projects/<id>/claims/<id>/annotation`), each based on the version
the previous one returned, after a warm-up. Prints milliseconds per save, wall
and CPU of this process; on PostgreSQL also the CPU the database's server
processes spent. --profile prints cProfile's top functions as well.

    python bench/bench_save.py
    python bench/bench_save.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import cProfile
import os
import platform
import pstats
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from load import PASSWORD, prepare  # noqa: E402 (bench/ is on sys.path when run)
from machine import cpu_name  # noqa: E402
from sqlalchemy import text  # noqa: E402

from workbench import create_app  # noqa: E402


def server_cpu_seconds(engine) -> float | None:
    """CPU seconds used so far by the PostgreSQL processes serving this database
    (None elsewhere, or where /proc cannot tell)."""
    if engine.dialect.name != "postgresql":
        return None
    with engine.connect() as conn:
        pids = conn.execute(
            text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
        ).scalars()
        total = 0
        for pid in pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                return None
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="default: SQLite in a temporary folder")
    parser.add_argument("--saves", type=int, default=2000)
    parser.add_argument("--profile", action="store_true", help="also print cProfile's top 30")
    args = parser.parse_args()
    load = os.getloadavg()[0]

    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'save.sqlite3'}"
        project_id, claims, names = prepare(url, 1)
        app = create_app(
            {"DATABASE_URL": url, "INSTANCE_PATH": tmp, "SECRET_KEY": "bench-save-secret"}
        )
        engine = app.extensions["workbench.engine"]
        with engine.connect() as conn:
            target_id = conn.execute(text("SELECT id FROM targets")).scalar_one()
        client = app.test_client()
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        form = {"csrf_token": token, "username": names[0], "password": PASSWORD}
        assert client.post("/login", data=form).status_code == 302
        headers = {"X-CSRFToken": client.get("/api/session").get_json()["csrf_token"]}
        versions: dict[int, int | None] = dict.fromkeys(claims)
        counter = iter(range(10**9))

        def save(n: int) -> None:
            for _ in range(n):
                i = next(counter)
                claim = claims[i % len(claims)]
                body = {
                    "base_version": versions[claim],
                    "verifiability": ("verifiable", "opinion", "prediction")[i % 3],
                    "attribution": "indirect",
                    "note": f"save {i}",
                    "stances": {str(target_id): "favor" if i % 2 else "neutral"},
                }
                response = client.post(
                    f"/api/projects/{project_id}/claims/{claim}/annotation",
                    json=body,
                    headers=headers,
                )
                assert response.status_code == 200, response.get_data(as_text=True)
                versions[claim] = response.get_json()["annotation"]["version"]

        save(200)  # warm-up: first saves create the annotations, caches fill
        server_before = server_cpu_seconds(engine)
        wall, cpu = time.perf_counter(), time.process_time()
        save(args.saves)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        server_after = server_cpu_seconds(engine)
        if args.profile:
            profile = cProfile.Profile()
            profile.runcall(save, min(args.saves, 1000))
        engine.dispose()

    backend = "postgresql" if url.startswith("postgresql") else "sqlite (WAL)"
    print(f"backend: {backend}; {args.saves} saves through the JSON API, in one process")
    print(f"machine: {os.cpu_count()} cores, {cpu_name()}; Python {platform.python_version()}")
    print(f"load average at start: {load:.2f}")
    per = 1000 / args.saves
    line = f"per save: {wall * per:.2f} ms wall, {cpu * per:.2f} ms CPU of this process"
    if server_before is not None and server_after is not None:
        line += f", {(server_after - server_before) * per:.2f} ms CPU of the database server"
    print(line)
    if args.profile:
        stats = pstats.Stats(profile).sort_stats(os.environ.get("BENCH_SORT", "cumulative"))
        stats.print_stats(30)
        if os.environ.get("BENCH_CALLEES"):
            stats.print_callees(os.environ["BENCH_CALLEES"])


if __name__ == "__main__":
    main()
