"""The progress dashboard's numbers: claims done, draft and not started per
annotator and per article, each annotator's last activity, and how often each
field's suggestion was kept unchanged. Counts only, never anyone's labels (a
viewer sees them). Every figure is one aggregate query over the project.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Text, and_, case, cast, func, literal, select
from sqlalchemy.orm import Session

from workbench.fields import FIELDS
from workbench.models import (
    Annotation,
    Article,
    Assignment,
    Claim,
    Membership,
    Project,
    Suggestion,
    User,
    utcnow,
)
from workbench.ops.assignments import article_page, claim_counts
from workbench.pagination import Page
from workbench.permissions import ANNOTATOR, MANAGER

DONE = "submitted"
SUGGESTED_FIELDS = tuple(f.name for f in FIELDS if f.suggested)


@dataclass
class AnnotatorProgress:
    """One annotator's claims: ``expected`` is the claims they are to annotate (those
    of their assigned articles when the project assigns work, else every claim)."""

    username: str
    role: str
    expected: int = 0
    done: int = 0
    draft: int = 0
    last_active: datetime | None = None
    # field -> (kept unchanged, done annotations of claims with that suggestion)
    kept: dict[str, tuple[int, int]] = field(default_factory=dict)

    @property
    def not_started(self) -> int:
        return max(0, self.expected - self.done - self.draft)


@dataclass(frozen=True)
class ArticleRow:
    article_id: int
    title: str
    claims: int
    annotators: int  # assigned (when the project assigns work) or who annotated
    done: int  # done annotations, all annotators
    draft: int
    finished: int  # annotators who marked every claim done


@dataclass
class Dashboard:
    project: Project
    claims: int
    articles: int
    annotators: list[AnnotatorProgress]
    # field -> (kept unchanged, out of), all annotators
    kept: dict[str, tuple[int, int]]
    now: datetime


def _in_project(query, project: Project, claim_id):
    """``query`` joined to the active claims of the project's articles by ``claim_id``."""
    return (
        query.join(Claim, and_(Claim.id == claim_id, Claim.state == "active"))
        .join(Article, Article.id == Claim.article_id)
        .where(Article.project_id == project.id)
    )


def dashboard(session: Session, project: Project) -> Dashboard:
    """The project's totals and each annotating member's progress."""
    claim_total = (
        session.scalar(
            select(func.count(Claim.id))
            .join(Article, Article.id == Claim.article_id)
            .where(Article.project_id == project.id, Claim.state == "active")
        )
        or 0
    )
    article_total = (
        session.scalar(select(func.count()).where(Article.project_id == project.id)) or 0
    )
    people: dict[int, AnnotatorProgress] = {}
    for user_id, username, role in session.execute(
        select(User.id, User.username, Membership.role)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.project_id == project.id, Membership.role.in_((ANNOTATOR, MANAGER)))
        .order_by(User.username)
    ):
        people[user_id] = AnnotatorProgress(username, role, claim_total)
    # Anyone else who annotated (a member since removed, an imported coder).
    marks = session.execute(
        _in_project(
            select(
                Annotation.user_id,
                func.count(case((Annotation.status == DONE, 1))),
                func.count(case((Annotation.status != DONE, 1))),
                func.max(Annotation.updated_at),
            ),
            project,
            Annotation.claim_id,
        ).group_by(Annotation.user_id)
    ).all()
    missing = [m[0] for m in marks if m[0] not in people]
    if missing:
        for user_id, username in session.execute(
            select(User.id, User.username).where(User.id.in_(missing))
        ):
            people[user_id] = AnnotatorProgress(username, "former member", claim_total)
    for user_id, done, draft, last in marks:
        person = people[user_id]
        person.done, person.draft, person.last_active = done, draft, last
    if project.assigned_only:
        expected = dict(
            session.execute(
                select(Assignment.user_id, func.count(Claim.id))
                .join(
                    Claim,
                    and_(Claim.article_id == Assignment.article_id, Claim.state == "active"),
                )
                .where(Assignment.project_id == project.id)
                .group_by(Assignment.user_id)
            ).all()
        )
        for user_id, person in people.items():
            person.expected = expected.get(user_id, 0)
    kept_all: dict[str, list[int]] = {name: [0, 0] for name in SUGGESTED_FIELDS}
    named = literal('%"') + Suggestion.field + literal('"%')
    for user_id, name, kept, out_of in session.execute(
        _in_project(
            select(
                Annotation.user_id,
                Suggestion.field,
                func.count(case((cast(Annotation.from_suggestion, Text).like(named), 1))),
                func.count(),
            ).join(Suggestion, Suggestion.claim_id == Annotation.claim_id),
            project,
            Annotation.claim_id,
        )
        .where(Annotation.status == DONE, Suggestion.field.in_(SUGGESTED_FIELDS))
        .group_by(Annotation.user_id, Suggestion.field)
    ):
        people[user_id].kept[name] = (kept, out_of)
        kept_all[name][0] += kept
        kept_all[name][1] += out_of
    return Dashboard(
        project=project,
        claims=claim_total,
        articles=article_total,
        annotators=list(people.values()),
        kept={name: (k, n) for name, (k, n) in kept_all.items()},
        now=utcnow(),
    )


def article_rows(
    session: Session, project: Project, *, page: int | None = None, size: int = 100
) -> tuple[Page, list[ArticleRow]]:
    """Page ``page`` of the project's articles with their claims, annotators and
    done and draft annotations (raises NotFound for a page after the last)."""
    current, rows = article_page(session, project, page=page, size=size)
    ids = [r.id for r in rows]
    claims, marks = claim_counts(session, ids) if ids else ({}, {})
    assigned: dict[int, int] = {}
    if project.assigned_only:
        assigned = dict(
            session.execute(
                select(Assignment.article_id, func.count())
                .where(Assignment.article_id.in_(ids))
                .group_by(Assignment.article_id)
            ).all()
        )
    done: dict[int, int] = {}
    draft: dict[int, int] = {}
    coders: dict[int, int] = {}
    finished: dict[int, int] = {}
    for (article_id, _), (d, dr) in marks.items():
        done[article_id] = done.get(article_id, 0) + d
        draft[article_id] = draft.get(article_id, 0) + dr
        coders[article_id] = coders.get(article_id, 0) + 1
        if claims.get(article_id) and d >= claims[article_id]:
            finished[article_id] = finished.get(article_id, 0) + 1
    return current, [
        ArticleRow(
            r.id,
            r.title,
            claims.get(r.id, 0),
            assigned.get(r.id, 0) if project.assigned_only else coders.get(r.id, 0),
            done.get(r.id, 0),
            draft.get(r.id, 0),
            finished.get(r.id, 0),
        )
        for r in rows
    ]
