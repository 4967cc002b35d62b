"""Running an import, or a re-run of the suggester, as a job: work outside any
transaction, store in short ones.

Web uploads, pastes and ``workbench import`` all come here. Files are parsed and
articles split with no transaction open; each batch (bounded by articles, claims
and report rows, see ops.articles) is then stored in a transaction of its own,
with its report rows and the job's counts. So an import never holds SQLite's
write lock for longer than one batch takes to insert, others' saves get in
between, and a job killed midway leaves whole articles and a report of them.

A re-run of the suggester over a project (``run_suggestions``) goes the same way:
one batch of articles (ops.suggestions.next_batch) per transaction, each with the
run's progress, so a run killed midway leaves every article with a whole set of
suggestions, new or old, and running it again redoes the lot.

This module commits: it owns the job's transactions, as the CLI commands and the
views own theirs. It never imports Flask; the web app runs it in a thread.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from workbench.db import begin_write, is_lock_timeout
from workbench.errors import WorkbenchError
from workbench.importing import ImportItem, parse_file
from workbench.models import Article, ImportJob, User
from workbench.ops import articles, gold, suggestions
from workbench.ops.import_jobs import Progress, finish_import_job, store_job_batch
from workbench.ops.preparing import Preparer, default_workers
from workbench.ops.projects import get_project
from workbench.ops.speakers import merged_speakers

logger = logging.getLogger(__name__)

# A batch is stored at the latest this long after the previous one, full or not,
# so that the progress shown and the heartbeat stay fresh while files are read.
FLUSH_SECONDS = 2.0


@dataclass(frozen=True, slots=True)
class ImportSource:
    """One file of an import (its name and bytes), or items parsed already (a paste)."""

    name: str
    data: bytes | None = None
    items: Sequence[ImportItem] | None = None

    def size(self) -> int:
        """About how many characters of text the source holds (its bytes, for a file)."""
        if self.items is not None:
            return sum(len(getattr(item, "text", "")) for item in self.items)
        return len(self.data or b"")

    def parse(self, max_bytes: int) -> list[ImportItem]:
        if self.items is not None:
            return list(self.items)
        return parse_file(self.name, self.data or b"", max_bytes=max_bytes)


def run_import(
    sessions: sessionmaker[Session],
    job_id: int,
    sources: Sequence[ImportSource],
    *,
    max_bytes: int = 10_000_000,
    max_claims: int = articles.DEFAULT_MAX_CLAIMS,
    workers: int | None = None,
    on_progress: Callable[[ImportJob], None] | None = None,
) -> str:
    """Run the job over ``sources``; return its final status, "done" or "failed".

    A large import is prepared (split, suggested for) by ``workers`` processes
    (ops.preparing; None: one a core) while this thread stores; 0 prepares here.

    ``on_progress`` is called with the job after every stored batch. An error
    stops the job: the batch it happened in is rolled back, the batches stored
    before stay, and the job is marked failed with the reason (and the error
    logged). Never raises, except for BaseExceptions (KeyboardInterrupt).
    """
    try:
        with sessions() as session:
            project_id = session.get(ImportJob, job_id).project_id
            known = set(
                session.scalars(
                    select(Article.content_hash).where(Article.project_id == project_id)
                )
            )
            # The suggester runs as articles are split, outside the write transactions;
            # the registry is read once, as the job begins.
            registry = suggestions.load_registry(session, project_id)
        files_read = items_total = 0
        batch = articles.Batch()
        last_flush = time.monotonic()

        def flush() -> None:
            nonlocal batch, last_flush
            with sessions() as session:
                begin_write(session)
                job = store_job_batch(
                    session, job_id, batch, Progress(files_read=files_read, items_total=items_total)
                )
                session.commit()
            batch = articles.Batch()
            last_flush = time.monotonic()
            if on_progress is not None:
                on_progress(job)

        position = 0
        with Preparer(
            known,
            registry=registry,
            max_claims=max_claims,
            workers=default_workers() if workers is None else workers,
        ) as preparer:
            preparer.warm_up(sum(source.size() for source in sources))
            for source in sources:
                items = source.parse(max_bytes)
                items_total += len(items)
                for prepared in preparer.prepare(items):
                    position += 1
                    batch.add(position, prepared)
                    if batch.is_full() or time.monotonic() - last_flush > FLUSH_SECONDS:
                        flush()
                files_read += 1
                if time.monotonic() - last_flush > FLUSH_SECONDS:
                    flush()
        flush()  # the last items, and the final counts even when there were none
        with sessions() as session:
            begin_write(session)
            finish_import_job(session, job_id)
            session.commit()
        return "done"
    except Exception as exc:
        logger.exception("import job %s stopped", job_id)
        _fail(sessions, job_id, _reason(exc))
        return "failed"


def _reason(exc: Exception) -> str:
    if isinstance(exc, WorkbenchError):
        return exc.message
    if is_lock_timeout(exc):
        return "the database stayed busy (locked by another writer) for too long"
    return f"an internal error stopped the import ({type(exc).__name__}: {exc})"


def _fail(sessions: sessionmaker[Session], job_id: int, reason: str) -> None:
    try:
        with sessions() as session:
            begin_write(session)
            finish_import_job(session, job_id, error=reason)
            session.commit()
    except Exception:
        # The job stays "running" without a heartbeat: it is shown as interrupted.
        logger.exception("import job %s: could not record that it stopped", job_id)


def start_import(
    sessions: sessionmaker[Session], job_id: int, sources: Sequence[ImportSource], **options
) -> threading.Thread:
    """Run the job in a daemon thread of this process (sessions of its own); return
    the thread. A process that exits (a worker restarted) ends it: the job's
    heartbeat stops and it shows as interrupted, with the batches stored so far."""
    thread = threading.Thread(
        target=run_import,
        args=(sessions, job_id, sources),
        kwargs=options,
        name=f"import-job-{job_id}",
        daemon=True,
    )
    thread.start()
    return thread


def run_suggestions(
    sessions: sessionmaker[Session],
    run_id: int,
    *,
    on_progress: Callable[[object], None] | None = None,
) -> str:
    """Run the re-run ``run_id`` batch by batch until no article is left; return its
    final status, "done" or "failed".

    ``on_progress`` is called with the run after every batch. An error stops the
    run: its batch is rolled back, the batches stored before stay, and the run is
    marked failed with the reason (and the error logged). Never raises, except for
    BaseExceptions (KeyboardInterrupt: the run then shows as interrupted).
    """
    try:
        while True:
            # The suggester runs in a read transaction; the write transaction stores.
            with sessions() as session:
                prepared = suggestions.prepare_run_batch(session, run_id)
            with sessions() as session:
                begin_write(session)
                run = suggestions.run_suggestion_batch(session, run_id, prepared=prepared)
                session.commit()
            if on_progress is not None:
                on_progress(run)
            if run.status != "running":
                return run.status
    except Exception as exc:
        logger.exception("suggestion run %s stopped", run_id)
        reason = _reason(exc).replace("the import", "the re-run")
        try:
            with sessions() as session:
                begin_write(session)
                suggestions.finish_suggestion_run(session, run_id, error=reason)
                session.commit()
        except Exception:
            logger.exception("suggestion run %s: could not record that it stopped", run_id)
        return "failed"


def start_suggestions(sessions: sessionmaker[Session], run_id: int) -> threading.Thread:
    """Run the re-run in a daemon thread of this process; return the thread (see
    start_import for what happens when the process exits)."""
    thread = threading.Thread(
        target=run_suggestions,
        args=(sessions, run_id),
        name=f"suggestion-run-{run_id}",
        daemon=True,
    )
    thread.start()
    return thread


def run_accept_agreed(
    sessions: sessionmaker[Session],
    project_id: int,
    *,
    user_id: int | None,
    article_id: int | None = None,
    key: str | None = None,
):
    """Accept every agreed field into gold (ops.gold.accept_agreed) batch by batch: each
    batch of claims is compared in a read transaction and stored in a short write
    transaction of its own, so that on SQLite annotators' saves never wait for a whole
    project. Returns the AcceptReport. Raises what accept_agreed raises before the first
    batch; a failure later leaves the batches stored before (running it again finishes
    the work: it is idempotent)."""
    with sessions() as session:
        project = get_project(session, project_id)
        keys = gold.accept_keys(session, project, article_id, key)
        merged = merged_speakers(session, project.id)
    report = gold.AcceptReport()
    after = 0
    while True:
        with sessions() as session:
            project = get_project(session, project_id, eager=False)
            ids = gold.claim_batch(session, project, article_id, after)
            if not ids:
                break
            agreed = gold.agreed_fields(session, ids, keys, merged)
        if agreed:
            with sessions() as session:
                begin_write(session)
                project = get_project(session, project_id, eager=False)
                user = session.get(User, user_id) if user_id is not None else None
                gold.store_agreed(session, project, agreed, report, user=user, merged=merged)
                session.commit()
        report.claims += len(ids)
        after = ids[-1]
    with sessions() as session:
        begin_write(session)
        project = get_project(session, project_id, eager=False)
        user = session.get(User, user_id) if user_id is not None else None
        gold.record_accept(session, project, report, user=user, article_id=article_id, key=key)
        session.commit()
    return report
