"""``workbench agreement``: the agreement report on the command line (docs/agreement.md).

Registered on ``workbench.cli.main`` by the import at the end of workbench/cli.py.
"""

from __future__ import annotations

from pathlib import Path

import click

from workbench.cli import Context, _write_chunks, main, pass_context
from workbench.ops.agreement import RESAMPLES, SEED, agreement_report
from workbench.ops.projects import get_project_by_name
from workbench.review.tables import to_csv, to_markdown


@main.command("agreement")
@click.option("--project", "project_name", required=True, help="The project's name.")
@click.option(
    "--field",
    "field_key",
    help="One field: speaker, via, attribution, stance:TARGET or verifiability.",
)
@click.option("--format", "fmt", type=click.Choice(["csv", "md"]), default="csv", show_default=True)
@click.option("--article", "article_id", type=click.IntRange(min=1), help="One article's id.")
@click.option(
    "--across-versions", is_flag=True, help="Pool the annotations of every codebook version."
)
@click.option(
    "--codebook-version",
    type=click.IntRange(min=1),
    help="Another version than the project's current one.",
)
@click.option(
    "--by-article", is_flag=True, help="Add each article's figures (CSV rows with article_id)."
)
@click.option(
    "--resamples",
    type=click.IntRange(min=0),
    default=RESAMPLES,
    show_default=True,
    help="Bootstrap resamples for alpha's 95% interval (0: no interval; else at least 1,000).",
)
@click.option("--seed", type=int, default=SEED, show_default=True, help="The bootstrap's seed.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="File.")
@pass_context
def agreement_command(
    ctx: Context,
    project_name: str,
    field_key: str | None,
    fmt: str,
    article_id: int | None,
    across_versions: bool,
    codebook_version: int | None,
    by_article: bool,
    resamples: int,
    seed: int,
    output: Path | None,
) -> None:
    """Agreement of the annotators, per field, over the claims at least two marked done."""
    with ctx.session(write=False) as session:
        project = get_project_by_name(session, project_name)
        report = agreement_report(
            session,
            project,
            field_key=field_key,
            article_id=article_id,
            codebook_version=codebook_version,
            across_versions=across_versions,
            by_article=by_article,
            resamples=resamples,
            seed=seed,
        )
    _write_chunks(to_csv(report) if fmt == "csv" else [to_markdown(report) + "\n"], output)
