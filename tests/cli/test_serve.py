"""`workbench serve`, as the quick start runs it: a new database gets the schema, an
admin with a printed password and the demo project, and gunicorn answers."""

from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from workbench.ops.demo import DEMO_NAME


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving(database_url: str, instance: Path, workers: int, env: dict | None = None):
    """Run `workbench serve` until its login page answers; yield the port, the process
    and the output so far (a list the server keeps appending to); stop it after.
    ``env`` adds to the environment (a value of None removes the variable)."""
    port = _free_port()
    env = {
        **os.environ,
        "WORKBENCH_INSTANCE_PATH": str(instance),
        "WORKBENCH_DATABASE_URL": database_url,
        **(env or {}),
    }
    env = {name: value for name, value in env.items() if value is not None}
    env.pop("WORKBENCH_SECRET_KEY", None)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "workbench",
            "serve",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output: list[str] = []
    reader = threading.Thread(target=lambda: output.extend(process.stdout), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2):
                    break
            except OSError:
                time.sleep(0.2)
        while time.monotonic() < deadline and not any("Booting worker" in x for x in output):
            time.sleep(0.05)  # what the server printed so far has reached ``output``
        yield port, process, output
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
        reader.join(timeout=10)
        process.stdout.close()


@pytest.fixture
def server(tmp_path):
    with serving(f"sqlite:///{tmp_path / 'serve.sqlite3'}", tmp_path / "instance", 1) as (
        port,
        _,
        output,
    ):
        yield port, "".join(output)


def test_serve_sets_up_a_new_database_and_answers(server):
    port, output = server
    password = re.search(r"Log in as admin with the password (\S+)", output)
    assert password, output
    assert re.search(r"Using worker: sync", output), output
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    base = f"http://127.0.0.1:{port}"
    with opener.open(f"{base}/login", timeout=10) as response:
        page = response.read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode(
        {"csrf_token": token, "username": "admin", "password": password.group(1)}
    ).encode()
    with opener.open(f"{base}/login", data=form, timeout=10) as response:
        home = response.read().decode()  # the project list, after the redirect
    assert DEMO_NAME in home


def test_the_workers_of_serve_never_share_a_database_connection(database_url, tmp_path):
    """`workbench serve` makes the app (and checks the schema) before gunicorn forks
    its workers: no connection may be inherited by two of them. Four clients
    browse at once through two workers on the test database; every answer is 200."""
    with serving(database_url, tmp_path / "instance", 2) as (port, process, output):
        base = f"http://127.0.0.1:{port}"
        password = re.search(r"Log in as admin with the password (\S+)", "".join(output))
        assert password, "".join(output)
        # What the workers were forked from holds no connection they could inherit.
        assert _database_handles(process.pid, database_url) == []
        statuses: list[int] = []

        def browse():
            jar = http.cookiejar.CookieJar()
            opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
            with opener.open(f"{base}/login", timeout=30) as response:
                token = re.search(
                    r'name="csrf_token"[^>]*value="([^"]+)"', response.read().decode()
                ).group(1)
            form = {"csrf_token": token, "username": "admin", "password": password.group(1)}
            with opener.open(
                f"{base}/login", data=urllib.parse.urlencode(form).encode(), timeout=30
            ) as response:
                home = response.read().decode()
            project = re.search(r'href="(/projects/\d+)"', home).group(1)
            for _ in range(40):
                for path in ("/", project, f"{project}/speakers"):
                    try:
                        with opener.open(base + path, timeout=30) as response:
                            response.read()
                            statuses.append(response.status)
                    except urllib.error.HTTPError as error:
                        statuses.append(error.code)

        clients = [threading.Thread(target=browse) for _ in range(4)]
        for client in clients:
            client.start()
        for client in clients:
            client.join(timeout=120)
        assert statuses and set(statuses) == {200}, sorted(set(statuses))
    log = "".join(output)
    assert "Traceback" not in log and "SIGSEGV" not in log, log[-3000:]


def test_two_instances_of_serve_share_no_control_socket(tmp_path):
    """gunicorn (25.1 and later) opens a control socket at one path per user,
    $XDG_RUNTIME_DIR/gunicorn.ctl or ~/.gunicorn/gunicorn.ctl, which a second
    instance on the machine would take over: serve turns it off. Two instances run at
    once, with a home folder of their own: both answer, nothing is made in that home
    folder, and no Unix socket is open under the test's folders."""
    home = tmp_path / "home"
    home.mkdir()
    env = {"HOME": str(home), "XDG_RUNTIME_DIR": None}
    with (
        serving(f"sqlite:///{tmp_path / 'a.sqlite3'}", tmp_path / "a", 1, env) as first,
        serving(f"sqlite:///{tmp_path / 'b.sqlite3'}", tmp_path / "b", 1, env) as second,
    ):
        for port, process, _ in (first, second):
            assert process.poll() is None
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=10) as page:
                assert page.status == 200
        assert sorted(p.name for p in home.rglob("*")) == []
        unix = Path("/proc/net/unix")  # every Unix socket of the machine, with its path
        if unix.exists():
            assert not [x for x in unix.read_text().splitlines() if str(tmp_path) in x]
    log = "".join(first[2] + second[2])
    assert "control socket" not in log.lower(), log


def _database_handles(pid: int, database_url: str) -> list[str]:
    """The open file descriptors of ``pid`` that reach the database: the SQLite file
    (or its WAL), or a TCP socket to PostgreSQL's port (Linux /proc)."""
    fds = Path(f"/proc/{pid}/fd")
    if not fds.is_dir():
        pytest.skip("needs Linux /proc to list a process's open files")
    url = make_url(database_url)
    targets = [os.fspath(url.database or "")] if url.get_backend_name() == "sqlite" else []
    sockets = set()
    if not targets:
        port = f"{url.port or 5432:04X}"
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                if fields[2].endswith(":" + port):  # remote address:port
                    sockets.add(f"socket:[{fields[9]}]")
    found = []
    for fd in fds.iterdir():
        try:
            link = os.readlink(fd)
        except OSError:
            continue
        if link in sockets or any(t and link.startswith(t) for t in targets):
            found.append(link)
    return found
