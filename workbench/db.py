"""The engine and session factory, made from a database URL.

The web app, the CLI, the benchmarks and a notebook all use these; nothing
here knows about Flask.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError, IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from workbench.errors import Conflict

WRITE_OPTION = "workbench_write"
# The largest value of an Integer column (ids, versions, offsets): 32 bits on
# PostgreSQL, where a larger parameter is an error, not a row that is not there.
MAX_INT = 2**31 - 1
SQLITE_BUSY_TIMEOUT = 30.0


def stored_int(text: str) -> int | None:
    """Return ``text``, the digits 0-9 only, as an int an Integer column can hold (0 to
    ``MAX_INT``); None for anything else (a sign, spaces, other digits, a larger number).
    The one reading of an id or number typed or sent as text."""
    if not (text.isascii() and text.isdigit()) or len(text.lstrip("0")) > len(str(MAX_INT)):
        return None
    number = int(text)
    return number if number <= MAX_INT else None


def make_engine(url: str, **kwargs) -> Engine:
    """Return an engine for ``url``; SQLite gets WAL, foreign keys and a busy timeout."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        kwargs.setdefault("connect_args", {}).setdefault("timeout", SQLITE_BUSY_TIMEOUT)
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
        return engine
    engine = create_engine(url, **kwargs)
    if not kwargs.get("pool_pre_ping"):
        event.listen(engine.pool, "checkin", _stamp_checkin)
        event.listen(engine.pool, "checkout", _ping_if_idle)
    return engine


# A pooled connection that has been idle this long is tested before use.
IDLE_PING_SECONDS = 10.0


def _stamp_checkin(_dbapi_connection, record) -> None:
    if record is not None:
        record.info["idle_since"] = time.monotonic()


def _ping_if_idle(dbapi_connection, record, _proxy) -> None:
    # SQLAlchemy's pool_pre_ping tests every connection at every checkout: one
    # more round trip to the server per request, a tenth of a busy save's time.
    # A connection in use a moment ago is alive; one that sat idle (the server
    # may have restarted, or a firewall dropped it) is tested, and replaced when
    # dead (the pool retries when a checkout raises DisconnectionError). A
    # server restart under load can still fail the one request per worker that
    # meets a dead connection; that error invalidates the whole pool.
    idle_since = record.info.get("idle_since")
    if idle_since is None or time.monotonic() - idle_since < IDLE_PING_SECONDS:
        return
    try:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("SELECT 1")
        finally:
            cursor.close()
        dbapi_connection.rollback()
    except Exception as exc:
        raise DisconnectionError("the idle connection was dead") from exc


def _sqlite_on_connect(dbapi_connection, _record) -> None:
    # pysqlite's own transaction handling defers BEGIN until the first write, which
    # lets two writers both read old data; we issue BEGIN ourselves (see _sqlite_on_begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_on_begin(connection) -> None:
    # A transaction that will write takes the write lock at once (IMMEDIATE): in WAL
    # mode a deferred transaction that read first and then writes fails with
    # "database is locked" when another writer committed in between, whatever the
    # busy timeout. Reads stay deferred, so a long export never blocks writers.
    # Straight to the driver: this runs for every request, and SQLAlchemy's
    # statement machinery would cost more than the BEGIN itself.
    dbapi_connection = connection.connection.dbapi_connection
    if connection.get_execution_options().get(WRITE_OPTION):
        _begin_immediate(dbapi_connection)
    else:
        dbapi_connection.execute("BEGIN")


def _begin_immediate(dbapi_connection) -> None:
    # SQLite's own busy handler sleeps 1, 2, 5, 10... ms between tries, so a writer
    # waiting for a lock held for 2 ms sleeps far longer than it must. We wait in
    # short steps instead (up to the same overall timeout).
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA busy_timeout = 0")
        deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT
        delay = 0.0001
        while True:
            try:
                cursor.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(delay)
                delay = min(delay * 2, 0.002)
    finally:
        cursor.execute(f"PRAGMA busy_timeout = {int(SQLITE_BUSY_TIMEOUT * 1000)}")
        cursor.close()


def is_lock_timeout(exc: BaseException) -> bool:
    """Whether ``exc`` (a DBAPI error, or SQLAlchemy's wrapper of one) is SQLite's
    "database is locked": the busy timeout ran out while another connection held
    the write lock. The request can be tried again later."""
    orig = getattr(exc, "orig", exc)
    return isinstance(orig, sqlite3.OperationalError) and (
        "database is locked" in str(orig) or "database is busy" in str(orig)
    )


def begin_write(session: Session) -> None:
    """Mark the session's next transaction as one that writes.

    Call it before the transaction's first statement. On SQLite it begins with
    BEGIN IMMEDIATE (see above); on PostgreSQL it changes nothing.
    """
    session.connection(execution_options={WRITE_OPTION: True})


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Return a session factory bound to ``engine``; objects stay usable after commit.

    Its sessions share one dict, ``session.info["cache"]``, for data that
    operations may keep between requests (see ops.codebook); it lives as long
    as the factory, that is, as the app or the command, and serves one database.
    """
    return sessionmaker(bind=engine, expire_on_commit=False, info={"cache": {}})


def lock_for_update(session: Session, statement) -> list:
    """Run ``statement``, a select of mapped objects, with FOR UPDATE; return them.

    The objects the session held are refreshed from the rows as they are once
    locked (a transaction on PostgreSQL may have read them before another
    committed a change). Operations that change what a save checks again when
    it writes (claims, codebooks, speakers) lock it this way first, see
    ops.annotations. SQLite writes one transaction at a time; there the lock
    clause is left out.
    """
    return session.scalars(
        statement.with_for_update().execution_options(populate_existing=True)
    ).all()


@contextmanager
def unique_or_conflict(session: Session, message: str, *, field: str | None = None) -> Iterator:
    """Run the block (which should end with a flush) in a savepoint, and turn a
    unique-constraint violation into Conflict(message).

    The operations check a name before they insert it, and on SQLite, where
    one transaction writes at a time, that check is enough. On PostgreSQL two
    transactions can both pass it; the second insert then fails on the unique
    constraint, and the user is told, as for a name taken earlier, instead of
    getting a server error. The transaction stays usable.
    """
    try:
        with session.begin_nested():
            yield
    except IntegrityError as exc:
        if not is_unique_violation(exc):
            raise
        raise Conflict(message, field=field) from exc


# SQLITE_CONSTRAINT_PRIMARYKEY and SQLITE_CONSTRAINT_UNIQUE; PostgreSQL's unique_violation
_SQLITE_UNIQUE = (1555, 2067)
_PG_UNIQUE = "23505"


def is_unique_violation(exc: IntegrityError) -> bool:
    """Whether the error is a unique (or primary key) constraint violation,
    told by the driver's error code, not by the wording of the message."""
    orig = exc.orig
    if getattr(orig, "sqlstate", None) == _PG_UNIQUE:
        return True
    return getattr(orig, "sqlite_errorcode", None) in _SQLITE_UNIQUE


def begin_snapshot(session: Session) -> None:
    """Make the session's transaction read one consistent snapshot of the database
    (for dumps and exports, which read in several queries).

    On PostgreSQL the transaction begins REPEATABLE READ READ ONLY: every query
    sees the database as the first one did, whatever others commit meanwhile
    (in READ COMMITTED, an annotation committed mid-dump with a new speaker
    would be dumped without it). Call it before the session's transaction has
    begun, or in one begun so already; the caller ends the transaction. On
    SQLite every transaction reads one snapshot (WAL), and this does nothing.
    Raises RuntimeError in a READ COMMITTED transaction already begun.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    if not session.in_transaction():
        session.connection(
            execution_options={"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}
        )
        return
    if session.connection().get_isolation_level() not in ("REPEATABLE READ", "SERIALIZABLE"):
        raise RuntimeError(
            "A dump or export reads one snapshot: call it on a session with no transaction begun "
            "(or after begin_snapshot), not inside a READ COMMITTED transaction."
        )
