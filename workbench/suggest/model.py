"""What the suggester returns: plain, frozen data (no Flask, no SQLAlchemy).

This is the contract between the pure suggester (``workbench.suggest``), the data
operation that stores suggestions (``workbench.ops.suggestions``) and the pages that
show them. Offsets are character offsets into the article's text, ``[start, end)``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

SPEAKER_TYPES = ("person", "organization", "outlet", "author", "unknown")
ATTRIBUTIONS = ("direct", "mixed", "indirect", "none")
VERIFIABILITY = ("verifiable", "opinion", "prediction", "not_a_claim")
# The fields a claim gets a suggestion for, in the order they are shown and exported.
FIELDS = ("speaker", "speaker_type", "via", "attribution", "verifiability")
# Evidence roles: the speech cue, the mention naming the source, the earlier mention a
# pronoun/surname/title resolved to, the intermediary, the quotation marks, the words
# that triggered a verifiability hint, the wire dateline.
EVIDENCE_ROLES = ("cue", "source", "antecedent", "via", "quote", "trigger", "dateline")


@dataclass(frozen=True, slots=True)
class RegistrySpeaker:
    """A speaker of the project's registry, as the suggester sees it."""

    name: str
    type: str = "person"
    title: str = ""
    aliases: tuple[str, ...] = ()
    id: int | None = None


@dataclass(frozen=True, slots=True)
class Evidence:
    """One piece of evidence: ``article_text[start:end] == text``."""

    role: str
    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class SpeakerGuess:
    """Who the suggester thinks a name is: enough to create a registry speaker.

    ``registry_id`` is the registry speaker's id when the name matched one.
    """

    name: str
    type: str
    title: str = ""
    aliases: tuple[str, ...] = ()
    registry_id: int | None = None


@dataclass(frozen=True, slots=True)
class Proposal:
    """One field's suggestion for one claim.

    ``value`` is the label (for speaker and via: the speaker's canonical name);
    ``speaker`` is set for the speaker and via fields.
    """

    field: str
    value: str
    confidence: float
    reason: str
    evidence: tuple[Evidence, ...] = ()
    rule: str = ""
    continuation: bool = False
    speaker: SpeakerGuess | None = None


@dataclass(frozen=True, slots=True)
class ClaimSuggestions:
    """Every field's proposal for the claim ``[start, end)``; None where there is none."""

    start: int
    end: int
    speaker: Proposal | None = None
    speaker_type: Proposal | None = None
    via: Proposal | None = None
    attribution: Proposal | None = None
    verifiability: Proposal | None = None

    def proposals(self) -> Iterator[Proposal]:
        """Yield the proposals that exist, in FIELDS order."""
        for name in FIELDS:
            proposal = getattr(self, name)
            if proposal is not None:
                yield proposal


@dataclass(frozen=True, slots=True)
class RosterEntry:
    """A person or body the article names, with every mention seen."""

    name: str
    type: str
    title: str = ""
    aliases: tuple[str, ...] = ()
    mentions: tuple[Evidence, ...] = ()
    registry_id: int | None = None


@dataclass(frozen=True, slots=True)
class ArticleSuggestions:
    """The result of ``suggest_article``: one ClaimSuggestions per span, in order."""

    claims: tuple[ClaimSuggestions, ...]
    roster: tuple[RosterEntry, ...] = ()
    wire_source: str = ""
    narrator: SpeakerGuess | None = None
    extra: dict[str, str] = field(default_factory=dict)
