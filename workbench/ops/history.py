"""The append-only history of changes to annotations, claims and speakers."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from workbench.models import HistoryEntry, User


def record(
    session: Session,
    *,
    project_id: int,
    entity: str,
    entity_id: int,
    action: str,
    user: User | None,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    claim_id: int | None = None,
) -> HistoryEntry:
    """Append one history entry and return it."""
    entry = HistoryEntry(
        project_id=project_id,
        entity=entity,
        entity_id=entity_id,
        claim_id=claim_id,
        action=action,
        user_id=user.id if user else None,
        before=before,
        after=after,
    )
    session.add(entry)
    return entry


def claim_history(session: Session, claim_id: int) -> list[HistoryEntry]:
    """Return every entry that touches a claim or its annotations, oldest first."""
    return list(
        session.scalars(
            select(HistoryEntry)
            .where(HistoryEntry.claim_id == claim_id)
            .options(selectinload(HistoryEntry.user))
            .order_by(HistoryEntry.id)
        )
    )
