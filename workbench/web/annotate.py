"""The annotation page: an article's text with its claims, and the form for one claim."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, jsonify, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import HiddenField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from workbench.errors import Conflict, InvalidInput, WorkbenchError
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
from workbench.ops.speaker_choice import choose_speaker
from workbench.ops.speakers import lookup, registry, speakers_named
from workbench.ops.workspace import Mark, Workspace, build_workspace, claims_stretch
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


def annotation_form_class(project, speakers):
    """Return a form class for this project's targets, labels and speakers."""
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
        "speaker": SelectField("Speaker", choices=speaker_choices, default=""),
        "new_speaker_name": StringField("or add a speaker", validators=[Length(max=300)]),
        "new_speaker_type": SelectField("type", choices=options(SPEAKER_TYPES), default="person"),
        "new_speaker_title": StringField("title or role", validators=[Length(max=300)]),
        "new_speaker_aliases": StringField(
            "other names (separated by ;)", validators=[Length(max=1000)]
        ),
        "via": SelectField("Via", choices=speaker_choices, default=""),
        "new_via_name": StringField("or add a source", validators=[Length(max=300)]),
        "new_via_type": SelectField("type", choices=options(SPEAKER_TYPES), default="organization"),
        "attribution": radio("attribution", "Attribution"),
        "verifiability": radio("verifiability", "Verifiability"),
        "note": TextAreaField("Note", validators=[Length(max=10_000)]),
    }
    for target in project.targets:
        attrs[f"stance_{target.id}"] = radio("stance", f"Stance: {target.name}")
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
    form.speaker.data = str(annotation.speaker_id or "")
    form.via.data = str(annotation.via_id or "")
    form.attribution.data = annotation.attribution
    form.verifiability.data = annotation.verifiability
    form.note.data = annotation.note
    stances = {s.target_id: s.value for s in annotation.stances}
    for target in project.targets:
        getattr(form, f"stance_{target.id}").data = stances.get(target.id, "")


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
        marks=[],
    )
    # Which claims are annotated changes with every save: never from a cache.
    return fragment, {"Cache-Control": "no-store"}


# What each kind of evidence is, for the marks' titles and the legend.
EVIDENCE_LABELS = {
    "cue": "speech cue",
    "source": "source mention",
    "antecedent": "earlier mention it refers to",
    "via": "intermediary source (via)",
    "quote": "quotation",
    "trigger": "words behind the verifiability hint",
    "dateline": "wire dateline",
    "other": "evidence",
}
FIELD_LABELS = {
    "speaker": "Speaker",
    "speaker_type": "Speaker type",
    "via": "Via",
    "attribution": "Attribution",
    "verifiability": "Verifiability",
}


@bp.app_template_filter("with_marks")
def with_marks(piece: str, offset: int, marks: list[Mark] | None) -> Markup:
    """Return ``piece`` (the article's text from ``offset``) as HTML, the parts that are
    evidence of the selected claim's suggestions in <mark> elements: a class per role
    and a title saying what each is (a part that is evidence twice gets both)."""
    end = offset + len(piece)
    inside = [m for m in marks or () if m.start < end and m.end > offset]
    if not inside:
        return escape(piece)
    cuts = sorted(
        {offset, end} | {max(m.start, offset) for m in inside} | {min(m.end, end) for m in inside}
    )
    out = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        text = escape(piece[a - offset : b - offset])
        roles = sorted({m.role for m in inside if m.start <= a and m.end >= b})
        if not roles:
            out.append(text)
            continue
        title = "; ".join(
            f"{EVIDENCE_LABELS[m.role]} ({FIELD_LABELS.get(m.field, m.field).lower()})"
            for m in inside
            if m.start <= a and m.end >= b
        )
        classes = " ".join(f"ev-{role}" for role in roles)
        out.append(
            Markup('<mark class="evidence {}" data-roles="{}" title="{}">{}</mark>').format(
                classes, " ".join(roles), title, text
            )
        )
    return Markup("").join(out)


# The form fields a speaker or via suggestion fills: the registry choice, then the
# new speaker's name, type, title and aliases (the via has no title or aliases).
_SPEAKER_FIELDS = {
    "speaker": (
        "speaker",
        "new_speaker_name",
        "new_speaker_type",
        "new_speaker_title",
        "new_speaker_aliases",
    ),
    "via": ("via", "new_via_name", "new_via_type", None, None),
}


def suggested_form_values(ws: Workspace, form) -> dict[str, str]:
    """Return the values the selected claim's suggestions put in the form, by form
    field name: a registry speaker as chosen in the list (or, when the list is not
    offered, by its name), a speaker new to the registry as a new name with its type,
    title and aliases, and the labels the form offers."""
    values: dict[str, str] = {}
    suggested = ws.suggested
    for name, (chosen, new_name, new_type, new_title, new_aliases) in _SPEAKER_FIELDS.items():
        value = suggested.get(name)
        if value is None:
            continue
        known = value.registry_speaker
        if known is not None:
            if str(known.id) in {c.value for c in getattr(form, chosen).choices}:
                values[chosen] = str(known.id)
            else:
                values[new_name] = known.name
            continue
        values[new_name] = value.value
        kind = (
            suggested["speaker_type"].value
            if name == "speaker" and "speaker_type" in suggested
            else ""
        )
        kind = kind if kind in SPEAKER_TYPES else value.speaker.get("type", "")
        if kind in SPEAKER_TYPES:
            values[new_type] = kind
        if new_title and value.speaker.get("title"):
            values[new_title] = value.speaker["title"]
        if new_aliases and value.speaker.get("aliases"):
            values[new_aliases] = "; ".join(value.speaker["aliases"])
    for name in ("attribution", "verifiability"):
        value = suggested.get(name)
        if value is not None and value.value in {c.value for c in getattr(form, name).choices}:
            values[name] = value.value
    return values


def _annotate_page(ws, role, form=None):
    """Render the annotate page of the workspace ``ws``, its selected claim open: the
    form filled from the database (or, for a claim the user has not annotated, from
    its suggestions), or ``form`` as given (a refused save, shown again as typed).
    A field whose value is still the suggested one is marked as suggested."""
    project, selected = ws.project, ws.selected
    prefilled: dict[str, str] = {}
    if selected is not None and form is None:
        form = annotation_form_class(project, ws.speakers)(formdata=None)
        _fill(form, project, ws.annotation)
        form.claim_span.data = f"{selected.start}:{selected.end}"
        if ws.annotation is None:
            prefilled = suggested_form_values(ws, form)
            for name, value in prefilled.items():
                getattr(form, name).data = value
    elif selected is not None and ws.annotation is None:
        prefilled = suggested_form_values(ws, form)
    suggested_fields = {
        name for name, value in prefilled.items() if str(getattr(form, name).data or "") == value
    }
    # The names pre-filled as new speakers, sent back with the form: saved as they are,
    # they are created with the suggestion's details (ops.speaker_choice).
    new_names = {
        f"suggested_{name}_name": value.value
        for name, value in ws.suggested.items()
        if prefilled and name in _SPEAKER_FIELDS and value.registry_speaker is None
    }
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
        suggested_fields=suggested_fields,
        suggested_new_names=new_names,
        can_accept=bool(prefilled),
        marks=ws.marks,
        evidence_labels=EVIDENCE_LABELS,
        field_labels=FIELD_LABELS,
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
    named = [request.form.get("speaker", ""), request.form.get("via", "")]
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
    may_add = can(g.user, "add-speaker", role)
    try:
        speaker_id = choose_speaker(
            db(),
            project,
            claim,
            "speaker",
            chosen=form.speaker.data,
            new_name=form.new_speaker_name.data,
            new_type=form.new_speaker_type.data,
            new_title=form.new_speaker_title.data or "",
            new_aliases=[a for a in (form.new_speaker_aliases.data or "").split(";")],
            prefilled=request.form.get("suggested_speaker_name", ""),
            user=g.user,
            may_add=may_add,
        )
        # The form has no title or aliases for a new via: a suggested one gets the
        # suggestion's (choose_speaker), one typed by hand none.
        via_id = choose_speaker(
            db(),
            project,
            claim,
            "via",
            chosen=form.via.data,
            new_name=form.new_via_name.data,
            new_type=form.new_via_type.data,
            prefilled=request.form.get("suggested_via_name", ""),
            user=g.user,
            may_add=may_add,
        )
        values = AnnotationInput(
            speaker_id=speaker_id,
            via_id=via_id,
            attribution=form.attribution.data or "",
            verifiability=form.verifiability.data or "",
            note=(form.note.data or "").strip(),
            stances={t.id: getattr(form, f"stance_{t.id}").data or "" for t in project.targets},
        )
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


def _readable(project, speakers, values: dict) -> list[tuple[str, str]]:
    """Return (label, value) rows for an annotation's values, with names instead of ids."""
    names = {s.id: s.name for s in speakers}
    stances = {str(k): v for k, v in (values.get("stances") or {}).items()}
    rows = [
        ("Speaker", values.get("speaker") or names.get(values.get("speaker_id"), "")),
        ("Via", values.get("via") or names.get(values.get("via_id"), "")),
        ("Attribution", values.get("attribution") or ""),
    ]
    rows += [(f"Stance: {t.name}", stances.get(str(t.id), "")) for t in project.targets]
    rows += [
        ("Verifiability", values.get("verifiability") or ""),
        ("Note", values.get("note") or ""),
    ]
    return rows


# Fields of the annotation form that describe what the form was based on, not the values.
_BASIS_FIELDS = {"csrf_token", "base_version", "claim_span", "next_claim"}


def _conflict_page(project, claim, speakers, error: Conflict, values: AnnotationInput | None):
    mine = None
    if values is not None:
        mine = _readable(
            project,
            speakers,
            {
                "speaker_id": values.speaker_id,
                "via_id": values.via_id,
                "attribution": values.attribution,
                "verifiability": values.verifiability,
                "note": values.note,
                "stances": values.stances,
            },
        )
        # A speaker typed in the form was not created (the save was rolled back).
        for i, (field, name) in enumerate(
            (("Speaker", "new_speaker_name"), ("Via", "new_via_name"))
        ):
            typed = request.form.get(name, "").strip()
            if typed:
                known = lookup([s for s in speakers if s.merged_into_id is None], typed)
                mine[i] = (field, known.name if known else f"{typed} (new)")
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
