"""Fixtures for the operation tests (the shared ones live in tests/conftest.py)."""

from __future__ import annotations

import threading
import time

import pytest
from werkzeug.security import generate_password_hash

import workbench.ops.users as users_ops
from workbench.db import make_engine, make_session_factory
from workbench.errors import WorkbenchError


@pytest.fixture
def fast_passwords(monkeypatch):
    """Hash passwords with a cheap method: a test that makes three users need not
    spend a second in scrypt. Modules opt in with ``pytest.mark.usefixtures``."""

    def cheap(password: str) -> str:
        return generate_password_hash(password, method="pbkdf2:sha256:1000")

    monkeypatch.setattr(users_ops, "generate_password_hash", cheap)


def while_open(database_url, first, second):
    """Run ``first`` in a transaction and, while it is still open, ``second`` in
    another (in a thread, which must then wait); commit the first; return what
    the second returned or raised."""
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    outcome = {}
    try:
        with sessions() as a:
            first(a)
            a.flush()

            def run():
                with sessions() as b:
                    try:
                        outcome["result"] = second(b)
                        b.commit()
                    except WorkbenchError as exc:
                        b.rollback()
                        outcome["result"] = exc
                    except Exception as exc:  # a server error: the test reports it
                        b.rollback()
                        outcome["result"] = exc

            thread = threading.Thread(target=run)
            thread.start()
            time.sleep(0.5)
            assert thread.is_alive(), f"the second transaction did not wait: {outcome}"
            a.commit()
            thread.join(timeout=30)
    finally:
        engine.dispose()
    return outcome.get("result")
