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
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field

from workbench.text.cues import (
    BODY_HEADS,
    CUE_FORMS,
    DOCUMENTS,
    GENERIC_HEADS,
    GROUP_HEADS,
    INVERTING,
    ORG_WORDS,
    PRONOUNS,
    RELATIVES,
    TITLE_HEADS,
    trie_pattern,
)

_OPEN = "“«„"
QUOTE_RE = re.compile('[“”"«»„]')


CUE_RE = re.compile(
    r"(?<![\w’'])(?:" + trie_pattern([*CUE_FORMS, "according to", "According to"]) + r")(?![\w’'])"
)
# "quoted him as saying", "cited Hatami as saying"
AS_SAYING_RE = re.compile(r"\s+as\s+(?:saying|telling|stating|adding)\b")

# Words between a subject and its verb that do not change who speaks.
_SKIP = frozenset(
    """
    also later further then again has have had once repeatedly reportedly previously
    separately earlier recently subsequently additionally too would will could only
    simply publicly openly quickly officially however not never already first last just
    even yet still directly explicitly clearly briefly both all there themselves
    himself herself itself today yesterday tonight finally initially
    """.split()
)
_BE = frozenset("is are was were be been being".split())
_TIME_WORDS = frozenset(
    """
    monday tuesday wednesday thursday friday saturday sunday january february march
    april may june july august september october november december week month year
    weekend morning afternoon evening night day
    """.split()
)
_TIME_LEAD = frozenset("on last this that earlier next late early in".split())
_ASIDE_RE = re.compile(r"[^,;:“”\"«»()]{1,140}")
_DETERMINERS = frozenset(
    "the a an his her its their this that these those our some several many".split()
)
# Words a description never runs back over ("with officials saying").
_STOPS = frozenset(
    "with in on at by for from to as after before and or but while when if that which who "
    "whom whose than into over under about against".split()
)
_PEOPLE_SUFFIX_RE = re.compile(r"[a-z]{3,}(?:ers|ors|ists|ians|ants|ents)")


def is_head(word: str) -> bool:
    """True for a noun that can head a source description ("officials", "report")."""
    low = word.lower()
    return (
        low in _HEADS
        or low.rstrip("s") in _HEADS
        or word.islower()
        and _PEOPLE_SUFFIX_RE.fullmatch(word) is not None
    )


_HEADS = (
    {t.lower() for t in TITLE_HEADS}
    | GENERIC_HEADS
    | DOCUMENTS
    | {w.lower() for w in ORG_WORDS}
    | set(GROUP_HEADS)
    | set(BODY_HEADS)
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
    _frames: list[tuple[int, int]] | None = None

    def in_quote(self, pos: int) -> bool:
        return _inside(self.quotes, pos)

    def frames(self) -> list[tuple[int, int]]:
        """The stretches of the sentence outside quotes and quotation marks."""
        if self._frames is None:
            self._frames = self._cut()
        return self._frames

    def _cut(self) -> list[tuple[int, int]]:
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


def _inside(ranges: list[tuple[int, int]], pos: int) -> bool:
    """True when ``pos`` lies in one of ``ranges`` (sorted, not overlapping): a
    binary search, so a sentence of many quotes costs log(quotes) a look-up."""
    i = bisect_right(ranges, pos, key=_first) - 1
    return i >= 0 and ranges[i][0] <= pos < ranges[i][1]


def _first(pair: tuple[int, int]) -> int:
    return pair[0]


def scan_quotes(text: str, sentences: list[Sentence]) -> None:
    """Fill each sentence's quotes and marks, following open quotes across sentences.

    A paragraph that does not open with a quotation mark closes a quote left open
    (the writer forgot the closing mark); one that does carries the quote on, as a
    quote running over several paragraphs opens each of them.
    """
    # Every quotation mark of the text, found once (one character each, so the marks
    # inside a span are the same whichever stretch is scanned); each span takes its
    # own by binary search.
    marks_at = [m.start() for m in QUOTE_RE.finditer(text)]
    open_ = False
    for s in sentences:
        if s.paragraph_start and open_:
            first = text[s.start : s.start + 1]
            if first not in _OPEN and first != '"':
                open_ = False
        s.opens_inside = open_
        since = s.start if open_ else -1
        i = bisect_left(marks_at, s.start)
        while i < len(marks_at) and marks_at[i] < s.end:
            p = marks_at[i]
            i += 1
            ch = text[p]
            if ch in _OPEN or (ch == '"' and not open_):
                if ch == '"' and p > s.start and text[p - 1].isdigit():
                    continue  # 6'2" - inches, not a quote
                if open_ and since < p:
                    s.quotes.append((since, p))
                open_ = True
                since = p + 1
                s.marks.append((p, p + 1))
            elif open_:
                if since < p:
                    s.quotes.append((since, p))
                open_ = False
                s.marks.append((p, p + 1))
        if open_ and since < s.end:
            s.quotes.append((since, s.end))
        s.ends_inside = open_
        if text.find("'", s.start, s.end) >= 0 or text.find("‘", s.start, s.end) >= 0:
            double = list(s.quotes)  # sorted; the single quotes are added after them
            for m in _SINGLE_RE.finditer(text, s.start, s.end):
                if not _inside(double, m.start()):
                    s.quotes.append((m.start() + 1, m.end() - 1))
                    s.marks.extend(((m.start(), m.start() + 1), (m.end() - 1, m.end())))
            s.quotes.sort()
            s.marks.sort()


# 'can' and ‘may’: single quotes around words, never an apostrophe (Iran’s, officers')
_SINGLE_RE = re.compile(
    r"(?:(?<=[\s(“\"—–-])|^)[‘'](?=\w)[^‘’'\n]{1,200}?(?<=[\w.,!?])[’'](?![\w])"
)


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
        for m in CUE_RE.finditer(text, a, b):  # a trie: as fast as any prefilter
            form = m.group()
            lemma = (
                "according to"
                if form[0] in "aA" and form.lower() == "according to"
                else (CUE_FORMS[form])
            )
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
    """Return the subject that ends just before the cue at ``v`` (not before ``lo``).

    Adverbs ("also", "further"), times ("on Friday") and asides between commas
    ("The Iraqi official, for his part, expressed") are skipped; a name in apposition
    ("The Vice President, Mike Pence, said") is the subject; of two joined subjects
    ("Durbin and Schiff said") the first. A passive ("was told", "is reported") has no
    subject here: see ``agent_after``.
    """
    k = v
    for _ in range(10):
        ws, we = _word_before(text, lo, k)
        word = text[ws:we]
        low = word.lower()
        if word and (low in _SKIP or low in _TIME_WORDS):
            k = ws
            if low in _TIME_WORDS:
                ps, pe = _word_before(text, lo, ws)
                if text[ps:pe].lower() in _TIME_LEAD:
                    k = ps
            continue
        if word and low in _BE:
            return None
        if ws == we and we > lo and text[we - 1] == ",":
            p = text.rfind(",", max(lo, we - 150), we - 1)
            if p < 0:
                break
            inner_start = p + 1
            while inner_start < we and text[inner_start] == " ":
                inner_start += 1
            mention = mention_ends.get(we - 1)
            if mention is not None and mention.start == inner_start:
                return _joint(text, lo, mention, mention_ends)
            if _ASIDE_RE.fullmatch(text, p + 1, we - 1) and len(text[p + 1 : we - 1].split()) <= 16:
                k = p
                continue
        break
    else:
        return None
    if ws == we:
        mention = mention_ends.get(we)
        if mention is not None and mention.start < we:
            return _joint(text, lo, mention, mention_ends)  # "C++ (group)", as registered
        if we > lo and text[we - 1] == ")":
            # "the Federal Security Service (FSB) said": the name before the brackets
            p = text.rfind("(", max(lo, we - 20), we)
            if p > lo:
                return subject_before(text, lo, p, mention_ends)
        return None
    low = word.lower()
    if low in PRONOUNS or low == "you":
        if low == "it" or low == "i" and word != "I":
            return None
        return Subject("pronoun", ws, we, word)
    if low in RELATIVES:
        return Subject("relative", ws, we, word)
    mention = mention_ends.get(we)
    if mention is not None and mention.kind == "bare" and is_head(low) and low in GROUP_HEADS:
        mention = None  # "Residents said": a sentence's first word, not a name
    if mention is not None:
        return _joint(text, lo, mention, mention_ends)
    if (word.islower() or low in GROUP_HEADS) and is_head(word.lower()):
        return _description(text, lo, ws, we, mention_ends)
    if word in TITLE_HEADS and text[max(lo, ws - 4) : ws].lower() == "the ":
        return _description(text, lo, ws, we, mention_ends)  # "The President insists"
    return None


def _kin(kind: str) -> str:
    return "person" if kind in ("person", "bare") else "body"


def _joint(text: str, lo: int, mention, mention_ends: dict) -> Subject:
    """The subject a mention stands for: the person of "Doug Miller of Milltech Marine",
    the first of "Durbin and Schiff", else the mention itself."""
    p = mention.start
    if text[max(lo, p - 4) : p] == " of ":
        person = mention_ends.get(p - 4)
        if person is not None and person.kind == "person":
            mention = person
            p = mention.start
    window = text[max(lo, p - 80) : p]
    k = window.rfind(" and ")
    if k >= 0 and not any(c in window[k:] for c in ',;:.“”"'):
        q = max(lo, p - 80) + k
        first = mention_ends.get(q)
        if first is not None and _kin(first.kind) == _kin(mention.kind):
            mention = first
    return Subject("mention", mention.start, mention.end, text[mention.start : mention.end])


def _description(text: str, lo: int, ws: int, we: int, mention_ends=None) -> Subject | None:
    """Return "the Iranian defense minister" ending at ``we`` (head word at ws).

    An "of" chain before it belongs to it ("The head of the police's investigators").
    """
    start = ws
    for _ in range(8):
        ps, pe = _word_before(text, lo, start)
        if ps == pe or text[pe:start].strip():
            break  # punctuation between the words
        word = text[ps:pe]
        low = word.lower()
        if word.islower() and (
            low in _SKIP or low in CUE_FORMS and low != "state" or low in _BE or low in _STOPS
        ):  # "state" before a head is "state television", not the verb
            break
        if any(ch.isdigit() for ch in word):
            break
        start = ps
        if low in _DETERMINERS:
            ps, pe = _word_before(text, lo, start)
            if text[ps:pe] == "of" and not text[pe:start].strip():
                hs, he = _word_before(text, lo, ps)
                if is_head(text[hs:he]) and not text[he:ps].strip():
                    ds, de = _word_before(text, lo, hs)
                    if text[ds:de].lower() in _DETERMINERS and not text[de:hs].strip():
                        start = ds
                    else:
                        start = hs
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
    if word.lower() not in _DETERMINERS:
        return None
    words = list(re.finditer(r"[\w’'\-]+", m.group(0)))
    for w in words[1:]:
        if is_head(w.group()):
            end = m.start() + w.end()
            # "said his father, Abdullah Kurdi": the name in apposition
            q = end
            if text.startswith(", ", q):
                name = mention_starts.get(q + 2)
                if name is not None and name.kind == "person":
                    return Subject("mention", name.start, name.end, text[name.start : name.end])
            return Subject("description", m.start(), end, text[m.start() : end])
    return None


def agent_after(text: str, e: int, hi: int, mention_starts: dict) -> Subject | None:
    """Return the agent of a passive cue: "was told by Emergencies Minister Zinichev"."""
    m = _BY_RE.match(text, e, hi)
    if m is None:
        return None
    p = m.end()
    mention = mention_starts.get(p)
    if mention is not None:
        return Subject("mention", mention.start, mention.end, text[mention.start : mention.end])
    d = _AFTER_RE.match(text, p, hi)
    words = text[p : d.end() if d else p].split()
    for i, w in enumerate(words):
        if is_head(w.strip(",.")):
            end = p + len(" ".join(words[: i + 1]))
            return Subject("description", p, end, text[p:end])
    return None


_BY_RE = re.compile(r"(?:\s+(?:\w+)){0,2}?\s+by\s+")
_AFTER_RE = re.compile(
    r"(he|she|they|the|a|an|his|her|its|their|local|state|some|several|industry)\b"
    r"(?:\s+[\w’'\-]+){0,5}"
)


def inverted(text: str, lo: int, cue: Cue) -> bool:
    """True when the cue follows a quote or a comma, so its subject comes after it."""
    if cue.form not in INVERTING:
        return False
    k = cue.start
    while k > lo and text[k - 1].isspace():
        k -= 1
    return k == lo or text[k - 1] in ',”"»:'
