"""`workbench assign ...`: who annotates which article, from the command line
(the same operations as the assignment page, workbench/ops/assignments.py)."""

from __future__ import annotations

import csv
import sys

import click

from workbench.cli import Context, main, pass_context
from workbench.exporting import csv_cell
from workbench.ops.assignments import (
    assign,
    assign_k,
    assignment_counts,
    hand_over,
    queue,
    set_modes,
    unassign,
)
from workbench.ops.progress import dashboard
from workbench.ops.projects import get_project_by_name
from workbench.ops.users import get_user_by_name

PROJECT = click.option("--project", "project_name", required=True, help="The project's name.")
ANNOTATORS = click.option(
    "--annotator",
    "annotators",
    multiple=True,
    required=True,
    help="A member who annotates (repeat for several).",
)


@main.group("assign")
def assign_group() -> None:
    """Assign articles to annotators, hand work over, set the modes, list queues."""


@assign_group.command("auto")
@PROJECT
@ANNOTATORS
@click.option("--k", "k", type=int, required=True, help="Annotators per article.")
@pass_context
def assign_auto(ctx: Context, project_name: str, annotators: tuple[str, ...], k: int) -> None:
    """Give every article K annotators, balanced over those named; articles that have
    their annotators keep them (run it again after an import: only new articles)."""
    with ctx.session() as session:
        project = get_project_by_name(session, project_name)
        report = assign_k(session, project, list(annotators), k)
    click.echo(report.summary())


@assign_group.command("add")
@PROJECT
@ANNOTATORS
@click.option(
    "--article", "articles", type=int, multiple=True, required=True, help="An article id."
)
@pass_context
def assign_add(ctx: Context, project_name: str, annotators, articles) -> None:
    """Assign the articles named to each annotator named."""
    with ctx.session() as session:
        project = get_project_by_name(session, project_name)
        report = assign(session, project, list(articles), list(annotators))
    click.echo(report.summary())


@assign_group.command("remove")
@PROJECT
@click.option("--annotator", required=True, help="The annotator.")
@click.option("--article", type=int, required=True, help="The article id.")
@pass_context
def assign_remove(ctx: Context, project_name: str, annotator: str, article: int) -> None:
    """Take an article from an annotator; their annotations stay."""
    with ctx.session() as session:
        project = get_project_by_name(session, project_name)
        unassign(session, project, article, annotator)
    click.echo(f"Article {article} is no longer assigned to {annotator}.")


@assign_group.command("hand-over")
@PROJECT
@click.option("--from", "from_name", required=True, help="Whose unstarted articles.")
@click.option("--to", "to", multiple=True, required=True, help="Who takes them (repeat).")
@pass_context
def assign_hand_over(ctx: Context, project_name: str, from_name: str, to) -> None:
    """Hand an annotator's unstarted articles to others, balanced; started ones stay."""
    with ctx.session() as session:
        project = get_project_by_name(session, project_name)
        user = get_user_by_name(session, from_name)
        if user is None:
            raise click.ClickException(f"No user named {from_name!r}.")
        report = hand_over(session, project, user, list(to))
    click.echo(report.summary())


@assign_group.command("mode")
@PROJECT
@click.option(
    "--assigned-only/--open",
    default=None,
    help="Annotators annotate only their assigned articles, or any article.",
)
@click.option("--blind/--not-blind", default=None, help="Annotators see only their own work.")
@pass_context
def assign_mode(ctx: Context, project_name: str, assigned_only, blind) -> None:
    """Show or set the project's assignment and blind modes."""
    with ctx.session(write=assigned_only is not None or blind is not None) as session:
        project = get_project_by_name(session, project_name)
        said = set_modes(session, project, assigned_only=assigned_only, blind=blind)
        state = (project.assigned_only, project.blind)
    for line in said:
        click.echo(line)
    click.echo(
        f"assigned-only: {'yes' if state[0] else 'no'}; blind: {'yes' if state[1] else 'no'}"
    )


@assign_group.command("list")
@PROJECT
@click.option("--annotator", help="One annotator's queue, article by article.")
@pass_context
def assign_list(ctx: Context, project_name: str, annotator: str | None) -> None:
    """Print, as CSV, each annotator's number of articles, or one annotator's queue
    (article id, title, claims, done, draft, state)."""
    out = csv.writer(sys.stdout, lineterminator="\n")
    with ctx.session(write=False) as session:
        project = get_project_by_name(session, project_name)
        if annotator is None:
            out.writerow(["annotator", "articles"])
            out.writerows((csv_cell(n), c) for n, c in assignment_counts(session, project).items())
            return
        user = get_user_by_name(session, annotator)
        if user is None:
            raise click.ClickException(f"No user named {annotator!r}.")
        items, _, _ = queue(session, project, user, limit=None)
        out.writerow(["article_id", "title", "claims", "done", "draft", "state"])
        for item in sorted(items, key=lambda i: i.article_id):
            row = [item.article_id, item.title, item.claims, item.done, item.draft, item.state]
            out.writerow([csv_cell(value) for value in row])


@main.command("progress")
@PROJECT
@pass_context
def progress_command(ctx: Context, project_name: str) -> None:
    """Print each annotator's progress as CSV: claims to annotate, done, draft, not
    started, last activity (UTC), and per suggested field the done claims that kept
    the suggestion unchanged and those that had one."""
    out = csv.writer(sys.stdout, lineterminator="\n")
    with ctx.session(write=False) as session:
        board = dashboard(session, get_project_by_name(session, project_name))
    kept = list(board.kept)
    out.writerow(
        ["annotator", "role", "claims", "done", "draft", "not_started", "last_active"]
        + [f"{name}_{part}" for name in kept for part in ("kept", "suggested")]
    )
    for p in board.annotators:
        when = p.last_active.strftime("%Y-%m-%dT%H:%M:%SZ") if p.last_active else ""
        row = [p.username, p.role, p.expected, p.done, p.draft, p.not_started, when]
        for name in kept:
            row.extend(p.kept.get(name, (0, 0)))
        out.writerow([csv_cell(value) for value in row])
