"""Logging in and out."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from workbench.errors import TooManyAttempts, WorkbenchError
from workbench.ops.sessions import end_session, start_session
from workbench.ops.users import MIN_PASSWORD, check_login, record_login, set_password
from workbench.web.common import db, form_errors, late_write, public, start_write

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired(), Length(max=80)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])


def _safe_next(target: str | None) -> str:
    if not target:
        return url_for("projects.list_projects")
    parts = urlsplit(target)
    # Browsers read "/\host" as "//host", and drop tabs and newlines inside URLs.
    if (
        parts.scheme
        or parts.netloc
        or not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
        or any(ord(ch) < 32 or ord(ch) == 127 for ch in target)
    ):
        return url_for("projects.list_projects")
    return target


def _check_password(username: str, password: str):
    """Check a password as the settings throttle it, without writing (see
    ops.users.check_login); raises TooManyAttempts."""
    settings = current_app.config["WORKBENCH"]
    return check_login(
        db(),
        username,
        password,
        address=request.remote_addr or "unknown",
        max_failures=settings["LOGIN_MAX_FAILURES"],
        lockout_seconds=settings["LOGIN_LOCKOUT_SECONDS"],
        address_max_failures=settings["LOGIN_ADDRESS_MAX_FAILURES"],
        forget_seconds=settings["LOGIN_FORGET_SECONDS"],
    )


@bp.route("/login", methods=["GET", "POST"])
@public
@late_write
def login():
    if g.user is not None:
        return redirect(_safe_next(request.args.get("next")))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            attempt = _check_password(form.username.data, form.password.data)
            # The slow password check is done: only now take the write lock.
            start_write()
            user = record_login(db(), attempt)
        except TooManyAttempts as exc:
            db().rollback()
            return _too_many(exc, "auth/login.html", form=form)
        if user is not None:
            token, _ = start_session(
                db(),
                user,
                user_agent=request.user_agent.string,
                address=request.remote_addr or "",
            )
        db().commit()
        if user is not None:
            session.clear()
            session["sid"] = token
            return redirect(_safe_next(request.args.get("next")))
        flash("Wrong username or password.", "error")
        status = 401
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form), status


class PasswordForm(FlaskForm):
    current = PasswordField("Current password", validators=[DataRequired(), Length(max=200)])
    new = PasswordField(
        "New password",
        validators=[
            DataRequired(),
            Length(
                min=MIN_PASSWORD,
                max=200,
                message=f"A password has {MIN_PASSWORD} to 200 characters.",
            ),
        ],
    )
    again = PasswordField(
        "New password again",
        validators=[DataRequired(), EqualTo("new", message="The two new passwords differ.")],
    )


@bp.route("/account/password", methods=["GET", "POST"])
@late_write
def change_password():
    """Change one's own password: every other session of the account ends, this one stays.

    The current password is checked as a login is (throttled the same way, and
    without holding SQLite's write lock during the slow hash).
    """
    form = PasswordForm()
    status = 200
    if form.validate_on_submit():
        try:
            attempt = _check_password(g.user.username, form.current.data)
            start_write()
            user = record_login(db(), attempt)
            if user is not None:
                set_password(db(), user, form.new.data, keep_session=g.login_session.id)
        except TooManyAttempts as exc:
            db().rollback()
            return _too_many(exc, "auth/password_change.html", form=form)
        except WorkbenchError as exc:
            db().rollback()
            flash(exc.message, "error")
            return render_template("auth/password_change.html", form=form), exc.status
        db().commit()
        if user is not None:
            flash("Your password is changed; your other sessions have ended.", "info")
            return redirect(url_for("projects.list_projects"))
        flash("Your current password is wrong; nothing was changed.", "error")
        status = 400
    else:
        status = form_errors(form)
    return render_template("auth/password_change.html", form=form), status


def _too_many(exc: TooManyAttempts, template: str, **context):
    flash(exc.message, "error")
    response = make_response(render_template(template, **context), 429)
    response.headers["Retry-After"] = str(exc.retry_after)
    return response


@bp.post("/logout")
def logout():
    if g.login_session is not None:
        end_session(db(), g.login_session.id)
        db().commit()
    session.clear()
    flash("You are logged out.", "info")
    return redirect(url_for("auth.login"))
