"""Who a subject is: names, surnames, titles, descriptions, pronouns, relatives.

``Resolver`` walks the article in order.  It keeps the roster and the recent people
and speakers (a bounded window, so an article of 20,000 claims costs the same per
claim as one of 20), and answers for a cue's subject the entity it names, how
(source kind), the earlier mention it resolved to, a confidence and a reason.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import deque
from dataclasses import dataclass
from functools import lru_cache
from operator import itemgetter

from workbench.suggest.attribution import Subject
from workbench.suggest.mentions import Entity, Mention, Roster, words_of
from workbench.text.cues import DOCUMENTS, GENERIC_HEADS, ORG_WORDS, PRONOUNS
from workbench.text.names import fold_name

UNKNOWN_SPEAKER = "unknown"
_WINDOW = 40  # recent events kept for pronouns and descriptions
_ORG_HEADS = {w.lower() for w in ORG_WORDS} | {"government", "ministry", "military", "regime"}
_SYNONYMS = {
    "chief": {"commander", "head", "director", "chief", "leader"},
    "commander": {"commander", "chief", "general", "admiral", "head"},
    "minister": {"minister", "secretary"},
    "official": set(),
}
_PLURAL_PEOPLE = frozenset(
    """officials officers leaders ministers commanders generals spokesmen sources analysts
    experts residents witnesses observers diplomats authorities police researchers
    scientists doctors lawyers activists protesters organizers organisers critics
    supporters opponents participants members lawmakers legislators parliamentarians
    voters citizens people students teachers workers""".split()
)
_STOP = frozenset("the a an his her its their this that these those of and for in".split())


@dataclass(slots=True)
class Resolved:
    entity: Entity
    kind: str  # gold source_kind: name, surname, title, description, pronoun, relative
    antecedent: tuple[int, int] | None
    confidence: float
    reason: str


@lru_cache(maxsize=16384)
def outlet_named(word: str, outlet: str) -> bool:
    """True when ``word`` names the article's outlet ("Mehr" for "Mehr News Agency")."""
    if not outlet or not word:
        return False
    w, o = _no_the(fold_name(word)), _no_the(fold_name(outlet))
    if not w or not o:
        return False
    if w == o or o.startswith(w + " "):
        return True
    initials = "".join(p[0] for p in o.split() if p)
    return len(w) >= 2 and w == initials


def _no_the(folded: str) -> str:
    """A folded name without its leading article ("the guardian" -> "guardian")."""
    return folded[4:] if folded.startswith("the ") else folded


class Resolver:
    """The article's people and the recent ones, in reading order."""

    def __init__(self, roster: Roster, outlet: str, outlet_entity: Entity | None) -> None:
        self.roster = roster
        self.outlet = outlet
        self.outlet_entity = outlet_entity
        self.recent: deque[tuple[int, Entity, int]] = deque(maxlen=_WINDOW)
        self.speakers: deque[tuple[int, Entity, int]] = deque(maxlen=8)
        self.last_speaker: Entity | None = None
        self.last_speaker_sentence = -10
        self.narrator: Entity | None = None
        self.interviewee: Entity | None = None
        self._starts_of: list[Mention] | None = None
        self._unknown: Entity | None = None
        self._starts_index: dict[int, Mention] = {}
        self._name_words: dict[str, set[str]] = {}  # words_of(name), once a name

    def is_own(self, entity: Entity | None = None, name: str = "") -> bool:
        """True when ``entity`` (or ``name``) is the article's own outlet or wire
        service, by identity, name or alias: never a via."""
        own = [e for e in (self.outlet_entity, self.narrator) if e is not None]
        if entity is not None:
            if any(entity is e for e in own):
                return True
            name = entity.name
        if not name:
            return False
        for e in own:
            for known in (e.name, *e.aliases):
                if outlet_named(name, known):
                    return True
        return outlet_named(name, self.outlet)

    def unknown(self) -> Entity:
        """The one speaker of the article we cannot name (a pronoun with no antecedent);
        never in the roster."""
        if self._unknown is None:
            self._unknown = Entity(name=UNKNOWN_SPEAKER, type="unknown")
        return self._unknown

    def _starts(self, mentions: list[Mention]) -> dict[int, Mention]:
        """The sentence's mentions by start (the first at each), built once a list."""
        if self._starts_of is not mentions:
            index: dict[int, Mention] = {}
            for m in mentions:
                index.setdefault(m.start, m)
            self._starts_of, self._starts_index = mentions, index
        return self._starts_index

    def note(self, entity: Entity, sentence: int, pos: int) -> None:
        """Record that ``entity`` was mentioned (or spoke) at ``pos``."""
        if self.recent and self.recent[-1][1] is entity:
            self.recent.pop()
        self.recent.append((sentence, entity, pos))

    def spoke(self, entity: Entity, sentence: int, pos: int) -> None:
        """Record that ``entity`` is the source of a claim at ``pos``."""
        self.last_speaker = entity
        self.last_speaker_sentence = sentence
        entity.spoke = True
        self.note(entity, sentence, pos)
        if self.speakers and self.speakers[-1][1] is entity:
            self.speakers.pop()
        self.speakers.append((sentence, entity, pos))

    def last_of_type(self, type_: str, sentence: int) -> Entity | None:
        """Return the entity of this type mentioned last before ``sentence``."""
        for s, entity, _pos in reversed(self.recent):
            if s <= sentence and entity.type == type_:
                return entity
        return None

    def entity_of(self, mention: Mention) -> tuple[Entity | None, str]:
        """Return the entity a mention names (None for a place or an unknown word)."""
        span = (mention.start, mention.end)
        kind = mention.kind
        if kind == "person" and not mention.after_the:
            entity = self.roster.person(mention)
            return entity, "name" if " " in mention.name else "surname"
        if kind in ("outlet", "organization", "bare") and outlet_named(mention.name, self.outlet):
            entity = self.outlet_entity
            if entity is not None:
                entity.mentions.append(span)
                if mention.name != entity.name:
                    entity.add_alias(mention.name)
                return entity, "outlet"
        if kind == "outlet":
            return self.roster.body(mention.name, "outlet", span), "outlet"
        if kind == "organization":
            return self.roster.body(mention.name, "organization", span), "name"
        if kind == "bare":
            entity = self.roster.surname(mention.name)
            if entity is not None:
                entity.mentions.append(span)
                if mention.name != entity.name:
                    entity.add_alias(mention.name)
                return entity, "surname"
        return None, ""

    def resolve(
        self, subject: Subject, sentence: int, mentions: list[Mention], entities: dict
    ) -> Resolved | None:
        """Return who ``subject`` names, or None when it names no one we can tell.

        ``mentions`` are the sentence's mentions, ``entities`` what each names (by id).
        """
        if subject.kind == "mention":
            mention = self._starts(mentions).get(subject.start)
            if mention is None:
                return None
            entity = entities.get(id(mention))
            if entity is None and mention.after_the:
                entity = self.roster.body_ending(mention.name)
                if entity is not None:
                    return Resolved(
                        entity,
                        "description",
                        entity.first,
                        0.7,
                        f"{subject.text!r} resolved to {entity.name}, named earlier",
                    )
            if entity is None:
                if mention.kind in ("bare", "country", "other"):
                    several = mention.kind == "other" and " " in mention.name
                    type_ = "organization" if mention.kind == "country" or several else "person"
                    entity = self.roster.bare(mention.name, (mention.start, mention.end), type_)
                    entities[id(mention)] = entity
                else:
                    return None
                return Resolved(entity, "name", None, 0.75, f"{subject.text!r} named as the source")
            how = (
                "surname"
                if entity.first and entity.first != (mention.start, mention.end)
                else "name"
            )
            if entity.type == "outlet" or entity is self.outlet_entity:
                how = "outlet"
            if how == "surname":
                return Resolved(
                    entity,
                    "surname",
                    entity.first,
                    0.88,
                    f"{subject.text!r} is {entity.name}, named earlier",
                )
            return Resolved(entity, how, None, 0.92, f"{subject.text!r} named as the source")
        if subject.kind == "pronoun":
            return self._pronoun(subject, sentence, mentions, entities)
        if subject.kind == "relative":
            before = [m for m in mentions if m.end <= subject.start and id(m) in entities]
            for m in reversed(before):
                entity = entities[id(m)]
                if entity is not None and entity.type == "person":
                    return Resolved(
                        entity,
                        "relative",
                        (m.start, m.end),
                        0.85,
                        f"relative {subject.text!r} refers to {entity.name}, named just before",
                    )
            if self.last_speaker is not None:
                return Resolved(
                    self.last_speaker,
                    "relative",
                    None,
                    0.5,
                    f"relative {subject.text!r} taken as {self.last_speaker.name}, "
                    "the last speaker",
                )
            return None
        return self._description(subject, sentence)

    def _pronoun(
        self, subject: Subject, sentence: int, mentions=None, entities=None
    ) -> Resolved | None:
        low = subject.text.lower()
        if low == "you":
            # in an interview, "you" is the person interviewed
            entity = self.interviewee or self.last_speaker
            if entity is None or entity is self.outlet_entity:
                return None
            return Resolved(
                entity, "pronoun", None, 0.55, f"'you' taken as {entity.name}, the last speaker"
            )
        gender, number = PRONOUNS[low]
        if number == "pl":
            for _s, entity, _pos in reversed(self.recent):
                if _s < sentence and (
                    entity.plural or entity.type in ("organization", "outlet", "unknown")
                ):
                    return Resolved(
                        entity,
                        "pronoun",
                        entity.mentions[-1] if entity.mentions else None,
                        0.55,
                        f"pronoun {subject.text!r} resolved to {entity.name}, the last body named",
                    )
            return None

        def fits(entity: Entity) -> bool:
            return entity.type == "person" and not (
                entity.gender and gender and entity.gender != gender
            )

        # The most recent compatible speaker of the last few sentences, else the most
        # recent compatible person named.
        choice = None
        for s, entity, pos in reversed(self.speakers):
            if s < sentence and s >= sentence - 6 and fits(entity):
                choice, how = (entity, pos), "the last person quoted"
                break
        if choice is None:
            # a person we know is one ("Amir", "General", a speaker) before any
            # capitalised pair ("Hurricane Katrina struck")
            for strict in (True, False):
                for s, entity, pos in reversed(self.recent):
                    if s < sentence and fits(entity) and (entity.is_someone() or not strict):
                        choice, how = (entity, pos), "the last person named"
                        break
                if choice is not None:
                    break
        if choice is None and mentions is not None:
            # "Mr. Ghasemi spoke to a program ... where he said": the person named
            # earlier in the same sentence
            for m in mentions:
                entity = entities.get(id(m))
                if m.end <= subject.start and entity is not None and fits(entity):
                    choice, how = (entity, m.start), "named before it in the sentence"
                    break
        if choice is None:
            return None
        entity, pos = choice
        if gender in ("m", "f") and not entity.gender:
            entity.gender = gender  # later "she" no longer means him
        others = {
            id(e) for s, e, _p in self.recent if s >= sentence - 2 and s < sentence and fits(e)
        }
        confidence = 0.8 if len(others) <= 1 else 0.7
        return Resolved(
            entity,
            "pronoun",
            _mention_at(entity, pos),
            confidence,
            f"pronoun {subject.text!r} resolved to {entity.name}, {how}",
        )

    def _description(self, subject: Subject, sentence: int) -> Resolved | None:
        words = [w for w in words_of(subject.text) if w not in _STOP]
        if not words:
            return None
        raw = subject.text.split()
        head = raw[-1].lower().strip("’'")
        mods = {w for w in words if w != head}
        if head in DOCUMENTS:
            return None  # documents are handled by the caller
        if head in _PLURAL_PEOPLE:
            return None
        wanted = _SYNONYMS.get(head, {head})
        # First someone whose own title or description has the head word ("the
        # spokesman" for "Peter Hall, the party's spokesman"), then, for a generic
        # head ("the Iraqi official"), anyone the modifiers fit.
        for exact in (True, False):
            for s, entity, pos in reversed(self.recent):
                if s > sentence:
                    continue
                if head in _ORG_HEADS:
                    if entity.type != "organization":
                        continue
                    names = self._name_words.get(entity.name)
                    if names is None:
                        names = self._name_words[entity.name] = words_of(entity.name)
                    ok = head in names and mods <= names
                else:
                    if entity.type != "person":
                        continue
                    known = entity.words
                    ok = mods <= known and (
                        bool(wanted & known) if exact else head in GENERIC_HEADS
                    )
                if ok:
                    return Resolved(
                        entity,
                        "description" if mods or head not in entity.words else "title",
                        _mention_at(entity, pos),
                        0.7,
                        f"{subject.text!r} resolved to {entity.name} "
                        f"({entity.title or 'described earlier'})",
                    )
        return None


def _mention_at(entity: Entity, pos: int) -> tuple[int, int] | None:
    """The entity's mention last starting at or before ``pos`` (its mentions are in
    reading order: a binary search, not a scan of an entity named 10,000 times)."""
    spans = entity.mentions
    if not spans:
        return None
    if spans[-1][0] <= pos:
        return spans[-1]
    i = bisect_right(spans, pos, key=itemgetter(0)) - 1
    return spans[i] if i >= 0 and spans[i][0] <= pos else spans[-1]
