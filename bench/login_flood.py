"""Login flood: wrong passwords for ever new usernames, and a normal reader meanwhile.

Starts `gunicorn --workers 2` (sync workers, as `workbench serve` runs it) on
loopback against a fresh database (SQLite in a temporary folder by default, or
--database-url, whose public schema is wiped). One reader logs in and reads an
annotation through the JSON API for the whole run; after a quiet stretch,
N flooders (all from 127.0.0.1, as one attacker) send logins with a wrong
password for a new username each. It prints the reader's median and 95th
percentile latency before and during the flood, the flood's answers by status
(401: a password was hashed; 429: refused before any hash), and the rows of
the throttling tables at the end.

    python bench/login_flood.py                        # SQLite (WAL)
    python bench/login_flood.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test
    python bench/login_flood.py --address-limit 0      # without the per-address limit
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from load import PASSWORD, Client, free_port, prepare, wait_for  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from workbench.db import make_engine  # noqa: E402
from workbench.models import LoginAddressFailure, LoginFailure  # noqa: E402


def _login_form(client: Client, username: str, password: str) -> int:
    _, page = client.request("GET", "/login")
    match = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page)
    form = {"csrf_token": match.group(1).decode(), "username": username, "password": password}
    status, _ = client.request(
        "POST",
        "/login",
        urlencode(form).encode(),
        {"Content-Type": "application/x-www-form-urlencoded"},
    )
    return status


def reader_run(port, url, username, seconds, queue) -> None:
    client = Client(port)
    assert _login_form(client, username, PASSWORD) == 302, "the reader could not log in"
    samples: list[tuple[float, float]] = []  # (when, latency)
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        started = time.perf_counter()
        status, _ = client.request("GET", url)
        assert status == 200, f"the reader got {status}"
        samples.append((started, time.perf_counter() - started))
        time.sleep(0.02)
    queue.put({"reader": samples})


def flooder_run(port, number, seconds, queue) -> None:
    client = Client(port)
    statuses: dict[str, int] = {}
    deadline = time.perf_counter() + seconds
    i = 0
    while time.perf_counter() < deadline:
        try:
            status = _login_form(client, f"flood{number}x{i}", "not the password")
        except OSError as exc:
            status = type(exc).__name__
        statuses[str(status)] = statuses.get(str(status), 0) + 1
        i += 1
    queue.put({"flood": statuses})


def _summary(latencies: list[float]) -> str:
    if not latencies:
        return "no reads"
    ordered = sorted(latencies)
    p95 = ordered[max(int(len(ordered) * 0.95) - 1, 0)]
    return (
        f"median {statistics.median(ordered) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms "
        f"({len(ordered)} reads)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="default: SQLite in a temporary folder")
    parser.add_argument("--flooders", type=int, default=8)
    parser.add_argument("--quiet-seconds", type=float, default=5)
    parser.add_argument("--seconds", type=float, default=20, help="how long the flood lasts")
    parser.add_argument(
        "--address-limit",
        type=int,
        help="WORKBENCH_LOGIN_ADDRESS_MAX_FAILURES for the server (default: the setting's)",
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'flood.sqlite3'}"
        project_id, claims, names = prepare(url, 1)
        port = free_port()
        env = dict(
            os.environ,
            WORKBENCH_DATABASE_URL=url,
            WORKBENCH_INSTANCE_PATH=tmp,
            WORKBENCH_SECRET_KEY="flood-test-secret",
        )
        if args.address_limit is not None:
            env["WORKBENCH_LOGIN_ADDRESS_MAX_FAILURES"] = str(args.address_limit)
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--workers",
                "2",
                "--worker-class",
                "sync",
                "--bind",
                f"127.0.0.1:{port}",
                "--log-level",
                "warning",
                "workbench:create_app()",
            ],
            env=env,
            cwd=ROOT,
        )
        try:
            wait_for(port, server)
            queue: mp.Queue = mp.Queue()
            read_url = f"/api/projects/{project_id}/claims/{claims[0]}/annotation"
            total = args.quiet_seconds + args.seconds
            reader = mp.Process(target=reader_run, args=(port, read_url, names[0], total, queue))
            reader.start()
            time.sleep(args.quiet_seconds)
            flood_began = time.perf_counter()
            flooders = [
                mp.Process(target=flooder_run, args=(port, n, args.seconds, queue))
                for n in range(args.flooders)
            ]
            for process in flooders:
                process.start()
            results = [queue.get(timeout=total + 120) for _ in range(args.flooders + 1)]
            for process in [reader, *flooders]:
                process.join(timeout=30)
        finally:
            server.terminate()
            server.wait(timeout=30)
        engine = make_engine(url)
        with engine.connect() as conn:
            rows = {
                model.__tablename__: conn.scalar(select(func.count()).select_from(model))
                for model in (LoginFailure, LoginAddressFailure)
            }
        engine.dispose()

    samples = next(r["reader"] for r in results if "reader" in r)
    # perf_counter is system-wide on Linux: the processes' clocks agree.
    quiet = [latency for when, latency in samples if when < flood_began]
    during = [latency for when, latency in samples if when >= flood_began + 1]
    statuses: dict[str, int] = {}
    for result in results:
        for status, count in result.get("flood", {}).items():
            statuses[status] = statuses.get(status, 0) + count
    backend = "postgresql" if url.startswith("postgresql") else "sqlite (WAL)"
    limit = "setting's default" if args.address_limit is None else args.address_limit
    print(
        f"backend: {backend}; gunicorn workers: 2 (sync); flooders: {args.flooders}; "
        f"address limit: {limit}; flood {args.seconds:g} s"
    )
    print(f"reader before the flood: {_summary(quiet)}")
    print(f"reader during the flood: {_summary(during)}")
    hashed = statuses.get("401", 0)
    print(
        f"flood answers: {json.dumps(statuses, sort_keys=True)} "
        f"({hashed / args.seconds:.1f} password hashes/s)"
    )
    print(f"throttling rows at the end: {json.dumps(rows)}")


if __name__ == "__main__":
    main()
