"""A pooled PostgreSQL connection that the server closed while it sat idle (a
restart, a firewall) is replaced before a request uses it; one in steady use
is not tested first (that would cost every request a round trip)."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from workbench import db as workbench_db
from workbench.db import make_engine


@pytest.fixture
def pg_engine(database_url):
    engine = make_engine(database_url, pool_size=1, max_overflow=0)
    if engine.dialect.name != "postgresql":
        engine.dispose()
        pytest.skip("SQLite has no server connection to lose")
    yield engine
    engine.dispose()


def _backend_pid(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(text("SELECT pg_backend_pid()")).scalar_one()


def _terminate(database_url, pid: int) -> None:
    other = make_engine(database_url)
    try:
        with other.connect() as connection:
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    finally:
        other.dispose()


def test_an_idle_connection_the_server_closed_is_replaced(pg_engine, database_url, monkeypatch):
    first = _backend_pid(pg_engine)
    _terminate(database_url, first)
    monkeypatch.setattr(workbench_db, "IDLE_PING_SECONDS", 0.0)
    assert _backend_pid(pg_engine) != first  # no error: a new connection served it


def test_a_connection_used_a_moment_ago_is_not_tested_first(pg_engine, database_url):
    # The price of not testing every checkout: after a server restart under load,
    # the first request on each pooled connection fails; the pool then starts anew.
    first = _backend_pid(pg_engine)
    _terminate(database_url, first)
    with pytest.raises(DBAPIError) as caught:
        _backend_pid(pg_engine)
    assert caught.value.connection_invalidated
    assert _backend_pid(pg_engine) != first
