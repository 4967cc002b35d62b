"""Downloads: the data (CSV or JSONL, wide or long) and the codebook."""

from __future__ import annotations

import re
from collections.abc import Iterator

from flask import Blueprint, Response, current_app, render_template, request

from workbench.db import begin_snapshot
from workbench.errors import InvalidInput
from workbench.exporting import FORMATS, SHAPES, with_bom
from workbench.ops.exports import codebook_csv, codebook_markdown, export_stream
from workbench.ops.projects import get_project
from workbench.web.common import load_project

bp = Blueprint("exports", __name__)

MIMETYPES = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson; charset=utf-8"}


def _filename(project, suffix: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", project.name).strip("-").lower() or "project"
    return f"{stem}{suffix}"


@bp.get("/projects/<int:project_id>/export")
def export_page(project_id: int):
    project, _ = load_project(project_id, "export-project")
    return render_template("exports/export_form.html", project=project)


@bp.get("/projects/<int:project_id>/export/data")
def download_data(project_id: int):
    project, _ = load_project(project_id, "export-project")
    fmt = request.args.get("format", "csv")
    shape = request.args.get("shape", "wide")
    if fmt not in FORMATS:
        raise InvalidInput(f"Unknown format {fmt!r} (formats: {', '.join(FORMATS)}).")
    if shape not in SHAPES:
        raise InvalidInput(f"Unknown shape {shape!r} (shapes: {', '.join(SHAPES)}).")
    all_claims = request.args.get("all_claims") in {"1", "on", "true", "yes"}
    raw = (
        request.args.get("raw") in {"1", "on", "true", "yes"}
        or current_app.config["WORKBENCH"]["EXPORT_RAW_FORMULAS"]
    )
    chunks = _stream(
        current_app.extensions["workbench.sessions"],
        project.id,
        format=fmt,
        shape=shape,
        all_claims=all_claims,
        raw_formulas=raw,
    )
    if fmt == "csv" and request.args.get("excel") in {"1", "on", "true", "yes"}:
        chunks = with_bom(chunks)
    name = _filename(project, f"-{shape}.{fmt}")
    return Response(
        chunks,
        content_type=MIMETYPES[fmt],  # as given: mimetype= would add a second charset
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _stream(session_factory, project_id: int, **options) -> Iterator[str]:
    """Yield the export from a session of its own, closed when the download ends or stops.

    The request's session is closed when the view returns, before the body is
    sent, so the stream must not use it (flask.stream_with_context would reopen
    it on a new connection that nothing closes).
    """
    session = session_factory()
    try:
        begin_snapshot(session)  # the export reads in several queries: one snapshot
        yield from export_stream(session, get_project(session, project_id), **options)
    finally:
        session.close()


@bp.get("/projects/<int:project_id>/codebook.<ext>")
def download_codebook(project_id: int, ext: str):
    project, _ = load_project(project_id, "view-project")
    if ext == "md":
        body, mimetype = codebook_markdown(project), "text/markdown; charset=utf-8"
    elif ext == "csv":
        body, mimetype = codebook_csv(project), "text/csv; charset=utf-8"
    else:
        raise InvalidInput("The codebook comes as .md or .csv.")
    name = _filename(project, f"-codebook.{ext}")
    return Response(
        body,
        content_type=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
