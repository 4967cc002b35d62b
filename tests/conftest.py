"""Shared fixtures: a migrated database (SQLite by default, PostgreSQL when
WORKBENCH_TEST_DATABASE_URL names one), sessions, the app, a client with CSRF
tokens, and small factories."""

from __future__ import annotations

import os
import re
import shutil

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from workbench import create_app
from workbench.db import make_engine, make_session_factory
from workbench.models import Base
from workbench.ops.projects import create_project, set_member
from workbench.ops.users import create_user
from workbench.schema import upgrade

PASSWORD = "correct horse battery"
TEST_URL = os.environ.get("WORKBENCH_TEST_DATABASE_URL", "")


def is_postgres(url: str) -> bool:
    return make_url(url).get_backend_name() == "postgresql"


@pytest.fixture(autouse=True)
def _push_request_context():
    """Replace pytest-flask's autouse request context: tests push contexts themselves,
    so requests do not share ``g`` (and with it the user and the CSRF token)."""
    yield


@pytest.fixture
def client(app):
    """A plain test client (pytest-flask's keeps its last request context open, so two
    clients in one test would share ``g`` and the CSRF token)."""
    return app.test_client()


@pytest.fixture(scope="session")
def _template_database(tmp_path_factory):
    """Migrate one database per test session; tests get a copy or a truncated one."""
    if TEST_URL and is_postgres(TEST_URL):
        engine = make_engine(TEST_URL)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        upgrade(engine)
        yield ("postgresql", TEST_URL, engine)
        engine.dispose()
        return
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    yield ("sqlite", str(path), None)


@pytest.fixture
def database_url(_template_database, tmp_path):
    kind, where, engine = _template_database
    if kind == "postgresql":
        tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
        with engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        return where
    copy = tmp_path / "test.sqlite3"
    shutil.copyfile(where, copy)
    return f"sqlite:///{copy}"


@pytest.fixture
def engine(database_url):
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session_factory(engine):
    return make_session_factory(engine)


@pytest.fixture
def session(session_factory):
    session = session_factory()
    yield session
    session.rollback()
    session.close()


@pytest.fixture
def app(database_url, tmp_path):
    app = create_app(
        {
            "DATABASE_URL": database_url,
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "SECRET_KEY": "test-secret",
            "TESTING": True,
            # Imports run in a thread; a request waits this long for its report (the
            # tests of the progress page set 0), so a slow machine never gets a 303.
            "IMPORT_WAIT_SECONDS": 120,
        }
    )
    yield app
    app.extensions["workbench.engine"].dispose()


@pytest.fixture
def db(app):
    """A session on the app's database, for arranging data and checking results."""
    session = app.extensions["workbench.sessions"]()
    yield session
    session.close()


def make_user(session, username="ann", *, is_admin=False, password=PASSWORD):
    return create_user(session, username, password, is_admin=is_admin)


def make_project(session, name="Project", *, targets=("Target A",), manager=None, annotators=()):
    project = create_project(session, name, targets=list(targets), creator=manager)
    for user in annotators:
        set_member(session, project, user, "annotator")
    session.flush()
    return project


_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class Web:
    """A test client that logs in and adds a CSRF token to every form it posts."""

    def __init__(self, client):
        self.client = client
        self.token = None

    def get(self, url, **kwargs):
        return self.client.get(url, **kwargs)

    def refresh_token(self, url="/login"):
        page = self.client.get(url, follow_redirects=True).get_data(as_text=True)
        match = _TOKEN.search(page)
        assert match, f"no CSRF token on {url}"
        self.token = match.group(1)
        return self.token

    def post(self, url, data=None, *, csrf=True, **kwargs):
        data = dict(data or {})
        if csrf:
            data.setdefault("csrf_token", self.token or self.refresh_token())
        return self.client.post(url, data=data, **kwargs)

    def login(self, username, password=PASSWORD):
        self.refresh_token("/login")
        response = self.post("/login", {"username": username, "password": password})
        self.token = None
        return response


@pytest.fixture
def web(client):
    return Web(client)


@pytest.fixture
def team(db):
    """An admin, a manager, an annotator and a stranger, and one project."""
    admin = make_user(db, "root", is_admin=True)
    manager = make_user(db, "mona")
    annotator = make_user(db, "ann")
    stranger = make_user(db, "stan")
    project = make_project(
        db, "Talks", targets=("Cooperation",), manager=manager, annotators=[annotator]
    )
    db.commit()
    return {
        "admin": admin,
        "manager": manager,
        "annotator": annotator,
        "stranger": stranger,
        "project": project,
    }
