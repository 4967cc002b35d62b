"""Cases a probe of the suggester found (docs/suggestions.md, "Known limits" fixed)."""

from __future__ import annotations

import pytest

from tests.suggest.test_patterns import row, suggest
from workbench.suggest import RegistrySpeaker, suggest_article
from workbench.suggest.mentions import Roster
from workbench.text.splitter import split_text

# ------------------------------------------------------------------ API


def test_spans_may_be_span_objects_and_outlet_and_registry_none():
    text = "Smith said the plan had failed. Prices rose."
    result = suggest_article(text, split_text(text).spans, None, outlet=None)
    assert [c.speaker.value for c in result.claims] == ["Smith", "the article"]


def test_an_alias_given_as_one_str_is_one_alias():
    r = RegistrySpeaker(name="Amir Hatami", aliases="Hatami")  # type: ignore[arg-type]
    roster = Roster((r,))
    assert roster.registry.get("Hatami") is r
    assert roster.registry.get("H") is None


def test_the_registry_index_is_built_once_per_registry():
    registry = tuple(RegistrySpeaker(name=f"Person Number{i}") for i in range(50))
    assert Roster(registry).registry is Roster(registry).registry
    assert Roster(list(registry)).registry is Roster(registry).registry


# ------------------------------------------------------------------ unknown speakers


def test_a_pronoun_with_no_compatible_antecedent_is_an_unknown_speaker():
    _r, claims = suggest("Sara Jones spoke. He said the release was delayed.")
    assert row(claims[1][1]) == ("unknown", "unknown", "", "indirect")
    assert "no compatible antecedent" in claims[1][1].speaker.reason


def test_they_after_a_single_person_is_an_unknown_speaker():
    _r, claims = suggest("Sara Jones arrived. They said the release was delayed.")
    assert row(claims[1][1])[1:] == ("unknown", "", "indirect")


def test_an_unknown_speaker_is_not_in_the_roster():
    result, _claims = suggest("Sara Jones spoke. He said the release was delayed.")
    assert "unknown" not in [r.name for r in result.roster]


def test_a_quote_a_pronoun_attributes_without_antecedent_is_direct_and_cued():
    _r, claims = suggest('Prices rose. "The talks failed," he added.')
    assert row(claims[1][1]) == ("unknown", "unknown", "", "direct")
    assert "no cue" not in claims[1][1].speaker.reason


# ------------------------------------------------------------------ cues with no content


@pytest.mark.parametrize(
    "sentence",
    [
        "Hatami told no one about the plan.",
        "Hatami has said little in public about the talks.",
        "Hatami said nothing.",
        "The minister expressed his condolences to the families.",
    ],
)
def test_a_cue_that_reports_nothing_is_narration(sentence):
    _r, claims = suggest(f"Amir Hatami arrived in Baghdad. {sentence}")
    assert row(claims[1][1]) == ("Daily Planet", "author", "", "none")


def test_a_cue_with_content_after_a_quantifier_is_still_speech():
    _r, claims = suggest("Amir Hatami arrived. Hatami said little had changed since May.")
    assert claims[1][1].speaker.value == "Amir Hatami"


# ------------------------------------------------------------------ wire datelines


def test_a_name_with_an_acronym_in_brackets_is_no_wire_dateline():
    text = (
        "The Islamic Revolutionary Guard Corps (IRGC) - Iran's elite force - held drills. "
        "Prices rose."
    )
    result, claims = suggest(text, outlet="Mehr")
    assert result.wire_source == ""
    assert claims[1][1].speaker.value == "Mehr"


@pytest.mark.parametrize(
    "dateline",
    ["LONDON (Reuters) - ", "NEW YORK (Reuters) -- ", "WASHINGTON, March 3 (Reuters) — "],
)
def test_a_wire_dateline_names_the_wire_source(dateline):
    result, _claims = suggest(dateline + "Prices rose on Monday.", outlet="Mehr")
    assert result.wire_source == "Reuters"


# ------------------------------------------------------------------ the article's own outlet


@pytest.mark.parametrize(
    ("text", "outlet", "registry"),
    [
        ("Smith told the Guardian that the plan had failed.", "The Guardian", ()),
        ("Smith told the Guardian that the plan had failed.", "the Guardian", ()),
        (
            "Smith told the Guardian that the plan had failed.",
            "The Guardian",
            (RegistrySpeaker(name="The Guardian", type="outlet", aliases=("Guardian",)),),
        ),
        (
            "Smith said in an interview with the Guardian that the plan had failed.",
            "The Guardian",
            (),
        ),
        ("NEW YORK (Reuters) -- Smith told Reuters that the plan had failed.", "Mehr", ()),
    ],
)
def test_the_articles_own_outlet_or_wire_service_is_no_via(text, outlet, registry):
    _r, claims = suggest(text, outlet, registry)
    assert row(claims[0][1]) == ("Smith", "person", "", "indirect")


def test_another_outlet_spoken_to_is_still_the_via():
    _r, claims = suggest("Smith told The Washington Post that it failed.", "The Guardian")
    assert row(claims[0][1]) == ("Smith", "person", "Washington Post", "indirect")


# ------------------------------------------------------------------ labels before a colon


@pytest.mark.parametrize(
    "line",
    [
        "Note: this article was updated on Monday.",
        "Background: Iran and Iraq fought a war in the 1980s.",
        "Sidebar: prices were higher last year.",
    ],
)
def test_a_label_before_a_colon_is_no_speaker(line):
    _r, claims = suggest(f"Prices rose.\n\n{line}")
    assert row(claims[1][1]) == ("Daily Planet", "author", "", "none")


def test_a_name_before_a_colon_still_speaks():
    _r, claims = suggest('Prices rose.\n\nSmith: "We have done our part."')
    assert claims[1][1].speaker.value == "Smith"


# ------------------------------------------------------------------ ", saying ..."


def test_a_participle_cue_speaks_for_the_subject_of_the_main_clause():
    _r, claims = suggest("Amir Hatami thanked Baqeri, saying the talks were useful.")
    assert row(claims[0][1]) == ("Amir Hatami", "person", "", "indirect")


def test_a_participle_cue_after_a_pronoun_subject():
    _r, claims = suggest("Amir Hatami arrived. He thanked Baqeri, saying the talks were useful.")
    assert row(claims[1][1]) == ("Amir Hatami", "person", "", "indirect")


# ------------------------------------------------------------------ bodies described


@pytest.mark.parametrize(
    ("source", "name", "type_"),
    [
        ("the newspaper", "the newspaper", "outlet"),
        ("state television", "state television", "outlet"),
        ("Tasnim news agency", "Tasnim news agency", "outlet"),
    ],
)
def test_an_outlet_described_reports_as_an_outlet(source, name, type_):
    _r, claims = suggest(f"Prices rose by 4 percent, {source} reported.", "Guardian")
    assert row(claims[0][1]) == (name, type_, "", "indirect")


def test_the_articles_own_agency_described_is_the_outlet():
    _r, claims = suggest("Prices rose by 4 percent, Mehr news agency reported.", "Mehr News Agency")
    assert row(claims[0][1])[:2] == ("Mehr News Agency", "outlet")


def test_a_company_is_an_organization():
    _r, claims = suggest("The company reported a profit of 5 million dollars.")
    assert row(claims[0][1]) == ("the company", "organization", "", "indirect")


def test_quoted_him_as_saying_with_no_antecedent_keeps_the_via():
    text = "The state news agency KCNA quoted him as saying the test was a success."
    _r, claims = suggest(text)
    assert row(claims[0][1]) == ("unknown", "unknown", "KCNA", "indirect")


# ------------------------------------------------------------------ pronouns and personhood


@pytest.mark.parametrize(
    "thing", ["Hurricane Katrina", "Lake Urmia Bridge", "Operation Desert Storm", "Tesla Model Y"]
)
def test_a_pronoun_prefers_a_known_person_to_a_capitalised_pair(thing):
    _r, claims = suggest(f"Amir Hatami arrived. {thing} struck. He said it was a lesson.")
    assert row(claims[2][1]) == ("Amir Hatami", "person", "", "indirect")


def test_a_pronoun_still_finds_a_person_with_no_known_first_name():
    _r, claims = suggest("Kiomars Heidari arrived in Tehran. He said it was a lesson.")
    assert claims[1][1].speaker.value == "Kiomars Heidari"


# ------------------------------------------------------------------ names with metacharacters


def test_an_ampersand_between_capitals_is_inside_a_name():
    _r, claims = suggest("AT&T said the release was delayed.")
    assert row(claims[0][1]) == ("AT&T", "organization", "", "indirect")


def test_registry_names_match_as_literal_strings():
    registry = (RegistrySpeaker(name="C++ (group)", type="organization", id=7),)
    result, claims = suggest("C++ (group) said the release was delayed.", registry=registry)
    assert row(claims[0][1]) == ("C++ (group)", "organization", "", "indirect")
    assert claims[0][1].speaker.speaker.registry_id == 7


# ------------------------------------------------------------------ Q and A


def test_q_lines_are_the_outlets_and_a_lines_the_interviewees():
    text = (
        "Amir Hatami spoke to us.\n\nQ: What do you think?\n\nA: We are ready.\n\n"
        "Q: And?\n\nA: They are over."
    )
    _r, claims = suggest(text, "Guardian")
    rows = [row(c) for _t, c in claims[1:]]
    assert rows == [
        ("Guardian", "author", "", "none"),
        ("Amir Hatami", "person", "", "direct"),
        ("Guardian", "author", "", "none"),
        ("Amir Hatami", "person", "", "direct"),
    ]
