"""What every blueprint shares: the request's database session, the user, permission checks."""

from __future__ import annotations

from flask import current_app, flash, g, redirect, request, session, url_for
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from wtforms.fields.choices import SelectChoice
from wtforms.validators import NumberRange

from workbench.db import MAX_INT, SQLITE_BUSY_TIMEOUT, begin_write, stored_int
from workbench.errors import InvalidInput, NotFound, PermissionDenied
from workbench.models import Project
from workbench.ops.assignments import article_grant
from workbench.ops.projects import project_with_role
from workbench.ops.sessions import touch_session, user_for_token
from workbench.ops.workspace import build_workspace
from workbench.permissions import authorize, can

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}

# A view's request policy is declared on the view by the decorators below, so that a
# view has the safe policy unless it says otherwise: a login is needed, and a request
# with an unsafe method holds SQLite's write lock from its start.
_POLICY = "workbench_policy"


def _mark(view, *marks: str):
    setattr(view, _POLICY, view_policy(view) | set(marks))
    return view


def public(view):
    """Mark ``view`` as open to anyone, logged in or not (the login page)."""
    return _mark(view, "public")


def late_write(view):
    """Mark ``view`` as one that reads in a shared transaction and calls start_write()
    just before it writes, so that SQLite's write lock is held for the write alone
    (the hot save; the login and the password change, whose password hash takes a
    tenth of a second; imports, which write only the job's row and leave the
    articles to the job's own short transactions, workbench/jobs.py)."""
    return _mark(view, "late_write")


def autocommit(view):
    """Mark ``view`` as one whose every write is one statement on PostgreSQL (the
    save, see ops.annotations): there it runs without a transaction, which spares
    the BEGIN and COMMIT round trips of the busiest request. On SQLite it writes
    late (``late_write``)."""
    return _mark(view, "autocommit", "late_write")


def view_policy(view) -> frozenset[str]:
    """Return the marks of ``view`` ("public", "late_write", "autocommit"); none for
    an unmarked view, or for None (a URL that no route has)."""
    return frozenset(getattr(view, _POLICY, ()))


def db() -> Session:
    """Return the request's session, opening it on first use."""
    if "db" not in g:
        g.db = current_app.extensions["workbench.sessions"]()
    return g.db


def close_db(_exc=None) -> None:
    session_ = g.pop("db", None)
    if session_ is not None:
        session_.close()


def load_user():
    """Load the logged-in user from the session the cookie names (one query: the
    session and its user); send anyone else to the login page."""
    policy = view_policy(current_app.view_functions.get(request.endpoint))
    writing = request.method not in SAFE_METHODS and "late_write" not in policy
    if writing:
        begin_write(db())
    elif "autocommit" in policy and db().get_bind().dialect.name == "postgresql":
        db().connection(execution_options={"isolation_level": "AUTOCOMMIT"})
    token = session.get("sid")
    found = user_for_token(db(), token) if isinstance(token, str) else None
    if found is None and token is not None:
        session.clear()  # ended (logout, new password, admin) or forged
    user, current = found or (None, None)
    if current is not None and current.touch_due():
        _touch(current.id, writing)
    g.user = user
    g.login_session = current
    if user is None and "public" not in policy:
        if request.path.startswith("/api/"):
            raise PermissionDenied("Log in first.")
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    return None


def _touch(session_id: int, writing: bool) -> None:
    """Write when the session was last seen, without making the request wait.

    A request that holds SQLite's write lock already writes it in its own
    transaction. Any other does it in a short transaction of its own (so that
    no long request holds the row), which on SQLite gives up at once when
    another writer holds the lock: the next request tries again.
    """
    sqlite = db().get_bind().dialect.name == "sqlite"
    if writing and sqlite:
        touch_session(db().connection(), session_id)
        return
    engine = current_app.extensions["workbench.engine"]
    with engine.connect() as connection:
        if not sqlite:
            with connection.begin():
                touch_session(connection, session_id)
            return
        driver = connection.connection.dbapi_connection
        driver.execute("PRAGMA busy_timeout = 0")
        try:
            with connection.begin():
                touch_session(connection, session_id)
        except OperationalError as exc:
            if "locked" not in str(exc.orig):
                raise
        finally:
            driver.execute(f"PRAGMA busy_timeout = {int(SQLITE_BUSY_TIMEOUT * 1000)}")


def start_write() -> None:
    """On SQLite, end the request's read transaction and begin one that writes
    (see db.begin_write); PostgreSQL locks rows, not the database, so there the
    request goes on in its transaction."""
    session = db()
    if session.get_bind().dialect.name == "sqlite":
        session.commit()
        begin_write(session)


def wants_json() -> bool:
    """Whether the answer should be JSON: the API, or a client that asks for it."""
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def require(action: str, role: str | None = None) -> None:
    """Raise PermissionDenied unless the current user may do ``action`` with ``role``."""
    if not can(g.user, action, role):
        raise PermissionDenied("You do not have permission to do that.")


def load_project(
    project_id: int, action: str = "view-project", *, eager: bool = True
) -> tuple[Project, str | None]:
    """Return the project and the user's role, after checking ``action``.

    ``eager`` loads the targets and labels that pages show. A non-member gets
    NotFound, so that ids of other projects reveal nothing.
    """
    project, role = project_with_role(db(), project_id, g.user, eager=eager)
    authorize(g.user, action, role)
    return project, role


def load_article(
    project_id: int, article_id: int, action: str = "view-article", *, eager: bool = True
) -> tuple[Project, str | None]:
    """Return the project and the user's role, after checking the article-level
    ``action`` against article ``article_id`` (an annotator of a project that assigns
    work reaches only the articles assigned to them).

    Raises NotFound (not a member, or no such article in the project: the article's
    own pages check that it is the project's) or PermissionDenied.
    """
    project, role = project_with_role(db(), project_id, g.user, eager=eager)
    authorize(g.user, "view-project", role)
    grant = article_grant(db(), project.id, g.user.id, article_id)
    authorize(g.user, action, role, article=grant)
    return project, role


def form_errors(form) -> int:
    """Flash every field error of a WTForms form; return the page's HTTP status
    (400 when the form was submitted and refused, else 200)."""
    for name, errors in form.errors.items():
        label = getattr(form, name).label.text if hasattr(form, name) else name
        for error in errors:
            flash(f"{label}: {error}", "error")
    return 400 if form.is_submitted() else 200


def options(items) -> list[SelectChoice]:
    """Return WTForms choices from values or (value, label) pairs."""
    return [
        SelectChoice(*item) if isinstance(item, tuple) else SelectChoice(item) for item in items
    ]


def whole_number(text: str | None, name: str, *, minimum: int = 0) -> int | None:
    """Return ``text``, an id or a number from a query string or a form, as an int; None
    when it is absent or empty. The one rule for every such number (``db.stored_int``).

    Raises InvalidInput (400) naming ``name`` for anything but the digits 0-9 (a sign, a
    fraction, spaces, other digits), and NotFound (404) for a number below ``minimum``
    or beyond what an Integer column holds (``db.MAX_INT``): nothing has that number
    (PostgreSQL refuses 2**31 and more as a parameter, SQLite 2**63: a 500 if it got
    that far).
    """
    if not text:
        return None
    if not (text.isascii() and text.isdigit()):
        raise InvalidInput(f"{name} must be a whole number, not {text[:40]!r}.")
    number = stored_int(text)
    if number is None or number < minimum:
        raise NotFound(f"Nothing has number {text[:20]} here ({name}).")
    return number


def query_int(name: str, *, minimum: int = 0) -> int | None:
    """Return the query-string argument ``name`` as a number from ``minimum`` (1 for a
    page or a claim's number, 0 for a position or an id), or None when it is absent or
    empty (see ``whole_number``)."""
    return whole_number(request.args.get(name), f"?{name}=", minimum=minimum)


def form_int(name: str) -> int | None:
    """Return the form field ``name`` (one WTForms does not read) as ``whole_number`` does."""
    return whole_number(request.form.get(name), name)


def database_int(minimum: int = 0) -> NumberRange:
    """Return the validator of a form's IntegerField: an offset, id or number an Integer
    column can hold (WTForms reads any size of int, and int() reads " 7 " and "1_0")."""
    return NumberRange(min=minimum, max=MAX_INT)


def requested_workspace(project: Project, article_id: int):
    """Return the annotate page's state for the claim the query string asks for
    (``?claim=ID`` or ``?at=N``, read by the bounded number rule), for the form
    view and the JSON API alike; raises as ``build_workspace`` and ``query_int`` do."""
    return build_workspace(
        db(),
        project,
        article_id,
        g.user,
        claim_id=query_int("claim"),
        position=query_int("at", minimum=1),
    )
