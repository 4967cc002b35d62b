"""The progress dashboard: counts per annotator and per article, last activity,
suggestions kept, as tables and server-drawn charts (managers, adjudicators, viewers)."""

from __future__ import annotations

from flask import Blueprint, render_template
from markupsafe import Markup

from workbench.charts import ago, share_bars, stacked_bars
from workbench.fields import FIELDS
from workbench.ops.progress import article_rows, dashboard
from workbench.web.common import db, load_project, query_int

bp = Blueprint("progress", __name__)

SERIES = ("done", "draft", "not started")
LABELS = {f.name: f.label for f in FIELDS}


@bp.get("/projects/<int:project_id>/progress")
def show_progress(project_id: int):
    project, _ = load_project(project_id, "view-progress")
    board = dashboard(db(), project)
    page, articles = article_rows(db(), project, page=query_int("page", minimum=1))
    people = board.annotators
    progress_chart = stacked_bars(
        [
            (p.username, {"done": p.done, "draft": p.draft, "not started": p.not_started})
            for p in people
        ],
        SERIES,
        title="Claims done, draft and not started per annotator",
    )
    kept_chart = share_bars(
        [
            (LABELS.get(name, name), kept / out_of if out_of else None, out_of)
            for name, (kept, out_of) in board.kept.items()
        ],
        title="Share of done annotations that kept the suggestion unchanged, per field",
    )
    return render_template(
        "progress/progress.html",
        project=project,
        board=board,
        people=people,
        page=page,
        articles=articles,
        labels=LABELS,
        since=lambda when: ago(board.now - when if when else None),
        # Built by workbench.charts, which escapes every label it draws.
        progress_chart=Markup(progress_chart),  # noqa: S704
        kept_chart=Markup(kept_chart),  # noqa: S704
    )
