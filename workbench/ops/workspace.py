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
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import Session

from workbench.errors import NotFound
from workbench.fields import SPEAKER, of_kind
from workbench.models import Annotation, Article, Claim, Project, Speaker, Suggestion, User
from workbench.ops.annotations import annotation_record, get_annotation
from workbench.ops.claims import claim_merged_into
from workbench.ops.speakers import registry, speaker_count

WINDOW = 40  # claims shown in full before and after the selected one
STRETCH = 60  # claims a scroll loads at once
# A registry up to this size is offered whole in the form's speaker lists; a bigger
# one only with the speakers of the open annotation, and the annotator types a name
# or an alias instead (the save finds the registry's speaker it names).
SPEAKER_CHOICES = 300


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

    def pieces(self, text: str) -> list[tuple[str, Claim | None]]:
        """Return the text shown as (text, claim) pieces: the text before each claim
        (claim None), each claim's own text, and the text after the last claim."""
        out: list[tuple[str, Claim | None]] = []
        pos = self.text_start
        for claim in self.claims:
            out.append((text[pos : claim.start], None))
            out.append((text[claim.start : claim.end], claim))
            pos = claim.end
        out.append((text[pos : self.text_end], None))
        return [(piece, claim) for piece, claim in out if piece or claim is not None]


@dataclass(slots=True)
class Workspace:
    """What the annotate page shows.

    ``merged_into_id`` is set (and nothing else read) when the claim asked for was
    merged into another one of the article: the caller sends the user there.
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
            },
            "speakers": [{"id": s.id, "name": s.name, "type": s.type} for s in self.speakers],
        }


def _active(article_id: int):
    return select(Claim).where(Claim.article_id == article_id, Claim.state == "active")


def _not_mine(user: User):
    """Active claims the user has not annotated (a correlated NOT EXISTS)."""
    return ~exists().where(Annotation.claim_id == Claim.id, Annotation.user_id == user.id)


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
            _active(article.id).where(_not_mine(user)).order_by(Claim.start).limit(1)
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
    """Return (active claims of the article, those the user has annotated)."""
    total = session.scalar(
        select(func.count())
        .select_from(Claim)
        .where(Claim.article_id == article_id, Claim.state == "active")
    )
    done = session.scalar(
        select(func.count())
        .select_from(Claim)
        .join(Annotation, and_(Annotation.claim_id == Claim.id, Annotation.user_id == user.id))
        .where(Claim.article_id == article_id, Claim.state == "active")
    )
    return total or 0, done or 0


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
    query = _active(article_id).where(_not_mine(user), Claim.id != selected.id)
    return session.scalar(
        query.where(Claim.start > selected.start).order_by(Claim.start).limit(1)
    ) or session.scalar(query.where(Claim.start < selected.start).order_by(Claim.start).limit(1))
