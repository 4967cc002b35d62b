"""The speaker registry: list, add, edit, merge."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from workbench.db import lock_for_update
from workbench.errors import WorkbenchError
from workbench.models import SPEAKER_TYPES, Speaker
from workbench.ops.speakers import (
    create_speaker,
    find_speaker,
    get_speaker,
    merge_speakers,
    speaker_count,
    speaker_page,
    speaker_record,
    update_speaker,
)
from workbench.ops.suggestions import speaker_found_in
from workbench.permissions import can
from workbench.web.common import db, form_errors, load_project, options, query_int
from workbench.web.stale import record_digest, stale_record
from workbench.words import counted

bp = Blueprint("speakers", __name__)


class SpeakerForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=300)])
    type = SelectField("Type", choices=options(SPEAKER_TYPES), default="person")
    title = StringField("Title or role", validators=[Length(max=300)])
    aliases = TextAreaField("Aliases, one per line", validators=[Length(max=20_000)])


class SpeakerEditForm(SpeakerForm):
    seen = HiddenField()


STALE_SPEAKER = (
    "Someone changed this speaker after you opened this page. Your changes were not saved. "
    "The current saved values are shown below; review and save again to replace them."
)


class MergeSpeakersForm(FlaskForm):
    # Typed, not chosen from a list: a registry can have many thousands of speakers.
    source = StringField("Merge (id or name)", validators=[DataRequired(), Length(max=300)])
    target = StringField("into (id or name)", validators=[DataRequired(), Length(max=300)])


class SpeakerSearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form that changes nothing

    q = StringField("Find a speaker (name or alias)", validators=[Length(max=300)])


def _aliases(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


@bp.route("/projects/<int:project_id>/speakers", methods=["GET", "POST"])
def list_speakers(project_id: int):
    project, role = load_project(project_id)
    form = SpeakerForm()
    status = 200
    if form.is_submitted():
        load_project(project_id, "add-speaker")
        if form.validate():
            try:
                speaker = create_speaker(
                    db(),
                    project,
                    form.name.data,
                    type=form.type.data,
                    title=form.title.data or "",
                    aliases=_aliases(form.aliases.data),
                    user=g.user,
                )
            except WorkbenchError as exc:
                db().rollback()
                flash(exc.message, "error")
                status = exc.status
            else:
                db().commit()
                flash(f"Added {speaker.name}.", "info")
                return redirect(url_for("speakers.list_speakers", project_id=project.id))
        else:
            status = form_errors(form)
    search = SpeakerSearchForm(request.args)
    query = (search.q.data or "")[:300]
    page, speakers = speaker_page(db(), project, page=query_int("page", minimum=1), search=query)
    return render_template(
        "speakers/speaker_list.html",
        project=project,
        speakers=speakers,
        page=page,
        search=search,
        query=query,
        registry_size=page.total if not query else speaker_count(db(), project),
        form=form,
        merge_form=MergeSpeakersForm(formdata=None),
        can_add=can(g.user, "add-speaker", role),
        can_manage=can(g.user, "manage-speakers", role),
    ), status


@bp.get("/projects/<int:project_id>/speakers/<int:speaker_id>")
def show_speaker(project_id: int, speaker_id: int):
    """A speaker and where it was found: the articles whose suggestions name it."""
    project, role = load_project(project_id)
    speaker = get_speaker(db(), project, speaker_id)
    page, found = speaker_found_in(db(), speaker, page=query_int("page", minimum=1))
    return render_template(
        "speakers/speaker_show.html",
        project=project,
        speaker=speaker,
        page=page,
        found=found,
        can_manage=can(g.user, "manage-speakers", role),
    )


@bp.route("/projects/<int:project_id>/speakers/<int:speaker_id>/edit", methods=["GET", "POST"])
def edit_speaker(project_id: int, speaker_id: int):
    project, _ = load_project(project_id, "manage-speakers")
    speaker = get_speaker(db(), project, speaker_id)
    form = SpeakerEditForm()
    if form.is_submitted():
        # Locked and read again (aliases too) before anything is checked, so that
        # no other edit or merge commits between the check below and the write.
        lock_for_update(db(), select(Speaker).where(Speaker.id == speaker.id))
    if speaker.merged_into_id is not None:
        flash(f"{speaker.name} was merged into another speaker; edit that one instead.", "error")
        return redirect(url_for("speakers.list_speakers", project_id=project.id))
    status = 200
    saved = None
    if not form.is_submitted():
        form.name.data = speaker.name
        form.type.data = speaker.type
        form.title.data = speaker.title
        form.aliases.data = "\n".join(a.alias for a in speaker.aliases)
        form.seen.data = record_digest(speaker_record(speaker))
    elif form.validate():
        saved = stale_record(form, speaker_record(speaker))
        if saved is not None:  # nothing is saved; the form keeps what was typed
            status = 409
        else:
            try:
                update_speaker(
                    db(),
                    speaker,
                    name=form.name.data,
                    type=form.type.data,
                    title=form.title.data or "",
                    aliases=_aliases(form.aliases.data),
                    user=g.user,
                )
            except WorkbenchError as exc:
                db().rollback()
                flash(exc.message, "error")
                status = exc.status
            else:
                db().commit()
                flash("Speaker saved.", "info")
                return redirect(url_for("speakers.list_speakers", project_id=project.id))
    else:
        status = form_errors(form)
    return render_template(
        "speakers/speaker_edit.html",
        project=project,
        speaker=speaker,
        form=form,
        saved=saved,
        stale_message=STALE_SPEAKER,
    ), status


@bp.post("/projects/<int:project_id>/speakers/merge")
def merge_speakers_view(project_id: int):
    project, _ = load_project(project_id, "manage-speakers")
    form = MergeSpeakersForm()
    if not form.validate_on_submit():
        form_errors(form)
        return redirect(url_for("speakers.list_speakers", project_id=project.id))
    try:
        source = find_speaker(db(), project, form.source.data)
        target = find_speaker(db(), project, form.target.data)
        changed = merge_speakers(db(), source, target, user=g.user)
    except WorkbenchError as exc:
        db().rollback()
        flash(exc.message, "error")
    else:
        db().commit()
        flash(
            f"Merged {source.name} into {target.name}; {counted(changed, 'annotation')} now "
            f"{'names' if changed == 1 else 'name'} {target.name}.",
            "info",
        )
    return redirect(url_for("speakers.list_speakers", project_id=project.id))
