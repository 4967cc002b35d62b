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
import time
import urllib.parse
import urllib.request

import pytest

from workbench.ops.demo import DEMO_NAME


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(tmp_path):
    port = _free_port()
    env = {
        **os.environ,
        "WORKBENCH_INSTANCE_PATH": str(tmp_path / "instance"),
        "WORKBENCH_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.sqlite3'}",
    }
    env.pop("WORKBENCH_SECRET_KEY", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "workbench", "serve", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines = []
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            lines.append(line)
            if "Booting worker" in line:
                break
        for _ in range(100):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                time.sleep(0.1)
        yield port, "".join(lines)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
        process.stdout.close()


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
