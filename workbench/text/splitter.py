"""Split news prose into claims with exact character offsets.

``split_text(text)`` returns a :class:`Split`: an optional dateline ("TEHRAN" for
"TEHRAN - ...") with the wire agency it names ("Reuters" for "LONDON (Reuters) -")
and a tuple of :class:`Span` objects.  ``text[span.start:span.end]``
is exactly the claim text; spans are ordered, non-overlapping, non-empty and start
and end on non-whitespace.  Everything outside the spans is whitespace or the
dateline prefix, so the splitter never drops or alters a character.

How it works (one pass per paragraph, regexes compiled once at import):

1. A dateline prefix ("TEHRAN - ", "WASHINGTON, March 3 (AP) — ") is recognised
   only at the very beginning of the text, or on the line after a headline that
   opens the text (the headline is then the first span).
2. The text is cut into paragraphs at blank lines and hard separators (form feed,
   U+2029).  Claims never cross a paragraph.
3. Inside a paragraph, forced cuts are placed before bullets, numbered/lettered
   list items, Reuters-style "(Reporting by ...)" credits and at line breaks that
   look like paragraph ends (see ``_line_cuts``).
4. Every run of terminators (``. ! ? …``) followed by whitespace is a candidate;
   ``_term_cut`` decides from the word before it and the character after it
   (abbreviations, initials, numbers, ellipses, quote + attribution).
   A line without final punctuation that opens a sentence and is followed by a
   new sentence is a headline and ends at its line break (``_is_headline``).
5. The pieces between cuts are stripped of whitespace and labelled "claim" or
   "boilerplate" (sign-off initials such as "SP/PA", licence and copyright lines,
   reporting credits).

See docs/splitter.md for the rules, accepted limitations and benchmark numbers.
"""

import re
from bisect import bisect_left
from dataclasses import dataclass

from workbench.text.cues import SPEECH_VERBS as _SPEECH_VERBS

__all__ = ["Span", "Split", "TooManySpans", "split_sentences", "split_text"]


class TooManySpans(ValueError):
    """The text has more spans than ``split_text``'s ``max_spans`` allows.

    ``at_least`` is how many it has at least (splitting stopped soon after the limit).
    """

    def __init__(self, at_least: int, limit: int) -> None:
        super().__init__(f"the text has at least {at_least} spans, more than {limit}")
        self.at_least = at_least
        self.limit = limit


@dataclass(frozen=True, slots=True)
class Span:
    """A claim or boilerplate fragment: ``text[start:end]`` is its exact text."""

    start: int
    end: int
    kind: str  # "claim" or "boilerplate"


@dataclass(frozen=True, slots=True)
class Split:
    """The result of :func:`split_text`."""

    dateline: str | None
    dateline_span: tuple[int, int] | None
    spans: tuple[Span, ...]
    # The news agency a wire dateline names ("Reuters" for "LONDON (Reuters) -").
    wire_source: str | None = None


# --------------------------------------------------------------------------- patterns

# Line breaks as str.splitlines() sees them.  \f, \x1c-\x1e and U+2029 are hard
# paragraph separators; the others are soft breaks that may sit inside a sentence.
# Both regexes start with a character class so that re can skip ahead quickly.
_ANY_LB = "[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]"
_HARD_SEPARATORS = "\f\x1c\x1d\x1e\u2029"
_HSPACE = r"[^\S\n\r\v\f\x1c-\x1e\x85\u2028\u2029]"
# A run of line breaks (with horizontal space between); _is_paragraph_break filters.
_BREAKS_RE = re.compile(rf"{_ANY_LB}(?:{_HSPACE}*{_ANY_LB})*")
# One soft break inside a paragraph; "\r\n" is one break (and "\n\n" cannot occur
# inside a paragraph, so the optional "\n" only ever completes a "\r\n").
_SOFT_LB_RE = re.compile("[\n\r\v\x85\u2028]\n?")
_LB_CHAR_RE = re.compile(_ANY_LB)

# A run of terminators (". . ." with single spaces counts as one run), then any
# closing quotes/brackets, and it must be followed by whitespace or the end.
_CLOSERS = "”’\"'»›)]"
_TERM_RE = re.compile(r"[.!?‽…](?:[ ]?[.!?‽…])*[”’\"'»›)\]]*(?=\s|\Z)")
_OPENERS = "\"'“‘«‹([{¿¡"
_NEXT_RE = re.compile(r"\s*[\"'“‘«‹(\[{¿¡]*")  # whitespace, then opening punctuation
_WORD_RE = re.compile(r"[^\W\d_]+")
_NONSPACE_RE = re.compile(r"\S")

_BULLETS = "•⁃▪◦‣●■"
_BULLET_RE = re.compile(f"[{_BULLETS}]")
# A list item at the start of a paragraph: optional bullet, "1." / "1)" / "1.)" / "a.".
_LIST_START_RE = re.compile(rf"(?:[{_BULLETS}]\s*)?(\d{{1,3}}|[a-z])(\.\)|[.)])(?=\s)")
# A line that starts like a list item (used for single line breaks).
_ITEM_RE = re.compile(rf"(?:[{_BULLETS}*\-–]|\d{{1,3}}(?:\.\)|[.)])|[a-z]\))(?=\s)")
# A token that could be a list marker once its terminator is stripped ("1", "a", "⁃9").
_MARKER_WORD_RE = re.compile(rf"[{_BULLETS}]?(?:\d{{1,3}}|[^\W\d_])")
_MULTI_ABBR_RE = re.compile(r"(?:[^\W\d_]\.)+[^\W\d_]")  # U.S  E.U  a.m  J.K

# Dateline: uppercase place (1-4 words), optional ", Region" / ", March 3" parts,
# optional "(Agency)", then a dash, all at the very start of the text.
_DATELINE_RE = re.compile(
    r"""
    \s*
    (?P<place>[A-Z][A-Z'’.\-]*(?:[ \u00a0]+[A-Z][A-Z'’.\-]*){0,3})
    (?:,[ \u00a0]*[A-Z][A-Za-z.'’\-]*(?:[ \u00a0]+[A-Za-z0-9.'’\-]+){0,3}){0,2}
    (?P<pre>[ \u00a0]*)
    (?:\((?P<agency>[^()\n]{1,60})\)(?P<pre2>[ \u00a0]*))?
    (?P<dash>--?|[–—])
    (?P<post>[ \u00a0\t]*)
    (?=\S)
    """,
    re.X,
)

# Reuters-style credits; cut around them and do not split inside them.
_CREDIT_RE = re.compile(
    r"\((?:Additional |Further )?(?:[Rr]eporting|[Ww]riting|[Ee]diting|[Cc]ompiled|"
    r"[Tt]ranslated|[Pp]roduced|[Rr]esearch)(?: and \w+)? by\b"
    r"[^()\n\r\v\f\x1c-\x1e\x85\u2028\u2029]{0,400}\)\.?"
)

_SIGNOFF = r"[A-Z]{2,5}(?:/[A-Z0-9]{0,12}){1,3}"  # SP/PA, AFP/AB, MNA/, MNA/5463216
_SIGNOFF_PREFIX_RE = re.compile(rf"({_SIGNOFF})\s+(?=\S)")
# Boilerplate, matched at the start of a piece (endpos = end of the piece).
_BOILER_RE = re.compile(
    rf"""
      {_SIGNOFF}\.?\Z
    | ©
    | \([cC]\)\s*\d{{4}}
    | Copyright\b
    | All\ rights\ reserved\b
    | All\ (?:[Cc]ontents?|[Mm]aterials?|[Aa]rticles?)\b.{{0,120}}?\blicen[cs]ed\b
    | This\ (?:article|work|story|content|material)\b.{{0,80}}?\blicen[cs]ed\ under\b
    | \((?:Additional\ |Further\ )?(?i:reporting|writing|editing|compiled|translated)
        (?:\ and\ \w+)?\ by\b.*\)\.?\Z
    | (?:Additional\ |Further\ )?(?i:reporting|writing)(?:\ and\ \w+)?\ by\b[^.]*;
        \s*(?:Editing|Writing|Additional)\b
    """,
    re.X | re.S,
)

# ------------------------------------------------------------------- word lists

# Titles and other abbreviations that never end a sentence (lowercase, no period).
_NEVER_END = frozenset(
    """
    mr mrs ms messrs mme mlle dr prof gen brig lt maj col capt cpt cmdr cdr adm sgt
    cpl pvt gov sen rep reps rev hon pres supt insp st mt ft fr
    jan feb mar apr jun jul aug sep sept oct nov dec
    e.g i.e vs v cf viz approx
    """.split()
)
# Postpositive abbreviations: end a sentence only before a typical sentence opener
# ("... Briggs & Co. It closed" splits, "Apple Inc. CEO Tim Cook" does not).
_POSTPOSITIVE = frozenset("co corp inc ltd llc plc bros jr sr esq".split())
_AMPM = frozenset(("a.m", "p.m"))
_TIME_ZONES = frozenset(
    "GMT UTC ET EST EDT CT CST CDT MT MST MDT PT PST PDT BST CET CEST EET EEST IRST AST".split()
)
# Words that typically open a sentence (pySBD uses a similar list for "U.S." etc.).
_STARTERS = frozenset(
    """
    A An The He She It They We I You This That These Those There Their His Her Its Our
    My Your In On At For But And Or So Yet However Meanwhile Also As After Before When
    While What Where Which Who Why How If Some Many Most More Much Other Others One Two
    Earlier Later According Did Does Do Is Are Was Were Will Would Can Could Should Being
    Millions Thousands Hundreds Last Next Since Still Such Then Thus Today Yesterday
    Tomorrow Both All Each Every No Not Now Despite Although Though During Because Let
    """.split()
)
# After a closing quote: "... power,” Baqeri told his guest." - a name then a verb.
_ATTRIB_RE = re.compile(
    rf"([^\W\d_][\w'’\-]*\.?)(?:\s+[A-Z][\w'’\-]*\.?){{0,3}}\s+(?:{_SPEECH_VERBS})\b"
)
_CONTINUATION = ",;:(&/-–—"  # a line ending in these goes on after a line break
# ... and so does a line ending in a function word ("met with\nGeneral Baqeri").
_CONTINUATION_WORDS = frozenset(
    """
    a an the of to in on at by for from with as and or but nor that than into onto over
    under about after before between against during without within via per is are was
    were be been has have had will would can could should may might must said told
    """.split()
)
_TERM_OR_CLOSE = ".!?‽…" + _CLOSERS
_HSPACE_OR_BULLET = " \t\u00a0" + _BULLETS


# ------------------------------------------------------------------------ helpers


def _is_attribution(text: str, p: int, end: int) -> bool:
    """Return True if an attribution ("Baqeri told", "General Khwain said") starts at p."""
    m = _ATTRIB_RE.match(text, p, end)
    return m is not None and m.group(1) not in _STARTERS


def _is_list_marker(text: str, bs: int, ws: int, forced: list[int]) -> bool:
    """Return True if the token at ws stands at a claim start (block, line, bullet, cut)."""
    j = ws
    while j > bs and text[j - 1] in _HSPACE_OR_BULLET:
        j -= 1
    if j == bs or text[j - 1].isspace():
        return True
    i = bisect_left(forced, j)  # a forced cut (bullet, list item) between j and ws
    return i < len(forced) and forced[i] <= ws


def _term_cut(text: str, bs: int, be: int, ts: int, te: int, forced: list[int], lc: int) -> int:
    """Decide a terminator run text[ts:te] inside block [bs, be).

    Return the cut position (end of the claim) or -1 when the sentence goes on.
    ``lc`` is the last cut before ts (for the a.m./p.m. short-prefix rule).
    """
    nm = _NEXT_RE.match(text, te, be)
    p = nm.end()
    if p >= be:
        return -1  # end of the paragraph cuts anyway
    c = text[p]
    if c.islower():
        return -1  # "Yahoo! in", "'This is great.' she said", "U.S.A. last year"
    run = text[ts:te]
    core = run.rstrip(_CLOSERS)
    closed = len(core) < len(run)
    if "!" in core or "?" in core or "‽" in core:
        if closed and _is_attribution(text, p, be):
            return -1  # '"Why?" Baqeri asked.'
        return te
    dots = core.count(".") + 3 * core.count("…")
    if dots >= 4:
        # Ellipsis plus a full stop.  "compounds. . . . The" ends after the first
        # period (the spaced ellipsis opens the next sentence, as in MLA style).
        if core[1:2] == " " and ts > bs and not text[ts - 1].isspace():
            return ts + 1
        return te
    if dots >= 2:
        # A plain ellipsis ends a sentence before a capital ("He paused... Then"),
        # not before "I" ("the thing is . . . I didn't", pySBD rule 47), not as a
        # bracketed omission ("[...]") and not before an attribution.
        if not c.isupper() or (ts > bs and text[ts - 1] in "[("):
            return -1
        nw = _WORD_RE.match(text, p, be)
        if nw is not None and nw.group() == "I":
            return -1
        if closed and _is_attribution(text, p, be):
            return -1
        return te
    if c.isdigit():
        return -1  # "No. 5", "p. 55", "N°. 1026" (list items get forced cuts)
    before = text[max(bs, ts - 48) : ts]
    if not before or before[-1].isspace():
        return te  # a lone "." after whitespace
    word = before.rsplit(None, 1)[-1]  # the token ending at ts
    ws = ts - len(word)
    if _MARKER_WORD_RE.fullmatch(word) and _is_list_marker(text, bs, ws, forced):
        return -1  # "1. The first item", "a. The first item"
    if closed:
        # The sentence ended inside a quote or bracket; only an attribution goes on.
        return -1 if _is_attribution(text, p, be) else te
    word = word.lstrip(_OPENERS)
    if not word:
        return te
    lw = word.lower()
    if lw in _NEVER_END:
        return -1
    if len(word) == 1:
        if not word.isupper():
            return te  # lowercase letters end normally ("vitamin a. The"); "p. 55" is a number
        if word == "I":
            prev = text[max(bs, ws - 40) : ws].split()
            if prev and prev[-1][:1].islower():
                return te  # "you and I. Did ..." (pronoun), not "Albert I. Jones"
        return -1  # an initial: "John F. Kennedy"
    if "." in lw or "-" in lw:
        if _MULTI_ABBR_RE.fullmatch(word):
            if lw in _AMPM:
                # "He left at 6 P.M. Mr. Smith ..." ends; "At 5 a.m. Mr. Smith" does not.
                # "10:30 a.m. EDT (1430 GMT)" goes on: a time zone follows.
                nw = _WORD_RE.match(text, p, be)
                if nw is not None and nw.group() in _TIME_ZONES:
                    return -1
                if c.isupper() and len(text[lc:ts].split()) >= 4:
                    return te
                return -1
            nw = _WORD_RE.match(text, p, be)
            return te if nw is not None and nw.group() in _STARTERS else -1
        if re.split(r"[.\-]", lw)[-1] in _NEVER_END:
            return -1  # "Lt.-Gen.", "Maj.Gen."
    if lw in _POSTPOSITIVE:
        nw = _WORD_RE.match(text, p, be)
        return te if nw is not None and nw.group() in _STARTERS else -1
    return te


def _is_headline(text: str, lines: list[str], i: int, longest: int, q: int, be: int) -> bool:
    """Return True if lines[i], a line without final punctuation, is a headline.

    The line must start a sentence (first line of the block, or the line before
    ends one), and the next line, at q, must start with a capital and look like a
    new sentence: a dateline ("TEHRAN - "), a common opener ("The", "A", "He"),
    or the line is in title case and shorter than the wrapped lines around it.
    A line that ends in a name before a capitalised line ("met Defence Minister
    Amir\nHatami") matches none of these and stays joined.
    """
    line = lines[i]
    if i and lines[i - 1] and lines[i - 1][-1] not in _TERM_OR_CLOSE:
        return False  # the line goes on a sentence from the line before
    head = line.lstrip(_OPENERS)
    if not head or head[0].islower():
        return False
    p = _NEXT_RE.match(text, q, be).end()
    if p >= be or not text[p].isupper():
        return False
    nw = _WORD_RE.match(text, p, be)
    if nw is not None and nw.group() in _STARTERS and nw.group() != "I":
        return True  # "... Tehran talks\nThe Iraqi army chief met ..." ("World War\nI")
    if _find_dateline(text, q, be) is not None:
        return True
    if len(line) >= 0.9 * longest:
        return False
    words = [w.lstrip(_OPENERS) for w in line.split()]
    long_words = [w for w in words if len(w) >= 4 and w[0].isalpha()]
    return len(long_words) >= 2 and all(w[0].isupper() for w in long_words)


def _line_cuts(text: str, bs: int, be: int, out: list[int]) -> None:
    """Append cuts for soft line breaks inside block [bs, be).

    A block whose lines are all 40-110 characters and mostly near the longest is
    treated as hard-wrapped prose: its line breaks are spaces, except before a
    list item or after a short line that does not end a sentence (a heading).
    Elsewhere (e.g. one paragraph per line) a line break ends the claim unless
    the next line starts lowercase or the line ends in , ; : ( & / or a dash.
    In both, a headline (see ``_is_headline``) ends at its line break.
    """
    breaks = [(m.start(), m.end()) for m in _SOFT_LB_RE.finditer(text, bs, be)]
    if not breaks:
        return
    starts = [bs] + [e for _, e in breaks]
    ends = [s for s, _ in breaks] + [be]
    lines = [text[a:b].strip() for a, b in zip(starts, ends, strict=True)]
    lens = [len(line) for line in lines]
    longest = max(lens)
    body = lens[:-1]
    wrapped = 40 <= longest <= 110 and 2 * sum(n >= 0.6 * longest for n in body) >= len(body)
    for i, (ls, le) in enumerate(breaks):
        prev = lines[i]
        m = _NONSPACE_RE.search(text, le, be)
        if m is None:
            return
        if not prev:
            continue
        q = m.start()
        nc = text[q]
        pc = prev[-1]
        if _ITEM_RE.match(text, q):
            out.append(ls)
        elif nc.islower() or pc in _CONTINUATION:
            continue
        elif pc.isalpha() and prev.rsplit(None, 1)[-1] in _CONTINUATION_WORDS:
            continue
        elif not wrapped or (
            pc not in _TERM_OR_CLOSE
            and (lens[i] < 0.5 * longest or _is_headline(text, lines, i, longest, q, be))
        ):
            out.append(ls)


def _list_cuts(text: str, bs: int, be: int, out: list[int]) -> None:
    """Append cuts before the items of a list that opens block [bs, be).

    "1. The first item 2. The second item" -> cut before "2."; the numbering (or
    lettering from "a") must go on in sequence, which keeps "p. 55" or "rose 5."
    from ever looking like list items.
    """
    m = _NONSPACE_RE.search(text, bs, be)
    if m is None:
        return
    lm = _LIST_START_RE.match(text, m.start(), be)
    if lm is None:
        return
    label, punct = lm.group(1), lm.group(2)
    if label.isalpha() and label != "a":
        return
    pos = lm.end()
    for _ in range(1000):
        label = str(int(label) + 1) if label.isdigit() else chr(ord(label) + 1)
        nxt = re.compile(r"(?<!\S)" + re.escape(label + punct) + r"(?=\s)").search(text, pos, be)
        if nxt is None:
            return
        j = nxt.start()
        k = j
        while k > bs and text[k - 1] in " \t\u00a0":
            k -= 1
        if k > bs and text[k - 1] in _BULLETS:
            j = k - 1  # keep "• 10." together
        out.append(j)
        pos = nxt.end()


class _Limit:
    """Stops a split once the text certainly has more than ``limit`` spans.

    The cuts found so far are a subset of the final ones, and every stretch between
    two of them that is not all white space holds at least one final span (more
    cuts only divide stretches): their count is a lower bound. It is counted each
    time the cuts have grown by a quarter past the limit, so the checks cost little.
    """

    def __init__(self, text: str, limit: int) -> None:
        self.text = text
        self.limit = limit
        self.next_check = limit + 1

    def check(self, cuts: list[int]) -> None:
        if len(cuts) < self.next_check:
            return
        self.next_check = len(cuts) + len(cuts) // 4 + 1
        text = self.text
        found = sorted(set(cuts))
        at_least = sum(1 for a, b in zip(found, found[1:], strict=False) if text[a:b].strip())
        if at_least > self.limit:
            raise TooManySpans(at_least, self.limit)


def _scan_block(
    text: str,
    bs: int,
    be: int,
    credits: list[tuple[int, int]],
    cuts: list[int],
    limit: _Limit | None = None,
):
    """Append all cuts inside block [bs, be) to ``cuts`` (see _Limit for ``limit``)."""
    forced: list[int] = []
    if _SOFT_LB_RE.search(text, bs, be):
        _line_cuts(text, bs, be, forced)
    for m in _BULLET_RE.finditer(text, bs, be):
        if m.start() > bs and text[m.start() - 1].isspace():
            forced.append(m.start())
    _list_cuts(text, bs, be, forced)
    i = bisect_left(credits, (bs, bs))
    inside: list[tuple[int, int]] = []
    while i < len(credits) and credits[i][0] < be:
        inside.append(credits[i])
        forced.extend(credits[i])
        i += 1
    forced.sort()
    cuts.extend(forced)
    lc = bs
    for m in _TERM_RE.finditer(text, bs, be):
        ts = m.start()
        if inside and any(a <= ts < b for a, b in inside):
            continue  # no splitting inside "(Reporting by ...; Editing by ...)"
        if forced:
            k = bisect_left(forced, ts)
            if k and forced[k - 1] > lc:
                lc = forced[k - 1]
        cut = _term_cut(text, bs, be, ts, m.end(), forced, lc)
        if cut >= 0:
            cuts.append(cut)
            lc = cut
            if limit is not None:
                limit.check(cuts)


def _is_paragraph_break(breaks: str) -> bool:
    """Return True if a run of line breaks is a blank line or a hard separator."""
    if len(breaks) == 1:
        return breaks in _HARD_SEPARATORS
    if any(ch in _HARD_SEPARATORS for ch in breaks):
        return True
    return len(_LB_CHAR_RE.findall(breaks.replace("\r\n", "\n"))) >= 2


def _find_dateline(
    text: str, pos: int = 0, endpos: int | None = None
) -> tuple[str, tuple[int, int], int, str | None] | None:
    """Return (place, (start, end), body_start, agency) for a dateline at pos, else None.

    ``agency`` is the bracketed name after the place ("Reuters", "AP"), stripped,
    or None when the dateline has no brackets.
    """
    m = _DATELINE_RE.match(text, pos, len(text) if endpos is None else endpos)
    if m is None:
        return None
    place = m.group("place")
    if sum(ch.isalpha() for ch in place) < 3 or not place[-1].isalpha():
        return None
    if m.group("dash").startswith("-"):
        before = m.group("pre2") if m.group("pre2") is not None else m.group("pre")
        if not before and not m.group("post"):
            return None  # "US-Iran talks" is not a dateline
    if text[m.end()].islower():
        return None
    agency = (m.group("agency") or "").strip() or None
    return place, (m.start("place"), m.end("place")), m.end(), agency


def _headline_dateline(
    text: str,
) -> tuple[tuple[int, int], tuple[str, tuple[int, int], int, str | None]] | None:
    """Return ((start, end) of the headline, dateline) when the text opens with a
    headline line (no final punctuation, at most 300 characters) and the next
    line starts with a dateline ("Iran Vows Support\nTEHRAN (AP) - ..."), else None.
    """
    m = _NONSPACE_RE.search(text, 0, 300)
    if m is None:
        return None
    hs = m.start()
    lb = _LB_CHAR_RE.search(text, hs, hs + 300)
    if lb is None:
        return None
    line = text[hs : lb.start()].rstrip()
    if not line or line[-1] in _TERM_OR_CLOSE or line[-1] in _CONTINUATION:
        return None
    if line.rsplit(None, 1)[-1] in _CONTINUATION_WORDS or line.lstrip(_OPENERS)[:1].islower():
        return None
    found = _find_dateline(text, lb.start())
    if found is None:
        return None
    return (hs, hs + len(line)), found


# --------------------------------------------------------------------------- API


def split_text(text: str, *, max_spans: int | None = None) -> Split:
    """Split ``text`` into claims; return a :class:`Split` with exact offsets.

    Never raises for a ``str`` argument (TypeError for anything else), unless
    ``max_spans`` is given and the text has more spans: then TooManySpans, raised
    soon after the limit is passed rather than after splitting all of the text.
    An empty or all-whitespace text gives no spans.
    """
    if not isinstance(text, str):
        raise TypeError(f"split_text() needs a str, not {type(text).__name__}")
    n = len(text)
    dateline = None
    dateline_span = None
    wire_source = None
    body = 0
    found = _find_dateline(text) if text[:1].isspace() or text[:1].isupper() else None
    headline = None
    if found is None:
        after_headline = _headline_dateline(text)
        if after_headline is not None:
            headline, found = after_headline
    if found is not None:
        dateline, dateline_span, body, wire_source = found
    credits = [(m.start(), m.end()) for m in _CREDIT_RE.finditer(text, body)]
    limit = _Limit(text, max_spans) if max_spans is not None else None
    cuts = [body]
    bs = body
    for pm in _BREAKS_RE.finditer(text, body):
        if not _is_paragraph_break(pm.group()):
            continue
        _scan_block(text, bs, pm.start(), credits, cuts, limit)
        cuts.append(pm.start())
        bs = pm.end()
        cuts.append(bs)
        if limit is not None:
            limit.check(cuts)
    _scan_block(text, bs, n, credits, cuts, limit)
    cuts.append(n)
    cuts = sorted(set(cuts))

    spans: list[Span] = []
    if headline is not None:
        _add_piece(text, headline[0], headline[1], spans)
    for a, b in zip(cuts, cuts[1:], strict=False):
        piece = text[a:b]
        stripped = piece.lstrip()
        if not stripped:
            continue
        s = a + len(piece) - len(stripped)
        e = a + len(piece.rstrip())
        _add_piece(text, s, e, spans)
    if max_spans is not None and len(spans) > max_spans:
        raise TooManySpans(len(spans), max_spans)
    return Split(dateline, dateline_span, tuple(spans), wire_source)


def _add_piece(text: str, s: int, e: int, spans: list[Span]) -> None:
    """Append the piece text[s:e] as one span, or two if a sign-off leads boilerplate."""
    if _BOILER_RE.match(text, s, e):
        spans.append(Span(s, e, "boilerplate"))
        return
    m = _SIGNOFF_PREFIX_RE.match(text, s, e)
    if m is not None and _BOILER_RE.match(text, m.end(), e):
        # "SP/PA All Content by ... License." -> "SP/PA" + the licence sentence
        spans.append(Span(s, m.end(1), "boilerplate"))
        spans.append(Span(m.end(), e, "boilerplate"))
        return
    spans.append(Span(s, e, "claim"))


def split_sentences(text: str) -> list[str]:
    """Return the span texts of ``split_text(text)`` (claims and boilerplate) in order."""
    return [text[s.start : s.end] for s in split_text(text).spans]


def is_boilerplate(text: str, start: int = 0, end: int | None = None) -> bool:
    """Return True if ``text[start:end]`` is what split_text labels boilerplate: a
    sign-off ("SP/PA"), a licence or copyright line, a reporting credit, or a
    sign-off followed by one of these."""
    end = len(text) if end is None else end
    if _BOILER_RE.match(text, start, end):
        return True
    m = _SIGNOFF_PREFIX_RE.match(text, start, end)
    return m is not None and _BOILER_RE.match(text, m.end(), end) is not None
