"""The verifiability hint of a claim, from the words of what it asserts.

``classify(text, ranges, boilerplate)`` looks at the claim's content (the ranges
given: the sentence without its attribution) and returns the label with the words
that triggered it: ``not_a_claim`` for boilerplate, questions and greetings;
``prediction`` for the future, intentions and promises; ``opinion`` for evaluation
and judgement; ``verifiable`` otherwise (an event, a number, a date, a place).
"""

from __future__ import annotations

import re

_GREETING_RE = re.compile(
    r"\b(?:thank you|thanks to all|welcome to|good (?:morning|afternoon|evening)|"
    r"congratulations|happy (?:new year|birthday)|hello|greetings)\b",
    re.I,
)
_PREDICTION_RE = re.compile(
    r"\b(?:will|won[’']t|shall|going to|(?:is|are|was|were|be|been|stand|stands|remain|"
    r"remains)\s+(?:ready|set|poised|expected|likely|unlikely|due|planning|scheduled|"
    r"determined|prepared|willing|able|about|going|intending|aiming|keen|eager|bound)\s+to|"
    r"plans? to|planned to|intends? to|intended to|aims? to|seeks? to|vows?|vowed|"
    r"pledge[sd]?|promise[sd]?|expects?|expected to|predicts?|predicted|forecasts?|"
    r"next (?:week|month|year|season|decade)|in the (?:coming|next) \w+|in the future|"
    r"try to|hopes? to|would(?! have)|upcoming|soon|tomorrow)\b",
    re.I,
)
_OPINION_RE = re.compile(
    r"\b(?:must|should|ought to|needs? to|necessitat\w*|important|importance|key|vital|"
    r"crucial|essential|significant|significance|best|worst|greatest|first \w+ power|"
    r"strong(?:est|ly)?|powerful|sophisticated|believes?|thinks?|feels?|regret\w*|"
    r"condemn\w*|deplor\w*|prais\w*|unacceptable|good|bad|great|right|wrong|serious|"
    r"excellent|successful|guarantees?|prominent|amicable|thorn|arrogance|no rival|"
    r"highly|very|deserves?|thank\w*|grateful|appreciat\w*|devotion|brothers|calls? for|"
    r"called for|calling for|urged?|hope[sd]?|wish\w*|welcome[sd]?|role|threats?|"
    r"opportunit\w+|interests|unfortunately|clearly|obviously|surely|of course|"
    r"would have|could have|without (?:a )?doubt|terrible|horrible|wonderful|"
    r"disaster\w*|shameful|outrageous|ridiculous|absurd|fair|unfair|legitimate|"
    r"illegal|criminal|aggress\w*|hostil\w*|stability|security)\b",
    re.I,
)


_PREDICTING = frozenset("predict forecast vow pledge promise threaten".split())
_JUDGING = frozenset("praise condemn criticize accuse urge call for demand".split())


def classify(
    text: str,
    ranges: list[tuple[int, int]],
    *,
    boilerplate: bool = False,
    cue: tuple[str, int, int] | None = None,
) -> tuple[str, list[tuple[int, int]], str]:
    """Return (label, trigger spans, reason) for the content ``ranges`` of a claim.

    ``cue`` is the claim's speech cue (lemma, start, end): "predicts" or "vowed"
    make a prediction, "praised" or "urged" an opinion, whatever the content says.
    """
    if boilerplate:
        return "not_a_claim", [], "boilerplate (sign-off, licence or credit line)"
    for a, b in ranges:
        chunk = text[a:b].rstrip(' ”"’»)')
        if chunk.endswith("?"):
            q = a + len(chunk) - 1
            return "not_a_claim", [(q, q + 1)], "a question"
    for a, b in ranges:
        m = _GREETING_RE.search(text, a, b)
        if m:
            return "not_a_claim", [m.span()], f"a greeting ({m.group()!r})"
    if cue is not None and cue[0] in _PREDICTING:
        return "prediction", [cue[1:]], f"a predicting cue: {text[cue[1] : cue[2]]!r}"
    for regex, label, why in (
        (_PREDICTION_RE, "prediction", "the future, an intention or a promise"),
        (_OPINION_RE, "opinion", "evaluation or judgement"),
    ):
        found = [m.span() for a, b in ranges for m in regex.finditer(text, a, b)]
        if found:
            words = ", ".join(repr(text[s:e]) for s, e in found[:3])
            return label, found[:3], f"{why}: {words}"
    if cue is not None and cue[0] in _JUDGING:
        return "opinion", [cue[1:]], f"a judging cue: {text[cue[1] : cue[2]]!r}"
    return "verifiable", [], "reports an event or fact (no judgement or future words)"
