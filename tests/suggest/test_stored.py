"""The stored form of proposals (workbench/suggest/stored.py): the evidence JSON that the
row writer builds by hand is exactly the JSON of the evidence object."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench.suggest import RegistrySpeaker, suggest_article
from workbench.suggest.model import Evidence, Proposal, SpeakerGuess
from workbench.suggest.stored import Registry, encode, evidence_of, row
from workbench.text.splitter import split_text

GOLD = Path(__file__).resolve().parents[2] / "bench" / "data" / "suggest_gold"
REGISTRY = Registry(
    speakers=(RegistrySpeaker(name="Amir Hatami", type="person", aliases=("Hatami",), id=3),),
    ids=frozenset({3}),
    by_name={"amir hatami": 3},
)


def _compact(value) -> str:
    return json.dumps(value, separators=(",", ":"))


def _check(text: str, outlet: str = "") -> int:
    spans = [(s.start, s.end) for s in split_text(text).spans]
    result = suggest_article(text, spans, REGISTRY.speakers, outlet=outlet)
    encoded = encode(result, REGISTRY)
    checked = 0
    for claim, rows in zip(result.claims, encoded.rows, strict=True):
        proposals = list(claim.proposals())
        assert [r[0] for r in rows] == [p.field for p in proposals]
        for proposal, stored in zip(proposals, rows, strict=True):
            assert stored[6] == _compact(evidence_of(proposal))
            assert json.loads(stored[6]) == evidence_of(proposal)
            checked += 1
    return checked


def test_the_gold_articles_evidence_is_the_json_of_its_object():
    checked = sum(
        _check(path.read_text(encoding="utf-8"), "Mehr News Agency")
        for path in sorted(GOLD.glob("*.txt"))
    )
    assert checked > 1000


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.text(alphabet=st.sampled_from(list('ab"\\\u201c\u201d\u00e9\u2028\n :.,') + ["\ud7ff"])))
def test_any_text_and_any_name_encode_as_json_would(text):
    guess = SpeakerGuess(name=text or "x", type="person", title=text, aliases=(text,))
    proposal = Proposal(
        field="speaker",
        value=text or "x",
        confidence=0.5,
        reason=text,
        evidence=(Evidence(text or "cue", 0, 1, "x"),),
        rule=text,
        continuation=bool(len(text) % 2),
        speaker=guess,
    )
    assert row(proposal, REGISTRY)[6] == _compact(evidence_of(proposal))
    _check("Hatami said: " + text + ". " + text)
