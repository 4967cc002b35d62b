"""``workbench import-annotations``: earlier annotations from a CSV in the wide export's
columns (docs/importing.md, "Importing earlier annotations"). Registered on ``main`` by
the import at the end of workbench/cli.py."""

from __future__ import annotations

import click

from workbench.cli import Context, main, pass_context
from workbench.importing_annotations import AnnotationImportError
from workbench.ops.annotation_import import read_annotation_file, store_annotation_import
from workbench.ops.projects import get_project_by_name


@main.command("import-annotations")
@click.option("--project", "project_name", required=True, help="The project's name.")
@click.option(
    "--replace",
    is_flag=True,
    help="Save a row whose annotator has an annotation of its claim already as that "
    "annotation's new version (without it such a row is refused).",
)
@click.option(
    "--raw-formulas",
    is_flag=True,
    help="The file was exported with --raw-formulas: read its cells as they are (by "
    "default the apostrophe the export puts before = + - @ is taken out again).",
)
@click.argument("file", type=click.File("rb"))
@pass_context
def import_annotations_command(
    ctx: Context, project_name: str, replace: bool, raw_formulas: bool, file
) -> None:
    """Import annotations from FILE, a CSV in the wide export's columns (`-` reads
    standard input): all of it, or nothing when any row has a problem (each is listed).

    A row names its claim by claim_id, or by article_id, char_start and char_end, and
    its annotator by username; annotators the instance does not know become accounts
    that cannot log in until a manager activates them (members page), or until
    `workbench users set-password NAME` and `workbench users activate NAME`.
    """
    data = file.read()
    name = getattr(file, "name", "") or ""
    max_bytes = int(ctx.settings["MAX_UPLOAD_MB"] * 1_000_000)
    try:
        # Read and check outside the write transaction: on SQLite the server's saves
        # wait only for the store.
        with ctx.session(write=False) as session:
            project = get_project_by_name(session, project_name)
            prepared = read_annotation_file(
                session,
                project,
                data,
                max_bytes=max_bytes,
                raw_formulas=raw_formulas,
                filename=str(name),
            )
        with ctx.session() as session:
            project = get_project_by_name(session, project_name)
            summary = store_annotation_import(
                session, project, prepared, user=None, replace=replace
            )
    except click.ClickException as exc:
        problems = getattr(exc.__cause__, "problems", None)
        if isinstance(exc.__cause__, AnnotationImportError) and problems:
            for problem in problems:
                click.echo(f"{name}: {problem}", err=True)
            raise click.ClickException(
                f"Nothing was imported: {len(problems):,} problem(s), listed above."
            ) from exc.__cause__
        raise
    for warning in summary.warnings:
        click.echo(f"Warning: {warning}", err=True)
    click.echo(summary.describe())
    if summary.accounts:
        click.echo(
            "The new accounts cannot log in yet: a manager activates them on the project's "
            "members page (giving each a password), or run `workbench users set-password "
            "NAME` and then `workbench users activate NAME`."
        )
