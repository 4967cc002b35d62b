"""Accounts: create, authenticate (with throttling), change passwords."""

from __future__ import annotations

import re
import secrets
import string
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from functools import cache

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from workbench.db import unique_or_conflict
from workbench.errors import Conflict, InvalidInput, TooManyAttempts
from workbench.models import LoginAddressFailure, LoginFailure, User
from workbench.ops.sessions import end_user_sessions

USERNAME_RE = re.compile(r"[A-Za-z0-9_.@-]{1,80}")
MIN_PASSWORD = 8
# werkzeug's default is scrypt: a slow, memory-hard hash.


@cache
def _dummy_hash() -> str:
    # Made on first use, not at import: scrypt costs every process 0.1 s and 32 MB.
    return generate_password_hash("not-a-password")


# token_urlsafe's alphabet; a password never starts with "-", which a command line
# would read as an option.
_PASSWORD_FIRST = string.ascii_letters + string.digits
_PASSWORD_REST = _PASSWORD_FIRST + "-_"
_PASSWORD_LENGTH = 14


def generate_password() -> str:
    """Return a random password that is easy to type: 14 letters, digits, ``-`` and
    ``_`` (about 84 bits), the first a letter or a digit."""
    rest = (secrets.choice(_PASSWORD_REST) for _ in range(_PASSWORD_LENGTH - 1))
    return secrets.choice(_PASSWORD_FIRST) + "".join(rest)


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
    (no spaces, markup or formula characters, nor a line break at the end, which
    ``$`` would let through)."""
    if not USERNAME_RE.fullmatch(username):
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


def set_password(
    session: Session, user: User, password: str, *, keep_session: int | None = None
) -> None:
    """Replace a user's password and end their login sessions, all but ``keep_session``
    (the id of the session that changed it). Raises InvalidInput when it is too short."""
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(
            f"A password needs at least {MIN_PASSWORD} characters.", field="password"
        )
    user.password_hash = generate_password_hash(password)
    session.flush()
    end_user_sessions(session, user, "password", keep=keep_session)


def get_user_by_name(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username.strip()))


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class LoginAttempt:
    """What ``check_login`` found, for ``record_login`` to write down."""

    username: str
    address: str
    user: User | None  # the user, when the password matched
    max_failures: int
    lockout_seconds: int
    address_max_failures: int = 0
    forget_seconds: int = 3600

    @property
    def forget_before(self) -> datetime:
        """Failures recorded last before this are forgotten (never before the lockout ends)."""
        return _now() - timedelta(seconds=max(self.forget_seconds, self.lockout_seconds))


def _refuse_while_locked(
    failure, max_failures: int, lockout_seconds: int, *, whose: str = ""
) -> bool:
    """Raise TooManyAttempts while a lockout runs; return whether one ran out
    (the next failure then counts from one again)."""
    if failure is None or failure.count < max_failures:
        return False
    wait = failure.last_at + timedelta(seconds=lockout_seconds) - _now()
    if wait.total_seconds() > 0:
        seconds = int(wait.total_seconds()) + 1
        raise TooManyAttempts(
            f"Too many failed logins{whose}. Try again in {seconds} seconds.",
            retry_after=seconds,
        )
    return True


_FROM_ADDRESS = " from your address"


def _failures(username: str, address: str):
    return select(LoginFailure.count, LoginFailure.last_at).where(
        LoginFailure.username == username, LoginFailure.address == address
    )


def _address_failures(address: str):
    return select(LoginAddressFailure.count, LoginAddressFailure.last_at).where(
        LoginAddressFailure.address == address
    )


def check_login(
    session: Session,
    username: str,
    password: str,
    *,
    address: str,
    max_failures: int = 5,
    lockout_seconds: int = 300,
    address_max_failures: int = 50,
    forget_seconds: int = 3600,
) -> LoginAttempt:
    """Check a login without writing anything (the password hash is slow on purpose,
    and a transaction that writes would hold SQLite's write lock all that time).

    Raises TooManyAttempts (a PermissionDenied), before any password is hashed,
    while ``address`` is throttled after ``address_max_failures`` failures for
    any usernames (0: no limit per address), or ``username`` from ``address``
    after ``max_failures``; the wait starts again at each failure. Failures
    are forgotten ``forget_seconds`` after the last one (see record_login), so
    the throttling tables hold the failures of that time only.
    """
    username = username.strip()[:80]
    address = address[:64]
    attempt = LoginAttempt(
        username=username,
        address=address,
        user=None,
        max_failures=max_failures,
        lockout_seconds=lockout_seconds,
        address_max_failures=address_max_failures,
        forget_seconds=forget_seconds,
    )
    if address_max_failures > 0:
        failure = session.execute(_address_failures(address)).first()
        _refuse_while_locked(failure, address_max_failures, lockout_seconds, whose=_FROM_ADDRESS)
    failure = session.execute(_failures(username, address)).first()
    _refuse_while_locked(failure, max_failures, lockout_seconds)
    user = get_user_by_name(session, username)
    # Check a hash even for an unknown user, so timing does not tell which names exist.
    ok = check_password_hash(user.password_hash if user else _dummy_hash(), password)
    matched = user if ok and user is not None and user.is_active else None
    return replace(attempt, user=matched)


def _insert_ignoring_conflicts(session: Session, model, index_elements: list[str], **values):
    """INSERT ... ON CONFLICT DO NOTHING; return whether a row was made."""
    dialect = session.get_bind().dialect.name
    make = (postgresql_insert if dialect == "postgresql" else sqlite_insert)(model)
    statement = make.values(**values).on_conflict_do_nothing(index_elements=index_elements)
    return session.execute(statement.returning(model.id)).first() is not None


def forget_old_failures(session: Session, before: datetime) -> None:
    """Delete the failed logins recorded last before ``before``, of every name and address."""
    for model in (LoginFailure, LoginAddressFailure):
        # Rows another login is deleting right now are left to it (SKIP LOCKED, on
        # PostgreSQL): two logins never wait for each other here, nor deadlock.
        old = (
            select(model.id)
            .where(model.last_at < before)
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
        session.execute(
            delete(model).where(model.id.in_(old)),
            execution_options={"synchronize_session": False},
        )


def record_login(session: Session, attempt: LoginAttempt) -> User | None:
    """Write down a checked login and return its user (None for a failure).

    Failures older than the forgetting time are deleted first. The failures of
    the address and of the username and address are then read again, in the
    writing transaction and locked (their row is made first if there is none,
    so that there is always a row to lock on PostgreSQL): logins checked at the
    same moment as others that failed would otherwise slip past a lockout that
    began meanwhile, so this raises TooManyAttempts then, even for the right
    password. A success clears the username's failures (not the address's:
    one account of one's own must not reset the count of guesses at others);
    a failure counts one more for both. An address keeps at most
    ``address_max_failures`` username rows (its oldest go first).
    """
    now = _now()
    forget_old_failures(session, attempt.forget_before)
    address_limit = attempt.address_max_failures
    address_ran_out = False
    if address_limit > 0:
        _insert_ignoring_conflicts(
            session,
            LoginAddressFailure,
            ["address"],
            address=attempt.address,
            count=0,
            last_at=now,
        )
        failure = session.execute(_address_failures(attempt.address).with_for_update()).one()
        address_ran_out = _refuse_while_locked(
            failure, address_limit, attempt.lockout_seconds, whose=_FROM_ADDRESS
        )
    where = (LoginFailure.username == attempt.username, LoginFailure.address == attempt.address)
    made = _insert_ignoring_conflicts(
        session,
        LoginFailure,
        ["username", "address"],
        username=attempt.username,
        address=attempt.address,
        count=0,
        last_at=now,
    )
    failure = session.execute(_failures(attempt.username, attempt.address).with_for_update()).one()
    ran_out = _refuse_while_locked(failure, attempt.max_failures, attempt.lockout_seconds)
    if attempt.user is not None:
        session.execute(delete(LoginFailure).where(*where))
        return attempt.user
    if made and address_limit > 0:
        _keep_newest_rows(session, attempt, address_limit)
    session.execute(
        update(LoginFailure)
        .where(*where)
        .values(count=1 if ran_out else LoginFailure.count + 1, last_at=now),
        execution_options={"synchronize_session": False},
    )
    if address_limit > 0:
        session.execute(
            update(LoginAddressFailure)
            .where(LoginAddressFailure.address == attempt.address)
            .values(count=1 if address_ran_out else LoginAddressFailure.count + 1, last_at=now),
            execution_options={"synchronize_session": False},
        )
    return None


def _keep_newest_rows(session: Session, attempt: LoginAttempt, limit: int) -> None:
    """Delete the address's oldest username rows beyond ``limit`` (the new one stays)."""
    keep = (
        select(LoginFailure.id)
        .where(LoginFailure.address == attempt.address)
        .order_by(
            (LoginFailure.username == attempt.username).desc(),
            LoginFailure.last_at.desc(),
            LoginFailure.id.desc(),
        )
        .limit(limit)
    )
    session.execute(
        delete(LoginFailure).where(
            LoginFailure.address == attempt.address,
            LoginFailure.id.not_in(keep.scalar_subquery()),
        ),
        execution_options={"synchronize_session": False},
    )


def authenticate(session: Session, username: str, password: str, **options) -> User | None:
    """Return the user when the password matches, else None: ``check_login`` (which
    takes the same keyword options) then ``record_login``. Raises TooManyAttempts
    (a PermissionDenied) while throttled."""
    return record_login(session, check_login(session, username, password, **options))
