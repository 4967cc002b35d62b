"""The stored form of the suggester's proposals: the rows of the ``suggestions`` table.

Pure (no database): ops.suggestions stores these rows, and an import's worker
processes (workbench.suggest.worker) make them, so that the process that stores an
import receives plain tuples and strings, cheap to send and to insert. A row is a
claim's proposal for one field, without the claim's id (the storing side adds it):

    (field, value, confidence, reason, speaker_id, source, evidence as JSON text)

docs/data-dictionary.md describes the columns and the evidence.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

from workbench.suggest.model import ArticleSuggestions, Proposal, RegistrySpeaker

SOURCE = "suggester"
SPEAKER_FIELDS = ("speaker", "via")
VALUE_LIMIT = 300  # Suggestion.value is a VARCHAR(300)
WIRE_SOURCE_LIMIT = 200  # Article.wire_source is a VARCHAR(200)

Row = tuple[str, str, float, str, "int | None", str, str]
_encode_json = json.JSONEncoder(separators=(",", ":")).encode


@dataclass(frozen=True, slots=True)
class Registry:
    """The project's current speakers, as the suggester sees them, and by name."""

    speakers: tuple[RegistrySpeaker, ...]
    ids: frozenset[int] = frozenset()
    by_name: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Encoded:
    """The suggester's result for an article as the rows to store: for each claim span
    (``spans``, in text order) the tuple of its rows, one per field proposed, and the
    wire source found."""

    spans: tuple[tuple[int, int], ...]
    rows: tuple[tuple[Row, ...], ...]
    wire_source: str = ""


def speaker_id(proposal: Proposal, registry: Registry) -> int | None:
    """The registry speaker a speaker or via proposal names, if the registry has it."""
    guess = proposal.speaker
    if proposal.field not in SPEAKER_FIELDS:
        return None
    if guess is not None and guess.registry_id in registry.ids:
        return guess.registry_id
    return registry.by_name.get(proposal.value.casefold())


def confidence(value: float) -> float:
    """``value`` as stored: within 0..1, four decimals (0 for NaN)."""
    if value.__class__ is float and 0.0 <= value <= 1.0:
        return round(value, 4)
    value = float(value)
    if not math.isfinite(value):
        return 0.0
    return round(min(1.0, max(0.0, value)), 4)


def row(proposal: Proposal, registry: Registry) -> Row:
    """Return the row that stores ``proposal``."""
    # Items as [role, start, end]: their text is the article's text[start:end] (an
    # article's text never changes), and an import stores four or five rows a claim.
    evidence: dict = {
        "rule": proposal.rule,
        "continuation": bool(proposal.continuation),
        "items": [[e.role, e.start, e.end] for e in proposal.evidence],
    }
    if proposal.field in SPEAKER_FIELDS and proposal.speaker is not None:
        guess = proposal.speaker
        evidence["speaker"] = {
            "name": guess.name,
            "type": guess.type,
            "title": guess.title,
            "aliases": list(guess.aliases),
        }
    return (
        proposal.field,
        proposal.value[:VALUE_LIMIT],
        confidence(proposal.confidence),
        proposal.reason,
        speaker_id(proposal, registry),
        SOURCE,
        _encode_json(evidence),
    )


def encode(result: ArticleSuggestions, registry: Registry) -> Encoded:
    """Return ``result`` (the suggester's, for an article) as the rows to store, each
    speaker or via row naming the registry speaker it means where ``registry`` has it."""
    return Encoded(
        spans=tuple((c.start, c.end) for c in result.claims),
        rows=tuple(tuple(row(p, registry) for p in c.proposals()) for c in result.claims),
        wire_source=(result.wire_source or "")[:WIRE_SOURCE_LIMIT],
    )
