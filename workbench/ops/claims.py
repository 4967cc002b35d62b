"""Changing claim boundaries: split, merge with the next or the previous claim, trim.

Every change is recorded in the history. Annotations stay attached; those on a
claim whose span changed are flagged ``span_changed`` for a second look, and
their version moves on so that a form opened before the change cannot save
over it unseen. The article's suggestions are stored again (ops.suggestions),
so that none is left from the old boundaries.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, contains_eager

from workbench.errors import InvalidInput, NotFound
from workbench.merges import follow_merges
from workbench.models import Annotation, Article, Claim, User
from workbench.ops.history import record
from workbench.ops.suggestions import PreparedArticle, prepare_article, refresh_article


def get_claim(session: Session, claim_id: int) -> Claim:
    """Return an active or merged claim; raises NotFound."""
    claim = session.get(Claim, claim_id)
    if claim is None:
        raise NotFound("No such claim.")
    return claim


def claim_merged_into(session: Session, claim: Claim) -> Claim:
    """Return the claim ``claim`` was merged into, through every later merge (the claim
    itself when it is not merged). Raises MergeCycle (409) on a cycle."""
    return follow_merges(
        claim,
        lambda c: session.get(Claim, c.merged_into_id) if c.merged_into_id else None,
        what="claim",
        key=lambda c: c.id,
    )


def get_project_claim(session: Session, project_id: int, claim_id: int) -> Claim:
    """Return a claim of the project's articles; raises NotFound for any other id.

    One query; the article comes with its id and project only (its text loads
    when asked for), so a save does not read the whole article.
    """
    claim = session.scalar(
        select(Claim)
        .join(Claim.article)
        .options(contains_eager(Claim.article).load_only(Article.id, Article.project_id))
        .where(Claim.id == claim_id, Article.project_id == project_id)
    )
    if claim is None:
        raise NotFound("No such claim in this project.")
    return claim


def active_claims(session: Session, article: Article) -> list[Claim]:
    """Return the article's active claims in text order."""
    return list(
        session.scalars(
            select(Claim)
            .where(Claim.article_id == article.id, Claim.state == "active")
            .order_by(Claim.start)
        )
    )


def span_problem(
    text_length: int,
    start: int,
    end: int,
    *,
    previous_end: int | None = None,
    next_start: int | None = None,
) -> str | None:
    """Return what is wrong with a claim at ``[start, end)`` of a text of ``text_length``
    characters, between active claims ending at ``previous_end`` and starting at
    ``next_start`` (None where there is none); None when nothing is."""
    if not 0 <= start < end <= text_length:
        return f"The boundaries must satisfy 0 <= start < end <= {text_length}."
    if previous_end is not None and start < previous_end:
        return f"The claim would overlap the previous claim (which ends at {previous_end})."
    if next_start is not None and end > next_start:
        return f"The claim would overlap the next claim (which starts at {next_start})."
    return None


def _span(claim: Claim) -> dict:
    return {"start": claim.start, "end": claim.end, "state": claim.state}


def _stripped(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _record_claim(session: Session, claim: Claim, action: str, *, user, before, after) -> None:
    record(
        session,
        project_id=claim.article.project_id,
        entity="claim",
        entity_id=claim.id,
        claim_id=claim.id,
        action=action,
        user=user,
        before=before,
        after=after,
    )


def _neighbours(session: Session, claim: Claim) -> tuple[Claim | None, Claim | None]:
    """The active claims just before and just after ``claim`` in text order."""
    active = (
        select(Claim)
        .where(Claim.article_id == claim.article_id, Claim.state == "active", Claim.id != claim.id)
        .execution_options(populate_existing=True)  # as they are now that they are locked
    )
    before = session.scalar(
        active.where(Claim.start < claim.start).order_by(Claim.start.desc()).limit(1)
    )
    after = session.scalar(active.where(Claim.start > claim.start).order_by(Claim.start).limit(1))
    return before, after


def _lock_for_edit(session: Session, claim: Claim) -> None:
    """Lock the claims of ``claim``'s article until the transaction ends, reload
    ``claim``, and check that it is still active (its neighbours are read after
    the lock, see _neighbours).

    On PostgreSQL two boundary edits of one article then take turns, and a save
    that is writing to one of its claims (it holds the claim FOR KEY SHARE, see
    ops.annotations) finishes first or sees the edit.
    """
    # Locked by id, not loaded: an article may have tens of thousands of claims.
    session.execute(
        select(Claim.id)
        .where(Claim.article_id == claim.article_id)
        .order_by(Claim.id)
        .with_for_update()
    )
    session.refresh(claim)
    if claim.state != "active":
        raise InvalidInput("This claim was merged into another one; reload the article.")


def _flag_annotations(session: Session, claim: Claim, user: User | None) -> None:
    """Flag the claim's annotations for a second look: their text changed under them.

    Each moves its version on (so a form opened before the change is refused) and its
    ``updated_at`` to now, and gets a history entry saying so, so an annotation's
    history has every version.
    """
    flagged = session.execute(
        update(Annotation)
        .where(Annotation.claim_id == claim.id)
        .values(span_changed=True, version=Annotation.version + 1, updated_at=datetime.now(UTC))
        .returning(Annotation.id, Annotation.version)
        .execution_options(synchronize_session=False)
    ).all()
    project_id = claim.article.project_id
    for annotation_id, version in sorted(flagged):
        record(
            session,
            project_id=project_id,
            entity="annotation",
            entity_id=annotation_id,
            claim_id=claim.id,
            action="flag-span-changed",
            user=user,
            before={"version": version - 1},
            after={"version": version, "span_changed": True},
        )
    session.flush()
    session.expire_all()


def _renumber(session: Session, article: Article) -> None:
    """Number the article's active claims 1, 2, ... in text order: one statement,
    which writes only the positions that change (an article may have many claims)."""
    session.flush()
    numbered = (
        select(Claim.id, func.row_number().over(order_by=Claim.start).label("number"))
        .where(Claim.article_id == article.id, Claim.state == "active")
        .subquery()
    )
    session.execute(
        update(Claim)
        .where(Claim.id == numbered.c.id, Claim.position != numbered.c.number)
        .values(position=numbered.c.number)
        .execution_options(synchronize_session=False)
    )
    for loaded in list(session.identity_map.values()):
        if isinstance(loaded, Claim):
            session.expire(loaded, ["position"])


def split_claim(
    session: Session,
    claim: Claim,
    at: int,
    *,
    user: User | None,
    prepared: PreparedArticle | None = None,
) -> Claim:
    """Split ``claim`` at the absolute text offset ``at``; return the new second part.

    The first part keeps the claim's id and annotations. Raises InvalidInput
    when either part would be empty or only white space.
    """
    _lock_for_edit(session, claim)
    text = claim.article.text
    if not claim.start < at < claim.end:
        raise InvalidInput("Split inside the claim: the position must fall between its ends.")
    left = _stripped(text, claim.start, at)
    right = _stripped(text, at, claim.end)
    if left[0] == left[1] or right[0] == right[1]:
        raise InvalidInput("Both parts of a split need some text besides white space.")
    before = _span(claim)
    claim.start, claim.end = left
    second = Claim(
        article_id=claim.article_id, position=claim.position + 1, start=right[0], end=right[1]
    )
    session.add(second)
    session.flush()
    _record_claim(
        session,
        claim,
        "split",
        user=user,
        before=before,
        after={
            **_span(claim),
            "new_claim_id": second.id,
            "new_start": right[0],
            "new_end": right[1],
        },
    )
    _record_claim(
        session,
        second,
        "created-by-split",
        user=user,
        before={"from_claim_id": claim.id, **before},
        after=_span(second),
    )
    _flag_annotations(session, claim, user)
    _renumber(session, claim.article)
    session.flush()
    refresh_article(session, claim.article, prepared=prepared)
    return second


def merge_with_next(
    session: Session, claim: Claim, *, user: User | None, prepared: PreparedArticle | None = None
) -> Claim:
    """Merge ``claim`` with the claim that follows it; return the merged claim.

    The merged claim keeps ``claim``'s id. Annotations of the next claim move
    over for annotators who had none on ``claim``; the others stay on the next
    claim, which is kept with state ``merged`` (never deleted). Raises
    InvalidInput when ``claim`` is the last one.
    """
    _lock_for_edit(session, claim)
    _, following = _neighbours(session, claim)
    if following is None:
        raise InvalidInput("This is the last claim of the article; there is nothing to merge with.")
    before = _span(claim)
    claim.end = following.end
    following.state = "merged"
    following.merged_into_id = claim.id
    # Subqueries, not lists of ids: a claim may have any number of annotators.
    has_annotation = select(Annotation.user_id).where(Annotation.claim_id == claim.id)
    moves = select(Annotation.id).where(
        Annotation.claim_id == following.id, Annotation.user_id.not_in(has_annotation)
    )
    moving = list(session.scalars(moves.order_by(Annotation.id)))
    if moving:
        session.execute(
            update(Annotation)
            .where(Annotation.claim_id == following.id, Annotation.user_id.not_in(has_annotation))
            .values(claim_id=claim.id)
            .execution_options(synchronize_session=False)
        )
    project_id = claim.article.project_id
    _record_claim(
        session,
        claim,
        "merge",
        user=user,
        before=before,
        after={**_span(claim), "merged_claim_id": following.id, "moved_annotations": moving},
    )
    _record_claim(
        session,
        following,
        "merged-into",
        user=user,
        before={"start": following.start, "end": following.end, "state": "active"},
        after={"state": "merged", "merged_into_id": claim.id},
    )
    for annotation_id in moving:
        record(
            session,
            project_id=project_id,
            entity="annotation",
            entity_id=annotation_id,
            claim_id=claim.id,
            action="moved-by-merge",
            user=user,
            before={"claim_id": following.id},
            after={"claim_id": claim.id},
        )
    session.flush()
    _flag_annotations(session, claim, user)
    _renumber(session, claim.article)
    session.flush()
    refresh_article(session, claim.article, prepared=prepared)
    return claim


def merge_with_previous(
    session: Session, claim: Claim, *, user: User | None, prepared: PreparedArticle | None = None
) -> Claim:
    """Merge ``claim`` into the claim before it; return the merged claim.

    The same as merging the previous claim with the next (``merge_with_next``): the
    merged claim keeps the previous claim's id, ``claim`` is kept as ``merged``.
    Raises InvalidInput when ``claim`` is the first one.
    """
    _lock_for_edit(session, claim)
    previous, _ = _neighbours(session, claim)
    if previous is None:
        raise InvalidInput(
            "This is the first claim of the article; there is nothing to merge it with before it."
        )
    return merge_with_next(session, previous, user=user, prepared=prepared)


def split_offset(claim: Claim, words: str) -> int:
    """Return the text offset where a split of ``claim`` at ``words`` falls: where the
    words begin inside the claim (the second part begins with them), or, when they are
    only the claim's own first words, where they end (they are the first part).
    Raises InvalidInput when the words are not in the claim or are all of it."""
    needle = words.strip()
    if not needle:
        raise InvalidInput("Give the text where the second part begins, or an offset.")
    text = claim.text
    found = text.find(needle, 1)
    if found > 0:
        return claim.start + found
    if text.startswith(needle):
        if not text[len(needle) :].strip():
            raise InvalidInput(
                f"{needle!r} is the whole claim: a split needs text on both sides of it."
            )
        return claim.start + len(needle)
    raise InvalidInput(f"{needle!r} does not occur inside the claim.")


def annotations_left_behind(session: Session, claim: Claim) -> int:
    """Count the annotations that stayed on claims merged into ``claim``.

    Their annotators had annotated both claims; the annotation of the merged
    claim is theirs now, and the other stays, unchanged and in the history, on
    the merged-away claim, which exports leave out.
    """
    return session.scalar(
        select(func.count())
        .select_from(Annotation)
        .join(Claim, Claim.id == Annotation.claim_id)
        .where(Claim.merged_into_id == claim.id)
    )


def trim_claim(
    session: Session,
    claim: Claim,
    start: int,
    end: int,
    *,
    user: User | None,
    prepared: PreparedArticle | None = None,
) -> Claim:
    """Move a claim's boundaries to ``[start, end)`` (white space at the edges is dropped).

    The new span may not reach into a neighbouring claim. Raises InvalidInput.
    """
    _lock_for_edit(session, claim)
    text = claim.article.text
    problem = span_problem(len(text), start, end)
    if problem:
        raise InvalidInput(problem)
    start, end = _stripped(text, start, end)
    if start == end:
        raise InvalidInput("A claim needs some text besides white space.")
    previous, following = _neighbours(session, claim)
    problem = span_problem(
        len(text),
        start,
        end,
        previous_end=previous.end if previous is not None else None,
        next_start=following.start if following is not None else None,
    )
    if problem:
        raise InvalidInput(problem)
    if (start, end) == (claim.start, claim.end):
        return claim
    before = _span(claim)
    claim.start, claim.end = start, end
    _record_claim(
        session,
        claim,
        "trim",
        user=user,
        before=before,
        after=_span(claim),
    )
    session.flush()
    _flag_annotations(session, claim, user)
    _renumber(session, claim.article)
    session.flush()
    refresh_article(session, claim.article, prepared=prepared)
    return claim


def prepare_edit(
    session: Session,
    claim: Claim,
    edit: str,
    *,
    at: int | None = None,
    start: int | None = None,
    end: int | None = None,
) -> PreparedArticle | None:
    """Make the article's suggestions for the claims an edit of ``claim`` ("split" at
    ``at``, "merge" with the next claim, "merge-previous" into the one before, "trim"
    to ``start``:``end``) would leave, reading only: call it before the edit's write
    transaction and pass the result to the edit, which stores it if the claims are
    then as foreseen (else it suggests again). None when the edit would change nothing
    or be refused (the edit says why)."""
    if claim.state != "active":
        return None
    article = claim.article
    text = article.text
    spans = [
        (s, e)
        for s, e in session.execute(
            select(Claim.start, Claim.end)
            .where(Claim.article_id == article.id, Claim.state == "active")
            .order_by(Claim.start)
        )
    ]
    try:
        i = spans.index((claim.start, claim.end))
    except ValueError:
        return None
    if edit == "split":
        if at is None or not claim.start < at < claim.end:
            return None
        left, right = _stripped(text, claim.start, at), _stripped(text, at, claim.end)
        if left[0] == left[1] or right[0] == right[1]:
            return None
        spans[i : i + 1] = [left, right]
    elif edit == "merge":
        if i + 1 >= len(spans):
            return None
        spans[i : i + 2] = [(claim.start, spans[i + 1][1])]
    elif edit == "merge-previous":
        if i == 0:
            return None
        spans[i - 1 : i + 1] = [(spans[i - 1][0], claim.end)]
    elif edit == "trim":
        if start is None or end is None or span_problem(len(text), start, end):
            return None
        new = _stripped(text, start, end)
        previous_end = spans[i - 1][1] if i > 0 else None
        next_start = spans[i + 1][0] if i + 1 < len(spans) else None
        if new[0] == new[1] or new == spans[i]:
            return None
        if span_problem(len(text), *new, previous_end=previous_end, next_start=next_start):
            return None
        spans[i] = new
    else:
        raise ValueError(f"unknown edit {edit!r}")
    return prepare_article(session, article, spans)
