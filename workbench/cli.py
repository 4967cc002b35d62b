"""The ``workbench`` command line: each command parses, calls operations, commits, prints."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path

import click
from sqlalchemy import func, select

from workbench.db import (
    begin_snapshot,
    begin_write,
    is_lock_timeout,
    make_engine,
    make_session_factory,
)
from workbench.errors import WorkbenchError
from workbench.exporting import FORMATS, SHAPES, with_bom
from workbench.jobs import ImportSource, run_import, run_suggestions
from workbench.keymap import format_keymap_lines
from workbench.models import ROLES, Project, User
from workbench.ops.annotation_import import is_imported_account
from workbench.ops.backup import dump_lines, read_dump, restore_project
from workbench.ops.demo import seed_demo
from workbench.ops.exports import codebook_csv, codebook_markdown, export_stream
from workbench.ops.import_jobs import create_import_job, get_import_job, job_items
from workbench.ops.projects import (
    create_project,
    get_project_by_name,
    project_keymap,
    set_member,
    set_project_keymap,
)
from workbench.ops.sessions import activate_user, deactivate_user, end_user_sessions
from workbench.ops.suggestions import (
    create_suggestion_run,
    get_suggestion_run,
    refresh_articles,
)
from workbench.ops.users import create_user, generate_password, get_user_by_name, set_password
from workbench.schema import schema_state, upgrade
from workbench.settings import load_settings
from workbench.words import counted


class Context:
    def __init__(self) -> None:
        self.settings = load_settings()
        self.engine = make_engine(self.settings["DATABASE_URL"])
        self.sessions = make_session_factory(self.engine)
        command = click.get_current_context(silent=True)
        if command is not None:
            # Close the pooled connections when the command ends, not at garbage collection.
            command.call_on_close(self.engine.dispose)

    def require_current_schema(self) -> None:
        state = schema_state(self.engine)
        if state.is_empty:
            raise click.ClickException(
                "The database is empty. Run `workbench db upgrade` (or `workbench serve`)."
            )
        if not state.is_current:
            raise click.ClickException(
                f"The database is at schema {state.current}, older than this workbench "
                f"({state.head}). Back it up, then run `workbench db upgrade`."
            )

    @contextmanager
    def session(self, *, write: bool = True):
        """Yield a session; commit when the block ends cleanly, else roll back.

        ``write=False`` for commands that only read (exports), so that on SQLite
        they never hold the write lock that the server's saves need.
        """
        self.require_current_schema()
        session = self.sessions()
        if write:
            begin_write(session)
        try:
            yield session
            session.commit()
        except WorkbenchError as exc:
            session.rollback()
            raise click.ClickException(exc.message) from exc
        except Exception as exc:
            session.rollback()
            if is_lock_timeout(exc):
                raise click.ClickException(
                    "The database is busy: another connection held its write lock for too "
                    "long. Nothing was changed; try again in a moment."
                ) from exc
            raise
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()


pass_context = click.make_pass_decorator(Context, ensure=True)


@click.group()
@click.version_option(package_name="claim-workbench")
def main() -> None:
    """The Claim Workbench: import news articles, annotate claims, export tidy data.

    The database is WORKBENCH_DATABASE_URL when set, else SQLite in the
    instance folder (WORKBENCH_INSTANCE_PATH, default ./instance).
    """


@main.group()
def db() -> None:
    """Database schema: upgrade, status."""


@db.command("upgrade")
@pass_context
def db_upgrade(ctx: Context) -> None:
    """Upgrade the database to the newest schema (creating it if empty)."""
    before = schema_state(ctx.engine)
    upgrade(ctx.engine)
    after = schema_state(ctx.engine)
    click.echo(f"Database schema: {before.current or 'empty'} -> {after.current}.")


@db.command("status")
@pass_context
def db_status(ctx: Context) -> None:
    """Show the database's schema revision beside this workbench's."""
    state = schema_state(ctx.engine)
    click.echo(f"database: {ctx.engine.url.render_as_string(hide_password=True)}")
    click.echo(f"schema: {state.current or 'empty'} (this workbench: {state.head})")
    if not state.is_current:
        click.echo("Run `workbench db upgrade`.")
        sys.exit(1)


def prepare_database(ctx: Context, *, demo: bool = True) -> str | None:
    """Set up a new database (schema, admin account, demo project); return a login line.

    Returns None when nothing was created. Raises ClickException when the
    database is older than the code (it is never upgraded without being asked).
    """
    state = schema_state(ctx.engine)
    if state.is_empty:
        upgrade(ctx.engine)
    elif not state.is_current:
        ctx.require_current_schema()
    with ctx.session() as session:
        if session.scalar(select(func.count()).select_from(User)):
            return None
        password = generate_password()
        admin = create_user(session, "admin", password, is_admin=True)
        if demo:
            seed_demo(session, manager=admin)
    return f"Log in as admin with the password {password}"


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=int, help="Port to listen on.")
@click.option("--workers", default=2, show_default=True, type=int, help="Worker processes.")
@click.option(
    "--timeout",
    default=600,
    show_default=True,
    type=int,
    help="Seconds a request (a large import or export) may take before its worker restarts.",
)
@click.option("--no-demo", is_flag=True, help="Do not load the demo project into a new database.")
@pass_context
def serve(ctx: Context, host: str, port: int, workers: int, timeout: int, no_demo: bool) -> None:
    """Run the web server (a new database is set up with an admin and the demo project)."""
    login = prepare_database(ctx, demo=not no_demo)
    from workbench import create_app

    app = create_app()
    url = f"http://{host}:{port}/"
    click.echo(f"Claim Workbench on {url}  (database: {ctx.engine.url.render_as_string()})")
    if login:
        click.echo(f"{login}  (change it with `workbench users set-password admin`).")
    ctx.engine.dispose()  # no connection of this process may live on in the workers
    _run_server(app, host, port, workers, timeout)


def fresh_pool(app):
    """Return a gunicorn post_fork hook that gives each worker a pool of its own.

    A database connection must never be shared by two processes (their queries
    and results would interleave on one socket or one SQLite file handle). The
    app is made before the fork, so each new worker drops the pool it inherited,
    without closing what the master may hold (SQLAlchemy's recipe for forking).
    """

    def post_fork(server, worker) -> None:
        app.extensions["workbench.engine"].dispose(close=False)

    return post_fork


def _run_server(app, host: str, port: int, workers: int, timeout: int) -> None:
    try:
        from gunicorn.app.base import BaseApplication
    except ImportError:  # gunicorn does not run on Windows
        app.run(host=host, port=port, threaded=True)
        return

    class Server(BaseApplication):
        def load_config(self):
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            # Sync workers: each request goes to whichever worker is free. (gthread
            # workers keep a browser's connection, and so the browser, on one
            # worker process, which serves half as many saves per second in
            # bench/load.py; see docs/performance.md.)
            self.cfg.set("worker_class", "sync")
            self.cfg.set("timeout", timeout)
            self.cfg.set("accesslog", "-")
            self.cfg.set("post_fork", fresh_pool(app))
            # gunicorn 25.1+ opens a control socket at one path per user (in
            # $XDG_RUNTIME_DIR or ~/.gunicorn), which a second instance on the machine
            # would share; the workbench does not use it.
            if "control_socket_disable" in self.cfg.settings:
                self.cfg.set("control_socket_disable", True)

        def load(self):
            return app

    Server().run()


@main.group()
def users() -> None:
    """User accounts."""


@users.command("add")
@click.argument("username")
@click.option("--password", help="The password (asked for when not given).")
@click.option("--admin", is_flag=True, help="Make the user an administrator.")
@pass_context
def users_add(ctx: Context, username: str, password: str | None, admin: bool) -> None:
    """Create a user account."""
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    with ctx.session() as session:
        user = create_user(session, username, password, is_admin=admin)
    click.echo(f"Created {'admin ' if admin else ''}user {user.username}.")


@users.command("set-password")
@click.argument("username")
@click.option("--password", help="The new password (asked for when not given).")
@pass_context
def users_set_password(ctx: Context, username: str, password: str | None) -> None:
    """Change a user's password (which ends all their sessions)."""
    if password is None:
        password = click.prompt("New password", hide_input=True, confirmation_prompt=True)
    with ctx.session() as session:
        user = get_user_by_name(session, username)
        if user is None:
            raise click.ClickException(f"No user named {username!r}.")
        set_password(session, user, password)
    click.echo(f"Password changed for {username}.")


def _named_user(session, username: str):
    user = get_user_by_name(session, username)
    if user is None:
        raise click.ClickException(f"No user named {username!r}.")
    return user


@users.command("end-sessions")
@click.argument("username")
@pass_context
def users_end_sessions(ctx: Context, username: str) -> None:
    """Log a user out everywhere (they can log in again)."""
    with ctx.session() as session:
        ended = end_user_sessions(session, _named_user(session, username), "admin")
    click.echo(f"Ended {ended} session(s) of {username}.")


@users.command("deactivate")
@click.argument("username")
@pass_context
def users_deactivate(ctx: Context, username: str) -> None:
    """Stop a user logging in and end their sessions; their work stays."""
    with ctx.session() as session:
        ended = deactivate_user(session, _named_user(session, username))
    click.echo(f"Deactivated {username} ({ended} session(s) ended).")


@users.command("activate")
@click.argument("username")
@pass_context
def users_activate(ctx: Context, username: str) -> None:
    """Let a deactivated user log in again."""
    with ctx.session() as session:
        user = _named_user(session, username)
        # An account an import made has no password yet (ops.annotation_import).
        without_password = is_imported_account(user)
        activate_user(session, user)
    if without_password:
        click.echo(
            f"{username} is active, but has no password yet: set one with "
            f"`workbench users set-password {username}`."
        )
    else:
        click.echo(f"{username} can log in again.")


@main.group()
def projects() -> None:
    """Projects: create, list, add members, the annotate page's keys."""


@projects.command("create")
@click.argument("name")
@click.option("--target", "targets", multiple=True, required=True, help="A stance target (repeat).")
@click.option("--description", default="", help="A line about the project.")
@click.option(
    "--guidelines",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Markdown file.",
)
@click.option("--manager", help="Username to make the project's manager.")
@pass_context
def projects_create(ctx, name, targets, description, guidelines, manager) -> None:
    """Create a project with the default label sets."""
    with ctx.session() as session:
        creator = None
        if manager:
            creator = get_user_by_name(session, manager)
            if creator is None:
                raise click.ClickException(f"No user named {manager!r}.")
        project = create_project(
            session,
            name,
            targets=list(targets),
            description=description,
            guidelines=guidelines.read_text(encoding="utf-8") if guidelines else "",
            creator=creator,
        )
        n_targets = len(project.targets)
    click.echo(f"Created project {project.name!r} with {n_targets} target(s).")


@projects.command("list")
@pass_context
def projects_list(ctx: Context) -> None:
    """List the projects."""
    with ctx.session(write=False) as session:
        names = session.scalars(select(Project.name).order_by(Project.name)).all()
    for name in names:
        click.echo(name)


@projects.command("add-member")
@click.argument("project")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), default="annotator")
@pass_context
def projects_add_member(ctx: Context, project: str, username: str, role: str) -> None:
    """Add a user to a project (or change their role)."""
    with ctx.session() as session:
        found = get_project_by_name(session, project)
        user = get_user_by_name(session, username)
        if user is None:
            raise click.ClickException(f"No user named {username!r}.")
        set_member(session, found, user, role)
    click.echo(f"{username} is {role} of {project!r}.")


@projects.command("keys")
@click.argument("project")
@click.option(
    "--set",
    "source",
    type=click.File("r", encoding="utf-8"),
    help="A file of 'action: key key' lines (`-`: standard input); an empty one "
    "restores the default keys.",
)
@pass_context
def projects_keys(ctx: Context, project: str, source) -> None:
    """Print the keys of the project's annotate page as 'action: key key' lines, or
    set them from a file of such lines (actions left out keep their default keys)."""
    with ctx.session(write=source is not None) as session:
        found = get_project_by_name(session, project)
        changed = source is not None and set_project_keymap(session, found, source.read())
        lines = format_keymap_lines(project_keymap(found))
    if source is not None:
        click.echo(
            f"The keys of {found.name!r} are changed." if changed else "The keys are unchanged.",
            err=True,
        )
    click.echo(lines)


@main.command("import")
@click.option("--project", "project_name", required=True, help="The project's name.")
@click.option(
    "--progress/--no-progress",
    default=None,
    help="Show progress on standard error (default: when it is a terminal).",
)
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@pass_context
def import_command(
    ctx: Context, project_name: str, progress: bool | None, files: tuple[Path, ...]
) -> None:
    """Import articles from .txt, .md, .html, .csv and .jsonl files.

    Stored in short transactions, batch by batch (the server's saves go on
    meanwhile); each article is stored whole or not at all.
    """
    sources = []
    for path in files:
        try:
            sources.append(ImportSource(path.name, data=path.read_bytes()))
        except OSError as exc:
            raise click.ClickException(f"{path}: {exc.strerror}") from exc
    with ctx.session() as session:
        project = get_project_by_name(session, project_name)
        job = create_import_job(
            session, project, None, description=_describe(files), files_total=len(files)
        )
    if progress is None:
        progress = sys.stderr.isatty()
    status = run_import(
        ctx.sessions,
        job.id,
        sources,
        max_bytes=int(ctx.settings["MAX_UPLOAD_MB"] * 1_000_000),
        max_claims=ctx.settings["MAX_CLAIMS_PER_ARTICLE"],
        workers=ctx.settings["IMPORT_WORKERS"],
        on_progress=_print_progress if progress else None,
    )
    with ctx.session(write=False) as session:
        job = get_import_job(session, project, job.id)
        after = 0
        while rows := job_items(session, job, after=after, limit=1000):
            for row in rows:
                detail = counted(row.claims, "claim") if row.status == "imported" else row.reason
                click.echo(f"{row.status:9} {row.source}: {detail}")
            after = rows[-1].position
    click.echo(
        f"{job.imported:,} imported, {counted(job.duplicates, 'duplicate')} skipped, "
        f"{job.rejected:,} rejected."
    )
    if status != "done":
        raise click.ClickException(
            f"The import stopped: {job.error}. The items listed were done (each article "
            "whole); the rest were not imported. Import again: the stored articles are "
            "reported as duplicates."
        )
    if job.rejected and not job.imported and not job.duplicates:
        sys.exit(1)


def _describe(files: tuple[Path, ...]) -> str:
    names = ", ".join(path.name for path in files[:3])
    more = f" and {len(files) - 3:,} more" if len(files) > 3 else ""
    return f"{counted(len(files), 'file')}: {names}{more} (command line)"


def _print_progress(job) -> None:
    click.echo(
        f"{job.items_done:,} of {counted(job.items_total, 'item')} done ({job.files_read:,} of "
        f"{counted(job.files_total, 'file')} read): {job.imported:,} imported, "
        f"{counted(job.duplicates, 'duplicate')}, {job.rejected:,} rejected",
        err=True,
    )


@main.command("suggest")
@click.option("--project", "project_name", required=True, help="The project's name.")
@click.option("--article", "article_id", type=click.IntRange(min=1), help="One article's id.")
@click.option(
    "--progress/--no-progress",
    default=None,
    help="Show progress on standard error (default: when it is a terminal).",
)
@pass_context
def suggest_command(
    ctx: Context, project_name: str, article_id: int | None, progress: bool | None
) -> None:
    """Run the suggester again over a project's articles (or one article).

    The older suggestions are replaced; saved annotations are never touched. A
    whole project is done in short transactions, batch by batch: if the command
    is stopped midway, the articles done keep their new suggestions and the rest
    their older ones; run it again to redo them all.
    """
    if article_id is not None:
        with ctx.session() as session:
            project = get_project_by_name(session, project_name)
            stored = refresh_articles(session, project, [article_id])
        click.echo(
            f"Article {article_id}: {counted(stored.suggestions, 'suggestion')} for "
            f"{counted(stored.claims, 'claim')} ({counted(stored.written, 'row')} written, "
            f"{stored.removed:,} removed)."
        )
        return
    with ctx.session() as session:
        project = get_project_by_name(session, project_name)
        run = create_suggestion_run(session, project, None)
    if progress is None:
        progress = sys.stderr.isatty()
    status = run_suggestions(
        ctx.sessions, run.id, on_progress=_print_run_progress if progress else None
    )
    with ctx.session(write=False) as session:
        run = get_suggestion_run(session, project, run.id)
    click.echo(
        f"{run.articles_done:,} of {counted(run.articles_total, 'article')} done: "
        f"{counted(run.suggestions, 'suggestion')} for {counted(run.claims, 'claim')}."
    )
    if status != "done":
        raise click.ClickException(
            f"The re-run stopped: {run.error}. The articles done keep their new "
            "suggestions, the others their older ones; run the command again."
        )


def _print_run_progress(run) -> None:
    click.echo(f"{run.articles_done:,} of {counted(run.articles_total, 'article')} done", err=True)


@main.command("export")
@click.option("--project", "project_name", required=True, help="The project's name.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="csv", show_default=True)
@click.option("--shape", type=click.Choice(SHAPES), default="wide", show_default=True)
@click.option("--all-claims", is_flag=True, help="Add a row for every claim nobody annotated.")
@click.option("--raw-formulas", is_flag=True, help="Do not neutralise formula-like cells.")
@click.option(
    "--excel", is_flag=True, help="Begin a CSV with a byte-order mark, for opening in Excel."
)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="File.")
@pass_context
def export_command(ctx, project_name, fmt, shape, all_claims, raw_formulas, excel, output) -> None:
    """Export annotations as tidy CSV or JSONL (to standard output by default)."""
    raw = raw_formulas or ctx.settings["EXPORT_RAW_FORMULAS"]
    if excel and fmt != "csv":
        raise click.UsageError("--excel is for CSV: JSON Lines never has a byte-order mark.")
    with ctx.session(write=False) as session:
        begin_snapshot(session)  # the export reads in several queries: one snapshot
        project = get_project_by_name(session, project_name)
        chunks = export_stream(
            session, project, format=fmt, shape=shape, all_claims=all_claims, raw_formulas=raw
        )
        _write_chunks(with_bom(chunks) if excel else chunks, output)


def _write_chunks(chunks, output: Path | None) -> None:
    if output is None:
        for chunk in chunks:
            sys.stdout.write(chunk)
        sys.stdout.flush()
        return
    partial = output.with_name(output.name + ".part")
    try:
        handle = partial.open("w", encoding="utf-8", newline="")
    except OSError as exc:
        raise click.ClickException(f"Cannot write {output}: {exc.strerror}.") from exc
    try:
        with handle:
            for chunk in chunks:
                handle.write(chunk)
    except BaseException:
        # A failed export leaves neither a half-written file nor an old one replaced.
        partial.unlink(missing_ok=True)
        raise
    partial.replace(output)


@main.command("codebook")
@click.option("--project", "project_name", required=True, help="The project's name.")
@click.option("--format", "fmt", type=click.Choice(["md", "csv"]), default="md", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="File.")
@pass_context
def codebook_command(ctx, project_name, fmt, output) -> None:
    """Write the project's codebook: targets, labels with definitions, guidelines."""
    with ctx.session(write=False) as session:
        project = get_project_by_name(session, project_name)
        text = codebook_markdown(project) if fmt == "md" else codebook_csv(project)
    _write_chunks([text], output)


@main.command("seed-demo")
@click.option("--manager", help="Username of the manager (default: admin, if there is one).")
@pass_context
def seed_demo_command(ctx: Context, manager: str | None) -> None:
    """Load the demo project (the seed article) if it is not there yet."""
    with ctx.session() as session:
        user = get_user_by_name(session, manager or "admin")
        if user is None and manager is not None:
            raise click.ClickException(f"No user named {manager!r}.")
        project, report = seed_demo(session, manager=user)
    click.echo(f"Demo project {project.name!r}: {report.imported} article(s) imported.")


@main.command("dump")
@click.option("--project", "project_name", required=True, help="The project's name.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="File.")
@pass_context
def dump_command(ctx: Context, project_name: str, output: Path | None) -> None:
    """Write a whole project (settings, articles, claims, speakers, annotations, history,
    members by username) as JSON Lines, to standard output by default."""

    with ctx.session(write=False) as session:
        begin_snapshot(session)  # before the first query: the dump reads one snapshot
        project = get_project_by_name(session, project_name)
        _write_chunks(dump_lines(session, project), output)


@main.command("restore")
@click.argument("file", type=click.File("rb"))
@click.option("--name", help="Restore under another project name.")
@pass_context
def restore_command(ctx: Context, file, name: str | None) -> None:
    """Recreate a project from a `workbench dump` file (`-` reads standard input)."""
    with ctx.session() as session:
        project, created, warnings = restore_project(session, read_dump(file), name=name)
        summary = f"Restored project {project.name!r}: {len(project.articles)} article(s)."
    for warning in warnings:
        click.echo(f"Warning: {warning}", err=True)
    click.echo(summary)
    if created:
        click.echo(
            f"Created {len(created)} account(s) the dump names: {', '.join(created)}. "
            "They have random passwords: set one with `workbench users set-password NAME`."
        )

# Commands kept in modules of their own, registered on `main` when imported.
from workbench import cli_agreement, cli_assign, cli_gold, cli_import_annotations  # noqa: E402, F401
