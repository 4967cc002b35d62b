"""The verifiability hint of a claim, from the words of what it asserts.

``classify(text, ranges)`` looks at the claim's content (the ranges given: the
sentence without its attribution) and returns the label with the words that
triggered it:

- ``not_a_claim``: boilerplate, questions, greetings and thanks, wishes ("May he rest
  in peace"), sympathy ("our thoughts and prayers");
- ``prediction``: the future, intentions, plans and promises ("will", "is ready to",
  "plans to", "may lower");
- ``opinion``: evaluation and judgement, beliefs, feelings, advice and calls on others
  ("the first military power", "should", "we urge");
- ``verifiable`` otherwise: an event, a number, a date, a place, a checkable fact.

The words are read once (one regex pass) and looked up in sets, so the cost is a few
microseconds a claim.
"""

from __future__ import annotations

import re

from workbench.text.cues import trie_pattern

_WORD_RE = re.compile(r"[A-Za-z][A-Za-z’']*")

_SYMPATHY = (
    ("thank", "you"),
    ("thoughts", "and", "prayers"),
    ("rest", "in", "peace"),
    ("we", "are", "with"),
    ("pray", "for"),
    ("our", "condolences"),
    ("deepest", "condolences"),
    ("good", "morning"),
    ("good", "evening"),
    ("happy", "new", "year"),
)
_GREETINGS = frozenset("thanks congratulations condolences hello greetings welcome".split())

_FUTURE = frozenset(
    "will won't shall upcoming soon tomorrow vow vows vowed pledge pledges pledged promise "
    "promises promised predict predicts predicted forecast forecasts expects expect may "
    "might".split()
)
_BEFORE_TO = frozenset(
    "ready set poised expected planning scheduled determined prepared committed "
    "willing about going keen eager bound plan plans planned intend intends intended aim "
    "aims aimed seek seeks seeking try tries trying hope hopes hoping want wants".split()
)
_NEXT = frozenset("week month year season decade weekend".split())

_JUDGEMENT = frozenset(
    """
    must should ought important importance key vital crucial essential significant
    significance best worst greatest strongest powerful sophisticated believe believes
    believed think thinks feel feels unacceptable good bad great wrong serious excellent
    successful guarantee guarantees prominent amicable thorn arrogance highly very
    deserve deserves grateful devotion brothers urge urges urged encourage encourages
    recommend recommends hope hoped wish role threats threat clearly obviously surely
    terrible horrible wonderful shameful outrageous ridiculous absurd unfair legitimate
    hero heroes incredible amazing brighter sad glad pleased proud shocked sorry love
    hate fear fears concerned deeply impossible necessary needed unfortunately
    inexplicable baseless interesting hypothesis could possible possibly
    """.split()
)
_JUDGEMENT_STEMS = (
    "necessitat",
    "regret",
    "condemn",
    "deplor",
    "prais",
    "appreciat",
    "disaster",
    "aggress",
    "barbar",
    "tragic",
    "tragedy",
    "opportunit",
    "stabilit",
)
_JUDGEMENT_PAIRS = frozenset(
    (
        ("call", "for"),
        ("calls", "for"),
        ("called", "for"),
        ("calling", "for"),
        ("need", "to"),
        ("needs", "to"),
        ("no", "rival"),
        ("of", "course"),
        ("would", "have"),
        ("could", "have"),
        ("call", "on"),
        ("called", "on"),
        ("calls", "on"),
    )
)

_TITLE_GLUE = frozenset("on of for the and in at to a an by".split())
_PREDICTING = frozenset("predict forecast vow pledge promise threaten".split())
_JUDGING = frozenset("praise condemn criticize accuse urge call for call on demand advise".split())
_JUDGING |= {"recommend", "slam", "lash out", "believe", "think", "hope", "welcome"}


def _literals() -> dict[str, str]:
    """Every trigger word or phrase -> its label ("prediction", "opinion", "not_a_claim")."""
    table: dict[str, str] = {}
    for word in _JUDGEMENT:
        table[word] = "opinion"
    for pair in _JUDGEMENT_PAIRS:
        table[" ".join(pair)] = "opinion"
    for word in _FUTURE | {"would"}:
        table[word] = "prediction"
    for word in _BEFORE_TO:
        table[f"{word} to"] = "prediction"
    for word in ("next", "coming"):
        for unit in _NEXT:
            table[f"{word} {unit}"] = "prediction"
    for phrase in ("in the future", "look forward", "looking forward", "looks forward"):
        table[phrase] = "prediction"
    for phrase in _SYMPATHY:
        table[" ".join(phrase)] = "not_a_claim"
    for key in list(table):
        if "'" in key:
            table[key.replace("'", "’")] = table[key]
    return table


_LABEL_OF = _literals()
# One pass over the content finds every trigger (a trie, so the scan stays in C).
# One trie of every trigger word, phrase and stem, then the rest of the word: the
# matched text is looked up ("will" is a trigger, "willpower" is not; "regretted"
# starts with the stem "regret").
_TRIGGER_SOURCE = r"(?<![\w’'])(?:" + trie_pattern([*_LABEL_OF, *_JUDGEMENT_STEMS]) + r")[\w’']*"
_TRIGGER_RE = re.compile(_TRIGGER_SOURCE)  # on lowercased text
_TRIGGER_ANY_CASE_RE = re.compile(_TRIGGER_SOURCE, re.I)
_FIRST_POWER_RE = re.compile(r"(?<![\w’'])first \w+ (?:power|force|country)\b", re.I)
_FIRST_WORD_RE = re.compile(r"[\s“\"‘'(]*([A-Za-z]+)")


def _has_statement(text: str, ranges) -> bool:
    """True when some word is lowercase and not glue: a sentence, not a byline."""
    return any(
        text[m.start()].islower() and m.group() not in _TITLE_GLUE
        for a, b in ranges
        for m in _WORD_RE.finditer(text, a, b)
    )


def classify(
    text: str,
    ranges: list[tuple[int, int]],
    *,
    boilerplate: bool = False,
    cue: tuple[str, int, int] | None = None,
) -> tuple[str, list[tuple[int, int]], str]:
    """Return (label, trigger spans, reason) for the content ``ranges`` of a claim.

    ``cue`` is the claim's speech cue (lemma, start, end): "predicts" or "vowed" make a
    prediction, "urged" or "believes" an opinion, whatever the content says.
    """
    if boilerplate:
        return "not_a_claim", [], "boilerplate (sign-off, licence or credit line)"
    ranges = [(a, b) for a, b in ranges if b > a]
    if not ranges:
        return "verifiable", [], _NO_TRIGGER
    for a, b in ranges:
        q = b - 1
        while q > a and text[q] in _CLOSERS:
            q -= 1
        if text[q] == "?":
            return "not_a_claim", [(q, q + 1)], "a question"
    first = _FIRST_WORD_RE.match(text, ranges[0][0], ranges[0][1])
    if first is not None:
        word = first.group(1)
        if word == "May":
            return "not_a_claim", [first.span(1)], "a wish ('May ...')"
        if word.lower() in _GREETINGS:
            return "not_a_claim", [first.span(1)], f"a greeting or thanks ({word!r})"
    if (
        cue is None
        and len(ranges) == 1
        and ranges[0][1] - ranges[0][0] < 80
        and not _has_statement(text, ranges)
    ):
        return "not_a_claim", [], "a title or byline line (no statement)"
    found = None
    for a, b in ranges:
        chunk = text[a:b]
        low = chunk.lower()
        matches = (_TRIGGER_RE if len(low) == len(chunk) else _TRIGGER_ANY_CASE_RE).finditer(
            low if len(low) == len(chunk) else chunk
        )
        for m in matches:
            w = m.group().lower()
            label = _LABEL_OF.get(w)
            if label is None:
                if " " in w:
                    label = _LABEL_OF.get(" ".join(w.split()))
                if label is None:
                    if not w.startswith(_JUDGEMENT_STEMS):
                        continue
                    label = "opinion"
            ms, me = a + m.start(), a + m.end()
            if label == "opinion" and ms > a and text[ms].isupper():
                continue  # "Great Orchestra": a name, not a judgement
            if found is None:
                found = {"not_a_claim": [], "prediction": [], "opinion": []}
            found[label].append((ms, me))
    for a, b in ranges:
        if text.find("first ", a, b) >= 0:
            for m in _FIRST_POWER_RE.finditer(text, a, b):
                if found is None:
                    found = {"not_a_claim": [], "prediction": [], "opinion": []}
                found["opinion"].append(m.span())  # "the first military power"
    if found is None:
        if cue is not None and cue[0] in _PREDICTING:
            return "prediction", [cue[1:]], f"a predicting cue: {text[cue[1] : cue[2]]!r}"
        if cue is not None and cue[0] in _JUDGING:
            return "opinion", [cue[1:]], f"a judging cue: {text[cue[1] : cue[2]]!r}"
        return "verifiable", [], _NO_TRIGGER
    if found["not_a_claim"]:
        s0, e0 = found["not_a_claim"][0]
        return "not_a_claim", [(s0, e0)], f"a greeting or sympathy ({text[s0:e0]!r})"
    if cue is not None and cue[0] in _PREDICTING:
        return "prediction", [cue[1:]], f"a predicting cue: {text[cue[1] : cue[2]]!r}"
    if cue is not None and cue[0] in _JUDGING:
        return "opinion", [cue[1:]], f"a judging cue: {text[cue[1] : cue[2]]!r}"
    for label, why in (
        ("prediction", "the future, an intention or a promise"),
        ("opinion", "evaluation or judgement"),
    ):
        spans = found[label][:3]
        if spans:
            said = ", ".join(repr(text[s0:e0]) for s0, e0 in spans)
            return label, spans, f"{why}: {said}"
    return "verifiable", [], _NO_TRIGGER


_CLOSERS = frozenset(" ”\"’'»)")
_NO_TRIGGER = "reports an event or fact (no judgement or future words)"
