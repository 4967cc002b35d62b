"""The JSON API the annotation page uses for background saves.

Requests carry the session cookie and, for anything that changes data, the
CSRF token in an ``X-CSRFToken`` header (from ``GET /api/session``). Errors
come back as JSON with the HTTP status of the error (see web/__init__.py).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, jsonify, request
from flask_wtf.csrf import generate_csrf

from workbench.db import MAX_INT
from workbench.errors import InvalidInput, WorkbenchError
from workbench.fields import LABEL, RECORD_ORDER, SPEAKER, STANCES, TEXT, of_kind
from workbench.models import Claim
from workbench.ops.annotations import AnnotationInput, annotation_state, store_annotation
from workbench.ops.workspace import build_workspace, claim_suggestions
from workbench.web.common import (
    autocommit,
    db,
    load_article,
    requested_workspace,
    start_write,
)

bp = Blueprint("api", __name__, url_prefix="/api")

# What a body's values may be, per kind of annotation field (workbench/fields.py).
_TYPES = {
    SPEAKER: (int, type(None)),
    LABEL: (str,),
    TEXT: (str,),
    STANCES: (dict,),
}
_FIELDS = {
    "base_version": (int, type(None)),
    **{f.column: _TYPES[f.kind] for f in RECORD_ORDER},
    "status": (str,),
    "claim_span": (list, type(None)),
}
_IDS = ("base_version", *(f.column for f in of_kind(SPEAKER)))


@bp.get("/session")
def show_session():
    return jsonify({"username": g.user.username, "csrf_token": generate_csrf()})


@bp.get("/projects/<int:project_id>/claims/<int:claim_id>/annotation")
def show_annotation(project_id: int, claim_id: int):
    state = annotation_state(db(), g.user, project_id, claim_id, "view-article")
    suggested = claim_suggestions(db(), db().get(Claim, state.claim_id))
    return jsonify(
        {
            "claim_id": claim_id,
            "annotation": state.record,
            "suggestions": [value.as_record() for value in suggested.values()],
        }
    )


@bp.get("/projects/<int:project_id>/articles/<int:article_id>/workspace")
def show_workspace(project_id: int, article_id: int):
    """The annotate page's state as JSON (see docs/api.md)."""
    project, _ = load_article(project_id, article_id)
    ws = requested_workspace(project, article_id)
    if ws.merged_into_id is not None:
        ws = build_workspace(db(), project, article_id, g.user, claim_id=ws.merged_into_id)
    return jsonify(ws.as_record())


def _parse(body: Any) -> tuple[int | None, AnnotationInput, tuple[int, int] | None]:
    if not isinstance(body, dict):
        raise InvalidInput("Send a JSON object.")
    unknown = sorted(set(body) - set(_FIELDS))
    if unknown:
        raise InvalidInput(f"Unknown field(s): {', '.join(map(str, unknown))}.")
    for name, types in _FIELDS.items():
        if name in body and (not isinstance(body[name], types) or isinstance(body[name], bool)):
            wanted = " or ".join("null" if t is type(None) else t.__name__ for t in types)
            raise InvalidInput(f"{name} must be {wanted}.", field=name)
    for name in _IDS:
        if isinstance(body.get(name), int) and not 0 <= body[name] <= MAX_INT:
            raise InvalidInput(f"{name} is out of range.", field=name)
    span = body.get("claim_span")
    if span is not None and not (
        len(span) == 2
        and all(isinstance(x, int) and not isinstance(x, bool) and 0 <= x <= MAX_INT for x in span)
    ):
        raise InvalidInput(
            "claim_span must be [start, end], the claim's offsets as you saw them.",
            field="claim_span",
        )
    if "base_version" not in body:
        raise InvalidInput("base_version is required (null for a new annotation).")
    given: dict[str, Any] = {}
    for f in RECORD_ORDER:
        if f.kind == SPEAKER:
            given[f.column] = body.get(f.column)
        elif f.kind == STANCES:
            given[f.column] = _per_target(f, body.get(f.column, {}))
        elif f.kind == TEXT:
            given[f.column] = body.get(f.column, "").strip()
        else:
            given[f.column] = body.get(f.column, "")
    values = AnnotationInput(**given, status=body.get("status", "submitted"))
    return body["base_version"], values, tuple(span) if span is not None else None


def _per_target(f, given: dict) -> dict[int, str]:
    """Return a per-target field's values keyed by target id; raise InvalidInput."""
    values: dict[int, str] = {}
    for key, value in given.items():
        if not isinstance(value, str):
            raise InvalidInput(f"Each {f.label.lower()} value must be a string.", field=f.name)
        try:
            values[int(key)] = value
        except ValueError as exc:
            raise InvalidInput(f"{f.label}s are keyed by target id.", field=f.name) from exc
    return values


@bp.post("/projects/<int:project_id>/claims/<int:claim_id>/annotation")
@autocommit
def save_annotation_api(project_id: int, claim_id: int):
    # One query checks the user's access and reads the current annotation.
    state = annotation_state(db(), g.user, project_id, claim_id, "annotate-claim")
    body = request.get_json(silent=True)
    if body is None:
        raise InvalidInput("Send the annotation as a JSON object (Content-Type: application/json).")
    base_version, values, seen_span = _parse(body)
    # Only the writes hold SQLite's write lock; they check the version themselves.
    start_write()
    try:
        _, record = store_annotation(
            db(), state, g.user, values, base_version=base_version, seen_span=seen_span
        )
    except WorkbenchError:
        db().rollback()
        raise
    db().commit()
    return jsonify({"saved": True, "claim_id": claim_id, "annotation": record})
