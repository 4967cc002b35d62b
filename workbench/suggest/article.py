"""``suggest_article``: one pass over an article's claims, in text order.

For each claim: its quotes (attribution.scan_quotes), its cues and their subjects
(attribution), who the subject is (resolution), the intermediary (via), how it is
attributed, and the verifiability hint (verifiability).  A claim without a cue is a
quote's continuation (inside a running quote, or a quoted sentence after a quoted
speaker), else narration: the article's own voice (the outlet; the wire service for
an article with a wire dateline; "the article" when no outlet is given).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from workbench.suggest.attribution import (
    AS_SAYING_RE,
    Cue,
    Sentence,
    Subject,
    find_cues,
    inverted,
    scan_quotes,
    subject_after,
    subject_before,
)
from workbench.suggest.mentions import Entity, Roster, find_mentions
from workbench.suggest.model import (
    ArticleSuggestions,
    ClaimSuggestions,
    Evidence,
    Proposal,
    RegistrySpeaker,
    RosterEntry,
    SpeakerGuess,
)
from workbench.suggest.resolution import Resolved, Resolver, outlet_named
from workbench.suggest.verifiability import classify
from workbench.text.cues import DOCUMENTS, WEAK_FORMS
from workbench.text.splitter import is_boilerplate

NO_OUTLET = "the article"

_WIRE_RE = re.compile(
    r"\s*[A-Z][A-Za-z.'’\- ]{1,40}(?:,[ ]*[A-Za-z0-9.'’\- ]{1,30}){0,2}[ ]*"
    r"\((?P<agency>[A-Z][\w.&'’ \-]{0,40})\)[ ]*(?:--?|[–—])"
)
_APPOSITIVE_RE = re.compile(r",\s+((?:the|a|an)\s+[^,.;:\"“”()]{3,100}?)(?=,|\.|;|$)")
_ACCORDING_RE = re.compile(
    r"\s+(?:(?:a|an|the)\s+)?(?:(?:\w+\s+){0,2}?(?:report|reports|statement|interview|"
    r"article|story|dispatch|broadcast)\s+(?:by|from|in|on|of|with|published by|carried by)\s+)?"
    r"(?:the\s+)?(?:(?:state|official|semi-official|state-run|news)\s+)*(?:news\s+agency\s+)?"
)
_WORDS_RE = re.compile(r"[^\W_]+")
_FIRST_PERSON_RE = re.compile(r"\b(?:[Ww]e|[Oo]ur|us|I|[Mm]y|me)\b")


@dataclass(slots=True)
class _Decision:
    """What the pass decided for one claim, before it becomes Proposals."""

    entity: Entity | None = None  # None: the narrator
    kind: str = "narration"
    rule: str = "narration"
    confidence: float = 0.6
    reason: str = ""
    continuation: bool = False
    evidence: list[Evidence] = field(default_factory=list)
    via: Entity | None = None
    via_evidence: list[Evidence] = field(default_factory=list)
    via_reason: str = ""
    attribution: str = "none"
    attribution_reason: str = ""
    attribution_evidence: list[Evidence] = field(default_factory=list)
    speaker_type: str = ""
    verifiability: tuple = ()
    content: list[tuple[int, int]] = field(default_factory=list)
    boilerplate: bool = False
    cue: Cue | None = None


def _ev(text: str, role: str, start: int, end: int) -> Evidence:
    return Evidence(role, start, end, text[start:end])


def wire_source(text: str) -> tuple[str, tuple[int, int]] | None:
    """Return (agency, dateline span) for "CITY (Reuters) -" at the start, else None."""
    m = _WIRE_RE.match(text)
    if m is None:
        return None
    return m.group("agency").strip(), (
        m.start() + len(m.group()) - len(m.group().lstrip()),
        m.end(),
    )


def suggest_article(
    text: str,
    spans,
    registry: tuple[RegistrySpeaker, ...] | list[RegistrySpeaker] = (),
    *,
    outlet: str = "",
) -> ArticleSuggestions:
    """Propose speaker, type, via, attribution and verifiability for every span.

    ``spans`` are (start, end) pairs into ``text``; the result's claims follow their
    order.  Raises TypeError for a text that is not a str and ValueError for a span
    outside the text or with its end before its start.
    """
    if not isinstance(text, str):
        raise TypeError(f"suggest_article() needs a str, not {type(text).__name__}")
    pairs = [(int(s), int(e)) for s, e in spans]
    for s, e in pairs:
        if not 0 <= s <= e <= len(text):
            raise ValueError(f"span ({s}, {e}) is not inside the text (length {len(text)})")
    order = sorted(range(len(pairs)), key=lambda i: pairs[i])
    wire = wire_source(text)
    narrator_name = wire[0] if wire else (" ".join(outlet.split()) or NO_OUTLET)
    narrator = Entity(name=narrator_name, type="author")
    outlet_entity = Entity(name=" ".join(outlet.split()), type="outlet") if outlet.strip() else None
    roster = Roster(registry)
    if outlet_entity is not None:
        known = roster.registry.get(outlet_entity.name)
        if known is not None:
            outlet_entity.name, outlet_entity.registry_id = known.name, known.id
    if wire is None and outlet_entity is not None:
        narrator = outlet_entity  # one speaker: narration and "Mehr reported" alike
    known = roster.registry.get(narrator.name)
    if known is not None:
        narrator.name, narrator.registry_id = known.name, known.id
    resolver = Resolver(roster, outlet, outlet_entity)

    sentences: list[Sentence] = []
    prev_end = 0
    for n, i in enumerate(order):
        s, e = pairs[i]
        gap = text[prev_end:s]
        sentences.append(Sentence(n, s, e, paragraph_start=n == 0 or "\n" in gap or "\r" in gap))
        prev_end = max(prev_end, e)
    scan_quotes(text, sentences)

    decisions: list[_Decision] = []
    # Quoted sentences of a running quote that wait for the quote's attribution,
    # and the claim before the quote began (whose speaker a quote with no
    # attribution at all carries on).
    pending: list[_Decision] = []
    before_run: _Decision | None = None
    previous: _Decision | None = None
    for sentence in sentences:
        d = _decide(text, sentence, resolver, previous, pending, outlet)
        decisions.append(d)
        if d.rule == "quote-pending":
            if not pending:
                before_run = previous
            pending.append(d)
        elif pending and d.entity is not None and d.kind != "narration":
            _settle(pending, d)
            pending = []
        if pending and not sentence.ends_inside:
            _settle(pending, before_run)
            pending = []
        previous = d
    if pending:
        _settle(pending, before_run)

    claims = [None] * len(pairs)
    for sentence, d, i in zip(sentences, decisions, order, strict=True):
        claims[i] = _claim(text, sentence, d, narrator, outlet_entity)
    roster_entries = _roster(text, roster, narrator, outlet_entity)
    extra = {"narrator_rule": "wire dateline" if wire else ("outlet" if outlet.strip() else "none")}
    return ArticleSuggestions(
        claims=tuple(claims),
        roster=roster_entries,
        wire_source=wire[0] if wire else "",
        narrator=_guess(narrator, "author"),
        extra=extra,
    )


def _settle(pending: list[_Decision], by: _Decision | None) -> None:
    """Give the quoted sentences of a running quote the quote's speaker."""
    if by is None or by.entity is None or by.kind == "narration":
        return
    for d in pending:
        d.entity = by.entity
        d.kind = "continuation"
        d.rule = "running-quote"
        d.continuation = True
        d.confidence = 0.75
        d.reason = f"inside a quote attributed to {by.entity.name}"


def _decide(
    text: str,
    sentence: Sentence,
    resolver: Resolver,
    previous: _Decision | None,
    pending: list[_Decision],
    outlet: str,
) -> _Decision:
    s, e = sentence.start, sentence.end
    d = _Decision()
    if is_boilerplate(text, s, e):
        d.boilerplate = True
        d.rule = "boilerplate"
        d.kind = "boilerplate"
        d.reason = "boilerplate (sign-off, licence or credit line): the outlet's"
        d.verifiability = classify(text, [(s, e)], boilerplate=True)
        return d
    mentions = find_mentions(text, s, e)
    entities: dict[int, Entity | None] = {}
    for m in mentions:
        if sentence.in_quote(m.start):
            continue
        entity, _how = resolver.entity_of(m)
        entities[id(m)] = entity
        if entity is not None:
            tail = _APPOSITIVE_RE.match(text, m.end, e)
            if tail is not None and entity.type == "person":
                entity.learn(description=tail.group(1))
    ends = {m.end: m for m in mentions if not sentence.in_quote(m.start)}
    starts = {m.start: m for m in mentions if not sentence.in_quote(m.start)}
    cues = find_cues(text, sentence)
    frames = sentence.frames()

    def frame_of(pos: int) -> tuple[int, int]:
        for a, b in frames:
            if a <= pos <= b:
                return a, b
        return s, e

    found: list[tuple[Cue, Subject, Resolved]] = []
    vias: list[tuple[Cue, Subject, Resolved | None, str]] = []
    for cue in cues:
        lo, hi = frame_of(cue.start)
        if cue.lemma == "according to":
            subj = _after_according(text, cue.end, hi, starts)
            if subj is not None:
                vias.append(
                    (
                        cue,
                        subj,
                        _resolve(resolver, subj, sentence, mentions, entities, text),
                        "according",
                    )
                )
            continue
        subj = subject_before(text, lo, cue.start, ends)
        if subj is None and inverted(text, lo, cue):
            subj = subject_after(text, cue.end, hi, starts)
        if subj is None:
            continue
        if subj.kind == "description" and subj.text.split()[-1].lower() in DOCUMENTS:
            res = _document(resolver, subj, text)
        else:
            res = _resolve(resolver, subj, sentence, mentions, entities, text)
        if res is None:
            continue
        if cue.lemma in ("quote", "cite"):
            # "KCNA quoted him as saying": the object speaks, the subject is the via
            m = AS_SAYING_RE.search(text, cue.end, min(hi, cue.end + 80))
            obj = _object_after(text, cue.end, m.start() if m else hi, starts, ends)
            if m is not None and obj is not None:
                ores = _resolve(resolver, obj, sentence, mentions, entities, text)
                vias.append((cue, subj, res, "quoted"))
                if ores is not None:
                    found.append((cue, obj, ores))
                continue
        if cue.lemma == "report" and res.entity.type == "outlet":
            vias.append((cue, subj, res, "reported"))
            continue
        if cue.form in WEAK_FORMS and subj.kind == "description" and res.kind != "document":
            continue
        found.append((cue, subj, res))

    if not found and not vias:
        colon = _colon_speaker(text, s, e, starts, frames)
        if colon is not None:
            subj, colon_at = colon
            res = _resolve(resolver, subj, sentence, mentions, entities, text)
            if res is not None:
                found.append((Cue(colon_at, colon_at + 1, ":", "colon"), subj, res))
    if found:
        cue, subj, res = found[0]
        d.cue = cue
        d.entity = res.entity
        d.kind = res.kind
        d.rule = f"cue:{cue.lemma}" + (":inverted" if subj.start > cue.start else "")
        d.confidence = res.confidence
        d.reason = f"{res.reason}; cue {cue.form!r}"
        if len({id(r.entity) for _c, _s, r in found}) > 1:
            others = ", ".join(
                sorted({r.entity.name for _c, _s, r in found[1:]} - {res.entity.name})
            )
            if others:
                d.reason += f"; also quotes {others}"
                d.confidence = min(d.confidence, 0.6)
        d.evidence = [
            _ev(text, "cue", cue.start, cue.end),
            _ev(text, "source", subj.start, subj.end),
        ]
        if (
            res.antecedent
            and res.antecedent[1] <= len(text)
            and res.antecedent != (subj.start, subj.end)
        ):
            d.evidence.append(_ev(text, "antecedent", *res.antecedent))
        for vcue, vsubj, vres, how in vias:
            if (
                vres is not None
                and vres.entity is not res.entity
                and not outlet_named(vres.entity.name, outlet)
            ):
                d.via = vres.entity
                d.via_evidence = [_ev(text, "via", vsubj.start, vsubj.end)]
                d.via_reason = f"{vres.entity.name} passes the claim on ({how} {vcue.form!r})"
                break
        if d.via is None and cue.lemma == "tell":
            obj = starts.get(_skip_the(text, cue.end, e))
            if obj is not None and obj.kind == "outlet" and not outlet_named(obj.name, outlet):
                ent = entities.get(id(obj))
                if ent is not None:
                    d.via = ent
                    d.via_evidence = [_ev(text, "via", obj.start, obj.end)]
                    d.via_reason = f"told {obj.name}, which reports it"
        if res.entity.type in ("person",):
            resolver.spoke(res.entity, sentence.index, subj.start)
        else:
            resolver.note(res.entity, sentence.index, subj.start)
            resolver.last_speaker = res.entity
        for _c, _s, r in found[1:]:
            resolver.spoke(r.entity, sentence.index, _s.start)
        attribution_clause = [(subj.start, subj.end), (cue.start, cue.end)]
        if cue.lemma == "tell":
            attribution_clause.append(_addressee(text, cue.end, e))
        for vcue, vsubj, _r, _h in vias:
            attribution_clause.append((vcue.start, vsubj.end))
        _attribute(text, sentence, d, attribution_clause, cue)
    elif vias:
        vcue, vsubj, vres, how = vias[0]
        if vres is not None:
            d.entity = vres.entity
            d.kind = "outlet" if vres.entity.type == "outlet" else vres.kind
            d.rule = f"{how}-source"
            d.confidence = 0.8
            d.reason = f"{vres.entity.name} reports it ({vcue.form!r})"
            d.evidence = [
                _ev(text, "cue", vcue.start, vcue.end),
                _ev(text, "source", vsubj.start, vsubj.end),
            ]
            resolver.note(vres.entity, sentence.index, vsubj.start)
            _attribute(text, sentence, d, [(vcue.start, vsubj.end), (vsubj.start, vsubj.end)], vcue)
    if d.entity is None:
        _unattributed(text, sentence, d, resolver, previous, pending)
    for m in mentions:
        ent = entities.get(id(m))
        if ent is not None and ent.type != "author" and not sentence.in_quote(m.start):
            resolver.note(ent, sentence.index, m.start)
    if d.entity is not None and d.entity.type == "person" and d.kind != "narration":
        resolver.spoke(d.entity, sentence.index, e)
    if not d.content:
        d.content = [(s, e)]
    d.verifiability = classify(
        text, d.content, cue=(d.cue.lemma, d.cue.start, d.cue.end) if d.cue else None
    )
    return d


def _colon_speaker(text, s, e, starts, frames) -> tuple[Subject, int] | None:
    """'Hatami: “...”' or an interview's 'Smith: We will ...': the name before a colon."""
    if not frames or frames[0][0] != s:
        return None
    mention = starts.get(s)
    if mention is None or mention.kind not in ("person", "bare", "organization", "outlet"):
        return None
    p = mention.end
    while p < e and text[p] == " ":
        p += 1
    if p < e and text[p] == ":":
        return Subject("mention", mention.start, mention.end, text[mention.start : mention.end]), p
    return None


def _skip_the(text: str, p: int, e: int) -> int:
    while p < e and text[p] == " ":
        p += 1
    if text.startswith("the ", p):
        p += 4
    return p


def _addressee(text: str, p: int, e: int) -> tuple[int, int]:
    """The words after "told" up to a colon, comma or "that" (his guest, reporters)."""
    m = re.compile(r"\s+(?:[\w’'\-]+\s*){1,4}?(?=:|,|\bthat\b|“|\"|$)").match(text, p, e)
    return (p, m.end()) if m else (p, p)


def _after_according(text: str, p: int, hi: int, starts: dict) -> Subject | None:
    m = _ACCORDING_RE.match(text, p, hi)
    q = m.end() if m else p
    mention = starts.get(q)
    if mention is not None:
        return Subject("mention", mention.start, mention.end, text[mention.start : mention.end])
    w = re.compile(r"(?:the\s+|a\s+)?[\w’'\-]+(?:\s+[\w’'\-]+){0,3}").match(
        text, p + 1 if text[p : p + 1] == " " else p, hi
    )
    if w is not None:
        words = w.group().split()
        for k, word in enumerate(words):
            if word.lower() in DOCUMENTS:
                return Subject(
                    "description",
                    w.start(),
                    w.start() + len(" ".join(words[: k + 1])),
                    " ".join(words[: k + 1]),
                )
    return None


def _object_after(text: str, p: int, hi: int, starts: dict, ends: dict) -> Subject | None:
    q = p
    while q < hi and text[q] == " ":
        q += 1
    mention = starts.get(q)
    if mention is not None:
        return Subject("mention", mention.start, mention.end, text[mention.start : mention.end])
    m = re.compile(r"(him|her|them)\b").match(text, q, hi)
    if m:
        word = {"him": "he", "her": "she", "them": "they"}[m.group(1)]
        return Subject("pronoun", m.start(), m.end(), word)
    return None


def _resolve(resolver, subj, sentence, mentions, entities, text) -> Resolved | None:
    if subj.kind == "pronoun" and subj.text.lower() not in ("he", "she", "they", "we", "i"):
        return None
    return resolver.resolve(subj, sentence.index, mentions, entities)


def _document(resolver: Resolver, subj: Subject, text: str) -> Resolved:
    """A document as the source ("The report predicts ..."): the document itself."""
    words = subj.text.split()
    name = (
        " ".join(words[1:]) if words[0].lower() in ("the", "a", "an", "this", "that") else subj.text
    )
    entity = resolver.roster.body(f"the {name}", "unknown", (subj.start, subj.end))
    return Resolved(entity, "document", None, 0.6, f"the document {subj.text!r} is the source")


def _words(text: str, ranges) -> int:
    return sum(len(_WORDS_RE.findall(text, a, b)) for a, b in ranges)


def _attribute(text: str, sentence: Sentence, d: _Decision, clause, cue: Cue) -> None:
    """Set direct / mixed / indirect for a claim with an attribution clause."""
    quotes = sentence.quotes
    quoted = _words(text, quotes)
    rest_ranges = _minus(sentence.frames(), clause)
    rest = _words(text, rest_ranges)
    for a, b in sentence.marks[:4]:
        d.attribution_evidence.append(_ev(text, "quote", a, b))
    if quoted and rest <= 3 and rest * 3 <= quoted:
        d.attribution = "direct"
        d.attribution_reason = "the content is inside quotation marks"
        d.content = quotes
    elif quoted:
        d.attribution = "mixed"
        d.attribution_reason = "paraphrase with quoted words"
        d.content = rest_ranges + quotes
    else:
        d.attribution = "indirect"
        d.attribution_reason = f"reported speech (cue {cue.form!r}), no quotation marks"
        d.content = rest_ranges
    if not d.content:
        d.content = [(sentence.start, sentence.end)]


def _minus(ranges, holes) -> list[tuple[int, int]]:
    out = []
    holes = sorted(h for h in holes if h[1] > h[0])
    for a, b in ranges:
        pos = a
        for hs, he in holes:
            if he <= pos or hs >= b:
                continue
            if hs > pos:
                out.append((pos, hs))
            pos = max(pos, he)
        if pos < b:
            out.append((pos, b))
    return out


def _unattributed(
    text: str,
    sentence: Sentence,
    d: _Decision,
    resolver: Resolver,
    previous: _Decision | None,
    pending: list[_Decision],
) -> None:
    """A claim without a cue: part of a quote, a continuation, or narration."""
    quoted = _words(text, sentence.quotes)
    rest = _words(text, sentence.frames())
    prev_speaker = (
        previous.entity if previous is not None and previous.kind != "narration" else None
    )
    if quoted and rest <= 2:
        for a, b in sentence.marks[:4]:
            d.attribution_evidence.append(_ev(text, "quote", a, b))
        d.attribution = "direct"
        d.attribution_reason = "the content is inside quotation marks"
        d.content = sentence.quotes
        in_attributed_run = sentence.opens_inside and prev_speaker is not None and not pending
        if in_attributed_run or (
            prev_speaker is not None and not sentence.ends_inside and not pending
        ):
            d.entity = prev_speaker
            d.kind = "continuation"
            d.rule = "running-quote" if in_attributed_run else "quote-continuation"
            d.continuation = True
            d.confidence = 0.75 if in_attributed_run else 0.65
            d.reason = (
                f"inside a quote attributed to {prev_speaker.name}"
                if in_attributed_run
                else f"a quoted sentence that carries on the remarks of {prev_speaker.name}"
            )
            return
        # wait for the quote's attribution (filled in by the caller, else settled)
        d.rule = "quote-pending"
        d.kind = "continuation"
        return
    if (
        prev_speaker is not None
        and previous is not None
        and previous.attribution in ("indirect", "mixed", "direct")
    ):
        m = _FIRST_PERSON_RE.search(text, sentence.start, sentence.end)
        if m is not None:
            d.entity = prev_speaker
            d.kind = "continuation"
            d.rule = "continuation"
            d.continuation = True
            d.confidence = 0.55
            d.reason = f"carries on the remarks of {prev_speaker.name} (first person, no new cue)"
            d.attribution = "indirect"
            d.attribution_reason = "reported speech carried on from the sentence before"
            d.evidence = [_ev(text, "cue", m.start(), m.end())]
            return
    d.kind = "narration"
    d.rule = "narration"
    d.confidence = 0.7
    d.reason = "no speech cue: the article's own voice"
    d.attribution = "none"
    d.attribution_reason = "narration"


def _guess(entity: Entity, type_: str | None = None) -> SpeakerGuess:
    return SpeakerGuess(
        name=entity.name,
        type=type_ or entity.type,
        title=entity.title,
        aliases=tuple(entity.aliases),
        registry_id=entity.registry_id,
    )


def _claim(
    text, sentence: Sentence, d: _Decision, narrator: Entity, outlet_entity
) -> ClaimSuggestions:
    if d.entity is None or d.boilerplate:
        entity, type_ = narrator, "author"
        if d.rule == "quote-pending":
            d.rule, d.kind, d.confidence = "unattributed-quote", "unknown", 0.3
            d.reason = "a quote no cue attributes: taken as the article's"
    else:
        entity = d.entity
        type_ = entity.type if entity.type in ("person", "organization", "outlet") else "unknown"
        if entity is narrator and d.kind not in ("outlet",):
            type_ = "author"
    guess = _guess(entity, type_)
    ev = tuple(x for x in d.evidence if 0 <= x.start <= x.end <= len(text))
    speaker = Proposal(
        field="speaker",
        value=entity.name,
        confidence=round(min(max(d.confidence, 0.0), 1.0), 2),
        reason=d.reason or "narration",
        evidence=ev,
        rule=d.rule,
        continuation=d.continuation,
        speaker=guess,
    )
    speaker_type = Proposal(
        field="speaker_type",
        value=type_,
        confidence=speaker.confidence,
        reason=f"{entity.name} is {'the article' if type_ == 'author' else 'a ' + type_}"
        if type_ != "author"
        else "the article's own voice",
        evidence=ev,
        rule=d.rule,
        continuation=d.continuation,
    )
    via = None
    if d.via is not None:
        via = Proposal(
            field="via",
            value=d.via.name,
            confidence=0.8,
            reason=d.via_reason,
            evidence=tuple(d.via_evidence),
            rule="via",
            speaker=_guess(
                d.via,
                d.via.type if d.via.type in ("person", "organization", "outlet") else "unknown",
            ),
        )
    attribution = Proposal(
        field="attribution",
        value="none" if d.boilerplate else d.attribution,
        confidence=0.9 if d.boilerplate else round(min(d.confidence + 0.1, 0.95), 2),
        reason=d.attribution_reason or "narration",
        evidence=tuple(d.attribution_evidence) + tuple(x for x in ev if x.role == "cue"),
        rule=d.rule,
    )
    label, triggers, why = d.verifiability
    verifiability = Proposal(
        field="verifiability",
        value=label,
        confidence=0.9 if d.boilerplate else 0.6,
        reason=why,
        evidence=tuple(_ev(text, "trigger", a, b) for a, b in triggers),
        rule="verifiability",
    )
    return ClaimSuggestions(
        start=sentence.start,
        end=sentence.end,
        speaker=speaker,
        speaker_type=speaker_type,
        via=via,
        attribution=attribution,
        verifiability=verifiability,
    )


def _roster(
    text: str, roster: Roster, narrator: Entity, outlet_entity: Entity | None
) -> tuple[RosterEntry, ...]:
    out = []
    seen = set()
    extra = [narrator] + (
        [outlet_entity] if outlet_entity is not None and outlet_entity is not narrator else []
    )
    for entity in extra + roster.entities:
        if id(entity) in seen or not entity.name:
            continue
        seen.add(id(entity))
        if entity.type not in ("person", "organization", "outlet", "author", "unknown"):
            continue
        if entity not in extra and not entity.mentions:
            continue
        out.append(
            RosterEntry(
                name=entity.name,
                type=entity.type,
                title=entity.title,
                aliases=tuple(entity.aliases),
                mentions=tuple(_ev(text, "source", a, b) for a, b in entity.mentions if a < b),
                registry_id=entity.registry_id,
            )
        )
    return tuple(out)
