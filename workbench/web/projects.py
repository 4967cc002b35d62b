"""Projects: the list, creating one, its overview, settings and members."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, g, redirect, render_template, url_for
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import AnyOf, DataRequired, Length

from workbench.errors import InvalidInput, NotFound, PermissionDenied, WorkbenchError
from workbench.jobs import start_suggestions
from workbench.keymap import ACTIONS, format_keymap_lines, shown
from workbench.labels import LABELLED_FIELDS, format_label_lines, parse_label_lines
from workbench.models import ROLES, Project
from workbench.ops.annotation_import import activate_imported_member, imported_members
from workbench.ops.articles import article_progress
from workbench.ops.assignments import drop_assignments, hand_over, queues_for, unstarted_articles
from workbench.ops.gold import gold_reasons, set_gold_reasons
from workbench.ops.history import (
    PROJECT_ACTIONS,
    PROJECT_HISTORY_PAGE_SIZE,
    describe_project_change,
    project_history,
)
from workbench.ops.instance import instance_settings
from workbench.ops.invitations import (
    answer_invitation,
    invitations_for,
    invite_member,
    pending_invitations,
    withdraw_invitation,
)
from workbench.ops.projects import (
    create_project,
    labels_by_field,
    lock_codebook,
    members,
    project_keymap,
    projects_for,
    remove_member,
    rename_target,
    set_member,
    set_project_keymap,
    update_project,
)
from workbench.ops.suggestions import (
    create_suggestion_run,
    get_suggestion_run,
    recent_suggestion_runs,
    run_status,
)
from workbench.ops.users import get_user_by_name
from workbench.permissions import ArticleGrant, can
from workbench.web.common import database_int, db, form_errors, load_project, options, query_int
from workbench.web.stale import record_digest, stale_record

bp = Blueprint("projects", __name__)


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class ProjectForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    description = TextAreaField("Description", validators=[Length(max=5000)])
    guidelines = TextAreaField("Guidelines (Markdown)", validators=[Length(max=100_000)])
    targets = TextAreaField(
        "Stance targets, one per line", validators=[DataRequired(), Length(max=20_000)]
    )


class SettingsForm(ProjectForm):
    stance = TextAreaField("Stance labels", validators=[DataRequired(), Length(max=20_000)])
    verifiability = TextAreaField(
        "Verifiability labels", validators=[DataRequired(), Length(max=20_000)]
    )
    attribution = TextAreaField(
        "Attribution labels", validators=[DataRequired(), Length(max=20_000)]
    )
    # Empty: the default keys (workbench.keymap).
    keys = TextAreaField(
        "The actions and their keys, one action a line", validators=[Length(max=5_000)]
    )
    # Empty: the default reasons (workbench.models.GOLD_REASONS).
    gold_reasons = TextAreaField("Reasons for gold, one a line", validators=[Length(max=10_000)])
    seen = HiddenField()


STALE_SETTINGS = (
    "Someone changed these settings after you opened this page. Your changes were not saved. "
    "The current saved values are shown below; review and save again to replace them."
)


def settings_record(project: Project) -> dict:
    """Return what the settings form edits, as stored: name, description, guidelines,
    targets (name, description), each field's labels (value, definition), in order,
    and the annotate page's keys (as the form shows them)."""
    return {
        "keys": format_keymap_lines(project_keymap(project)),
        "gold_reasons": "\n".join(gold_reasons(project)),
        "name": project.name,
        "description": project.description,
        "guidelines": project.guidelines,
        "targets": [[t.name, t.description] for t in project.targets],
        "labels": {
            field: [[lb.value, lb.description] for lb in labels]
            for field, labels in labels_by_field(project).items()
        },
    }


# An article of the project that is not the user's, as the permission check sees it.
def _unassigned(project) -> ArticleGrant:
    return ArticleGrant(assigned_only=project.assigned_only, assigned=False)


class MemberForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired(), Length(max=80)])
    role = SelectField("Role", choices=options(ROLES), default="annotator")


class RemoveMemberForm(FlaskForm):
    username = StringField(validators=[DataRequired(), Length(max=80)])
    # Offered when the project assigns work: their unstarted articles go to the others.
    hand_over = BooleanField()


class ActivateMemberForm(FlaskForm):
    """Activate an account an annotation import made, with a first password."""

    username = StringField(validators=[DataRequired(), Length(max=80)])
    password = PasswordField("Password", validators=[DataRequired(), Length(min=8, max=200)])


class RenameTargetForm(FlaskForm):
    target = SelectField("Target", coerce=int)
    name = StringField("New name", validators=[DataRequired(), Length(max=200)])


class AnswerInvitationForm(FlaskForm):
    invitation = IntegerField(validators=[DataRequired(), database_int(1)])
    answer = SelectField(choices=options(["accept", "decline"]), validators=[DataRequired()])


class RerunSuggestionsForm(FlaskForm):
    # Said by the button: an empty form (a stray POST) re-runs nothing.
    scope = HiddenField(validators=[DataRequired(), AnyOf(["project"])])


class WithdrawInvitationForm(FlaskForm):
    invitation = IntegerField(validators=[DataRequired(), database_int(1)])


def _may_create_project() -> bool:
    return can(g.user, "create-project", instance=instance_settings(db()))


@bp.get("/")
def list_projects():
    projects = projects_for(db(), g.user)
    return render_template(
        "projects/project_list.html",
        projects=projects,
        can_create=_may_create_project(),
        invitations=invitations_for(db(), g.user),
        answer_form=AnswerInvitationForm(formdata=None),
        queues=queues_for(db(), g.user),
    )


@bp.post("/invitations/answer")
def answer_invitation_view():
    """Accept or decline an invitation into a project (shown on the project list)."""
    form = AnswerInvitationForm()
    if not form.validate_on_submit():
        form_errors(form)
        return redirect(url_for("projects.list_projects"))
    accept = form.answer.data == "accept"
    try:
        project = answer_invitation(db(), form.invitation.data, g.user, accept=accept)
    except WorkbenchError as exc:
        db().rollback()
        flash(exc.message, "error")
        return redirect(url_for("projects.list_projects"))
    db().commit()
    if accept:
        flash(f"You joined {project.name!r}.", "info")
        return redirect(url_for("projects.show_project", project_id=project.id))
    flash(f"You declined the invitation to {project.name!r}.", "info")
    return redirect(url_for("projects.list_projects"))


@bp.route("/projects/new", methods=["GET", "POST"])
def create_project_view():
    if not _may_create_project():
        raise PermissionDenied("Only administrators may create projects on this workbench.")
    form = ProjectForm()
    status = 200
    if form.validate_on_submit():
        try:
            project = create_project(
                db(),
                form.name.data,
                targets=_lines(form.targets.data),
                description=form.description.data or "",
                guidelines=form.guidelines.data or "",
                creator=g.user,
            )
        except WorkbenchError as exc:
            db().rollback()
            flash(exc.message, "error")
            status = exc.status
        else:
            db().commit()
            flash(f"Project {project.name!r} created. Import articles to start.", "info")
            return redirect(url_for("projects.show_project", project_id=project.id))
    else:
        status = form_errors(form)
    return render_template("projects/project_new.html", form=form), status


@bp.get("/projects/<int:project_id>")
def show_project(project_id: int):
    project, role = load_project(project_id)
    # An annotator of a project that assigns work sees the articles assigned to them.
    mine_only = not can(g.user, "view-article", role, article=_unassigned(project))
    progress = article_progress(
        db(), project, g.user, page=query_int("page", minimum=1), assigned_only=mine_only
    )
    return render_template(
        "projects/project_show.html",
        project=project,
        role=role,
        progress=progress.articles,
        page=progress.page,
        claims_total=progress.claims_total,
        mine_total=progress.mine_total,
        mine_only=mine_only,
        can=lambda action: can(g.user, action, role),
        rerun_form=RerunSuggestionsForm(formdata=None, scope="project"),
        runs=recent_suggestion_runs(db(), project, limit=1)
        if can(g.user, "suggest-articles", role)
        else [],
        run_status=run_status,
    )


@bp.post("/projects/<int:project_id>/suggestions/rerun")
def rerun_suggestions(project_id: int):
    """Re-run the suggester over every article of the project, as a job in a thread
    of this worker (batch by batch, see workbench/jobs.py); show the run when it ends
    within WORKBENCH_IMPORT_WAIT_SECONDS, else its progress."""
    project, _ = load_project(project_id, "suggest-articles", eager=False)
    form = RerunSuggestionsForm()
    if not form.validate_on_submit():
        form_errors(form)
        flash("Nothing was re-run: use the button on the project page.", "error")
        return redirect(url_for("projects.show_project", project_id=project.id))
    run = create_suggestion_run(db(), project, g.user)
    db().commit()  # the run's row, before its thread writes the batches
    thread = start_suggestions(current_app.extensions["workbench.sessions"], run.id)
    thread.join(current_app.config["WORKBENCH"]["IMPORT_WAIT_SECONDS"])
    return redirect(
        url_for("projects.show_suggestion_run", project_id=project.id, job_id=run.id), 303
    )


@bp.get("/projects/<int:project_id>/suggestions/runs/<int:job_id>")
def show_suggestion_run(project_id: int, job_id: int):
    """A re-run's progress (the page reloads itself while it runs) or its result."""
    project, _ = load_project(project_id, "suggest-articles", eager=False)
    run = get_suggestion_run(db(), project, job_id)
    return render_template(
        "projects/suggestion_run.html", project=project, run=run, status=run_status(run)
    )


@bp.get("/projects/<int:project_id>/history")
def project_history_view(project_id: int):
    """The changes to the project's settings and members, newest first, a page at a time."""
    project, _ = load_project(project_id, "view-project-history", eager=False)
    page, entries = project_history(
        db(), project.id, page=query_int("page", minimum=1), size=PROJECT_HISTORY_PAGE_SIZE
    )
    rows = [
        (
            e,
            PROJECT_ACTIONS.get(e.action, e.action),
            describe_project_change(e.before),
            describe_project_change(e.after),
        )
        for e in entries
    ]
    return render_template("projects/project_history.html", project=project, rows=rows, page=page)


@bp.route("/projects/<int:project_id>/settings", methods=["GET", "POST"])
def edit_project(project_id: int):
    project, role = load_project(project_id, "edit-project")
    form = SettingsForm()
    status = 200
    saved = None
    if not form.is_submitted():
        grouped = labels_by_field(project)
        form.name.data = project.name
        form.description.data = project.description
        form.guidelines.data = project.guidelines
        form.targets.data = "\n".join(t.name for t in project.targets)
        for field in LABELLED_FIELDS:
            getattr(form, field).data = format_label_lines(
                [(lb.value, lb.description) for lb in grouped[field]]
            )
        form.keys.data = format_keymap_lines(project_keymap(project))
        form.gold_reasons.data = "\n".join(gold_reasons(project))
        form.seen.data = record_digest(settings_record(project))
    elif form.validate():
        # Locked first (the lock reads the project, its targets and labels again),
        # so that no other edit commits between this check and the write.
        lock_codebook(db(), project)
        saved = stale_record(form, settings_record(project))
        if saved is not None:  # nothing is saved; the form keeps what was typed
            status = 409
        else:
            try:
                _save_settings(project, form)
            except WorkbenchError as exc:
                db().rollback()
                if exc.field == "keys":  # shown beside the box, naming the line
                    form.keys.errors = [*form.keys.errors, exc.message]
                    flash("Nothing was changed: the keys need a correction (below).", "error")
                else:
                    flash(exc.message + " Nothing was changed.", "error")
                status = exc.status
            else:
                db().commit()
                flash("Settings saved.", "info")
                return redirect(url_for("projects.show_project", project_id=project.id))
    else:
        status = form_errors(form)
    # Prefixed: its fields must not share names with the settings form's.
    rename_form = RenameTargetForm(formdata=None, prefix="rename")
    rename_form.target.choices = [(t.id, t.name) for t in project.targets]
    return render_template(
        "projects/project_settings.html",
        project=project,
        form=form,
        rename_form=rename_form,
        saved=saved,
        stale_message=STALE_SETTINGS,
        actions=[(a.name, a.description, " ".join(shown(k) for k in a.keys)) for a in ACTIONS],
    ), status


def _save_settings(project: Project, form: SettingsForm) -> None:
    labels = {}
    for field in LABELLED_FIELDS:
        try:
            labels[field] = parse_label_lines(getattr(form, field).data)
        except ValueError as exc:
            raise InvalidInput(f"{field.capitalize()} labels, {exc}") from exc
    update_project(
        db(),
        project,
        name=form.name.data,
        description=form.description.data or "",
        guidelines=form.guidelines.data or "",
        targets=_lines(form.targets.data),
        labels=labels,
        user=g.user,
    )
    set_project_keymap(db(), project, form.keys.data or "", user=g.user)
    set_gold_reasons(db(), project, form.gold_reasons.data or "", user=g.user)


@bp.route("/projects/<int:project_id>/members", methods=["GET", "POST"])
def edit_members(project_id: int):
    """The members, and adding one: an admin adds an account directly, a manager
    who is not an admin invites a username (told the same whether it exists)."""
    project, role = load_project(project_id, "edit-project")
    form = MemberForm()
    status = 200
    direct = can(g.user, "add-members-directly")
    if form.validate_on_submit():
        try:
            message = _add_member(project, form, direct)
        except WorkbenchError as exc:
            db().rollback()
            flash(exc.message, "error")
            status = exc.status
        else:
            db().commit()
            flash(message, "info")
            return redirect(url_for("projects.edit_members", project_id=project.id))
    else:
        status = form_errors(form)
    return render_template(
        "projects/members_edit.html",
        project=project,
        form=form,
        direct=direct,
        remove_form=RemoveMemberForm(),
        withdraw_form=WithdrawInvitationForm(formdata=None),
        activate_form=ActivateMemberForm(formdata=None),
        imported=imported_members(db(), project),
        memberships=members(db(), project),
        invitations=pending_invitations(db(), project),
    ), status


def _add_member(project: Project, form: MemberForm, direct: bool) -> str:
    """Add (admins) or invite (other managers) the member the form names; return
    what to tell the user. Raises WorkbenchError."""
    if direct:
        user = get_user_by_name(db(), form.username.data)
        if user is None:
            raise InvalidInput(
                f"No user named {form.username.data!r}; an admin creates accounts first."
            )
        set_member(db(), project, user, form.role.data, by=g.user)
        return f"{user.username} is now {form.role.data} of this project."
    result = invite_member(db(), project, form.username.data, form.role.data, by=g.user)
    if result.outcome == "member":
        return f"{result.username} is now {result.role} of this project."
    return (
        f"Invited {result.username!r} as {result.role}. If an account has that name, its "
        "user sees the invitation on their project list and becomes a member on accepting it."
    )


@bp.post("/projects/<int:project_id>/members/remove")
def remove_member_view(project_id: int):
    project, role = load_project(project_id, "edit-project")
    form = RemoveMemberForm()
    if form.validate_on_submit():
        user = get_user_by_name(db(), form.username.data)
        try:
            if user is None:
                # The same words as for an account that is no member: nothing to learn.
                raise NotFound(f"{form.username.data.strip()} is not a member of this project.")
            remove_member(db(), project, user, by=g.user)
            moved = _hand_over_on_removal(project, user) if form.hand_over.data else None
            dropped = drop_assignments(db(), project, user, unstarted_only=False)
        except WorkbenchError as exc:
            db().rollback()
            flash(exc.message, "error")
        else:
            db().commit()
            said = f"{user.username} was removed; their annotations stay."
            if moved:
                said += f" Their unstarted articles: {moved}"
            elif dropped:
                said += f" {dropped} article(s) assigned to them now lack an annotator."
            flash(said, "info")
            if user.id == g.user.id and not g.user.is_admin:
                # Managers may remove themselves (another manager stays); the
                # members page is no longer theirs to see.
                return redirect(url_for("projects.list_projects"))
    else:
        form_errors(form)
    return redirect(url_for("projects.edit_members", project_id=project.id))


@bp.post("/projects/<int:project_id>/members/activate")
def activate_member_view(project_id: int):
    """Let an annotator whose account an annotation import made log in, with the
    password the manager gives it (ops.annotation_import.activate_imported_member)."""
    project, _ = load_project(project_id, "edit-project")
    form = ActivateMemberForm()
    if form.validate_on_submit():
        try:
            user = activate_imported_member(
                db(), project, form.username.data, form.password.data, by=g.user
            )
        except WorkbenchError as exc:
            db().rollback()
            flash(f"{exc.message} Nothing was changed.", "error")
        else:
            db().commit()
            flash(
                f"{user.username} can log in now, with the password you gave; they can "
                "change it by clicking their name at the top.",
                "info",
            )
    else:
        form_errors(form)
    return redirect(url_for("projects.edit_members", project_id=project.id))


def _hand_over_on_removal(project: Project, user) -> str | None:
    """Hand the removed member's unstarted articles to the project's other annotators;
    return what happened in words (None: nothing to hand over, or no one to take it)."""
    others = [m.user.username for m in members(db(), project) if m.role == "annotator"]
    if not others or not unstarted_articles(db(), project, user):
        return None
    return hand_over(db(), project, user, others, by=g.user).summary()


@bp.post("/projects/<int:project_id>/invitations/withdraw")
def withdraw_invitation_view(project_id: int):
    project, _ = load_project(project_id, "edit-project")
    form = WithdrawInvitationForm()
    if form.validate_on_submit():
        try:
            username = withdraw_invitation(db(), project, form.invitation.data)
        except WorkbenchError as exc:
            db().rollback()
            flash(exc.message, "error")
        else:
            db().commit()
            flash(f"The invitation of {username!r} is withdrawn.", "info")
    else:
        form_errors(form)
    return redirect(url_for("projects.edit_members", project_id=project.id))


@bp.post("/projects/<int:project_id>/targets/rename")
def rename_target_view(project_id: int):
    """Rename a stance target, keeping its id (and so its stances and history)."""
    project, _ = load_project(project_id, "edit-project")
    form = RenameTargetForm(prefix="rename")
    form.target.choices = [(t.id, t.name) for t in project.targets]
    if form.validate_on_submit():
        try:
            before = next((t.name for t in project.targets if t.id == form.target.data), None)
            changed = rename_target(db(), project, form.target.data, form.name.data, user=g.user)
        except WorkbenchError as exc:
            db().rollback()
            flash(f"{exc.message} Nothing was changed.", "error")
        else:
            db().commit()
            if changed:
                flash(f"Renamed the target {before!r} to {form.name.data.strip()!r}.", "info")
    else:
        form_errors(form)
    return redirect(url_for("projects.edit_project", project_id=project.id))
