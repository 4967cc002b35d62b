"""Reported speech in one sentence: quotation marks, speech cues and their subjects.

``scan_quotes`` follows quotation marks through the article (a quote may run over
several sentences and paragraphs); ``find_cues`` lists the speech cues outside the
quotes; ``subject_before`` and ``subject_after`` read who a cue's subject is ("Hatami
said", '"...," said Hatami', "the Iranian defense minister called for", "he added",
"who said"), skipping adverbs and asides ("The Iraqi official, for his part,
expressed").  Nothing here knows who anyone is: resolution.py does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from workbench.text.cues import (
    CUE_FORMS,
    DOCUMENTS,
    GENERIC_HEADS,
    INVERTING,
    ORG_WORDS,
    PRONOUNS,
    RELATIVES,
    TITLE_HEADS,
)

_OPEN = "“«„"
_CLOSE = "”»"
QUOTE_RE = re.compile('[“”"«»„]')
_forms = sorted(CUE_FORMS, key=len, reverse=True)
CUE_RE = re.compile(r"\b(?:" + "|".join(re.escape(f) for f in _forms) + r"|[Aa]ccording to)\b")
# "quoted him as saying", "cited Hatami as saying"
AS_SAYING_RE = re.compile(r"\s+as\s+(?:saying|telling|stating|adding)\b")

# Words between a subject and its verb that do not change who speaks.
_SKIP = frozenset(
    """
    also later further then again has have had was is were are once repeatedly reportedly
    previously separately earlier recently subsequently additionally too would will could
    only simply publicly openly quickly officially however not never already first last
    had has just even yet still further directly separately explicitly clearly briefly
    """.split()
)
_ASIDES = (
    "for his part",
    "for her part",
    "for their part",
    "for its part",
    "in turn",
    "however",
    "meanwhile",
    "too",
    "in a statement",
    "in a speech",
    "in remarks",
    "in an interview",
    "on ",
    "in ",
    "at ",
    "speaking",
    "who ",
    "also",
    "though",
    "instead",
    "likewise",
)
_DETERMINERS = frozenset("the a an his her its their this that these those our".split())
_HEADS = (
    {t.lower() for t in TITLE_HEADS}
    | GENERIC_HEADS
    | DOCUMENTS
    | {w.lower() for w in ORG_WORDS}
    | frozenset(
        """
        officials officers leaders ministers commanders generals spokesmen sources
        analysts experts residents witnesses observers diplomats authorities police
        government ministry army military navy agency office department white house
        embassy statement spokesperson chief minister commander official counterpart
        guest host side delegation researchers scientists doctors lawyers activists
        protesters organizers organisers critics supporters opponents participants
        members lawmakers legislators parliamentarians voters citizens people
        students teachers workers group groups company firm regime
        """.split()
    )
)


@dataclass(slots=True)
class Sentence:
    """One claim span with its quotation marks (offsets into the article)."""

    index: int
    start: int
    end: int
    quotes: list[tuple[int, int]] = field(default_factory=list)  # quoted text, no marks
    marks: list[tuple[int, int]] = field(default_factory=list)
    opens_inside: bool = False  # a quote from an earlier sentence is open at the start
    ends_inside: bool = False  # a quote is still open at the end
    paragraph_start: bool = True

    def in_quote(self, pos: int) -> bool:
        return any(a <= pos < b for a, b in self.quotes)

    def frames(self) -> list[tuple[int, int]]:
        """The stretches of the sentence outside quotes and quotation marks."""
        cut = sorted(self.quotes + self.marks)
        out: list[tuple[int, int]] = []
        pos = self.start
        for a, b in cut:
            if a > pos:
                out.append((pos, a))
            pos = max(pos, b)
        if pos < self.end:
            out.append((pos, self.end))
        return out


def scan_quotes(text: str, sentences: list[Sentence]) -> None:
    """Fill each sentence's quotes and marks, following open quotes across sentences.

    A paragraph that does not open with a quotation mark closes a quote left open
    (the writer forgot the closing mark); one that does carries the quote on, as a
    quote running over several paragraphs opens each of them.
    """
    open_ = False
    for s in sentences:
        if s.paragraph_start and open_:
            first = text[s.start : s.start + 1]
            if first not in _OPEN and first != '"':
                open_ = False
        s.opens_inside = open_
        since = s.start if open_ else -1
        for m in QUOTE_RE.finditer(text, s.start, s.end):
            ch = m.group()
            p = m.start()
            if ch in _OPEN or (ch == '"' and not open_):
                if ch == '"' and p > s.start and text[p - 1].isdigit():
                    continue  # 6'2" - inches, not a quote
                if open_ and since < p:
                    s.quotes.append((since, p))
                open_ = True
                since = m.end()
                s.marks.append((p, m.end()))
            elif open_:
                if since < p:
                    s.quotes.append((since, p))
                open_ = False
                s.marks.append((p, m.end()))
        if open_ and since < s.end:
            s.quotes.append((since, s.end))
        s.ends_inside = open_


@dataclass(slots=True)
class Cue:
    """A speech cue ``text[start:end]`` ("said", "called for", "according to")."""

    start: int
    end: int
    form: str
    lemma: str


def find_cues(text: str, sentence: Sentence) -> list[Cue]:
    """Return the speech cues outside the sentence's quotes, in order."""
    out = []
    for a, b in sentence.frames():
        for m in CUE_RE.finditer(text, a, b):
            form = m.group()
            lemma = "according to" if form.lower() == "according to" else CUE_FORMS[form]
            out.append(Cue(m.start(), m.end(), form, lemma))
    return out


@dataclass(slots=True)
class Subject:
    """How a cue names its source: kind "pronoun", "relative", "mention", "description"."""

    kind: str
    start: int
    end: int
    text: str


def _word_before(text: str, lo: int, k: int) -> tuple[int, int]:
    """Return (start, end) of the word ending at or before k (spaces skipped)."""
    while k > lo and text[k - 1].isspace():
        k -= 1
    j = k
    while j > lo and (text[j - 1].isalnum() or text[j - 1] in "’'-"):
        j -= 1
    return j, k


def subject_before(text: str, lo: int, v: int, mention_ends: dict) -> Subject | None:
    """Return the subject that ends just before the cue at ``v`` (not before ``lo``)."""
    k = v
    for _ in range(8):
        ws, we = _word_before(text, lo, k)
        word = text[ws:we]
        if word and word.lower() in _SKIP:
            k = ws
            continue
        if ws == we and we > lo and text[we - 1] == ",":
            p = text.rfind(",", max(lo, we - 60), we - 1)
            inner = text[p + 1 : we - 1].strip().lower() if p >= 0 else ""
            if inner and inner.startswith(_ASIDES) and len(inner.split()) <= 6:
                k = p
                continue
        break
    else:
        return None
    if ws == we:
        return None
    low = word.lower()
    if low in PRONOUNS and (word[0].islower() or ws == lo or not text[ws - 1].isalnum()):
        if low == "it" or low == "i" and word != "I":
            return None
        return Subject("pronoun", ws, we, word)
    if low in RELATIVES:
        return Subject("relative", ws, we, word)
    mention = mention_ends.get(we)
    if mention is not None:
        return Subject("mention", mention.start, mention.end, text[mention.start : mention.end])
    if low in _HEADS or low.rstrip("s") in _HEADS:
        return _description(text, lo, ws, we)
    return None


def _description(text: str, lo: int, ws: int, we: int) -> Subject | None:
    """Return "the Iranian defense minister" ending at ``we`` (head word at ws)."""
    start = ws
    for _ in range(7):
        ps, pe = _word_before(text, lo, start)
        if ps == pe or text[pe:start].strip():
            break  # punctuation between the words
        word = text[ps:pe]
        start = ps
        if word.lower() in _DETERMINERS:
            break
        if word.lower() in _SKIP or word.lower() in CUE_FORMS:
            start = pe
            while start < ws and text[start].isspace():
                start += 1
            break
    return Subject("description", start, we, text[start:we])


def subject_after(text: str, e: int, hi: int, mention_starts: dict) -> Subject | None:
    """Return the subject just after an inverting cue ('"...," said Hatami')."""
    p = e
    while p < hi and text[p] in " \u00a0":
        p += 1
    mention = mention_starts.get(p)
    if mention is not None:
        return Subject("mention", mention.start, mention.end, text[mention.start : mention.end])
    m = _AFTER_RE.match(text, p, hi)
    if m is None:
        return None
    word = m.group(1)
    if word.lower() in PRONOUNS:
        return Subject("pronoun", m.start(1), m.end(1), word)
    head = m.group(0).split()[-1].lower()
    if word.lower() in _DETERMINERS and (head in _HEADS or head.rstrip("s") in _HEADS):
        return Subject("description", m.start(), m.end(), m.group(0))
    return None


_AFTER_RE = re.compile(r"(he|she|they|the|a|an|his|her|its|their)\b(?:\s+[\w’'\-]+){0,5}")


def inverted(text: str, lo: int, cue: Cue) -> bool:
    """True when the cue follows a quote or a comma, so its subject comes after it."""
    if cue.form not in INVERTING:
        return False
    k = cue.start
    while k > lo and text[k - 1].isspace():
        k -= 1
    return k == lo or text[k - 1] in ',”"»:'
