"""Accounts: create, authenticate (with throttling), change passwords."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime, timedelta
from functools import cache

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from workbench.errors import Conflict, InvalidInput, PermissionDenied
from workbench.models import LoginFailure, User

USERNAME_RE = re.compile(r"^[A-Za-z0-9_.@-]{1,80}$")
MIN_PASSWORD = 8
# werkzeug's default is scrypt: a slow, memory-hard hash.


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
    if not USERNAME_RE.match(username):
        raise InvalidInput(
            "A username is 1 to 80 letters, digits or . _ @ - (no spaces).", field="username"
        )
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(
            f"A password needs at least {MIN_PASSWORD} characters.", field="password"
        )
    taken = session.scalar(
        select(User.username).where(func.lower(User.username) == username.lower())
    )
    if taken is not None:
        # Names differing only in case would be too easy to confuse in exports.
        raise Conflict(f"The username {taken!r} is taken.", field="username")
    user = User(
        username=username, password_hash=generate_password_hash(password), is_admin=is_admin
    )
    session.add(user)
    session.flush()
    return user


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


def authenticate(
    session: Session,
    username: str,
    password: str,
    *,
    address: str,
    max_failures: int = 5,
    lockout_seconds: int = 300,
) -> User | None:
    """Return the user when the password matches, else None.

    Raises PermissionDenied while ``username`` from ``address`` is throttled
    after ``max_failures`` failures; the wait starts again at each failure.
    """
    username = username.strip()[:80]
    address = address[:64]
    failure = session.scalar(
        select(LoginFailure).where(
            LoginFailure.username == username, LoginFailure.address == address
        )
    )
    now = datetime.now(UTC)
    if failure is not None and failure.count >= max_failures:
        wait = failure.last_at + timedelta(seconds=lockout_seconds) - now
        if wait.total_seconds() > 0:
            raise PermissionDenied(
                f"Too many failed logins. Try again in {int(wait.total_seconds()) + 1} seconds."
            )
        failure.count = 0
    user = get_user_by_name(session, username)
    # Check a hash even for an unknown user, so timing does not tell which names exist.
    ok = check_password_hash(user.password_hash if user else _dummy_hash(), password)
    if ok and user is not None and user.is_active:
        session.execute(
            delete(LoginFailure).where(
                LoginFailure.username == username, LoginFailure.address == address
            )
        )
        return user
    if failure is None:
        try:
            with session.begin_nested():
                session.add(LoginFailure(username=username, address=address, count=1, last_at=now))
            return None
        except IntegrityError:
            # Another worker recorded the first failure at the same moment: count on it.
            failure = session.scalar(
                select(LoginFailure).where(
                    LoginFailure.username == username, LoginFailure.address == address
                )
            )
    failure.count += 1
    failure.last_at = now
    session.flush()
    return None
