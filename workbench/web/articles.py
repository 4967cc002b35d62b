"""Importing articles: paste one, or upload files; a report of what happened to each."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import StringField, TextAreaField
from wtforms.validators import URL, DataRequired, Length, Optional

from workbench.errors import NotFound
from workbench.importing import parse_file, parse_pasted
from workbench.ops.articles import get_article, import_items
from workbench.web.common import db, form_errors, load_project

bp = Blueprint("articles", __name__)


class PasteForm(FlaskForm):
    title = StringField("Title", validators=[Length(max=1000)])
    outlet = StringField("Outlet", validators=[Length(max=300)])
    author = StringField("Author", validators=[Length(max=300)])
    url = StringField("URL", validators=[Optional(), URL(require_tld=False), Length(max=2000)])
    published = StringField("Published (YYYY-MM-DD)", validators=[Length(max=100)])
    text = TextAreaField("Text", validators=[DataRequired()])


class UploadForm(FlaskForm):
    files = MultipleFileField("Files")


def _render(project, paste_form, upload_form, status=200):
    return (
        render_template(
            "articles/import_form.html",
            project=project,
            paste_form=paste_form,
            upload_form=upload_form,
            max_mb=current_app.config["WORKBENCH"]["MAX_UPLOAD_MB"],
        ),
        status,
    )


@bp.get("/projects/<int:project_id>/import")
def import_form(project_id: int):
    project, _ = load_project(project_id, "import-articles")
    return _render(project, PasteForm(formdata=None), UploadForm(formdata=None))


@bp.post("/projects/<int:project_id>/import/paste")
def import_paste(project_id: int):
    project, _ = load_project(project_id, "import-articles")
    form = PasteForm()
    if not form.validate_on_submit():
        form_errors(form)
        return _render(project, form, UploadForm(formdata=None), 400)
    items = parse_pasted(
        form.text.data,
        title=form.title.data or "",
        outlet=form.outlet.data or "",
        author=form.author.data or "",
        url=form.url.data or "",
        published=form.published.data or "",
        max_bytes=int(current_app.config["WORKBENCH"]["MAX_UPLOAD_MB"] * 1_000_000),
    )
    return _run_import(project, items)


@bp.post("/projects/<int:project_id>/import/upload")
def import_upload(project_id: int):
    project, _ = load_project(project_id, "import-articles")
    form = UploadForm()
    uploads = [f for f in request.files.getlist("files") if f and f.filename]
    if not form.validate_on_submit() or not uploads:
        form_errors(form)
        if not uploads:
            flash("Choose one or more files to upload.", "error")
        return _render(project, PasteForm(formdata=None), form, 400)
    max_bytes = int(current_app.config["WORKBENCH"]["MAX_UPLOAD_MB"] * 1_000_000)
    items = []
    for upload in uploads:
        # The name is only shown and matched for its extension; it never reaches the filesystem.
        data = upload.read()
        items.extend(parse_file(upload.filename, data, max_bytes=max_bytes))
    return _run_import(project, items)


def _run_import(project, items):
    report = import_items(db(), project, items, user=g.user)
    db().commit()
    status = 200 if report.imported or report.duplicates else 400 if report.rejected else 200
    return (
        render_template("articles/import_report.html", project=project, report=report),
        status,
    )


@bp.get("/projects/<int:project_id>/articles/<int:article_id>")
def show_article(project_id: int, article_id: int):
    project, _ = load_project(project_id)
    if get_article(db(), article_id).project_id != project.id:
        raise NotFound("No such article in this project.")
    return redirect(
        url_for("annotate.annotate_article", project_id=project_id, article_id=article_id)
    )
