"""Adjudication: the disagreements among done annotations, settling a field of a claim
into its gold label, accepting what every annotator agreed on, and gold's history.

Adjudication never changes nor deletes an annotation: it only reads them and writes
gold labels (``gold_labels``) and history entries. Gold is compared and settled as
workbench/review/disagreement.py describes (a field's key, missing values, speakers
after merges). Operations never commit: the route or the command does.

History: settling or editing one gold label appends an entry (entity ``gold``, its
before and after); an accept-all-agree run appends one entry to the project's
history with its counts, and one per accepted gold it changed. Gold entries carry
no claim id, so a claim's history page (which annotators see) never shows them:
gold would tell an annotator what the others chose.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import String, and_, case, cast, distinct, func, insert, or_, select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.exc import StaleDataError

from workbench.db import unique_or_conflict
from workbench.errors import Conflict, InvalidInput, NotFound
from workbench.fields import LABEL, SPEAKER, STANCES, Field
from workbench.models import (
    GOLD_REASONS,
    Annotation,
    Article,
    Claim,
    GoldLabel,
    HistoryEntry,
    Label,
    Membership,
    Project,
    Speaker,
    Stance,
    Target,
    User,
    utcnow,
)
from workbench.ops.history import record
from workbench.ops.speakers import find_or_create_speaker, merged_speakers, speaker_merged_into
from workbench.review.disagreement import (
    DONE,
    GOLD_FIELDS,
    Comparison,
    Done,
    agreements,
    compare_claims,
    disagreements,
    field_key,
    is_set,
    is_speaker_key,
    keys_for,
    parse_key,
)

PAGE_SIZE = 50
# Claims read at a time by accept-all-agree and the gold exports.
BATCH = 2_000
MAX_REASONS = 30
REASON_LENGTH = 200
REASON_TEXT_LENGTH = 5_000
STATES = ("open", "settled", "all")

_annotations = Annotation.__table__
_stances = Stance.__table__
_claims = Claim.__table__
_articles = Article.__table__
_gold = GoldLabel.__table__
_COLUMN_FIELDS = tuple(f for f in GOLD_FIELDS if f.kind != STANCES)
_STANCE_FIELD = next(f for f in GOLD_FIELDS if f.kind == STANCES)


def gold_reasons(project: Project) -> list[str]:
    """The reasons an adjudicator picks from, in order (the defaults when none are set)."""
    return list(project.gold_reasons) if project.gold_reasons else list(GOLD_REASONS)


def parse_reasons(text: str) -> list[str]:
    """Return the reasons of a text, one a line (blank lines left out).

    Raises InvalidInput (field ``gold_reasons``) for none, a repeated one, one longer
    than REASON_LENGTH characters, or more than MAX_REASONS."""
    reasons: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        reason = " ".join(line.split())
        if not reason:
            continue
        if len(reason) > REASON_LENGTH:
            raise InvalidInput(
                f"Reasons for gold, line {number}: at most {REASON_LENGTH} characters.",
                field="gold_reasons",
            )
        if reason.casefold() in (r.casefold() for r in reasons):
            raise InvalidInput(
                f"Reasons for gold, line {number}: {reason!r} is listed twice.",
                field="gold_reasons",
            )
        reasons.append(reason)
    if not reasons:
        raise InvalidInput("Reasons for gold: at least one reason is needed.", field="gold_reasons")
    if len(reasons) > MAX_REASONS:
        raise InvalidInput(
            f"Reasons for gold: at most {MAX_REASONS} reasons.", field="gold_reasons"
        )
    return reasons


def set_gold_reasons(session: Session, project: Project, text: str, *, user: User | None) -> bool:
    """Set the project's reasons from ``text`` (one a line; see parse_reasons, which
    says what it raises; an empty text means the defaults); the default list is
    stored as NULL. Gold labels keep the
    reason they were settled with. Records the change in the project's history;
    returns whether anything changed."""
    reasons = parse_reasons(text) if text.strip() else list(GOLD_REASONS)
    before = gold_reasons(project)
    if reasons == before:
        return False
    project.gold_reasons = None if tuple(reasons) == GOLD_REASONS else reasons
    record(
        session,
        project_id=project.id,
        entity="project",
        entity_id=project.id,
        action="edit-gold-reasons",
        user=user,
        before={"gold_reasons": before},
        after={"gold_reasons": reasons},
    )
    session.flush()
    return True


def project_keys(project: Project) -> list[str]:
    """Every gold key of the project: its current targets' stances included."""
    return keys_for([t.id for t in project.targets])


def done_values(session: Session, claim_ids: Sequence[int]) -> list[Done]:
    """The done annotations of these claims as plain values (review.disagreement.Done)."""
    if not claim_ids:
        return []
    query = (
        select(
            _annotations.c.id,
            _annotations.c.claim_id,
            _annotations.c.user_id,
            *(_annotations.c[f.column] for f in _COLUMN_FIELDS),
            _stances.c.target_id,
            _stances.c.value,
        )
        .select_from(
            _annotations.outerjoin(_stances, _stances.c.annotation_id == _annotations.c.id)
        )
        .where(_annotations.c.claim_id.in_(claim_ids), _annotations.c.status == DONE)
    )
    found: dict[int, tuple[int, int, dict[str, Any]]] = {}
    names = [f.name for f in _COLUMN_FIELDS]
    stance_keys: dict[int, str] = {}
    # .all(): the rows fetched at once, not one driver call per row.
    for aid, claim_id, user_id, *values, target_id, stance in session.execute(query).all():
        entry = found.get(aid)
        if entry is None:
            entry = found[aid] = (claim_id, user_id, dict(zip(names, values, strict=True)))
        if target_id is not None:
            key = stance_keys.get(target_id)
            if key is None:
                key = stance_keys[target_id] = field_key(_STANCE_FIELD.name, target_id)
            entry[2][key] = stance
    return [Done(aid, claim, user, values) for aid, (claim, user, values) in found.items()]


def golds_of(session: Session, claim_ids: Sequence[int]) -> dict[tuple[int, str], GoldLabel]:
    if not claim_ids:
        return {}
    rows = session.scalars(
        select(GoldLabel)
        .where(GoldLabel.claim_id.in_(claim_ids))
        .options(selectinload(GoldLabel.settled_by), selectinload(GoldLabel.speaker))
    )
    return {(g.claim_id, g.key): g for g in rows}


def gold_value(gold: GoldLabel) -> Any:
    """The gold's value as review.disagreement compares it: a speaker id or a label."""
    return gold.speaker_id if is_speaker_key(gold.key) else gold.value


@dataclass(frozen=True, slots=True)
class Filters:
    """What the list of disagreements keeps: one article, one field (a key), a label
    someone gave, an annotator who gave a value, and the state (open: a disagreeing
    field without gold; settled: every one settled; all)."""

    article_id: int | None = None
    key: str | None = None
    label: str | None = None
    annotator_id: int | None = None
    state: str = "open"


@dataclass(slots=True)
class DisagreementRow:
    claim: Claim
    fields: list[tuple[Comparison, GoldLabel | None]]


@dataclass(slots=True)
class DisagreementPage:
    """One page of the list: ``after`` is the claim id it starts after (None: the first
    page), ``next_after`` the one the next page starts after (None: the last page)."""

    rows: list[DisagreementRow]
    after: int | None
    next_after: int | None
    size: int


def check_filters(session: Session, project: Project, filters: Filters) -> Filters:
    """Return the filters after checking them against the project. Raises InvalidInput
    for an unknown field, state or annotator, NotFound for an article of another
    project."""
    if filters.state not in STATES:
        raise InvalidInput(f"Unknown state {filters.state!r} (states: {', '.join(STATES)}).")
    if filters.key is not None:
        try:
            f, target_id = parse_key(filters.key)
        except ValueError as exc:
            raise InvalidInput(f"Unknown field {filters.key!r}.") from exc
        if target_id is not None and target_id not in {t.id for t in project.targets}:
            raise InvalidInput(f"Unknown field {filters.key!r}: no such target here.")
    if filters.article_id is not None:
        owner = session.scalar(select(Article.project_id).where(Article.id == filters.article_id))
        if owner != project.id:
            raise NotFound("No such article in this project.")
    if filters.annotator_id is not None and session.get(User, filters.annotator_id) is None:
        raise InvalidInput("Unknown annotator.")
    return filters


def _differs(key: str):
    """A HAVING condition true where the claim's done annotations may disagree on
    ``key`` (a necessary condition: two ids that merges join pass it too)."""
    f, target_id = parse_key(key)
    if f.kind == SPEAKER:
        return func.count(distinct(_annotations.c[f.column])) > 1
    if f.kind == LABEL:
        return func.count(distinct(func.nullif(_annotations.c[f.column], ""))) > 1
    given = and_(_stances.c.target_id == target_id, _stances.c.value != "")
    return func.count(distinct(case((given, _stances.c.value)))) > 1


def _any_stance_differs():
    given = _stances.c.value != ""
    pairs = cast(_stances.c.target_id, String) + ":" + _stances.c.value
    return func.count(distinct(case((given, pairs)))) > func.count(
        distinct(case((given, _stances.c.target_id)))
    )


def _candidate_claims(project: Project, filters: Filters, low: int, high: int | None):
    """The claim ids from ``low`` up to (not including) ``high`` whose done annotations
    may disagree, in claim id order (in SQL: the exact check is review.disagreement's).

    Without an article, the query is driven by the range of claim ids on the
    annotations' (claim_id, user_id) index: the project's condition is written
    ``project_id + 0`` so that no planner starts from the project's articles and reads
    all of them before the first group (SQLite would). With an article, the claims
    index of the article drives it."""
    if filters.key is not None:
        having = _differs(filters.key)
    else:
        having = or_(*(_differs(f.name) for f in _COLUMN_FIELDS), _any_stance_differs())
    if filters.annotator_id is not None:
        mine = func.max(case((_annotations.c.user_id == filters.annotator_id, 1), else_=0))
        having = and_(having, mine == 1)
    query = (
        select(_annotations.c.claim_id)
        .select_from(
            _annotations.join(_claims, _claims.c.id == _annotations.c.claim_id)
            .join(_articles, _articles.c.id == _claims.c.article_id)
            .outerjoin(_stances, _stances.c.annotation_id == _annotations.c.id)
        )
        .where(
            _claims.c.state == "active",
            _annotations.c.status == DONE,
            _annotations.c.claim_id >= low,
        )
        .group_by(_annotations.c.claim_id)
        .having(having)
        .order_by(_annotations.c.claim_id)
    )
    if high is not None:
        query = query.where(_annotations.c.claim_id < high)
    if filters.article_id is not None:
        return query.where(
            _articles.c.project_id == project.id, _claims.c.article_id == filters.article_id
        )
    return query.where(_articles.c.project_id + 0 == project.id)


def _claim_id_range(session: Session, project: Project, filters: Filters) -> tuple[int, int]:
    """The smallest and largest claim id of the project (or of the article); (1, 0)
    when it has none."""
    query = select(func.min(_claims.c.id), func.max(_claims.c.id)).select_from(
        _claims.join(_articles, _articles.c.id == _claims.c.article_id)
    )
    if filters.article_id is not None:
        query = query.where(_claims.c.article_id == filters.article_id)
    else:
        query = query.where(_articles.c.project_id == project.id)
    low, high = session.execute(query).one()
    return (low, high) if low is not None else (1, 0)


# The first window of claim ids the list reads, in pages; it doubles while the
# disagreements are sparse, up to WINDOW_LIMIT claim ids.
FIRST_WINDOW = 4
WINDOW_LIMIT = 50_000


def list_disagreements(
    session: Session,
    project: Project,
    filters: Filters | None = None,
    *,
    after: int | None = None,
    size: int = PAGE_SIZE,
) -> DisagreementPage:
    """Return a page of the claims whose done annotations disagree, in claim id order,
    each with its disagreeing fields (after the filters) and their gold, if settled.

    Pages go by key (``after``: the last claim id of the page before), and each page
    reads windows of claim ids from there until it is full, so every page costs what
    the first does. Raises what check_filters raises.
    """
    filters = check_filters(session, project, filters or Filters())
    keys = project_keys(project)
    merged = merged_speakers(session, project.id)
    first, last = _claim_id_range(session, project, filters)
    rows: list[tuple[int, list[tuple[Comparison, GoldLabel | None]]]] = []
    low = max(first, (after or 0) + 1)
    width = FIRST_WINDOW * size
    full_at = None
    while full_at is None and low <= last:
        high = None if filters.article_id is not None else low + width
        candidates = list(session.scalars(_candidate_claims(project, filters, low, high)))
        for start in range(0, len(candidates), 2 * size):
            ids = candidates[start : start + 2 * size]
            compared = compare_claims(done_values(session, ids), keys, merged=merged)
            found = disagreements(
                compared, key=filters.key, label=filters.label, user_id=filters.annotator_id
            )
            golds = golds_of(session, [claim_id for claim_id, _ in found])
            for claim_id, fields in found:
                settled = [(c, golds.get((claim_id, c.key))) for c in fields]
                open_ = any(g is None for _, g in settled)
                if filters.state == "open" and not open_ or filters.state == "settled" and open_:
                    continue
                rows.append((claim_id, settled))
                if len(rows) == size:
                    full_at = claim_id
                    break
            if full_at is not None:
                break
        if high is None:
            break
        low = high
        width = min(2 * width, WINDOW_LIMIT)
    claims = _claims_by_id(session, [claim_id for claim_id, _ in rows])
    return DisagreementPage(
        [DisagreementRow(claims[claim_id], fields) for claim_id, fields in rows],
        after,
        full_at if full_at is not None and full_at < last else None,
        size,
    )


def _claims_by_id(session: Session, ids: Sequence[int]) -> dict[int, Claim]:
    if not ids:
        return {}
    claims = session.scalars(
        select(Claim).where(Claim.id.in_(ids)).options(selectinload(Claim.article))
    )
    return {c.id: c for c in claims}


@dataclass(slots=True)
class ClaimReview:
    """What the side-by-side page of a claim shows: the claim and some text around it,
    its done annotations (oldest first), each key's comparison and gold, and the
    speakers these name."""

    project: Project
    claim: Claim
    before: str
    after: str
    annotations: list[Annotation]
    keys: list[str]
    comparisons: dict[str, Comparison]
    golds: dict[str, GoldLabel]
    speakers: dict[int, Speaker]
    targets: dict[int, Target]
    labels: dict[str, list[str]]
    reasons: list[str]
    merged: dict[int, int] = field(default_factory=dict)

    def field_of(self, key: str) -> tuple[Field, Target | None]:
        f, target_id = parse_key(key)
        return f, self.targets.get(target_id) if target_id is not None else None

    def value_of(self, annotation: Annotation, key: str) -> Any:
        """An annotation's value for ``key`` (a speaker id after merges, or a label)."""
        f, target_id = parse_key(key)
        if f.kind == STANCES:
            return next((s.value for s in annotation.stances if s.target_id == target_id), "")
        value = getattr(annotation, f.column)
        return self.merged.get(value, value) if f.kind == SPEAKER else value


CONTEXT_CHARS = 300


def get_claim(session: Session, project: Project, claim_id: int) -> Claim:
    """Return an active claim of the project. Raises NotFound otherwise."""
    claim = session.get(Claim, claim_id)
    if claim is None or claim.state != "active" or claim.article.project_id != project.id:
        raise NotFound("No such claim in this project.")
    return claim


def claim_review(session: Session, project: Project, claim_id: int) -> ClaimReview:
    """Return what the side-by-side page of a claim shows. Raises NotFound for a claim
    that is not an active claim of the project."""
    claim = get_claim(session, project, claim_id)
    text = claim.article.text
    annotations = list(
        session.scalars(
            select(Annotation)
            .where(Annotation.claim_id == claim.id, Annotation.status == DONE)
            .order_by(Annotation.id)
            .options(
                selectinload(Annotation.user),
                selectinload(Annotation.stances),
                *(
                    selectinload(getattr(Annotation, f.name))
                    for f in _COLUMN_FIELDS
                    if f.kind == SPEAKER
                ),
            )
        )
    )
    keys = project_keys(project)
    merged = merged_speakers(session, project.id)
    compared = compare_claims(done_values(session, [claim.id]), keys, merged=merged)
    comparisons = compared.get(claim.id) or {k: Comparison(claim.id, k, 0) for k in keys}
    golds = {key: g for (_, key), g in golds_of(session, [claim.id]).items()}
    speaker_ids = {g.speaker_id for g in golds.values() if g.speaker_id is not None}
    for key in keys:
        if is_speaker_key(key):
            speaker_ids |= {c.value for c in comparisons[key].candidates}
    speakers = {
        s.id: s for s in session.scalars(select(Speaker).where(Speaker.id.in_(speaker_ids)))
    }
    targets = {
        t.id: t for t in session.scalars(select(Target).where(Target.project_id == project.id))
    }
    labels: dict[str, list[str]] = {}
    for lb in session.scalars(
        select(Label).where(Label.project_id == project.id).order_by(Label.field, Label.position)
    ):
        labels.setdefault(lb.field, []).append(lb.value)
    return ClaimReview(
        project=project,
        claim=claim,
        before=text[max(0, claim.start - CONTEXT_CHARS) : claim.start],
        after=text[claim.end : claim.end + CONTEXT_CHARS],
        annotations=annotations,
        keys=keys,
        comparisons=comparisons,
        golds=golds,
        speakers=speakers,
        targets=targets,
        labels=labels,
        reasons=gold_reasons(project),
        merged=merged,
    )


def gold_record(gold: GoldLabel) -> dict[str, Any]:
    """A gold label as its history records it (ids, the speaker's name beside its id)."""
    speaker = gold.speaker
    return {
        "claim_id": gold.claim_id,
        "field": gold.field,
        "target_id": gold.target_id,
        "value": gold.value,
        "speaker_id": gold.speaker_id,
        "speaker": speaker.name if speaker is not None else None,
        "adjudicated": gold.adjudicated,
        "reason": gold.reason,
        "reason_text": gold.reason_text,
        "source_annotation_ids": list(gold.source_annotation_ids or []),
        "codebook_version": gold.codebook_version,
        "version": gold.version,
    }


STALE_GOLD = (
    "Someone settled this field after you opened the page (gold is now {now}, version "
    "{version}); nothing was saved. Look at the gold as it is now and settle again to "
    "replace it."
)


def _stale(gold: GoldLabel | None, shown: str) -> Conflict:
    if gold is None:
        return Conflict(
            "This gold label is no longer there; nothing was saved. Reload the page.",
            field="version",
        )
    return Conflict(
        STALE_GOLD.format(now=shown, version=gold.version),
        field="version",
        current=gold_record(gold),
    )


def _shown_value(gold: GoldLabel) -> str:
    if gold.speaker is not None:
        return repr(gold.speaker.name)
    return repr(gold.value) if gold.value else "not set"


def _check_key(project: Project, key: str) -> tuple[Field, int | None]:
    try:
        f, target_id = parse_key(key)
    except ValueError as exc:
        raise InvalidInput(f"Unknown field {key!r}.", field="key") from exc
    if target_id is not None and target_id not in {t.id for t in project.targets}:
        raise InvalidInput(f"Unknown field {key!r}: no such target here.", field="key")
    return f, target_id


def _chosen_value(
    session: Session,
    project: Project,
    claim: Claim,
    key: str,
    f: Field,
    *,
    pick: int | None,
    value: Any,
    new_speaker: str,
    user: User | None,
    merged: dict[int, int],
) -> Any:
    """The value a settle names: a done annotation's (``pick``), a new speaker by name,
    a registry speaker's id, or a label ("" / None: not set)."""
    if pick is not None:
        annotation = session.get(Annotation, pick)
        if annotation is None or annotation.claim_id != claim.id or annotation.status != DONE:
            raise InvalidInput("That is not a done annotation of this claim.", field="pick")
        done = done_values(session, [claim.id])
        chosen = next((d.values.get(key) for d in done if d.annotation_id == pick), None)
        if not is_set(chosen):
            raise InvalidInput(
                "That annotation sets no value for this field: choose another, or set a value.",
                field="pick",
            )
        return merged.get(chosen, chosen) if f.kind == SPEAKER else chosen
    if f.kind == SPEAKER:
        name = (new_speaker or "").strip()
        if name:
            return find_or_create_speaker(session, project, name, user=user).id
        if not is_set(value):
            return None
        try:
            speaker = session.get(Speaker, int(value))
        except (TypeError, ValueError) as exc:
            raise InvalidInput("Unknown speaker.", field="value") from exc
        if speaker is None or speaker.project_id != project.id:
            raise InvalidInput("Unknown speaker.", field="value")
        return speaker_merged_into(session, speaker).id
    label = value or ""
    if not isinstance(label, str):
        raise InvalidInput("A label is text.", field="value")
    if label:
        allowed = session.scalar(
            select(Label.id).where(
                Label.project_id == project.id, Label.field == f.choices, Label.value == label
            )
        )
        if allowed is None:
            raise InvalidInput(f"Unknown {f.choices} label {label!r}.", field="value")
    return label


def settle_gold(
    session: Session,
    project: Project,
    claim_id: int,
    key: str,
    *,
    user: User | None,
    reason: str,
    reason_text: str = "",
    version: int | None = None,
    pick: int | None = None,
    value: Any = None,
    new_speaker: str = "",
) -> GoldLabel:
    """Settle one field of a claim into gold (or change its gold): the value of the done
    annotation ``pick``, else ``new_speaker`` (a name: the registry's speaker, or a new
    one), else ``value`` (a speaker id or a label; None or "" settles it as not set),
    whatever the annotators gave. ``reason`` must be one of the project's reasons.

    ``version`` is the gold's version the form showed (None: the form showed no gold).
    The gold records the annotations that gave its value, who settled it, when, and the
    codebook version; the change goes into the history. Raises NotFound (claim),
    InvalidInput (field, value, reason, text) or Conflict (the gold changed since
    ``version``); nothing is written then.
    """
    claim = get_claim(session, project, claim_id)
    f, target_id = _check_key(project, key)
    reason = " ".join((reason or "").split())
    if not reason:
        raise InvalidInput("Give a reason for the gold label.", field="reason")
    if reason not in gold_reasons(project):
        raise InvalidInput(
            f"Unknown reason {reason!r} (reasons: {', '.join(gold_reasons(project))}).",
            field="reason",
        )
    reason_text = (reason_text or "").replace("\r\n", "\n").strip()
    if len(reason_text) > REASON_TEXT_LENGTH:
        raise InvalidInput(
            f"The explanation has at most {REASON_TEXT_LENGTH:,} characters.", field="reason_text"
        )
    gold = session.scalar(
        select(GoldLabel)
        .where(GoldLabel.claim_id == claim.id, GoldLabel.key == key)
        .with_for_update()
    )
    if (gold is None) != (version is None) or gold is not None and gold.version != version:
        raise _stale(gold, _shown_value(gold) if gold is not None else "")
    merged = merged_speakers(session, project.id)
    chosen = _chosen_value(
        session,
        project,
        claim,
        key,
        f,
        pick=pick,
        value=value,
        new_speaker=new_speaker,
        user=user,
        merged=merged,
    )
    comparison = compare_claims(done_values(session, [claim.id]), [key], merged=merged)
    found = comparison.get(claim.id, {}).get(key)
    source = found.candidate(chosen) if found is not None and is_set(chosen) else None
    values = {
        "value": "" if f.kind == SPEAKER else chosen,
        "speaker_id": chosen if f.kind == SPEAKER else None,
        "adjudicated": True,
        "reason": reason,
        "reason_text": reason_text,
        "source_annotation_ids": list(source.annotation_ids) if source else [],
        "codebook_version": project.codebook_version,
        "settled_by_id": user.id if user else None,
        "settled_at": utcnow(),
    }
    before = gold_record(gold) if gold is not None else None
    if gold is None:
        gold = GoldLabel(
            project_id=project.id, claim_id=claim.id, field=f.name, target_id=target_id, key=key
        )
        for name, v in values.items():
            setattr(gold, name, v)
        with unique_or_conflict(session, "Someone settled this field at the same moment; reload."):
            session.add(gold)
            session.flush()
    else:
        for name, v in values.items():
            setattr(gold, name, v)
        try:
            session.flush()
        except StaleDataError as exc:
            raise _stale(None, "") from exc
    session.refresh(gold, ["speaker"])
    record(
        session,
        project_id=project.id,
        entity="gold",
        entity_id=gold.id,
        action="settle" if before is None else "edit",
        user=user,
        before=before,
        after=gold_record(gold),
    )
    session.flush()
    return gold


@dataclass(slots=True)
class AcceptReport:
    """What accept-all-agree did: ``accepted`` new gold labels; ``updated`` accepted ones
    whose agreed value had changed; ``unchanged`` already gold with that value;
    ``kept`` adjudicated gold labels, never overwritten; over ``claims`` claims."""

    accepted: int = 0
    updated: int = 0
    unchanged: int = 0
    kept: int = 0
    claims: int = 0


def claim_batch(
    session: Session,
    project: Project,
    article_id: int | None,
    after: int,
    *,
    with_gold: bool = False,
) -> list[int]:
    """The ids of the next BATCH of the project's active claims after claim ``after``
    (of one article, or with gold only, when asked), in id order.

    Claims are read in id order from ``after`` (``project_id + 0``: not through the
    project's articles, which would read every claim of the project and sort them
    for each batch); with an article, its claims index drives the read."""
    query = (
        select(_claims.c.id)
        .select_from(_claims.join(_articles, _articles.c.id == _claims.c.article_id))
        .where(
            _articles.c.project_id + 0 == project.id,
            _claims.c.state == "active",
            _claims.c.id > after,
        )
        .order_by(_claims.c.id)
        .limit(BATCH)
    )
    if article_id is not None:
        query = query.where(_claims.c.article_id == article_id)
    if with_gold:
        query = query.where(select(_gold.c.id).where(_gold.c.claim_id == _claims.c.id).exists())
    return list(session.scalars(query))


def project_claim_batches(
    session: Session, project: Project, article_id: int | None, *, with_gold: bool = False
) -> Iterator[list[int]]:
    """Every batch of ``claim_batch`` in turn, in one session."""
    after = 0
    while ids := claim_batch(session, project, article_id, after, with_gold=with_gold):
        yield ids
        after = ids[-1]


def accept_keys(session: Session, project: Project, article_id: int | None, key: str | None):
    """The keys an accept-all-agree compares, after checking its scope: raises
    InvalidInput for an unknown field, NotFound for an article of another project."""
    check_filters(session, project, Filters(article_id=article_id, key=key, state="all"))
    return [key] if key is not None else project_keys(project)


def agreed_fields(
    session: Session, ids: Sequence[int], keys: Sequence[str], merged: dict[int, int]
) -> list[Comparison]:
    """The fields of these claims on which all done annotations agree (reads only)."""
    return agreements(compare_claims(done_values(session, ids), keys, merged=merged))


def store_agreed(
    session: Session,
    project: Project,
    agreed: Sequence[Comparison],
    report: AcceptReport,
    *,
    user: User | None,
    merged: dict[int, int],
) -> None:
    """Write gold for ``agreed`` (from agreed_fields, maybe read in an earlier
    transaction), counting into ``report``: new gold labels; an accepted one whose
    value differs takes the agreed value; an adjudicated one is kept. The gold stored
    is read here, in the writing transaction, so a gold settled since the read is
    never overwritten."""
    if not agreed:
        return
    now = utcnow()
    settled_by = user.id if user else None
    # Plain rows, not ORM objects: most of them are only compared.
    stored = {
        (row.claim_id, row.key): row
        for row in session.execute(
            select(
                _gold.c.id,
                _gold.c.claim_id,
                _gold.c.key,
                _gold.c.value,
                _gold.c.speaker_id,
                _gold.c.adjudicated,
            ).where(_gold.c.claim_id.in_(sorted({c.claim_id for c in agreed})))
        ).all()
    }
    new_rows = []
    for c in agreed:
        gold = stored.get((c.claim_id, c.key))
        value = c.agreed_value
        if gold is None:
            f, target_id = parse_key(c.key)
            new_rows.append(
                {
                    "project_id": project.id,
                    "claim_id": c.claim_id,
                    "field": f.name,
                    "target_id": target_id,
                    "key": c.key,
                    "value": "" if f.kind == SPEAKER else value,
                    "speaker_id": value if f.kind == SPEAKER else None,
                    "adjudicated": False,
                    "reason": "",
                    "reason_text": "",
                    "source_annotation_ids": list(c.candidates[0].annotation_ids),
                    "codebook_version": project.codebook_version,
                    "settled_by_id": settled_by,
                    "settled_at": now,
                    "version": 1,
                }
            )
        elif gold.adjudicated:
            report.kept += 1
        elif (
            merged.get(gold.speaker_id, gold.speaker_id) if is_speaker_key(c.key) else gold.value
        ) == value:
            report.unchanged += 1
        else:
            _update_accepted(session, project, session.get(GoldLabel, gold.id), c, value, user)
            report.updated += 1
    if new_rows:
        # Core, not the ORM: one executemany, whatever the rows hold.
        session.execute(insert(_gold), new_rows)
        report.accepted += len(new_rows)
    session.flush()


def record_accept(
    session: Session,
    project: Project,
    report: AcceptReport,
    *,
    user: User | None,
    article_id: int | None,
    key: str | None,
) -> None:
    """Append the run's entry to the project's history, when it accepted or changed
    anything."""
    if not (report.accepted or report.updated):
        return
    f, target_id = parse_key(key) if key else (None, None)
    record(
        session,
        project_id=project.id,
        entity="project",
        entity_id=project.id,
        action="accept-gold",
        user=user,
        before=None,
        after={
            "scope": "article" if article_id is not None else "project",
            "field": f.name if f else "all",
            **({"target_id": target_id} if target_id is not None else {}),
            "accepted": report.accepted,
            "updated": report.updated,
        },
    )
    session.flush()


def accept_agreed(
    session: Session,
    project: Project,
    *,
    user: User | None,
    article_id: int | None = None,
    key: str | None = None,
) -> AcceptReport:
    """Accept into gold every field on which all of a claim's done annotations agree
    (two or more, one value), for the project or one article, optionally one field,
    in this one transaction (jobs.run_accept_agreed does it batch by batch).

    Idempotent: a field already gold with the agreed value stays as it is; an accepted
    gold whose annotations now agree on another value takes it; an adjudicated gold is
    never overwritten. Raises InvalidInput for an unknown field, NotFound for an
    article of another project.
    """
    keys = accept_keys(session, project, article_id, key)
    merged = merged_speakers(session, project.id)
    report = AcceptReport()
    for ids in project_claim_batches(session, project, article_id):
        report.claims += len(ids)
        agreed = agreed_fields(session, ids, keys, merged)
        store_agreed(session, project, agreed, report, user=user, merged=merged)
    record_accept(session, project, report, user=user, article_id=article_id, key=key)
    return report


def _update_accepted(session, project, gold, comparison, value, user) -> None:
    before = gold_record(gold)
    speaker = is_speaker_key(gold.key)
    gold.value = "" if speaker else value
    gold.speaker_id = value if speaker else None
    gold.source_annotation_ids = list(comparison.candidates[0].annotation_ids)
    gold.codebook_version = project.codebook_version
    gold.settled_by_id = user.id if user else None
    gold.settled_at = utcnow()
    session.flush()
    session.refresh(gold, ["speaker"])
    record(
        session,
        project_id=project.id,
        entity="gold",
        entity_id=gold.id,
        action="accept",
        user=user,
        before=before,
        after=gold_record(gold),
    )


GOLD_ACTIONS = {
    "settle": "settled",
    "edit": "changed",
    "accept": "accepted again (the annotations now agree on another value)",
}


def gold_history(session: Session, gold_ids: Iterable[int]) -> list[HistoryEntry]:
    """The history entries of these gold labels, oldest first."""
    ids = list(gold_ids)
    if not ids:
        return []
    return list(
        session.scalars(
            select(HistoryEntry)
            .where(HistoryEntry.entity == "gold", HistoryEntry.entity_id.in_(ids))
            .options(selectinload(HistoryEntry.user))
            .order_by(HistoryEntry.id)
        )
    )


def speaker_names(session: Session, ids: Iterable[int]) -> dict[int, str]:
    """{speaker id: name} for these ids (one query)."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return dict(
        session.execute(select(Speaker.id, Speaker.name).where(Speaker.id.in_(wanted))).all()
    )


def project_annotators(session: Session, project: Project) -> list[User]:
    """The project's members who annotate or manage, by username (the annotator filter:
    read from the members, not from every annotation of the project)."""
    return list(
        session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(
                Membership.project_id == project.id, Membership.role.in_(("annotator", "manager"))
            )
            .order_by(User.username)
        )
    )
