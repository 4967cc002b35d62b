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

from workbench.suggest.model import ArticleSuggestions, Proposal, RegistrySpeaker, SpeakerGuess

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


def evidence_of(proposal: Proposal) -> dict:
    """The evidence stored with ``proposal``, as an object (see docs/data-dictionary.md)."""
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
    return evidence


class _Writer:
    """Writes the rows of one article's proposals, the evidence as the JSON text that
    ``_encode_json(evidence_of(p))`` gives, with the strings that repeat (rules, roles,
    speakers) encoded once: an import encodes four or five evidences a claim."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self.strings: dict[str, str] = {}
        self.speakers: dict[SpeakerGuess, str] = {}

    def string(self, value: str) -> str:
        encoded = self.strings.get(value)
        if encoded is None:
            encoded = self.strings[value] = _encode_json(value)
        return encoded

    def speaker(self, guess: SpeakerGuess) -> str:
        encoded = self.speakers.get(guess)
        if encoded is None:
            encoded = self.speakers[guess] = _encode_json(
                {
                    "name": guess.name,
                    "type": guess.type,
                    "title": guess.title,
                    "aliases": list(guess.aliases),
                }
            )
        return encoded

    def evidence(self, proposal: Proposal) -> str:
        string = self.string
        items = ",".join(
            f"[{string(e.role)},{int(e.start)},{int(e.end)}]" for e in proposal.evidence
        )
        text = (
            f'{{"rule":{string(proposal.rule)},'
            f'"continuation":{"true" if proposal.continuation else "false"},'
            f'"items":[{items}]'
        )
        if proposal.field in SPEAKER_FIELDS and proposal.speaker is not None:
            return f'{text},"speaker":{self.speaker(proposal.speaker)}}}'
        return text + "}"

    def row(self, proposal: Proposal) -> Row:
        return (
            proposal.field,
            proposal.value[:VALUE_LIMIT],
            confidence(proposal.confidence),
            proposal.reason,
            speaker_id(proposal, self.registry),
            SOURCE,
            self.evidence(proposal),
        )


def row(proposal: Proposal, registry: Registry) -> Row:
    """Return the row that stores ``proposal``."""
    return _Writer(registry).row(proposal)


def encode(result: ArticleSuggestions, registry: Registry) -> Encoded:
    """Return ``result`` (the suggester's, for an article) as the rows to store, each
    speaker or via row naming the registry speaker it means where ``registry`` has it."""
    write = _Writer(registry).row
    return Encoded(
        spans=tuple((c.start, c.end) for c in result.claims),
        rows=tuple(tuple(write(p) for p in c.proposals()) for c in result.claims),
        wire_source=(result.wire_source or "")[:WIRE_SOURCE_LIMIT],
    )
