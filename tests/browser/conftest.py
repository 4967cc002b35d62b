"""Browser fixtures: the app served on loopback from a background thread, Debian's
Chromium driven by Playwright (sync API), and the demo project to click through.

Teardown order matters and follows from the fixture graph: a test's browser contexts
close first (so no connection is left open), then the browser, then the server (its
request threads are joined), and last the app's engine (the ``app`` fixture).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import got_request_exception
from sqlalchemy import select
from werkzeug.serving import WSGIRequestHandler, make_server

from tests.conftest import PASSWORD, make_user
from workbench.models import Article
from workbench.ops.claims import active_claims
from workbench.ops.demo import seed_demo

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
TIMEOUT_MS = 10_000


class _QuietHandler(WSGIRequestHandler):
    """Werkzeug's handler without the access log (failures are reported by the fixture)."""

    def log_request(self, code="-", size="-"):
        pass


@dataclass
class LiveServer:
    url: str
    errors: list[BaseException]

    def __call__(self, path: str = "/") -> str:
        return self.url + path


@pytest.fixture
def server(app):
    """Serve ``app`` on 127.0.0.1 (a free port) in a thread; yield a LiveServer.

    Any exception that escapes a view fails the test at teardown, so a server-side
    500 is never mistaken for a flaky browser.
    """
    errors: list[BaseException] = []

    def record(sender, exception, **extra):
        errors.append(exception)

    got_request_exception.connect(record, app)
    httpd = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    # Track request threads so that server_close() joins them: nothing outlives the test.
    httpd.daemon_threads = False
    thread = threading.Thread(target=httpd.serve_forever, name="workbench-live", daemon=True)
    thread.start()
    live = LiveServer(f"http://127.0.0.1:{httpd.server_port}", errors)
    try:
        yield live
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)
        got_request_exception.disconnect(record, app)
    assert not thread.is_alive(), "the live server thread did not stop"
    assert not errors, f"the server raised: {errors!r}"


@pytest.fixture(scope="module")
def playwright_instance():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture
def browser(playwright_instance, server):
    """A fresh Chromium per test; closing it drops every connection to the server."""
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT_MS)
    browser = playwright_instance.chromium.launch(
        executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


@pytest.fixture
def new_page(browser, server):
    """Return a factory: ``new_page(javascript=True)`` opens a page in a new context."""
    contexts = []

    def open_page(*, javascript: bool = True, width: int = 1280, height: int = 900):
        context = browser.new_context(
            base_url=server.url,
            java_script_enabled=javascript,
            viewport={"width": width, "height": height},
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: server.errors.append(exc))
        return page

    yield open_page
    for context in contexts:
        context.close()


@dataclass
class Demo:
    user: object
    project: object
    article: Article
    claim_ids: list[int]

    @property
    def annotate_path(self) -> str:
        return f"/projects/{self.project.id}/articles/{self.article.id}/annotate"

    def claim_path(self, claim_id: int) -> str:
        return f"{self.annotate_path}?claim={claim_id}"


@pytest.fixture
def demo(db):
    """An admin ("admin") who manages the demo project; its one article and claim ids."""
    user = make_user(db, "admin", is_admin=True)
    project, _ = seed_demo(db, manager=user)
    db.commit()
    article = db.scalars(select(Article).where(Article.project_id == project.id)).one()
    claim_ids = [c.id for c in active_claims(db, article)]
    assert len(claim_ids) >= 4, "the demo article should have a few claims"
    return Demo(user, project, article, claim_ids)


def log_in(page, username: str = "admin", password: str = PASSWORD) -> None:
    """Log in through the login form and wait for the projects page."""
    page.goto("/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/projects")


logging.getLogger("werkzeug").setLevel(logging.WARNING)
