"""Big data made fast for the scale tests: an article of many claims, inserted in bulk."""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager

from sqlalchemy import event, insert

from workbench.importing import content_hash
from workbench.models import Article, Claim, HistoryEntry, Speaker

SENTENCE = "Claim number {:06d} is here. "


def make_long_article(session, project, claims: int, *, title: str = "Very long") -> Article:
    """Add (flushed, not committed) an article of ``claims`` one-sentence claims; return it.

    The claims are inserted with one bulk statement, not through the splitter.
    """
    text = "".join(SENTENCE.format(i) for i in range(1, claims + 1))
    article = Article(
        project_id=project.id,
        title=title,
        text=text,
        content_hash=content_hash(text),
    )
    session.add(article)
    session.flush()
    size = len(SENTENCE.format(0))
    if not claims:
        return article
    session.execute(
        insert(Claim),
        [
            {
                "article_id": article.id,
                "position": i + 1,
                "start": i * size,
                "end": (i + 1) * size - 1,
            }
            for i in range(claims)
        ],
    )
    return article


def make_articles(session, project, count: int) -> list[int]:
    """Add (flushed) ``count`` one-claim articles to ``project`` in bulk; return their ids."""
    texts = [f"Short article {i:06d} says one thing." for i in range(count)]
    ids = session.scalars(
        insert(Article).returning(Article.id, sort_by_parameter_order=True),
        [
            {
                "project_id": project.id,
                "title": f"Article {i:06d}",
                "text": text,
                "content_hash": content_hash(text),
                "extra": {},
            }
            for i, text in enumerate(texts)
        ],
    ).all()
    session.execute(
        insert(Claim),
        [
            {"article_id": article_id, "position": 1, "start": 0, "end": len(text)}
            for article_id, text in zip(ids, texts, strict=True)
        ],
    )
    return list(ids)


def make_speakers(session, project, count: int) -> None:
    """Add (flushed) ``count`` speakers named "Speaker 000000" and on, in bulk."""
    session.execute(
        insert(Speaker),
        [{"project_id": project.id, "name": f"Speaker {i:06d}"} for i in range(count)],
    )


def make_history(session, claim: Claim, project_id: int, count: int) -> None:
    """Append ``count`` claim entries ("trim", numbered in ``after``) to a claim's history."""
    session.execute(
        insert(HistoryEntry),
        [
            {
                "project_id": project_id,
                "entity": "claim",
                "entity_id": claim.id,
                "claim_id": claim.id,
                "action": "trim",
                "before": {"start": claim.start},
                "after": {"start": claim.start, "entry": i},
            }
            for i in range(count)
        ],
    )


# SQLite's default SQLITE_MAX_VARIABLE_NUMBER (Debian builds it with 250000; the
# scale tests lower each connection's limit to the upstream default, 32766).
# PostgreSQL takes at most 65535 parameters a statement, whatever the build.
SQLITE_VARIABLES = 32_766
POSTGRES_PARAMETERS = 65_535


@contextmanager
def upstream_parameter_limit(engine):
    """Give every connection the engine hands out upstream SQLite's variable limit
    while the block runs; yield the limit of parameters a statement has (either backend)."""
    if engine.dialect.name != "sqlite":
        yield POSTGRES_PARAMETERS
        return

    def lower(dbapi_connection, _record, _proxy):
        dbapi_connection.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, SQLITE_VARIABLES)

    event.listen(engine, "checkout", lower)
    try:
        yield SQLITE_VARIABLES
    finally:
        event.remove(engine, "checkout", lower)
