"""Agreement pages (per project, per article) and the CSV of the same report.

Every view needs ``view-agreement`` (managers, adjudicators, viewers; not
annotators, who code blind). The query string chooses what the report covers:
``field`` (one field key, else all), ``version`` (a codebook version, else the
project's current one) or ``all_versions=1``, and ``resamples`` (the bootstrap of
alpha: 1,000 by default, 0 for none, at most MAX_RESAMPLES).
"""

from __future__ import annotations

import re

from flask import Blueprint, Response, g, render_template, request

from workbench.errors import InvalidInput
from workbench.ops.agreement import RESAMPLES, agreement_report, field_keys
from workbench.pagination import page_of
from workbench.permissions import can
from workbench.review.tables import MARKDOWN_LABELS, to_csv
from workbench.web.common import db, load_project, query_int

bp = Blueprint("agreement", __name__)

ARTICLES_PER_PAGE = 100
# A bootstrap of 100,000 resamples takes about half a second a field.
MAX_RESAMPLES = 100_000
TRUE = {"1", "on", "true", "yes"}


def _options(project) -> dict:
    """The report's options from the query string; raises InvalidInput or NotFound."""
    field_key = request.args.get("field") or None
    if field_key is not None and field_key not in field_keys(project):
        known = ", ".join(field_keys(project))
        raise InvalidInput(f"Unknown field {field_key[:80]!r} (fields: {known}).")
    resamples = query_int("resamples")
    resamples = RESAMPLES if resamples is None else resamples
    if resamples > MAX_RESAMPLES:
        raise InvalidInput(f"At most {MAX_RESAMPLES:,} resamples.")
    return {
        "field_key": field_key,
        "codebook_version": query_int("version", minimum=1),
        "across_versions": request.args.get("all_versions") in TRUE,
        "resamples": resamples,
    }


def _args(options: dict) -> dict:
    """The query arguments that give the same report again (for links)."""
    args = {}
    if options["field_key"]:
        args["field"] = options["field_key"]
    if options["codebook_version"]:
        args["version"] = options["codebook_version"]
    if options["across_versions"]:
        args["all_versions"] = 1
    if options["resamples"] != RESAMPLES:
        args["resamples"] = options["resamples"]
    return args


@bp.get("/projects/<int:project_id>/agreement")
def show_agreement(project_id: int):
    project, role = load_project(project_id, "view-agreement")
    options = _options(project)
    number = query_int("page", minimum=1) or 1
    start = (number - 1) * ARTICLES_PER_PAGE
    # Only the page's articles get their figures computed (a big project has thousands).
    report = agreement_report(
        db(),
        project,
        by_article=True,
        article_slice=slice(start, start + ARTICLES_PER_PAGE),
        **options,
    )
    page = page_of(number, ARTICLES_PER_PAGE, report.article_count)
    # Every field has the same articles: those of the claims with two or more done annotations.
    shown = report.fields[0].articles if report.fields else []
    by_field = {f.key: {a.article_id: a.summary for a in f.articles} for f in report.fields}
    return render_template(
        "agreement/agreement_show.html",
        project=project,
        report=report,
        options=options,
        args=_args(options),
        keys=field_keys(project),
        articles=shown,
        by_field=by_field,
        page=page,
        max_resamples=MAX_RESAMPLES,
        label_limit=MARKDOWN_LABELS,
        can=lambda action: can(g.user, action, role),
    )


@bp.get("/projects/<int:project_id>/articles/<int:article_id>/agreement")
def show_article_agreement(project_id: int, article_id: int):
    project, role = load_project(project_id, "view-agreement")
    options = _options(project)
    report = agreement_report(db(), project, article_id=article_id, **options)
    return render_template(
        "agreement/article_agreement.html",
        project=project,
        report=report,
        options=options,
        args=_args(options),
        keys=field_keys(project),
        max_resamples=MAX_RESAMPLES,
        label_limit=MARKDOWN_LABELS,
        # Who gave which value: blind coding keeps that to managers and adjudicators.
        show_values=can(g.user, "view-all-annotations", role),
        can=lambda action: can(g.user, action, role),
    )


@bp.get("/projects/<int:project_id>/agreement.csv")
def download_agreement(project_id: int):
    project, _ = load_project(project_id, "view-agreement")
    options = _options(project)
    article_id = query_int("article", minimum=1)
    report = agreement_report(
        db(),
        project,
        article_id=article_id,
        by_article=request.args.get("by_article") in TRUE,
        **options,
    )
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", project.name).strip("-").lower() or "project"
    suffix = f"-article-{article_id}" if article_id else ""
    return Response(
        to_csv(report),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{stem}-agreement{suffix}.csv"'},
    )
