"""A project's codebook as plain data: its targets and label sets.

Annotation saves validate against it on every request, so it is kept in the
session factory's cache (``session.info["cache"]``, see db.make_session_factory),
keyed by the project's id, creation time and ``codebook_version``, which moves
on whenever targets or labels change (ops.projects). Another worker's change
therefore shows up at the next request that reads the project. A session
without that cache reads the codebook every time.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from workbench.models import Label, Project, Target


@dataclass(frozen=True, slots=True)
class Codebook:
    project_id: int
    version: int
    target_ids: tuple[int, ...]
    target_names: tuple[str, ...]
    labels: dict[str, frozenset[str]]


_CACHE_LIMIT = 256  # codebooks kept per session factory


def load_codebook(session: Session, project: Project) -> Codebook:
    """Return the project's codebook at its current version (cached, see the module)."""
    return codebook_at(session, project.id, project.created_at, project.codebook_version)


def codebook_at(session: Session, project_id: int, created_at, version: int) -> Codebook:
    """Return the codebook of the project with this id, creation time and codebook version."""
    cache = session.info.get("cache")
    key = ("codebook", project_id, created_at, version)
    cached = cache.get(key) if cache is not None else None
    if cached is not None:
        return cached
    targets = session.execute(
        select(Target.id, Target.name)
        .where(Target.project_id == project_id, Target.retired.is_(False))
        .order_by(Target.position, Target.id)
    ).all()
    labels: dict[str, list[str]] = {}
    for field, value in session.execute(
        select(Label.field, Label.value)
        .where(Label.project_id == project_id)
        .order_by(Label.field, Label.position)
    ):
        labels.setdefault(field, []).append(value)
    codebook = Codebook(
        project_id=project_id,
        version=version,
        target_ids=tuple(t.id for t in targets),
        target_names=tuple(t.name for t in targets),
        labels={field: frozenset(values) for field, values in labels.items()},
    )
    if cache is not None:
        if len(cache) >= _CACHE_LIMIT:
            cache.clear()
        cache[key] = codebook
    return codebook
