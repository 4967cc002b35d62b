"""The suggester: article text, claim spans and the speaker registry -> proposals.

Pure: no Flask, no SQLAlchemy, no database. The entry point is ``suggest_article``:

    suggest_article(text, spans, registry=(), *, outlet="") -> ArticleSuggestions

``spans`` are the article's claims as ``(start, end)`` pairs (any order the caller
likes; the result follows it); ``registry`` the project's speakers; ``outlet`` the
article's outlet, who narrates it unless a wire dateline names another.
"""

from workbench.suggest.article import suggest_article
from workbench.suggest.model import (
    ATTRIBUTIONS,
    FIELDS,
    SPEAKER_TYPES,
    VERIFIABILITY,
    ArticleSuggestions,
    ClaimSuggestions,
    Evidence,
    Proposal,
    RegistrySpeaker,
    RosterEntry,
    SpeakerGuess,
)

__all__ = [
    "ATTRIBUTIONS",
    "FIELDS",
    "SPEAKER_TYPES",
    "VERIFIABILITY",
    "ArticleSuggestions",
    "ClaimSuggestions",
    "Evidence",
    "Proposal",
    "RegistrySpeaker",
    "RosterEntry",
    "SpeakerGuess",
    "suggest_article",
]
