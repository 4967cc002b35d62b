"""Whether a background job (an import, a re-run of the suggester) still runs.

A running job writes its heartbeat with every batch (an import also after each
file it reads); one silent for HEARTBEAT_STALE_SECONDS lost its worker and shows
as interrupted, which no longer holds a new run back.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from workbench.models import utcnow

HEARTBEAT_STALE_SECONDS = 120


class Job(Protocol):
    status: str
    heartbeat_at: datetime


def job_status(job: Job, now: datetime | None = None) -> str:
    """Return "running", "done", "failed", or "interrupted" (running, heartbeat stale)."""
    if job.status != "running":
        return job.status
    if (now or utcnow()) - job.heartbeat_at > timedelta(seconds=HEARTBEAT_STALE_SECONDS):
        return "interrupted"
    return "running"
