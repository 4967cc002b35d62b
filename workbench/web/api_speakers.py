"""The JSON endpoints behind the annotate page's speaker picker (issue 11): search the
registry as one types, and add a speaker without leaving the page (docs/api.md).

Same session, CSRF header (``X-CSRFToken``) and JSON errors as web/api.py; a refused
new speaker's error also names the field (``"field"``), and a name the registry has
already comes back with that speaker (``"speaker"``).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, jsonify, request

from workbench.errors import Conflict, InvalidInput, NotFound, WorkbenchError
from workbench.models import SPEAKER_TYPES
from workbench.ops.articles import get_article
from workbench.ops.speaker_picker import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    QUERY_LIMIT,
    add_speaker,
    clash_candidates,
    search_speakers,
)
from workbench.ops.speakers import (
    ALIAS_LIMIT,
    clean_text,
    registry_speaker_named,
    speaker_record,
)
from workbench.web.common import db, load_project, query_int

bp = Blueprint("api_speakers", __name__, url_prefix="/api")

# The annotate form's limits for a new speaker (web/annotate.py): the title, one
# alias, and the other names field, where the aliases stand separated by "; ".
TITLE_LIMIT, ALIASES_LIMIT = 300, 1000
_BODY = {"name": (str,), "type": (str,), "title": (str,), "aliases": (list,)}


def _error(error: WorkbenchError, **extra):
    body = {"error": error.title, "message": error.message}
    if error.field:
        body["field"] = error.field
    return jsonify({**body, **extra}), error.status


@bp.errorhandler(WorkbenchError)
def _workbench_error(error: WorkbenchError):
    return _error(error)


def _record(speaker) -> dict:
    """The speaker as the picker's answers show one (as in a search's answer)."""
    fields = speaker_record(speaker)
    return {"id": speaker.id, **{k: fields[k] for k in ("name", "type", "title", "aliases")}}


@bp.get("/projects/<int:project_id>/speakers")
def search_speakers_api(project_id: int):
    project, _ = load_project(project_id, eager=False)
    query = request.args.get("q", "")
    if len(query) > QUERY_LIMIT:
        raise InvalidInput(f"A search has at most {QUERY_LIMIT} characters.", field="q")
    limit = _limit(request.args.get("limit", ""))
    article_id = query_int("article")
    article = None
    if article_id is not None:
        article = get_article(db(), article_id)
        if article.project_id != project.id:
            raise NotFound("No such article in this project.")
    result = search_speakers(db(), project, query, article=article, limit=limit)
    return jsonify(result.as_record())


def _limit(given: str) -> int:
    """Return ?limit= as a number from 1 to MAX_LIMIT (DEFAULT_LIMIT when absent or
    empty); raise InvalidInput for anything else."""
    if not given:
        return DEFAULT_LIMIT
    digits = given.isascii() and given.isdigit() and len(given.lstrip("0")) <= 3
    if not digits or not 1 <= int(given) <= MAX_LIMIT:
        raise InvalidInput(
            f"?limit= is a whole number from 1 to {MAX_LIMIT}, not {given[:40]!r}.",
            field="limit",
        )
    return int(given)


def _new_speaker(body: Any) -> dict:
    """Return the new speaker's fields from the body; raise InvalidInput naming the field."""
    if not isinstance(body, dict):
        raise InvalidInput("Send the speaker as a JSON object (Content-Type: application/json).")
    unknown = sorted(set(body) - set(_BODY))
    if unknown:
        raise InvalidInput(
            f"Unknown field(s): {', '.join(map(str, unknown))}.", field=str(unknown[0])
        )
    for name, types in _BODY.items():
        if name in body and not isinstance(body[name], types):
            kind = "a list of strings" if name == "aliases" else "a string"
            raise InvalidInput(f"{name} must be {kind}.", field=name)
    if "name" not in body:
        raise InvalidInput("A speaker needs a name.", field="name")
    type_ = body.get("type", "person")
    if type_ not in SPEAKER_TYPES:
        raise InvalidInput(
            f"Unknown speaker type {type_[:40]!r} (types: {', '.join(SPEAKER_TYPES)}).",
            field="type",
        )
    title = clean_text(body.get("title", ""))
    if len(title) > TITLE_LIMIT:
        raise InvalidInput(f"A title has at most {TITLE_LIMIT} characters.", field="title")
    aliases = []
    for alias in body.get("aliases", []):
        if not isinstance(alias, str):
            raise InvalidInput("aliases must be a list of strings.", field="aliases")
        alias = clean_text(alias)
        if not alias:
            raise InvalidInput("An alias is empty; leave it out.", field="aliases")
        if len(alias) > ALIAS_LIMIT:
            raise InvalidInput(f"An alias has at most {ALIAS_LIMIT} characters.", field="aliases")
        aliases.append(alias)
    if len("; ".join(aliases)) > ALIASES_LIMIT:
        raise InvalidInput(
            f"The aliases have at most {ALIASES_LIMIT} characters together "
            "(counted as the annotate form holds them, separated by '; ').",
            field="aliases",
        )
    return {"name": body["name"], "type": type_, "title": title, "aliases": aliases}


@bp.post("/projects/<int:project_id>/speakers")
def create_speaker_api(project_id: int):
    project, _ = load_project(project_id, "add-speaker", eager=False)
    given = _new_speaker(request.get_json(silent=True))
    try:
        speaker = add_speaker(
            db(),
            project,
            given["name"],
            type=given["type"],
            title=given["title"],
            aliases=given["aliases"],
            user=g.user,
        )
    except Conflict as exc:
        db().rollback()
        names = [given["name"], *given["aliases"]]
        others = clash_candidates(db(), project, names)
        existing = registry_speaker_named(db(), project, names, others)
        extra = {"speaker": _record(existing)} if existing is not None else {}
        return _error(exc, **extra)
    except WorkbenchError:
        db().rollback()
        raise
    db().commit()
    return jsonify({"speaker": _record(speaker)}), 201
