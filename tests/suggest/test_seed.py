"""The seed article, sentence by sentence (pure: no app)."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.suggest import suggest_article
from workbench.text.splitter import split_text

SEED = Path(__file__).resolve().parents[2] / "seeds" / "iran-iraq-military-talks.txt"
OUTLET = "Mehr News Agency"

# (start of the sentence, speaker, type, via, attribution)
EXPECTED = [
    ("General Hamed Atiyeh Khwain, the commander", OUTLET, "author", "", "none"),
    ("On Thursday, he sat down", OUTLET, "author", "", "none"),
    ("During the meeting, Baqeri highlighted", "Mohammad Baqeri", "person", "", "indirect"),
    ("“We know Iraq’s security", "Mohammad Baqeri", "person", "", "direct"),
    ("The Iraqi official, for his part", "Hamed Atiyeh Khwain", "person", "", "indirect"),
    ("“Baghdad was on the verge", "Hamed Atiyeh Khwain", "person", "", "direct"),
    ("Khwain on the same day met", OUTLET, "author", "", "none"),
    ("There, the Iranian defense minister", "Amir Hatami", "person", "", "indirect"),
    ("According to a report by Tasnim", "Amir Hatami", "person", "Tasnim", "indirect"),
    ("Highlighting Iran’s contribution", "Amir Hatami", "person", "", "indirect"),
    ("He added that Iraq", "Amir Hatami", "person", "", "indirect"),
    ("Defense cooperation between Iran", "Amir Hatami", "person", "", "indirect"),
    ("Also on Thursday, Khwain met", "IRNA", "outlet", "", "indirect"),
    ("Heidari said that Iran", "Kiomars Heidari", "person", "", "indirect"),
    ("Heidari added the Islamic", "Kiomars Heidari", "person", "", "indirect"),
    ("Iran is self-sufficient", "Kiomars Heidari", "person", "", "indirect"),
    ("Sharing a very long borderline", "Kiomars Heidari", "person", "", "mixed"),
    ("The Iraqi commander, for his part", "Hamed Atiyeh Khwain", "person", "", "indirect"),
    ("The Iranian military is highly", "Hamed Atiyeh Khwain", "person", "", "indirect"),
    ("Iraqi Navy Commander Major General", OUTLET, "outlet", "", "indirect"),
    ("In July 2017", OUTLET, "author", "", "none"),
    ("Based on the deal", OUTLET, "author", "", "none"),
    ("Iraqi Air Defense Commander", OUTLET, "author", "", "none"),
    ("Hajizadeh said that Iran’s", "Amir Ali Hajizadeh", "person", "", "indirect"),
    ("General Hajizadeh pointed to", "Amir Ali Hajizadeh", "person", "", "indirect"),
    ("“From the first days", "Amir Ali Hajizadeh", "person", "", "direct"),
    ("The IRGC Aerospace Force chief added", "Amir Ali Hajizadeh", "person", "", "mixed"),
    ("By acquiring world’s latest", "Amir Ali Hajizadeh", "person", "", "indirect"),
    ("SP/PA", OUTLET, "author", "", "none"),
    ("All Content by Mehr News Agency", OUTLET, "author", "", "none"),
]


@pytest.fixture(scope="module")
def seed():
    text = SEED.read_text(encoding="utf-8")
    spans = [(s.start, s.end) for s in split_text(text).spans]
    return text, suggest_article(text, spans, outlet=OUTLET)


def test_the_seed_has_the_sentences_expected(seed):
    text, result = seed
    assert [
        text[c.start : c.end][: len(e[0])] for c, e in zip(result.claims, EXPECTED, strict=False)
    ] == [e[0] for e in EXPECTED]
    assert len(result.claims) == len(EXPECTED)


@pytest.mark.parametrize("i", range(len(EXPECTED)), ids=[e[0][:30] for e in EXPECTED])
def test_each_seed_sentence(seed, i):
    text, result = seed
    claim = result.claims[i]
    _start, speaker, type_, via, attribution = EXPECTED[i]
    got = (
        claim.speaker.value,
        claim.speaker_type.value,
        claim.via.value if claim.via else "",
        claim.attribution.value,
    )
    assert got == (speaker, type_, via, attribution), claim.speaker.reason


def test_the_boilerplate_is_not_a_claim(seed):
    _text, result = seed
    assert [c.verifiability.value for c in result.claims[-2:]] == ["not_a_claim"] * 2


def test_the_roster_has_every_officer_with_title_and_aliases(seed):
    _text, result = seed
    people = {e.name: e for e in result.roster if e.type == "person"}
    assert {
        "Hamed Atiyeh Khwain",
        "Mohammad Baqeri",
        "Amir Hatami",
        "Kiomars Heidari",
        "Ahmed Jasim Maarij",
        "Ali Reza Tangsiri",
        "Jabar Obeid Kadhim Jabbar",
        "Amir Ali Hajizadeh",
    } <= set(people)
    assert people["Amir Hatami"].title == "Iranian Defense Minister"
    assert "Hatami" in people["Amir Hatami"].aliases
    assert people["Amir Ali Hajizadeh"].title == "IRGC Aerospace Force Commander"
    assert all(m.text for e in result.roster for m in e.mentions)
