"""Administration: user accounts."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

from workbench.errors import WorkbenchError
from workbench.models import User
from workbench.ops.users import create_user
from workbench.web.common import db, form_errors, require

bp = Blueprint("admin", __name__, url_prefix="/admin")


class UserForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired(), Length(max=80)])
    password = PasswordField("Password", validators=[DataRequired(), Length(min=8, max=200)])
    is_admin = BooleanField("Administrator")


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
    return render_template("admin/user_list.html", users=users, form=form), status
