"""The assignment page: who annotates which article, k per article or by hand,
handing work over, and the project's assignment and blind modes (managers)."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, url_for
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    TextAreaField,
)
from wtforms.validators import AnyOf, DataRequired, Length, NumberRange

from workbench.db import stored_int
from workbench.errors import InvalidInput, NotFound, WorkbenchError
from workbench.ops.assignments import (
    ASSIGNABLE_ROLES,
    assign,
    assign_k,
    assignment_counts,
    assignment_page,
    hand_over,
    set_modes,
    unassign,
    unstarted_articles,
)
from workbench.ops.projects import members
from workbench.ops.users import get_user_by_name
from workbench.web.common import database_int, db, form_errors, load_project, query_int

bp = Blueprint("assignments", __name__)

# At most this many article ids in one hand-typed list.
MAX_LISTED = 10_000


class AutoAssignForm(FlaskForm):
    k = IntegerField(
        "Annotators per article", default=2, validators=[DataRequired(), NumberRange(1, 50)]
    )
    annotators = SelectMultipleField("Annotators", validators=[DataRequired()])


class ManualAssignForm(FlaskForm):
    articles = TextAreaField(
        "Article ids",
        validators=[DataRequired(), Length(max=100_000)],
        description="e.g. 3, 7, 10-20",
    )
    annotators = SelectMultipleField("Annotators", validators=[DataRequired()])


class UnassignForm(FlaskForm):
    article = IntegerField(validators=[DataRequired(), database_int(1)])
    username = SelectField(validators=[DataRequired()])


class HandOverForm(FlaskForm):
    username = SelectField("From", validators=[DataRequired()])
    to = SelectMultipleField("To", validators=[DataRequired()])


class ModesForm(FlaskForm):
    # Said by the button: an empty form (a stray POST) changes nothing.
    save = HiddenField(validators=[DataRequired(), AnyOf(["modes"])])
    assigned_only = BooleanField("Annotators annotate only the articles assigned to them")
    blind = BooleanField("Blind mode: annotators see only their own annotations")


def parse_ids(text: str) -> list[int]:
    """Read "3, 7 10-20" into ids in the order given; raises InvalidInput naming the
    first part that is not a number or a range, or a list that is too long."""
    ids: list[int] = []
    for part in text.replace(",", " ").split():
        low, dash, high = part.partition("-")
        first, last = stored_int(low), stored_int(high) if dash else stored_int(low)
        if first is None or last is None:
            if (low.isascii() and low.isdigit()) and (
                not dash or (high.isascii() and high.isdigit())
            ):
                raise NotFound(f"No such article in this project: {part[:30]}.")
            raise InvalidInput(f"{part[:30]!r} is not an article id or a range such as 10-20.")
        if last < first:
            raise InvalidInput(f"The range {part!r} runs backwards.")
        if len(ids) + last - first + 1 > MAX_LISTED:
            raise InvalidInput(f"At most {MAX_LISTED:,} articles at a time.")
        ids.extend(range(first, last + 1))
    if not ids:
        raise InvalidInput("Give at least one article id.")
    return ids


def _annotator_names(project) -> list[str]:
    return [m.user.username for m in members(db(), project) if m.role in ASSIGNABLE_ROLES]


def _forms(project, **given):
    names = [(n, n) for n in _annotator_names(project)]
    forms = {
        "auto_form": given.get("auto_form") or AutoAssignForm(formdata=None, prefix="auto"),
        "manual_form": given.get("manual_form") or ManualAssignForm(formdata=None, prefix="manual"),
        "unassign_form": UnassignForm(formdata=None, prefix="unassign"),
        "hand_form": given.get("hand_form") or HandOverForm(formdata=None, prefix="hand"),
        "modes_form": ModesForm(
            formdata=None,
            prefix="modes",
            save="modes",
            assigned_only=project.assigned_only,
            blind=project.blind,
        ),
    }
    for name in ("auto_form", "manual_form"):
        forms[name].annotators.choices = names
    forms["hand_form"].username.choices = names
    forms["hand_form"].to.choices = names
    forms["unassign_form"].username.choices = names
    return forms


@bp.get("/projects/<int:project_id>/assignments")
def show_assignments(project_id: int):
    project, _ = load_project(project_id, "assign-articles")
    return _page(project)


def _page(project, status: int = 200, **given):
    current, rows = assignment_page(db(), project, page=query_int("page", minimum=1))
    return render_template(
        "assignments/assignments.html",
        project=project,
        page=current,
        rows=rows,
        counts=assignment_counts(db(), project),
        **_forms(project, **given),
    ), status


def _done(project, message: str):
    db().commit()
    flash(message, "info")
    return redirect(url_for("assignments.show_assignments", project_id=project.id))


def _refused(project, exc: WorkbenchError, **given):
    db().rollback()
    flash(f"{exc.message} Nothing was assigned.", "error")
    return _page(project, exc.status, **given)


@bp.post("/projects/<int:project_id>/assignments/auto")
def auto_assign_view(project_id: int):
    project, _ = load_project(project_id, "assign-articles")
    form = AutoAssignForm(prefix="auto")
    form.annotators.choices = [(n, n) for n in _annotator_names(project)]
    if not form.validate_on_submit():
        return _page(project, form_errors(form), auto_form=form)
    try:
        report = assign_k(db(), project, form.annotators.data, form.k.data, by=g.user)
    except WorkbenchError as exc:
        return _refused(project, exc, auto_form=form)
    return _done(project, report.summary())


@bp.post("/projects/<int:project_id>/assignments/manual")
def manual_assign_view(project_id: int):
    project, _ = load_project(project_id, "assign-articles")
    form = ManualAssignForm(prefix="manual")
    form.annotators.choices = [(n, n) for n in _annotator_names(project)]
    if not form.validate_on_submit():
        return _page(project, form_errors(form), manual_form=form)
    try:
        report = assign(
            db(), project, parse_ids(form.articles.data), form.annotators.data, by=g.user
        )
    except WorkbenchError as exc:
        return _refused(project, exc, manual_form=form)
    return _done(project, report.summary())


@bp.post("/projects/<int:project_id>/assignments/unassign")
def unassign_view(project_id: int):
    project, _ = load_project(project_id, "assign-articles")
    form = UnassignForm(prefix="unassign")
    form.username.choices = [(n, n) for n in _annotator_names(project)]
    if not form.validate_on_submit():
        form_errors(form)
        return redirect(url_for("assignments.show_assignments", project_id=project.id))
    try:
        unassign(db(), project, form.article.data, form.username.data, by=g.user)
    except WorkbenchError as exc:
        db().rollback()
        flash(exc.message, "error")
        return redirect(url_for("assignments.show_assignments", project_id=project.id))
    return _done(
        project,
        f"Article {form.article.data} is no longer assigned to {form.username.data}; "
        "their annotations stay.",
    )


@bp.post("/projects/<int:project_id>/assignments/hand-over")
def hand_over_view(project_id: int):
    project, _ = load_project(project_id, "assign-articles")
    form = HandOverForm(prefix="hand")
    names = [(n, n) for n in _annotator_names(project)]
    form.username.choices = names
    form.to.choices = names
    if not form.validate_on_submit():
        return _page(project, form_errors(form), hand_form=form)
    user = get_user_by_name(db(), form.username.data)
    try:
        waiting = len(unstarted_articles(db(), project, user))
        if not waiting:
            raise InvalidInput(f"{user.username} has no unstarted article to hand over.")
        report = hand_over(db(), project, user, form.to.data, by=g.user)
    except WorkbenchError as exc:
        return _refused(project, exc, hand_form=form)
    return _done(project, f"Handed over from {user.username}: {report.summary()}")


@bp.post("/projects/<int:project_id>/assignments/modes")
def modes_view(project_id: int):
    project, _ = load_project(project_id, "assign-articles")
    form = ModesForm(prefix="modes")
    if not form.validate_on_submit():
        form_errors(form)
        return redirect(url_for("assignments.show_assignments", project_id=project.id))
    said = set_modes(
        db(), project, assigned_only=form.assigned_only.data, blind=form.blind.data, by=g.user
    )
    return _done(project, " ".join(said) or "Nothing changed.")
