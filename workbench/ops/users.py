"""Accounts: create, authenticate (with throttling), change passwords."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.util import identity_key
from werkzeug.security import check_password_hash, generate_password_hash

from workbench.db import unique_or_conflict
from workbench.errors import Conflict, InvalidInput, PermissionDenied
from workbench.models import LoginFailure, User

USERNAME_RE = re.compile(r"^[A-Za-z0-9_.@-]{1,80}$")
MIN_PASSWORD = 8
# werkzeug's default is scrypt: a slow, memory-hard hash.


_USER_BY_ID = select(User.__table__).where(User.__table__.c.id == bindparam("user_id"))


def get_user(session: Session, user_id: int) -> User | None:
    """Return the user with this id, or None; the cheap way, for every request.

    Reads the row with one Core statement and attaches it to the session as a
    persistent, unchanged ``User`` (SQLAlchemy's make_transient_to_detached
    recipe), skipping the ORM's loading machinery, which costs a request that
    only saves an annotation several times more than its own query.
    """
    existing = session.identity_map.get(identity_key(User, user_id))
    if existing is not None:
        return existing
    row = session.connection().execute(_USER_BY_ID, {"user_id": user_id}).first()
    if row is None:
        return None
    user = User(**row._mapping)
    make_transient_to_detached(user)
    session.add(user)
    return user


@cache
def _dummy_hash() -> str:
    # Made on first use, not at import: scrypt costs every process 0.1 s and 32 MB.
    return generate_password_hash("not-a-password")


def generate_password() -> str:
    """Return a random password that is easy to type (about 80 bits)."""
    return secrets.token_urlsafe(10)


def create_user(session: Session, username: str, password: str, *, is_admin: bool = False) -> User:
    """Create and return a user. Raises InvalidInput or Conflict (name taken)."""
    username = username.strip()
    check_username(username)
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(
            f"A password needs at least {MIN_PASSWORD} characters.", field="password"
        )
    check_username_free(session, username)
    user = User(
        username=username, password_hash=generate_password_hash(password), is_admin=is_admin
    )
    with unique_or_conflict(session, f"The username {username!r} is taken.", field="username"):
        session.add(user)
        session.flush()
    return user


def check_username(username: str) -> None:
    """Raise InvalidInput unless ``username`` is 1 to 80 letters, digits or . _ @ -
    (no spaces, markup or formula characters)."""
    if not USERNAME_RE.match(username):
        raise InvalidInput(
            "A username is 1 to 80 letters, digits or . _ @ - (no spaces).", field="username"
        )


def check_username_free(session: Session, username: str) -> None:
    """Raise Conflict when a user has ``username`` in any case."""
    taken = session.scalar(
        select(User.username).where(func.lower(User.username) == username.lower())
    )
    if taken is not None:
        # Names differing only in case would be too easy to confuse in exports.
        raise Conflict(f"The username {taken!r} is taken.", field="username")


def set_password(session: Session, user: User, password: str) -> None:
    """Replace a user's password. Raises InvalidInput when it is too short."""
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(
            f"A password needs at least {MIN_PASSWORD} characters.", field="password"
        )
    user.password_hash = generate_password_hash(password)
    session.flush()


def get_user_by_name(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username.strip()))


@dataclass(frozen=True, slots=True)
class LoginAttempt:
    """What ``check_login`` found, for ``record_login`` to write down."""

    username: str
    address: str
    user: User | None  # the user, when the password matched
    max_failures: int
    lockout_seconds: int


def _refuse_while_locked(failure, max_failures: int, lockout_seconds: int) -> bool:
    """Raise PermissionDenied while a lockout runs; return whether one ran out
    (the next failure then counts from one again)."""
    if failure is None or failure.count < max_failures:
        return False
    wait = failure.last_at + timedelta(seconds=lockout_seconds) - datetime.now(UTC)
    if wait.total_seconds() > 0:
        raise PermissionDenied(
            f"Too many failed logins. Try again in {int(wait.total_seconds()) + 1} seconds."
        )
    return True


def _failures(username: str, address: str):
    return select(LoginFailure.count, LoginFailure.last_at).where(
        LoginFailure.username == username, LoginFailure.address == address
    )


def check_login(
    session: Session,
    username: str,
    password: str,
    *,
    address: str,
    max_failures: int = 5,
    lockout_seconds: int = 300,
) -> LoginAttempt:
    """Check a login without writing anything (the password hash is slow on purpose,
    and a transaction that writes would hold SQLite's write lock all that time).

    Raises PermissionDenied while ``username`` from ``address`` is throttled
    after ``max_failures`` failures; the wait starts again at each failure.
    """
    username = username.strip()[:80]
    address = address[:64]
    failure = session.execute(_failures(username, address)).first()
    _refuse_while_locked(failure, max_failures, lockout_seconds)
    user = get_user_by_name(session, username)
    # Check a hash even for an unknown user, so timing does not tell which names exist.
    ok = check_password_hash(user.password_hash if user else _dummy_hash(), password)
    matched = user if ok and user is not None and user.is_active else None
    return LoginAttempt(
        username=username,
        address=address,
        user=matched,
        max_failures=max_failures,
        lockout_seconds=lockout_seconds,
    )


def record_login(session: Session, attempt: LoginAttempt) -> User | None:
    """Write down a checked login and return its user (None for a failure).

    The failures of the username and address are read again first, in the
    writing transaction and locked (their row is made first if there is none,
    so that there is always a row to lock on PostgreSQL): logins checked at the
    same moment as others that failed would otherwise slip past a lockout that
    began meanwhile, so this raises PermissionDenied then, even for the right
    password. A success clears the failures; a failure counts one more.
    """
    where = (LoginFailure.username == attempt.username, LoginFailure.address == attempt.address)
    dialect = session.get_bind().dialect.name
    make = (postgresql_insert if dialect == "postgresql" else sqlite_insert)(LoginFailure)
    session.execute(
        make.values(
            username=attempt.username, address=attempt.address, count=0, last_at=datetime.now(UTC)
        ).on_conflict_do_nothing(index_elements=["username", "address"])
    )
    failure = session.execute(_failures(attempt.username, attempt.address).with_for_update()).one()
    ran_out = _refuse_while_locked(failure, attempt.max_failures, attempt.lockout_seconds)
    if attempt.user is not None:
        session.execute(delete(LoginFailure).where(*where))
        return attempt.user
    session.execute(
        update(LoginFailure)
        .where(*where)
        .values(count=1 if ran_out else LoginFailure.count + 1, last_at=datetime.now(UTC)),
        execution_options={"synchronize_session": False},
    )
    return None


def authenticate(session: Session, username: str, password: str, **options) -> User | None:
    """Return the user when the password matches, else None: ``check_login`` (which
    takes the same keyword options) then ``record_login``. Raises PermissionDenied
    while throttled."""
    return record_login(session, check_login(session, username, password, **options))
