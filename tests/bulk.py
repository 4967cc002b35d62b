"""Big data made fast for the scale tests: an article of many claims, inserted in bulk."""

from __future__ import annotations

from sqlalchemy import insert

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
