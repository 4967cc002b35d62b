"""The annotate page with the claim's suggestions: the form pre-filled and marked
"suggested", the evidence highlighted in the text, the reasons beside the form, and
"Accept suggestions", which saves the form as a normal annotation."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import delete, func, select

from tests.web.web_helpers import add_article, add_speaker, form_values, fresh, page_text, read
from workbench.models import Annotation, HistoryEntry, Speaker, SpeakerAlias, Suggestion, User

# TALK (web_helpers), with the offsets the evidence below points at.
BAQERI = (0, 6)  # "Baqeri" in claim 1
SAID = (7, 11)  # "said" in claim 1


def _talk(db, team):
    project = team["project"]
    article, claims = add_article(db, project)
    db.commit()
    return {
        "project": project,
        "pid": project.id,
        "article": article,
        "text": article.text,
        "claims": claims,
        "target_id": project.targets[0].id,
        "page": f"/projects/{project.id}/articles/{article.id}/annotate",
    }


@pytest.fixture
def talk(db, team):
    """The four-claim article without the suggester's suggestions: each test arranges
    its own (test_the_suggesters_own_suggestions_* uses the suggester's)."""
    arranged = _talk(db, team)
    ids = [c.id for c in arranged["claims"]]
    db.execute(delete(Suggestion).where(Suggestion.claim_id.in_(ids)))
    db.commit()
    return arranged


@pytest.fixture
def suggested_talk(db, team):
    """The four-claim article with the suggestions its import stored."""
    return _talk(db, team)


def item(text: str, role: str, needle: str, after: int = 0) -> dict:
    """An evidence item for the first ``needle`` in ``text`` from ``after``."""
    start = text.index(needle, after)
    return {"role": role, "start": start, "end": start + len(needle), "text": needle}


def suggest(db, claim, field, value, *, confidence=0.9, reason="", items=(), **evidence):
    """Store a suggestion for ``claim`` (replacing one for the same field), in the
    evidence format of ops/suggestions.py."""
    db.execute(delete(Suggestion).where(Suggestion.claim_id == claim.id, Suggestion.field == field))
    row = Suggestion(
        claim_id=claim.id,
        field=field,
        value=value,
        confidence=confidence,
        evidence={"rule": evidence.pop("rule", "test-rule"), "items": list(items), **evidence},
        source="suggester",
        reason=reason,
    )
    db.add(row)
    db.flush()
    return row


def baqeri_suggestions(db, talk, *, speaker_id=None):
    """Claim 2 ('"We will expand our cooperation," he told reporters on Sunday.'):
    Baqeri, resolved from "he" to the mention in claim 1, a direct quote, a prediction."""
    text, claim = talk["text"], talk["claims"][1]
    he = item(text, "source", "he", claim.start + 30)
    told = item(text, "cue", "told", claim.start)
    antecedent = {"role": "antecedent", "start": 0, "end": 6, "text": "Baqeri"}
    guess = {
        "name": "Mohammad Baqeri",
        "type": "person",
        "title": "Chief of Staff",
        "aliases": ["Baqeri"],
    }
    rows = [
        suggest(
            db,
            claim,
            "speaker",
            "Mohammad Baqeri",
            confidence=0.85,
            reason="pronoun 'he' resolved to Mohammad Baqeri, the last person quoted",
            items=[told, he, antecedent],
            speaker=guess,
        ),
        suggest(db, claim, "speaker_type", "person", confidence=0.85, items=[he]),
        suggest(
            db,
            claim,
            "attribution",
            "direct",
            confidence=0.95,
            reason="the content is inside quotation marks",
            items=[item(text, "quote", '"We will expand our cooperation,"', claim.start)],
        ),
        suggest(
            db,
            claim,
            "verifiability",
            "prediction",
            confidence=0.7,
            reason="'will' speaks of the future",
            items=[item(text, "trigger", "will", claim.start)],
        ),
    ]
    rows[0].speaker_id = speaker_id
    db.commit()
    return rows


def open_claim(web, talk, claim) -> str:
    response = web.get(f"{talk['page']}?claim={claim.id}")
    assert response.status_code == 200
    return read(response)


def save_url(talk, claim) -> str:
    return f"/projects/{talk['pid']}/claims/{claim.id}/annotation"


def badges(body: str) -> set[str]:
    """The form fields marked as suggested on the page."""
    return set(re.findall(r'data-suggested="([a-z_0-9]+)"', body))


def accept_fields(body: str) -> dict[str, str]:
    """What a click on "Accept suggestions" sends: the form as shown and the button."""
    values = form_values(body, "annotation-form")
    button = re.search(
        r'<button type="submit" form="annotation-form" id="accept-suggestions"[^>]*>', body
    )
    assert button, "no Accept suggestions button"
    named = re.search(r'name="next_claim" value="(\d+)"', button.group(0))
    if named:
        values["next_claim"] = named.group(1)
    return values


def annotation_of(db, claim_id, username="ann") -> Annotation | None:
    return fresh(db).scalar(
        select(Annotation)
        .join(User)
        .where(Annotation.claim_id == claim_id, User.username == username)
    )


def count(db, model) -> int:
    return fresh(db).scalar(select(func.count()).select_from(model))


# -- pre-filled and marked ----------------------------------------------------------------


def test_a_new_claim_is_prefilled_from_its_suggestions_each_field_marked(web, db, talk):
    baqeri_suggestions(db, talk)
    web.login("ann")
    body = open_claim(web, talk, talk["claims"][1])
    shown = form_values(body, "annotation-form")
    assert shown["base_version"] == ""  # nothing saved: only pre-filled
    assert (shown["speaker"], shown["new_speaker_name"], shown["new_speaker_type"]) == (
        "",
        "Mohammad Baqeri",
        "person",
    )
    assert (shown["new_speaker_title"], shown["new_speaker_aliases"]) == (
        "Chief of Staff",
        "Baqeri",
    )
    assert (shown["attribution"], shown["verifiability"]) == ("direct", "prediction")
    assert shown[f"stance_{talk['target_id']}"] == ""  # nothing is suggested for stances
    assert badges(body) == {
        "new_speaker_name",
        "new_speaker_type",
        "new_speaker_title",
        "new_speaker_aliases",
        "attribution",
        "verifiability",
    }
    # The mark is a text badge with an accessible description, not a colour only.
    assert body.count('>suggested<span class="visually-hidden"> value, not saved until') == 6
    assert 'aria-describedby="new_speaker_name-suggested"' in body
    assert 'id="new_speaker_name-suggested"' in body
    # The new speaker's details are open, so the pre-filled name is in view.
    assert re.search(r'<details class="new-speaker" open><summary>Add a speaker', body)
    assert 'id="accept-suggestions"' in body
    assert annotation_of(db, talk["claims"][1].id) is None
    assert count(db, Speaker) == 0  # a suggested speaker is created only on saving


def test_the_reasons_confidence_and_evidence_are_shown(web, db, talk):
    baqeri_suggestions(db, talk)
    web.login("ann")
    body = open_claim(web, talk, talk["claims"][1])
    section = re.search(r'<section class="suggestions".*?</section>', body, re.S).group(0)
    text = page_text(section)
    assert "pronoun 'he' resolved to Mohammad Baqeri, the last person quoted" in text
    assert "confidence 85%" in text and "confidence 95%" in text and "confidence 70%" in text
    assert "new to the registry: person, Chief of Staff; also Baqeri; added when you save" in text
    assert "Baqeri earlier mention it refers to, characters 0–6" in text
    assert "told speech cue" in text
    assert "will words behind the verifiability hint" in text


def test_the_evidence_is_highlighted_where_it_is_even_in_another_claim(web, db, talk):
    baqeri_suggestions(db, talk)
    first, second = talk["claims"][:2]
    web.login("ann")
    body = open_claim(web, talk, second)
    article = re.search(r'<article class="article-text".*?</article>', body, re.S).group(0)
    links = dict(re.findall(r'<a id="c(\d+)".*?>(.*?)</a>', article, re.S))
    # The antecedent two sentences back is marked inside claim 1's text.
    assert re.search(
        r'<mark class="evidence ev-antecedent" data-roles="antecedent" '
        r'title="earlier mention it refers to \(speaker\)">Baqeri</mark>',
        links[str(first.id)],
    )
    own = links[str(second.id)]
    assert re.search(r'<mark class="evidence ev-cue"[^>]*>told</mark>', own)
    assert re.search(r'<mark class="evidence ev-source"[^>]*>he</mark>', own)
    # "will" lies inside the quotation: marked as both, with both titles.
    assert re.search(
        r'<mark class="evidence ev-quote ev-trigger" data-roles="quote trigger" '
        r'title="quotation \(attribution\); words behind the verifiability hint '
        r'\(verifiability\)">will</mark>',
        own,
    )
    # The marks change nothing of the text: the page's text is still the article's.
    assert page_text(article).replace(" ", "").count("Baqerisaid") == 1
    assert 'id="evidence-legend"' in body
    # Another claim opened shows no marks of claim 2's evidence.
    assert "<mark" not in open_claim(web, talk, talk["claims"][3]).split("<aside")[0]


def test_evidence_that_no_longer_matches_the_text_is_not_marked(web, db, talk):
    claim, text = talk["claims"][1], talk["text"]
    suggest(
        db,
        claim,
        "attribution",
        "indirect",
        items=[
            {"role": "cue", "start": 7, "end": 11, "text": "told"},  # "said" is there
            {"role": "cue", "start": len(text) - 2, "end": len(text) + 5, "text": "x"},
            {"role": "cue", "start": 5, "end": 2, "text": ""},
            {"role": "cue", "start": "7", "end": 11},
            "not an item",
            {"role": "<script>", "start": SAID[0], "end": SAID[1], "text": "said"},
        ],
    )
    db.commit()
    web.login("ann")
    body = open_claim(web, talk, claim)
    article = re.search(r'<article class="article-text".*?</article>', body, re.S).group(0)
    marks = re.findall(r'<mark class="evidence ([^"]+)"[^>]*>([^<]*)</mark>', article)
    # Only the last item points at its text; an unknown role is shown as "other".
    assert set(marks) == {("ev-other", "said")}
    assert "<script>" not in body.split("</header>")[1].split("<script")[0]


def test_a_registry_speaker_is_chosen_in_the_list_and_marked(web, db, talk):
    baqeri = add_speaker(db, talk["project"], "Mohammad Baqeri", aliases=["Baqeri"])
    db.commit()
    baqeri_suggestions(db, talk, speaker_id=baqeri.id)
    web.login("ann")
    body = open_claim(web, talk, talk["claims"][1])
    shown = form_values(body, "annotation-form")
    assert (shown["speaker"], shown["new_speaker_name"]) == (str(baqeri.id), "")
    assert shown["new_speaker_type"] == "person"  # the default, not marked
    assert badges(body) == {"speaker", "attribution", "verifiability"}
    assert "(in the registry)" in page_text(body)


def test_a_surname_suggestion_means_the_registry_speaker_with_that_alias(web, db, talk):
    hatami = add_speaker(db, talk["project"], "Amir Hatami", aliases=["Hatami"])
    suggest(db, talk["claims"][0], "speaker", "Hatami", speaker={"name": "Hatami"})
    db.commit()
    web.login("ann")
    body = open_claim(web, talk, talk["claims"][0])
    assert form_values(body, "annotation-form")["speaker"] == str(hatami.id)
    assert "Hatami (the registry's Amir Hatami)" in page_text(body)


def test_two_speakers_with_the_suggested_alias_are_left_to_the_annotator(web, db, talk):
    add_speaker(db, talk["project"], "Amir Hatami", aliases=["Hatami"])
    # Two speakers sharing an alias (the forms refuse that now; older registries have it).
    ali = add_speaker(db, talk["project"], "Ali Hatami")
    db.add(SpeakerAlias(speaker_id=ali.id, alias="Hatami"))
    suggest(db, talk["claims"][0], "speaker", "Hatami", speaker={"name": "Hatami"})
    db.commit()
    web.login("ann")
    shown = form_values(open_claim(web, talk, talk["claims"][0]), "annotation-form")
    assert (shown["speaker"], shown["new_speaker_name"]) == ("", "Hatami")


def test_a_saved_annotation_is_shown_as_saved_with_the_suggestions_beside_it(web, db, talk):
    baqeri_suggestions(db, talk)
    claim = talk["claims"][1]
    web.login("ann")
    fields = {**accept_fields(open_claim(web, talk, claim)), "attribution": "mixed"}
    assert web.post(save_url(talk, claim), fields).status_code == 302
    body = open_claim(web, talk, claim)
    shown = form_values(body, "annotation-form")
    assert (shown["base_version"], shown["attribution"], shown["new_speaker_name"]) == (
        "1",
        "mixed",
        "",
    )
    assert badges(body) == set()
    assert 'id="accept-suggestions"' not in body
    assert "you have saved this claim" in page_text(body)
    assert "pronoun 'he' resolved to" in page_text(body)


def test_a_field_changed_before_a_refused_save_loses_its_mark(web, db, talk):
    baqeri_suggestions(db, talk)
    claim = talk["claims"][1]
    web.login("ann")
    fields = accept_fields(open_claim(web, talk, claim))
    fields.update(attribution="indirect", note="x" * 10_001)  # refused: the note is too long
    response = web.post(save_url(talk, claim), fields)
    body = read(response)
    assert response.status_code == 400
    assert "Note" in page_text(body)
    assert form_values(body, "annotation-form")["attribution"] == "indirect"
    assert "attribution" not in badges(body)
    assert {"verifiability", "new_speaker_name"} <= badges(body)
    assert annotation_of(db, claim.id) is None and count(db, Speaker) == 0


def test_a_claim_without_suggestions_has_no_accept_button(web, db, talk):
    web.login("ann")
    body = open_claim(web, talk, talk["claims"][2])
    assert 'id="accept-suggestions"' not in body and 'id="suggestions"' not in body
    assert badges(body) == set()


# -- accepting ----------------------------------------------------------------------------


def test_accept_saves_the_suggestions_creates_the_speaker_and_moves_on(web, db, talk):
    baqeri_suggestions(db, talk)
    claim, after = talk["claims"][1], talk["claims"][2]
    web.login("ann")
    fields = accept_fields(open_claim(web, talk, claim))
    assert fields["next_claim"] == str(after.id)
    response = web.post(save_url(talk, claim), fields)
    assert response.status_code == 302
    assert f"claim={after.id}" in response.location
    assert f"Saved claim {claim.position}." in read(web.get(response.location))

    speaker = fresh(db).scalar(select(Speaker).where(Speaker.name == "Mohammad Baqeri"))
    assert (speaker.type, speaker.title, [a.alias for a in speaker.aliases]) == (
        "person",
        "Chief of Staff",
        ["Baqeri"],
    )
    saved = annotation_of(db, claim.id)
    assert (saved.version, saved.speaker_id, saved.attribution, saved.verifiability) == (
        1,
        speaker.id,
        "direct",
        "prediction",
    )
    # Recorded as taken from the suggestions unchanged (the export says so).
    assert sorted(saved.from_suggestion) == ["attribution", "speaker", "verifiability"]
    # A normal annotation: the speaker's creation and the save are in the history.
    actions = fresh(db).execute(select(HistoryEntry.entity, HistoryEntry.action)).all()
    assert ("speaker", "create") in actions and ("annotation", "create") in actions


def test_accepting_twice_is_a_conflict_not_an_overwrite(web, new_web, db, talk):
    baqeri_suggestions(db, talk)
    claim = talk["claims"][1]
    web.login("ann")
    fields = accept_fields(open_claim(web, talk, claim))
    assert web.post(save_url(talk, claim), fields).status_code == 302
    speakers = count(db, Speaker)
    # The same accept again (a second tab, a double click that got through).
    response = web.post(save_url(talk, claim), {**fields, "verifiability": "opinion"})
    assert response.status_code == 409
    assert "Your changes were not saved" in page_text(read(response))
    saved = annotation_of(db, claim.id)
    assert (saved.version, saved.verifiability) == (1, "prediction")
    assert count(db, Speaker) == speakers


def test_accept_after_a_save_elsewhere_is_a_conflict(web, new_web, db, talk):
    baqeri_suggestions(db, talk)
    claim = talk["claims"][1]
    web.login("ann")
    fields = accept_fields(open_claim(web, talk, claim))
    other = new_web()
    other.login("ann")
    other_fields = {**form_values(open_claim(other, talk, claim), "annotation-form")}
    other_fields.update(new_speaker_name="", verifiability="opinion", note="from the other tab")
    assert other.post(save_url(talk, claim), other_fields).status_code == 302
    response = web.post(save_url(talk, claim), fields)
    assert response.status_code == 409
    text = page_text(read(response))
    assert "from the other tab" in text and "Mohammad Baqeri (new)" in text
    saved = annotation_of(db, claim.id)
    assert (saved.note, saved.verifiability, saved.speaker_id) == (
        "from the other tab",
        "opinion",
        None,
    )
    assert count(db, Speaker) == 0  # the accept was rolled back, speaker and all


def test_accept_through_json_returns_the_version(web, db, talk):
    baqeri_suggestions(db, talk)
    claim = talk["claims"][1]
    web.login("ann")
    fields = accept_fields(open_claim(web, talk, claim))
    response = web.post(save_url(talk, claim), fields, headers={"Accept": "application/json"})
    assert response.status_code == 200
    assert response.get_json() == {"saved": True, "version": 1, "claim_id": claim.id}


def test_a_suggested_name_that_is_now_a_registry_alias_is_refused_clearly(web, db, talk):
    baqeri_suggestions(db, talk)
    claim = talk["claims"][1]
    web.login("ann")
    fields = accept_fields(open_claim(web, talk, claim))
    # Meanwhile a manager adds another speaker who is also called that.
    add_speaker(db, talk["project"], "Mohammad Baqeri Jr", aliases=["Mohammad Baqeri"])
    db.commit()
    response = web.post(save_url(talk, claim), fields)
    body = read(response)
    assert response.status_code == 409
    assert (
        "Not saved: 'Mohammad Baqeri' already names the speaker 'Mohammad Baqeri Jr' "
        "(as its name or an alias, in any case); choose that speaker or another name."
    ) in page_text(body)
    assert annotation_of(db, claim.id) is None
    assert count(db, Speaker) == 1


def test_a_suggested_speakers_alias_that_names_another_speaker_is_refused(web, db, talk):
    baqeri_suggestions(db, talk)
    claim = talk["claims"][1]
    web.login("ann")
    fields = accept_fields(open_claim(web, talk, claim))
    add_speaker(db, talk["project"], "Baqeri", type="organization")
    db.commit()
    response = web.post(save_url(talk, claim), fields)
    assert response.status_code == 409
    assert "The alias 'Baqeri' already names the speaker 'Baqeri'." in page_text(read(response))
    assert annotation_of(db, claim.id) is None and count(db, Speaker) == 1


def test_the_forms_title_and_aliases_win_over_the_suggestions(web, db, talk):
    baqeri_suggestions(db, talk)
    claim = talk["claims"][1]
    web.login("ann")
    fields = accept_fields(open_claim(web, talk, claim))
    fields.update(new_speaker_title="", new_speaker_aliases="")
    assert web.post(save_url(talk, claim), fields).status_code == 302
    speaker = fresh(db).scalar(select(Speaker))
    # The form's fields win: the annotator emptied the title and the aliases.
    assert (speaker.name, speaker.title, speaker.aliases) == ("Mohammad Baqeri", "", [])


def test_a_suggested_via_is_created_with_the_suggestions_title_and_aliases(web, db, talk):
    claim, text = talk["claims"][2], talk["text"]
    suggest(
        db,
        claim,
        "via",
        "Tasnim News Agency",
        items=[item(text, "via", "ministry", claim.start)],
        speaker={
            "name": "Tasnim News Agency",
            "type": "outlet",
            "title": "",
            "aliases": ["Tasnim"],
        },
    )
    db.commit()
    web.login("ann")
    body = open_claim(web, talk, claim)
    shown = form_values(body, "annotation-form")
    assert (shown["new_via_name"], shown["new_via_type"]) == ("Tasnim News Agency", "outlet")
    assert {"new_via_name", "new_via_type"} <= badges(body)
    assert web.post(save_url(talk, claim), accept_fields(body)).status_code == 302
    via = fresh(db).scalar(select(Speaker).where(Speaker.name == "Tasnim News Agency"))
    assert (via.type, [a.alias for a in via.aliases]) == ("outlet", ["Tasnim"])
    assert annotation_of(db, claim.id).via_id == via.id


def test_a_name_typed_by_hand_is_not_given_the_suggestions_details(web, db, talk):
    claim = talk["claims"][2]
    suggest(db, claim, "via", "Tasnim", speaker={"name": "Tasnim", "aliases": ["Tasnim Agency"]})
    db.commit()
    web.login("ann")
    fields = accept_fields(open_claim(web, talk, claim))
    fields["new_via_name"] = "Mehr"
    assert web.post(save_url(talk, claim), fields).status_code == 302
    mehr = fresh(db).scalar(select(Speaker).where(Speaker.name == "Mehr"))
    assert (mehr.type, mehr.aliases) == ("organization", [])


@pytest.mark.parametrize(
    ("change", "status", "message"),
    [
        ({"new_speaker_type": "king"}, 400, "type: Not a valid choice"),
        ({"new_speaker_name": "x" * 301}, 400, "or add a speaker: Field cannot be longer"),
        ({"base_version": "abc"}, 400, "The form is damaged"),
        ({"claim_span": "0:1"}, 409, "changed"),
        ({"next_claim": "nine"}, 400, "next_claim"),
        ({"csrf_token": "forged"}, 400, "security token"),
    ],
)
def test_a_forged_accept_is_refused_and_writes_nothing(web, db, talk, change, status, message):
    baqeri_suggestions(db, talk)
    claim = talk["claims"][1]
    web.login("ann")
    fields = {**accept_fields(open_claim(web, talk, claim)), **change}
    response = web.post(save_url(talk, claim), fields)
    body = read(response)
    assert response.status_code == status, page_text(body)
    assert message.lower() in page_text(body).lower()
    assert annotation_of(db, claim.id) is None
    assert count(db, Speaker) == 0


def test_a_suggestion_of_another_claim_gives_no_details(web, db, talk):
    """The details come from the saved claim's own suggestion, never from another one's."""
    baqeri_suggestions(db, talk)
    claim = talk["claims"][0]  # claim 1 has no speaker suggestion
    web.login("ann")
    fields = form_values(open_claim(web, talk, claim), "annotation-form")
    fields.update(new_speaker_name="Mohammad Baqeri", new_speaker_type="person")
    assert web.post(save_url(talk, claim), fields).status_code == 302
    speaker = fresh(db).scalar(select(Speaker))
    assert (speaker.title, speaker.aliases) == ("", [])


# -- the JSON API -------------------------------------------------------------------------


def test_the_api_returns_the_claims_suggestions_with_reason_and_evidence(web, db, talk):
    baqeri_suggestions(db, talk)
    claim = talk["claims"][1]
    web.login("ann")
    body = web.get(f"/api/projects/{talk['pid']}/claims/{claim.id}/annotation").get_json()
    assert body["annotation"] is None
    assert [s["field"] for s in body["suggestions"]] == [
        "speaker",
        "speaker_type",
        "attribution",
        "verifiability",
    ]
    speaker = body["suggestions"][0]
    assert speaker == {
        "field": "speaker",
        "value": "Mohammad Baqeri",
        "confidence": 0.85,
        "reason": "pronoun 'he' resolved to Mohammad Baqeri, the last person quoted",
        "rule": "test-rule",
        "continuation": False,
        "evidence": [
            {"role": "cue", "start": 81, "end": 85, "text": "told"},
            {"role": "source", "start": 78, "end": 80, "text": "he"},
            {"role": "antecedent", "start": 0, "end": 6, "text": "Baqeri"},
        ],
        "speaker": {
            "name": "Mohammad Baqeri",
            "type": "person",
            "title": "Chief of Staff",
            "aliases": ["Baqeri"],
        },
        "speaker_id": None,
    }
    for each in speaker["evidence"]:
        assert talk["text"][each["start"] : each["end"]] == each["text"]
    ws = web.get(
        f"/api/projects/{talk['pid']}/articles/{talk['article'].id}/workspace?claim={claim.id}"
    ).get_json()
    assert ws["selected"]["suggestions"] == body["suggestions"]
    shown = {c["id"]: c["suggestions"] for c in ws["claims"]}
    assert shown[claim.id]["verifiability"] == "prediction"
    # Nothing was saved by reading.
    assert annotation_of(db, claim.id) is None


def test_the_api_names_the_registry_speaker_a_suggestion_links(web, new_web, db, talk):
    baqeri = add_speaker(db, talk["project"], "Mohammad Baqeri")
    db.commit()
    baqeri_suggestions(db, talk, speaker_id=baqeri.id)
    web.login("ann")
    claim = talk["claims"][1]
    body = web.get(f"/api/projects/{talk['pid']}/claims/{claim.id}/annotation").get_json()
    assert body["suggestions"][0]["speaker_id"] == baqeri.id
    # Not a member: nothing of the project, suggestions included.
    stranger = new_web()
    stranger.login("stan")
    response = stranger.get(f"/api/projects/{talk['pid']}/claims/{claim.id}/annotation")
    assert response.status_code == 404
    assert "suggestions" not in response.get_json()


def test_a_registry_too_big_to_list_gets_the_suggested_speaker_by_name(web, db, talk, monkeypatch):
    monkeypatch.setattr("workbench.ops.workspace.SPEAKER_CHOICES", 0)
    baqeri = add_speaker(db, talk["project"], "Mohammad Baqeri", aliases=["Baqeri"])
    db.commit()
    baqeri_suggestions(db, talk, speaker_id=baqeri.id)
    claim = talk["claims"][1]
    web.login("ann")
    body = open_claim(web, talk, claim)
    shown = form_values(body, "annotation-form")
    assert (shown["speaker"], shown["new_speaker_name"]) == ("", "Mohammad Baqeri")
    assert "new_speaker_name" in badges(body) and "new_speaker_title" not in badges(body)
    assert web.post(save_url(talk, claim), accept_fields(body)).status_code == 302
    assert annotation_of(db, claim.id).speaker_id == baqeri.id
    assert count(db, Speaker) == 1


def test_a_suggested_name_of_a_merged_speaker_means_the_one_it_went_into(web, db, talk):
    from workbench.ops.speakers import merge_speakers

    project = talk["project"]
    baqeri = add_speaker(db, project, "Mohammad Baqeri")
    general = add_speaker(db, project, "General Mohammad Baqeri")
    db.commit()
    baqeri_suggestions(db, talk)  # not linked: stored before either was in the registry
    claim = talk["claims"][1]
    web.login("ann")
    fields = accept_fields(open_claim(web, talk, claim))
    assert fields["speaker"] == str(baqeri.id)
    # Merged after the page was opened: the form still names the merged speaker.
    fields.update(speaker="", new_speaker_name="Mohammad Baqeri")
    merge_speakers(db, fresh(db).get(Speaker, baqeri.id), db.get(Speaker, general.id), user=None)
    db.commit()
    assert "General Mohammad Baqeri" in page_text(read(web.get(f"{talk['page']}?claim={claim.id}")))
    response = web.post(save_url(talk, claim), fields)
    assert response.status_code == 302, page_text(read(response))
    assert annotation_of(db, claim.id).speaker_id == general.id
    assert count(db, Speaker) == 2


def test_the_suggesters_own_suggestions_prefill_and_accept(web, db, suggested_talk):
    """From import to a saved annotation, with whatever the suggester stored: the
    form shows the stored values, the page marks every piece of their evidence, and
    accepting saves them."""
    talk = suggested_talk
    claim = talk["claims"][1]  # '"We will expand ...," he told reporters on Sunday.'
    stored = {
        s.field: s
        for s in fresh(db).scalars(select(Suggestion).where(Suggestion.claim_id == claim.id))
    }
    assert {"speaker", "attribution", "verifiability"} <= set(stored)
    web.login("ann")
    body = open_claim(web, talk, claim)
    shown = form_values(body, "annotation-form")
    speaker = stored["speaker"].value
    assert shown["new_speaker_name"] == speaker  # the registry is empty: a new speaker
    assert (shown["attribution"], shown["verifiability"]) == (
        stored["attribution"].value,
        stored["verifiability"].value,
    )
    assert {"new_speaker_name", "attribution", "verifiability"} <= badges(body)
    assert stored["speaker"].reason and stored["speaker"].reason in page_text(body)
    article = re.search(r'<article class="article-text".*?</article>', body, re.S).group(0)
    marked = html.unescape("".join(re.findall(r"<mark[^>]*>([^<]*)</mark>", article)))
    for row in stored.values():
        for _, start, end in row.evidence.get("items", []):
            assert talk["text"][start:end] in marked
    response = web.post(save_url(talk, claim), accept_fields(body))
    assert response.status_code == 302
    created = fresh(db).scalar(select(Speaker).where(Speaker.name == speaker))
    assert created.type == stored["speaker_type"].value
    saved = annotation_of(db, claim.id)
    assert (saved.speaker_id, saved.attribution, saved.verifiability) == (
        created.id,
        stored["attribution"].value,
        stored["verifiability"].value,
    )
    # In the registry now: a claim whose suggestion names it picks it from the list.
    for other in talk["claims"]:
        row = fresh(db).scalar(
            select(Suggestion).where(Suggestion.claim_id == other.id, Suggestion.field == "speaker")
        )
        if other.id != claim.id and row is not None and row.value == speaker:
            shown = form_values(open_claim(web, talk, other), "annotation-form")
            assert (shown["speaker"], shown["new_speaker_name"]) == (str(created.id), "")


def test_a_suggested_name_typed_by_hand_follows_the_typed_name_rule(web, db, talk):
    """Without the page's mark that it pre-filled the name, a name is as typed: an
    alias the registry knows picks that speaker, and no suggestion details are added."""
    claim = talk["claims"][2]
    suggest(db, claim, "via", "Tasnim", speaker={"name": "Tasnim", "aliases": ["Tasnim Agency"]})
    suggest(db, claim, "speaker", "Baqeri", speaker={"name": "Baqeri", "title": "General"})
    db.commit()
    web.login("ann")
    fields = accept_fields(open_claim(web, talk, claim))
    assert (fields["suggested_speaker_name"], fields["suggested_via_name"]) == ("Baqeri", "Tasnim")
    baqeri = add_speaker(db, talk["project"], "Mohammad Baqeri", aliases=["Baqeri"])
    db.commit()
    del fields["suggested_speaker_name"], fields["suggested_via_name"]
    fields.update(new_speaker_title="")
    assert web.post(save_url(talk, claim), fields).status_code == 302
    saved = annotation_of(db, claim.id)
    tasnim = fresh(db).get(Speaker, saved.via_id)
    assert (saved.speaker_id, tasnim.name, tasnim.aliases) == (baqeri.id, "Tasnim", [])


def test_malformed_stored_evidence_is_shown_without_it(web, db, talk):
    claim = talk["claims"][0]
    suggest(db, claim, "speaker", "Baqeri", items=[])
    row = suggest(db, claim, "via", "Tasnim")
    row.evidence = {"items": "not a list", "speaker": ["not", "a", "dict"], "continuation": "yes"}
    suggest(db, claim, "attribution", "no-such-label")
    db.commit()
    web.login("ann")
    body = open_claim(web, talk, claim)
    shown = form_values(body, "annotation-form")
    assert (shown["new_speaker_name"], shown["new_via_name"]) == ("Baqeri", "Tasnim")
    assert shown["new_via_type"] == "organization"  # no type known: the form's default
    assert shown["attribution"] == ""  # a label the codebook lacks is not offered
    assert "no-such-label" in page_text(body)  # but the suggestion is shown
    assert "continuation" not in page_text(body.split('id="suggestions"')[1].split("</section>")[0])


def test_evidence_far_back_is_marked_in_the_claims_loaded_later(web, db, talk):
    from tests.bulk import make_long_article
    from workbench.ops.claims import active_claims

    article = make_long_article(db, talk["project"], 100)
    claims = active_claims(db, article)
    first, last = claims[0], claims[-1]
    far = {"role": "antecedent", "start": first.start, "end": first.start + 8}
    far["text"] = article.text[far["start"] : far["end"]]
    suggest(db, last, "speaker", "Someone", items=[far])
    db.commit()
    web.login("ann")
    base = f"/projects/{talk['pid']}/articles/{article.id}"
    body = read(web.get(f"{base}/annotate?claim={last.id}"))
    assert "(not in the part of the text shown)" in page_text(body)
    assert f'id="c{first.id}"' not in body
    url = re.search(r'class="more-claims more-earlier"[^>]*data-fragment="([^"]+)"', body).group(1)
    assert url.endswith(f"?marks={last.id}")
    fragment = read(web.get(html.unescape(url)))
    claim_one = re.search(rf'<a id="c{first.id}".*?</a>', fragment, re.S).group(0)
    assert '<mark class="evidence ev-antecedent" data-roles="antecedent"' in claim_one
    # A fragment's own link further back asks for the marks too.
    fragment = read(web.get(f"{base}/claims-before/{last.id}?marks={last.id}"))
    assert f'id="c{first.id}"' not in fragment
    assert f"claims-before/{claims[39].id}?marks={last.id}" in fragment
    # Only a claim of this article; a claim id is a whole number.
    other = talk["claims"][0].id
    anchor = claims[50].id
    assert read(web.get(f"{base}/claims-before/{anchor}?marks={last.id}")).count("<mark") == 1
    assert web.get(f"{base}/claims-before/{anchor}?marks={other}").status_code == 404
    assert web.get(f"{base}/claims-before/{anchor}?marks=x").status_code == 400
    assert "<mark" not in read(web.get(f"{base}/claims-before/{anchor}"))
