"""Importing articles: paste one, or upload files; progress, and a report of what
happened to each (an import runs as a job, see workbench/jobs.py)."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import HiddenField, StringField, TextAreaField, ValidationError
from wtforms.validators import URL, AnyOf, DataRequired, Length, Optional

from workbench.errors import NotFound
from workbench.importing import MAX_UPLOAD_FILES, PASTED_SOURCE, parse_pasted, published_problem
from workbench.jobs import ImportSource, start_import
from workbench.ops.articles import get_article
from workbench.ops.heartbeat import job_status
from workbench.ops.import_jobs import (
    REPORT_PAGE_SIZE,
    check_fate,
    create_import_job,
    get_import_job,
    job_items,
    recent_jobs,
)
from workbench.ops.suggestions import add_roster, article_roster
from workbench.web.common import db, form_errors, late_write, load_project, query_int, start_write

bp = Blueprint("articles", __name__)


class PasteForm(FlaskForm):
    title = StringField("Title", validators=[Length(max=1000)])
    outlet = StringField("Outlet", validators=[Length(max=300)])
    author = StringField("Author", validators=[Length(max=300)])
    url = StringField("URL", validators=[Optional(), URL(require_tld=False), Length(max=2000)])
    published = StringField("Published (YYYY-MM-DD)", validators=[Length(max=100)])
    text = TextAreaField("Text", validators=[DataRequired()])

    def validate_published(self, field):
        problem = published_problem(field.data or "")
        if problem:
            raise ValidationError(problem)


class UploadForm(FlaskForm):
    files = MultipleFileField("Files")


class AddRosterForm(FlaskForm):
    # Said by the button: an empty form (a stray POST) adds nothing.
    add = HiddenField(validators=[DataRequired(), AnyOf(["roster"])])


def _render(project, paste_form, upload_form, status=200):
    return (
        render_template(
            "articles/import_form.html",
            project=project,
            paste_form=paste_form,
            upload_form=upload_form,
            max_mb=current_app.config["WORKBENCH"]["MAX_UPLOAD_MB"],
            max_files=MAX_UPLOAD_FILES,
            jobs=recent_jobs(db(), project),
            job_status=job_status,
        ),
        status,
    )


@bp.get("/projects/<int:project_id>/import")
def import_form(project_id: int):
    project, _ = load_project(project_id, "import-articles")
    return _render(project, PasteForm(formdata=None), UploadForm(formdata=None))


@bp.post("/projects/<int:project_id>/import/paste")
@late_write
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
        published=(form.published.data or "").strip(),
        max_bytes=int(current_app.config["WORKBENCH"]["MAX_UPLOAD_MB"] * 1_000_000),
    )
    return _run_import(project, [ImportSource(PASTED_SOURCE, items=items)], "pasted text")


@bp.post("/projects/<int:project_id>/import/upload")
@late_write
def import_upload(project_id: int):
    project, _ = load_project(project_id, "import-articles")
    form = UploadForm()
    uploads = [f for f in request.files.getlist("files") if f and f.filename]
    if not form.validate_on_submit() or not uploads:
        form_errors(form)
        if not uploads:
            flash("Choose one or more files to upload.", "error")
        return _render(project, PasteForm(formdata=None), form, 400)
    # The name is only shown and matched for its extension; it never reaches the
    # filesystem. The files are parsed in the job, outside any transaction.
    sources = [ImportSource(upload.filename, data=upload.read()) for upload in uploads]
    names = ", ".join(source.name for source in sources[:3])
    more = f" and {len(sources) - 3:,} more" if len(sources) > 3 else ""
    return _run_import(project, sources, f"{len(sources):,} file(s): {names}{more}")


def _run_import(project, sources, description):
    """Start the import as a job in a thread of this worker; show its report when it
    ends within WORKBENCH_IMPORT_WAIT_SECONDS, else send the browser to its progress."""
    settings = current_app.config["WORKBENCH"]
    start_write()  # the request has only read so far: now one short write, the job's row
    job = create_import_job(
        db(), project, g.user, description=description, files_total=len(sources)
    )
    db().commit()
    thread = start_import(
        current_app.extensions["workbench.sessions"],
        job.id,
        sources,
        max_bytes=int(settings["MAX_UPLOAD_MB"] * 1_000_000),
        max_claims=settings["MAX_CLAIMS_PER_ARTICLE"],
        workers=settings["IMPORT_WORKERS"],
    )
    thread.join(settings["IMPORT_WAIT_SECONDS"])
    if thread.is_alive():
        return redirect(url_for("articles.show_import", project_id=project.id, job_id=job.id), 303)
    job = get_import_job(db(), project, job.id)
    only_rejections = job.rejected and not job.imported and not job.duplicates
    return _render_job(project, job), 400 if only_rejections else 200


def _render_job(project, job):
    status = job_status(job)
    if status == "running":
        return render_template("articles/import_progress.html", project=project, job=job)
    fate = check_fate(request.args.get("fate") or None)
    after = query_int("after") or 0  # a position in the report
    rows = job_items(db(), job, fate=fate, after=after, limit=REPORT_PAGE_SIZE + 1)
    return render_template(
        "articles/import_report.html",
        project=project,
        job=job,
        status=status,
        fate=fate,
        after=after,
        rows=rows[:REPORT_PAGE_SIZE],
        next_after=rows[REPORT_PAGE_SIZE - 1].position if len(rows) > REPORT_PAGE_SIZE else None,
    )


@bp.get("/projects/<int:project_id>/imports/<int:job_id>")
def show_import(project_id: int, job_id: int):
    project, _ = load_project(project_id, "import-articles")
    return _render_job(project, get_import_job(db(), project, job_id))


@bp.get("/api/projects/<int:project_id>/imports/<int:job_id>")
def import_progress(project_id: int, job_id: int):
    project, _ = load_project(project_id, "import-articles", eager=False)
    job = get_import_job(db(), project, job_id)
    response = jsonify(
        {
            "id": job.id,
            "status": job_status(job),
            "done": job.items_done,
            "total": job.items_total,
            "files_read": job.files_read,
            "files_total": job.files_total,
            "imported": job.imported,
            "duplicates": job.duplicates,
            "rejected": job.rejected,
            "error": job.error,
            "url": url_for("articles.show_import", project_id=project.id, job_id=job.id),
        }
    )
    response.headers["Cache-Control"] = "no-store"  # it changes from one poll to the next
    return response


@bp.get("/projects/<int:project_id>/articles/<int:article_id>")
def show_article(project_id: int, article_id: int):
    project, _ = load_project(project_id)
    if get_article(db(), article_id).project_id != project.id:
        raise NotFound("No such article in this project.")
    return redirect(
        url_for("annotate.annotate_article", project_id=project_id, article_id=article_id)
    )


def _project_article(project_id: int, article_id: int, action: str):
    project, _ = load_project(project_id, action, eager=False)
    article = get_article(db(), article_id)
    if article.project_id != project.id:
        raise NotFound("No such article in this project.")
    return project, article


@bp.get("/projects/<int:project_id>/articles/<int:article_id>/roster")
def show_roster(project_id: int, article_id: int):
    """Every person and body the suggester finds in the article, and whether the
    registry has it; a manager adds those it lacks in one action."""
    project, article = _project_article(project_id, article_id, "manage-speakers")
    return render_template(
        "articles/article_roster.html",
        project=project,
        article=article,
        roster=article_roster(db(), article),
        form=AddRosterForm(formdata=None, add="roster"),
    )


@bp.post("/projects/<int:project_id>/articles/<int:article_id>/roster")
def add_roster_view(project_id: int, article_id: int):
    project, article = _project_article(project_id, article_id, "manage-speakers")
    form = AddRosterForm()
    url = url_for("articles.show_roster", project_id=project.id, article_id=article.id)
    if not form.validate_on_submit():
        form_errors(form)
        flash("Nothing was added: use the button on the roster page.", "error")
        return redirect(url)
    report = add_roster(db(), article, user=g.user)
    db().commit()
    names = ", ".join(s.name for s in report.created) or "none"
    flash(f"Added {len(report.created)} speaker(s) to the registry: {names}.", "info")
    for name, why in report.skipped:
        flash(f"Skipped {name}: {why}", "info")
    return redirect(url)
