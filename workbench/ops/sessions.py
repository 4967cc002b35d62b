"""Login sessions kept on the server: start, find (with the user, in one query), end.

The browser's cookie carries a random token; the table keeps only its SHA-256,
so that reading the database gives no one a session. Logging out ends one
session; a new password ends the user's others; an admin ends them all, and
deactivating a user does too.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, bindparam, func, select, update
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.util import identity_key

from workbench.errors import Conflict
from workbench.models import LoginSession, User

# last_seen_at is written at most this often a session: a request that only
# reads does not write, and a busy annotator's saves do not all touch the row.
TOUCH_SECONDS = 60

_users = User.__table__
_sessions = LoginSession.__table__
_USER_BY_TOKEN = (
    select(
        _users,
        _sessions.c.id.label("session_id"),
        _sessions.c.last_seen_at.label("session_last_seen_at"),
    )
    .join(_sessions, _sessions.c.user_id == _users.c.id)
    .where(_sessions.c.token_hash == bindparam("token_hash"), _sessions.c.ended_at.is_(None))
)
_USER_COLUMNS = tuple(c.key for c in _users.columns)


def _now() -> datetime:
    return datetime.now(UTC)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def start_session(
    session: Session, user: User, *, user_agent: str = "", address: str = ""
) -> tuple[str, LoginSession]:
    """Record a new login session of ``user``; return its token (for the cookie) and row."""
    token = secrets.token_urlsafe(32)
    now = _now()
    row = LoginSession(
        token_hash=token_hash(token),
        user_id=user.id,
        created_at=now,
        last_seen_at=now,
        user_agent=_printable(user_agent)[:200],
        address=_printable(address)[:64],
    )
    session.add(row)
    session.flush()
    return token, row


def _printable(text: str) -> str:
    # Shown to admins and stored as text (PostgreSQL refuses NUL): headers are the client's.
    return "".join(ch for ch in text if ch.isprintable())


@dataclass(frozen=True, slots=True)
class CurrentSession:
    """The open session a cookie names: its id and when it was last seen."""

    id: int
    last_seen_at: datetime

    def touch_due(self, now: datetime | None = None) -> bool:
        """Whether last_seen_at is old enough to be written again."""
        now = now or _now()
        return now - self.last_seen_at >= timedelta(seconds=TOUCH_SECONDS)


def user_for_token(session: Session, token: str) -> tuple[User, CurrentSession] | None:
    """Return the user of the open session ``token`` names, and the session; else None.

    One Core statement joins the session and the user (this runs for every
    request); the user is attached to ``session`` as a persistent, unchanged
    ``User`` (SQLAlchemy's make_transient_to_detached recipe), skipping the ORM's
    loading machinery, which costs a request that only saves an annotation
    several times more than its own query.
    An inactive user's sessions count as ended.
    """
    row = session.connection().execute(_USER_BY_TOKEN, {"token_hash": token_hash(token)}).first()
    if row is None or not row.is_active:
        return None
    values = row._mapping
    user = session.identity_map.get(identity_key(User, values["id"]))
    if user is None:
        user = User(**{key: values[key] for key in _USER_COLUMNS})
        make_transient_to_detached(user)
        session.add(user)
    return user, CurrentSession(values["session_id"], values["session_last_seen_at"])


def touch_session(connection: Connection, session_id: int, now: datetime | None = None) -> None:
    """Write when the session was last seen (a single UPDATE; the caller commits)."""
    now = now or _now()
    connection.execute(
        update(_sessions)
        .where(_sessions.c.id == session_id, _sessions.c.ended_at.is_(None))
        .values(last_seen_at=now)
    )


def end_session(session: Session, session_id: int, reason: str = "logout") -> None:
    """End one session (logging out). Ending an ended one changes nothing."""
    session.execute(
        update(LoginSession)
        .where(LoginSession.id == session_id, LoginSession.ended_at.is_(None))
        .values(ended_at=_now(), ended_reason=reason),
        execution_options={"synchronize_session": False},
    )


def end_user_sessions(session: Session, user: User, reason: str, *, keep: int | None = None) -> int:
    """End every open session of ``user`` but ``keep`` (a session id); return how many."""
    query = update(LoginSession).where(
        LoginSession.user_id == user.id, LoginSession.ended_at.is_(None)
    )
    if keep is not None:
        query = query.where(LoginSession.id != keep)
    result = session.execute(
        query.values(ended_at=_now(), ended_reason=reason),
        execution_options={"synchronize_session": False},
    )
    return result.rowcount


def open_sessions(session: Session) -> dict[int, tuple[int, datetime | None]]:
    """Return, per user id, the number of open sessions and when one was last seen."""
    query = (
        select(LoginSession.user_id, func.count(), func.max(LoginSession.last_seen_at))
        .where(LoginSession.ended_at.is_(None))
        .group_by(LoginSession.user_id)
    )
    return {user_id: (count, last_seen) for user_id, count, last_seen in session.execute(query)}


def sessions_of(session: Session, user: User) -> list[LoginSession]:
    """Return the user's open sessions, the most recently seen first."""
    return list(
        session.scalars(
            select(LoginSession)
            .where(LoginSession.user_id == user.id, LoginSession.ended_at.is_(None))
            .order_by(LoginSession.last_seen_at.desc(), LoginSession.id.desc())
        )
    )


def deactivate_user(session: Session, user: User, *, by: User | None = None) -> int:
    """Deactivate ``user`` (who can then neither log in nor use a session) and end
    their sessions; return how many were open. Raises Conflict for one's own
    account or the last active admin."""
    if by is not None and by.id == user.id:
        raise Conflict("You cannot deactivate your own account.")
    if user.is_admin and user.is_active:
        admins = session.scalar(
            select(func.count())
            .select_from(User)
            .where(User.is_admin.is_(True), User.is_active.is_(True))
        )
        if (admins or 0) <= 1:
            raise Conflict(f"{user.username} is the last active administrator.")
    user.is_active = False
    session.flush()
    return end_user_sessions(session, user, "deactivated")


def activate_user(session: Session, user: User) -> None:
    """Let a deactivated user log in again (their old sessions stay ended)."""
    user.is_active = True
    session.flush()
