"""Web test fixtures: cheap password hashes, so that logging in is not the slowest step.

Accounts are made with scrypt (werkzeug's default), which takes a fifth of a
second a hash: every ``team`` costs four of them and every login one more. The
web tests are about routes, not about the hash, so here accounts get a cheap
PBKDF2 hash instead; ``check_password_hash`` reads the method from the hash, so
logging in works unchanged. A test marked ``real_password_hashing`` keeps scrypt.
"""

from __future__ import annotations

import functools

import pytest
from werkzeug.security import generate_password_hash

import workbench.ops.users
from tests.conftest import Web
from workbench import create_app


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "real_password_hashing: create accounts with the production password hash"
    )


@pytest.fixture(autouse=True)
def _cheap_password_hashes(request, monkeypatch):
    if request.node.get_closest_marker("real_password_hashing") is None:
        monkeypatch.setattr(
            workbench.ops.users,
            "generate_password_hash",
            functools.partial(generate_password_hash, method="pbkdf2:sha256:1000"),
        )


@pytest.fixture
def make_app(database_url, tmp_path):
    """Build an app on the test database with extra settings; engines are disposed after."""
    apps = []

    def build(**settings):
        app = create_app(
            {
                "DATABASE_URL": database_url,
                "INSTANCE_PATH": str(tmp_path / f"instance{len(apps)}"),
                "SECRET_KEY": "test-secret",
                "TESTING": True,
                "IMPORT_WAIT_SECONDS": 120,  # see the app fixture in tests/conftest.py
                **settings,
            }
        )
        apps.append(app)
        return app

    yield build
    for app in apps:
        app.extensions["workbench.engine"].dispose()


@pytest.fixture
def new_web(app):
    """Return a factory of logged-out clients (Web wrappers) on ``app``.

    Tests with two users at once use this instead of ``web``: pytest-flask's
    ``client`` fixture keeps the context of its last request pushed, so another
    client's requests would share its ``g`` (and with it the cached CSRF token).
    """
    return lambda: Web(app.test_client())
