"""Import jobs: an import's progress, counts and report, stored batch by batch.

An import runs as a job (workbench/jobs.py runs it): each batch of articles is
stored with its report rows and the job's new counts in one short transaction,
so a job that dies midway leaves whole articles and a report of what was done.
These operations never commit; the runner commits each batch.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from workbench.errors import InvalidInput, NotFound, PermissionDenied
from workbench.models import IMPORT_FATES, ImportJob, ImportJobItem, Project, User, utcnow
from workbench.ops import articles
from workbench.ops.projects import project_role
from workbench.permissions import can

REPORT_PAGE_SIZE = 100


def create_import_job(
    session: Session, project: Project, user: User | None, *, description: str, files_total: int
) -> ImportJob:
    """Add a running job for ``project`` (``user`` None for the command line); return it."""
    job = ImportJob(
        project_id=project.id,
        user_id=user.id if user else None,
        description=description[:1000],
        files_total=files_total,
        status="running",
    )
    session.add(job)
    session.flush()
    return job


def get_import_job(session: Session, project: Project, job_id: int) -> ImportJob:
    """Return the project's job; raises NotFound (also for another project's job)."""
    job = session.get(ImportJob, job_id, populate_existing=True)
    if job is None or job.project_id != project.id:
        raise NotFound("No such import in this project.")
    return job


@dataclass(frozen=True, slots=True)
class Progress:
    """Where a job stands as it stores a batch: what the runner has read so far."""

    files_read: int
    items_total: int


def store_job_batch(
    session: Session, job_id: int, batch: articles.Batch, progress: Progress
) -> ImportJob:
    """Store a batch of a job (its articles, their report rows, the job's counts
    and heartbeat); return the job as it is now. Raises NotFound for an unknown job,
    PermissionDenied when the job's user may no longer import into its project
    (deactivated, or no longer a manager of it since the job began)."""
    job = session.get(ImportJob, job_id, populate_existing=True)
    if job is None:
        raise NotFound("No such import.")
    project = session.get(Project, job.project_id)
    _check_still_allowed(session, job, project)
    results = articles.store_batch(session, project, batch, user_id=job.user_id)
    rows = [
        {
            "job_id": job_id,
            "position": position,
            "source": result.source,
            "status": result.status,
            "reason": result.reason,
            "article_id": result.article_id,
            "title": result.title,
            "claims": result.claims,
        }
        for position, result in sorted(results.items())
    ]
    if rows:
        session.execute(insert(ImportJobItem), rows)
    counts = {fate: sum(1 for r in results.values() if r.status == fate) for fate in IMPORT_FATES}
    session.execute(
        update(ImportJob)
        .where(ImportJob.id == job_id)
        .values(
            items_done=ImportJob.items_done + len(rows),
            imported=ImportJob.imported + counts["imported"],
            duplicates=ImportJob.duplicates + counts["duplicate"],
            rejected=ImportJob.rejected + counts["rejected"],
            claims=ImportJob.claims + sum(r.claims for r in results.values()),
            files_read=progress.files_read,
            items_total=progress.items_total,
            heartbeat_at=utcnow(),
        )
    )
    session.refresh(job)
    return job


def _check_still_allowed(session: Session, job: ImportJob, project: Project) -> None:
    """Raise PermissionDenied unless the job's user may still import into the project.

    A web import runs on after its request, batch by batch: deactivating its user or
    taking away their manager role stops it at the next batch, as it would stop a
    request. A job of the command line (no user) is not checked."""
    if job.user_id is None:
        return
    user = session.get(User, job.user_id, populate_existing=True)
    if user is not None and can(user, "import-articles", project_role(session, user, project)):
        return
    name = user.username if user is not None else "its user"
    why = (
        "was deactivated"
        if user is not None and not user.is_active
        else ("is no longer a manager of the project")
    )
    raise PermissionDenied(f"{name} {why}, so the import stopped; the articles stored before stay.")


def finish_import_job(session: Session, job_id: int, *, error: str = "") -> None:
    """Mark the job done, or failed with ``error`` (a sentence for the user)."""
    now = utcnow()
    session.execute(
        update(ImportJob)
        .where(ImportJob.id == job_id)
        .values(
            status="failed" if error else "done",
            error=error[:2000],
            finished_at=now,
            heartbeat_at=now,
        )
    )


def check_fate(fate: str | None) -> str | None:
    """Return ``fate`` if it is one an item can have (or None); raises InvalidInput."""
    if fate is not None and fate not in IMPORT_FATES:
        raise InvalidInput(f"Unknown fate {fate!r}: choose one of {', '.join(IMPORT_FATES)}.")
    return fate


def job_items(
    session: Session,
    job: ImportJob,
    *,
    fate: str | None = None,
    after: int = 0,
    limit: int | None = None,
) -> list[ImportJobItem]:
    """Return the job's report rows in item order, after position ``after``, of one
    ``fate`` when given, at most ``limit`` (a page; None for all)."""
    query = select(ImportJobItem).where(
        ImportJobItem.job_id == job.id, ImportJobItem.position > after
    )
    if check_fate(fate) is not None:
        query = query.where(ImportJobItem.status == fate)
    query = query.order_by(ImportJobItem.position)
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))


def recent_jobs(session: Session, project: Project, limit: int = 10) -> list[ImportJob]:
    """Return the project's newest jobs, newest first."""
    return list(
        session.scalars(
            select(ImportJob)
            .where(ImportJob.project_id == project.id)
            .order_by(ImportJob.id.desc())
            .limit(limit)
        )
    )
