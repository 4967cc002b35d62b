"""The annotation page: an article's text with its claims, and the form for one claim."""

from __future__ import annotations

from flask import Blueprint, flash, g, jsonify, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import HiddenField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from workbench.errors import Conflict, InvalidInput, WorkbenchError
from workbench.fields import FIELDS, LABEL, RECORD_ORDER, SPEAKER, STANCES, TEXT, of_kind
from workbench.keymap import ACTIONS
from workbench.labels import label_name
from workbench.models import SPEAKER_TYPES, Annotation
from workbench.ops.annotations import AnnotationInput, save_annotation
from workbench.ops.claims import (
    annotations_left_behind,
    get_project_claim,
    merge_with_next,
    merge_with_previous,
    prepare_edit,
    split_claim,
    split_offset,
    trim_claim,
)
from workbench.ops.history import claim_history_page, describe, describe_action
from workbench.ops.projects import labels_by_field, project_keymap, target_names
from workbench.ops.speaker_choice import choose_speaker
from workbench.ops.speakers import lookup, registry, speakers_named
from workbench.ops.workspace import (
    Mark,
    Workspace,
    article_speakers,
    build_workspace,
    claim_marks,
    claims_stretch,
    next_article_open,
    project_progress,
)
from workbench.permissions import OPEN_ARTICLE, can
from workbench.web.common import (
    database_int,
    db,
    form_int,
    late_write,
    load_article,
    load_project,
    options,
    query_int,
    requested_workspace,
    start_write,
    wants_json,
    whole_number,
)
from workbench.words import counted

bp = Blueprint("annotate", __name__)


# The form's limits for a new speaker's title, one alias, and the other names field.
TITLE_LIMIT, ALIAS_LIMIT, ALIASES_FIELD_LIMIT = 300, 300, 1000

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
                [("", "not set")]
                + [(lb.value, label_name(lb.value)) for lb in grouped[field_name]]
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
                    "title or role", validators=[Length(max=TITLE_LIMIT)]
                )
                attrs[f"new_{f.name}_aliases"] = StringField(
                    "other names (separated by ;)", validators=[Length(max=ALIASES_FIELD_LIMIT)]
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


SPLIT_HOW = "Give the text where the second part begins, or an offset."
EXPIRED_FORM = (
    "The form had expired (its security token is missing or old); nothing changed. Try again."
)


def _form_problem(form, problem: str) -> str:
    """Why a boundary form was refused: an expired form, or ``problem``."""
    return EXPIRED_FORM if "csrf_token" in form.errors else problem


class SplitForm(FlaskForm):
    at_text = StringField(
        "Second part begins with (or: the claim's first words, to split after them)",
        validators=[Length(max=1000)],
    )
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
    project, role = load_article(project_id, article_id)
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
    """The fragment of claims before or after ``anchor``; ``?marks=<claim id>`` (the
    claim open on the page) highlights that claim's evidence in it too."""
    project, _ = load_article(project_id, article_id)
    article, stretch = claims_stretch(db(), project, article_id, g.user, **anchor)
    marks_for = query_int("marks")
    fragment = render_template(
        "annotate/_claims.html",
        project=project,
        article=article,
        stretch=stretch,
        selected=None,
        earlier="before" in anchor,
        later="after" in anchor,
        marks=claim_marks(db(), article, marks_for) if marks_for is not None else [],
        marks_for=marks_for,
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


@bp.app_template_filter("label_name")
def label_name_filter(value: str) -> str:
    """A label's human name (workbench.labels.label_name)."""
    return label_name(value)


@bp.app_template_filter("history_action")
def history_action(entry) -> str:
    """What a history entry did, in words (ops.history.describe_action)."""
    return describe_action(entry.entity, entry.action)


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


SPEAKER_NAMES = frozenset(f.name for f in of_kind(SPEAKER))


def _fitting(aliases) -> str:
    """The suggested other names as the form gives them ("; " between), leaving out
    one longer than an alias may be and those past the field's length."""
    kept: list[str] = []
    size = 0
    for alias in aliases:
        alias = " ".join(alias.replace(";", " ").split())
        if not alias or len(alias) > ALIAS_LIMIT:
            continue
        if size + len(alias) + (2 if kept else 0) > ALIASES_FIELD_LIMIT:
            break
        size += len(alias) + (2 if kept else 0)
        kept.append(alias)
    return "; ".join(kept)


def suggested_form_values(ws: Workspace, form) -> dict[str, str]:
    """Return the values the selected claim's suggestions put in the form, by form
    field name (the suggester's fields of each field of workbench/fields.py): a
    registry speaker as chosen in the list (or, when the list is not offered, by its
    name), a speaker new to the registry as a new name with its type (the speaker's
    suggested type, else the one the suggester saw), title and aliases, and the labels
    the form offers."""
    values: dict[str, str] = {}
    suggested = ws.suggested
    for f in FIELDS:
        value = suggested.get(f.name) if f.name in f.suggested else None
        if value is None or f.kind not in (SPEAKER, LABEL):
            continue
        if f.kind == LABEL:
            if value.value in {c.value for c in form[f.name].choices}:
                values[f.name] = value.value
            continue
        known = value.registry_speaker
        if known is not None:
            if str(known.id) in {c.value for c in form[f.name].choices}:
                values[f.name] = str(known.id)
            else:
                values[f"new_{f.name}_name"] = known.name
            continue
        values[f"new_{f.name}_name"] = value.value
        kinds = [suggested[n].value for n in f.suggested if n.endswith("_type") and n in suggested]
        kind = next((k for k in kinds if k in SPEAKER_TYPES), value.speaker.get("type", ""))
        if kind in SPEAKER_TYPES:
            values[f"new_{f.name}_type"] = kind
        if _new_speaker(f)[2]:  # the form asks for a new speaker's title and other names
            # Within the form's limits, so that accepting is never refused for them.
            if value.speaker.get("title"):
                values[f"new_{f.name}_title"] = value.speaker["title"][:TITLE_LIMIT].strip()
            aliases = _fitting(value.speaker.get("aliases") or ())
            if aliases:
                values[f"new_{f.name}_aliases"] = aliases
    return values


def _panel_context(ws, role, form=None, *, edit_refusal=None, split_form=None, trim_form=None):
    """The context of the annotate page's panel (templates/annotate/_panel.html) for
    the workspace ``ws``, its selected claim open: the form filled from the database
    (or, for a claim the user has not annotated, from its suggestions), or ``form`` as
    given (a refused save, shown again as typed). A field whose value is still the
    suggested one is marked as suggested. ``edit_refusal`` (the tool, the reason) is a
    refused boundary change, shown in the panel's boundary tools, open, with
    ``split_form`` or ``trim_form`` as typed."""
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
        if prefilled and name in SPEAKER_NAMES and value.registry_speaker is None
    }
    keys = project_keymap(project)
    return dict(
        ws=ws,
        project=project,
        article=ws.article,
        selected=selected,
        form=form,
        next_open=ws.next_open,
        split_form=split_form or SplitForm(formdata=None),
        trim_form=trim_form
        or TrimForm(
            formdata=None,
            start=selected.start if selected else None,
            end=selected.end if selected else None,
        ),
        merge_form=MergeForm(formdata=None),
        edit_refusal=edit_refusal,
        has_previous=selected is not None and selected.position > 1,
        has_next=selected is not None and selected.position < ws.total,
        can_edit_claims=can(g.user, "edit-claims", role),
        # The page was let through "view-article" for this article, which holds the
        # article to the same rule as annotating it: the role decides here.
        can_annotate=can(g.user, "annotate-claim", role, article=OPEN_ARTICLE),
        can_history=can(g.user, "view-history", role),
        can_see_roster=can(g.user, "manage-speakers", role),
        speaker_types=SPEAKER_TYPES,
        suggested_fields=suggested_fields,
        suggested_new_names=new_names,
        can_accept=bool(prefilled),
        marks=ws.marks,
        marks_for=selected.id if selected is not None and ws.suggested else None,
        evidence_labels=EVIDENCE_LABELS,
        field_labels=FIELD_LABELS,
        keys=keys,
        field_keys=_field_keys(project, keys),
        definitions=_definitions(project),
        mark_records=[[m.role, m.start, m.end, _mark_title(m)] for m in ws.marks],
    )


def _mark_title(m: Mark) -> str:
    return f"{EVIDENCE_LABELS[m.role]} ({FIELD_LABELS.get(m.field, m.field).lower()})"


def _field_keys(project, keys) -> dict[str, str]:
    """The key that moves to each field of the form, by form field name (the stance
    keys go to the targets in order; a target past the keys given has none)."""
    found = {}
    for f in RECORD_ORDER:
        if f.kind == STANCES:
            for target, key in zip(project.targets, keys.get("stance", ()), strict=False):
                found[_target_field(f, target)] = key
        elif keys.get(f.name):
            found[f.name] = keys[f.name][0]
    return found


def _definitions(project) -> dict[str, dict[str, str]]:
    """Each labelled field's definitions by label value (the codebook's descriptions)."""
    return {
        field_name: {lb.value: lb.description for lb in labels}
        for field_name, labels in labels_by_field(project).items()
    }


def _annotate_page(ws, role, form=None, **panel):
    """Render the annotate page of the workspace ``ws``: the article's text with its
    claims, the panel of the selected claim (see ``_panel_context``), the key map and
    the codebook."""
    context = _panel_context(ws, role, form, **panel)
    user = g.user
    context.update(
        claims=ws.claims,
        mine=ws.mine,
        suggestions=ws.suggestions,
        next_article=next_article_open(db(), ws.project, user, ws.article)
        if ws.next_open is None
        else None,
        project_total_done=project_progress(db(), ws.project, user),
        page_data={
            "keys": {name: list(k) for name, k in context["keys"].items()},
            "roster": [
                {"id": s.id, "name": s.name, "type": s.type, "title": s.title or ""}
                for s in article_speakers(db(), ws.article, user)
            ],
            "speakerTypes": list(SPEAKER_TYPES),
            "articleId": ws.article.id,
            "canAddSpeaker": can(user, "add-speaker", role),
            "panelUrl": url_for(
                "annotate.claim_panel",
                project_id=ws.project.id,
                article_id=ws.article.id,
                claim_id=0,
            ),
            "pageUrl": url_for(
                "annotate.annotate_article", project_id=ws.project.id, article_id=ws.article.id
            ),
            "speakersApi": f"/api/projects/{ws.project.id}/speakers",
            "sessionApi": url_for("api.show_session"),
        },
        key_actions=ACTIONS,
    )
    page = render_template("annotate/article_annotate.html", **context)
    # Never shown from the browser's cache or back-forward cache: Back must fetch the
    # page again, with the current values and version (the form also says
    # autocomplete="off", so the browser does not put old input back into it).
    return page, {"Cache-Control": "no-store"}


@bp.get("/projects/<int:project_id>/articles/<int:article_id>/claims/<int:claim_id>/panel")
def claim_panel(project_id: int, article_id: int, claim_id: int):
    """The panel of one claim (its text, suggestions and form) as an HTML fragment,
    which annotate.js puts in place of the panel shown when the annotator moves to
    another claim: the same template as the page's, so the page works the same with
    and without JavaScript. A claim merged away answers with the claim it went into."""
    project, role = load_article(project_id, article_id)
    ws = build_workspace(db(), project, article_id, g.user, claim_id=claim_id, window=0)
    if ws.merged_into_id is not None:
        ws = build_workspace(
            db(), project, article_id, g.user, claim_id=ws.merged_into_id, window=0
        )
    fragment = render_template("annotate/_panel.html", **_panel_context(ws, role))
    return fragment, {"Cache-Control": "no-store"}


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
    project, _ = load_project(project_id)
    claim = get_project_claim(db(), project.id, claim_id)
    project, role = load_article(project_id, claim.article_id, "annotate-claim")
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
    # "Save draft" sends status=draft; "Done" and "Done, next claim" send none.
    status = request.form.get("status") or "submitted"
    values = None  # a Conflict can come from adding a speaker, before the values exist
    try:
        values = AnnotationInput(**_form_values(project, role, claim, form), status=status)
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
    if status == "draft":
        flash(f"Saved claim {claim.position} as a draft (not done).", "info")
    else:
        flash(f"Saved claim {claim.position}. It is done.", "info")
    # No #claim-form fragment here: the saved message and the progress stay in view.
    return redirect(_claim_url(project, article, next_id or claim.id, fragment=False))


def _form_values(project, role, claim, form) -> dict:
    """Return the AnnotationInput values of a submitted form, adding the speakers typed
    in it or pre-filled from the claim's suggestions (raises InvalidInput when the user
    may not add one, Conflict as adding does; see ops.speaker_choice)."""
    given: dict = {}
    may_add = can(g.user, "add-speaker", role)
    for f in RECORD_ORDER:
        if f.kind == SPEAKER:
            _, _, described = _new_speaker(f)
            aliases = form[f"new_{f.name}_aliases"].data if described else None
            # A form without a title and other names for a new speaker (the via's):
            # one pre-filled from a suggestion gets the suggestion's, one typed none.
            given[f.column] = choose_speaker(
                db(),
                project,
                claim,
                f.name,
                chosen=form[f.name].data,
                new_name=form[f"new_{f.name}_name"].data,
                new_type=form[f"new_{f.name}_type"].data,
                new_title=(form[f"new_{f.name}_title"].data or "") if described else None,
                new_aliases=(aliases or "").split(";") if described else None,
                prefilled=request.form.get(f"suggested_{f.name}_name", ""),
                user=g.user,
                may_add=may_add,
            )
        elif f.kind == STANCES:
            given[f.column] = {t.id: form[_target_field(f, t)].data or "" for t in project.targets}
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


def _prepared(claim, edit: str, **where):
    """The article's suggestions for the claims the edit will leave, made before the
    write transaction (ops.claims.prepare_edit); then the write transaction begins
    (on SQLite, one writer at a time: the suggester does not hold the others up)."""
    prepared = prepare_edit(db(), claim, edit, **where)
    start_write()
    return prepared


def _edit_refused(project, role, claim, tool: str, error: WorkbenchError, **forms):
    """A refused boundary change (``tool``: split, trim or merge) from the page: the
    annotate page again with the claim still selected (or the claim it was merged into
    since), the tool's form as typed, and the reason in the panel, with the error's
    status (400, or 409). A JSON client gets the error as JSON."""
    article_id = claim.article_id
    claim_id = claim.id
    db().rollback()
    if wants_json():
        raise error
    ws = build_workspace(db(), project, article_id, g.user, claim_id=claim_id)
    if ws.merged_into_id is not None:
        ws = build_workspace(db(), project, article_id, g.user, claim_id=ws.merged_into_id)
    page, headers = _annotate_page(ws, role, edit_refusal=(tool, error.message), **forms)
    return page, error.status, headers


def _edited(project, claim, message: str, claim_id=None):
    db().commit()
    flash(message, "info")
    return redirect(_claim_url(project, claim.article, claim_id or claim.id))


@bp.post("/projects/<int:project_id>/claims/<int:claim_id>/split")
@late_write
def split_claim_view(project_id: int, claim_id: int):
    project, role = load_project(project_id, "edit-claims")
    claim = get_project_claim(db(), project.id, claim_id)
    form = SplitForm()
    try:
        if not form.validate_on_submit():
            raise InvalidInput(_form_problem(form, SPLIT_HOW))
        at = form.at.data
        if at is None:
            if not (form.at_text.data or "").strip():
                raise InvalidInput(SPLIT_HOW)
            at = split_offset(claim, form.at_text.data)
        prepared = _prepared(claim, "split", at=at)
        second = split_claim(db(), claim, at, user=g.user, prepared=prepared)
    except WorkbenchError as exc:
        return _edit_refused(project, role, claim, "split", exc, split_form=form)
    return _edited(
        project,
        claim,
        "Claim split in two; its annotations are flagged for a second look.",
        second.id,
    )


def _merge(project_id: int, claim_id: int, edit: str):
    """Merge the claim with the next one, or (``edit`` "merge-previous") into the
    previous one; then show the merged claim."""
    project, role = load_project(project_id, "edit-claims")
    claim = get_project_claim(db(), project.id, claim_id)
    try:
        if not MergeForm().validate_on_submit():
            raise InvalidInput(EXPIRED_FORM)
        prepared = _prepared(claim, edit)
        merge = merge_with_previous if edit == "merge-previous" else merge_with_next
        merged = merge(db(), claim, user=g.user, prepared=prepared)
    except WorkbenchError as exc:
        return _edit_refused(project, role, claim, "merge", exc)
    left = annotations_left_behind(db(), merged)
    db().commit()
    which = "previous" if edit == "merge-previous" else "next"
    flash(f"Claim merged with the {which} one; annotations are flagged for a second look.", "info")
    if left:
        flash(
            f"{counted(left, 'annotator')} had annotated both claims: the "
            "annotation of the first claim is kept for the merged claim; the one of the "
            "second claim stays in the claim's history but is no longer exported.",
            "warning",
        )
    return redirect(_claim_url(project, merged.article, merged.id))


@bp.post("/projects/<int:project_id>/claims/<int:claim_id>/merge")
@late_write
def merge_claim_view(project_id: int, claim_id: int):
    return _merge(project_id, claim_id, "merge")


@bp.post("/projects/<int:project_id>/claims/<int:claim_id>/merge-previous")
@late_write
def merge_previous_claim_view(project_id: int, claim_id: int):
    return _merge(project_id, claim_id, "merge-previous")


@bp.post("/projects/<int:project_id>/claims/<int:claim_id>/trim")
@late_write
def trim_claim_view(project_id: int, claim_id: int):
    project, role = load_project(project_id, "edit-claims")
    claim = get_project_claim(db(), project.id, claim_id)
    form = TrimForm()
    try:
        if not form.validate_on_submit():
            raise InvalidInput(
                _form_problem(form, "Give the new start and end offsets as whole numbers.")
            )
        before = (claim.start, claim.end)
        prepared = _prepared(claim, "trim", start=form.start.data, end=form.end.data)
        trim_claim(db(), claim, form.start.data, form.end.data, user=g.user, prepared=prepared)
    except WorkbenchError as exc:
        return _edit_refused(project, role, claim, "trim", exc, trim_form=form)
    if (claim.start, claim.end) == before:
        return _edited(
            project,
            claim,
            "The claim already has these boundaries (after trimming white space); nothing changed.",
        )
    return _edited(
        project, claim, "Claim boundaries changed; annotations are flagged for a second look."
    )


@bp.get("/projects/<int:project_id>/claims/<int:claim_id>/history")
def claim_history_view(project_id: int, claim_id: int):
    project, role = load_project(project_id, "view-history")
    claim = get_project_claim(db(), project.id, claim_id)
    # In blind mode (the default) annotators see their own annotation's history, not
    # the others'; adjudicators and managers see everyone's.
    blind = project.blind and not can(g.user, "view-all-annotations", role)
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
