"""One test per rule of the suggester beyond the issue's list (docs/suggestions.md)."""

from __future__ import annotations

import re

import pytest

from tests.suggest.test_patterns import row, speakers, suggest
from workbench.suggest import RegistrySpeaker
from workbench.suggest.verifiability import classify
from workbench.text import cues, splitter
from workbench.text.cues import trie_pattern
from workbench.text.names import NameIndex, fold_name, lookup_index, named_index
from workbench.text.splitter import is_boilerplate

# ------------------------------------------------------------------ subjects


def test_a_name_in_apposition_is_the_subject():
    text = "The Vice President, Mike Pence, said on Friday the country is in crisis."
    assert speakers(text) == ["Mike Pence"]


def test_an_appositive_between_subject_and_verb_is_skipped():
    text = (
        "Howard Rubel, a Toronto lawyer representing the victim, told the BBC after the "
        'verdict "My client is relieved."'
    )
    _r, claims = suggest(text)
    assert row(claims[0][1]) == ("Howard Rubel", "person", "BBC", "direct")


def test_the_agent_of_a_passive_cue_speaks_and_is_the_last_quoted():
    text = (
        "Vladimir Putin visited the site. In a meeting he was told by Emergencies Minister "
        "Yevgeny Zinichev that 40 people were missing. He estimated the work would take a day."
    )
    assert speakers(text)[1:] == ["Yevgeny Zinichev", "Yevgeny Zinichev"]


def test_an_agentless_report_is_unnamed_reports():
    text = "The attacker is reported to have jumped on stage."
    _r, claims = suggest(text)
    assert row(claims[0][1]) == ("unnamed reports", "unknown", "", "indirect")


def test_a_passive_without_an_agent_is_narration():
    _r, claims = suggest("Adamowicz subsequently was announced to have died.", outlet="Wikinews")
    assert row(claims[0][1]) == ("Wikinews", "author", "", "none")


def test_a_person_of_an_organisation_is_the_person():
    text = (
        "Doug Miller of Milltech Marine, a firm specialising in ship tracking, told our "
        "correspondent the transponder will broadcast."
    )
    _r, claims = suggest(text)
    assert row(claims[0][1]) == ("Doug Miller", "person", "", "indirect")


def test_the_first_of_two_joined_subjects_speaks():
    text = (
        "Doug Miller and Tristan Smith were asked. Miller and Smith both acknowledged "
        "faults with the system."
    )
    assert speakers(text)[1] == "Doug Miller"


def test_the_first_of_two_joined_bodies_speaks():
    text = (
        "The Investigative Committee and the Federal Security Service (FSB) said they "
        "believe gas caused the blast."
    )
    assert speakers(text) == ["Investigative Committee"]


def test_a_title_with_the_article_is_a_description():
    text = (
        "President Donald Trump spoke on Friday. The President insists that the budget "
        "include the wall."
    )
    assert speakers(text)[1] == "Donald Trump"


def test_a_surname_with_a_title_first_then_the_full_name_is_one_person():
    text = "President Trump says he can act\n\nDonald Trump spoke on Friday."
    result, claims = suggest(text)
    assert claims[0][1].speaker.value == "Donald Trump"
    assert "Trump" in {a for e in result.roster for a in e.aliases if e.name == "Donald Trump"}


def test_a_first_name_ending_like_an_adverb_is_kept():
    result, _claims = suggest("Emily Spanton, 39, met the officers at a pub.")
    assert "Emily Spanton" in {e.name for e in result.roster}


def test_a_name_glued_to_a_prefix_is_no_mention():
    result, _claims = suggest("Ministers condemned anti-Iran claims on Monday.")
    assert "Iran" not in {e.name for e in result.roster}


# ------------------------------------------------------------------ unnamed sources


@pytest.mark.parametrize(
    "text, name, type_",
    [
        ("A total of 39 are dead, officials told state media.", "officials", "organization"),
        ("Residents there told the press the police had come.", "Residents", "unknown"),
        ("The defendants claimed the woman had lied.", "the defendants", "person"),
        ("German officials said the permit was suspended.", "German officials", "organization"),
    ],
)
def test_a_source_the_article_does_not_name_keeps_its_description(text, name, type_):
    _r, claims = suggest(text)
    claim = claims[0][1]
    assert (claim.speaker.value, claim.speaker_type.value) == (name, type_)


def test_they_resolve_to_the_last_group():
    text = (
        "The defendants claimed the woman had lied. The court heard three witnesses. "
        "They indicated they would appeal."
    )
    assert speakers(text)[2] == "the defendants"


def test_the_head_of_a_group_is_one_person():
    text = 'The head of the police\'s internal investigators told the court "It failed."'
    _r, claims = suggest(text)
    assert claims[0][1].speaker.value == "the head of the police's internal investigators"
    assert claims[0][1].attribution.value == "direct"


def test_an_outlet_passing_on_its_source_is_the_via():
    text = (
        "Reuters reported on Monday a German government source, whom they did not name, "
        "said the ban is not related to the case."
    )
    _r, claims = suggest(text)
    assert row(claims[0][1]) == ("a German government source", "unknown", "Reuters", "indirect")


def test_the_website_is_the_outlet_named_before():
    text = (
        "One news site, Znak.com, published the story. The website further reported its "
        "anonymous source claimed a fourth man escaped."
    )
    _r, claims = suggest(text)
    assert row(claims[1][1]) == ("its anonymous source", "unknown", "Znak.com", "indirect")


# ------------------------------------------------------------------ documents


@pytest.mark.parametrize(
    "text, owner",
    [
        (
            "The Internal Revenue Service website advises citizens to pay.",
            "Internal Revenue Service",
        ),
        ("Marine Traffic's tracking database shows contact on January 10.", "Marine Traffic"),
    ],
)
def test_a_document_of_a_body_is_the_body(text, owner):
    _r, claims = suggest(text)
    assert claims[0][1].speaker.value == owner
    assert claims[0][1].attribution.value == "indirect"


def test_a_document_passing_on_another_source_is_the_via():
    text = "The study notes the National Violent Injury Statistic System indicates 82% of cases."
    _r, claims = suggest(text)
    assert row(claims[0][1])[0::2] == ("National Violent Injury Statistic System", "the study")


def test_a_studys_findings_carry_on_without_a_cue():
    text = (
        'The study reports "the rate rose by 26.9 percent". The ten states with the highest '
        "rates had ownership above 50%.\n\nThe highest rate noted by the team was in Alaska. "
        "New Jersey had the lowest rate.\n\nIn 2016 the law changed."
    )
    got = speakers(text, outlet="Wikinews")
    assert got == ["the study", "the study", "the team", "the team", "Wikinews"]


def test_findings_do_not_carry_on_after_advice():
    text = "The Internal Revenue Service website advises citizens to pay. Some services are open."
    assert speakers(text, outlet="Wikinews")[1] == "Wikinews"


# ------------------------------------------------------------------ clauses that do not speak


def test_a_source_in_a_with_phrase_leaves_the_main_clause_narration():
    text = "Germany banned the airline, with officials saying it was for security reasons."
    _r, claims = suggest(text, outlet="Wikinews")
    assert row(claims[0][1]) == ("Wikinews", "author", "", "none")


def test_a_with_phrase_source_is_still_the_last_quoted():
    text = (
        "Search was suspended on Tuesday, with Yevgeny Zinichev describing a real threat. "
        "He estimated this would take 24 hours."
    )
    assert speakers(text, outlet="Wikinews") == ["Wikinews", "Yevgeny Zinichev"]


def test_first_person_outside_quotes_is_the_issuer():
    text = "We urge the sides to avoid escalation."
    _r, claims = suggest(text, outlet="U.S. Department of State")
    assert row(claims[0][1]) == ("U.S. Department of State", "author", "", "none")
    assert claims[0][1].verifiability.value == "opinion"


def test_a_headline_reports_speech_only_with_a_verb_of_saying():
    text = "Spokesman condemns claims of intervention\n\nThe ministry met on Monday."
    assert speakers(text, outlet="Mehr News Agency")[0] == "Mehr News Agency"
    text = "President Trump says he can act\n\nThe ministry met on Monday."
    assert speakers(text, outlet="Wikinews")[0] == "Trump"


# ------------------------------------------------------------------ quotes and via


def test_a_colon_introduces_the_quote_of_the_person_named():
    text = (
        "The following is a statement from acting NASA Administrator Robert Lightfoot on "
        "the nomination of Jim Bridenstine:\n\n“I am pleased. We are ready.\n\n“Our future "
        "is bright.”"
    )
    _r, claims = suggest(text, outlet="NASA")
    assert [c.speaker.value for _t, c in claims] == ["NASA"] + ["Robert Lightfoot"] * 3
    assert {c.attribution.value for _t, c in claims[1:]} == {"direct"}


def test_single_quotes_around_words_make_it_mixed():
    text = "President Donald Trump says he 'can' and 'may' declare an emergency."
    _r, claims = suggest(text)
    assert row(claims[0][1]) == ("Donald Trump", "person", "", "mixed")


def test_telling_a_publication_names_it_as_via():
    text = 'Tony Mendez retired. Mendez once told The Washington Post he was "an artist first."'
    _r, claims = suggest(text)
    assert row(claims[1][1]) == ("Tony Mendez", "person", "Washington Post", "mixed")


def test_speaking_to_a_broadcaster_names_it_as_via():
    text = (
        "Mr. Bahram Ghasemi spoke to a program in Al-Alam TV Network on Sunday where he "
        "said the talks could resume."
    )
    _r, claims = suggest(text)
    assert claims[0][1].via.value == "Al-Alam TV Network"


def test_told_followed_by_an_addressee_and_a_quote_is_direct():
    text = (
        'Emily Spanton left. She told a guard at the door, in French and English, "they raped me".'
    )
    _r, claims = suggest(text)
    assert row(claims[1][1]) == ("Emily Spanton", "person", "", "direct")


# ------------------------------------------------------------------ interviews


def test_an_interview_answer_is_the_interviewees_own_words():
    text = (
        "Professor Michael Siegel led the study.\n\n((WN)) What did you find?\n\n"
        "MS We found a link. Our study shows it clearly.\n\n"
        "((WN)) You noted the rates rose. Why?\n\n"
        "Michael Siegel I think access matters."
    )
    _r, claims = suggest(text, outlet="Wikinews")
    got = [(c.speaker.value, c.attribution.value) for _t, c in claims]
    assert got == [
        ("Wikinews", "none"),
        ("Wikinews", "none"),
        ("Michael Siegel", "direct"),
        ("Michael Siegel", "direct"),
        ("Michael Siegel", "indirect"),
        ("Wikinews", "none"),
        ("Michael Siegel", "direct"),
    ]
    assert claims[3][1].speaker.continuation
    assert claims[1][1].verifiability.value == "not_a_claim"


# ------------------------------------------------------------------ registry


def test_a_surname_alone_matches_a_registry_person():
    registry = (RegistrySpeaker("Amir Hatami", title="Defense Minister", id=4),)
    _r, claims = suggest("Hatami said the ties are strong.", registry=registry)
    guess = claims[0][1].speaker.speaker
    assert (guess.name, guess.registry_id) == ("Amir Hatami", 4)


# ------------------------------------------------------------------ verifiability


@pytest.mark.parametrize(
    "sentence, label",
    [
        ("Press Statement", "not_a_claim"),
        ("May he rest in peace.", "not_a_claim"),
        ("We are with the mayor in our thoughts and prayers.", "not_a_claim"),
        ("I look forward to working with the team.", "prediction"),
        ("The Great Orchestra of Christmas Charity raised money in 2019.", "verifiable"),
        ("Iran and Iraq signed a deal in 2017.", "verifiable"),
        ("Policy makers should consider new laws.", "opinion"),
    ],
)
def test_more_verifiability_hints(sentence, label):
    assert classify(sentence, [(0, len(sentence))])[0] == label


def test_a_predicting_cue_makes_a_prediction():
    text = "The report predicts a hard winter."
    label, triggers, _why = classify(text, [(18, 34)], cue=("predict", 11, 19))
    assert (label, triggers) == ("prediction", [(11, 19)])


# ------------------------------------------------------------------ shared pure helpers


def test_the_trie_pattern_matches_exactly_its_words():
    words = ["said", "says", "say", "told", "called for", "called"]
    rx = re.compile(rf"(?:{trie_pattern(words)})\Z")
    for word in words:
        assert rx.match(word)
    for other in ["sa", "sayd", "tol", "called f", ""]:
        assert not rx.match(other)


def test_the_splitter_uses_the_shared_speech_verbs():
    assert splitter._SPEECH_VERBS is cues.SPEECH_VERBS


def test_is_boilerplate_knows_sign_offs_and_licences():
    text = "SP/PA All Content by Mehr News Agency is licensed under a CC licence."
    assert is_boilerplate(text)
    assert is_boilerplate("MNA/")
    assert not is_boilerplate("Hatami said the ties are strong.")


def test_names_fold_case_diacritics_and_apostrophes():
    assert fold_name("  Bāqerī ") == fold_name("BAQERI") == "baqeri"
    assert fold_name("O’Neill") == fold_name("o'neill")


def test_named_index_prefers_a_name_to_an_alias():
    entries = [("Ali Baqeri", ["Mohammad Baqeri"]), ("Mohammad Baqeri", [])]
    assert named_index(entries, "Mohammad Baqeri", str) == 1
    assert named_index(entries, "mohammad baqeri", str) is None
    assert lookup_index(entries, "mohammad  baqeri") == 1
    assert lookup_index(entries, "nobody") is None


def test_name_index_looks_up_folded_names_then_aliases():
    index = NameIndex([("Mohammad Bāqerī", ["Baqeri"], 1), ("Baqeri", [], 2)])
    assert index.get("MOHAMMAD BAQERI") == 1
    assert index.get("baqeri") == 2  # a name beats an alias
    assert index.get("nobody") is None


def test_a_with_phrase_holds_a_passive_agent_and_a_later_source_too():
    text = (
        "Crew totals are unclear, with twelve reported by industry sources while The "
        "Jakarta Post reports eleven."
    )
    _r, claims = suggest(text, outlet="Wikinews")
    assert row(claims[0][1]) == ("Wikinews", "author", "", "none")


def test_a_later_source_far_from_a_documents_cue_is_not_nested():
    text = (
        "Marine Traffic's tracking database shows contact on January 10, described by "
        "Marine Bulletin as unusual."
    )
    _r, claims = suggest(text)
    assert row(claims[0][1])[0::2] == ("Marine Traffic", "")
