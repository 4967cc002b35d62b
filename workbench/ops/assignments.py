"""Who annotates which article: assigning by hand or k per article, handing work
over, the annotator's queue, and the project's assignment and blind modes.

The plans are pure (workbench/review/assignment.py); these operations read the
counts, store the pairs and record each change in the project's history. None
of them commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import and_, case, delete, exists, func, insert, select, true
from sqlalchemy.orm import Session

from workbench.db import MAX_INT
from workbench.errors import InvalidInput, NotFound
from workbench.models import (
    Annotation,
    Article,
    Assignment,
    Claim,
    Membership,
    Project,
    User,
    utcnow,
)
from workbench.ops.projects import record_project_change
from workbench.pagination import Page, page_of
from workbench.permissions import ANNOTATOR, MANAGER, ArticleGrant
from workbench.review import assignment as plans

DONE = "submitted"
# Who may be given articles: those who annotate.
ASSIGNABLE_ROLES = (ANNOTATOR, MANAGER)
# Rows per INSERT when storing a plan (SQLite allows 32,766 parameters a statement).
_BATCH = 5000


def article_grant(session: Session, project_id: int, user_id: int, article_id: int) -> ArticleGrant:
    """Return what the permission check needs of an article for the user: whether its
    project assigns work and whether the article is assigned to the user (one query).
    Raises NotFound for an article that is not the project's."""
    row = session.execute(
        select(
            Project.assigned_only,
            exists().where(Assignment.article_id == article_id, Assignment.user_id == user_id),
        )
        .join(Article, Article.project_id == Project.id)
        .where(Project.id == project_id, Article.id == article_id)
    ).first()
    if row is None:
        raise NotFound("No such article in this project.")
    return ArticleGrant(assigned_only=bool(row[0]), assigned=bool(row[1]))


def _lock(session: Session, project: Project) -> None:
    """Take the project's row FOR NO KEY UPDATE (PostgreSQL; SQLite writes one
    transaction at a time anyway): two assignment changes of a project take turns, so
    the second plans from what the first stored (no duplicate pair, no lost balance),
    while annotators' saves, which hold the row FOR KEY SHARE, go on."""
    session.execute(
        select(Project.id).where(Project.id == project.id).with_for_update(key_share=True)
    )


def _annotators(session: Session, project: Project, usernames_or_ids: Iterable) -> list[User]:
    """Return the named members who may be given articles, in the order given; raises
    InvalidInput naming any that is unknown, not a member or not an annotator."""
    wanted = list(dict.fromkeys(usernames_or_ids))
    if not wanted:
        raise InvalidInput("Choose at least one annotator.", field="annotators")
    by_id = all(isinstance(w, int) for w in wanted)
    column = User.id if by_id else User.username
    rows = session.execute(
        select(User, Membership.role)
        .join(Membership, and_(Membership.user_id == User.id, Membership.project_id == project.id))
        .where(column.in_(wanted))
    ).all()
    found = {(user.id if by_id else user.username): (user, role) for user, role in rows}
    missing = [str(w) for w in wanted if w not in found]
    if missing:
        raise InvalidInput(
            f"Not a member of this project: {', '.join(missing)}.", field="annotators"
        )
    wrong = [found[w][0].username for w in wanted if found[w][1] not in ASSIGNABLE_ROLES]
    if wrong:
        raise InvalidInput(
            f"Only annotators and managers are given articles, not {', '.join(wrong)}.",
            field="annotators",
        )
    return [found[w][0] for w in wanted]


def _current(session: Session, project: Project) -> dict[int, set[int]]:
    """Every article of the project with assignments -> its annotators' ids."""
    have: dict[int, set[int]] = {}
    for article_id, user_id in session.execute(
        select(Assignment.article_id, Assignment.user_id).where(Assignment.project_id == project.id)
    ):
        have.setdefault(article_id, set()).add(user_id)
    return have


def _store(session: Session, project: Project, pairs: Sequence[tuple[int, int]], by) -> None:
    now = utcnow()
    rows = [
        {
            "project_id": project.id,
            "article_id": article_id,
            "user_id": user_id,
            "assigned_by_id": by.id if by is not None else None,
            "assigned_at": now,
        }
        for article_id, user_id in pairs
    ]
    for start in range(0, len(rows), _BATCH):
        session.execute(insert(Assignment), rows[start : start + _BATCH])


def _turn_on(session: Session, project: Project, by) -> bool:
    """Make the project hand out work by assignment, recorded; return whether it was off."""
    if project.assigned_only:
        return False
    project.assigned_only = True
    record_project_change(
        session, project, "assignment-mode", by, {"assigned_only": False}, {"assigned_only": True}
    )
    return True


@dataclass
class AssignReport:
    """What an assignment did: the pairs added (per annotator), the articles that
    already had them, those that could not be filled, and whether the project began
    to hand out work by assignment."""

    added: int = 0
    per_annotator: dict[str, int] = field(default_factory=dict)
    already: int = 0
    short: int = 0
    mode_turned_on: bool = False

    def summary(self) -> str:
        if not self.added:
            text = "Nothing was assigned"
            text += ": each had its annotators already." if self.already else "."
        else:
            each = ", ".join(f"{name} {n}" for name, n in sorted(self.per_annotator.items()))
            text = (
                f"Made {self.added} {'assignment' if self.added == 1 else 'assignments'}: {each}."
            )
        if self.short:
            text += f" {self.short} article(s) could not get enough annotators."
        if self.mode_turned_on:
            text += " Annotators now annotate only the articles assigned to them."
        return text


def _project_article_ids(session: Session, project: Project, ids: Iterable[int] | None):
    query = select(Article.id).where(Article.project_id == project.id).order_by(Article.id)
    if ids is None:
        return list(session.scalars(query))
    wanted = list(dict.fromkeys(ids))
    # An id beyond what the column holds names no article (and would fail the query).
    storable = [i for i in wanted if 0 < i <= MAX_INT]
    found = set(session.scalars(query.where(Article.id.in_(storable)))) if storable else set()
    missing = [str(i) for i in wanted if i not in found]
    if missing:
        raise NotFound(f"No such article in this project: {', '.join(missing[:10])}.")
    return wanted


def assign(
    session: Session,
    project: Project,
    article_ids: Iterable[int],
    annotators: Iterable,
    *,
    by: User | None = None,
) -> AssignReport:
    """Assign each of ``article_ids`` to each of ``annotators`` (usernames or ids of
    members who annotate), skipping pairs that exist; turns the project's assignment
    mode on. Raises NotFound (an article of another project) or InvalidInput."""
    _lock(session, project)
    users = _annotators(session, project, annotators)
    articles = _project_article_ids(session, project, article_ids)
    if not articles:
        raise InvalidInput("Choose at least one article.", field="articles")
    have = _current(session, project)
    pairs = [(a, u.id) for a in articles for u in users if u.id not in have.get(a, set())]
    return _apply(session, project, pairs, users, len(articles) * len(users) - len(pairs), 0, by)


def assign_k(
    session: Session,
    project: Project,
    annotators: Iterable,
    k: int,
    *,
    article_ids: Iterable[int] | None = None,
    by: User | None = None,
) -> AssignReport:
    """Give every article of the project (or of ``article_ids``) ``k`` annotators,
    balanced across ``annotators`` (see review.assignment.k_per_article): an article
    that has annotators keeps them, and a second run after new imports assigns only
    the new articles. Turns the project's assignment mode on."""
    _lock(session, project)
    users = _annotators(session, project, annotators)
    articles = _project_article_ids(session, project, article_ids)
    have = _current(session, project)
    plan = plans.k_per_article(articles, [u.id for u in users], k, assigned=have)
    filled = {a for a, _ in plan.pairs} | set(plan.short)
    return _apply(
        session,
        project,
        plan.pairs,
        users,
        len([a for a in articles if a not in filled]),
        len(plan.short),
        by,
        extra={"k": k},
    )


def _apply(session, project, pairs, users, already, short, by, extra=None) -> AssignReport:
    report = AssignReport(already=already, short=short)
    if not pairs:
        return report
    _store(session, project, pairs, by)
    names = {u.id: u.username for u in users}
    for _, user_id in pairs:
        name = names[user_id]
        report.per_annotator[name] = report.per_annotator.get(name, 0) + 1
    report.added = len(pairs)
    record_project_change(
        session,
        project,
        "assign",
        by,
        None,
        {
            "assigned": report.added,
            "annotators": dict(sorted(report.per_annotator.items())),
            **(extra or {}),
        },
    )
    report.mode_turned_on = _turn_on(session, project, by)
    session.flush()
    return report


def unassign(
    session: Session, project: Project, article_id: int, username: str, *, by: User | None = None
) -> None:
    """Take the article from the annotator; their annotations stay. Raises NotFound."""
    _lock(session, project)
    user = session.scalar(select(User).where(User.username == username))
    deleted = (
        user is not None
        and session.execute(
            delete(Assignment).where(
                Assignment.project_id == project.id,
                Assignment.article_id == article_id,
                Assignment.user_id == user.id,
            )
        ).rowcount
    )
    if not deleted:
        raise NotFound(f"Article {article_id} is not assigned to {username}.")
    record_project_change(
        session, project, "unassign", by, {"article_id": article_id, "annotator": username}, None
    )
    session.flush()


def _started(user_id: int):
    """Whether the user has an annotation (draft or done) in the assignment's article."""
    return (
        select(Annotation.id)
        .join(Claim, Claim.id == Annotation.claim_id)
        .where(Claim.article_id == Assignment.article_id, Annotation.user_id == user_id)
        .exists()
    )


def unstarted_articles(session: Session, project: Project, user: User) -> list[int]:
    """The articles assigned to the user in which they have annotated nothing yet."""
    return list(
        session.scalars(
            select(Assignment.article_id)
            .where(
                Assignment.project_id == project.id,
                Assignment.user_id == user.id,
                ~_started(user.id),
            )
            .order_by(Assignment.article_id)
        )
    )


def hand_over(
    session: Session,
    project: Project,
    from_user: User,
    to: Iterable,
    *,
    by: User | None = None,
) -> AssignReport:
    """Hand the user's unstarted articles to the annotators ``to``, balanced (see
    review.assignment.hand_over); the articles they started stay theirs. Returns
    what was assigned (``short``: articles none of ``to`` could take, which stay)."""
    _lock(session, project)
    users = [u for u in _annotators(session, project, to) if u.id != from_user.id]
    if not users:
        raise InvalidInput("Choose someone else to hand the articles to.", field="to")
    articles = unstarted_articles(session, project, from_user)
    have = _current(session, project)
    for article in articles:
        have[article].discard(from_user.id)
    plan = plans.hand_over(articles, [u.id for u in users], assigned=have)
    moved = [a for a, _ in plan.pairs]
    for start in range(0, len(moved), _BATCH):
        session.execute(
            delete(Assignment).where(
                Assignment.project_id == project.id,
                Assignment.user_id == from_user.id,
                Assignment.article_id.in_(moved[start : start + _BATCH]),
            )
        )
    report = _apply(
        session,
        project,
        plan.pairs,
        users,
        0,
        len(plan.short),
        by,
        extra={"from": from_user.username},
    )
    return report


def set_modes(
    session: Session,
    project: Project,
    *,
    assigned_only: bool | None = None,
    blind: bool | None = None,
    by: User | None = None,
) -> list[str]:
    """Change whether annotators annotate only their assigned articles and whether
    they code blind; each change recorded. Returns what changed, in words."""
    _lock(session, project)
    session.refresh(project, ["assigned_only", "blind"])
    said = []
    if assigned_only is not None and assigned_only != project.assigned_only:
        record_project_change(
            session,
            project,
            "assignment-mode",
            by,
            {"assigned_only": project.assigned_only},
            {"assigned_only": assigned_only},
        )
        project.assigned_only = assigned_only
        said.append(
            "Annotators now annotate only the articles assigned to them."
            if assigned_only
            else "Annotators may now annotate any article."
        )
    if blind is not None and blind != project.blind:
        record_project_change(
            session, project, "blind-mode", by, {"blind": project.blind}, {"blind": blind}
        )
        project.blind = blind
        said.append(
            "Blind mode is on: annotators see only their own annotations."
            if blind
            else "Blind mode is off: annotators may see each other's annotations "
            "in a claim's history."
        )
    session.flush()
    return said


@dataclass(frozen=True, slots=True)
class QueueItem:
    """An assigned article and the annotator's progress in it."""

    article_id: int
    title: str
    claims: int
    done: int
    draft: int

    @property
    def state(self) -> str:
        if self.claims and self.done >= self.claims:
            return "done"
        return "started" if self.done or self.draft else "not started"


def claim_counts(session: Session, article_ids: list[int], user_ids: list[int] | None = None):
    """The given articles' active claims (article -> count), and each annotator's done
    and draft annotations of them ((article, user) -> (done, draft)); ``user_ids``
    None: every annotator's. The progress of a page of articles (assignment page,
    dashboard)."""
    claims = dict(
        session.execute(
            select(Claim.article_id, func.count())
            .where(Claim.article_id.in_(article_ids), Claim.state == "active")
            .group_by(Claim.article_id)
        ).all()
    )
    marks: dict[tuple[int, int], tuple[int, int]] = {}
    for article_id, user_id, done, draft in session.execute(
        select(
            Claim.article_id,
            Annotation.user_id,
            func.count(case((Annotation.status == DONE, 1))),
            func.count(case((Annotation.status != DONE, 1))),
        )
        .join(Annotation, Annotation.claim_id == Claim.id)
        .where(
            Claim.article_id.in_(article_ids),
            Claim.state == "active",
            Annotation.user_id.in_(user_ids) if user_ids is not None else true(),
        )
        .group_by(Claim.article_id, Annotation.user_id)
    ):
        marks[(article_id, user_id)] = (done, draft)
    return claims, marks


def _queue_rows(project: Project, user: User):
    """Each article assigned to the user in the project, with its active claims and the
    user's done and draft annotations of them: one pass from the user's assignments
    through the claims' and annotations' indexes, grouped by article."""
    n = func.count(Claim.id)
    done = func.count(case((Annotation.status == DONE, 1)))
    per_article = (
        select(
            Assignment.article_id.label("id"),
            n.label("claims"),
            done.label("done"),
            func.count(case((Annotation.status != DONE, 1))).label("draft"),
        )
        .select_from(Assignment)
        .outerjoin(Claim, and_(Claim.article_id == Assignment.article_id, Claim.state == "active"))
        .outerjoin(Annotation, and_(Annotation.claim_id == Claim.id, Annotation.user_id == user.id))
        .where(Assignment.project_id == project.id, Assignment.user_id == user.id)
        .group_by(Assignment.article_id)
        .subquery()
    )
    finished = and_(per_article.c.claims > 0, per_article.c.done >= per_article.c.claims)
    return per_article, finished


def queue(
    session: Session, project: Project, user: User, *, limit: int | None = 200
) -> tuple[list[QueueItem], int, int]:
    """The user's assigned articles of the project with their progress, unfinished
    first, then by id (at most ``limit``; None: all), how many are assigned in all and
    how many the user finished. Three aggregate statements, whatever the queue's size."""
    rows, finished = _queue_rows(project, user)
    # The totals ride along on every row (window aggregates, taken before the LIMIT):
    # one pass over the queue, whatever its size.
    done_flag = case((finished, 1), else_=0)
    ordered = (
        select(
            rows,
            Article.title,
            func.count().over().label("total"),
            func.sum(done_flag).over().label("finished"),
        )
        .join(Article, Article.id == rows.c.id)
        .order_by(done_flag, rows.c.id)
    )
    if limit is not None:
        ordered = ordered.limit(limit)
    found = session.execute(ordered).all()
    items = [QueueItem(r.id, r.title, r.claims, r.done, r.draft) for r in found]
    totals = (found[0].total, found[0].finished) if found else (0, 0)
    return items, totals[0] or 0, totals[1] or 0


@dataclass(frozen=True)
class AssigneeProgress:
    username: str
    done: int
    draft: int


@dataclass(frozen=True)
class ArticleAssignments:
    article_id: int
    title: str
    claims: int
    assignees: list[AssigneeProgress]


def article_page(session: Session, project: Project, *, page: int | None, size: int):
    """Page ``page`` (from 1) of the project's articles by id, as (id, title) rows, and
    its Page; raises NotFound for a page after the last."""
    total = session.scalar(select(func.count()).where(Article.project_id == project.id)) or 0
    current = page_of(page, size, total)
    rows = session.execute(
        select(Article.id, Article.title)
        .where(Article.project_id == project.id)
        .order_by(Article.id)
        .offset(current.offset)
        .limit(current.size)
    ).all()
    return current, rows


def assignment_page(
    session: Session, project: Project, *, page: int | None = None, size: int = 100
) -> tuple[Page, list[ArticleAssignments]]:
    """Page ``page`` (from 1) of the project's articles (by id) with their annotators
    and each one's progress. Raises NotFound for a page after the last."""
    current, rows = article_page(session, project, page=page, size=size)
    ids = [r.id for r in rows]
    assigned: dict[int, list[tuple[int, str]]] = {}
    for article_id, user_id, username in session.execute(
        select(Assignment.article_id, User.id, User.username)
        .join(User, User.id == Assignment.user_id)
        .where(Assignment.article_id.in_(ids))
        .order_by(User.username)
    ):
        assigned.setdefault(article_id, []).append((user_id, username))
    users = sorted({u for people in assigned.values() for u, _ in people})
    claims, marks = claim_counts(session, ids, users) if ids else ({}, {})
    page = [
        ArticleAssignments(
            r.id,
            r.title,
            claims.get(r.id, 0),
            [
                AssigneeProgress(name, *marks.get((r.id, uid), (0, 0)))
                for uid, name in assigned.get(r.id, [])
            ],
        )
        for r in rows
    ]
    return current, page


def assignment_counts(session: Session, project: Project) -> dict[str, int]:
    """Each annotating member's number of assigned articles, by username (0 for none);
    counted on the assignments' index alone."""
    counts = dict(
        session.execute(
            select(Assignment.user_id, func.count())
            .where(Assignment.project_id == project.id)
            .group_by(Assignment.user_id)
        ).all()
    )
    names = session.execute(
        select(User.id, User.username)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.project_id == project.id, Membership.role.in_(ASSIGNABLE_ROLES))
    ).all()
    return {name: counts.get(user_id, 0) for user_id, name in sorted(names, key=lambda r: r[1])}


def drop_assignments(
    session: Session, project: Project, user: User, *, unstarted_only: bool
) -> int:
    """Delete the user's assignments in the project (only the unstarted ones, if
    asked); return how many. Their annotations stay."""
    query = delete(Assignment).where(
        Assignment.project_id == project.id, Assignment.user_id == user.id
    )
    if unstarted_only:
        query = query.where(~_started(user.id))
    count = session.execute(query).rowcount or 0
    session.flush()
    return count


@dataclass(frozen=True)
class ProjectQueue:
    """A project's articles assigned to the user (the first ``shown`` unfinished ones
    first), how many are assigned and how many the user has finished."""

    project: Project
    items: list[QueueItem]
    assigned: int
    finished: int


def queues_for(session: Session, user: User, *, shown: int = 20) -> list[ProjectQueue]:
    """The user's queue in each project that assigns them articles (the home page)."""
    projects = list(
        session.scalars(
            select(Project)
            .where(
                Project.id.in_(select(Assignment.project_id).where(Assignment.user_id == user.id))
            )
            .order_by(Project.name)
        )
    )
    out = []
    for project in projects:
        items, total, finished = queue(session, project, user, limit=shown)
        out.append(ProjectQueue(project, items, total, finished))
    return out
