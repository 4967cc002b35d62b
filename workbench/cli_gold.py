"""``workbench gold``: accept what all annotators agreed on, export gold, and each
annotator's accuracy against it. Registered on ``main`` by the last line of cli.py."""

from __future__ import annotations

from pathlib import Path

import click

from workbench.cli import Context, _write_chunks, main, pass_context
from workbench.db import begin_snapshot
from workbench.errors import WorkbenchError
from workbench.exporting import with_bom
from workbench.jobs import run_accept_agreed
from workbench.ops.gold_exports import accuracy_stream, gold_csv_stream
from workbench.ops.projects import get_project_by_name
from workbench.words import counted


@main.group("gold")
def gold() -> None:
    """Gold labels: accept agreed labels, export gold, annotators against gold."""


@gold.command("accept-agreed")
@click.option("--project", "project_name", required=True, help="The project's name.")
@click.option("--article", "article_id", type=int, help="Only this article (its id).")
@click.option(
    "--field",
    "key",
    help="Only this field: speaker, via, attribution, verifiability or stance:<target id>.",
)
@pass_context
def accept_agreed_command(ctx: Context, project_name: str, article_id, key) -> None:
    """Accept into gold every field on which all done annotations of a claim agree
    (two or more); adjudicated gold labels are never overwritten, and running it
    again changes nothing."""
    with ctx.session(write=False) as session:
        project_id = get_project_by_name(session, project_name).id
    try:
        # Batch by batch, each in a short write transaction: the server's saves go on.
        report = run_accept_agreed(
            ctx.sessions, project_id, user_id=None, article_id=article_id, key=key
        )
    except WorkbenchError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(
        f"Accepted {counted(report.accepted, 'new gold label')}; {report.updated:,} changed to "
        f"a new agreement, {report.unchanged:,} already gold, {report.kept:,} adjudicated "
        f"kept ({counted(report.claims, 'claim')} read)."
    )


@gold.command("export")
@click.option("--project", "project_name", required=True, help="The project's name.")
@click.option("--raw-formulas", is_flag=True, help="Do not neutralise formula-like cells.")
@click.option("--excel", is_flag=True, help="Begin with a byte-order mark, for Excel.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="File.")
@pass_context
def export_gold_command(ctx: Context, project_name, raw_formulas, excel, output) -> None:
    """Write the gold CSV: one row per claim with gold (see docs/data-dictionary.md)."""
    _export(ctx, project_name, gold_csv_stream, raw_formulas, excel, output)


@gold.command("accuracy")
@click.option("--project", "project_name", required=True, help="The project's name.")
@click.option("--raw-formulas", is_flag=True, help="Do not neutralise formula-like cells.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="File.")
@pass_context
def accuracy_command(ctx: Context, project_name, raw_formulas, output) -> None:
    """Write each annotator's accuracy against gold, per field, as CSV."""
    _export(ctx, project_name, accuracy_stream, raw_formulas, False, output)


def _export(ctx: Context, project_name: str, make, raw_formulas: bool, excel: bool, output):
    raw = raw_formulas or ctx.settings["EXPORT_RAW_FORMULAS"]
    with ctx.session(write=False) as session:
        begin_snapshot(session)  # several queries: one snapshot
        project = get_project_by_name(session, project_name)
        chunks = make(session, project, raw_formulas=raw)
        _write_chunks(with_bom(chunks) if excel else chunks, output)
