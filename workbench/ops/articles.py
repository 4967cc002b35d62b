"""Importing articles into a project and splitting them into claims."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from sqlalchemy import and_, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, load_only

from workbench.db import is_unique_violation
from workbench.errors import NotFound
from workbench.importing import (
    ArticleDraft,
    ImportItem,
    Rejection,
    content_hash,
    normalize_text,
)
from workbench.models import Annotation, Article, Assignment, Claim, Project, User, utcnow
from workbench.ops.suggestions import (
    ArticleClaims,
    Encoded,
    Registry,
    load_registry,
    store_suggestions,
    suggest_encoded,
)
from workbench.ops.workspace import project_progress
from workbench.pagination import Page, page_of
from workbench.text.splitter import Split, TooManySpans, split_text


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


# A batch of articles is stored in one go (three bulk statements); a job commits
# each batch on its own (see workbench/jobs.py), so these bound how long one
# transaction holds SQLite's write lock: at most IMPORT_BATCH articles, and no
# more claims than IMPORT_BATCH_CLAIMS unless one article alone has more (at most
# WORKBENCH_MAX_CLAIMS_PER_ARTICLE), and at most IMPORT_BATCH_ROWS report rows.
IMPORT_BATCH = 200
IMPORT_BATCH_CLAIMS = 5_000
IMPORT_BATCH_ROWS = 1_000
DEFAULT_MAX_CLAIMS = 20_000
# The lengths of the article columns that are VARCHAR (PostgreSQL enforces them).
FIELD_LIMITS = {"outlet": 300, "author": 300, "published": 100, "language": 20}
DUPLICATE_REASON = "the project already has an article with the same text"


@dataclass(frozen=True, slots=True)
class PreparedArticle:
    """A draft checked and split, ready to be stored: its text is the normalised one;
    ``suggested`` holds the suggester's proposals for its spans, encoded as the rows
    to store, when made already."""

    draft: ArticleDraft
    digest: str
    split: Split
    suggested: Encoded | None = None


def _too_long_field(draft: ArticleDraft) -> str:
    """Return a rejection reason when a metadata field is longer than its column, else ""."""
    for name, limit in FIELD_LIMITS.items():
        value = getattr(draft, name)
        if len(value) > limit:
            return f"the {name!r} value has {len(value)} characters; at most {limit} are allowed"
    return ""


def too_many_claims_reason(limit: int) -> str:
    return (
        f"the article has more than {limit:,} claims, the most one article may have "
        "(WORKBENCH_MAX_CLAIMS_PER_ARTICLE); split it into smaller articles"
    )


def check_item(item: ImportItem, known: set[str]) -> tuple[ArticleDraft, str] | ItemResult:
    """Normalise and check one item; return it (its text normalised) with its content
    hash, or its result when it is rejected (a Rejection from the parser, an empty
    text, a field too long for its column) or a duplicate of a text in ``known``.
    Reads nothing and adds nothing to ``known``."""
    if isinstance(item, Rejection):
        return ItemResult(source=item.source, status="rejected", reason=item.reason)
    text = normalize_text(item.text)
    if not text:
        return ItemResult(source=item.source, status="rejected", reason="the text is empty")
    if text != item.text:
        item = replace(item, text=text)
    too_long = _too_long_field(item)
    if too_long:
        return ItemResult(source=item.source, status="rejected", reason=too_long)
    digest = content_hash(text)
    if digest in known:
        return duplicate_of(item)
    return item, digest


def too_many_claims(draft: ArticleDraft, limit: int) -> ItemResult:
    return ItemResult(source=draft.source, status="rejected", reason=too_many_claims_reason(limit))


def prepare_item(
    item: ImportItem,
    known: set[str],
    *,
    max_claims: int = DEFAULT_MAX_CLAIMS,
    registry: Registry | None = None,
) -> PreparedArticle | ItemResult:
    """Check and split one item, outside any transaction (it reads nothing); with the
    project's ``registry``, run the suggester over its claims too (see ops.suggestions),
    so that the write transaction only stores.

    Returns the PreparedArticle to store, or the item's result when it is rejected
    (see check_item; or more than ``max_claims`` claims) or a duplicate of a text in
    ``known`` (the content hashes the project has, and those of the items prepared
    before it); a prepared article's hash is added to ``known``. The text is
    normalised first: offsets point into the stored text, which is always the
    normalised one. ops.preparing does the same for many items in worker processes.
    """
    checked = check_item(item, known)
    if isinstance(checked, ItemResult):
        return checked
    draft, digest = checked
    try:
        # The splitter stops soon after the limit: a line of millions of claims is
        # refused in a moment instead of being split whole first.
        split = split_text(draft.text, max_spans=max_claims)
    except TooManySpans:
        return too_many_claims(draft, max_claims)
    known.add(digest)
    suggested = None
    if registry is not None:
        spans = [(span.start, span.end) for span in split.spans]
        suggested = suggest_encoded(draft.text, spans, registry, draft.outlet)
    return PreparedArticle(draft, digest, split, suggested)


def duplicate_of(draft: ArticleDraft) -> ItemResult:
    """The result of a draft whose text the project (or the import) has already."""
    return ItemResult(
        source=draft.source, status="duplicate", reason=DUPLICATE_REASON, title=draft.title
    )


class Batch:
    """Prepared articles and results collected for one transaction, in report order."""

    def __init__(self) -> None:
        self.entries: list[tuple[int, PreparedArticle | ItemResult]] = []
        self.articles = 0
        self.claims = 0

    def add(self, position: int, entry: PreparedArticle | ItemResult) -> None:
        self.entries.append((position, entry))
        if isinstance(entry, PreparedArticle):
            self.articles += 1
            self.claims += len(entry.split.spans)

    def is_full(self) -> bool:
        return (
            self.articles >= IMPORT_BATCH
            or self.claims >= IMPORT_BATCH_CLAIMS
            or len(self.entries) >= IMPORT_BATCH_ROWS
        )

    def __len__(self) -> int:
        return len(self.entries)


def import_items(
    session: Session,
    project: Project,
    items: Iterable[ImportItem],
    *,
    user: User | None,
    max_claims: int = DEFAULT_MAX_CLAIMS,
) -> ImportReport:
    """Store every draft as an article split into claims; report each item's fate.

    All in the caller's transaction, which commits once: for small imports (the
    demo seed, tests). Imports from the web and the command line run as jobs
    (workbench/jobs.py), which commit batch by batch. A draft whose text the
    project already has (or that came earlier) is skipped as a duplicate; see
    prepare_item for the rejections.
    """
    known = set(
        session.scalars(select(Article.content_hash).where(Article.project_id == project.id))
    )
    registry = load_registry(session, project.id)
    results: dict[int, ItemResult] = {}
    batch = Batch()
    for position, item in enumerate(items):
        batch.add(position, prepare_item(item, known, max_claims=max_claims, registry=registry))
        if batch.is_full():
            results.update(store_batch(session, project, batch, user_id=user.id if user else None))
            batch = Batch()
    if batch:
        results.update(store_batch(session, project, batch, user_id=user.id if user else None))
    return ImportReport(tuple(results[p] for p in sorted(results)))


def store_batch(
    session: Session, project: Project, batch: Batch, *, user_id: int | None
) -> dict[int, ItemResult]:
    """Store a batch's prepared articles; return every entry's result by position.

    Another import of the same text may have landed since the texts were
    prepared (a job prepares outside its transactions): those are found again
    here (one query, as many hashes as the batch has articles) and reported as
    duplicates. On PostgreSQL two imports can still insert the same text at the
    same moment: then each article of the batch is stored in a savepoint of its
    own, and the one the unique (project, content hash) refuses is a duplicate.
    """
    results = {p: e for p, e in batch.entries if isinstance(e, ItemResult)}
    pending = [(p, e) for p, e in batch.entries if isinstance(e, PreparedArticle)]
    if pending:
        stored = set(
            session.scalars(
                select(Article.content_hash).where(
                    Article.project_id == project.id,
                    Article.content_hash.in_({e.digest for _, e in pending}),
                )
            )
        )
        for position, entry in pending:
            if entry.digest in stored:
                results[position] = _duplicate(entry)
        pending = [(p, e) for p, e in pending if e.digest not in stored]
    if not pending:
        return results
    try:
        with session.begin_nested():
            results.update(store_articles(session, project, pending, user_id=user_id))
        return results
    except IntegrityError as exc:
        if not is_unique_violation(exc):
            raise
    for position, entry in pending:
        try:
            with session.begin_nested():
                results.update(
                    store_articles(session, project, [(position, entry)], user_id=user_id)
                )
        except IntegrityError as exc:
            if not is_unique_violation(exc):
                raise
            results[position] = _duplicate(entry)
    return results


def _duplicate(entry: PreparedArticle) -> ItemResult:
    return duplicate_of(entry.draft)


def store_articles(
    session: Session,
    project: Project,
    pending: list[tuple[int, PreparedArticle]],
    *,
    user_id: int | None,
) -> list[tuple[int, ItemResult]]:
    """Insert prepared articles (with their report position) and their claims, with
    the suggester's suggestions (ops.suggestions); return each position with its result.

    A few bulk statements per batch (articles, claims, suggestions, the wire sources
    found) instead of a flush per article: importing is bound by the round trips.
    """
    article_rows = [
        {
            "project_id": project.id,
            "title": entry.draft.title or _fallback_title(entry.draft),
            "outlet": entry.draft.outlet,
            "author": entry.draft.author,
            "url": entry.draft.url,
            "published": entry.draft.published,
            "language": entry.draft.language,
            "dateline": (entry.split.dateline or "")[:200],
            "text": entry.draft.text,
            "content_hash": entry.digest,
            "extra": dict(entry.draft.metadata),
            "source": entry.draft.source,
            "imported_by_id": user_id,
        }
        for _, entry in pending
    ]
    splits = [entry.split for _, entry in pending]
    article_ids = session.scalars(
        insert(Article).returning(Article.id, sort_by_parameter_order=True), article_rows
    ).all()
    claim_ids = _insert_claims(session, article_ids, splits)
    # The suggester's proposals for every claim, in the same transaction: an import
    # that fails leaves neither articles nor suggestions.
    ids = iter(claim_ids)
    store_suggestions(
        session,
        project.id,
        [
            ArticleClaims(
                article_id=article_id,
                text=entry.draft.text,
                outlet=entry.draft.outlet,
                wire_source="",
                claims=tuple((next(ids), span.start, span.end) for span in entry.split.spans),
                suggested=entry.suggested,
            )
            for article_id, (_, entry) in zip(article_ids, pending, strict=True)
        ],
        fresh=True,
    )
    return [
        (
            position,
            ItemResult(
                source=entry.draft.source,
                status="imported",
                article_id=article_id,
                title=row["title"],
                claims=len(entry.split.spans),
            ),
        )
        for (position, entry), article_id, row in zip(
            pending, article_ids, article_rows, strict=True
        )
    ]


def _insert_claims(
    session: Session, article_ids: Sequence[int], splits: Sequence[Split]
) -> list[int]:
    """Insert the claims of the articles ``article_ids`` (their ``splits``, in the same
    order); return the claims' ids in the order of the articles and their spans.

    One driver-level executemany, then one read of the ids (a batch is bounded):
    SQLAlchemy's per-row parameter processing cost more than the insert, and
    RETURNING with the rows' order kept makes it insert one row a statement on SQLite.
    """
    rows = [
        (article_id, position, span.start, span.end)
        for article_id, split in zip(article_ids, splits, strict=True)
        for position, span in enumerate(split.spans, start=1)
    ]
    if not rows:
        return []
    connection = session.connection()
    dialect = connection.dialect
    table = Claim.__table__
    created = table.c.created_at.type.bind_processor(dialect)
    now = utcnow()
    now = created(now) if created is not None else now
    quote = dialect.identifier_preparer.quote
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    columns = ("article_id", "position", "start", "end", "state", "created_at")
    connection.exec_driver_sql(
        f"INSERT INTO {table.name} ({', '.join(quote(c) for c in columns)}) "
        f"VALUES ({', '.join([mark] * len(columns))})",
        [(*row, "active", now) for row in rows],
    )
    by_place = {
        (article_id, position): claim_id
        for claim_id, article_id, position in connection.execute(
            select(table.c.id, table.c.article_id, table.c.position).where(
                table.c.article_id.in_(article_ids)
            )
        )
    }
    return [by_place[article_id, position] for article_id, position, _, _ in rows]


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
    assigned_only: bool = False,
) -> ProjectProgress:
    """Return page ``page`` (from 1) of the project's articles, by id, each with its
    active claims and annotation counts, and the project's claim and annotation totals
    (``assigned_only``: only the articles assigned to ``user``).

    Every count is an aggregate; only the page's articles are read (without their
    text). Raises NotFound for a page after the last.
    """
    of_project = Article.project_id == project.id
    if assigned_only:
        of_project = and_(
            of_project,
            Article.id.in_(select(Assignment.article_id).where(Assignment.user_id == user.id)),
        )
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
    claims_total, mine_total = project_progress(session, project, user)
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
    mine = dict(
        session.execute(
            annotated_query.where(Annotation.user_id == user.id, Annotation.status == "submitted")
        ).all()
    )
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
        claims_total=claims_total,
        mine_total=mine_total,
    )
