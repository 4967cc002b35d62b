"""Importing articles into a project and splitting them into claims."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from sqlalchemy import and_, func, insert, select
from sqlalchemy.orm import Session, load_only

from workbench.db import unique_or_conflict
from workbench.errors import NotFound
from workbench.importing import (
    ArticleDraft,
    ImportItem,
    Rejection,
    content_hash,
    normalize_text,
)
from workbench.models import Annotation, Article, Claim, Project, Suggestion, User
from workbench.pagination import Page, page_of
from workbench.text.splitter import split_text


@dataclass(frozen=True, slots=True)
class ItemResult:
    source: str
    status: str  # "imported", "duplicate" or "rejected"
    reason: str = ""
    article_id: int | None = None
    title: str = ""
    claims: int = 0


@dataclass(frozen=True, slots=True)
class ImportReport:
    results: tuple[ItemResult, ...]

    def count(self, status: str) -> int:
        return sum(1 for r in self.results if r.status == status)

    @property
    def imported(self) -> int:
        return self.count("imported")

    @property
    def duplicates(self) -> int:
        return self.count("duplicate")

    @property
    def rejected(self) -> int:
        return self.count("rejected")


IMPORT_BATCH = 200
# The lengths of the article columns that are VARCHAR (PostgreSQL enforces them).
FIELD_LIMITS = {"outlet": 300, "author": 300, "published": 100, "language": 20}


def _too_long_field(draft: ArticleDraft) -> str:
    """Return a rejection reason when a metadata field is longer than its column, else ""."""
    for name, limit in FIELD_LIMITS.items():
        value = getattr(draft, name)
        if len(value) > limit:
            return f"the {name!r} value has {len(value)} characters; at most {limit} are allowed"
    return ""


def import_items(
    session: Session, project: Project, items: Iterable[ImportItem], *, user: User | None
) -> ImportReport:
    """Store every draft as an article split into claims; report each item's fate.

    A draft's text is stored normalised (``normalize_text``); a draft whose text
    the project already has (or that came earlier in the same batch) is skipped
    as a duplicate, one with no text is rejected. Rejections pass through to the report.
    Articles are inserted in batches of ``IMPORT_BATCH``. The caller commits once,
    so the whole import lands or none of it does.
    """
    results: list[ItemResult | None] = []
    pending: list[tuple[int, ArticleDraft, str]] = []
    known = set(
        session.scalars(select(Article.content_hash).where(Article.project_id == project.id))
    )
    for item in items:
        if isinstance(item, Rejection):
            results.append(ItemResult(source=item.source, status="rejected", reason=item.reason))
            continue
        text = normalize_text(item.text)
        if not text:
            results.append(
                ItemResult(source=item.source, status="rejected", reason="the text is empty")
            )
            continue
        if text != item.text:
            # Offsets point into the stored text, which is always the normalised one.
            item = replace(item, text=text)
        too_long = _too_long_field(item)
        if too_long:
            results.append(ItemResult(source=item.source, status="rejected", reason=too_long))
            continue
        digest = content_hash(text)
        if digest in known:
            results.append(
                ItemResult(
                    source=item.source,
                    status="duplicate",
                    reason="the project already has an article with the same text",
                    title=item.title,
                )
            )
            continue
        known.add(digest)
        results.append(None)  # filled in when its batch is stored
        pending.append((len(results) - 1, item, digest))
        if len(pending) >= IMPORT_BATCH:
            _fill(results, _store_batch(session, project, pending, user=user))
            pending = []
    if pending:
        _fill(results, _store_batch(session, project, pending, user=user))
    return ImportReport(tuple(r for r in results if r is not None))


def _store_batch(session, project, pending, *, user):
    # On PostgreSQL another import of the same text can land between our duplicate
    # check and our insert; its unique (project, content hash) then refuses ours.
    with unique_or_conflict(
        session,
        "Another import of some of these articles finished at the same moment; nothing "
        "was imported. Import again: the articles it stored will be reported as duplicates.",
    ):
        return store_articles(session, project, pending, user=user)


def _fill(results: list[ItemResult | None], stored: list[tuple[int, ItemResult]]) -> None:
    for index, result in stored:
        results[index] = result


def store_articles(
    session: Session,
    project: Project,
    pending: list[tuple[int, ArticleDraft, str]],
    *,
    user: User | None,
) -> list[tuple[int, ItemResult]]:
    """Insert drafts (with their report index and content hash) as articles split into
    claims, with the splitter's suggestions; return each index with its result.

    Three bulk statements per batch (articles, claims, suggestions) instead of a
    flush per article: importing is bound by the database round trips.
    """
    splits = [split_text(draft.text) for _, draft, _ in pending]
    article_rows = [
        {
            "project_id": project.id,
            "title": draft.title or _fallback_title(draft),
            "outlet": draft.outlet,
            "author": draft.author,
            "url": draft.url,
            "published": draft.published,
            "language": draft.language,
            "dateline": (split.dateline or "")[:200],
            "text": draft.text,
            "content_hash": digest,
            "extra": dict(draft.metadata),
            "source": draft.source,
            "imported_by_id": user.id if user else None,
        }
        for (_, draft, digest), split in zip(pending, splits, strict=True)
    ]
    article_ids = session.scalars(
        insert(Article).returning(Article.id, sort_by_parameter_order=True), article_rows
    ).all()
    claim_rows = [
        {"article_id": article_id, "position": i, "start": span.start, "end": span.end}
        for article_id, split in zip(article_ids, splits, strict=True)
        for i, span in enumerate(split.spans, start=1)
    ]
    if claim_rows:
        session.execute(insert(Claim), claim_rows)
    boilerplate = {
        (article_id, span.start): span
        for article_id, split in zip(article_ids, splits, strict=True)
        for span in split.spans
        if span.kind == "boilerplate"
    }
    if boilerplate:
        claims = session.execute(
            select(Claim.id, Claim.article_id, Claim.start).where(
                Claim.article_id.in_({article_id for article_id, _ in boilerplate})
            )
        )
        suggestions = [
            {
                "claim_id": claim_id,
                "field": "verifiability",
                "value": "not_a_claim",
                "confidence": 0.9,
                "evidence": {"rule": "boilerplate", "start": start, "end": span.end},
                "source": "splitter",
            }
            for claim_id, article_id, start in claims
            if (span := boilerplate.get((article_id, start))) is not None
        ]
        session.execute(insert(Suggestion), suggestions)
    return [
        (
            index,
            ItemResult(
                source=draft.source,
                status="imported",
                article_id=article_id,
                title=row["title"],
                claims=len(split.spans),
            ),
        )
        for (index, draft, _), article_id, split, row in zip(
            pending, article_ids, splits, article_rows, strict=True
        )
    ]


def _fallback_title(draft: ArticleDraft) -> str:
    first_line = draft.text.strip().split("\n", 1)[0]
    return first_line if len(first_line) <= 80 else first_line[:77].rstrip() + "..."


def get_article(session: Session, article_id: int) -> Article:
    """Return the article; raises NotFound."""
    article = session.get(Article, article_id)
    if article is None:
        raise NotFound("No such article.")
    return article


@dataclass(frozen=True, slots=True)
class ArticleProgress:
    article: Article
    claims: int
    annotated_by_me: int
    annotations: int


@dataclass(frozen=True, slots=True)
class ProjectProgress:
    """One page of a project's articles with their counts, and the project's totals."""

    page: Page
    articles: list[ArticleProgress]
    claims_total: int
    mine_total: int


ARTICLES_PAGE = 100


def article_progress(
    session: Session,
    project: Project,
    user: User,
    *,
    page: int | None = None,
    size: int = ARTICLES_PAGE,
) -> ProjectProgress:
    """Return page ``page`` (from 1) of the project's articles, by id, each with its
    active claims and annotation counts, and the project's claim and annotation totals.

    Every count is an aggregate; only the page's articles are read (without their
    text). Raises NotFound for a page after the last.
    """
    of_project = Article.project_id == project.id
    total = session.scalar(select(func.count()).select_from(Article).where(of_project))
    current = page_of(page, size, total or 0)
    articles = list(
        session.scalars(
            select(Article)
            .where(of_project)
            .options(load_only(Article.id, Article.title, Article.outlet, Article.published))
            .order_by(Article.id)
            .offset(current.offset)
            .limit(current.size)
        )
    )
    # Both totals in one pass over the project's claims (a big project has many).
    claims_total, mine_total = session.execute(
        select(func.count(Claim.id), func.count(Annotation.id))
        .select_from(Claim)
        .join(Article, Article.id == Claim.article_id)
        .outerjoin(Annotation, and_(Annotation.claim_id == Claim.id, Annotation.user_id == user.id))
        .where(of_project, Claim.state == "active")
    ).one()
    ids = [a.id for a in articles]  # one page: a bounded list
    on_page = and_(Claim.article_id.in_(ids), Claim.state == "active")
    claims = dict(
        session.execute(
            select(Claim.article_id, func.count()).where(on_page).group_by(Claim.article_id)
        ).all()
    )
    annotated_query = (
        select(Claim.article_id, func.count())
        .join(Annotation, Annotation.claim_id == Claim.id)
        .where(on_page)
        .group_by(Claim.article_id)
    )
    mine = dict(session.execute(annotated_query.where(Annotation.user_id == user.id)).all())
    everyone = dict(session.execute(annotated_query).all())
    return ProjectProgress(
        page=current,
        articles=[
            ArticleProgress(
                article=a,
                claims=claims.get(a.id, 0),
                annotated_by_me=mine.get(a.id, 0),
                annotations=everyone.get(a.id, 0),
            )
            for a in articles
        ],
        claims_total=claims_total or 0,
        mine_total=mine_total or 0,
    )
