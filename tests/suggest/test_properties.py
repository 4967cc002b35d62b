"""Property tests: the suggester never fails on what the splitter accepts, and every
evidence offset lies inside the article with the text it claims."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench.suggest import suggest_article
from workbench.text.splitter import split_text

WORDS = [
    "said",
    "told",
    "he",
    "she",
    "they",
    "who",
    "according",
    "to",
    "reported",
    "the",
    "Hatami",
    "General",
    "Amir",
    "Iranian",
    "Defense",
    "Minister",
    "Mehr",
    "report",
    "predicts",
    "will",
    "“",
    "”",
    '"',
    ":",
    ",",
    ".",
    "?",
    "\n\n",
    "\n",
    "SP/PA",
    "Mr.",
    "LONDON",
    "(Reuters)",
    "-",
    "called",
    "for",
    "Commander",
    "of",
    "quoted",
    "him",
    "as",
    "saying",
    "IRNA",
    "Smith’s",
    "added",
    "«",
    "»",
    "It",
    "We",
    "I",
    "Ms.",
    "Jones",
]
TOKENS = st.lists(st.sampled_from(WORDS), max_size=60).map(" ".join)
TEXTS = st.one_of(st.text(max_size=300), TOKENS, st.lists(TOKENS, max_size=4).map("".join))


def check(text: str, outlet: str) -> None:
    spans = [(s.start, s.end) for s in split_text(text).spans]
    result = suggest_article(text, spans, outlet=outlet)
    assert [(c.start, c.end) for c in result.claims] == spans
    n = len(text)
    for claim in result.claims:
        for proposal in claim.proposals():
            assert 0.0 <= proposal.confidence <= 1.0
            assert proposal.reason
            for ev in proposal.evidence:
                assert 0 <= ev.start <= ev.end <= n
                assert text[ev.start : ev.end] == ev.text
    for entry in result.roster:
        for ev in entry.mentions:
            assert 0 <= ev.start <= ev.end <= n
            assert text[ev.start : ev.end] == ev.text


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXTS, st.sampled_from(["", "Mehr News Agency", "Reuters"]))
def test_suggesting_never_fails_and_evidence_is_exact(text, outlet):
    check(text, outlet)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 40), max_size=6), TOKENS)
def test_any_spans_inside_the_text_are_accepted(cuts, text):
    n = len(text)
    points = sorted(min(c, n) for c in cuts)
    spans = list(zip(points[::2], points[1::2], strict=False))
    result = suggest_article(text, spans)
    assert len(result.claims) == len(spans)
    for claim in result.claims:
        for proposal in claim.proposals():
            for ev in proposal.evidence:
                assert text[ev.start : ev.end] == ev.text
