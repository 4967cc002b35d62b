"""Adjudication: the list of disagreements, a claim side by side, settling into gold,
accepting what all agreed on, and the gold downloads."""

from __future__ import annotations

import re
from collections.abc import Iterator

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from workbench.db import begin_snapshot
from workbench.errors import Conflict, InvalidInput, WorkbenchError
from workbench.exporting import with_bom
from workbench.jobs import run_accept_agreed
from workbench.ops.gold import (
    GOLD_ACTIONS,
    REASON_TEXT_LENGTH,
    STATES,
    Filters,
    claim_review,
    gold_history,
    gold_reasons,
    gold_value,
    list_disagreements,
    project_annotators,
    project_keys,
    settle_gold,
    speaker_names,
)
from workbench.ops.gold_exports import accuracy_stream, gold_csv_stream
from workbench.ops.history import describe
from workbench.ops.projects import get_project
from workbench.permissions import can
from workbench.review.disagreement import describe_key, field_key, is_speaker_key
from workbench.web.common import (
    db,
    form_errors,
    late_write,
    load_project,
    query_int,
    whole_number,
)

bp = Blueprint("adjudication", __name__)

TRUE = {"1", "on", "true", "yes"}


class SettleForm(FlaskForm):
    """One field of a claim: what to settle it to, why; the gold's version as shown."""

    key = HiddenField(validators=[DataRequired(), Length(max=60)])
    # Empty: the page showed no gold for the field.
    version = HiddenField(validators=[Optional(), Length(max=12)])
    # "pick:<annotation id>", "value:<label or speaker id>", "new" or "none".
    choice = StringField("Gold value", validators=[DataRequired(), Length(max=100)])
    new_speaker = StringField("New speaker's name", validators=[Length(max=300)])
    reason = SelectField("Reason", validators=[DataRequired(message="Choose a reason.")])
    reason_text = TextAreaField("Explanation", validators=[Length(max=REASON_TEXT_LENGTH)])
    blind = HiddenField()


class AcceptForm(FlaskForm):
    scope = HiddenField(validators=[DataRequired()])
    article = HiddenField()
    key = HiddenField(validators=[Length(max=60)])


def _blind() -> bool:
    return (request.values.get("blind") or "") in TRUE


def _filters(project) -> Filters:
    state = request.args.get("state") or "open"
    if state not in STATES:
        raise InvalidInput(f"Unknown state {state!r} (states: {', '.join(STATES)}).")
    return Filters(
        article_id=query_int("article"),
        key=request.args.get("field") or None,
        label=request.args.get("label") or None,
        annotator_id=query_int("annotator"),
        state=state,
    )


def _key_names(project) -> dict[str, str]:
    names = {t.id: t.name for t in project.targets}
    return {key: describe_key(key, names) for key in project_keys(project)}


@bp.get("/projects/<int:project_id>/adjudication")
def list_view(project_id: int):
    project, role = load_project(project_id, "adjudicate")
    filters = _filters(project)
    page = list_disagreements(db(), project, filters, after=query_int("after"))
    names = speaker_names(
        db(),
        (
            value
            for row in page.rows
            for comparison, gold in row.fields
            if is_speaker_key(comparison.key)
            for value in (
                *(c.value for c in comparison.candidates),
                gold.speaker_id if gold else None,
            )
        ),
    )
    labels = sorted({lb.value for lb in project.labels})
    args = {k: v for k, v in request.args.items() if k != "after" and v}
    return render_template(
        "adjudication/disagreement_list.html",
        project=project,
        page=page,
        filters=filters,
        keys=_key_names(project),
        labels=labels,
        annotators=project_annotators(db(), project),
        speakers=names,
        states=STATES,
        args=args,
        accept_form=AcceptForm(
            formdata=None,
            scope="article" if filters.article_id else "project",
            article=filters.article_id or "",
            key=filters.key or "",
        ),
        blind=_blind(),
        can_export=can(g.user, "export-gold", role),
        **_value_helpers(project),
    )


def _render_claim(project, claim_id: int, *, status: int = 200, forms=None):
    review = claim_review(db(), project, claim_id)
    blind = _blind()
    # Annotator names, or "Annotator 1, 2, ..." in the order of their annotations.
    shown = {
        a.id: (f"Annotator {n}" if blind else a.user.username)
        for n, a in enumerate(review.annotations, start=1)
    }
    reasons = [(r, r) for r in review.reasons]
    forms = forms or {}
    settle = {}
    for key in review.keys:
        form = forms.get(key) or SettleForm(formdata=None)
        gold = review.golds.get(key)
        if key not in forms:
            form.key.data = key
            form.version.data = str(gold.version) if gold else ""
            form.blind.data = "1" if blind else ""
        form.reason.choices = [("", "Choose a reason"), *reasons]
        settle[key] = form
    history = gold_history(db(), [gold.id for gold in review.golds.values()])
    target_names = {t.id: t.name for t in review.targets.values()}
    names = _key_names(project)
    return render_template(
        "adjudication/claim_review.html",
        project=project,
        review=review,
        keys=names,
        names=shown,
        forms=settle,
        ids={key: "f-" + re.sub(r"[^a-z0-9]", "-", key) for key in review.keys},
        blind=blind,
        **_value_helpers(project),
        history=[
            (
                e,
                _history_field(e.after, names),
                GOLD_ACTIONS.get(e.action, e.action),
                describe(_blind_record(e.after, blind), target_names),
            )
            for e in history
        ],
    ), status


def _value_helpers(project) -> dict:
    """What the templates need to show a value: which keys are speakers', and a gold's
    value as compared (a speaker id or a label)."""
    return {
        "speaker_keys": {k for k in project_keys(project) if is_speaker_key(k)},
        "gold_value": gold_value,
    }


def _history_field(record: dict | None, names: dict[str, str]) -> str:
    try:
        key = field_key(record["field"], record.get("target_id"))
    except (KeyError, TypeError, ValueError):
        return ""
    return names.get(key, key)


def _blind_record(record: dict | None, blind: bool) -> dict | None:
    # The annotations a gold came from name no one, but their ids are left out when
    # blind: with the annotations' order they would tell who gave which value.
    if not blind or record is None:
        return record
    return {k: v for k, v in record.items() if k != "source_annotation_ids"}


@bp.get("/projects/<int:project_id>/adjudication/claims/<int:claim_id>")
def claim_view(project_id: int, claim_id: int):
    project, _ = load_project(project_id, "adjudicate")
    return _render_claim(project, claim_id)


@bp.post("/projects/<int:project_id>/adjudication/claims/<int:claim_id>/settle")
def settle_view(project_id: int, claim_id: int):
    project, _ = load_project(project_id, "adjudicate")
    key = request.form.get("key") or ""
    form = SettleForm()
    form.reason.choices = [("", ""), *((r, r) for r in gold_reasons(project))]
    if not key or not form.validate():
        status = form_errors(form) if key else 400
        if not key:
            flash("The form names no field; nothing was saved. Use the form on the page.", "error")
        flash("Nothing was saved.", "error")
        return _render_claim(project, claim_id, status=status, forms={key: form} if key else {})
    choice = form.choice.data
    options: dict = {}
    if choice.startswith("pick:"):
        options["pick"] = whole_number(choice[5:], "the annotation")
    elif choice.startswith("value:"):
        options["value"] = choice[6:]
    elif choice == "new":
        if not (form.new_speaker.data or "").strip():
            flash("Type the new speaker's name; nothing was saved.", "error")
            return _render_claim(project, claim_id, status=400, forms={key: form})
        options["new_speaker"] = form.new_speaker.data
    elif choice != "none":
        raise InvalidInput(f"Unknown choice {choice[:40]!r}.")
    try:
        settle_gold(
            db(),
            project,
            claim_id,
            key,
            user=g.user,
            reason=form.reason.data,
            reason_text=form.reason_text.data or "",
            version=whole_number(form.version.data, "version"),
            **options,
        )
    except WorkbenchError as exc:
        db().rollback()
        flash(exc.message, "error")
        current = getattr(exc, "current", None)
        if isinstance(exc, Conflict) and current:
            form.version.data = str(current["version"])
        # The form keeps what was typed; a stale one moves on to the version now
        # saved, so that sending it again replaces that on purpose.
        return _render_claim(project, claim_id, status=exc.status, forms={key: form})
    db().commit()
    flash(f"Gold saved: {_key_names(project).get(key, key)}.", "info")
    return redirect(
        url_for(
            "adjudication.claim_view",
            project_id=project.id,
            claim_id=claim_id,
            blind="1" if _blind() else None,
        ),
        303,
    )


@bp.post("/projects/<int:project_id>/adjudication/accept")
@late_write
def accept_view(project_id: int):
    """Accept every agreed field into gold, batch by batch in short write transactions
    of their own (jobs.run_accept_agreed): annotators' saves never wait for a whole
    project."""
    project, _ = load_project(project_id, "adjudicate", eager=False)
    form = AcceptForm()
    if not form.validate() or form.scope.data not in ("project", "article"):
        form_errors(form)
        flash("Nothing was accepted: use the button on the list.", "error")
        return redirect(url_for("adjudication.list_view", project_id=project.id), 303)
    article_id = (
        whole_number(form.article.data, "article") if form.scope.data == "article" else None
    )
    if form.scope.data == "article" and article_id is None:
        raise InvalidInput("Name the article whose agreed labels to accept.")
    db().rollback()  # the request's read ends: the batches read and write on their own
    report = run_accept_agreed(
        current_app.extensions["workbench.sessions"],
        project.id,
        user_id=g.user.id,
        article_id=article_id,
        key=form.key.data or None,
    )
    flash(
        f"Accepted into gold: {report.accepted:,} new, {report.updated:,} changed to the new "
        f"agreement, {report.unchanged:,} already gold; {report.kept:,} adjudicated gold "
        f"labels kept as they are ({report.claims:,} claims read).",
        "info",
    )
    return redirect(
        url_for(
            "adjudication.list_view",
            project_id=project.id,
            article=article_id,
            field=form.key.data or None,
        ),
        303,
    )


def _filename(project, suffix: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", project.name).strip("-").lower() or "project"
    return f"{stem}{suffix}"


def _stream(session_factory, project_id: int, make) -> Iterator[str]:
    """Yield a download from a session of its own, closed when it ends or stops (the
    request's session is closed before the body is sent; see web.exports)."""
    session = session_factory()
    try:
        begin_snapshot(session)
        yield from make(session, get_project(session, project_id))
    finally:
        session.close()


def _download(project, make, suffix: str) -> Response:
    raw = request.args.get("raw") in TRUE or current_app.config["WORKBENCH"]["EXPORT_RAW_FORMULAS"]
    chunks = _stream(
        current_app.extensions["workbench.sessions"],
        project.id,
        lambda session, p: make(session, p, raw_formulas=raw),
    )
    if request.args.get("excel") in TRUE:
        chunks = with_bom(chunks)
    name = _filename(project, suffix)
    return Response(
        chunks,
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.get("/projects/<int:project_id>/gold.csv")
def download_gold(project_id: int):
    project, _ = load_project(project_id, "export-gold")
    return _download(project, gold_csv_stream, "-gold.csv")


@bp.get("/projects/<int:project_id>/gold-accuracy.csv")
def download_accuracy(project_id: int):
    project, _ = load_project(project_id, "export-gold")
    return _download(project, accuracy_stream, "-gold-accuracy.csv")
