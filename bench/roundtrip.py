"""What one database round trip costs this machine, idle and between bursts of work.

A web request does some Python work, sends a statement, waits, and works again.
On a virtual machine the wait puts both this process and the server's process
to sleep and wakes them again, which costs CPU and time beyond the query itself.
This runs one primary-key SELECT on PostgreSQL (autocommit, straight through
psycopg) N times, after a given amount of busy Python work each time, and
prints the wall time and the CPU of this process per query; the gap of 0 ms
is the tight loop that micro-benchmarks usually show.

    python bench/roundtrip.py --database-url postgresql://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import psycopg  # noqa: E402
from machine import cpu_name  # noqa: E402


def busy(milliseconds: float) -> None:
    """Do Python work (dict and string churn, like a request's) for this long."""
    end = time.perf_counter() + milliseconds / 1000
    scratch: dict[int, str] = {}
    while time.perf_counter() < end:
        for i in range(200):
            scratch[i % 97] = str(i) * 3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--gaps", default="0,0.5,2,3", help="ms of work before each query")
    args = parser.parse_args()
    url = args.database_url.replace("postgresql+psycopg://", "postgresql://")
    print(f"machine: {os.cpu_count()} cores, {cpu_name()}; Python {platform.python_version()}")
    print(f"load average at start: {os.getloadavg()[0]:.2f}")
    with psycopg.connect(url, autocommit=True) as connection:
        for gap in (float(g) for g in args.gaps.split(",")):
            wall = cpu = 0.0
            for _ in range(args.queries):
                busy(gap)
                w, c = time.perf_counter(), time.process_time()
                connection.execute("SELECT oid, datname FROM pg_database WHERE oid = 1").fetchone()
                wall += time.perf_counter() - w
                cpu += time.process_time() - c
            per = 1000 / args.queries
            print(
                f"after {gap:g} ms of work: {wall * per:.3f} ms wall, "
                f"{cpu * per:.3f} ms CPU of this process per query"
            )


if __name__ == "__main__":
    main()
