"""What every blueprint shares: the request's database session, the user, permission checks."""

from __future__ import annotations

from flask import current_app, flash, g, redirect, request, session, url_for
from sqlalchemy.orm import Session
from wtforms.fields.choices import SelectChoice

from workbench.errors import NotFound, PermissionDenied
from workbench.models import Project, User
from workbench.ops.projects import get_project, project_role
from workbench.permissions import can

PUBLIC_ENDPOINTS = {"auth.login", "static"}


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
    """Load the logged-in user; send anyone else to the login page."""
    user_id = session.get("user_id")
    user = db().get(User, user_id) if user_id is not None else None
    if user is not None and (not user.is_active or session.get("pw") != user.password_hash[-16:]):
        session.clear()
        user = None
    g.user = user
    if user is None and request.endpoint not in PUBLIC_ENDPOINTS:
        if request.path.startswith("/api/"):
            raise PermissionDenied("Log in first.")
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    return None


def require(action: str, role: str | None = None) -> None:
    """Raise PermissionDenied unless the current user may do ``action`` with ``role``."""
    if not can(g.user, action, role):
        raise PermissionDenied("You do not have permission to do that.")


def load_project(project_id: int, action: str = "view-project") -> tuple[Project, str | None]:
    """Return the project and the user's role, after checking ``action``.

    A non-member gets NotFound, so that ids of other projects reveal nothing.
    """
    project = get_project(db(), project_id)
    role = project_role(db(), g.user, project)
    if role is None and not g.user.is_admin:
        raise NotFound("No such project.")
    require(action, role)
    g.project_role = role
    return project, role


def form_errors(form) -> None:
    """Flash every field error of a WTForms form."""
    for name, errors in form.errors.items():
        label = getattr(form, name).label.text if hasattr(form, name) else name
        for error in errors:
            flash(f"{label}: {error}", "error")


def options(items) -> list[SelectChoice]:
    """Return WTForms choices from values or (value, label) pairs."""
    return [
        SelectChoice(*item) if isinstance(item, tuple) else SelectChoice(item) for item in items
    ]
