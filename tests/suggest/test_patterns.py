"""One test per pattern of reported speech the suggester knows (issue 10), hard cases too."""

from __future__ import annotations

import pytest

from workbench.suggest import RegistrySpeaker, suggest_article
from workbench.text.splitter import split_text


def suggest(text: str, outlet: str = "Daily Planet", registry=()):
    """Return (result, claims as (sentence text, ClaimSuggestions)) for ``text``."""
    spans = [(s.start, s.end) for s in split_text(text).spans]
    result = suggest_article(text, spans, registry, outlet=outlet)
    return result, [(text[c.start : c.end], c) for c in result.claims]


def speakers(text: str, outlet: str = "Daily Planet", registry=()) -> list[str]:
    return [c.speaker.value for _t, c in suggest(text, outlet, registry)[1]]


def row(claim) -> tuple:
    return (
        claim.speaker.value,
        claim.speaker_type.value,
        claim.via.value if claim.via else "",
        claim.attribution.value,
    )


# ------------------------------------------------------------------ direct quotes


def test_a_quote_with_the_attribution_after_it():
    _r, claims = suggest("“We will stand by you,” General Ali Karimi said.")
    assert row(claims[0][1]) == ("Ali Karimi", "person", "", "direct")


def test_a_quote_with_an_inverted_attribution_after_it():
    _r, claims = suggest("Smith arrived late. “We will stand by you,” said General Ali Karimi.")
    assert row(claims[1][1]) == ("Ali Karimi", "person", "", "direct")
    assert claims[1][1].speaker.rule.endswith("inverted")


def test_a_quote_with_the_attribution_inside_it():
    text = "Maria Lopez spoke first. “We are ready,” she said, “and we will not wait.”"
    _r, claims = suggest(text)
    assert row(claims[1][1]) == ("Maria Lopez", "person", "", "direct")


def test_a_quote_with_the_attribution_before_it_and_a_colon():
    text = "General Mohammad Baqeri met his guest. Baqeri told his guest: “We know your security.”"
    _r, claims = suggest(text)
    assert row(claims[1][1]) == ("Mohammad Baqeri", "person", "", "direct")


def test_a_name_and_a_colon_introduce_a_statement():
    _r, claims = suggest("John Miller met the press.\n\nMiller: We have done our part.")
    assert claims[1][1].speaker.value == "John Miller"


def test_a_quote_over_several_sentences_attributed_in_the_last():
    text = (
        "Ana Ruiz opened the meeting. “The talks failed. Nobody listened. "
        "We tried everything,” Carlos Mendez said."
    )
    _r, claims = suggest(text)
    got = [(c.speaker.value, c.attribution.value, c.speaker.continuation) for _t, c in claims]
    assert got == [
        ("Daily Planet", "none", False),
        ("Carlos Mendez", "direct", True),
        ("Carlos Mendez", "direct", True),
        ("Carlos Mendez", "direct", False),
    ]


def test_a_quote_over_three_sentences_with_the_attribution_in_the_middle_one():
    text = (
        "Ana Ruiz opened the meeting. “The talks failed. We tried everything,” "
        "Carlos Mendez said, “but they would not listen. Nobody could have done more.”"
    )
    _r, claims = suggest(text)
    assert [c.speaker.value for _t, c in claims] == ["Daily Planet"] + ["Carlos Mendez"] * 3
    assert [c.speaker.continuation for _t, c in claims[1:]] == [True, False, True]
    assert {c.attribution.value for _t, c in claims[1:]} == {"direct"}


def test_a_quote_over_several_sentences_attributed_in_the_first():
    text = (
        "“We came to help,” said Colonel Jane Doe. “We will stay. "
        "Our work is not done.” The convoy left at noon."
    )
    _r, claims = suggest(text)
    assert [c.speaker.value for _t, c in claims] == ["Jane Doe"] * 3 + ["Daily Planet"]
    assert claims[2][1].speaker.continuation


def test_a_quoted_paragraph_after_a_quoted_speaker_is_a_continuation():
    text = (
        "“We are ready,” said Amir Ali Hajizadeh.\n\n“Our forces stood by the people.”\n\n"
        "The meeting ended on Friday."
    )
    _r, claims = suggest(text)
    assert row(claims[1][1]) == ("Amir Ali Hajizadeh", "person", "", "direct")
    assert claims[1][1].speaker.continuation
    assert claims[2][1].speaker.value == "Daily Planet"


def test_a_quote_running_over_two_paragraphs():
    text = "Ali Karimi said: “We will win.\n\n“And then we will rebuild.”\n\nRain fell on Monday."
    _r, claims = suggest(text)
    assert [c.speaker.value for _t, c in claims] == ["Ali Karimi", "Ali Karimi", "Daily Planet"]


def test_two_quotes_by_different_people_in_one_sentence():
    text = (
        "Tom Baker and Lisa Grant debated. “We will win,” said Baker, "
        "but Grant replied: “We will not.” “It is over,” she said."
    )
    _r, claims = suggest(text)
    claim = claims[1][1]
    assert claim.speaker.value == "Tom Baker"  # the first quote's speaker
    assert "Lisa Grant" in claim.speaker.reason
    assert claim.speaker.confidence <= 0.6
    assert claims[2][1].speaker.value == "Lisa Grant"


def test_a_name_inside_a_quote_is_not_the_speaker():
    text = "Ann Jones spoke. “Smith’s plan will not work,” Jones said."
    _r, claims = suggest(text)
    assert row(claims[1][1]) == ("Ann Jones", "person", "", "direct")


def test_a_person_named_inside_a_quote_is_not_an_antecedent():
    text = "“Robert Smith has failed,” said Mary Jones. “The budget is late,” she added."
    assert speakers(text) == ["Mary Jones", "Mary Jones"]


# ------------------------------------------------------------------ reported speech


@pytest.mark.parametrize(
    "verb",
    [
        "said",
        "says",
        "told reporters",
        "added",
        "stated",
        "noted",
        "highlighted",
        "stressed",
        "maintained",
        "warned",
        "announced",
        "argued",
        "insisted",
    ],
)
def test_reported_speech_with_the_cue_first(verb):
    text = f"Defense Minister Amir Hatami visited Baghdad. Hatami {verb} that the ties are strong."
    _r, claims = suggest(text)
    assert row(claims[1][1]) == ("Amir Hatami", "person", "", "indirect")


@pytest.mark.parametrize(
    "phrase",
    [
        "called for closer ties",
        "pointed to the common threats",
        "expressed thanks for the help",
        "urged closer ties",
        "accused the rebels of lying",
        "asked for more help",
    ],
)
def test_reported_speech_with_a_verb_and_its_object(phrase):
    text = f"Defense Minister Amir Hatami visited Baghdad. Hatami {phrase}."
    _r, claims = suggest(text)
    assert claims[1][1].speaker.value == "Amir Hatami"
    assert claims[1][1].attribution.value == "indirect"


def test_reported_speech_with_the_cue_after_the_content():
    text = (
        "Defense Minister Amir Hatami visited Baghdad. Cooperation will bring peace, "
        "General Hatami stated, adding that the sides are determined."
    )
    _r, claims = suggest(text)
    assert row(claims[1][1]) == ("Amir Hatami", "person", "", "indirect")
    assert claims[1][1].verifiability.value == "prediction"


def test_mixed_paraphrase_with_quoted_words():
    text = (
        "Army Commander Ali Karimi spoke on Monday. Karimi said the ties are "
        "“a thorn in the eyes” of their enemies."
    )
    _r, claims = suggest(text)
    assert row(claims[1][1]) == ("Ali Karimi", "person", "", "mixed")


def test_an_aside_between_subject_and_verb():
    text = (
        "General Hamed Atiyeh Khwain, the commander of the Iraqi Army’s Aviation, arrived. "
        "The Iraqi official, for his part, expressed thanks to Iran."
    )
    assert speakers(text)[1] == "Hamed Atiyeh Khwain"


# ------------------------------------------------------------------ names, titles, descriptions


def test_the_full_name_with_its_title_is_learnt_and_the_surname_resolves():
    text = "Iranian Defense Minister Amir Hatami arrived. Hatami said the talks went well."
    result, claims = suggest(text)
    claim = claims[1][1]
    assert claim.speaker.value == "Amir Hatami"
    assert claim.speaker.speaker.title == "Iranian Defense Minister"
    roles = {e.role: e.text for e in claim.speaker.evidence}
    assert roles["source"] == "Hatami"
    assert roles["antecedent"] == "Iranian Defense Minister Amir Hatami"


@pytest.mark.parametrize(
    "intro, name, title",
    [
        ("Iranian Defense Minister Amir Hatami", "Amir Hatami", "Iranian Defense Minister"),
        (
            "IRGC Aerospace Force Commander Amir Ali Hajizadeh",
            "Amir Ali Hajizadeh",
            "IRGC Aerospace Force Commander",
        ),
        (
            "Commander of the Iranian Army Ground Forces Brigadier General Kiomars Heidari",
            "Kiomars Heidari",
            "Commander of the Iranian Army Ground Forces Brigadier General",
        ),
        ("Prime Minister Jacinda Ardern", "Jacinda Ardern", "Prime Minister"),
        ("Dr. Anthony Fauci", "Anthony Fauci", "Dr."),
    ],
)
def test_titles_and_roles_are_learnt(intro, name, title):
    result, _claims = suggest(f"{intro} met the press on Monday.")
    people = {e.name: e for e in result.roster if e.type == "person"}
    assert people[name].title == title
    assert f"{title} {name}" in people[name].aliases


def test_a_title_description_resolves_to_the_person():
    text = (
        "Khwain met with Iranian Defense Minister Amir Hatami. There, the Iranian "
        "defense minister called for the enhancement of military cooperation."
    )
    _r, claims = suggest(text)
    assert claims[1][1].speaker.value == "Amir Hatami"
    assert claims[1][1].speaker.rule == "cue:call for"


def test_a_description_learnt_from_an_appositive():
    text = (
        "Peter Hall, the party's spokesman, arrived on Monday. Anna Berg stayed home. "
        "The spokesman said the vote would be close."
    )
    assert speakers(text)[2] == "Peter Hall"


def test_a_title_shared_by_two_people_goes_to_the_one_the_modifiers_fit():
    text = (
        "Iraqi Navy Commander Ahmed Maarij met IRGC Navy Commander Ali Tangsiri on "
        "Wednesday. The Iraqi commander said the talks went well."
    )
    assert speakers(text)[1] == "Ahmed Maarij"


def test_the_commander_after_two_commanders_is_the_last_one_quoted():
    text = (
        "Army Commander Ali Karimi met Navy Commander Reza Nouri on Monday. "
        "Nouri said the talks went well. The commander added that more meetings would follow."
    )
    result, claims = suggest(text)
    claim = claims[2][1]
    assert claim.speaker.value == "Reza Nouri"


def test_a_relative_pronoun_resolves_to_the_name_before_it():
    text = "The delegation was led by Colonel Sam Green, who said the visit was useful."
    assert speakers(text) == ["Sam Green"]


# ------------------------------------------------------------------ pronouns


def test_a_pronoun_resolves_to_the_last_speaker():
    text = "Kiomars Heidari spoke. Heidari said the army is strong. He added it is ready."
    _r, claims = suggest(text)
    claim = claims[2][1]
    assert claim.speaker.value == "Kiomars Heidari"
    assert claim.speaker.reason.startswith("pronoun 'He' resolved to Kiomars Heidari")
    assert {e.role for e in claim.speaker.evidence} >= {"cue", "source", "antecedent"}


def test_a_pronoun_after_two_different_speakers_is_the_second():
    text = (
        "Tom Baker and Paul Grant met. Baker said the plan was sound. "
        "Grant said it would fail. He added that costs would rise."
    )
    assert speakers(text)[3] == "Paul Grant"


def test_she_after_a_woman_and_a_man_is_the_woman():
    text = (
        "“I am glad,” said Mary Jones. “I am not,” said John Smith. "
        "She added that the vote was fair."
    )
    assert speakers(text)[2] == "Mary Jones"


def test_he_after_a_woman_and_a_man_is_the_man():
    text = "“I am glad,” said John Smith. “I am not,” said Mary Jones. He added that it was fair."
    assert speakers(text)[2] == "John Smith"


def test_a_title_gives_the_gender():
    text = "Mrs. Ellis spoke first. Mr. Brown spoke next. She said the vote was fair."
    assert speakers(text)[2] == "Ellis"


def test_they_resolve_to_the_last_body():
    text = "The Foreign Ministry issued a statement. They said the talks had gone well."
    assert speakers(text)[1] == "Foreign Ministry"


def test_a_pronoun_is_not_resolved_to_a_place():
    text = "Kiomars Heidari spoke. Sharing a border with Iraq, Iran is ready to help, he said."
    assert speakers(text)[1] == "Kiomars Heidari"


# ------------------------------------------------------------------ continuation and narration


def test_a_first_person_sentence_after_reported_speech_is_a_continuation():
    text = "Hajizadeh said that Iran is ready to help. We have the experience and the people."
    _r, claims = suggest(text)
    assert claims[1][1].speaker.value == "Hajizadeh"
    assert claims[1][1].speaker.continuation


def test_a_person_doing_something_is_narration():
    text = "General Hamed Khwain arrived. Khwain met with Iranian Defense Minister Amir Hatami."
    _r, claims = suggest(text, outlet="Mehr News Agency")
    assert row(claims[1][1]) == ("Mehr News Agency", "author", "", "none")


def test_narration_without_an_outlet_is_the_articles():
    _r, claims = suggest("The delegation traveled to Iran on Wednesday.", outlet="")
    assert row(claims[0][1]) == ("the article", "author", "", "none")


def test_a_wire_dateline_makes_the_wire_service_the_narrator():
    text = "LONDON (Reuters) - Prices rose on Monday. “It is bad,” said Ann Lee."
    result, claims = suggest(text, outlet="Daily Planet")
    assert result.wire_source == "Reuters"
    assert result.narrator.name == "Reuters"
    assert row(claims[0][1]) == ("Reuters", "author", "", "none")
    assert claims[1][1].speaker.value == "Ann Lee"


@pytest.mark.parametrize(
    "start, agency",
    [("WASHINGTON (AP) — ", "AP"), ("PARIS, March 3 (AFP) - ", "AFP")],
)
def test_other_wire_datelines(start, agency):
    result, claims = suggest(start + "Talks began on Monday.")
    assert result.wire_source == agency
    assert claims[0][1].speaker.value == agency


def test_an_addressee_is_not_the_speaker():
    text = "Defense Minister Amir Hatami told reporters the talks went well."
    _r, claims = suggest(text)
    assert row(claims[0][1]) == ("Amir Hatami", "person", "", "indirect")


def test_the_guest_is_not_the_speaker():
    text = (
        "General Mohammad Baqeri met General Hamed Khwain. "
        "“We will stand by you,” Baqeri told his guest."
    )
    assert speakers(text)[1] == "Mohammad Baqeri"


def test_boilerplate_keeps_not_a_claim():
    text = "Prices rose. SP/PA All Content by Mehr News Agency is licensed under a CC licence."
    _r, claims = suggest(text, outlet="Mehr News Agency")
    assert [c.verifiability.value for _t, c in claims[1:]] == ["not_a_claim", "not_a_claim"]
    assert claims[1][1].speaker.rule == "boilerplate"


# ------------------------------------------------------------------ via


def test_according_to_a_report_by_an_outlet_is_the_via():
    text = (
        "Iranian Defense Minister Amir Hatami arrived. According to a report by Tasnim, "
        "Hatami said the threats necessitate closer ties."
    )
    _r, claims = suggest(text)
    claim = claims[1][1]
    assert row(claim) == ("Amir Hatami", "person", "Tasnim", "indirect")
    assert claim.via.speaker.type == "outlet"


def test_an_outlet_quoting_someone_is_the_via():
    text = (
        "Kim Jong Un inspected the troops. The state news agency KCNA quoted him as saying "
        "the army is ready."
    )
    _r, claims = suggest(text)
    assert row(claims[1][1])[:3] == ("Kim Jong Un", "person", "KCNA")


def test_an_outlet_that_reports_a_fact_is_the_speaker():
    text = "The two commanders met in Tehran on Wednesday, Mehr reported."
    _r, claims = suggest(text, outlet="Daily Planet")
    assert row(claims[0][1]) == ("Mehr", "outlet", "", "indirect")


def test_the_articles_own_outlet_reporting_is_the_outlet():
    text = "The two commanders met in Tehran on Wednesday, Mehr reported."
    _r, claims = suggest(text, outlet="Mehr News Agency")
    assert row(claims[0][1]) == ("Mehr News Agency", "outlet", "", "indirect")


def test_according_to_an_outlet_alone_is_the_speaker():
    text = "Khwain met with General Kiomars Heidari, according to IRNA."
    _r, claims = suggest(text)
    assert row(claims[0][1]) == ("IRNA", "outlet", "", "indirect")


def test_telling_another_outlet_is_via_but_not_the_articles_own():
    text = "Ann Lee told Reuters the plan would fail."
    _r, claims = suggest(text, outlet="Daily Planet")
    assert row(claims[0][1]) == ("Ann Lee", "person", "Reuters", "indirect")
    _r, claims = suggest(text, outlet="Reuters")
    assert row(claims[0][1]) == ("Ann Lee", "person", "", "indirect")


def test_the_medium_is_not_via():
    text = "Senator Ann Lee tweeted that the plan would fail."
    _r, claims = suggest(text)
    assert row(claims[0][1]) == ("Ann Lee", "person", "", "indirect")


def test_a_document_as_the_source():
    text = "The ministry published its report on Monday. The report predicts a hard winter."
    _r, claims = suggest(text)
    claim = claims[1][1]
    assert claim.speaker.rule == "cue:predict"
    assert claim.attribution.value == "indirect"
    assert claim.verifiability.value == "prediction"


# ------------------------------------------------------------------ registry


def test_a_registry_speaker_gives_its_canonical_name_and_id():
    registry = (RegistrySpeaker("Mohammad Bāqerī", aliases=("Baqeri", "General Baqeri"), id=7),)
    _r, claims = suggest("“We are ready,” Baqeri said.", registry=registry)
    guess = claims[0][1].speaker.speaker
    assert (guess.name, guess.registry_id) == ("Mohammad Bāqerī", 7)


def test_a_registry_name_matches_without_case_or_diacritics():
    registry = (RegistrySpeaker("Mohammad Bāqerī", id=3),)
    _r, claims = suggest("General Mohammad Baqeri said the army is ready.", registry=registry)
    guess = claims[0][1].speaker.speaker
    assert (guess.name, guess.registry_id) == ("Mohammad Bāqerī", 3)


def test_the_outlet_in_the_registry_is_the_narrator_with_its_id():
    registry = (RegistrySpeaker("Mehr News Agency", type="author", id=9),)
    _r, claims = suggest("Prices rose.", outlet="mehr news agency", registry=registry)
    assert claims[0][1].speaker.speaker.registry_id == 9


# ------------------------------------------------------------------ verifiability


@pytest.mark.parametrize(
    "sentence, label",
    [
        ("Iran and Iraq signed an agreement in July 2017.", "verifiable"),
        ("The army is the first military power in the region.", "opinion"),
        ("The deal will bring about peace.", "prediction"),
        ("Iran is ready to help Iraq.", "prediction"),
        ("Will the talks go on?", "not_a_claim"),
        ("Thank you for coming.", "not_a_claim"),
    ],
)
def test_verifiability_hints(sentence, label):
    _r, claims = suggest(sentence)
    claim = claims[0][1]
    assert claim.verifiability.value == label
    if label in ("opinion", "prediction"):
        assert claim.verifiability.evidence


# ------------------------------------------------------------------ the result's shape


def test_every_proposal_has_a_reason_confidence_and_exact_evidence():
    text = (
        "Iranian Defense Minister Amir Hatami arrived. According to a report by Tasnim, "
        "Hatami said the threats necessitate closer ties. “We are ready,” he added."
    )
    result, claims = suggest(text)
    for _t, claim in claims:
        for proposal in claim.proposals():
            assert proposal.reason
            assert 0 <= proposal.confidence <= 1
            for ev in proposal.evidence:
                assert text[ev.start : ev.end] == ev.text


def test_spans_in_any_order_give_claims_in_that_order():
    text = "Ann Lee arrived. Lee said the plan would fail."
    spans = [(17, 45), (0, 16)]
    result = suggest_article(text, spans, outlet="X")
    assert [(c.start, c.end) for c in result.claims] == spans
    assert result.claims[0].speaker.value == "Ann Lee"


def test_a_span_outside_the_text_is_refused():
    with pytest.raises(ValueError, match="not inside the text"):
        suggest_article("Short.", [(0, 99)])
    with pytest.raises(TypeError):
        suggest_article(b"bytes", [])
