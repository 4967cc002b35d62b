"""Big data made fast for the scale tests: an article of many claims, inserted in bulk."""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager

from sqlalchemy import event, insert

from workbench.importing import content_hash
from workbench.models import Article, Claim

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
