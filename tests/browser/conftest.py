"""Browser fixtures: the app served on loopback from a background thread, Debian's
Chromium driven by Playwright (sync API), and the demo project to click through.

Teardown runs in the reverse order of the fixture graph: a test's browser contexts
close first, then the browser (so no connection to the server stays open), then the
server (shut down, its socket closed and its request threads joined), and last the
app's engine (the ``app`` fixture in tests/conftest.py).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import pytest
from flask import got_request_exception
from sqlalchemy import select
from werkzeug.serving import WSGIRequestHandler, make_server

from tests.conftest import make_user
from workbench.models import Article, Project, User
from workbench.ops.claims import active_claims
from workbench.ops.demo import seed_demo

from .pages import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS


class _QuietHandler(WSGIRequestHandler):
    """Werkzeug's request handler without the access log."""

    def log_request(self, code="-", size="-"):
        pass


@dataclass
class LiveServer:
    url: str
    problems: list = field(default_factory=list)


@pytest.fixture
def server(app):
    """Serve ``app`` on 127.0.0.1 (a free port) from a thread; yield a LiveServer.

    An exception escaping a view, a JavaScript error or a console error in a page
    (see ``new_page``) fails the test at teardown, so a server-side 500 or a script
    refused by the CSP is never mistaken for a slow page.
    """
    live = None

    def record(sender, exception, **extra):
        live.problems.append(exception)

    httpd = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    # Track request threads (werkzeug makes them daemons) so server_close() joins them.
    httpd.daemon_threads = False
    live = LiveServer(f"http://127.0.0.1:{httpd.server_port}")
    got_request_exception.connect(record, app)
    thread = threading.Thread(target=httpd.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield live
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)
        got_request_exception.disconnect(record, app)
    assert not thread.is_alive(), "the live server did not stop"
    assert not live.problems, f"problems while the test ran: {live.problems!r}"


@pytest.fixture(scope="module")
def playwright():
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as p:
        yield p


@pytest.fixture
def browser(playwright, server):
    """A fresh Chromium for each test; closing it closes every connection to the server."""
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def new_page(browser, server):
    """Return ``new_page(javascript=True)``: a page in a new context (its own cookies)."""

    def watch(message):
        # The browser logs every 4xx/5xx response; the tests check statuses themselves.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            server.problems.append(f"console: {message.text}")

    def open_page(*, javascript: bool = True):
        context = browser.new_context(
            base_url=server.url,
            java_script_enabled=javascript,
            viewport={"width": 1280, "height": 900},
        )
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        page.on("pageerror", lambda error: server.problems.append(f"pageerror: {error}"))
        page.on("console", watch)
        return page

    yield open_page
    for context in browser.contexts:
        context.close()


@dataclass
class Demo:
    user: User
    project: Project
    article: Article
    claim_ids: list[int]

    @property
    def annotate_path(self) -> str:
        return f"/projects/{self.project.id}/articles/{self.article.id}/annotate"

    def claim_path(self, claim_id: int) -> str:
        return f"{self.annotate_path}?claim={claim_id}"


@pytest.fixture
def demo(db):
    """An admin, "admin", who manages the demo project: its article and claim ids in order."""
    user = make_user(db, "admin", is_admin=True)
    project, _ = seed_demo(db, manager=user)
    db.commit()
    article = db.scalars(select(Article).where(Article.project_id == project.id)).one()
    claim_ids = [c.id for c in active_claims(db, article)]
    assert len(claim_ids) >= 6, "the tests walk the demo article's first six claims"
    return Demo(user, project, article, claim_ids)
