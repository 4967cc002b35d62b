"""The annotation page: an article's text with its claims, and the form for one claim."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, jsonify, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from workbench.errors import Conflict, InvalidInput, WorkbenchError
from workbench.fields import FIELDS, LABEL, RECORD_ORDER, SPEAKER, STANCES, TEXT, of_kind
from workbench.models import SPEAKER_TYPES, Annotation
from workbench.ops.annotations import AnnotationInput, save_annotation
from workbench.ops.claims import (
    annotations_left_behind,
    get_project_claim,
    merge_with_next,
    split_claim,
    trim_claim,
)
from workbench.ops.history import claim_history_page, describe
from workbench.ops.projects import labels_by_field, target_names
from workbench.ops.speakers import find_or_create_speaker, lookup, registry, speakers_named
from workbench.ops.workspace import build_workspace, claims_stretch
from workbench.permissions import can
from workbench.web.common import (
    database_int,
    db,
    form_int,
    load_project,
    options,
    query_int,
    requested_workspace,
    wants_json,
    whole_number,
)

bp = Blueprint("annotate", __name__)


# Adding a speaker from the form, per speaker field: the prompt, the default type,
# and whether a title and other names are asked for (the via gets a type only).
_NEW_SPEAKER = {
    "speaker": ("or add a speaker", "person", True),
    "via": ("or add a source", "organization", False),
}


def _new_speaker(f) -> tuple[str, str, bool]:
    return _NEW_SPEAKER.get(f.name, (f"or add a {f.label.lower()}", "person", False))


def _target_field(f, target) -> str:
    """The form field of a per-target field's value for one target: ``stance_<id>``."""
    return f"{f.choices}_{target.id}"


def annotation_form_class(project, speakers):
    """Return a form class for this project's targets, labels and speakers: one form
    field per annotation field of workbench/fields.py (per target for the stances)."""
    grouped = labels_by_field(project)
    speaker_choices = options([("", "(none)")] + [(str(s.id), s.name) for s in speakers])

    def radio(field_name, label):
        return RadioField(
            label,
            choices=options(
                [("", "not set")] + [(lb.value, lb.value) for lb in grouped[field_name]]
            ),
            default="",
            validators=[Optional()],
        )

    attrs = {
        "base_version": HiddenField(),
        # The claim's boundaries as the annotator saw them: "start:end".
        "claim_span": HiddenField(),
    }
    for f in RECORD_ORDER:
        if f.kind == SPEAKER:
            prompt, default_type, described = _new_speaker(f)
            attrs[f.name] = SelectField(f.label, choices=speaker_choices, default="")
            attrs[f"new_{f.name}_name"] = StringField(prompt, validators=[Length(max=300)])
            attrs[f"new_{f.name}_type"] = SelectField(
                "type", choices=options(SPEAKER_TYPES), default=default_type
            )
            if described:
                attrs[f"new_{f.name}_title"] = StringField(
                    "title or role", validators=[Length(max=300)]
                )
                attrs[f"new_{f.name}_aliases"] = StringField(
                    "other names (separated by ;)", validators=[Length(max=1000)]
                )
        elif f.kind == LABEL:
            attrs[f.name] = radio(f.choices, f.label)
        elif f.kind == TEXT:
            limit = [Length(max=f.max_length)] if f.max_length is not None else []
            attrs[f.name] = TextAreaField(f.label, validators=limit)
        else:
            for target in project.targets:
                attrs[_target_field(f, target)] = radio(f.choices, f"{f.label}: {target.name}")
    return type("AnnotationForm", (FlaskForm,), attrs)


class SplitForm(FlaskForm):
    at_text = StringField("Second part begins with", validators=[Length(max=1000)])
    at = IntegerField("or at character offset", validators=[Optional(), database_int()])


class TrimForm(FlaskForm):
    start = IntegerField(
        "Start", validators=[InputRequired(message="a start offset is needed"), database_int()]
    )
    end = IntegerField(
        "End", validators=[InputRequired(message="an end offset is needed"), database_int()]
    )


class MergeForm(FlaskForm):
    pass


def _fill(form, project, annotation: Annotation | None):
    if annotation is None:
        form.base_version.data = ""
        return
    form.base_version.data = str(annotation.version)
    for f in RECORD_ORDER:
        if f.kind == SPEAKER:
            form[f.name].data = str(getattr(annotation, f.column) or "")
        elif f.kind == STANCES:
            stances = {s.target_id: s.value for s in annotation.stances}
            for target in project.targets:
                form[_target_field(f, target)].data = stances.get(target.id, "")
        else:
            form[f.name].data = getattr(annotation, f.column)


@bp.get("/projects/<int:project_id>/articles/<int:article_id>/annotate")
def annotate_article(project_id: int, article_id: int):
    project, role = load_project(project_id)
    ws = requested_workspace(project, article_id)
    if ws.merged_into_id is not None:
        flash("That claim was merged into the one shown.", "info")
        return redirect(_claim_url(project, ws.article, ws.merged_into_id))
    return _annotate_page(ws, role)


@bp.get("/projects/<int:project_id>/articles/<int:article_id>/claims-after/<int:claim_id>")
def claims_after(project_id: int, article_id: int, claim_id: int):
    """The claims after claim ``claim_id``, as an HTML fragment of the article's text
    that annotate.js puts in place while the annotator scrolls down."""
    return _claims_fragment(project_id, article_id, after=claim_id)


@bp.get("/projects/<int:project_id>/articles/<int:article_id>/claims-before/<int:claim_id>")
def claims_before(project_id: int, article_id: int, claim_id: int):
    """The claims before claim ``claim_id``, as a fragment (see claims_after)."""
    return _claims_fragment(project_id, article_id, before=claim_id)


def _claims_fragment(project_id: int, article_id: int, **anchor):
    project, _ = load_project(project_id)
    article, stretch = claims_stretch(db(), project, article_id, g.user, **anchor)
    fragment = render_template(
        "annotate/_claims.html",
        project=project,
        article=article,
        stretch=stretch,
        selected=None,
        earlier="before" in anchor,
        later="after" in anchor,
    )
    # Which claims are annotated changes with every save: never from a cache.
    return fragment, {"Cache-Control": "no-store"}


def _annotate_page(ws, role, form=None):
    """Render the annotate page of the workspace ``ws``, its selected claim open: the
    form filled from the database, or ``form`` as given (a refused save, shown again
    as typed)."""
    project, selected = ws.project, ws.selected
    if selected is not None and form is None:
        form = annotation_form_class(project, ws.speakers)(formdata=None)
        _fill(form, project, ws.annotation)
        form.claim_span.data = f"{selected.start}:{selected.end}"
        suggestion = ws.suggestions.get(selected.id, {}).get("verifiability")
        if ws.annotation is None and suggestion is not None:
            form.verifiability.data = suggestion.value
    page = render_template(
        "annotate/article_annotate.html",
        ws=ws,
        project=project,
        article=ws.article,
        claims=ws.claims,
        mine=ws.mine,
        suggestions=ws.suggestions,
        selected=selected,
        form=form,
        next_open=ws.next_open,
        split_form=SplitForm(formdata=None),
        trim_form=TrimForm(
            formdata=None,
            start=selected.start if selected else None,
            end=selected.end if selected else None,
        ),
        merge_form=MergeForm(formdata=None),
        can_edit_claims=can(g.user, "edit-claims", role),
        speaker_types=SPEAKER_TYPES,
    )
    # Never shown from the browser's cache or back-forward cache: Back must fetch the
    # page again, with the current values and version (the form also says
    # autocomplete="off", so the browser does not put old input back into it).
    return page, {"Cache-Control": "no-store"}


def _refused(project, role, claim, form, error: WorkbenchError):
    """A refused save from the page: the annotate page again, with the form as the
    user typed it (nothing lost) and the reason. A claim no longer active (merged)
    gets the error page, which says so."""
    if claim.state != "active" or wants_json():
        raise error
    message = error.message
    flash(
        message if message.startswith("The annotation was not saved") else f"Not saved: {message}",
        "error",
    )
    ws = build_workspace(db(), project, claim.article_id, g.user, claim_id=claim.id)
    # The form again, bound to what was sent, but offering current speakers only
    # (the one the save was checked with also lists merged ones).
    form = annotation_form_class(project, ws.speakers)()
    page, headers = _annotate_page(ws, role, form)
    return page, error.status, headers


def _claim_url(project, article, claim_id, fragment=True, **kwargs):
    return url_for(
        "annotate.annotate_article",
        project_id=project.id,
        article_id=article.id,
        claim=claim_id,
        **kwargs,
    ) + ("#claim-form" if fragment else "")


@bp.post("/projects/<int:project_id>/claims/<int:claim_id>/annotation")
def save_annotation_view(project_id: int, claim_id: int):
    project, role = load_project(project_id, "annotate-claim")
    claim = get_project_claim(db(), project.id, claim_id)
    article = claim.article
    # The form is checked against the speakers it names, not the whole registry (which
    # can be big); merged ones too: a form opened before a merge names the merged one,
    # which save_annotation resolves to the speaker it was merged into.
    named = [request.form.get(f.name, "") for f in of_kind(SPEAKER)]
    form = annotation_form_class(project, speakers_named(db(), project, named))()
    if not form.validate_on_submit():
        errors = "; ".join(
            f"{getattr(form, k).label.text}: {', '.join(v)}" for k, v in form.errors.items()
        )
        return _refused(
            project, role, claim, form, InvalidInput(f"The annotation was not saved: {errors}")
        )
    damaged = "The form is damaged (its version or claim span); reload the claim."
    try:
        base = whole_number(form.base_version.data, "base_version")
        span = form.claim_span.data
        seen = [whole_number(x, "claim_span") for x in span.split(":")] if span else None
    except WorkbenchError as exc:
        raise InvalidInput(damaged) from exc
    if seen is not None and (len(seen) != 2 or None in seen):
        raise InvalidInput(damaged)
    next_id = form_int("next_claim")  # refused before anything is saved
    values = None  # a Conflict can come from adding a speaker, before the values exist
    try:
        values = AnnotationInput(**_form_values(project, role, form))
        annotation = save_annotation(
            db(), project, claim, g.user, values, base_version=base, seen_span=seen
        )
    except Conflict as exc:
        db().rollback()
        if wants_json():
            raise
        if values is None:  # adding a speaker was refused: there is nothing to compare yet
            return _refused(project, role, claim, form, exc)
        speakers = registry(db(), project, include_merged=True)
        return _conflict_page(project, claim, speakers, exc, values), 409
    except WorkbenchError as exc:
        db().rollback()
        return _refused(project, role, claim, form, exc)
    db().commit()
    if wants_json():
        return jsonify({"saved": True, "version": annotation.version, "claim_id": claim.id})
    flash(f"Saved claim {claim.position}.", "info")
    # No #claim-form fragment here: the saved message and the progress stay in view.
    return redirect(_claim_url(project, article, next_id or claim.id, fragment=False))


def _form_values(project, role, form) -> dict:
    """Return the AnnotationInput values of a submitted form, adding the speakers typed
    in it (raises InvalidInput when the user may not add one, Conflict as adding does)."""
    given: dict = {}
    for f in RECORD_ORDER:
        if f.kind == SPEAKER:
            _, _, described = _new_speaker(f)
            given[f.column] = _speaker_choice(
                project,
                role,
                form[f.name].data,
                form[f"new_{f.name}_name"].data,
                form[f"new_{f.name}_type"].data,
                form[f"new_{f.name}_title"].data if described else "",
                form[f"new_{f.name}_aliases"].data if described else "",
            )
        elif f.kind == STANCES:
            given[f.column] = {
                t.id: form[_target_field(f, t)].data or "" for t in project.targets
            }
        elif f.kind == TEXT:
            given[f.column] = (form[f.name].data or "").strip()
        else:
            given[f.column] = form[f.name].data or ""
    return given


def _readable(project, speakers, values: dict) -> list[tuple[str, str]]:
    """Return (label, value) rows for an annotation's values, with names instead of ids."""
    names = {s.id: s.name for s in speakers}
    rows = []
    for f in FIELDS:
        if f.kind == SPEAKER:
            rows.append((f.label, values.get(f.name) or names.get(values.get(f.column), "")))
        elif f.kind == STANCES:
            stances = {str(k): v for k, v in (values.get(f.name) or {}).items()}
            rows += [(f"{f.label}: {t.name}", stances.get(str(t.id), "")) for t in project.targets]
        else:
            rows.append((f.label, values.get(f.name) or ""))
    return rows


# Fields of the annotation form that describe what the form was based on, not the values.
_BASIS_FIELDS = {"csrf_token", "base_version", "claim_span", "next_claim"}


def _conflict_page(project, claim, speakers, error: Conflict, values: AnnotationInput | None):
    mine = None
    if values is not None:
        mine = _readable(
            project, speakers, {f.column: getattr(values, f.column) for f in RECORD_ORDER}
        )
        # A speaker typed in the form was not created (the save was rolled back).
        typed_in = {f.label: f"new_{f.name}_name" for f in of_kind(SPEAKER)}
        for i, (label, _) in enumerate(mine):
            typed = request.form.get(typed_in[label], "").strip() if label in typed_in else ""
            if typed:
                known = lookup([s for s in speakers if s.merged_into_id is None], typed)
                mine[i] = (label, known.name if known else f"{typed} (new)")
    # "Save mine": the same values again, now based on what is saved (a deliberate
    # overwrite, after seeing both), and on the claim's boundaries as shown here.
    resend = [(k, v) for k, v in request.form.items(multi=True) if k not in _BASIS_FIELDS]
    return render_template(
        "annotate/annotation_conflict.html",
        project=project,
        claim=claim,
        message=error.message,
        saved=_readable(project, speakers, error.current) if error.current else None,
        mine=mine,
        reload_url=_claim_url(project, claim.article, claim.id),
        resend=resend if values is not None else None,
        base_version=(error.current or {}).get("version") or "",
        claim_span=f"{claim.start}:{claim.end}",
    )


def _speaker_choice(
    project, role, chosen, new_name, new_type, new_title, new_aliases
) -> int | None:
    new_name = (new_name or "").strip()
    if new_name:
        if not can(g.user, "add-speaker", role):
            raise InvalidInput("You may not add speakers to this project.")
        return find_or_create_speaker(
            db(),
            project,
            new_name,
            type=new_type,
            title=new_title or "",
            aliases=[a.strip() for a in (new_aliases or "").split(";") if a.strip()],
            user=g.user,
        ).id
    if not chosen:
        return None
    try:
        return int(chosen)
    except ValueError as exc:
        raise InvalidInput("Unknown speaker.") from exc


@bp.post("/projects/<int:project_id>/claims/<int:claim_id>/split")
def split_claim_view(project_id: int, claim_id: int):
    project, _ = load_project(project_id, "edit-claims")
    claim = get_project_claim(db(), project.id, claim_id)
    form = SplitForm()
    if not form.validate_on_submit():
        raise InvalidInput("Give the text where the second part begins, or an offset.")
    at = form.at.data
    if at is None:
        needle = (form.at_text.data or "").strip()
        if not needle:
            raise InvalidInput("Give the text where the second part begins, or an offset.")
        found = claim.text.find(needle, 1)
        if found <= 0:
            raise InvalidInput(f"{needle!r} does not occur inside the claim (after its start).")
        at = claim.start + found
    try:
        second = split_claim(db(), claim, at, user=g.user)
    except WorkbenchError:
        db().rollback()
        raise
    db().commit()
    flash("Claim split in two; its annotations are flagged for a second look.", "info")
    return redirect(_claim_url(project, claim.article, second.id))


@bp.post("/projects/<int:project_id>/claims/<int:claim_id>/merge")
def merge_claim_view(project_id: int, claim_id: int):
    project, _ = load_project(project_id, "edit-claims")
    claim = get_project_claim(db(), project.id, claim_id)
    if not MergeForm().validate_on_submit():
        abort(400)
    try:
        merge_with_next(db(), claim, user=g.user)
    except WorkbenchError:
        db().rollback()
        raise
    left = annotations_left_behind(db(), claim)
    db().commit()
    flash("Claim merged with the next one; annotations are flagged for a second look.", "info")
    if left:
        flash(
            f"{left} annotator{'s' if left != 1 else ''} had annotated both claims: the "
            "annotation of the first claim is kept for the merged claim; the one of the "
            "second claim stays in the claim's history but is no longer exported.",
            "warning",
        )
    return redirect(_claim_url(project, claim.article, claim.id))


@bp.post("/projects/<int:project_id>/claims/<int:claim_id>/trim")
def trim_claim_view(project_id: int, claim_id: int):
    project, _ = load_project(project_id, "edit-claims")
    claim = get_project_claim(db(), project.id, claim_id)
    form = TrimForm()
    if not form.validate_on_submit():
        raise InvalidInput("Give the new start and end offsets as whole numbers.")
    before = (claim.start, claim.end)
    try:
        trim_claim(db(), claim, form.start.data, form.end.data, user=g.user)
    except WorkbenchError:
        db().rollback()
        raise
    db().commit()
    if (claim.start, claim.end) == before:
        flash(
            "The claim already has these boundaries (after trimming white space); nothing changed.",
            "info",
        )
    else:
        flash("Claim boundaries changed; annotations are flagged for a second look.", "info")
    return redirect(_claim_url(project, claim.article, claim.id))


@bp.get("/projects/<int:project_id>/claims/<int:claim_id>/history")
def claim_history_view(project_id: int, claim_id: int):
    project, role = load_project(project_id, "view-history")
    claim = get_project_claim(db(), project.id, claim_id)
    # Annotators code blind: they see their own annotation's history, not the others'.
    blind = not can(g.user, "view-all-annotations", role)
    page, entries = claim_history_page(
        db(),
        claim.id,
        annotations_of=g.user.id if blind else None,
        page=query_int("page", minimum=1),
    )
    names = target_names(db(), project.id)
    return render_template(
        "annotate/claim_history.html",
        project=project,
        claim=claim,
        page=page,
        rows=[
            (e, describe(e.before, names, blind=blind), describe(e.after, names, blind=blind))
            for e in entries
        ],
        blind=blind,
    )
