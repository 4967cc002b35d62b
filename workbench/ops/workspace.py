"""The annotate page's state, read in one operation: the claims near the current
one, the user's annotations of those, their suggestions, the speaker registry and
the progress counts.

An article may have tens of thousands of claims, so the page never reads them all:
it shows a window of claims around the selected one (``WINDOW`` before and after),
and the rest comes in stretches (``claims_stretch``) as the annotator scrolls, or
with a jump to a claim by its number. Counts come from SQL aggregates, and every
query's parameters are bounded (a claim id, an offset, or the ids of one window).

The form view, the refused-save view, the claims fragment and the JSON API all
build the page from these functions; none of them reads claims or annotations itself.

The selected claim's suggestions come with what the page needs to show them
(``SuggestedValue``): the registry speaker a suggested speaker or via names, and the
evidence checked against the article's text (``Mark``: an offset that lies outside
the text, or whose text is not the article's there, is left out rather than shown
in the wrong place).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import Session

from workbench.errors import NotFound
from workbench.fields import SPEAKER, of_kind
from workbench.models import (
    SPEAKER_TYPES,
    Annotation,
    Article,
    Claim,
    Project,
    Speaker,
    Suggestion,
    User,
)
from workbench.ops.annotations import annotation_record, get_annotation
from workbench.ops.claims import claim_merged_into
from workbench.ops.speaker_choice import registry_speaker_for
from workbench.ops.speakers import registry, speaker_count, speaker_merged_into

WINDOW = 40  # claims shown in full before and after the selected one
STRETCH = 60  # claims a scroll loads at once
# A registry up to this size is offered whole in the form's speaker lists; a bigger
# one only with the speakers of the open annotation, and the annotator types a name
# or an alias instead (the save finds the registry's speaker it names).
SPEAKER_CHOICES = 300


# Evidence roles the page knows how to mark (workbench.suggest.model.EVIDENCE_ROLES);
# any other role is shown as "other".
EVIDENCE_ROLES = ("cue", "source", "antecedent", "via", "quote", "trigger", "dateline")


@dataclass(frozen=True, slots=True)
class Mark:
    """A piece of a suggestion's evidence: ``article.text[start:end] == text``."""

    role: str
    start: int
    end: int
    text: str
    field: str


@dataclass(slots=True)
class SuggestedValue:
    """One field's suggestion for the selected claim, as the page shows it.

    ``speaker`` is what the suggester knows of a suggested speaker or via (name,
    type, title, aliases); ``registry_speaker`` the registry's current speaker it
    names (by the stored link, followed through merges, else by its exact name or
    alias), None for a speaker the registry does not have yet.
    """

    field: str
    value: str
    confidence: float
    reason: str = ""
    rule: str = ""
    continuation: bool = False
    evidence: list[Mark] = field(default_factory=list)
    speaker: dict[str, Any] = field(default_factory=dict)
    registry_speaker: Speaker | None = None

    def as_record(self) -> dict[str, Any]:
        """Return the suggestion as plain JSON-ready values (for the API)."""
        return {
            "field": self.field,
            "value": self.value,
            "confidence": self.confidence,
            "reason": self.reason,
            "rule": self.rule,
            "continuation": self.continuation,
            "evidence": [
                {"role": m.role, "start": m.start, "end": m.end, "text": m.text}
                for m in self.evidence
            ],
            "speaker": self.speaker or None,
            "speaker_id": self.registry_speaker.id if self.registry_speaker else None,
        }


@dataclass(slots=True)
class Stretch:
    """Consecutive active claims of an article, in text order, with what the page
    marks on them, and where the text shown with them begins and ends.

    The text shown is ``article.text[text_start:text_end]``: from the end of the
    claim before the stretch (0 for the first claim) to the end of the stretch's
    last claim, or to the end of the text after the article's last claim.
    ``previous`` and ``following`` are the active claims just outside it, if any.
    """

    claims: list[Claim] = field(default_factory=list)
    mine: dict[int, Annotation] = field(default_factory=dict)
    suggestions: dict[int, dict[str, Suggestion]] = field(default_factory=dict)
    text_start: int = 0
    text_end: int = 0
    previous: Claim | None = None
    following: Claim | None = None

    @property
    def more_before(self) -> bool:
        return self.previous is not None

    @property
    def more_after(self) -> bool:
        return self.following is not None

    def pieces(self, text: str) -> list[tuple[str, Claim | None, int]]:
        """Return the text shown as (text, claim, offset) pieces: the text before each
        claim (claim None), each claim's own text, and the text after the last claim;
        ``offset`` is where the piece begins in the article's text."""
        out: list[tuple[str, Claim | None, int]] = []
        pos = self.text_start
        for claim in self.claims:
            out.append((text[pos : claim.start], None, pos))
            out.append((text[claim.start : claim.end], claim, claim.start))
            pos = claim.end
        out.append((text[pos : self.text_end], None, pos))
        return [piece for piece in out if piece[0] or piece[1] is not None]


@dataclass(slots=True)
class Workspace:
    """What the annotate page shows.

    ``merged_into_id`` is set (and nothing else read) when the claim asked for was
    merged into another one of the article: the caller sends the user there.
    ``suggested`` holds the selected claim's suggestions as the page shows them.
    """

    project: Project
    article: Article
    window: Stretch = field(default_factory=Stretch)
    selected: Claim | None = None
    annotation: Annotation | None = None
    next_open: Claim | None = None
    speakers: list[Speaker] = field(default_factory=list)
    registry_size: int = 0
    total: int = 0
    done: int = 0
    merged_into_id: int | None = None
    # The selected claim's suggestions by field (FIELDS order), and their evidence.
    suggested: dict[str, SuggestedValue] = field(default_factory=dict)

    @property
    def marks(self) -> list[Mark]:
        """The evidence of the selected claim's suggestions (see ``evidence_marks``)."""
        return evidence_marks(self.suggested.values())

    @property
    def claims(self) -> list[Claim]:
        return self.window.claims

    @property
    def mine(self) -> dict[int, Annotation]:
        return self.window.mine

    @property
    def suggestions(self) -> dict[int, dict[str, Suggestion]]:
        return self.window.suggestions

    def as_record(self) -> dict[str, Any]:
        """Return the workspace as plain JSON-ready values (for the API)."""
        selected = self.selected
        return {
            "article_id": self.article.id,
            "progress": {"done": self.done, "total": self.total},
            "next_unannotated": self.next_open.id if self.next_open else None,
            "claims": [
                {
                    "id": c.id,
                    "position": c.position,
                    "start": c.start,
                    "end": c.end,
                    "annotated": c.id in self.mine,
                    "span_changed": c.id in self.mine and self.mine[c.id].span_changed,
                    "suggestions": {
                        name: s.value for name, s in self.suggestions.get(c.id, {}).items()
                    },
                }
                for c in self.claims
            ],
            "more_before": self.window.more_before,
            "more_after": self.window.more_after,
            "selected": None
            if selected is None
            else {
                "id": selected.id,
                "position": selected.position,
                "start": selected.start,
                "end": selected.end,
                "text": selected.text,
                "annotation": annotation_record(self.annotation) if self.annotation else None,
                "suggestions": [value.as_record() for value in self.suggested.values()],
            },
            "speakers": [{"id": s.id, "name": s.name, "type": s.type} for s in self.speakers],
        }


def _active(article_id: int):
    return select(Claim).where(Claim.article_id == article_id, Claim.state == "active")


# A claim is done for an annotator when they marked their annotation done (status
# "submitted"); a draft, saved in the background while they work, is not done.
DONE = "submitted"


def _not_done(user: User):
    """Active claims the user has not marked done (a correlated NOT EXISTS)."""
    return ~exists().where(
        Annotation.claim_id == Claim.id,
        Annotation.user_id == user.id,
        Annotation.status == DONE,
    )


def get_project_article(session: Session, project: Project, article_id: int) -> Article:
    """Return an article of ``project``; raises NotFound for any other id."""
    article = session.get(Article, article_id)
    if article is None or article.project_id != project.id:
        raise NotFound("No such article in this project.")
    return article


def build_workspace(
    session: Session,
    project: Project,
    article_id: int,
    user: User,
    *,
    claim_id: int | None = None,
    position: int | None = None,
    window: int = WINDOW,
) -> Workspace:
    """Return the annotate page of an article of ``project`` for ``user``.

    The claim ``claim_id`` is selected, or the active claim numbered ``position``,
    or else the first claim the user has not annotated, or else the first claim;
    the window holds ``window`` claims before and after it. Raises NotFound for an
    article of another project, a claim that is not one of the article's, or a
    number the article has no claim for (a claim merged into another of the article
    gives a workspace with only ``merged_into_id`` set).
    """
    article = get_project_article(session, project, article_id)
    ws = Workspace(project=project, article=article)
    selected = None
    if claim_id is not None:
        selected = session.get(Claim, claim_id)
        if selected is None or selected.article_id != article.id:
            raise NotFound("No such claim in this article.")
        if selected.state != "active":
            if selected.merged_into_id:
                # To the end of the chain at once; raises MergeCycle on a cycle.
                ws.merged_into_id = claim_merged_into(session, selected).id
                return ws
            raise NotFound("No such claim in this article.")
    elif position is not None:
        selected = session.scalar(_active(article.id).where(Claim.position == position).limit(1))
        if selected is None:
            raise NotFound(f"This article has no claim number {position}.")
    else:
        selected = session.scalar(
            _active(article.id).where(_not_done(user)).order_by(Claim.start).limit(1)
        ) or session.scalar(_active(article.id).order_by(Claim.start).limit(1))
    ws.total, ws.done = progress_counts(session, article.id, user)
    ws.registry_size = speaker_count(session, project)
    if selected is not None:
        ws.selected = selected
        before = _claims_before(session, article.id, selected.start, window)
        after = _claims_after(session, article.id, selected.start, window)
        ws.window = _stretch(session, user, article, before, [selected], after, window)
        ws.annotation = get_annotation(session, selected, user)
        ws.next_open = _next_unannotated(session, article.id, user, selected)
        ws.suggested = suggested_values(
            session, project, article, ws.window.suggestions.get(selected.id, {})
        )
    else:  # an article without claims
        ws.window = Stretch(text_end=len(article.text))
    if ws.registry_size <= SPEAKER_CHOICES:
        ws.speakers = registry(session, project)
    else:
        named = (
            [getattr(ws.annotation, f.column) for f in of_kind(SPEAKER)] if ws.annotation else []
        )
        ws.speakers = list(
            session.scalars(
                select(Speaker)
                .where(
                    Speaker.project_id == project.id,
                    Speaker.merged_into_id.is_(None),
                    Speaker.id.in_([i for i in named if i is not None]),
                )
                .order_by(Speaker.name)
            )
        )
    return ws


def claims_stretch(
    session: Session,
    project: Project,
    article_id: int,
    user: User,
    *,
    after: int | None = None,
    before: int | None = None,
    size: int = STRETCH,
) -> tuple[Article, Stretch]:
    """Return the article and the ``size`` active claims that follow the claim
    ``after`` (or precede the claim ``before``), as the page loads them on scrolling.

    Raises NotFound unless the given claim is an active claim of the article.
    """
    article = get_project_article(session, project, article_id)
    anchor_id = after if after is not None else before
    anchor = session.get(Claim, anchor_id) if anchor_id is not None else None
    if anchor is None or anchor.article_id != article.id or anchor.state != "active":
        raise NotFound("No such claim in this article.")
    if after is not None:
        claims = _claims_after(session, article.id, anchor.start, size)
        stretch = _stretch(session, user, article, [], [], claims, size)
        # The anchor is on the page already: the text shown starts where it ends.
        stretch.text_start, stretch.previous = anchor.end, anchor
        return article, stretch
    claims = _claims_before(session, article.id, anchor.start, size)
    stretch = _stretch(session, user, article, claims, [], [], size)
    # The text between the stretch and the anchor is on the page already.
    stretch.text_end = stretch.claims[-1].end if stretch.claims else stretch.text_start
    stretch.following = anchor
    return article, stretch


def progress_counts(session: Session, article_id: int, user: User) -> tuple[int, int]:
    """Return (active claims of the article, those the user has marked done)."""
    total = session.scalar(
        select(func.count())
        .select_from(Claim)
        .where(Claim.article_id == article_id, Claim.state == "active")
    )
    done = session.scalar(
        select(func.count())
        .select_from(Claim)
        .join(Annotation, and_(Annotation.claim_id == Claim.id, Annotation.user_id == user.id))
        .where(Claim.article_id == article_id, Claim.state == "active", Annotation.status == DONE)
    )
    return total or 0, done or 0


def project_progress(session: Session, project: Project, user: User) -> tuple[int, int]:
    """Return (active claims of the project, those the user has marked done), in one
    pass over the project's claims (a big project has many); the project page and
    the annotate page both show these."""
    total, done = session.execute(
        select(func.count(Claim.id), func.count(Annotation.id))
        .select_from(Claim)
        .join(Article, Article.id == Claim.article_id)
        .outerjoin(
            Annotation,
            and_(
                Annotation.claim_id == Claim.id,
                Annotation.user_id == user.id,
                Annotation.status == DONE,
            ),
        )
        .where(Article.project_id == project.id, Claim.state == "active")
    ).one()
    return total or 0, done or 0


def next_article_open(
    session: Session, project: Project, user: User, article: Article
) -> Article | None:
    """The next article of ``project`` after ``article`` (by id, going round to the
    first) with an active claim the user has not marked done; None when none has."""

    def first(condition):
        article_id = session.scalar(
            select(Claim.article_id)
            .join(Article, Article.id == Claim.article_id)
            .where(
                Article.project_id == project.id,
                Claim.state == "active",
                condition,
                _not_done(user),
            )
            .order_by(Claim.article_id)
            .limit(1)
        )
        return session.get(Article, article_id) if article_id is not None else None

    return first(Claim.article_id > article.id) or first(Claim.article_id < article.id)


def article_speakers(session: Session, article: Article, user: User, limit: int = 30) -> list:
    """The registry speakers of ``article`` as the speaker picker lists them first: those
    its claims' suggestions name and those the user's annotations of it name, in the
    order they first appear in the text (at most ``limit``; merged ones as the speaker
    they were merged into)."""
    first_seen: dict[int, int] = {}
    suggested = session.execute(
        select(Suggestion.speaker_id, func.min(Claim.start))
        .join(Claim, Claim.id == Suggestion.claim_id)
        .where(
            Claim.article_id == article.id,
            Claim.state == "active",
            Suggestion.speaker_id.is_not(None),
        )
        .group_by(Suggestion.speaker_id)
    ).all()
    for column in (Annotation.speaker_id, Annotation.via_id):
        suggested += session.execute(
            select(column, func.min(Claim.start))
            .join(Claim, Claim.id == Annotation.claim_id)
            .where(
                Claim.article_id == article.id, Annotation.user_id == user.id, column.is_not(None)
            )
            .group_by(column)
        ).all()
    for speaker_id, start in suggested:
        first_seen[speaker_id] = min(start, first_seen.get(speaker_id, start))
    if not first_seen:
        return []
    speakers = session.scalars(select(Speaker).where(Speaker.id.in_(list(first_seen)))).all()
    found: dict[int, tuple[int, Speaker]] = {}
    for speaker in speakers:
        target = speaker
        if speaker.merged_into_id is not None:
            target = speaker_merged_into(session, speaker)
        start = first_seen[speaker.id]
        if target.id not in found or start < found[target.id][0]:
            found[target.id] = (start, target)
    ordered = sorted(found.values(), key=lambda pair: (pair[0], pair[1].name))
    return [speaker for _, speaker in ordered[:limit]]


def _claims_before(session: Session, article_id: int, start: int, limit: int) -> list[Claim]:
    """Up to ``limit`` + 1 active claims before the offset ``start``, in text order
    (the extra one, if there, only tells where the text shown begins)."""
    found = session.scalars(
        _active(article_id).where(Claim.start < start).order_by(Claim.start.desc()).limit(limit + 1)
    ).all()
    return list(reversed(found))


def _claims_after(session: Session, article_id: int, start: int, limit: int) -> list[Claim]:
    """Up to ``limit`` + 1 active claims after the offset ``start``, in text order
    (the extra one, if there, only tells that more follow)."""
    return list(
        session.scalars(
            _active(article_id).where(Claim.start > start).order_by(Claim.start).limit(limit + 1)
        )
    )


def _stretch(session, user, article, before, middle, after, limit) -> Stretch:
    """Make a stretch of ``before + middle + after`` (each read with one extra claim
    beyond ``limit`` where there is one), with the user's annotations and suggestions."""
    stretch = Stretch()
    if len(before) > limit:
        stretch.previous, before = before[0], before[1:]
        stretch.text_start = stretch.previous.end
    if len(after) > limit:
        stretch.following, after = after[limit], after[:limit]
    claims = before + middle + after
    stretch.claims = claims
    stretch.text_end = claims[-1].end if stretch.following and claims else len(article.text)
    ids = [c.id for c in claims]  # at most 2 * limit + 1: a bounded list
    stretch.mine = {
        a.claim_id: a
        for a in session.scalars(
            select(Annotation).where(Annotation.user_id == user.id, Annotation.claim_id.in_(ids))
        )
    }
    for suggestion in session.scalars(select(Suggestion).where(Suggestion.claim_id.in_(ids))):
        stretch.suggestions.setdefault(suggestion.claim_id, {})[suggestion.field] = suggestion
    return stretch


def _next_unannotated(session: Session, article_id: int, user: User, selected: Claim):
    """The next active claim after ``selected`` the user has not annotated, going
    round to the article's start; None when there is none but ``selected``."""
    query = _active(article_id).where(_not_done(user), Claim.id != selected.id)
    return session.scalar(
        query.where(Claim.start > selected.start).order_by(Claim.start).limit(1)
    ) or session.scalar(query.where(Claim.start < selected.start).order_by(Claim.start).limit(1))


def evidence_marks(values) -> list[Mark]:
    """Return the evidence of the suggestions ``values``, each piece once, in text order."""
    seen: dict[tuple[str, int, int], Mark] = {}
    for value in values:
        for mark in value.evidence:
            seen.setdefault((mark.role, mark.start, mark.end), mark)
    return sorted(seen.values(), key=lambda m: (m.start, m.end, m.role))


def claim_marks(session: Session, article: Article, claim_id: int) -> list[Mark]:
    """Return the evidence of the suggestions of the claim ``claim_id`` of ``article``
    (for the stretches of text the page loads while the claim is open); raises
    NotFound for a claim of another article."""
    claim = session.get(Claim, claim_id)
    if claim is None or claim.article_id != article.id:
        raise NotFound("No such claim in this article.")
    return evidence_marks(claim_suggestions(session, claim).values())


def claim_suggestions(session: Session, claim: Claim) -> dict[str, SuggestedValue]:
    """Return the suggestions of ``claim`` (any state) as the page shows them (see
    ``suggested_values``), for the JSON API."""
    article = session.get(Article, claim.article_id)
    project = session.get(Project, article.project_id)
    rows = session.scalars(select(Suggestion).where(Suggestion.claim_id == claim.id))
    return suggested_values(session, project, article, {s.field: s for s in rows})


# The order suggestions are shown in (workbench.suggest.model.FIELDS), then any other.
_FIELD_ORDER = ("speaker", "speaker_type", "via", "attribution", "verifiability")


def suggested_values(
    session: Session, project: Project, article: Article, suggestions: dict[str, Suggestion]
) -> dict[str, SuggestedValue]:
    """Return a claim's suggestions (``{field: Suggestion}``) as the page shows them:
    evidence checked against the article's text, suggested speakers looked up in the
    registry. A suggestion with an empty value is left out."""
    order = {name: i for i, name in enumerate(_FIELD_ORDER)}
    out: dict[str, SuggestedValue] = {}
    for name in sorted(suggestions, key=lambda n: (order.get(n, len(order)), n)):
        suggestion = suggestions[name]
        if not suggestion.value:
            continue
        evidence = suggestion.evidence if isinstance(suggestion.evidence, dict) else {}
        value = SuggestedValue(
            field=name,
            value=suggestion.value,
            confidence=float(suggestion.confidence or 0.0),
            reason=suggestion.reason or "",
            rule=_text(evidence.get("rule") or suggestion.source),
            continuation=evidence.get("continuation") is True,
            evidence=_marks(article.text, name, evidence),
            speaker=_speaker_guess(evidence.get("speaker")),
        )
        if name in ("speaker", "via"):
            value.registry_speaker = registry_speaker_for(
                session, project, suggestion.speaker_id, value.value
            )
        out[name] = value
    return out


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _marks(text: str, field_name: str, evidence: dict[str, Any]) -> list[Mark]:
    """The evidence items that point at text in the article: ``[role, start, end]``,
    or ``{"role", "start", "end", "text"}`` as older rows have them (one
    whose text is no longer there is left out, never shown misplaced)."""
    items = evidence.get("items")
    marks: list[Mark] = []
    for item in items if isinstance(items, list) else []:
        shown = None
        if isinstance(item, list) and len(item) == 3:
            role, start, end = item
        elif isinstance(item, dict):
            role, start, end = item.get("role"), item.get("start"), item.get("end")
            shown = item.get("text")
        else:
            continue
        if type(start) is not int or type(end) is not int or not 0 <= start < end <= len(text):
            continue
        if isinstance(shown, str) and shown != text[start:end]:
            continue
        role = role if role in EVIDENCE_ROLES else "other"
        marks.append(Mark(role, start, end, text[start:end], field_name))
    return marks


def _speaker_guess(guess: Any) -> dict[str, Any]:
    """What the suggester knows of a speaker, cleaned: name, type, title, aliases."""
    if not isinstance(guess, dict):
        return {}
    aliases = guess.get("aliases")
    kind = guess.get("type")
    return {
        "name": _text(guess.get("name")),
        "type": kind if kind in SPEAKER_TYPES else "",
        "title": _text(guess.get("title")),
        "aliases": [a for a in aliases if isinstance(a, str) and a.strip()]
        if isinstance(aliases, list)
        else [],
    }
