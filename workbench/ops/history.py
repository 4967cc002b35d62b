"""The append-only history of changes to annotations, claims, speakers and projects."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from workbench.fields import FIELDS, SPEAKER, STANCES, of_kind
from workbench.models import Annotation, HistoryEntry, User
from workbench.pagination import Page, page_of
from workbench.words import counted


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


def _claim_entries(claim_id: int, annotations_of: int | None):
    query = select(HistoryEntry).where(HistoryEntry.claim_id == claim_id)
    if annotations_of is not None:
        own = select(Annotation.id).where(Annotation.user_id == annotations_of)
        query = query.where(
            or_(HistoryEntry.entity != "annotation", HistoryEntry.entity_id.in_(own))
        )
    return query


def claim_history(
    session: Session, claim_id: int, *, annotations_of: int | None = None
) -> list[HistoryEntry]:
    """Return every entry that touches a claim or its annotations, oldest first.

    With ``annotations_of`` (a user id), the entries of other users' annotations
    are left out: an annotator codes blind, without seeing the others' labels.
    """
    query = _claim_entries(claim_id, annotations_of)
    return list(
        session.scalars(query.options(selectinload(HistoryEntry.user)).order_by(HistoryEntry.id))
    )


HISTORY_PAGE = 100


def claim_history_page(
    session: Session,
    claim_id: int,
    *,
    annotations_of: int | None = None,
    page: int | None = None,
    size: int = HISTORY_PAGE,
) -> tuple[Page, list[HistoryEntry]]:
    """Return page ``page`` (from 1) of ``claim_history``, oldest first, and the page.

    Raises NotFound for a page after the last.
    """
    query = _claim_entries(claim_id, annotations_of)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    current = page_of(page, size, total or 0)
    entries = session.scalars(
        query.options(selectinload(HistoryEntry.user))
        .order_by(HistoryEntry.id)
        .offset(current.offset)
        .limit(current.size)
    )
    return current, list(entries)


PROJECT_HISTORY_PAGE_SIZE = 50


def project_history(
    session: Session,
    project_id: int,
    *,
    page: int | None = None,
    size: int = PROJECT_HISTORY_PAGE_SIZE,
) -> tuple[Page, list[HistoryEntry]]:
    """Return page ``page`` (from 1) of the changes to a project's settings and members,
    newest first, and the page. Raises NotFound for a page after the last.

    Both queries go through the history's (entity, entity_id) index, so they cost
    the same however much else is recorded.
    """
    where = (
        HistoryEntry.entity == "project",
        HistoryEntry.entity_id == project_id,
        HistoryEntry.project_id == project_id,
    )
    total = session.scalar(select(func.count()).select_from(HistoryEntry).where(*where))
    current = page_of(page, size, total or 0)
    entries = session.scalars(
        select(HistoryEntry)
        .where(*where)
        .options(selectinload(HistoryEntry.user))
        .order_by(HistoryEntry.id.desc())
        .offset(current.offset)
        .limit(current.size)
    )
    return current, list(entries)


# An annotation's fields by the label of workbench/fields.py, then other records' keys.
_LABELS = {
    **{f.name: f.label for f in FIELDS if f.kind != STANCES},
    "status": "Status",
    "version": "Version",
    "span_changed": "Span changed",
    "start": "Start",
    "end": "End",
    "state": "State",
}
# Keys that hold a claim's id: shown as "id N", linked to that claim's history.
_CLAIM_KEYS = {
    "claim_id": "Claim",
    "from_claim_id": "Split from claim",
    "new_claim_id": "New claim",
    "merged_claim_id": "Merged claim",
    "merged_into_id": "Merged into claim",
}
# A speaker field's id, left out where its name is recorded beside it.
_SPEAKER_IDS = {f.column: f.name for f in of_kind(SPEAKER)}
# Per-target fields: {target id: value}, each shown as "<label>: <target>".
_PER_TARGET = {f.name: f.label for f in of_kind(STANCES)}
# Keys that list other annotations: left out of an annotator's blind view.
_ANNOTATION_LISTS = {"moved_annotations", "annotations"}


def _shown(value: Any) -> str:
    """A recorded value in words: yes or no for a boolean, a list as its items separated
    by commas, a mapping as ``key: value`` pairs, "—" for a value not set."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(_shown(item) for item in value)
    if isinstance(value, dict):
        return ", ".join(f"{key}: {_shown(item)}" for key, item in value.items())
    return str(value)


def _empty_list(value: Any) -> bool:
    return isinstance(value, list | tuple | dict) and not value


def _annotation_ids(ids: list) -> str:
    if not all(isinstance(i, int) for i in ids):
        return _shown(ids)
    return f"{counted(len(ids), 'annotation')} ({'id' if len(ids) == 1 else 'ids'} {_shown(ids)})"


def describe(
    record: dict[str, Any] | None, targets: dict[int, str], *, blind: bool = False
) -> list[tuple[str, str, int | None]]:
    """Return a history record as rows to show: (label, value, claim id to link or None).

    Stances are named by their target (``targets`` maps ids to names, removed
    targets included); speaker ids are left out where the name is recorded;
    claims are shown by id (positions change with every split and merge). With
    ``blind``, lists of annotation ids are left out: they would tell an annotator
    about other annotators' work. Values are in words (see _shown); an empty list
    shows no row.
    """
    rows: list[tuple[str, str, int | None]] = []
    for key, value in (record or {}).items():
        if key in _SPEAKER_IDS and _SPEAKER_IDS[key] in record:
            continue
        if blind and key in _ANNOTATION_LISTS:
            continue
        if _empty_list(value) and key not in _PER_TARGET:
            continue
        if key in _PER_TARGET and isinstance(value, dict):
            for target_id, stance in value.items():
                name = targets.get(int(target_id)) if str(target_id).isdigit() else None
                shown = name or "target " + str(target_id)
                rows.append((f"{_PER_TARGET[key]}: {shown}", _shown(stance), None))
            continue
        if key in _CLAIM_KEYS and isinstance(value, int):
            rows.append((_CLAIM_KEYS[key], f"id {value}", value))
            continue
        label = _LABELS.get(key, key.replace("_", " ").capitalize())
        if key in _ANNOTATION_LISTS and isinstance(value, list):
            rows.append((label, _annotation_ids(value), None))
            continue
        rows.append((label, _shown(value), None))
    return rows


# What each action of a project's own history did, as the history page says it.
PROJECT_ACTIONS = {
    "create": "Project created",
    "rename": "Project renamed",
    "edit-description": "Description changed",
    "edit-guidelines": "Guidelines changed",
    "add-target": "Target added",
    "rename-target": "Target renamed",
    "retire-target": "Target retired",
    "restore-target": "Target brought back",
    "reorder-targets": "Targets reordered",
    "edit-labels": "Labels changed",
    "edit-keys": "Keys changed",
    "add-member": "Member added",
    "change-role": "Role changed",
    "remove-member": "Member removed",
    # ops.assignments
    "assign": "Articles assigned",
    "unassign": "Article unassigned",
    "assignment-mode": "Assignment mode changed",
    "blind-mode": "Blind mode changed",
    # ops.annotation_import: earlier annotations imported, an imported account activated.
    "import-annotations": "Annotations imported",
    "activate-member": "Member activated",
    # ops.suggestions: a re-run of the suggester over every article, when it ends.
    "rerun-suggestions": "Suggestions re-run",
    # ops.gold: the adjudication reasons, and an accept-all-agree run that accepted some.
    "edit-gold-reasons": "Reasons for gold changed",
    "accept-gold": "Agreed labels accepted into gold",
}


def describe_project_change(record: dict[str, Any] | None) -> list[tuple[str, str]]:
    """Return a project history record as (label, value) rows to show: a list of
    targets as one line, a label set as one ``value: definition`` line per label,
    the target's id beside its name; other values in words, an empty list as no row."""
    rows: list[tuple[str, str]] = []
    for key, value in (record or {}).items():
        if key == "target_id" or _empty_list(value):
            continue
        if key == "target" and "target_id" in record:
            rows.append(("Target", f"{value} (id {record['target_id']})"))
        elif key == "targets" and isinstance(value, list):
            rows.append(("Targets", _shown(value)))
        elif key == "labels" and isinstance(value, list):
            lines = [": ".join(str(x) for x in pair if x) for pair in value]
            rows.append(("Labels", "\n".join(lines)))
        else:
            rows.append((key.replace("_", " ").capitalize(), _shown(value)))
    return rows


# What a claim's history entry did, in words (the page's "What" column).
_ACTION_WORDS = {
    ("annotation", "create"): "annotation saved",
    ("annotation", "update"): "annotation changed",
    ("annotation", "flag-span-changed"): "annotation flagged: the claim's boundaries changed",
    ("annotation", "moved-by-merge"): "annotation moved here by a merge",
    ("annotation", "speaker-merged"): "speaker merged into another in the registry",
    ("claim", "split"): "claim split",
    ("claim", "merge"): "claim merged",
    ("claim", "trim"): "claim trimmed",
}


def describe_action(entity: str, action: str) -> str:
    """Return what a history entry of ``entity`` did (``action``), in words; an entry of
    a kind this list does not know reads "<entity> <action>" without hyphens."""
    words = _ACTION_WORDS.get((entity, action))
    return words or f"{entity} {action.replace('-', ' ')}"
