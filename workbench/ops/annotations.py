"""Saving annotations: one per claim and annotator, never silently overwritten."""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import inspect, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.exc import StaleDataError

from workbench.errors import Conflict, InvalidInput
from workbench.models import (
    ANNOTATION_STATUSES,
    Annotation,
    Article,
    Claim,
    Project,
    Speaker,
    Stance,
    User,
)
from workbench.ops.codebook import Codebook, load_codebook
from workbench.ops.history import record

# SQLITE_BUSY and SQLITE_BUSY_SNAPSHOT
SQLITE_BUSY_CODES = (5, 517)


@dataclass(slots=True)
class AnnotationInput:
    """What an annotator submits for one claim; empty strings mean "not set"."""

    speaker_id: int | None = None
    via_id: int | None = None
    attribution: str = ""
    verifiability: str = ""
    note: str = ""
    stances: dict[int, str] = field(default_factory=dict)
    status: str = "submitted"


def annotation_record(annotation: Annotation) -> dict:
    """Return the annotation's values as a plain dict (for the history and conflicts)."""
    return {
        "speaker_id": annotation.speaker_id,
        "speaker": annotation.speaker.name if annotation.speaker else None,
        "via_id": annotation.via_id,
        "via": annotation.via.name if annotation.via else None,
        "attribution": annotation.attribution,
        "verifiability": annotation.verifiability,
        "note": annotation.note,
        "stances": {str(s.target_id): s.value for s in annotation.stances},
        "status": annotation.status,
        "version": annotation.version,
    }


def get_annotation(session: Session, claim: Claim, user: User) -> Annotation | None:
    """Return the user's annotation of the claim, with speakers and stances loaded."""
    # One query: the speaker, the via and the stances come joined.
    return (
        session.execute(
            select(Annotation)
            .where(Annotation.claim_id == claim.id, Annotation.user_id == user.id)
            .options(
                joinedload(Annotation.stances),
                joinedload(Annotation.speaker),
                joinedload(Annotation.via),
            )
        )
        .unique()
        .scalar_one_or_none()
    )


def _resolve_speaker(session: Session, project: Project, speaker_id: int | None, what: str):
    if speaker_id is None:
        return None
    seen = set()
    speaker = session.get(Speaker, speaker_id)
    while speaker is not None and speaker.merged_into_id is not None and speaker.id not in seen:
        seen.add(speaker.id)
        speaker = session.get(Speaker, speaker.merged_into_id)
    if speaker is None or speaker.project_id != project.id:
        raise InvalidInput(f"The {what} is not in this project's speaker registry.", field=what)
    return speaker


def _unknown(name: str, value: str, allowed: dict[str, frozenset[str]]) -> str:
    return f"Unknown {name} label {value!r} (labels: {', '.join(sorted(allowed.get(name, ())))})."


def _validate(codebook: Codebook, values: AnnotationInput) -> None:
    allowed = codebook.labels
    for name in ("attribution", "verifiability"):
        value = getattr(values, name)
        if value and value not in allowed.get(name, set()):
            raise InvalidInput(_unknown(name, value, allowed), field=name)
    targets = set(codebook.target_ids)
    for target_id, value in values.stances.items():
        if target_id not in targets:
            raise InvalidInput(
                "A stance names a target that is not in this project.", field="stances"
            )
        if value and value not in allowed.get("stance", set()):
            raise InvalidInput(_unknown("stance", value, allowed), field="stances")
    if values.status not in ANNOTATION_STATUSES:
        raise InvalidInput(f"Unknown status {values.status!r}.", field="status")
    if len(values.note) > 10_000:
        raise InvalidInput("A note has at most 10,000 characters.", field="note")


def _project_of(session: Session, claim: Claim) -> int:
    if "article" in inspect(claim).dict:
        return claim.article.project_id
    # Without loading the article (and its whole text) just to learn its project.
    return session.scalar(select(Article.project_id).where(Article.id == claim.article_id))


def save_annotation(
    session: Session,
    project: Project,
    claim: Claim,
    user: User,
    values: AnnotationInput,
    *,
    base_version: int | None,
) -> Annotation:
    """Create or update the user's annotation of ``claim`` and return it.

    ``base_version`` is the version the form was based on (None for a new
    annotation). Raises Conflict, with the current values where this
    transaction can read them, when another save came first (after an update
    that lost a race at the last moment, the session is rolled back); raises
    InvalidInput for unknown labels, speakers or targets.
    Every save is appended to the history.
    """
    if _project_of(session, claim) != project.id:
        raise InvalidInput("This claim is not in this project.")
    if claim.state != "active":
        raise InvalidInput("This claim was merged into another one; reload the article.")
    _validate(load_codebook(session, project), values)
    speaker = _resolve_speaker(session, project, values.speaker_id, "speaker")
    via = _resolve_speaker(session, project, values.via_id, "via")
    annotation = get_annotation(session, claim, user)
    if annotation is None and base_version is not None:
        raise Conflict("The annotation you edited no longer exists; reload the claim.")
    if annotation is not None and annotation.version != base_version:
        raise Conflict(
            "Someone saved this annotation after you opened it (another tab or device). "
            "Your changes were not saved; the newer values are shown.",
            current=annotation_record(annotation),
        )
    before = annotation_record(annotation) if annotation is not None else None
    now = datetime.now(UTC)
    stance_values = {tid: v for tid, v in values.stances.items() if v}
    creating = annotation is None
    # Only an insert can collide (two first saves): it runs in a savepoint so that the
    # current values can still be read. An update that lost a race (StaleDataError)
    # rolls the session back instead, sparing two statements on every save.
    guard = session.begin_nested() if creating else nullcontext()
    try:
        with guard:
            if annotation is None:
                annotation = Annotation(
                    claim_id=claim.id, user_id=user.id, created_at=now, stances=[]
                )
                session.add(annotation)
            annotation.speaker = speaker
            annotation.via = via
            annotation.attribution = values.attribution
            annotation.verifiability = values.verifiability
            annotation.note = values.note
            annotation.status = values.status
            annotation.span_changed = False
            annotation.codebook_version = project.codebook_version
            # updated_at changes on every save, so the row is always updated and
            # the version always moves on, even when only the stances changed.
            annotation.updated_at = now
            existing = {s.target_id: s for s in annotation.stances}
            for target_id, stance in existing.items():
                if target_id not in stance_values:
                    annotation.stances.remove(stance)
                elif stance.value != stance_values[target_id]:
                    stance.value = stance_values[target_id]
            for target_id, value in stance_values.items():
                if target_id not in existing:
                    annotation.stances.append(Stance(target_id=target_id, value=value))
            session.flush()
    except (IntegrityError, StaleDataError) as exc:
        if creating:
            session.expire_all()
        else:
            session.rollback()
        current = get_annotation(session, claim, user)
        raise Conflict(
            "Someone saved this annotation at the same moment; your changes were not saved.",
            current=annotation_record(current) if current else None,
        ) from exc
    except OperationalError as exc:
        # SQLite (WAL) refuses the write when another connection is writing or has
        # written since this transaction first read: another save came first.
        if getattr(exc.orig, "sqlite_errorcode", None) not in SQLITE_BUSY_CODES:
            raise
        raise Conflict(
            "Another save reached the database at the same moment; your changes were not "
            "saved. Reload the claim and try again."
        ) from exc
    record(
        session,
        project_id=project.id,
        entity="annotation",
        entity_id=annotation.id,
        claim_id=claim.id,
        action="create" if before is None else "update",
        user=user,
        before=before,
        after=annotation_record(annotation),
    )
    session.flush()
    return annotation
