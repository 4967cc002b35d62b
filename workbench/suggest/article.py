"""``suggest_article``: one pass over an article's claims, in text order.

For each claim: its quotes (attribution.scan_quotes), its cues and their subjects
(attribution), who the subject is (resolution), the intermediary (via), how it is
attributed, and the verifiability hint (verifiability).  A claim without a cue is a
quote's continuation (inside a running quote, or a quoted sentence after a quoted
speaker), else narration: the article's own voice (the outlet; the wire service for
an article with a wire dateline; "the article" when no outlet is given).
"""

from __future__ import annotations

import gc
import re
from bisect import bisect_right
from operator import itemgetter

from workbench.suggest import build
from workbench.suggest.attribution import (
    AS_SAYING_RE,
    Cue,
    Sentence,
    Subject,
    agent_after,
    find_cues,
    inverted,
    is_head,
    scan_quotes,
    subject_after,
    subject_before,
)
from workbench.suggest.mentions import Entity, Mention, Roster, find_mentions
from workbench.suggest.model import (
    ArticleSuggestions,
    ClaimSuggestions,
    Evidence,
    RegistrySpeaker,
    RosterEntry,
    SpeakerGuess,
)
from workbench.suggest.resolution import Resolved, Resolver
from workbench.suggest.verifiability import classify
from workbench.text.cues import BODY_HEADS, DOCUMENTS, GROUP_HEADS, LABELS, WEAK_FORMS
from workbench.text.splitter import is_boilerplate

NO_OUTLET = "the article"
UNNAMED_REPORTS = "unnamed reports"

# "LONDON (Reuters) -", "WASHINGTON, March 3 (AP) —": the place in capitals, as the
# splitter's datelines ("The Islamic Revolutionary Guard Corps (IRGC) - ..." is none).
_WIRE_RE = re.compile(
    r"\s*[A-Z][A-Z.'’\-]*(?:[ \u00a0]+[A-Z][A-Z.'’\-]*){0,3}"
    r"(?:,[ ]*[A-Za-z0-9.'’\- ]{1,30}){0,2}[ ]*"
    r"\((?P<agency>[A-Z][\w.&'’ \-]{0,40})\)[ ]*(?:--?|[–—])"
)
_APPOSITIVE_RE = re.compile(r",\s+((?:the|a|an)\s+[^,.;:\"“”()]{3,100}?)(?=,|\.|;|$)")
_ACCORDING_RE = re.compile(
    r"\s+(?:(?:a|an|the)\s+)?(?:(?:\w+\s+){0,2}?(?:report|reports|statement|interview|"
    r"article|story|dispatch|broadcast)\s+(?:by|from|in|on|of|with|published by|carried by)\s+)?"
    r"(?:the\s+)?(?:(?:state|official|semi-official|state-run|news)\s+)*(?:news\s+agency\s+)?"
)
_WORDS_RE = re.compile(r"[^\W_]+")
_first = itemgetter(0)
_FIRST_PERSON_RE = re.compile(r"\b(?:[Ww]e|[Oo]ur|us|I|[Mm]y|me)\b")


class _Decision:
    """What the pass decided for one claim, before it becomes Proposals.

    ``entity`` None means the narrator. One is made per claim, so the defaults are
    class attributes (an instance only stores what differs) and the evidence lists
    are tuples until a rule sets them.
    """

    entity: Entity | None = None
    kind = "narration"
    rule = "narration"
    confidence = 0.6
    reason = ""
    continuation = False
    evidence: list[Evidence] | tuple = ()
    via: Entity | None = None
    via_evidence: list[Evidence] | tuple = ()
    via_reason = ""
    attribution = "none"
    attribution_reason = ""
    attribution_evidence: list[Evidence] | tuple = ()
    verifiability: tuple = ()
    content: list[tuple[int, int]] | tuple = ()
    boilerplate = False
    cue: Cue | None = None
    colon_entity: Entity | None = None  # who speaks in a quote a colon introduces
    findings: Entity | None = None  # a document whose findings may carry on

    def __init__(self, entity: Entity | None = None, attribution: str = "none") -> None:
        if entity is not None:
            self.entity = entity
        if attribution != "none":
            self.attribution = attribution


def _ev(text: str, role: str, start: int, end: int) -> Evidence:
    return build.evidence(role, start, end, text[start:end])


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
    # The pass makes many small objects and no reference cycles: the cycle collector
    # would only rescan them (a third of the time of a 20,000-claim article).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _suggest(text, spans, registry, outlet)
    finally:
        if collecting:
            gc.enable()


def _suggest(text, spans, registry, outlet) -> ArticleSuggestions:
    if not isinstance(text, str):
        raise TypeError(f"suggest_article() needs a str, not {type(text).__name__}")
    if outlet is None:
        outlet = ""
    if not isinstance(outlet, str):
        raise TypeError(f"suggest_article() needs the outlet as a str, not {type(outlet).__name__}")
    if registry is None:
        registry = ()
    pairs = [_pair(x) for x in spans]
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
    resolver.narrator = narrator

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
    turn: tuple[Entity, tuple[int, int] | None] | None = None
    for sentence in sentences:
        if sentence.paragraph_start:
            turn = _interview_turn(text, sentence, resolver, narrator)
        if turn is not None and turn[0] is not narrator:
            d = _turn(text, sentence, turn)
            turn = (turn[0], None)  # the paragraph's next sentences carry it on
        elif turn is not None and turn[1] is not None and text.startswith("Q", turn[1][0]):
            d = _question(text, sentence, turn[1])  # "Q: ...": the interviewer's
            turn = (narrator, None)
        else:
            d = _decide(text, sentence, resolver, previous, pending, outlet, narrator)
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
    guesses: dict = {}
    for sentence, d, i in zip(sentences, decisions, order, strict=True):
        claims[i] = _claim(text, sentence, d, narrator, outlet_entity, guesses)
    roster_entries = _roster(text, roster, narrator, outlet_entity)
    extra = {"narrator_rule": "wire dateline" if wire else ("outlet" if outlet.strip() else "none")}
    return ArticleSuggestions(
        claims=tuple(claims),
        roster=roster_entries,
        wire_source=wire[0] if wire else "",
        narrator=_guess(narrator, "author"),
        extra=extra,
    )


def _pair(span) -> tuple[int, int]:
    """A span as (start, end): a pair, or anything with .start and .end (a Span)."""
    if isinstance(span, tuple):  # first: a failed hasattr costs an exception
        s, e = span
        return int(s), int(e)
    if hasattr(span, "start") and hasattr(span, "end"):
        return int(span.start), int(span.end)
    s, e = span
    return int(s), int(e)


_LITERAL_KINDS = {"person": "person", "outlet": "outlet"}


def _with_literal_names(text, sentence, mentions, literal, roster) -> list[Mention]:
    """The mentions with the registry's literal names ("C++ (group)") in place of the
    capitalised phrases they overlap."""
    found = []
    for a, b in sentence.frames():
        for m in literal.finditer(text, a, b):
            known = roster.registry.get(m.group())
            kind = _LITERAL_KINDS.get(getattr(known, "type", ""), "organization")
            found.append(Mention(m.start(), m.end(), kind, m.group(), "", m.start()))
    if not found:
        return mentions
    kept = [x for x in mentions if not any(x.start < f.end and f.start < x.end for f in found)]
    return sorted(kept + found, key=lambda x: x.start)


def _settle(pending: list[_Decision], by: _Decision | None) -> None:
    """Give the quoted sentences of a running quote the quote's speaker."""
    if by is None:
        return
    entity = by.colon_entity or (by.entity if by.kind != "narration" else None)
    if entity is None:
        return
    for d in pending:
        _continue(d, entity, "running-quote", 0.75, f"inside a quote attributed to {entity.name}")


def _decide(
    text: str,
    sentence: Sentence,
    resolver: Resolver,
    previous: _Decision | None,
    pending: list[_Decision],
    outlet: str,
    narrator: Entity,
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
    if sentence.quotes:
        # names inside quotes are never sources nor antecedents: not even read
        mentions = [m for a, b in sentence.frames() for m in find_mentions(text, a, b, s)]
    else:
        mentions = find_mentions(text, s, e)
    literal = resolver.roster.literal_re
    if literal is not None:
        mentions = _with_literal_names(text, sentence, mentions, literal, resolver.roster)
    entities: dict[int, Entity | None] = {}
    for m in mentions:
        entity, _how = resolver.entity_of(m)
        entities[id(m)] = entity
        if entity is not None and entity.type == "person" and text.startswith(",", m.end):
            tail = _APPOSITIVE_RE.match(text, m.end, e)
            if tail is not None:
                entity.learn(description=tail.group(1))
    frames = sentence.frames()
    cues = find_cues(text, sentence)
    starts = {m.start: m for m in mentions} if mentions else {}
    if cues:
        ends = {m.end: m for m in mentions}
        found, vias = _sources(
            text, sentence, resolver, mentions, entities, starts, ends, frames, cues
        )
    else:
        found, vias = [], []
    if not found and not vias and mentions and text.find(":", s, e) >= 0:
        colon = _colon_speaker(text, s, e, starts, frames)
        if colon is not None:
            subj, colon_at = colon
            res = _resolve(resolver, subj, sentence, mentions, entities, text, narrator)
            if res is not None:
                found.append((Cue(colon_at, colon_at + 1, ":", "colon"), subj, res))
    if found and found[0][2].kind == "narration":
        # "We urge the sides ...": the issuer (the article) speaking of itself
        cue, subj, _res = found[0]
        found = []
        d.evidence = [
            _ev(text, "cue", cue.start, cue.end),
            _ev(text, "source", subj.start, subj.end),
        ]
        d.reason = f"first person {subj.text!r} outside quotes: the article's own voice"
        d.rule = "narration:first-person"
    if found:
        _take(text, sentence, d, found, vias, resolver, starts, entities, outlet)
    elif vias:
        vcue, vsubj, vres, how = vias[0]
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
        _attribute(text, sentence, d, vcue, [(vcue.start, vsubj.end)])
    if d.entity is None and d.rule != "narration:first-person":
        _unattributed(text, sentence, d, resolver, previous, pending)
    elif d.entity is None:
        d.kind, d.confidence, d.attribution = "narration", 0.6, "none"
        d.attribution_reason = "narration"
    if mentions:
        note, index = resolver.note, sentence.index
        for m in mentions:
            ent = entities.get(id(m))
            if ent is not None and ent.type != "author":
                note(ent, index, m.start)
    if d.entity is not None and d.kind in ("continuation",) and d.entity.type == "person":
        resolver.spoke(d.entity, sentence.index, e)
    if text.find(":", s, e) >= 0:  # else no colon ends it
        d.colon_entity = _colon_entity(text, sentence, d, mentions, entities, frames)
    if not d.content:
        d.content = [(s, e)]
    d.verifiability = classify(
        text, d.content, cue=(d.cue.lemma, d.cue.start, d.cue.end) if d.cue else None
    )
    return d


_THIRD_PERSON = frozenset(("he", "she", "they"))
_HEADLINE_CUES = frozenset(("say", "tell", "warn", "claim"))


def _is_headline(text: str, sentence: Sentence) -> bool:
    """True for a first line without final punctuation followed by a line break."""
    if sentence.index != 0:
        return False
    line = text[sentence.start : sentence.end]
    after = text[sentence.end : sentence.end + 2]
    return bool(line) and line[-1] not in ".!?:”\"’'" and after[:1] in ("\n", "\r")


def _sources(text, sentence, resolver, mentions, entities, starts, ends, frames, cues):
    """Return (found, vias): each cue with its subject resolved, and the intermediaries.

    In a headline only a verb of saying makes reported speech ("Trump says ...");
    "Spokesman condemns claims" is the outlet's summary.
    """
    s, e = sentence.start, sentence.end
    narrator = resolver.narrator
    headline = sentence.index == 0 and _is_headline(text, sentence)
    found: list[tuple[Cue, Subject, Resolved]] = []
    vias: list[tuple[Cue, Subject, Resolved, str]] = []
    for cue in cues:
        # the cue's frame: frames are sorted and apart, so the last one starting at or
        # before it, else the whole sentence
        pos = cue.start
        if len(frames) == 1:
            lo, hi = frames[0]
            if not lo <= pos <= hi:
                lo, hi = s, e
        else:
            i = bisect_right(frames, pos, key=_first) - 1
            if i >= 0 and frames[i][0] <= pos <= frames[i][1]:
                lo, hi = frames[i]
            else:
                lo, hi = s, e
        if cue.lemma == "according to":
            subj = _after_according(text, cue.end, hi, starts)
            if subj is not None:
                res = _resolve(resolver, subj, sentence, mentions, entities, text, narrator)
                if res is not None:
                    vias.append((cue, subj, res, "according to"))
            continue
        if headline and cue.lemma not in _HEADLINE_CUES:
            continue
        subj = subject_before(text, lo, cue.start, ends)
        if subj is None and cue.form.endswith("ing"):
            subj = _participle_subject(text, lo, cue.start, starts)
        if subj is None and inverted(text, lo, cue):
            subj = subject_after(text, cue.end, hi, starts)
        if subj is None and cue.form.endswith("ed") and text.startswith(" by ", cue.end):
            subj = agent_after(text, cue.end, hi, starts)  # "the highest rate noted by the team"
        if subj is None and _passive(text, lo, cue.start):
            subj = agent_after(text, cue.end, hi, starts)
            if (
                subj is None
                and cue.form in ("reported", "said")
                and text.startswith(" to ", cue.end)
            ):
                entity = resolver.roster.body(UNNAMED_REPORTS, "unknown", (cue.start, cue.end))
                why = f"agentless {text[cue.start : cue.end + 3]!r}: unnamed reports"
                subj = Subject("description", cue.start, cue.end, cue.form)
                found.append((cue, subj, Resolved(entity, "description", None, 0.5, why)))
                continue
        if subj is None or subj.kind == "pronoun" and sentence.in_quote(subj.start):
            continue
        res = _resolve(resolver, subj, sentence, mentions, entities, text, narrator)
        if res is None and subj.kind == "pronoun" and subj.text.lower() in _THIRD_PERSON:
            # "Sara Jones spoke. He said ...": reported speech by someone we cannot tell
            res = Resolved(
                resolver.unknown(),
                "pronoun",
                None,
                0.3,
                f"pronoun {subj.text!r} has no compatible antecedent: speaker unknown",
            )
        if res is None:
            continue
        if _subordinate(text, s, min(subj.start, cue.start)):
            # "..., with Zinichev describing ...": the main clause is narration, but
            # Zinichev is the last person quoted for a "he" that follows
            if res.entity.type == "person":
                resolver.spoke(res.entity, sentence.index, subj.start)
            continue
        if _no_content(text, cue, hi):
            continue  # "told no one", "said little", "expressed his condolences"
        if cue.lemma in ("quote", "cite"):
            # "KCNA quoted him as saying": the object speaks, the subject is the via
            m = AS_SAYING_RE.search(text, cue.end, min(hi, cue.end + 80))
            obj = _object_after(text, cue.end, m.start() if m else hi, starts)
            if m is not None and obj is not None:
                ores = _resolve(resolver, obj, sentence, mentions, entities, text, narrator)
                vias.append((cue, subj, res, "quoted"))
                if ores is None and obj.kind == "pronoun":
                    # "KCNA quoted him as saying" with no "he" before: someone unknown
                    ores = Resolved(
                        resolver.unknown(),
                        "pronoun",
                        None,
                        0.3,
                        f"pronoun {obj.text!r} has no compatible antecedent: speaker unknown",
                    )
                if ores is not None:
                    found.append((cue, obj, ores))
                continue
        if cue.lemma == "report" and res.entity.type == "outlet":
            vias.append((cue, subj, res, "reported"))
            continue
        if (
            cue.form in WEAK_FORMS
            and subj.kind == "description"
            and res.kind
            not in (
                "document",
                "description",
                "title",
            )
        ):
            continue
        found.append((cue, subj, res))
    return found, vias


# A cue whose object says there was nothing to report: "told no one about the plan",
# "has said little in public", "said nothing"; or a courtesy with no content:
# "expressed his condolences".
_VERBISH = (
    r"had|has|have|was|is|were|are|would|will|could|can|should|may|might|must|did|does|"
    r"do|[a-z]+ed"
)
_NO_CONTENT_RE = re.compile(
    rf"\s+(?:(?:no\s+one|nobody|nothing|little|none|no\s+more)\b(?!\s+(?:that|of|{_VERBISH})\b)"
    r"|(?:his|her|their|its|our|the)\s+(?:deepest\s+|sincere\s+|heartfelt\s+)?"
    r"(?:condolences|sympathy|sympathies)\b)"
)


def _no_content(text: str, cue: Cue, hi: int) -> bool:
    """True when the words after the cue report nothing (no statement follows)."""
    p = cue.end
    # (the pattern opens with white space: most cues are followed by none of it)
    return p < hi and text[p].isspace() and _NO_CONTENT_RE.match(text, p, hi) is not None


def _participle_subject(text: str, lo: int, v: int, starts: dict) -> Subject | None:
    """The subject of the main clause for ", saying ..." after it ("Hatami thanked
    Baqeri, saying ..."): the name or pronoun that opens the clause."""
    k = v
    while k > lo and text[k - 1] == " ":
        k -= 1
    if k <= lo or text[k - 1] != ",":
        return None
    q = lo
    while q < k and text[q].isspace():
        q += 1
    mention = starts.get(q)
    if mention is not None:
        if mention.kind not in ("person", "bare", "organization", "outlet"):
            return None
        return Subject("mention", mention.start, mention.end, text[mention.start : mention.end])
    m = _CLAUSE_PRONOUN_RE.match(text, q, k)
    return Subject("pronoun", m.start(), m.end(), m.group()) if m else None


_CLAUSE_PRONOUN_RE = re.compile(r"(?:[Hh]e|[Ss]he|[Tt]hey)\b")


def _take(text, sentence, d, found, vias, resolver, starts, entities, outlet) -> None:
    """Fill ``d`` from the first source found (the others are named in the reason)."""
    e = sentence.end
    cue, subj, res = found[0]
    if len(found) > 1 and (res.kind == "document" or res.entity.type == "outlet"):
        later = next(
            (
                f
                for f in found[1:]
                if cue.end < f[1].start <= cue.end + 40
                and not any(c in text[cue.end : f[1].start] for c in ',;:“”"')
            ),
            None,
        )
        if later is not None:
            # "The study notes the NVISS indicates ...": the inner source speaks, the
            # document or outlet passes it on
            vias = [(cue, subj, res, "reported by"), *vias]
            found = [later] + [f for f in found if f is not later and f[0] is not cue]
            if res.kind == "document" and cue.lemma in _FINDINGS:
                d.findings = res.entity  # "The study notes the NVISS indicates ..."
            cue, subj, res = later
    d.cue = cue
    d.entity = res.entity
    d.kind = res.kind
    if res.kind == "document" and cue.lemma in _FINDINGS:
        d.findings = res.entity
    d.rule = f"cue:{cue.lemma}" + (":inverted" if subj.start > cue.start else "")
    d.confidence = res.confidence
    d.reason = f"{res.reason}; cue {cue.form!r}"
    if len(found) > 1:
        others = sorted({r.entity.name for _c, _s, r in found[1:]} - {res.entity.name})
    else:
        others = ()
    if others:
        d.reason += f"; also quotes {', '.join(others)}"
        d.confidence = min(d.confidence, 0.6)
    d.evidence = [
        _ev(text, "cue", cue.start, cue.end),
        _ev(text, "source", subj.start, subj.end),
    ]
    if res.antecedent and res.antecedent != (subj.start, subj.end):
        d.evidence.append(_ev(text, "antecedent", *res.antecedent))
    for vcue, vsubj, vres, how in vias:
        if vres.entity is not res.entity and not resolver.is_own(vres.entity):
            d.via = vres.entity
            d.via_evidence = [_ev(text, "via", vsubj.start, vsubj.end)]
            d.via_reason = f"{vres.entity.name} passes the claim on ({how} {vcue.form!r})"
            break
    if d.via is None:
        _spoken_to(text, sentence, d, cue, starts, entities, resolver)
    for _c, _s, r in found:
        if r.entity.type != "author":
            resolver.spoke(r.entity, sentence.index, _s.start)
    clause = [(min(subj.start, cue.start), max(subj.end, cue.end))]
    if cue.lemma == "tell":
        clause.append(_addressee(text, cue.end, e))
    for vcue, vsubj, _r, _h in vias:
        clause.append((vcue.start, vsubj.end))
    _attribute(text, sentence, d, cue, clause)


_SPOKEN_TO_RE = re.compile(
    r"\s+(?:to\s+)?(?:(?:a|an|the)\s+(?:\w+\s+){0,2}?(?:program|programme|show|interview)"
    r"\s+(?:in|on|of|with)\s+|an?\s+interview\s+with\s+|the\s+|The\s+)?"
)
# (every match holds "spok", "talk", "speaking" or "interview": str.find looks first)
_SPOKE_RE = re.compile(r"\b(?:spoke|speaking|talked|talking)\s+to\b|\bin an interview with\b")


def _spoken_to(text, sentence, d, cue, starts, entities, resolver) -> None:
    """ "told The Washington Post", "spoke to a program in Al-Alam TV": an outlet spoken
    to (not the article's own) is the via."""
    points = [cue.end] if cue.lemma == "tell" else []
    s, e = sentence.start, sentence.end
    find = text.find
    if (
        find("spok", s, e) >= 0
        or find("talk", s, e) >= 0
        or find("speaking", s, e) >= 0
        or find("interview", s, e) >= 0
    ):
        for m in _SPOKE_RE.finditer(text, s, e):
            points.append(m.end())
    if not points:
        return
    for p in points:
        m = _SPOKEN_TO_RE.match(text, p, sentence.end)
        q = m.end() if m else p
        obj = starts.get(q)
        if obj is None or obj.kind != "outlet" or resolver.is_own(name=obj.name):
            continue
        ent = entities.get(id(obj))
        if ent is not None and ent is not d.entity and not resolver.is_own(ent):
            d.via = ent
            d.via_evidence = [_ev(text, "via", obj.start, obj.end)]
            d.via_reason = f"spoke to {obj.name}, which carries it"
            return


def _passive(text: str, lo: int, v: int) -> bool:
    """True when the cue at ``v`` follows a form of "be" ("was told", "is reported")."""
    k = v
    for _ in range(3):
        while k > lo and text[k - 1] == " ":
            k -= 1
        j = k
        while j > lo and text[j - 1].isalpha():
            j -= 1
        word = text[j:k].lower()
        if word in ("is", "are", "was", "were", "be", "been", "being"):
            return True
        if word not in ("also", "reportedly", "later", "then", "not", "widely", "first"):
            return False
        k = j
    return False


def _subordinate(text: str, s: int, p: int) -> bool:
    """True for a source in a "with ... saying" phrase: the clause that holds ``p``
    (from the last comma or semicolon, or the sentence start) opens with "with"."""
    k = max(text.rfind(",", s, p), text.rfind(";", s, p))
    q = k + 1 if k >= 0 else s
    while q < p and text[q].isspace():
        q += 1
    return text.startswith(("with ", "With "), q)


_STATEMENT_FROM_RE = re.compile(r"\b(?:statement|remarks|message|letter)\s+(?:from|by|of)\s+")


def _colon_entity(text, sentence, d, mentions, entities, frames) -> Entity | None:
    """Who speaks in the quote a sentence ending in a colon introduces."""
    end = sentence.end
    while end > sentence.start and text[end - 1].isspace():
        end -= 1
    if not frames or end == sentence.start or text[end - 1] != ":":
        return None
    if sentence.quotes and sentence.quotes[-1][1] >= sentence.end - 1:
        return None
    m = _STATEMENT_FROM_RE.search(text, sentence.start, sentence.end)
    if m is not None:
        for mention in mentions:
            if mention.start >= m.end() and mention.start <= m.end() + 60:
                entity = entities.get(id(mention))
                if entity is not None and entity.type == "person":
                    return entity
    if d.entity is not None:
        return d.entity
    people = [entities.get(id(x)) for x in mentions]
    people = [p for p in people if p is not None and p.type == "person"]
    return people[0] if people else None


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
        if mention.kind == "bare" and (mention.name in LABELS or _lower_after(text, p + 1, e)):
            return None  # "Note: this article was updated ...": a label, not a name
        return Subject("mention", mention.start, mention.end, text[mention.start : mention.end]), p
    return None


def _lower_after(text: str, p: int, e: int) -> bool:
    """True when the first letter after ``p`` (before ``e``) is lower case."""
    while p < e and not text[p].isalpha():
        if text[p] in '“"«':
            return False  # 'Smith: "we will ..."' quotes the speaker
        p += 1
    return p < e and text[p].islower()


def _addressee(text: str, p: int, e: int) -> tuple[int, int]:
    """The words after "told" up to a colon, comma, "that" or a quote (his guest, reporters)."""
    m = _ADDRESSEE_RE.match(text, p, e)
    return (p, m.end()) if m else (p, p)


_ADDRESSEE_RE = re.compile(r"\s+(?:[\w’'\-.]+\s*){1,4}?(?=[:,;.]|\bthat\b|“|\"|$)")
_ACCORDING_RE = re.compile(
    r"\s+(?:(?:a|an|the)\s+)?(?:(?:[\w’'\-]+\s+){0,4}?(?:by|from|in|of|with)\s+)?"
    r"(?:the\s+)?(?:(?:state|official|semi-official|state-run|news|agency)\s+)*"
)
_DESCRIPTION_AFTER_RE = re.compile(
    r"\s+((?:the\s+|a\s+|an\s+|his\s+|her\s+|its\s+|their\s+)?[\w’'\-]+(?:\s+[\w’'\-]+){0,4})"
)


def _after_according(text: str, p: int, hi: int, starts: dict) -> Subject | None:
    """The source after "according to": a name ("IRNA", "a report by Tasnim", "a tweet
    on Monday by ... Mike Pompeo") or a description ("the emergencies ministry")."""
    m = _ACCORDING_RE.match(text, p, hi)
    if m is not None:
        # the shortest prefix that lands on a mention
        for q in range(p, min(m.end(), hi) + 1):
            mention = starts.get(q)
            if mention is not None:
                return Subject(
                    "mention", mention.start, mention.end, text[mention.start : mention.end]
                )
    w = _DESCRIPTION_AFTER_RE.match(text, p, hi)
    if w is None:
        return None
    words = list(re.finditer(r"[\w’'\-]+", w.group(1)))
    base = w.start(1)
    for i, word in enumerate(words):
        low = word.group().lower()
        if low in _HEAD_WORDS or low.rstrip("s") in _HEAD_WORDS:
            end = base + word.end()
            return Subject("description", base, end, text[base:end])
        if i >= 4:
            break
    return None


def _object_after(text: str, p: int, hi: int, starts: dict) -> Subject | None:
    """The person quoted in "KCNA quoted him as saying" / "cited Hatami as saying"."""
    q = p
    while q < hi and text[q] == " ":
        q += 1
    mention = starts.get(q)
    if mention is not None:
        return Subject("mention", mention.start, mention.end, text[mention.start : mention.end])
    m = _OBJECT_PRONOUN_RE.match(text, q, hi)
    if m:
        word = {"him": "he", "her": "she", "them": "they"}[m.group(1)]
        return Subject("pronoun", m.start(), m.end(), word)
    return None


_OBJECT_PRONOUN_RE = re.compile(r"(him|her|them)\b")


def _resolve(resolver, subj, sentence, mentions, entities, text, narrator) -> Resolved | None:
    """Who ``subj`` names: a mention, a pronoun, a description or a document."""
    if subj.kind == "pronoun":
        low = subj.text.lower()
        if low in ("we", "i"):
            return Resolved(narrator, "narration", None, 0.6, "first person outside quotes")
        if low not in ("he", "she", "they", "you"):
            return None
        return resolver.resolve(subj, sentence.index, mentions, entities)
    if subj.kind != "description":
        return resolver.resolve(subj, sentence.index, mentions, entities)
    words = subj.text.split()
    while len(words) > 1 and words[-1].lower() in ("there", "here"):
        words.pop()
    head = words[-1].lower().strip("’'")
    if " of " in subj.text:
        # "The head of the police's internal investigators": the head is "head"
        before = subj.text[: subj.text.index(" of ")].split()
        if before and is_head(before[-1]):
            head = before[-1].lower()
    if head in _OUTLET_HEADS:
        outlet = resolver.last_of_type("outlet", sentence.index)
        if outlet is not None:
            return Resolved(
                outlet, "outlet", None, 0.7, f"{subj.text!r} is {outlet.name}, named earlier"
            )
    if head in DOCUMENTS or head in _FINDERS:
        for m in mentions:
            if subj.start <= m.start < subj.end and m.kind in (
                "organization",
                "outlet",
                "person",
                "bare",
                "other",
            ):
                owner = entities.get(id(m)) or resolver.roster.body(
                    m.name, "organization", (m.start, m.end)
                )
                return Resolved(
                    owner, "document", None, 0.7, f"{subj.text!r} of {owner.name} is the source"
                )
        name = _description_name(subj.text)
        type_ = "organization" if name.startswith("the ") else "unknown"
        entity = resolver.roster.body(name, type_, (subj.start, subj.end))
        return Resolved(entity, "document", None, 0.6, f"the document {subj.text!r} is the source")
    found = resolver.resolve(subj, sentence.index, mentions, entities)
    if found is not None:
        return found
    type_ = (
        _GROUP_TYPES.get(head)
        or _GROUP_TYPES.get(head.rstrip("s"))
        or BODY_HEADS.get(head)
        or "person"
    )
    name = _description_name(subj.text)
    if not name:
        return None
    if type_ == "outlet" and resolver.outlet_entity is not None and resolver.is_own(name=name):
        own = resolver.outlet_entity  # "Mehr news agency reported" in a Mehr article
        return Resolved(own, "outlet", None, 0.7, f"{subj.text!r} is {own.name}")
    entity = resolver.roster.body(name, type_, (subj.start, subj.end))
    if head in _GROUP_TYPES:
        entity.plural = True
    return Resolved(entity, "description", None, 0.55, f"{subj.text!r} is the source")


# "The website further reported": the outlet named last.
_OUTLET_HEADS = frozenset("website site newspaper paper broadcaster channel outlet".split())
# The authors of a study speak as the study does ("noted by the team").
_FINDERS = frozenset("team researchers authors".split())
_GROUP_TYPES = GROUP_HEADS
_HEAD_WORDS = (
    DOCUMENTS
    | set(_GROUP_TYPES)
    | {"ministry", "office", "agency", "department", "government", "police", "army", "media"}
)
_LEAD_DETERMINERS = frozenset("a an some several many other his her its their this that".split())


def _description_name(text: str) -> str:
    """The name of a source the article describes but does not name: the description
    as written ("the defendants", "German officials", "a German government source",
    "its source"), a leading determiner in lower case, a trailing "there" dropped."""
    words = text.split()
    while len(words) > 1 and words[-1].lower() in ("there", "here"):
        words.pop()
    if words and words[0].lower() in _LEAD_DETERMINERS | {"the", "both"}:
        words[0] = words[0].lower()
    return " ".join(words)


def _ends(marks: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The first and the last quotation mark: the quote's evidence."""
    return marks if len(marks) <= 2 else [marks[0], marks[-1]]


def _words(text: str, ranges) -> int:
    """Return how many words (runs of letters and digits) the ranges hold."""
    findall = _WORDS_RE.findall
    n = 0
    for a, b in ranges:
        n += len(findall(text, a, b))
    return n


def _attribute(text: str, sentence: Sentence, d: _Decision, cue: Cue, clause) -> None:
    """Set direct / mixed / indirect for a claim whose source ``clause`` names.

    Direct: the words outside quotes are only the attribution (subject, asides, cue,
    addressee, time or medium: 'Tusk, the President of the Council, wrote "..."',
    '"...," he told the BBC after the verdict'). Mixed: quoted words inside a
    paraphrase. Indirect: no quotation marks.
    """
    quotes = sentence.quotes
    frames = sentence.frames()
    rest_ranges = _minus(frames, clause)
    marks = sentence.marks
    d.attribution_evidence = [_ev(text, "quote", a, b) for a, b in _ends(marks)] if marks else []
    quoted = _words(text, quotes) if quotes else 0
    if not quoted:
        d.attribution = "indirect"
        d.attribution_reason = f"reported speech (cue {cue.form!r}), no quotation marks"
        d.content = rest_ranges or [(sentence.start, sentence.end)]
        return
    home = next(((a, b) for a, b in frames if a <= cue.start < b), None)
    others = sum(_words(text, [f]) for f in frames if f != home)
    after = 0
    if home is not None:
        tail_start = max([hi for lo, hi in clause if home[0] <= lo < home[1]] or [cue.end])
        tail = text[tail_start : home[1]]
        if cue.lemma == "tell":
            # the addressee: "told a guard at the door, ...", "told the BBC after ..."
            m = _ADDRESSEE_NP_RE.match(tail)
            tail = tail[m.end() :] if m else tail
        tail = _CIRCUMSTANCE_RE.sub(" ", tail)
        after = sum(
            1 for w in _WORDS_RE.findall(tail) if not w[0].isupper() and w.lower() not in _GLUE
        )
    if others <= 1 and after == 0:
        d.attribution = "direct"
        d.attribution_reason = "the content is inside quotation marks"
        d.content = quotes
    else:
        d.attribution = "mixed"
        d.attribution_reason = "paraphrase with quoted words"
        d.content = rest_ranges + quotes


_ADDRESSEE_NP_RE = re.compile(
    r"\s*(?:(?:the|a|an|his|her|their|its|our|The)\s+)?"
    r"(?:(?:[A-Z][\w.’'\-]*\s*)+|[a-z][\w’'\-]*\s*)"
)
_CIRCUMSTANCE_RE = re.compile(
    r"\b(?:on|in|at|after|before|during|via|through|to|from|with|over|by|following)\s+"
    r"(?:the\s+|a\s+|an\s+|his\s+|her\s+|their\s+|its\s+)?(?:[\w’'\-]+\s*){1,3}"
)
_GLUE = frozenset(
    "that and but adding saying writing also then later again simply as following".split()
)


def _minus(ranges, holes) -> list[tuple[int, int]]:
    out = []
    holes = sorted([h for h in holes if h[1] > h[0]])
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
    frames = sentence.frames()
    quoted = _words(text, sentence.quotes) if sentence.quotes else 0
    rest = _words(text, frames) if quoted else 0
    prev_speaker = (
        previous.entity
        if previous is not None and previous.kind != "narration" and not previous.boilerplate
        else None
    )
    if quoted and rest <= 2:
        d.attribution_evidence = [_ev(text, "quote", a, b) for a, b in _ends(sentence.marks)]
        d.attribution = "direct"
        d.attribution_reason = "the content is inside quotation marks"
        d.content = sentence.quotes
        colon_by = previous.colon_entity if previous is not None else None
        if colon_by is not None and not pending:
            _continue(
                d, colon_by, "colon-quote", 0.75, f"the quote {colon_by.name} is introduced with"
            )
            return
        in_attributed_run = sentence.opens_inside and prev_speaker is not None and not pending
        if in_attributed_run:
            _continue(
                d,
                prev_speaker,
                "running-quote",
                0.75,
                f"inside a quote attributed to {prev_speaker.name}",
            )
            return
        if prev_speaker is not None and not sentence.ends_inside and not pending:
            _continue(
                d,
                prev_speaker,
                "quote-continuation",
                0.65,
                f"a quoted sentence that carries on the remarks of {prev_speaker.name}",
            )
            return
        # wait for the quote's attribution (filled in by the caller, else settled)
        d.rule = "quote-pending"
        d.kind = "continuation"
        return
    if prev_speaker is not None and previous.attribution in ("indirect", "mixed", "direct"):
        m = None
        for a, b in frames:
            m = _FIRST_PERSON_RE.search(text, a, b)
            if m is not None:
                break
        if m is not None:
            _continue(
                d,
                prev_speaker,
                "continuation",
                0.55,
                f"carries on the remarks of {prev_speaker.name} (first person, no new cue)",
            )
            d.attribution = "indirect" if not quoted else "mixed"
            d.attribution_reason = "reported speech carried on from the sentence before"
            d.evidence = [_ev(text, "cue", m.start(), m.end())]
            return
    findings = previous.findings if previous is not None else None
    if findings is not None and _carries_on(text, sentence):
        if not sentence.paragraph_start or any(
            c.isdigit() for c in text[sentence.start : sentence.end]
        ):
            _continue(
                d,
                findings,
                "document-continuation",
                0.5,
                f"carries on the findings of {findings.name} (no new cue)",
            )
            d.findings = findings
            d.attribution = "indirect" if not quoted else "mixed"
            d.attribution_reason = "a document's findings carried on from the sentence before"
            return
    d.kind = "narration"
    d.rule = "narration"
    d.confidence = 0.7
    d.reason = "no speech cue: the article's own voice"
    d.attribution = "none"
    d.attribution_reason = "narration"


# Verbs of a document's findings: the sentences after them carry the findings on.
_FINDINGS = frozenset("report find show note say indicate predict estimate suggest".split())
_NEW_TOPIC_RE = re.compile(
    r"\s*(?:In|On|At|During|After|Before|Since|Last|Earlier|Later|Meanwhile|Also)\b"
)


def _carries_on(text: str, sentence: Sentence) -> bool:
    """True when a sentence without a cue reads as more of the same findings: it does
    not open with a time or scene ("In July", "Meanwhile")."""
    return _NEW_TOPIC_RE.match(text, sentence.start, sentence.end) is None


def _continue(d: _Decision, entity: Entity, rule: str, confidence: float, reason: str) -> None:
    d.entity = entity
    d.kind = "continuation"
    d.rule = rule
    d.continuation = True
    d.confidence = confidence
    d.reason = reason


_LABEL_RE = re.compile(r"\(\([^()\n]{1,30}\)\)|(?:Q|A)[:.](?=\s)|[A-Z]{2,3}(?=\s+[A-Z])")


def _interview_turn(text: str, sentence: Sentence, resolver: Resolver, narrator: Entity):
    """Return (speaker, label span) when a paragraph opens with an interview label:
    "((WN))" or "Q:" (the interviewer: the article), "MS" (the initials of someone the
    article named), "A:" (the last person interviewed), or a known full name followed
    straight by the answer ("Michael Siegel I am a professor ...")."""
    s, e = sentence.start, sentence.end
    m = _LABEL_RE.match(text, s, e)
    if m is not None:
        label = m.group()
        if label.startswith("((") or label.startswith("Q"):
            return narrator, m.span()
        if label.startswith("A"):
            who = resolver.interviewee or _someone_named(resolver, sentence.index)
            if who is None:
                return None
            resolver.interviewee = who
            return who, m.span()
        who = resolver.roster.initials(label)
        if who is not None:
            resolver.interviewee = who
            return who, m.span()
        return None
    if _NAMED_ANSWER_RE.match(text, s, e) is None:
        return None
    mention = next(iter(find_mentions(text, s, min(e, s + 80))), None)
    if mention is None or mention.start != s or mention.kind != "person":
        return None
    nxt = _NEXT_WORD_RE.match(text, mention.end, e)
    if nxt is None or nxt.group(1) not in _ANSWER_OPENERS:
        return None
    who = resolver.roster.known_person(mention.name)
    if who is None:
        return None
    resolver.interviewee = who
    return who, (mention.start, mention.end)


def _someone_named(resolver: Resolver, index: int) -> Entity | None:
    """The person an "A:" answers for when no label named them: the last person quoted
    or named before it."""
    last = resolver.last_speaker
    if last is not None and last.type == "person":
        return last
    return resolver.last_of_type("person", index)


_NEXT_WORD_RE = re.compile(r" +([A-Z][a-z]*)\b")
# "Michael Siegel I am ...": two or more capitalised words, then an answer's first word
_NAMED_ANSWER_RE = re.compile(
    r"(?:[A-Z][\w.’'\-]* ){2,4}(?:I|We|My|Our|The|This|That|It|In|Yes|No|Well|Thank|As|"
    r"Although)\b"
)
_ANSWER_OPENERS = frozenset("I We My Our The This That It In Yes No Well Thank As Although".split())


def _turn(text: str, sentence: Sentence, turn) -> _Decision:
    """A sentence of an interviewee's answer: their verbatim speech."""
    entity, label = turn
    d = _Decision(entity=entity, attribution="direct")
    d.attribution_reason = "an interview answer: the interviewee's own words"
    if label is not None:
        d.kind, d.rule, d.confidence = "name", "interview-label", 0.85
        d.reason = f"answer labelled {text[label[0] : label[1]]!r}: {entity.name}"
        d.evidence = [_ev(text, "source", *label)]
        d.content = [(label[1], sentence.end)]
    else:
        _continue(d, entity, "interview-answer", 0.8, f"carries on the answer of {entity.name}")
        d.content = [(sentence.start, sentence.end)]
    d.verifiability = classify(text, d.content)
    return d


def _question(text: str, sentence: Sentence, label: tuple[int, int]) -> _Decision:
    """The interviewer's line ("Q: What do you think?"): the outlet's, no attribution."""
    d = _Decision()
    d.rule = "interview-question"
    d.confidence = 0.8
    d.reason = f"labelled {text[label[0] : label[1]]!r}: the interviewer, the article's voice"
    d.attribution_reason = "the interviewer's question"
    d.content = [(label[1], sentence.end)]
    d.verifiability = classify(text, d.content)
    return d


def _guess(entity: Entity, type_: str | None = None, cache: dict | None = None) -> SpeakerGuess:
    if cache is not None:
        key = (id(entity), type_)
        found = cache.get(key)
        if found is None:
            found = cache[key] = _guess(entity, type_)
        return found
    return SpeakerGuess(
        name=entity.name,
        type=type_ or entity.type,
        title=entity.title,
        aliases=tuple(entity.aliases),
        registry_id=entity.registry_id,
    )


def _claim(
    text, sentence: Sentence, d: _Decision, narrator: Entity, outlet_entity, guesses: dict
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
    guess = _guess(entity, type_, guesses)
    ev = tuple(d.evidence) if d.evidence else ()
    confidence = round(min(max(d.confidence, 0.0), 1.0), 2)
    # Frozen proposals without evidence (narration, boilerplate, a continuation) are
    # the same for many claims of an article: made once and shared.
    key = None if ev else ("p", id(entity), type_, d.reason, d.rule, confidence, d.continuation)
    pair = guesses.get(key) if key is not None else None
    if pair is None:
        speaker = build.proposal(
            "speaker",
            entity.name,
            confidence,
            d.reason or "narration",
            ev,
            d.rule,
            d.continuation,
            guess,
        )
        type_reason = (
            "the article's own voice" if type_ == "author" else f"{entity.name} is a {type_}"
        )
        speaker_type = build.proposal(
            "speaker_type", type_, confidence, type_reason, ev, d.rule, d.continuation
        )
        pair = (speaker, speaker_type)
        if key is not None:
            guesses[key] = pair
    speaker, speaker_type = pair
    via = None
    if d.via is not None:
        via_type = d.via.type if d.via.type in ("person", "organization", "outlet") else "unknown"
        via = build.proposal(
            "via",
            d.via.name,
            0.8,
            d.via_reason,
            tuple(d.via_evidence),
            "via",
            False,
            _guess(d.via, via_type, guesses),
        )
    value = "none" if d.boilerplate else d.attribution
    a_conf = 0.9 if d.boilerplate else round(min(d.confidence + 0.1, 0.95), 2)
    a_ev = tuple(d.attribution_evidence)
    if ev:
        a_ev += tuple(x for x in ev if x.role == "cue")
    a_key = None if a_ev else ("a", value, a_conf, d.attribution_reason, d.rule)
    attribution = guesses.get(a_key) if a_key is not None else None
    if attribution is None:
        attribution = build.proposal(
            "attribution", value, a_conf, d.attribution_reason or "narration", a_ev, d.rule
        )
        if a_key is not None:
            guesses[a_key] = attribution
    label, triggers, why = d.verifiability
    v_conf = 0.9 if d.boilerplate else 0.6
    v_key = None if triggers else ("v", label, v_conf, why)
    verifiability = guesses.get(v_key) if v_key is not None else None
    if verifiability is None:
        verifiability = build.proposal(
            "verifiability",
            label,
            v_conf,
            why,
            tuple(_ev(text, "trigger", a, b) for a, b in triggers),
            "verifiability",
        )
        if v_key is not None:
            guesses[v_key] = verifiability
    return build.claim(
        sentence.start, sentence.end, speaker, speaker_type, via, attribution, verifiability
    )


def _roster(
    text: str, roster: Roster, narrator: Entity, outlet_entity: Entity | None
) -> tuple[RosterEntry, ...]:
    out = []
    seen = set()
    make = build.evidence
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
                type="author" if entity is narrator else entity.type,
                title=entity.title,
                aliases=tuple(entity.aliases),
                mentions=tuple(
                    [make("source", a, b, text[a:b]) for a, b in entity.mentions if a < b]
                ),
                registry_id=entity.registry_id,
            )
        )
    return tuple(out)
