"""Saving annotations: one per claim and annotator, never silently overwritten.

A save is the hottest path of the workbench, so it runs as a few Core
statements rather than through the ORM's unit of work:

1. ``annotation_state`` reads, in one query, everything a save checks: the
   claim and its project, the user's role there, the project's codebook key,
   and the user's current annotation of the claim with its speakers and stances.
2. ``store_annotation`` validates the values and writes: ``UPDATE ... WHERE
   version = <the version the form was based on>`` (so a save based on an
   older version changes nothing and is refused), the stances that changed, and
   one history entry, after checking again what may have changed since the
   read (the claim merged away, the codebook edited, a speaker merged). On
   PostgreSQL all of that is one statement, run without a transaction; on
   SQLite an update makes those checks in its own WHERE (``_CHECKED_UPDATE``)
   and falls back to checking step by step when it writes nothing.

``save_annotation`` wraps both for callers that hold ORM objects (the
annotation form, the CLI, the tests) and returns the ORM annotation.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field, make_dataclass, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, bindparam, case, delete, exists, insert, or_, select, text, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, joinedload

from workbench.db import is_unique_violation
from workbench.errors import Conflict, InvalidInput, NotFound, WorkbenchError
from workbench.fields import LABEL, RECORD_ORDER, SPEAKER, STANCES, TEXT, of_kind
from workbench.merges import follow_merges
from workbench.models import (
    ANNOTATION_STATUSES,
    Annotation,
    Article,
    Assignment,
    Claim,
    HistoryEntry,
    Membership,
    Project,
    Speaker,
    SpeakerAlias,
    Stance,
    Suggestion,
    User,
)
from workbench.ops.codebook import Codebook, codebook_at
from workbench.permissions import ArticleGrant, authorize
from workbench.text.names import fold_name

# SQLITE_BUSY and SQLITE_BUSY_SNAPSHOT
SQLITE_BUSY_CODES = (5, 517)
_SPEAKER_FIELDS = of_kind(SPEAKER)
_LABEL_FIELDS = of_kind(LABEL)
_TEXT_FIELDS = of_kind(TEXT)
# The fields an annotation keeps in its own columns (the stances have a table).
_COLUMN_FIELDS = tuple(f for f in RECORD_ORDER if f.kind != STANCES)
_INPUT_TYPES = {
    SPEAKER: (int | None, None),
    LABEL: (str, ""),
    TEXT: (str, ""),
}


def _input_attribute(f):
    if f.kind == STANCES:
        return (f.column, dict[int, str], field(default_factory=dict))
    kind, default = _INPUT_TYPES[f.kind]
    return (f.column, kind, field(default=default))


# What an annotator submits for one claim: one attribute per field of
# workbench/fields.py (``speaker_id``, ``via_id``, ``attribution``, ``verifiability``,
# ``note``, ``stances`` {target id: label}), then ``status``; empty strings and
# None mean "not set".
AnnotationInput = make_dataclass(
    "AnnotationInput",
    [*map(_input_attribute, RECORD_ORDER), ("status", str, field(default="submitted"))],
    slots=True,
)
AnnotationInput.__module__ = __name__
AnnotationInput.__doc__ = 'What an annotator submits for one claim; empty strings mean "not set".'


@dataclass(slots=True)
class AnnotationState:
    """What a save needs to know, read in one query by ``annotation_state``."""

    project_id: int
    claim_id: int
    claim_state: str
    user_id: int
    role: str | None
    codebook_key: tuple[int, Any, int]  # project id, creation time, codebook version
    span: tuple[int, int]  # the claim's start and end offsets
    annotation_id: int | None = None
    record: dict[str, Any] | None = None  # the current values, as annotation_record gives
    # The claim's stored suggestion per suggested field: (value, registry speaker id).
    suggested: dict[str, tuple[str, int | None]] = field(default_factory=dict)

    @property
    def version(self) -> int | None:
        return self.record["version"] if self.record is not None else None


def annotation_record(annotation: Annotation) -> dict:
    """Return the annotation's values as a plain dict (for the history and conflicts):
    each field's record keys (workbench/fields.py), then status and version."""
    record: dict[str, Any] = {}
    for f in RECORD_ORDER:
        if f.kind == SPEAKER:
            speaker = getattr(annotation, f.name)
            record[f.column] = getattr(annotation, f.column)
            record[f.name] = speaker.name if speaker else None
        elif f.kind == STANCES:
            record[f.name] = {str(s.target_id): s.value for s in annotation.stances}
        else:
            record[f.name] = getattr(annotation, f.column)
    record["status"] = annotation.status
    record["version"] = annotation.version
    return record


def get_annotation(session: Session, claim: Claim, user: User) -> Annotation | None:
    """Return the user's annotation of the claim, with speakers and stances loaded."""
    # One query: the speaker, the via and the stances come joined. The loaded values
    # replace any the session holds (a save writes with Core statements).
    return (
        session.execute(
            select(Annotation)
            .where(Annotation.claim_id == claim.id, Annotation.user_id == user.id)
            .options(
                joinedload(Annotation.stances),
                *(joinedload(getattr(Annotation, f.name)) for f in _SPEAKER_FIELDS),
            )
            .execution_options(populate_existing=True)
        )
        .unique()
        .scalar_one_or_none()
    )


# The hot statements use the tables, not the mapped classes: plain Core is
# cheaper to execute than an ORM-enabled select.
_claims = Claim.__table__
_articles = Article.__table__
_projects = Project.__table__
_members = Membership.__table__
_annotations = Annotation.__table__
_assignments = Assignment.__table__
_stances = Stance.__table__
_speakers = Speaker.__table__
_aliases = SpeakerAlias.__table__
_suggestions = Suggestion.__table__
# One alias of the speakers table per speaker field, to read its speaker's name.
_named = {f.name: _speakers.alias(f.name) for f in _SPEAKER_FIELDS}


def _field_columns():
    for f in _COLUMN_FIELDS:
        yield _annotations.c[f.column]
        if f.kind == SPEAKER:
            yield _named[f.name].c.name.label(f.name)


# The fields a suggestion proposes, and the claim's suggestion of each, read with the
# state (a correlated lookup by the unique claim and field): no extra round trip.
_SUGGESTED_FIELDS = tuple(f for f in RECORD_ORDER if f.suggested)


def _suggestion_columns():
    for f in _SUGGESTED_FIELDS:
        for column in ("value", "speaker_id"):
            yield (
                select(_suggestions.c[column])
                .where(_suggestions.c.claim_id == _claims.c.id, _suggestions.c.field == f.name)
                .scalar_subquery()
                .label(f"suggested_{f.name}_{column}")
            )


_STATE_COLUMNS = (
    _claims.c.state.label("claim_state"),
    _claims.c.start.label("claim_start"),
    _claims.c.end.label("claim_end"),
    _projects.c.id.label("project_id"),
    _projects.c.created_at.label("project_created_at"),
    _projects.c.codebook_version,
    _members.c.role,
    _projects.c.assigned_only,
    _assignments.c.id.label("assignment_id"),
    _annotations.c.id.label("annotation_id"),
    _annotations.c.version,
    *_field_columns(),
    _annotations.c.status,
    _stances.c.target_id,
    _stances.c.value.label("stance"),
    *_suggestion_columns(),
)


def _state_query():
    query = (
        select(*_STATE_COLUMNS)
        .select_from(_claims)
        .join(_articles, _articles.c.id == _claims.c.article_id)
        .join(_projects, _projects.c.id == _articles.c.project_id)
        .outerjoin(
            _members,
            and_(
                _members.c.project_id == _projects.c.id,
                _members.c.user_id == bindparam("user_id"),
            ),
        )
        .outerjoin(
            _assignments,
            and_(
                _assignments.c.article_id == _claims.c.article_id,
                _assignments.c.user_id == bindparam("user_id"),
            ),
        )
        .outerjoin(
            _annotations,
            and_(
                _annotations.c.claim_id == _claims.c.id,
                _annotations.c.user_id == bindparam("user_id"),
            ),
        )
    )
    for f in _SPEAKER_FIELDS:
        named = _named[f.name]
        query = query.outerjoin(named, named.c.id == _annotations.c[f.column])
    return query.outerjoin(_stances, _stances.c.annotation_id == _annotations.c.id).where(
        _claims.c.id == bindparam("claim_id"), _projects.c.id == bindparam("project_id")
    )


# Built once: executing the same statement object skips rebuilding it and its cache key.
_STATE = _state_query()
_UPDATE = update(_annotations).where(
    _annotations.c.id == bindparam("_id"), _annotations.c.version == bindparam("_base")
)
_INSERT = insert(_annotations).returning(_annotations.c.id)
# The UPDATE of a save on SQLite, with _GUARD's checks in its WHERE (one statement fewer).
_CHECKED_UPDATE = _UPDATE.where(
    select(_claims.c.id)
    .join(_articles, _articles.c.id == _claims.c.article_id)
    .join(_projects, _projects.c.id == _articles.c.project_id)
    .where(
        _claims.c.id == bindparam("_claim"),
        _claims.c.state == "active",
        _claims.c.start == bindparam("_start"),
        _claims.c.end == bindparam("_end"),
        _projects.c.codebook_version == bindparam("_codebook"),
    )
    .exists()
)
# Read again when a save writes on SQLite, inside its write transaction (one
# writer at a time: what it reads there stays true until it commits).
_GUARD = (
    select(_claims.c.state, _claims.c.start, _claims.c.end, _projects.c.codebook_version)
    .select_from(_claims)
    .join(_articles, _articles.c.id == _claims.c.article_id)
    .join(_projects, _projects.c.id == _articles.c.project_id)
    .where(_claims.c.id == bindparam("claim_id"))
)
MERGED = "This claim was merged into another one; reload the article."
SPAN_CHANGED = (
    "The claim's boundaries changed after you opened it (it was split, merged or "
    "trimmed): your labels were not saved. Reload the claim to see its text now."
)
_HISTORY = insert(HistoryEntry.__table__)
_STANCE_INSERT = insert(_stances)
_STANCE_UPDATE = update(_stances).where(
    _stances.c.annotation_id == bindparam("_annotation"),
    _stances.c.target_id == bindparam("_target"),
)
_STANCE_DELETE = delete(_stances).where(
    _stances.c.annotation_id == bindparam("_annotation"),
    _stances.c.target_id.in_(bindparam("_targets", expanding=True)),
)
_CODEBOOK_VERSION = select(_projects.c.codebook_version).where(
    _projects.c.id == bindparam("project_id")
)
_SPEAKER_COLUMNS = (
    _speakers.c.id,
    _speakers.c.project_id,
    _speakers.c.name,
    _speakers.c.merged_into_id,
)
_SPEAKER = select(*_SPEAKER_COLUMNS).where(_speakers.c.id == bindparam("speaker_id"))
_SPEAKERS = select(*_SPEAKER_COLUMNS).where(_speakers.c.id.in_(bindparam("ids", expanding=True)))

# On PostgreSQL a save is one statement, so that it needs neither a transaction
# nor more than one round trip to the server; being one statement, it is atomic.
# Its first part checks again what the save read before (the claim is active and
# has the offsets read, the codebook is the version the values were checked
# against, the speakers are not merged and have the names the history records),
# holding those rows FOR KEY SHARE (as a foreign key check does) against the
# operations that lock them FOR UPDATE to change them (claim merges, splits and
# trims, codebook edits, speaker merges):
# either they wait for the save, or the save waits for them and sees what they
# did. Then it writes the annotation, the stances that changed and the history
# entry, each only if the one before wrote a row. When anything changed, or
# another save came first, it writes nothing and returns no row.
_CHECKED = """
WITH checked_claim AS (
    SELECT claims.id FROM claims
    JOIN articles ON articles.id = claims.article_id
    JOIN projects ON projects.id = articles.project_id
    WHERE claims.id = :claim_id AND claims.state = 'active'
      AND claims.start = :span_start AND claims."end" = :span_end
      AND projects.id = :project_id AND projects.codebook_version = :guard_codebook
    FOR KEY SHARE OF claims, projects
), named AS (
    SELECT speakers.id FROM speakers
    JOIN unnest(CAST(:speakers AS integer[]), CAST(:speaker_names AS varchar[]))
        AS n(id, name) ON speakers.id = n.id AND speakers.name = n.name
    WHERE speakers.merged_into_id IS NULL
    FOR KEY SHARE OF speakers
), checked AS (
    SELECT 1 WHERE EXISTS (SELECT 1 FROM checked_claim)
      AND (SELECT count(*) FROM named) = :speaker_count
)"""
_WRITTEN = """,
gone AS (
    DELETE FROM stances WHERE annotation_id IN (SELECT id FROM saved)
      AND target_id = ANY(CAST(:gone AS integer[]))
), added AS (
    INSERT INTO stances (annotation_id, target_id, value)
    SELECT saved.id, t.target_id, t.value FROM saved,
        unnest(CAST(:add_targets AS integer[]), CAST(:add_values AS varchar[]))
        AS t(target_id, value)
), changed AS (
    UPDATE stances SET value = t.value FROM saved,
        unnest(CAST(:change_targets AS integer[]), CAST(:change_values AS varchar[]))
        AS t(target_id, value)
    WHERE stances.annotation_id = saved.id AND stances.target_id = t.target_id
), logged AS (
    INSERT INTO history (project_id, entity, entity_id, claim_id, action, user_id, at,
                         before, after)
    SELECT :project_id, 'annotation', saved.id, :claim_id, :action, :user_id, :at,
           :before, :after
    FROM saved
)
SELECT id FROM saved"""
_COLUMNS = ", ".join(
    [
        *(f.column for f in _COLUMN_FIELDS),
        *("status", "span_changed", "codebook_version", "updated_at", "from_suggestion"),
    ]
)
_PARAMETERS = ", ".join(f":{c.strip()}" for c in _COLUMNS.split(","))
_TYPES = (
    bindparam("updated_at", type_=_annotations.c.updated_at.type),
    bindparam("from_suggestion", type_=_annotations.c.from_suggestion.type),
    bindparam("at", type_=HistoryEntry.__table__.c.at.type),
    bindparam("before", type_=HistoryEntry.__table__.c.before.type),
    bindparam("after", type_=HistoryEntry.__table__.c.after.type),
)
_ONE_UPDATE = text(
    _CHECKED
    + f""", saved AS (
    UPDATE annotations SET ({_COLUMNS}, version) = ({_PARAMETERS}, :version)
    WHERE id = :annotation_id AND version = :base AND EXISTS (SELECT 1 FROM checked)
    RETURNING id
)"""
    + _WRITTEN
).bindparams(*_TYPES)
_ONE_INSERT = text(
    _CHECKED
    + f""", saved AS (
    INSERT INTO annotations (claim_id, user_id, {_COLUMNS}, version, created_at)
    SELECT :claim_id, :user_id, {_PARAMETERS}, 1, :created_at
    WHERE EXISTS (SELECT 1 FROM checked)
    ON CONFLICT (claim_id, user_id) DO NOTHING
    RETURNING id
)"""
    + _WRITTEN
).bindparams(*_TYPES, bindparam("created_at", type_=_annotations.c.created_at.type))


def annotation_state(
    session: Session, user: User, project_id: int, claim_id: int, action: str = "annotate-claim"
) -> AnnotationState:
    """Read what a save of the user's annotation of the claim needs, in one query.

    Checks that the claim is in the project and that the user may do ``action``
    there: raises NotFound (no such claim in the project, or the user is not a
    member) or PermissionDenied.
    """
    rows = (
        session.connection()
        .execute(_STATE, {"user_id": user.id, "project_id": project_id, "claim_id": claim_id})
        .all()
    )
    if not rows:
        # Strangers learn nothing about which ids exist.
        authorize(user, action and "view-project", None)
        raise NotFound("No such claim in this project.")
    first = rows[0]  # one row per stance (or one row without)
    grant = ArticleGrant(
        assigned_only=bool(first.assigned_only), assigned=first.assignment_id is not None
    )
    authorize(user, action, first.role, article=grant)
    state = AnnotationState(
        project_id=first.project_id,
        claim_id=claim_id,
        claim_state=first.claim_state,
        user_id=user.id,
        role=first.role,
        codebook_key=(first.project_id, first.project_created_at, first.codebook_version),
        span=(first.claim_start, first.claim_end),
        suggested={
            f.name: (value, getattr(first, f"suggested_{f.name}_speaker_id"))
            for f in _SUGGESTED_FIELDS
            if (value := getattr(first, f"suggested_{f.name}_value")) is not None
        },
    )
    if first.annotation_id is not None:
        state.annotation_id = first.annotation_id
        record: dict[str, Any] = {}
        for f in RECORD_ORDER:
            if f.kind == STANCES:
                record[f.name] = {
                    str(target): value
                    for target, value in sorted((r.target_id, r.stance) for r in rows)
                    if target is not None
                }
            else:
                record.update((key, getattr(first, key)) for key in f.record_keys)
        record["status"] = first.status
        record["version"] = first.version
        state.record = record
    return state


def _speaker_rows(connection, values: AnnotationInput) -> dict:
    """The registry rows of the speakers ``values`` names (speaker and via), by id, in
    one statement (none when it names none)."""
    ids = {getattr(values, f.column) for f in _SPEAKER_FIELDS} - {None}
    if not ids:
        return {}
    return {row.id: row for row in connection.execute(_SPEAKERS, {"ids": sorted(ids)})}


def _resolve_speaker(
    connection, project_id: int, speaker_id: int | None, what: str, rows: dict | None = None
):
    """Return (id, name) of the speaker, following merges; None for no speaker.
    ``rows`` are speaker rows already read (``_speaker_rows``), by id.

    Raises InvalidInput for a speaker not in the project, MergeCycle on a cycle."""
    if speaker_id is None:
        return None

    def into(row):
        if row.merged_into_id is None or row.project_id != project_id:
            return None
        return connection.execute(_SPEAKER, {"speaker_id": row.merged_into_id}).first()

    if rows is not None:
        row = rows.get(speaker_id)
    else:
        row = connection.execute(_SPEAKER, {"speaker_id": speaker_id}).first()
    if row is not None:
        row = follow_merges(
            row, into, what="speaker", key=lambda r: r.id, show=lambda r: f"{r.name!r} ({r.id})"
        )
    if row is None or row.project_id != project_id or row.merged_into_id is not None:
        raise InvalidInput(f"The {what} is not in this project's speaker registry.", field=what)
    return row.id, row.name


def _unknown(name: str, value: str, allowed: dict[str, frozenset[str]]) -> str:
    return f"Unknown {name} label {value!r} (labels: {', '.join(sorted(allowed.get(name, ())))})."


def validate(codebook: Codebook, values: AnnotationInput) -> None:
    """Raise InvalidInput unless every label, target and status is in the codebook."""
    allowed = codebook.labels
    for f in _LABEL_FIELDS:
        value = getattr(values, f.column)
        if value and value not in allowed.get(f.choices, set()):
            raise InvalidInput(_unknown(f.choices, value, allowed), field=f.name)
    targets = set(codebook.target_ids)
    for f in of_kind(STANCES):
        for target_id, value in getattr(values, f.column).items():
            if target_id not in targets:
                raise InvalidInput(
                    f"A {f.label.lower()} names a target that is not in this project.",
                    field=f.name,
                )
            if value and value not in allowed.get(f.choices, set()):
                raise InvalidInput(_unknown(f.choices, value, allowed), field=f.name)
    if values.status not in ANNOTATION_STATUSES:
        raise InvalidInput(f"Unknown status {values.status!r}.", field="status")
    for f in _TEXT_FIELDS:
        if f.max_length is not None and len(getattr(values, f.column)) > f.max_length:
            raise InvalidInput(
                f"A {f.label.lower()} has at most {f.max_length:,} characters.", field=f.name
            )


EMPTY_SUBMITTED = (
    "Nothing is set for this claim, so it was not saved as done: choose a speaker, a "
    "label or a stance, or write a note (an empty claim never counts as annotated)."
)


def is_empty(values: AnnotationInput) -> bool:
    """Whether ``values`` set no field at all (a note of white space is not set)."""
    for f in RECORD_ORDER:
        value = getattr(values, f.column)
        if f.kind == STANCES:
            if any(value.values()):
                return False
        elif f.kind == TEXT:
            if value.strip():
                return False
        elif value:
            return False
    return True


def _check_not_empty(values: AnnotationInput) -> None:
    """Refuse an annotation submitted with no field set (after the checks of the
    claim's state and version: a stale or merged claim is said first)."""
    if values.status == "submitted" and is_empty(values):
        raise InvalidInput(EMPTY_SUBMITTED, field="status")


def _with_lf(values: AnnotationInput) -> AnnotationInput:
    """``values`` with the text fields' line breaks as LF, as article text has them
    (a browser sends a textarea's as CRLF); the same object when there is none."""
    changed = {
        f.column: getattr(values, f.column).replace("\r\n", "\n").replace("\r", "\n")
        for f in _TEXT_FIELDS
        if "\r" in getattr(values, f.column)
    }
    return replace(values, **changed) if changed else values


def _stale(session: Session, state: AnnotationState, user: User, message: str) -> Conflict:
    current = annotation_state(session, user, state.project_id, state.claim_id, None).record
    return Conflict(message, current=current)


def store_annotation(
    session: Session,
    state: AnnotationState,
    user: User,
    values: AnnotationInput,
    *,
    base_version: int | None,
    seen_span: tuple[int, int] | None = None,
) -> tuple[int, dict[str, Any]]:
    """Create or update the annotation ``state`` describes; return its id and values.

    ``base_version`` is the version the form was based on (None for a new annotation);
    ``seen_span`` the claim's (start, end) as the annotator saw it, when the client says: a save
    is then refused (Conflict) if the claim's boundaries have changed since, as a first save
    would otherwise land on text its annotator never saw (a later save is refused anyway, since
    a boundary change moves the annotation's version on). Raises Conflict, with the current
    values, when another save came first; InvalidInput for a merged claim, unknown labels,
    speakers or targets. ``state`` may have been read before this transaction began to write
    (or, on PostgreSQL, without a transaction): the checks that matter under concurrency are
    made again when writing (the claim's state and boundaries, the codebook version, the
    speakers), or by the writes themselves (the version in the UPDATE's WHERE, the unique
    claim and user of an INSERT). An annotation submitted with no field set is refused
    (InvalidInput): it would count as done. Every save is appended to the history. A text field's
    line breaks are stored as LF (CRLF and CR, as browsers send them, become LF).

    On PostgreSQL the whole write is one statement (see _CHECKED), atomic even without a
    transaction, under row locks that merges and codebook edits wait for; SQLite writes step by
    step in its write transaction, where it is the only writer.
    """
    values = _with_lf(values)
    if session.get_bind().dialect.name != "postgresql":
        return _store_in_steps(session, state, user, values, base_version, seen_span)
    for _ in range(3):
        saved = _store_in_one_statement(session, state, user, values, base_version, seen_span)
        if saved is not None:
            return saved
        # Nothing was written: the annotation, the claim, the codebook or a
        # speaker changed since ``state`` was read. Read again and check again.
        state = annotation_state(session, user, state.project_id, state.claim_id, None)
    raise Conflict(
        "The project changed while your save was being written; your changes were not "
        "saved. Reload the claim and try again."
    )


def _check_state(
    state: AnnotationState, base_version: int | None, seen_span: tuple[int, int] | None
) -> None:
    if state.claim_state != "active":
        raise InvalidInput(MERGED)
    _check_span(state.span, seen_span, state.record)
    if state.record is None and base_version is not None:
        raise Conflict("The annotation you edited no longer exists; reload the claim.")
    if state.record is not None and state.version != base_version:
        raise Conflict(
            "This annotation changed after you opened it: saved from another tab or "
            "device, or updated by a manager's speaker merge. "
            "Your changes were not saved; the newer values are shown.",
            current=state.record,
        )


def _check_span(span, seen_span, current) -> None:
    if seen_span is not None and tuple(seen_span) != tuple(span):
        raise Conflict(SPAN_CHANGED, current=current)


def _taken(session: Session, project_id: int, f, value, speaker, suggested: dict) -> bool:
    """Whether the saved value of field ``f`` is what the page offered as the claim's
    suggestion for it, unchanged: the same label; for a speaker, the registry speaker
    the page pre-selected (``registry_speaker_for``: the row's link through merges,
    else the speaker of that name or the only one of that alias), or, when the page
    offered a speaker new to the registry, a speaker of the suggested name (after the
    registry's folding of case, accents and spaces: the annotator accepted it and it
    was made)."""
    suggestion = suggested.get(f.name) if f.suggested else None
    if suggestion is None:
        return False
    suggested_value, suggested_speaker = suggestion
    if f.kind != SPEAKER:
        return f.kind == LABEL and bool(value) and value == suggested_value
    if speaker is None:
        return False
    if suggested_speaker is not None and suggested_speaker == speaker[0]:
        return True  # linked to the saved (current) speaker: what the page offered
    offered = offered_speaker_id(
        session.connection(), project_id, suggested_speaker, suggested_value
    )
    if offered is not None:
        return offered == speaker[0]
    return fold_name(suggested_value) == fold_name(speaker[1])


# The registry speakers a suggested name may mean: the one of that name first (names
# are unique in a project, merged speakers included), then current ones with that alias.
_NAMED_OR_ALIASED = (
    select(_speakers.c.id, _speakers.c.name, _speakers.c.merged_into_id, _speakers.c.project_id)
    .where(
        _speakers.c.project_id == bindparam("project_id"),
        or_(
            _speakers.c.name == bindparam("wanted"),
            and_(
                _speakers.c.merged_into_id.is_(None),
                exists().where(
                    _aliases.c.speaker_id == _speakers.c.id, _aliases.c.alias == bindparam("wanted")
                ),
            ),
        ),
    )
    .order_by(case((_speakers.c.name == bindparam("wanted"), 0), else_=1))
    .limit(3)
)


def offered_speaker_id(
    connection, project_id: int, suggested_speaker: int | None, suggested_value: str
) -> int | None:
    """Return the id of the registry speaker the annotate page offers for a suggestion,
    ``ops.speaker_choice.registry_speaker_for`` in at most two Core statements (the save
    asks this on every save of a claim with a suggested speaker, so it stays off the ORM):
    the linked speaker through merges, else the speaker of that name through merges,
    else the only current one with that alias; None when there is none. Raises
    MergeCycle on a damaged merge chain."""
    if suggested_speaker is not None:
        linked = connection.execute(_SPEAKER, {"speaker_id": suggested_speaker}).first()
        if linked is not None and linked.project_id == project_id:
            return _merged_into(connection, linked).id
    # ops.speakers imports this module: imported here (the registry's own cleaning).
    from workbench.ops.speakers import clean_text

    wanted = clean_text(suggested_value or "")
    if not wanted:
        return None
    rows = connection.execute(_NAMED_OR_ALIASED, {"project_id": project_id, "wanted": wanted}).all()
    if rows and rows[0].name == wanted:
        return _merged_into(connection, rows[0]).id
    return rows[0].id if len(rows) == 1 else None


def _merged_into(connection, row):
    """The row of the speaker ``row`` was merged into, through every later merge."""
    return follow_merges(
        row,
        lambda r: (
            connection.execute(_SPEAKER, {"speaker_id": r.merged_into_id}).first()
            if r.merged_into_id is not None
            else None
        ),
        what="speaker",
        key=lambda r: r.id,
        show=lambda r: repr(r.name),
    )


def _values(
    session: Session,
    project_id: int,
    values: AnnotationInput,
    codebook_version: int,
    suggested: dict[str, tuple[str, int | None]],
):
    """Resolve the speakers (following merges); return the annotation's columns,
    ``updated_at`` now, and its record as the history keeps it (without a version).

    ``from_suggestion`` lists the fields saved with the claim's stored suggestion as
    it is (``suggested``, read with the state)."""
    connection = session.connection()
    now = datetime.now(UTC)
    columns: dict[str, Any] = {}
    record: dict[str, Any] = {}
    taken: list[str] = []
    rows = _speaker_rows(connection, values)
    for f in RECORD_ORDER:
        value = getattr(values, f.column)
        speaker = None
        if f.kind == SPEAKER:
            speaker = _resolve_speaker(connection, project_id, value, f.name, rows)
            columns[f.column] = record[f.column] = speaker[0] if speaker else None
            record[f.name] = speaker[1] if speaker else None
        elif f.kind == STANCES:
            record[f.name] = {str(tid): v for tid, v in sorted(value.items()) if v}
        else:
            columns[f.column] = record[f.name] = value
        if _taken(session, project_id, f, value, speaker, suggested):
            taken.append(f.name)
    columns.update(
        status=values.status,
        span_changed=False,
        codebook_version=codebook_version,
        updated_at=now,
        from_suggestion=taken,
    )
    record["status"] = values.status
    record["version"] = None  # set by the caller
    return columns, record


def _store_in_steps(
    session: Session,
    state: AnnotationState,
    user: User,
    values: AnnotationInput,
    base_version: int | None,
    seen_span: tuple[int, int] | None,
) -> tuple[int, dict[str, Any]]:
    _check_state(state, base_version, seen_span)
    if state.record is not None:
        saved = _update_if_unchanged(session, state, user, values, base_version)
        if saved is not None:
            return saved
    connection = session.connection()
    # The state may be older than this transaction: a merge, a split or a
    # codebook edit may have come between. Check against what is there now.
    project_id, created_at, _ = state.codebook_key
    guard = connection.execute(_GUARD, {"claim_id": state.claim_id}).one()
    if guard.state != "active":
        raise InvalidInput(MERGED)
    _check_span((guard.start, guard.end), seen_span, state.record)
    codebook_version = guard.codebook_version
    _check_not_empty(values)
    validate(codebook_at(session, project_id, created_at, codebook_version), values)
    columns, after = _values(session, project_id, values, codebook_version, state.suggested)
    now = columns["updated_at"]
    with _busy_is_conflict():
        if state.record is None:
            annotation_id = _insert(session, state, user, columns, now)
            version, action = 1, "create"
        else:
            annotation_id, action = state.annotation_id, "update"
            version = base_version + 1
            where = {"_id": annotation_id, "_base": base_version}
            changed = connection.execute(_UPDATE, {**where, "version": version, **columns}).rowcount
            if changed != 1:
                raise _stale(
                    session,
                    state,
                    user,
                    "Someone saved this annotation at the same moment; "
                    "your changes were not saved.",
                )
        return _write_rest(connection, state, user, annotation_id, version, action, after, now)


def _update_if_unchanged(
    session: Session,
    state: AnnotationState,
    user: User,
    values: AnnotationInput,
    base_version: int,
) -> tuple[int, dict[str, Any]] | None:
    """Save an update in one statement fewer (SQLite, in its write transaction): the
    UPDATE itself checks what ``_GUARD`` would read (the claim active with the offsets
    read, the codebook the values were checked against). None when anything refused
    or changed: the caller then checks and writes step by step, with the messages,
    their order and the retries it has always had."""
    project_id, created_at, codebook_version = state.codebook_key
    try:
        _check_not_empty(values)
        validate(codebook_at(session, project_id, created_at, codebook_version), values)
        columns, after = _values(session, project_id, values, codebook_version, state.suggested)
    except WorkbenchError:
        return None  # said by the checks in steps, in their order
    connection = session.connection()
    version = base_version + 1
    parameters = {
        "_id": state.annotation_id,
        "_base": base_version,
        "_claim": state.claim_id,
        "_start": state.span[0],
        "_end": state.span[1],
        "_codebook": codebook_version,
        "version": version,
        **columns,
    }
    now = columns["updated_at"]
    with _busy_is_conflict():
        if connection.execute(_CHECKED_UPDATE, parameters).rowcount != 1:
            return None
        return _write_rest(
            connection, state, user, state.annotation_id, version, "update", after, now
        )


@contextmanager
def _busy_is_conflict():
    """Turn SQLite's refusal of a write (SQLITE_BUSY) into a Conflict."""
    try:
        yield
    except OperationalError as exc:
        # SQLite (WAL) refuses the write when another connection is writing or has
        # written since this transaction first read: another save came first.
        if getattr(exc.orig, "sqlite_errorcode", None) not in SQLITE_BUSY_CODES:
            raise
        raise Conflict(
            "Another save reached the database at the same moment; your changes were not "
            "saved. Reload the claim and try again."
        ) from exc


def _write_rest(
    connection,
    state: AnnotationState,
    user: User,
    annotation_id: int,
    version: int,
    action: str,
    after: dict[str, Any],
    now: datetime,
) -> tuple[int, dict[str, Any]]:
    """Write the stances that changed and the history entry of a save whose annotation
    row is written; return the annotation's id and its values."""
    before = state.record
    _write_stances(connection, annotation_id, (before or {}).get("stances", {}), after["stances"])
    after["version"] = version
    connection.execute(
        _HISTORY,
        {
            "project_id": state.codebook_key[0],
            "entity": "annotation",
            "entity_id": annotation_id,
            "claim_id": state.claim_id,
            "action": action,
            "user_id": user.id,
            "at": now,
            "before": before,
            "after": after,
        },
    )
    return annotation_id, after


def _store_in_one_statement(
    session: Session,
    state: AnnotationState,
    user: User,
    values: AnnotationInput,
    base_version: int | None,
    seen_span: tuple[int, int] | None,
) -> tuple[int, dict[str, Any]] | None:
    """Write the save with one statement (PostgreSQL); None when its guards
    found that something changed since ``state`` was read (nothing is written then)."""
    _check_state(state, base_version, seen_span)
    _check_not_empty(values)
    connection = session.connection()
    project_id, created_at, codebook_version = state.codebook_key
    try:
        validate(codebook_at(session, project_id, created_at, codebook_version), values)
    except InvalidInput:
        # Checked against the codebook of when ``state`` was read: if it has
        # changed since, check against the current one (the caller reads again).
        current = connection.execute(_CODEBOOK_VERSION, {"project_id": project_id}).scalar()
        if current != codebook_version:
            return None
        raise
    columns, after = _values(session, project_id, values, codebook_version, state.suggested)
    now = columns["updated_at"]
    old = state.record["stances"] if state.record is not None else {}
    new = after["stances"]
    added = [t for t in new if t not in old]
    changed = [t for t in new if t in old and old[t] != new[t]]
    if state.record is None:
        statement, version, action = _ONE_INSERT, 1, "create"
    else:
        statement, version, action = _ONE_UPDATE, base_version + 1, "update"
    after["version"] = version
    names = {after[f.column]: after[f.name] for f in _SPEAKER_FIELDS}
    named = sorted(set(names) - {None})
    row = connection.execute(
        statement,
        {
            **columns,
            "claim_id": state.claim_id,
            "user_id": user.id,
            "annotation_id": state.annotation_id,
            "base": base_version,
            "version": version,
            "created_at": now,
            "project_id": project_id,
            "guard_codebook": codebook_version,
            "span_start": state.span[0],
            "span_end": state.span[1],
            "speakers": named,
            "speaker_names": [names[i] for i in named],
            "speaker_count": len(named),
            "gone": [int(t) for t in old if t not in new],
            "add_targets": [int(t) for t in added],
            "add_values": [new[t] for t in added],
            "change_targets": [int(t) for t in changed],
            "change_values": [new[t] for t in changed],
            "action": action,
            "at": now,
            "before": state.record,
            "after": after,
        },
    ).first()
    return None if row is None else (row.id, after)


def _insert(
    session: Session, state: AnnotationState, user: User, columns: dict, now: datetime
) -> int:
    """Insert a first annotation; a concurrent first save is a Conflict."""
    try:
        # Only an insert can collide (two first saves); the savepoint keeps the
        # transaction usable so that the current values can be read. (The session
        # emits SAVEPOINT when its connection is next asked for, hence inside.)
        with session.begin_nested():
            return (
                session.connection()
                .execute(
                    _INSERT,
                    {
                        "claim_id": state.claim_id,
                        "user_id": state.user_id,
                        "version": 1,
                        "created_at": now,
                        **columns,
                    },
                )
                .scalar_one()
            )
    except IntegrityError as exc:
        if not is_unique_violation(exc):
            raise
        raise _stale(
            session,
            state,
            user,
            "Someone saved this annotation at the same moment; your changes were not saved.",
        ) from exc


def _write_stances(connection, annotation_id: int, old: dict[str, str], new: dict[str, str]):
    """Write the stances that differ between ``old`` and ``new`` (keyed by target id)."""
    gone = [int(t) for t in old if t not in new]
    if gone:
        connection.execute(_STANCE_DELETE, {"_annotation": annotation_id, "_targets": gone})
    added = [
        {"annotation_id": annotation_id, "target_id": int(t), "value": v}
        for t, v in new.items()
        if t not in old
    ]
    if added:
        connection.execute(_STANCE_INSERT, added)
    changed = [
        {"_annotation": annotation_id, "_target": int(t), "value": v}
        for t, v in new.items()
        if t in old and old[t] != v
    ]
    if changed:
        connection.execute(_STANCE_UPDATE, changed)


def save_annotation(
    session: Session,
    project: Project,
    claim: Claim,
    user: User,
    values: AnnotationInput,
    *,
    base_version: int | None,
    seen_span: tuple[int, int] | None = None,
) -> Annotation:
    """Create or update the user's annotation of ``claim`` and return it (ORM).

    The same checks and writes as ``annotation_state`` and ``store_annotation``,
    for callers that hold ORM objects; raises Conflict, InvalidInput, NotFound
    or PermissionDenied as they do. Membership is not required here (the
    caller has checked who may save): an admin or a script may save.
    """
    session.flush()
    state = annotation_state(session, user, project.id, claim.id, action=None)
    store_annotation(session, state, user, values, base_version=base_version, seen_span=seen_span)
    return get_annotation(session, claim, user)
