"""The suggester's faster readings agree with the plain ones they replaced.

Each reference below is the earlier, simpler code (a regex search per span, a search
per mention); hypothesis checks that the faster version returns the same on any text
and any spans, overlapping and trimmed mid-word included.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.suggest.article import _pair
from workbench.suggest.attribution import (
    _OPEN,
    _SINGLE_RE,
    QUOTE_RE,
    Sentence,
    _inside,
    scan_quotes,
)
from workbench.suggest.mentions import MENTION_RE, Mention, find_mentions, read_phrase
from workbench.text.splitter import split_text

PIECES = [
    "Hatami",
    "Amir Hatami",
    "Tristan Smith of University College London",
    "the Bank of England",
    "anti-Iran",
    "said",
    "spoke to",
    "talked",
    "in an interview with",
    "“",
    "”",
    '"',
    "«",
    "»",
    "„",
    "6'2\"",
    "'can'",
    "‘may’",
    ",",
    ".",
    " ",
    "\n\n",
]
texts = st.lists(st.sampled_from(PIECES), max_size=40).map(" ".join)


def _reference_scan_quotes(text: str, sentences: list[Sentence]) -> None:
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
                    continue
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
        if text.find("'", s.start, s.end) >= 0 or text.find("‘", s.start, s.end) >= 0:
            double = list(s.quotes)
            for m in _SINGLE_RE.finditer(text, s.start, s.end):
                if not _inside(double, m.start()):
                    s.quotes.append((m.start() + 1, m.end() - 1))
                    s.marks.extend(((m.start(), m.start() + 1), (m.end() - 1, m.end())))
            s.quotes.sort()
            s.marks.sort()


def _reference_find_mentions(text: str, start: int, end: int, opening: int) -> list[Mention]:
    out = []
    pos = start
    while True:
        m = MENTION_RE.search(text, pos, end)
        if m is None:
            break
        pos = m.end()
        s = m.start()
        if s > 1 and text[s - 1] == "-" and text[s - 2].isalpha():
            continue
        at_start = s == opening or text[s - 1] in "“\"'‘(«" and s - 1 == opening
        reading = read_phrase(m.group(), at_start)
        if reading is None:
            continue
        ms = s + reading.skip
        me = ms + reading.length
        if me + 4 < m.end() and text.startswith(" of ", me):
            pos = me + 4
        after_the = ms - 4 >= opening and text[ms - 4 : ms] in ("the ", "The ")
        out.append(
            Mention(
                ms,
                me,
                reading.kind,
                reading.name,
                reading.title,
                ms + reading.name_offset,
                reading.gender,
                after_the,
            )
        )
    return out


def _sentences(spans) -> list[Sentence]:
    return [Sentence(n, s, e, paragraph_start=n % 3 == 0) for n, (s, e) in enumerate(spans)]


@settings(max_examples=300, deadline=None)
@given(texts, st.lists(st.tuples(st.integers(0, 400), st.integers(0, 400)), max_size=12))
def test_quotes_found_once_read_as_a_scan_per_span(text, cuts):
    spans = sorted((min(a, b, len(text)), min(max(a, b), len(text))) for a, b in cuts)
    spans += [(s.start, s.end) for s in split_text(text).spans]
    spans.sort()
    fast, slow = _sentences(spans), _sentences(spans)
    scan_quotes(text, fast)
    _reference_scan_quotes(text, slow)
    for a, b in zip(fast, slow, strict=True):
        assert (a.quotes, a.marks, a.opens_inside, a.ends_inside) == (
            b.quotes,
            b.marks,
            b.opens_inside,
            b.ends_inside,
        )


@settings(max_examples=300, deadline=None)
@given(texts, st.integers(0, 300), st.integers(0, 300))
def test_mentions_in_one_scan_are_those_of_a_search_per_mention(text, a, b):
    start, end = sorted((min(a, len(text)), min(b, len(text))))
    assert find_mentions(text, start, end) == _reference_find_mentions(text, start, end, start)


def test_the_place_after_of_is_read_on_its_own():
    text = "Tristan Smith of University College London said so."
    names = [m.name for m in find_mentions(text, 0, len(text))]
    assert names == ["Tristan Smith", "University College London"]


def test_spans_as_tuples_lists_and_span_objects_read_alike():
    span = split_text("Hatami said so.").spans[0]
    assert _pair((0, 15)) == _pair([0, 15]) == _pair(span) == (0, 15)
