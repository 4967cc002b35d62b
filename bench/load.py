"""Load test: concurrent annotators saving through the JSON API of a gunicorn server.

Starts `gunicorn --workers 2` (sync workers, as `workbench serve` runs it) on
loopback against a fresh database (SQLite in a temporary folder by default, or
--database-url, whose public schema is wiped), runs N client processes that
each log in as their own annotator and save annotations as fast as the server
answers, for a bounded time and count, then checks that every accepted save is
in the database (the annotation's final version and one history entry per save).

    python bench/load.py                       # SQLite (WAL)
    python bench/load.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test
    python bench/load.py --with-import         # the saves while a manager imports ~10 MB
    python bench/load.py --autosave            # the annotate page's background draft save

--autosave sends exactly the request the annotate page sends in the background
(issue 11): status "draft", every field, the claim's span as shown, the speaker
and via from the registry, each based on the version the previous answer gave
and each changing something (see ``autosave_body``); the same check follows.

With --with-import a manager uploads, while the annotators save, first the line of
issue 9 (`{"text": "Ab. " * 2200000}`, 8.8 MB, which must be refused quickly for
its claims), then a realistic 10 MB JSON Lines file of a few thousand normal
articles; the saves sent while the imports run are reported on their own (p50,
p95, max, errors), with each import's duration.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import platform
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from machine import cpu_name  # noqa: E402 (bench/ is on sys.path when run)
from sqlalchemy import func, select, text  # noqa: E402

from workbench.db import make_engine, make_session_factory  # noqa: E402
from workbench.models import Annotation, Claim, HistoryEntry, User  # noqa: E402
from workbench.ops.demo import seed_demo  # noqa: E402
from workbench.ops.projects import set_member  # noqa: E402
from workbench.ops.speakers import create_speaker  # noqa: E402
from workbench.ops.users import create_user  # noqa: E402
from workbench.schema import upgrade  # noqa: E402

PASSWORD = "load-test-password"
MAX_REQUESTS_PER_CLIENT = 50_000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(url: str, clients: int) -> tuple[int, list[int], list[str]]:
    engine = make_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    upgrade(engine)
    sessions = make_session_factory(engine)
    with sessions() as session:
        manager = create_user(session, "manager", PASSWORD)
        project, _ = seed_demo(session, manager=manager)
        # Registry speakers for the autosaves to pick (--autosave, bench/autosave.py).
        for name, type_ in (("Mohammad Baqeri", "person"), ("Tasnim", "outlet")):
            create_speaker(session, project, name, type=type_)
        names = []
        for i in range(clients):
            user = create_user(session, f"annotator{i}", PASSWORD)
            set_member(session, project, user, "annotator")
            names.append(user.username)
        session.commit()
        claims = [c.id for c in project.articles[0].claims]
        project_id = project.id
    engine.dispose()
    return project_id, claims, names


def page_claims(engine, project_id: int) -> tuple[list[tuple[int, int, int]], int, list[int]]:
    """Return the first article's claims as (id, start, end), the project's target id
    and its registry speakers' ids: what the annotate page's autosave sends."""
    with engine.connect() as conn:
        claims = conn.execute(
            text(
                'SELECT claims.id, claims.start, claims."end" FROM claims '
                "WHERE article_id = (SELECT min(id) FROM articles WHERE project_id = :p) "
                "AND state = 'active' ORDER BY claims.start"
            ),
            {"p": project_id},
        ).all()
        target_id = conn.execute(
            text("SELECT id FROM targets WHERE project_id = :p ORDER BY id"), {"p": project_id}
        ).scalar()
        speakers = (
            conn.execute(
                text("SELECT id FROM speakers WHERE project_id = :p ORDER BY id"), {"p": project_id}
            )
            .scalars()
            .all()
        )
    return [tuple(c) for c in claims], target_id, list(speakers)


def autosave_body(
    i: int, base_version: int | None, span: tuple[int, int], target_id: int, speakers: list[int]
) -> dict:
    """The ``i``-th autosave of the annotate page, exactly as the page sends it (issue 11):
    every field, status "draft", the claim's span as shown, based on ``base_version``;
    the note changes every time, the labels, the stance and the speaker alternate."""
    return {
        "base_version": base_version,
        "status": "draft",
        "speaker_id": speakers[i % len(speakers)] if speakers and i % 3 else None,
        "via_id": speakers[-1] if speakers and i % 2 else None,
        "attribution": ("direct", "indirect", "mixed", "none")[i % 4],
        "verifiability": ("verifiable", "opinion", "prediction")[i % 3],
        "note": f"draft {i}: the speaker reads this line as typed so far",
        "stances": {str(target_id): "favor" if i % 2 else "neutral"},
        "claim_span": list(span),
    }


class Client:
    """A lean HTTP/1.1 client with a cookie jar, on a plain socket.

    The clients share the two cores with the server, so what they spend is taken
    from it: with http.client (whose header parsing goes through the email
    package) the four clients spent about 1.1 ms of CPU per save here, with
    this about 0.65 ms (much of it the cost of waking up after each answer). It
    keeps its connection open when the server allows (gunicorn's gthread workers
    do; sync workers close each one) and reads bodies by Content-Length,
    chunked, or to the end of the connection.
    """

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        self.sock: socket.socket | None = None
        self.buffer = b""

    def request(self, method: str, path: str, body: bytes | None = None, headers=None):
        if self.sock is None:
            self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=10)
            self.buffer = b""
        lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{self.port}"]
        lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
        if self.cookies:
            lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        if body is not None:
            lines.append(f"Content-Length: {len(body)}")
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b""))
        head = self._read_until(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        status = int(status_line.split(" ", 2)[1])
        response_headers: dict[str, str] = {}
        for line in header_lines:
            name, _, value = line.partition(":")
            name, value = name.strip().lower(), value.strip()
            if name == "set-cookie":
                cookie, _, rest = value.partition("=")
                self.cookies[cookie] = rest.split(";", 1)[0]
            response_headers[name] = value
        if "content-length" in response_headers:
            data = self._read_exactly(int(response_headers["content-length"]))
        elif response_headers.get("transfer-encoding", "").lower() == "chunked":
            data = self._read_chunked()
        else:
            data = self._read_to_end()
        if response_headers.get("connection", "").lower() == "close" or self.sock is None:
            self.close()
        return status, data

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def _fill(self) -> bool:
        chunk = self.sock.recv(65536)
        self.buffer += chunk
        return bool(chunk)

    def _read_until(self, marker: bytes) -> bytes:
        while marker not in self.buffer:
            if not self._fill():
                raise ConnectionError("the server closed the connection mid-response")
        head, _, self.buffer = self.buffer.partition(marker)
        return head

    def _read_exactly(self, size: int) -> bytes:
        while len(self.buffer) < size:
            if not self._fill():
                raise ConnectionError("the server closed the connection mid-body")
        data, self.buffer = self.buffer[:size], self.buffer[size:]
        return data

    def _read_chunked(self) -> bytes:
        parts = []
        while True:
            size = int(self._read_until(b"\r\n").split(b";")[0], 16)
            if size == 0:
                self._read_until(b"\r\n")
                return b"".join(parts)
            parts.append(self._read_exactly(size))
            self._read_exactly(2)

    def _read_to_end(self) -> bytes:
        while self._fill():
            pass
        data, self.buffer = self.buffer, b""
        self.close()
        return data


def client_run(
    port, project_id, claims, username, target_id, seconds, queue, read, stop=None, autosave=None
):
    """Log in as ``username`` and save (or, with ``read``, read) the claims' annotations
    until ``seconds`` have passed or ``stop`` is set; put the results on ``queue``.
    ``autosave``, ({claim id: (start, end)}, registry speaker ids), sends the annotate
    page's draft autosave (``autosave_body``) instead of the submitted save."""
    client = Client(port)
    status, page = client.request("GET", "/login")
    token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page).group(1).decode()
    form = urlencode({"csrf_token": token, "username": username, "password": PASSWORD}).encode()
    status, _ = client.request(
        "POST", "/login", form, {"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert status == 302, f"login failed for {username}: {status}"
    _, data = client.request("GET", "/api/session")
    csrf = json.loads(data)["csrf_token"]
    headers = {"Content-Type": "application/json", "X-CSRFToken": csrf}
    versions: dict[int, int | None] = dict.fromkeys(claims)
    labels = ["verifiable", "opinion", "prediction"]
    latencies: list[float] = []
    samples: list[tuple[float, float, str]] = []  # (sent at, latency or -1, status)
    errors: dict[str, int] = {}
    accepted: dict[int, int] = {}
    began, cpu_began = time.perf_counter(), time.process_time()
    deadline = began + seconds
    i = 0
    while time.perf_counter() < deadline and i < MAX_REQUESTS_PER_CLIENT:
        if stop is not None and stop.is_set():
            break
        claim = claims[i % len(claims)]
        if autosave is not None:
            spans, speakers = autosave
            body = autosave_body(i, versions[claim], spans[claim], target_id, speakers)
        else:
            body = {
                "base_version": versions[claim],
                "verifiability": labels[i % 3],
                "attribution": "indirect",
                "note": f"save {i} by {username}",
                "stances": {str(target_id): "favor" if i % 2 else "neutral"},
            }
        url = f"/api/projects/{project_id}/claims/{claim}/annotation"
        started = time.perf_counter()
        try:
            if read:  # the floor: the same request path, reading instead of saving
                status, data = client.request("GET", url)
            else:
                status, data = client.request("POST", url, json.dumps(body).encode(), headers)
        except OSError as exc:
            errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
            samples.append((started, -1.0, type(exc).__name__))
            client.close()
            i += 1
            continue
        latencies.append(time.perf_counter() - started)
        samples.append((started, latencies[-1], str(status)))
        if status == 200 and read:
            accepted[claim] = accepted.get(claim, 0) + 1
        elif status == 200:
            versions[claim] = json.loads(data)["annotation"]["version"]
            accepted[claim] = accepted.get(claim, 0) + 1
        else:
            errors[str(status)] = errors.get(str(status), 0) + 1
        i += 1
    queue.put(
        {
            "username": username,
            "latencies": latencies,
            "samples": samples,
            "errors": errors,
            "accepted": accepted,
            "versions": versions,
            "began": began,
            "ended": time.perf_counter(),
            "cpu": time.process_time() - cpu_began,
        }
    )


WORDS = (
    "minister council government spokesman officials talks agreement budget report "
    "ministry defence border trade sanctions election court police hospital school "
    "company market prices workers union strike protest village city region province "
    "river bridge road railway airport harbour energy gas oil water drought harvest"
).split()
VERBS = "said announced denied confirmed warned promised expected reported claimed added".split()


def realistic_jsonl(path: Path, target_bytes: int = 9_800_000) -> int:
    """Write news-like articles (about 25 sentences, 3 kB each) as JSON Lines up to
    ``target_bytes``; return how many. Every text differs (numbered, seeded)."""
    import random

    rng = random.Random(9)
    count = 0
    size = 0
    with path.open("w", encoding="utf-8") as out:
        while True:
            sentences = []
            for _ in range(25):
                words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 16)))
                sentences.append(
                    f"The {rng.choice(WORDS)} {rng.choice(VERBS)} on Monday that the {words}."
                )
            paragraphs = [" ".join(sentences[i : i + 5]) for i in range(0, 25, 5)]
            line = json.dumps(
                {
                    "title": f"Article {count + 1}",
                    "outlet": "Load Test Wire",
                    "text": f"Story {count + 1}. " + "\n\n".join(paragraphs),
                }
            )
            if size + len(line) + 1 > target_bytes:
                return count
            out.write(line + "\n")
            size += len(line) + 1
            count += 1


def import_run(port: int, project_id: int, uploads: list[Path], queue) -> None:
    """Log in as the manager, upload each file in turn and follow the job to its end;
    put (name, bytes, started, ended, final state) per upload on ``queue``."""
    client = Client(port)
    _, page = client.request("GET", "/login")
    token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page).group(1).decode()
    form = urlencode({"csrf_token": token, "username": "manager", "password": PASSWORD})
    status, _ = client.request(
        "POST", "/login", form.encode(), {"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert status == 302, f"the manager's login failed: {status}"
    results = []
    for path in uploads:
        _, page = client.request("GET", f"/projects/{project_id}/import")
        token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page).group(1).decode()
        boundary = "loadtestboundary7f3a9"
        data = path.read_bytes()
        body = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
                f"{token}\r\n--{boundary}\r\n"
                f'Content-Disposition: form-data; name="files"; filename="{path.name}"\r\n'
                "Content-Type: application/octet-stream\r\n\r\n"
            ).encode()
            + data
            + f"\r\n--{boundary}--\r\n".encode()
        )
        started = time.perf_counter()
        status, page = client.request(
            "POST",
            f"/projects/{project_id}/import/upload",
            body,
            {"Content-Type": f"multipart/form-data; boundary={boundary}"},
        )
        found = re.search(rb"/imports/(\d+)", page)
        if status not in (200, 303, 400) or found is None:
            results.append((path.name, len(data), started, time.perf_counter(), {"status": status}))
            continue
        progress = f"/api/projects/{project_id}/imports/{found.group(1).decode()}"
        while True:
            _, answer = client.request("GET", progress)
            state = json.loads(answer)
            if state["status"] != "running":
                break
            time.sleep(0.2)
        results.append((path.name, len(data), started, time.perf_counter(), state))
    queue.put(results)


def window_stats(results: list[dict], began: float, ended: float) -> tuple[list[float], dict]:
    """The latencies and errors of the requests sent between ``began`` and ``ended``."""
    latencies, errors = [], {}
    for result in results:
        for sent, latency, status in result["samples"]:
            if not began <= sent <= ended:
                continue
            if status != "200":
                errors[status] = errors.get(status, 0) + 1
            if latency >= 0:
                latencies.append(latency)
    return sorted(latencies), errors


def cpu_times() -> tuple[int, int] | None:
    """Total and idle CPU time of the machine so far (Linux), in clock ticks."""
    try:
        with open("/proc/stat") as stat:
            fields = [int(x) for x in stat.readline().split()[1:]]
    except OSError:
        return None
    return sum(fields), fields[3] + fields[4]  # idle and iowait


def server_cpu(pid: int) -> float | None:
    """CPU seconds spent so far by process ``pid`` and its children (the gunicorn
    master and its workers; Linux), or None where /proc cannot tell."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    try:
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if entry.name == str(pid) or fields[1] == str(pid):
                total += int(fields[11]) + int(fields[12])
    except OSError:
        return None
    return total / tick


def wait_for(port: int, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start")


def verify(url: str, results: list[dict]) -> tuple[bool, str]:
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    problems = []
    with sessions() as session:
        for result in results:
            user_id = session.scalar(select(User.id).where(User.username == result["username"]))
            saves = session.scalar(
                select(func.count())
                .select_from(HistoryEntry)
                .where(HistoryEntry.entity == "annotation", HistoryEntry.user_id == user_id)
            )
            expected = sum(result["accepted"].values())
            if saves != expected:
                problems.append(f"{result['username']}: {expected} accepted, {saves} in history")
            for claim_id, version in result["versions"].items():
                if version is None:
                    continue
                stored = session.scalar(
                    select(Annotation.version).where(
                        Annotation.claim_id == claim_id, Annotation.user_id == user_id
                    )
                )
                if stored != version:
                    problems.append(
                        f"{result['username']} claim {claim_id}: last accepted version "
                        f"{version}, stored {stored}"
                    )
        claims = session.scalar(select(func.count()).select_from(Claim))
    engine.dispose()
    ok = not problems
    return ok, ("every accepted save is in the database" if ok else "; ".join(problems[:5])) + (
        f" ({claims} claims)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="default: SQLite in a temporary folder")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument(
        "--read",
        action="store_true",
        help="GET each annotation instead of saving it: what the request path costs alone",
    )
    parser.add_argument(
        "--autosave",
        action="store_true",
        help="send the annotate page's background draft save (issue 11) instead",
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--threads", type=int, default=2, help="threads per gthread worker")
    parser.add_argument(
        "--with-import",
        action="store_true",
        help="a manager imports issue 9's 8.8 MB line, then ~10 MB of articles, meanwhile",
    )
    parser.add_argument(
        "--worker-class",
        default="sync",
        help="gunicorn worker class: sync (as `workbench serve`) or gthread",
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'load.sqlite3'}"
        project_id, claims, names = prepare(url, args.clients)
        uploads: list[Path] = []
        if args.with_import:
            huge = Path(tmp) / "issue9-line.jsonl"
            huge.write_text(json.dumps({"text": "Ab. " * 2200000}) + "\n", encoding="utf-8")
            articles = Path(tmp) / "articles.jsonl"
            realistic_jsonl(articles)
            uploads = [huge, articles]
        engine = make_engine(url)
        page, target_id, speakers = page_claims(engine, project_id)
        engine.dispose()
        autosave = None
        if args.autosave:
            autosave = ({c[0]: (c[1], c[2]) for c in page}, speakers)
            claims = [c[0] for c in page]
        port = free_port()
        env = dict(
            os.environ,
            WORKBENCH_DATABASE_URL=url,
            WORKBENCH_INSTANCE_PATH=tmp,
            WORKBENCH_SECRET_KEY="load-test-secret",
        )
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--workers",
                str(args.workers),
                "--worker-class",
                args.worker_class,
                *(["--threads", str(args.threads)] if args.worker_class == "gthread" else []),
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
            stop = mp.Event()
            # With imports the clients save until the imports are over (and a second).
            seconds = args.seconds if not uploads else max(args.seconds, 1800)
            procs = [
                mp.Process(
                    target=client_run,
                    args=(
                        port,
                        project_id,
                        claims,
                        name,
                        target_id,
                        seconds,
                        queue,
                        args.read,
                        stop,
                        autosave,
                    ),
                )
                for name in names
            ]
            for p in procs:
                p.start()
            # How busy the whole machine is while the clients save (after their logins).
            time.sleep(min(2.0, args.seconds / 4))
            before = cpu_times()
            server_before, window_began = server_cpu(server.pid), time.perf_counter()
            imports = []
            if uploads:
                import_queue: mp.Queue = mp.Queue()
                importer = mp.Process(
                    target=import_run, args=(port, project_id, uploads, import_queue)
                )
                importer.start()
                imports = import_queue.get(timeout=seconds)
                importer.join(timeout=30)
                time.sleep(1.0)
                stop.set()
            else:
                time.sleep(args.seconds / 2)
            after = cpu_times()
            server_after, window_ended = server_cpu(server.pid), time.perf_counter()
            results = [queue.get(timeout=seconds + 120) for _ in procs]
            for p in procs:
                p.join(timeout=30)
            # The window in which the clients were saving (after their logins).
            elapsed = max(r["ended"] for r in results) - min(r["began"] for r in results)
        finally:
            server.terminate()
            server.wait(timeout=30)
        ok, message = (True, "nothing written (--read)") if args.read else verify(url, results)

    latencies = sorted(x for r in results for x in r["latencies"])
    accepted = sum(sum(r["accepted"].values()) for r in results)
    errors: dict[str, int] = {}
    for r in results:
        for k, v in r["errors"].items():
            errors[k] = errors.get(k, 0) + v
    backend = "postgresql" if url.startswith("postgresql") else "sqlite (WAL)"
    cpu = cpu_name()
    p95 = latencies[int(len(latencies) * 0.95) - 1] if latencies else float("nan")
    threads = f", {args.threads} threads" if args.worker_class == "gthread" else ""
    print(
        f"backend: {backend}; gunicorn workers: {args.workers} ({args.worker_class}{threads}); "
        f"clients: {args.clients}; {args.seconds:g} s"
        + ("; the annotate page's autosave (draft)" if args.autosave else "")
    )
    print(f"machine: {os.cpu_count()} cores, {cpu}; Python {platform.python_version()}")
    what = "reads answered" if args.read else "saves accepted"
    unit = "reads/s" if args.read else "saves/s"
    print(f"{what}: {accepted} in {elapsed:.1f} s = {accepted / elapsed:.0f} {unit}")
    print(
        f"latency: median {statistics.median(latencies) * 1000:.1f} ms, "
        f"p95 {p95 * 1000:.1f} ms, max {latencies[-1] * 1000:.1f} ms"
    )
    cpu_per_request = sum(r["cpu"] for r in results) / max(len(latencies), 1)
    print(f"clients' own CPU: {cpu_per_request * 1000:.2f} ms per request")
    in_window = len(window_stats(results, window_began, window_ended)[0])
    if server_before is not None and server_after is not None and in_window:
        server_per_request = (server_after - server_before) / in_window
        print(
            f"server's CPU (gunicorn master and workers): {server_per_request * 1000:.2f} ms "
            "per request (sampled while the clients worked)"
        )
    if before and after:
        total, idle = after[0] - before[0], after[1] - before[1]
        print(
            f"machine busy: {1 - idle / total:.0%} of {os.cpu_count()} cores "
            "(everything running, sampled while the clients worked)"
        )
    print(f"errors: {errors or 'none'}")
    during_errors: dict = {}
    for name, size, began, ended, state in imports:
        during, during_errors_one = window_stats(results, began, ended)
        for k, v in during_errors_one.items():
            during_errors[k] = during_errors.get(k, 0) + v
        outcome = ", ".join(
            f"{state.get(k, 0):,} {k}" for k in ("imported", "duplicates", "rejected")
        )
        error = f": {state['error']}" if state.get("error") else ""
        print(
            f"import {name} ({size / 1e6:.1f} MB): {state.get('status')} in "
            f"{ended - began:.1f} s ({outcome}){error}"
        )
        if during:
            p95_during = during[max(int(len(during) * 0.95) - 1, 0)]
            median_during = statistics.median(during)
            print(
                f"  saves meanwhile: {len(during)}, median {median_during * 1000:.1f} ms, "
                f"p95 {p95_during * 1000:.1f} ms, max {during[-1] * 1000:.1f} ms; "
                f"errors: {during_errors_one or 'none'}"
            )
        else:
            print("  saves meanwhile: none (the import was over before a save was sent)")
    print(f"check: {message}")
    failed_import = any(state.get("status") != "done" for *_, state in imports)
    if not ok or errors or during_errors or failed_import:
        sys.exit(1)


if __name__ == "__main__":
    main()
