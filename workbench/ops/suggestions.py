"""Storing the suggester's proposals: one row per claim and field, never stale.

``store_suggestions`` is the one operation that writes suggestions. It runs the
pure suggester (workbench.suggest) over articles' active claims with the
project's registry and each article's outlet, and replaces the older rows of
those articles' claims with the new ones; a row names the registry speaker it
means (``speaker_id``) where the registry has one. Import (ops.articles), the
boundary edits (ops.claims), the roster (``add_roster``) and a re-run
(``refresh_articles``, ``run_suggestion_batch``) all call it. Annotations are
never read or written here: a suggestion is only a proposal.

Everything works by bounded batches: the articles of one call are at most an
import batch or a re-run batch (see ops.articles), and the rows go in as
executemany statements, so a 20,000-claim article costs a few statements.
The stored form is described in docs/suggestions-storage.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from sqlalchemy import Text, bindparam, cast, delete, func, select, update
from sqlalchemy.orm import Session

from workbench import suggest
from workbench.errors import Conflict, InvalidInput, NotFound, PermissionDenied, WorkbenchError
from workbench.models import (
    Article,
    Claim,
    Project,
    Speaker,
    SpeakerAlias,
    Suggestion,
    SuggestionRun,
    User,
    utcnow,
)
from workbench.ops.heartbeat import job_status as run_status
from workbench.ops.history import record
from workbench.ops.projects import project_role
from workbench.ops.speakers import create_speaker
from workbench.pagination import Page, page_of
from workbench.permissions import can
from workbench.suggest import ArticleSuggestions, RegistrySpeaker
from workbench.suggest.article import NO_OUTLET
from workbench.suggest.stored import (
    Encoded,
    Registry,
    encode,
)
from workbench.words import counted

# A re-run stores this many articles a transaction at most, and stops adding
# articles to a batch once it has this many claims (one article alone may have
# more: up to WORKBENCH_MAX_CLAIMS_PER_ARTICLE), as an import batch does.
RERUN_BATCH = 200
RERUN_BATCH_CLAIMS = 5_000
NO_OUTLET_REASON = (
    "the article's own voice, named so because the article has no outlet; "
    "give the article's outlet at import to have it named"
)


@dataclass(frozen=True, slots=True)
class ArticleClaims:
    """An article as the suggester needs it, with its active claims as
    ``(claim id, start, end)`` in text order; ``suggested`` is the suggester's result
    for these claims, encoded as rows, when it was run already (outside the write
    transaction)."""

    article_id: int
    text: str
    outlet: str
    wire_source: str
    claims: tuple[tuple[int, int, int], ...]
    suggested: Encoded | None = None


@dataclass(slots=True)
class Stored:
    """What a call stored: articles, claims suggested for, rows written and kept."""

    articles: int = 0
    claims: int = 0
    suggestions: int = 0
    written: int = 0
    removed: int = 0

    def add(self, other: Stored) -> None:
        self.articles += other.articles
        self.claims += other.claims
        self.suggestions += other.suggestions
        self.written += other.written
        self.removed += other.removed


def load_registry(session: Session, project_id: int) -> Registry:
    """Return the project's current (not merged) speakers with their aliases: two
    queries, whatever the registry's size."""
    current = (Speaker.project_id == project_id, Speaker.merged_into_id.is_(None))
    aliases: dict[int, list[str]] = {}
    for speaker_id, alias in session.execute(
        select(SpeakerAlias.speaker_id, SpeakerAlias.alias)
        .join(Speaker, Speaker.id == SpeakerAlias.speaker_id)
        .where(*current)
        .order_by(SpeakerAlias.speaker_id, SpeakerAlias.alias)
    ):
        aliases.setdefault(speaker_id, []).append(alias)
    speakers = tuple(
        RegistrySpeaker(
            name=name,
            type=type_,
            title=title,
            aliases=tuple(aliases.get(speaker_id, ())),
            id=speaker_id,
        )
        for speaker_id, name, type_, title in session.execute(
            select(Speaker.id, Speaker.name, Speaker.type, Speaker.title)
            .where(*current)
            .order_by(Speaker.name, Speaker.id)
        )
    )
    return Registry(
        speakers=speakers,
        ids=frozenset(s.id for s in speakers),
        by_name={s.name.casefold(): s.id for s in speakers},
    )


def article_claims(session: Session, article_ids: Sequence[int]) -> list[ArticleClaims]:
    """Return the articles (a bounded batch of ids) with their active claims, by id."""
    if not article_ids:
        return []
    ids = sorted(set(article_ids))
    claims: dict[int, list[tuple[int, int, int]]] = {i: [] for i in ids}
    for claim_id, article_id, start, end in session.execute(
        select(Claim.id, Claim.article_id, Claim.start, Claim.end)
        .where(Claim.article_id.in_(ids), Claim.state == "active")
        .order_by(Claim.article_id, Claim.start)
    ):
        claims[article_id].append((claim_id, start, end))
    return [
        ArticleClaims(
            article_id=article_id,
            text=text,
            outlet=outlet,
            wire_source=wire_source,
            claims=tuple(claims[article_id]),
        )
        for article_id, text, outlet, wire_source in session.execute(
            select(Article.id, Article.text, Article.outlet, Article.wire_source)
            .where(Article.id.in_(ids))
            .order_by(Article.id)
        )
    ]


def suggest_spans(
    text: str, spans: Sequence[tuple[int, int]], registry: Registry, outlet: str
) -> ArticleSuggestions:
    """Run the suggester (pure; no query) over an article's claim spans."""
    return suggest.suggest_article(text, list(spans), registry.speakers, outlet=outlet)


_COLUMNS = ("claim_id", "field", "value", "confidence", "reason", "speaker_id", "source")


def suggest_encoded(
    text: str, spans: Sequence[tuple[int, int]], registry: Registry, outlet: str
) -> Encoded:
    """Run the suggester over an article's claim spans; return its rows (pure; no query)."""
    return encode(suggest_spans(text, spans, registry, outlet), registry)


def _insert_rows(session: Session, rows: Sequence[tuple]) -> None:
    """Insert suggestion rows (``(claim_id, *Row)``) as one driver-level executemany.

    An import stores four or five rows a claim: SQLAlchemy's per-row parameter
    processing (and its JSON type's per-row encoder) cost more than the insert, so
    the rows go to the driver as the tuples they are, the evidence encoded already.
    """
    if not rows:
        return
    connection = session.connection()
    mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    evidence = mark if connection.dialect.name == "sqlite" else f"CAST({mark} AS json)"
    statement = (
        f"INSERT INTO {Suggestion.__tablename__} ({', '.join(_COLUMNS)}, evidence) "
        f"VALUES ({', '.join([mark] * len(_COLUMNS))}, {evidence})"
    )
    connection.exec_driver_sql(statement, rows)


def _claim_rows(article: ArticleClaims, encoded: Encoded) -> Iterable[tuple]:
    """Yield ``(claim_id, *Row)`` for the article's claims from ``encoded``. Raises
    ValueError when it does not answer the claims it was asked about (a suggester
    bug, not bad input)."""
    spans = tuple((start, end) for _, start, end in article.claims)
    if encoded.spans != spans:
        if len(encoded.spans) != len(spans):
            raise ValueError(
                f"the suggester answered {counted(len(encoded.spans), 'claim')} of article "
                f"{article.article_id}, asked about {len(spans)}"
            )
        raise ValueError(
            f"the suggester answered other spans than article {article.article_id}'s claims"
        )
    for (claim_id, _, _), rows in zip(article.claims, encoded.rows, strict=True):
        for row in rows:
            yield (claim_id, *row)


def _same(new: tuple, old) -> bool:
    """Whether the new row ``(claim_id, *Row)`` is stored already as ``old`` is."""
    return (
        new[2] == old.value
        and new[3] == round(float(old.confidence), 4)
        and new[4] == old.reason
        and new[5] == old.speaker_id
        and new[6] == old.source
        and new[7] == old.evidence
    )


def store_suggestions(
    session: Session,
    project_id: int,
    articles: Sequence[ArticleClaims],
    *,
    registry: Registry | None = None,
    fresh: bool = False,
) -> Stored:
    """Suggest for ``articles`` (a bounded batch, of one project) and store the
    result in place of their claims' older suggestions; set each article's wire
    source. Return the counts.

    Only the rows that change are written: a row that is the same as before stays,
    one that differs or is no longer proposed is deleted, a new one is inserted
    (executemany statements, no lists of ids). ``fresh`` says the claims have no
    suggestions yet (an import), so nothing is read or deleted. Annotations are
    not touched. Claims that are no longer active lose their suggestions.
    """
    registry = registry if registry is not None else load_registry(session, project_id)
    stored = Stored()
    new: dict[tuple[int, str], tuple] = {}
    rows_of_new: list[tuple] = []  # fresh: every row is new, no need to key them
    wire: list[dict] = []
    for article in articles:
        encoded = article.suggested or suggest_encoded(
            article.text,
            [(start, end) for _, start, end in article.claims],
            registry,
            article.outlet,
        )
        if fresh:
            rows_of_new.extend(_claim_rows(article, encoded))
        else:
            for row in _claim_rows(article, encoded):
                new[row[0], row[1]] = row
        if encoded.wire_source != article.wire_source:
            wire.append({"article_id": article.article_id, "wire_source": encoded.wire_source})
        stored.articles += 1
        stored.claims += len(article.claims)
    stored.suggestions = len(rows_of_new) if fresh else len(new)
    if not fresh and articles:
        ids = sorted({a.article_id for a in articles})
        # On the tables (Core): the ORM's result processing costs more than the rows.
        rows, claims = Suggestion.__table__.c, Claim.__table__.c
        old = (
            session.connection()
            .execute(
                select(
                    rows.id,
                    rows.claim_id,
                    rows.field,
                    rows.value,
                    rows.confidence,
                    rows.reason,
                    rows.speaker_id,
                    rows.source,
                    # As stored, not decoded: compared with the new rows' JSON text.
                    cast(rows.evidence, Text).label("evidence"),
                )
                .join_from(Suggestion.__table__, Claim.__table__, claims.id == rows.claim_id)
                .where(claims.article_id.in_(ids))
            )
            .all()
        )
        stale = []
        for row in old:
            key = (row.claim_id, row.field)
            wanted = new.get(key)
            if wanted is not None and _same(wanted, row):
                del new[key]  # stored already, as it is
            else:
                stale.append({"suggestion_id": row.id})
        if stale:
            # On the table (Core): an executemany DELETE, one row per parameter set.
            table = Suggestion.__table__
            session.execute(delete(table).where(table.c.id == bindparam("suggestion_id")), stale)
        stored.removed = len(stale)
        rows_of_new = list(new.values())
    _insert_rows(session, rows_of_new)
    stored.written = len(rows_of_new)
    if wire:
        table = Article.__table__
        session.execute(
            update(table)
            .where(table.c.id == bindparam("article_id"))
            .values(wire_source=bindparam("wire_source")),
            wire,
        )
        for loaded in list(session.identity_map.values()):
            if isinstance(loaded, Article):
                session.expire(loaded, ["wire_source"])
    return stored


def _lock_claims(session: Session, article_ids: Sequence[int]) -> None:
    """Lock the articles' claims, by id, as a boundary edit does (ops.claims): a
    refresh and an edit of one article take turns on PostgreSQL, and every locker
    takes the rows in the same order."""
    session.execute(
        select(Claim.id)
        .where(Claim.article_id.in_(sorted(set(article_ids))))
        .order_by(Claim.id)
        .with_for_update()
    )


def refresh_articles(
    session: Session,
    project: Project,
    article_ids: Sequence[int],
    *,
    registry: Registry | None = None,
    prepared: Sequence[ArticleClaims] = (),
) -> Stored:
    """Store fresh suggestions for the project's articles ``article_ids`` (a bounded
    batch); return the counts. Raises NotFound for an id that is not an article of
    the project.

    ``prepared`` are articles suggested for already (outside the write transaction,
    see prepare_run_batch): their results are used where the article's claims are
    still those they were made for, and made again where they are not."""
    ids = sorted(set(article_ids))
    if not ids:
        return Stored()
    found = set(
        session.scalars(
            select(Article.id).where(Article.id.in_(ids), Article.project_id == project.id)
        )
    )
    missing = [i for i in ids if i not in found]
    if missing:
        raise NotFound(f"No article {missing[0]} in the project {project.name!r}.")
    _lock_claims(session, ids)
    made = {a.article_id: a for a in prepared if a.suggested is not None}
    current = [
        replace(a, suggested=made[a.article_id].suggested)
        if a.article_id in made and made[a.article_id].claims == a.claims
        else a
        for a in article_claims(session, ids)
    ]
    return store_suggestions(session, project.id, current, registry=registry)


@dataclass(frozen=True, slots=True)
class PreparedArticle:
    """An article's suggestions made for given claim spans (those a boundary edit will
    leave), before the edit's write transaction (see prepare_article)."""

    article_id: int
    text: str
    outlet: str
    spans: tuple[tuple[int, int], ...]
    result: Encoded


def prepare_article(
    session: Session, article: Article, spans: Sequence[tuple[int, int]]
) -> PreparedArticle:
    """Run the suggester over ``article`` as if its active claims had ``spans``; read
    only, so that a boundary edit can call it before its write transaction begins (on
    a long article the suggester takes most of an edit's time, and SQLite has one
    writer at a time). refresh_article uses the result only where the claims are, under
    the lock, those spans."""
    [claims] = article_claims(session, [article.id])
    registry = load_registry(session, article.project_id)
    spans = tuple((int(start), int(end)) for start, end in spans)
    result = suggest_encoded(claims.text, spans, registry, claims.outlet)
    return PreparedArticle(article.id, claims.text, claims.outlet, spans, result)


def refresh_article(
    session: Session, article: Article, *, prepared: PreparedArticle | None = None
) -> Stored:
    """Store fresh suggestions for one article (after a change of its claims); return
    the counts. The caller holds the article's claims locked or locks them here.

    ``prepared`` (prepare_article) is used when the article's text, outlet and active
    claims' spans, read under the lock, are those it was made for; otherwise the
    suggester runs again here."""
    _lock_claims(session, [article.id])
    [current] = article_claims(session, [article.id])
    if (
        prepared is not None
        and prepared.article_id == current.article_id
        and prepared.spans == tuple((start, end) for _, start, end in current.claims)
        and prepared.outlet == current.outlet
        and prepared.text == current.text
    ):
        current = replace(current, suggested=prepared.result)
    return store_suggestions(session, article.project_id, [current])


# Re-running the suggester over a whole project, batch by batch.


def count_project_articles(session: Session, project: Project) -> int:
    return session.scalar(
        select(func.count()).select_from(Article).where(Article.project_id == project.id)
    )


def create_suggestion_run(session: Session, project: Project, user: User | None) -> SuggestionRun:
    """Add a running re-run over every article of ``project`` (``user`` None for the
    command line); return it. Raises PermissionDenied when ``user`` may not."""
    if user is not None and not can(user, "suggest-articles", project_role(session, user, project)):
        raise PermissionDenied("You do not have permission to do that.")
    # One re-run of a project at a time: a second click or a second command would do
    # the whole work again. The project's row is locked (FOR NO KEY UPDATE, which
    # saves' FOR KEY SHARE do not wait for) so that two starts take turns on
    # PostgreSQL; SQLite's write transactions do anyway. A run whose heartbeat has
    # stopped (its process was killed) does not hold a new one back.
    session.execute(
        select(Project.id).where(Project.id == project.id).with_for_update(key_share=True)
    )
    running = session.scalars(
        select(SuggestionRun)
        .where(SuggestionRun.project_id == project.id, SuggestionRun.status == "running")
        .order_by(SuggestionRun.id.desc())
        .execution_options(populate_existing=True)
    ).all()
    for other in running:
        if run_status(other) == "running":
            raise Conflict(
                f"The project's suggestions are being re-run already (run {other.id}: "
                f"{other.articles_done:,} of {counted(other.articles_total, 'article')} done); "
                "wait for it to finish (its page shows its progress), then re-run if you "
                "still need to. A run whose process was stopped shows as interrupted two "
                "minutes after its last progress, and then no longer holds a new one back."
            )
    run = SuggestionRun(
        project_id=project.id,
        user_id=user.id if user else None,
        status="running",
        articles_total=count_project_articles(session, project),
    )
    session.add(run)
    session.flush()
    return run


def get_suggestion_run(session: Session, project: Project, run_id: int) -> SuggestionRun:
    """Return the project's re-run; raises NotFound (also for another project's)."""
    run = session.get(SuggestionRun, run_id, populate_existing=True)
    if run is None or run.project_id != project.id:
        raise NotFound("No such re-run of the suggestions in this project.")
    return run


def recent_suggestion_runs(session: Session, project: Project, limit: int = 5) -> list:
    """Return the project's newest re-runs, newest first."""
    return list(
        session.scalars(
            select(SuggestionRun)
            .where(SuggestionRun.project_id == project.id)
            .order_by(SuggestionRun.id.desc())
            .limit(limit)
        )
    )


def next_batch(session: Session, project_id: int, after: int) -> list[int]:
    """Return the ids of the project's next articles after id ``after``: at most
    RERUN_BATCH, and no more claims than RERUN_BATCH_CLAIMS unless the first alone
    has more."""
    counted = session.execute(
        select(Article.id, func.count(Claim.id))
        .outerjoin(Claim, (Claim.article_id == Article.id) & (Claim.state == "active"))
        .where(Article.project_id == project_id, Article.id > after)
        .group_by(Article.id)
        .order_by(Article.id)
        .limit(RERUN_BATCH)
    ).all()
    ids: list[int] = []
    claims = 0
    for article_id, count in counted:
        if ids and claims + count > RERUN_BATCH_CLAIMS:
            break
        ids.append(article_id)
        claims += count
    return ids


@dataclass(frozen=True, slots=True)
class PreparedBatch:
    """A re-run's next batch, suggested for outside the write transaction."""

    after: int
    article_ids: tuple[int, ...]
    articles: tuple[ArticleClaims, ...]


def prepare_run_batch(session: Session, run_id: int) -> PreparedBatch | None:
    """Read a running re-run's next batch and run the suggester over it; write
    nothing (so that it can run outside any write transaction). None when the run
    is not running."""
    run = session.get(SuggestionRun, run_id)
    if run is None or run.status != "running":
        return None
    ids = next_batch(session, run.project_id, run.after_article_id)
    registry = load_registry(session, run.project_id)
    articles = tuple(
        replace(
            a,
            suggested=suggest_encoded(
                a.text, [(start, end) for _, start, end in a.claims], registry, a.outlet
            ),
        )
        for a in article_claims(session, ids)
    )
    return PreparedBatch(run.after_article_id, tuple(ids), articles)


def run_suggestion_batch(
    session: Session, run_id: int, *, prepared: PreparedBatch | None = None
) -> SuggestionRun:
    """Store the next batch of a running re-run (its articles' suggestions, the
    run's counts, cursor and heartbeat); mark it done, with a project history
    entry, when no article is left. Return the run as it is now.

    ``prepared`` is this batch suggested for already (prepare_run_batch); what
    changed since is suggested for again. Raises NotFound for an unknown run,
    InvalidInput for one that is not running, PermissionDenied when its user may
    no longer re-run (deactivated, or no longer a manager of the project).
    """
    run = session.get(SuggestionRun, run_id, populate_existing=True)
    if run is None:
        raise NotFound("No such re-run of the suggestions.")
    if run.status != "running":
        raise InvalidInput(f"This re-run is {run.status} already.")
    project = session.get(Project, run.project_id)
    if run.user_id is not None:
        user = session.get(User, run.user_id, populate_existing=True)
        if user is None or not can(user, "suggest-articles", project_role(session, user, project)):
            raise PermissionDenied(
                "The user who started the re-run may no longer re-run suggestions in this "
                "project, so it stopped; the articles done before keep their new suggestions."
            )
    ids = next_batch(session, project.id, run.after_article_id)
    now = utcnow()
    if not ids:
        run.status, run.finished_at, run.heartbeat_at = "done", now, now
        record(
            session,
            project_id=project.id,
            entity="project",
            entity_id=project.id,
            action="rerun-suggestions",
            user=session.get(User, run.user_id) if run.user_id else None,
            before=None,
            after={
                "run_id": run.id,
                "articles": run.articles_done,
                "claims": run.claims,
                "suggestions": run.suggestions,
            },
        )
        session.flush()
        return run
    reuse = (
        prepared.articles
        if prepared is not None
        and (prepared.after, prepared.article_ids) == (run.after_article_id, tuple(ids))
        else ()
    )
    stored = refresh_articles(session, project, ids, prepared=reuse)
    run.after_article_id = ids[-1]
    run.articles_done += stored.articles
    run.claims += stored.claims
    run.suggestions += stored.suggestions
    run.articles_total = max(run.articles_total, run.articles_done)
    run.heartbeat_at = now
    session.flush()
    return run


def finish_suggestion_run(session: Session, run_id: int, *, error: str) -> None:
    """Mark the run failed with ``error`` (a sentence for the user)."""
    now = utcnow()
    session.execute(
        update(SuggestionRun)
        .where(SuggestionRun.id == run_id)
        .values(status="failed", error=error[:2000], finished_at=now, heartbeat_at=now)
    )


# The roster: every person and body the suggester found in an article.


@dataclass(frozen=True, slots=True)
class RosterLine:
    """One roster entry as the roster page shows it."""

    name: str
    type: str
    title: str
    aliases: tuple[str, ...]
    mentions: int
    speaker_id: int | None

    @property
    def addable(self) -> bool:
        """Whether add_roster would create it: the registry lacks it, and it is not
        the placeholder for an article without an outlet."""
        return self.speaker_id is None and self.name != NO_OUTLET


def article_roster(session: Session, article: Article) -> list[RosterLine]:
    """Return the roster the suggester proposes for ``article``, each entry with the
    registry speaker it matched (None when the registry lacks it). Reads only."""
    registry = load_registry(session, article.project_id)
    [claims] = article_claims(session, [article.id])
    spans = [(start, end) for _, start, end in claims.claims]
    result = suggest_spans(claims.text, spans, registry, claims.outlet)
    lines = []
    for entry in result.roster:
        speaker_id = entry.registry_id if entry.registry_id in registry.ids else None
        if speaker_id is None:
            speaker_id = registry.by_name.get(entry.name.casefold())
        lines.append(
            RosterLine(
                name=entry.name,
                type=entry.type,
                title=entry.title,
                aliases=tuple(entry.aliases),
                mentions=len(entry.mentions),
                speaker_id=speaker_id,
            )
        )
    return lines


@dataclass(frozen=True, slots=True)
class RosterReport:
    """What ``add_roster`` did: the speakers it created, and each one it skipped with why."""

    created: tuple[Speaker, ...]
    skipped: tuple[tuple[str, str], ...]
    stored: Stored


def add_roster(session: Session, article: Article, *, user: User | None) -> RosterReport:
    """Add every person and body of the article's roster that the registry lacks
    (name, type, title, aliases, by create_speaker's rules), skipping, with the
    reason, those it has and those whose name or aliases clash; then store the
    article's suggestions again so that they name the new speakers."""
    project = session.get(Project, article.project_id)
    created: list[Speaker] = []
    skipped: list[tuple[str, str]] = []
    for line in article_roster(session, article):
        if line.speaker_id is not None:
            skipped.append((line.name, "the registry has it already"))
            continue
        if not line.addable:
            skipped.append((line.name, NO_OUTLET_REASON))
            continue
        try:
            speaker = create_speaker(
                session,
                project,
                line.name,
                type=line.type,
                title=line.title,
                aliases=line.aliases,
                user=user,
            )
        except WorkbenchError as exc:
            skipped.append((line.name, exc.message))
            continue
        created.append(speaker)
    stored = refresh_article(session, article)
    return RosterReport(created=tuple(created), skipped=tuple(skipped), stored=stored)


# Where a speaker was found.


@dataclass(frozen=True, slots=True)
class FoundIn:
    article_id: int
    title: str
    claims: int


FOUND_PAGE = 100


def speaker_found_in(
    session: Session,
    speaker: Speaker,
    *,
    page: int | None = None,
    size: int = FOUND_PAGE,
) -> tuple[Page, list[FoundIn]]:
    """Return page ``page`` (from 1) of the articles whose suggestions name
    ``speaker`` (as speaker or via), by id, each with how many of its active claims
    do. Raises NotFound for a page after the last."""
    naming = (
        select(Claim.article_id.label("article_id"), Suggestion.claim_id.label("claim_id"))
        .join(Claim, Claim.id == Suggestion.claim_id)
        .where(Suggestion.speaker_id == speaker.id, Claim.state == "active")
        .distinct()
        .subquery()
    )
    total = session.scalar(select(func.count(func.distinct(naming.c.article_id))))
    current = page_of(page, size, total or 0)
    rows = session.execute(
        select(naming.c.article_id, Article.title, func.count(naming.c.claim_id))
        .join(Article, Article.id == naming.c.article_id)
        .group_by(naming.c.article_id, Article.title)
        .order_by(naming.c.article_id)
        .offset(current.offset)
        .limit(current.size)
    ).all()
    return current, [FoundIn(article_id=a, title=t, claims=n) for a, t, n in rows]
