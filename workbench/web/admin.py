"""Administration: user accounts, their sessions, and the instance's settings."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, url_for
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from workbench.errors import NotFound, WorkbenchError
from workbench.models import User
from workbench.ops.instance import INSTANCE_SETTINGS, instance_settings, set_instance_setting
from workbench.ops.sessions import (
    activate_user,
    deactivate_user,
    end_user_sessions,
    open_sessions,
    sessions_of,
)
from workbench.ops.users import create_user
from workbench.web.common import db, form_errors, options, require

bp = Blueprint("admin", __name__, url_prefix="/admin")


class UserForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired(), Length(max=80)])
    password = PasswordField("Password", validators=[DataRequired(), Length(min=8, max=200)])
    is_admin = BooleanField("Administrator")


class UserActionForm(FlaskForm):
    """A button on the users page (the CSRF token only)."""


class InstanceSettingsForm(FlaskForm):
    project_creators = SelectField(
        INSTANCE_SETTINGS["project_creators"].label,
        choices=options(INSTANCE_SETTINGS["project_creators"].choices),
    )


@bp.route("/users", methods=["GET", "POST"])
def list_users():
    require("manage-users")
    form = UserForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = create_user(
                db(), form.username.data, form.password.data, is_admin=form.is_admin.data
            )
        except WorkbenchError as exc:
            db().rollback()
            flash(exc.message, "error")
            status = exc.status
        else:
            db().commit()
            flash(
                f"Created {user.username}. Add them to projects from each project's members page.",
                "info",
            )
            return redirect(url_for("admin.list_users"))
    else:
        status = form_errors(form)
    users = db().scalars(select(User).order_by(User.username)).all()
    return render_template(
        "admin/user_list.html",
        users=users,
        form=form,
        action_form=UserActionForm(formdata=None),
        sessions=open_sessions(db()),
    ), status


def _user(user_id: int) -> User:
    user = db().get(User, user_id)
    if user is None:
        raise NotFound("No such user.")
    return user


@bp.get("/users/<int:user_id>/sessions")
def show_user_sessions(user_id: int):
    """A user's open sessions: when each began and was last seen, from where, with what."""
    require("manage-users")
    user = _user(user_id)
    return render_template(
        "admin/user_sessions.html",
        account=user,
        sessions=sessions_of(db(), user),
        current=g.login_session.id,
        action_form=UserActionForm(formdata=None),
    )


@bp.post("/users/<int:user_id>/end-sessions")
def end_sessions_view(user_id: int):
    """End every session of the user (an admin's own: all but this one)."""
    require("manage-users")
    user = _user(user_id)
    if UserActionForm().validate_on_submit():
        keep = g.login_session.id if user.id == g.user.id else None
        ended = end_user_sessions(db(), user, "admin", keep=keep)
        db().commit()
        flash(f"Ended {ended} session(s) of {user.username}.", "info")
    return redirect(url_for("admin.list_users"))


@bp.post("/users/<int:user_id>/deactivate")
def deactivate_user_view(user_id: int):
    require("manage-users")
    user = _user(user_id)
    if UserActionForm().validate_on_submit():
        try:
            ended = deactivate_user(db(), user, by=g.user)
        except WorkbenchError as exc:
            db().rollback()
            flash(f"{exc.message} Nothing was changed.", "error")
        else:
            db().commit()
            flash(
                f"{user.username} is deactivated ({ended} session(s) ended); their work stays.",
                "info",
            )
    return redirect(url_for("admin.list_users"))


@bp.post("/users/<int:user_id>/activate")
def activate_user_view(user_id: int):
    require("manage-users")
    user = _user(user_id)
    if UserActionForm().validate_on_submit():
        activate_user(db(), user)
        db().commit()
        flash(f"{user.username} can log in again.", "info")
    return redirect(url_for("admin.list_users"))


@bp.route("/settings", methods=["GET", "POST"])
def edit_settings():
    """The instance's settings an admin changes here (who may create projects)."""
    require("manage-users")
    form = InstanceSettingsForm()
    status = 200
    if not form.is_submitted():
        form.project_creators.data = instance_settings(db())["project_creators"]
    elif form.validate():
        set_instance_setting(db(), "project_creators", form.project_creators.data)
        db().commit()
        flash("Settings saved.", "info")
        return redirect(url_for("admin.edit_settings"))
    else:
        status = form_errors(form)
    return render_template("admin/instance_settings.html", form=form), status
