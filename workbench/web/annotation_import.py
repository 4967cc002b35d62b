"""Importing earlier annotations: the upload form and its report (docs/importing.md,
"Importing earlier annotations"). The file is read and checked before the request
writes; the store is one transaction, all or nothing (ops.annotation_import)."""

from __future__ import annotations

from flask import Blueprint, current_app, g, render_template, request
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField

from workbench.errors import WorkbenchError
from workbench.importing_annotations import AnnotationImportError
from workbench.ops.annotation_import import read_annotation_file, store_annotation_import
from workbench.web.common import db, form_errors, late_write, load_project, start_write

bp = Blueprint("annotation_import", __name__)


class AnnotationImportForm(FlaskForm):
    file = FileField("CSV file")
    replace = BooleanField("Replace existing annotations (each a new version, with its history)")
    raw_formulas = BooleanField("The file was exported with raw formulas")


def _render(project, form, *, summary=None, problems=None, status=200):
    return (
        render_template(
            "annotation_import/upload.html",
            project=project,
            form=form,
            summary=summary,
            problems=problems,
            max_mb=current_app.config["WORKBENCH"]["MAX_UPLOAD_MB"],
        ),
        status,
    )


@bp.get("/projects/<int:project_id>/annotations/import")
def import_form(project_id: int):
    project, _ = load_project(project_id, "import-annotations")
    return _render(project, AnnotationImportForm(formdata=None))


@bp.post("/projects/<int:project_id>/annotations/import")
@late_write
def import_upload(project_id: int):
    project, _ = load_project(project_id, "import-annotations")
    form = AnnotationImportForm()
    upload = request.files.get("file")
    if not form.validate_on_submit() or upload is None or not upload.filename:
        form_errors(form)
        problems = None if form.errors else ["Choose a CSV file to upload."]
        return _render(project, form, problems=problems, status=400)
    max_bytes = int(current_app.config["WORKBENCH"]["MAX_UPLOAD_MB"] * 1_000_000)
    try:
        prepared = read_annotation_file(
            db(),
            project,
            upload.read(max_bytes + 1),
            max_bytes=max_bytes,
            raw_formulas=form.raw_formulas.data,
            filename=upload.filename,
        )
        start_write()  # read and checked: now the one write transaction
        project, _ = load_project(project_id, "import-annotations")
        summary = store_annotation_import(
            db(), project, prepared, user=g.user, replace=form.replace.data
        )
    except AnnotationImportError as exc:
        db().rollback()
        return _render(project, form, problems=[str(p) for p in exc.problems], status=400)
    except WorkbenchError as exc:  # the codebook changed meanwhile, a save came in between
        db().rollback()
        return _render(project, form, problems=[exc.message], status=exc.status)
    db().commit()
    return _render(project, AnnotationImportForm(formdata=None), summary=summary)
