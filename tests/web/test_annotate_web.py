"""Annotating through the web, and the manager's pages: claims, speakers, settings,
members, export and users."""

from __future__ import annotations

import csv
import html
import io
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import delete, select

from tests.conftest import make_project, make_user
from tests.web.web_helpers import (
    TALK,
    add_article,
    add_speaker,
    form_values,
    fresh,
    page_text,
    progress,
    read,
)
from workbench.exporting import CLAIM_SUGGESTION_COLUMNS, SUGGESTION_COLUMNS
from workbench.importing import ArticleDraft
from workbench.models import Annotation, Claim, HistoryEntry, Label, Project, Speaker, User
from workbench.ops.annotations import AnnotationInput, save_annotation
from workbench.ops.articles import import_items
from workbench.ops.claims import active_claims, merge_with_next, split_claim
from workbench.ops.projects import set_member, set_targets
from workbench.ops.speakers import merge_speakers

DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.fixture
def talk(db, team):
    """The project with one four-claim article."""
    project = team["project"]
    article, claims = add_article(db, project)
    db.commit()
    return {
        "project": project,
        "pid": project.id,
        "article": article,
        "claims": claims,
        "target_id": project.targets[0].id,
        "page": f"/projects/{project.id}/articles/{article.id}/annotate",
    }


def _annotation(db, claim_id, username="ann") -> Annotation | None:
    return fresh(db).scalar(
        select(Annotation)
        .join(User)
        .where(Annotation.claim_id == claim_id, User.username == username)
    )


def _save_url(talk, claim) -> str:
    return f"/projects/{talk['pid']}/claims/{claim.id}/annotation"


def _fields(talk, **values) -> dict:
    fields = {
        "base_version": "",
        "speaker": "",
        "new_speaker_name": "",
        "new_speaker_type": "person",
        "new_speaker_title": "",
        "via": "",
        "new_via_name": "",
        "new_via_type": "organization",
        "attribution": "",
        "verifiability": "",
        "note": "",
        f"stance_{talk['target_id']}": "",
    }
    fields.update(values)
    return fields


# -- annotating ---------------------------------------------------------------------------


def test_the_annotate_page_shows_the_claims_and_progress(web, talk):
    web.login("ann")
    response = web.get(talk["page"])
    body = read(response)
    assert response.status_code == 200
    for claim in talk["claims"]:
        assert f'id="c{claim.id}"' in body
    assert progress(body) == (0, 4)
    shown = form_values(body, "annotation-form")
    assert shown["base_version"] == ""
    assert shown[f"stance_{talk['target_id']}"] == ""
    assert "Baqeri said the talks in Baghdad went well." in page_text(body)
    assert "Claim 1 of 4" in page_text(body)


def test_annotate_save_conflict_and_next(web, db, talk):
    web.login("ann")
    first, second = talk["claims"][:2]
    tid = talk["target_id"]
    values = _fields(
        talk,
        new_speaker_name="  Mohammad   Baqeri ",
        new_speaker_title="Chief of Staff",
        new_via_name="Tasnim",
        new_via_type="outlet",
        attribution="indirect",
        verifiability="verifiable",
        note="  checked the wording  ",
        **{f"stance_{tid}": "favor"},
    )
    response = web.post(_save_url(talk, first), values)
    assert response.status_code == 302
    assert response.location.endswith(f"?claim={first.id}")
    body = read(web.get(response.location))
    assert f"Saved claim {first.position}." in body
    assert progress(body) == (1, 4)
    shown = form_values(body, "annotation-form")
    assert shown["base_version"] == "1"
    assert (shown["attribution"], shown["verifiability"], shown[f"stance_{tid}"]) == (
        "indirect",
        "verifiable",
        "favor",
    )
    assert shown["note"] == "checked the wording"
    baqeri = fresh(db).scalar(select(Speaker).where(Speaker.name == "Mohammad Baqeri"))
    tasnim = db.scalar(select(Speaker).where(Speaker.name == "Tasnim"))
    assert (baqeri.type, baqeri.title) == ("person", "Chief of Staff")
    assert tasnim.type == "outlet"
    assert (shown["speaker"], shown["via"]) == (str(baqeri.id), str(tasnim.id))
    next_link = re.search(r'href="([^"]+)" id="next-open"', body).group(1)
    assert f"claim={second.id}" in next_link

    saved = _annotation(db, first.id)
    assert (saved.version, saved.speaker_id, saved.via_id, saved.note) == (
        1,
        baqeri.id,
        tasnim.id,
        "checked the wording",
    )

    # The same form sent again (another tab, still at version ""): refused, nothing lost.
    response = web.post(_save_url(talk, first), {**values, "verifiability": "opinion"})
    body = read(response)
    assert response.status_code == 409
    text = page_text(body)
    assert "Your changes were not saved; the newer values are shown." in text
    assert "checked the wording" in text and "verifiable" in text
    again = _annotation(db, first.id)
    assert (again.version, again.verifiability) == (1, "verifiable")

    # Based on the current version, it saves.
    response = web.post(
        _save_url(talk, first),
        _fields(talk, base_version="1", speaker=str(baqeri.id), verifiability="opinion"),
    )
    assert response.status_code == 302
    saved = _annotation(db, first.id)
    assert (saved.version, saved.verifiability, saved.via_id, saved.note) == (
        2,
        "opinion",
        None,
        "",
    )
    assert saved.stances == []

    # Save and go to the next claim.
    response = web.post(
        _save_url(talk, second),
        {**_fields(talk, verifiability="prediction"), "next_claim": str(talk["claims"][2].id)},
    )
    assert response.status_code == 302
    assert f"claim={talk['claims'][2].id}" in response.location
    assert progress(read(web.get(response.location))) == (2, 4)


def test_a_json_save_returns_the_version(web, db, talk):
    web.login("ann")
    claim = talk["claims"][0]
    json_accept = {"Accept": "application/json"}
    response = web.post(_save_url(talk, claim), _fields(talk, note="one"), headers=json_accept)
    assert response.status_code == 200
    assert response.get_json() == {"saved": True, "version": 1, "claim_id": claim.id}
    response = web.post(
        _save_url(talk, claim), _fields(talk, base_version="1", note="two"), headers=json_accept
    )
    assert response.get_json()["version"] == 2
    response = web.post(
        _save_url(talk, claim), _fields(talk, base_version="1", note="three"), headers=json_accept
    )
    assert response.status_code == 409
    body = response.get_json()
    assert body["error"] == "Conflict"
    assert (body["current"]["note"], body["current"]["version"]) == ("two", 2)
    response = web.post(
        _save_url(talk, claim), _fields(talk, verifiability="bogus"), headers=json_accept
    )
    assert response.status_code == 400
    assert "Not a valid choice" in response.get_json()["message"]


@pytest.mark.parametrize(
    "bad",
    [
        {"verifiability": "bogus"},
        {"attribution": "quoted"},
        {"stance": "maybe"},
        {"speaker": "999999"},
        {"via": "not-a-number"},
        {"base_version": "seven"},
        {"claim_span": "0:10:20"},
        {"claim_span": "start:end"},
        {"new_speaker_type": "alien", "new_speaker_name": "Zorg"},
    ],
)
def test_an_unknown_label_or_speaker_saves_nothing(web, db, talk, bad):
    web.login("ann")
    claim = talk["claims"][0]
    if "stance" in bad:
        bad = {f"stance_{talk['target_id']}": bad["stance"]}
    response = web.post(
        _save_url(talk, claim),
        _fields(talk, **{"verifiability": "opinion", "note": "typed by hand", **bad}),
    )
    body = read(response)
    assert response.status_code == 400
    if "annotation-form" in body:
        # the annotate page again, with the reason and the form as typed: nothing lost
        assert "not saved" in page_text(body).lower()
        assert form_values(body, "annotation-form")["note"] == "typed by hand"
    else:  # a damaged form (its version or span): the error page says to reload
        assert "Invalid input" in body and "reload the claim" in body
    assert _annotation(db, claim.id) is None
    assert db.scalar(select(Speaker).where(Speaker.name == "Zorg")) is None


def test_an_empty_form_is_never_saved_as_done(web, db, talk):
    """Issue 11: Ctrl+Enter on an empty form stored an empty annotation as submitted,
    and the progress counted the claim as done. Refused with the reason, page or JSON."""
    web.login("ann")
    claim = talk["claims"][0]
    response = web.post(_save_url(talk, claim), _fields(talk, note="  \r\n "))
    assert response.status_code == 400
    assert "not saved as done" in page_text(read(response))
    json_accept = {"Accept": "application/json"}
    response = web.post(_save_url(talk, claim), _fields(talk), headers=json_accept)
    assert response.status_code == 400
    assert "not saved as done" in str(response.get_json())
    assert _annotation(db, claim.id) is None
    page = read(web.get(talk["page"]))
    assert "0 of 4" in page_text(page) or "0 / 4" in page_text(page)


def test_a_speaker_of_another_project_is_refused(web, db, talk, team):
    other = make_project(db, "Other", targets=("X",), manager=team["manager"])
    stranger_speaker = add_speaker(db, other, "Outsider")
    db.commit()
    web.login("ann")
    claim = talk["claims"][0]
    response = web.post(_save_url(talk, claim), _fields(talk, speaker=str(stranger_speaker.id)))
    assert response.status_code == 400
    read(response)
    assert _annotation(db, claim.id) is None


def test_a_claim_of_another_project_is_not_found(web, db, talk, team):
    other = make_project(db, "Other", targets=("X",), manager=team["manager"])
    _, other_claims = add_article(db, other, "Elsewhere. Two claims.")
    db.commit()
    web.login("mona")
    claim = other_claims[0]
    for response in (
        web.post(_save_url(talk, claim), _fields(talk, note="x")),
        web.post(f"/projects/{talk['pid']}/claims/{claim.id}/split", {"at": "3"}),
        web.get(f"/projects/{talk['pid']}/claims/{claim.id}/history"),
        web.get(f"{talk['page']}?claim={claim.id}"),
    ):
        assert response.status_code == 404
        read(response)
    assert fresh(db).scalars(select(Annotation)).all() == []


# -- claim boundaries -----------------------------------------------------------------------


def test_merging_two_claims_annotated_by_one_annotator_says_what_happens(web, db, talk):
    first, second = talk["claims"][0], talk["claims"][1]
    ann = db.get(User, _user_id(db, "ann"))
    for claim, label in ((first, "verifiable"), (second, "opinion")):
        save_annotation(
            db,
            talk["project"],
            db.get(Claim, claim.id),
            ann,
            AnnotationInput(verifiability=label),
            base_version=None,
        )
    db.commit()
    web.login("mona")
    response = web.post(f"/projects/{talk['pid']}/claims/{first.id}/merge", {})
    assert response.status_code == 302
    body = page_text(read(web.get(response.location)))
    assert "1 annotator had annotated both claims" in body
    assert _annotation(db, first.id).verifiability == "verifiable"
    assert _annotation(db, second.id).verifiability == "opinion"  # kept, not deleted


def test_a_manager_splits_trims_and_merges(new_web, db, talk):
    pid, claims = talk["pid"], talk["claims"]
    first = claims[0]  # "Baqeri said the talks in Baghdad went well." (0-43)
    save_annotation(
        db,
        talk["project"],
        db.get(Claim, first.id),
        db.get(User, _user_id(db, "ann")),
        AnnotationInput(verifiability="verifiable"),
        base_version=None,
    )
    db.commit()
    web = new_web()
    web.login("mona")

    response = web.post(f"/projects/{pid}/claims/{first.id}/split", {"at_text": "in Baghdad"})
    assert response.status_code == 302
    body = read(web.get(response.location))
    assert "Claim split in two" in body
    current = active_claims(fresh(db), talk["article"])
    assert [c.text for c in current[:2]] == ["Baqeri said the talks", "in Baghdad went well."]
    assert _annotation(db, first.id).span_changed

    response = web.post(
        f"/projects/{pid}/claims/{current[1].id}/split", {"at": str(TALK.index("went well"))}
    )
    assert response.status_code == 302
    current = active_claims(fresh(db), talk["article"])
    assert [c.text for c in current[1:3]] == ["in Baghdad", "went well."]

    response = web.post(f"/projects/{pid}/claims/{first.id}/trim", {"start": "0", "end": "6"})
    assert response.status_code == 302
    assert _claim_text(db, first.id) == "Baqeri"
    # the same boundaries again: nothing changes, and the page says so
    response = web.post(f"/projects/{pid}/claims/{first.id}/trim", {"start": "0", "end": "6"})
    assert "nothing changed" in read(web.get(response.location))

    response = web.post(f"/projects/{pid}/claims/{first.id}/merge", {})
    assert response.status_code == 302
    assert _claim_text(db, first.id) == "Baqeri said the talks in Baghdad"

    history = read(web.get(f"/projects/{pid}/claims/{first.id}/history"))
    actions = re.findall(r"<td>claim (\S+)</td>", history)
    assert actions == ["split", "trimmed", "merged"]
    assert "annotation saved" in page_text(history)
    assert "annotation flagged: the claim's boundaries changed" in html.unescape(history)
    assert "flag-span-changed" not in history

    # The annotator's old form (version 1) is stale after the changes: refused.
    ann = new_web()
    ann.login("ann")
    response = ann.post(_save_url(talk, first), _fields(talk, base_version="1", note="late"))
    assert response.status_code == 409
    read(response)
    page = read(ann.get(f"{talk['page']}?claim={first.id}"))
    assert "boundaries changed after you annotated it" in page


def _user_id(db, username):
    return db.scalar(select(User.id).where(User.username == username))


def _claim_text(db, claim_id):
    return fresh(db).get(Claim, claim_id).text


REFUSAL = re.compile(r'<p class="flash error" role="alert" id="edit-refusal"[^>]*>(.*?)</p>')


@pytest.mark.parametrize(
    ("action", "data", "message"),
    [
        ("split", {"at_text": "Tehran"}, "does not occur inside the claim"),
        ("split", {}, "Give the text where the second part begins, or an offset."),
        ("split", {"at": "0"}, "Split inside the claim"),
        ("split", {"at_text": "Baqeri said the talks in Baghdad went well."}, "the whole claim"),
        ("trim", {"start": "5"}, "Give the new start and end offsets as whole numbers."),
        ("trim", {"start": "0", "end": "60"}, "would overlap the next claim"),
        ("merge", {}, "This is the last claim of the article"),
        ("merge-previous", {}, "This is the first claim of the article"),
    ],
)
def test_a_bad_boundary_change_changes_nothing(web, db, talk, action, data, message):
    """A refusal is shown on the annotate page, in the panel's boundary tools (open),
    the claim still selected: never a dead-end error page."""
    claim = talk["claims"][-1] if action == "merge" else talk["claims"][0]
    web.login("mona")
    before = [(c.id, c.start, c.end) for c in talk["claims"]]
    response = web.post(f"/projects/{talk['pid']}/claims/{claim.id}/{action}", data)
    body = read(response)
    assert response.status_code == 400
    refusal = REFUSAL.search(body)
    assert refusal and message in html.unescape(refusal.group(1))
    assert '<details class="claim-tools" id="claim-tools" open>' in body
    assert f"Claim {claim.position} <small>of 4" in body  # the annotator's place is kept
    assert 'id="annotation-form"' in body and "Back button" not in body
    after = [(c.id, c.start, c.end) for c in active_claims(fresh(db), talk["article"])]
    assert after == before
    assert db.scalars(select(HistoryEntry).where(HistoryEntry.entity != "project")).all() == []


def test_a_refused_split_or_trim_keeps_what_was_typed(web, db, talk):
    web.login("mona")
    claim = talk["claims"][1]
    url = f"/projects/{talk['pid']}/claims/{claim.id}"
    body = read(web.post(f"{url}/split", {"at_text": "in Tehran"}))
    assert form_values(body, "split-form")["at_text"] == "in Tehran"
    end = str(talk["claims"][2].start + 3)
    body = read(web.post(f"{url}/trim", {"start": str(claim.start), "end": end}))
    shown = form_values(body, "trim-form")
    assert (shown["start"], shown["end"]) == (str(claim.start), end)
    assert "would overlap the next claim" in body


def test_a_refused_boundary_change_answers_json_clients_in_json(web, talk):
    web.login("mona")
    claim = talk["claims"][-1]
    response = web.post(
        f"/projects/{talk['pid']}/claims/{claim.id}/merge",
        {},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 400
    assert "last claim" in response.get_json()["message"]


def test_an_edit_of_a_claim_merged_since_shows_the_claim_it_went_into(web, db, talk):
    first, second = talk["claims"][:2]
    merge_with_next(db, db.get(Claim, first.id), user=None)
    db.commit()
    web.login("mona")
    response = web.post(f"/projects/{talk['pid']}/claims/{second.id}/split", {"at_text": "he"})
    body = read(response)
    assert response.status_code == 400
    assert "merged into another one" in body
    assert f'action="/projects/{talk["pid"]}/claims/{first.id}/annotation"' in body


def test_merge_is_offered_only_where_there_is_a_claim_to_merge_with(web, talk):
    web.login("mona")
    claims = talk["claims"]
    offered = {}
    for claim in (claims[0], claims[1], claims[-1]):
        body = read(web.get(f"{talk['page']}?claim={claim.id}"))
        offered[claim.position] = ('id="merge-previous"' in body, 'id="merge-next"' in body)
    assert offered == {1: (False, True), 2: (True, True), 4: (True, False)}


def test_merge_with_the_previous_claim_from_the_page(web, db, talk):
    first, second = talk["claims"][:2]
    web.login("mona")
    response = web.post(f"/projects/{talk['pid']}/claims/{second.id}/merge-previous", {})
    assert response.status_code == 302
    assert f"claim={first.id}" in response.location
    assert "Claim merged with the previous one" in read(web.get(response.location))
    assert _claim_text(db, first.id) == TALK[: second.end]
    assert fresh(db).get(Claim, second.id).state == "merged"


def test_a_split_at_the_claims_first_words_splits_after_them(web, db, talk):
    first = talk["claims"][0]  # "Baqeri said the talks in Baghdad went well."
    web.login("mona")
    response = web.post(
        f"/projects/{talk['pid']}/claims/{first.id}/split", {"at_text": "Baqeri said"}
    )
    assert response.status_code == 302
    current = active_claims(fresh(db), talk["article"])
    assert [c.text for c in current[:2]] == ["Baqeri said", "the talks in Baghdad went well."]


def test_an_annotator_may_not_change_claims(web, db, talk):
    web.login("ann")
    claim = talk["claims"][0]
    page = read(web.get(talk["page"]))
    assert "Change this claim's boundaries" not in page
    for action, data in (
        ("split", {"at_text": "in Baghdad"}),
        ("trim", {"start": "0", "end": "6"}),
        ("merge", {}),
    ):
        response = web.post(f"/projects/{talk['pid']}/claims/{claim.id}/{action}", data)
        assert response.status_code == 403
        read(response)
    assert len(active_claims(fresh(db), talk["article"])) == 4


# -- speakers ---------------------------------------------------------------------------------


def test_speakers_add_edit_merge_as_manager(web, db, talk):
    pid = talk["pid"]
    web.login("mona")
    url = f"/projects/{pid}/speakers"
    response = web.post(
        url,
        {
            "name": "Mohammad Baqeri",
            "type": "person",
            "title": "Chief of Staff",
            "aliases": "Baqeri\nGeneral Baqeri",
        },
    )
    assert response.status_code == 302
    body = read(web.get(url))
    assert "Added Mohammad Baqeri." in body
    assert "Baqeri; General Baqeri" in body
    response = web.post(url, {"name": "Mohammad Baqeri", "type": "person"})
    assert "The registry has a speaker named &#39;Mohammad Baqeri&#39; already." in read(response)

    response = web.post(url, {"name": "M. Bagheri", "type": "person"})
    assert response.status_code == 302
    fresh(db)
    baqeri = db.scalar(select(Speaker).where(Speaker.name == "Mohammad Baqeri"))
    bagheri = db.scalar(select(Speaker).where(Speaker.name == "M. Bagheri"))
    save_annotation(
        db,
        talk["project"],
        talk["claims"][0],
        db.get(User, _user_id(db, "ann")),
        AnnotationInput(speaker_id=bagheri.id),
        base_version=None,
    )
    db.commit()

    edit = f"/projects/{pid}/speakers/{bagheri.id}/edit"
    shown = form_values(read(web.get(edit)))
    assert (shown["name"], shown["type"]) == ("M. Bagheri", "person")
    changes = {"name": "Mohammad Bagheri", "type": "person", "title": "General"}
    response = web.post(edit, {**shown, **changes})
    assert response.status_code == 302
    assert "Speaker saved." in read(web.get(url))
    assert fresh(db).get(Speaker, bagheri.id).title == "General"

    response = web.post(
        f"/projects/{pid}/speakers/merge",
        {"source": str(bagheri.id), "target": str(baqeri.id)},
    )
    assert response.status_code == 302
    body = read(web.get(url))
    assert (
        "Merged Mohammad Bagheri into Mohammad Baqeri; 1 annotation now names Mohammad Baqeri."
        in page_text(body)
    )
    assert _annotation(db, talk["claims"][0].id).speaker_id == baqeri.id
    assert "Mohammad Bagheri" in [a.alias for a in db.get(Speaker, baqeri.id).aliases]
    # Merging a speaker into itself is refused with a message.
    response = web.post(
        f"/projects/{pid}/speakers/merge",
        {"source": str(baqeri.id), "target": str(baqeri.id)},
    )
    assert "Choose two different speakers to merge." in read(web.get(response.location))


def test_an_annotator_adds_speakers_but_does_not_edit_or_merge(web, db, talk):
    pid = talk["pid"]
    one = add_speaker(db, talk["project"], "One")
    two = add_speaker(db, talk["project"], "Two")
    db.commit()
    web.login("ann")
    page = read(web.get(f"/projects/{pid}/speakers"))
    assert "Add a speaker" in page
    assert "Merge two speakers" not in page and "/edit" not in page
    response = web.post(f"/projects/{pid}/speakers", {"name": "Three", "type": "organization"})
    assert response.status_code == 302
    for response in (
        web.get(f"/projects/{pid}/speakers/{one.id}/edit"),
        web.post(f"/projects/{pid}/speakers/{one.id}/edit", {"name": "Renamed", "type": "person"}),
        web.post(f"/projects/{pid}/speakers/merge", {"source": one.id, "target": two.id}),
    ):
        assert response.status_code == 403
        read(response)
    names = sorted(fresh(db).scalars(select(Speaker.name).where(Speaker.merged_into_id.is_(None))))
    assert names == ["One", "Three", "Two"]


# -- settings and members ---------------------------------------------------------------------


def _settings(project_page: str) -> dict:
    return form_values(project_page)


def test_settings_edit_labels_and_targets(web, db, talk):
    pid = talk["pid"]
    web.login("mona")
    url = f"/projects/{pid}/settings"
    shown = _settings(read(web.get(url)))
    assert (
        shown["stance"].splitlines()[0] == "favor: The speaker supports or argues for the target."
    )
    assert shown["targets"] == "Cooperation"
    shown.update(
        name="Talks 2",
        targets="Cooperation\nSanctions",
        stance=shown["stance"] + "\nsarcastic: Says the opposite of what is meant.",
        guidelines="Read **carefully**.",
    )
    response = web.post(url, shown)
    assert response.status_code == 302, page_text(read(response))
    project = fresh(db).get(Project, pid)
    assert project.name == "Talks 2"
    assert [t.name for t in project.targets] == ["Cooperation", "Sanctions"]
    assert "sarcastic" in [lb.value for lb in project.labels if lb.field == "stance"]
    assert project.codebook_version == 2
    page = read(web.get(talk["page"]))
    assert "Stance: Sanctions" in page
    assert 'value="sarcastic"' in page


def test_removing_a_label_in_use_is_refused_and_changes_nothing(web, db, talk):
    project = talk["project"]
    save_annotation(
        db,
        project,
        talk["claims"][0],
        db.get(User, _user_id(db, "ann")),
        AnnotationInput(stances={talk["target_id"]: "favor"}, verifiability="opinion"),
        base_version=None,
    )
    db.commit()
    web.login("mona")
    url = f"/projects/{project.id}/settings"
    shown = _settings(read(web.get(url)))
    labels_before = sorted(fresh(db).scalars(select(Label.value).where(Label.field == "stance")))
    for change, message in (
        (
            {"stance": "against\nneutral\nunrelated"},
            "The stance label &#39;favor&#39; is used by 1 annotation; it cannot be removed. "
            "Nothing was changed.",
        ),
        (
            {"verifiability": "verifiable"},
            "The verifiability label &#39;opinion&#39; is used by 1 annotation",
        ),
        ({"targets": "Peace"}, "The target &#39;Cooperation&#39; has 1 stance labels"),
        ({"stance": "Favor Label"}, "Stance labels, line 1: a label is 1 to 80 lowercase"),
    ):
        response = web.post(url, {**shown, "name": "Renamed", **change})
        body = read(response)
        assert response.status_code in (400, 409)  # the form again, with the reason
        assert message in body
        project = fresh(db).get(Project, project.id)
        assert project.name == "Talks"
        assert [t.name for t in project.targets] == ["Cooperation"]
        assert project.codebook_version == 1
        labels = sorted(db.scalars(select(Label.value).where(Label.field == "stance")))
        assert labels == labels_before


def _accept_invitation(web):
    invitation = form_values(read(web.get("/")))["invitation"]
    response = web.post("/invitations/answer", {"invitation": invitation, "answer": "accept"})
    assert response.status_code == 302
    read(response)


def test_members_add_and_remove(new_web, db, talk):
    pid = talk["pid"]
    web = new_web()
    web.login("mona")
    url = f"/projects/{pid}/members"
    # A manager who is not an admin invites; the invited user accepts.
    response = web.post(url, {"username": "stan", "role": "annotator"})
    assert response.status_code == 302
    body = read(web.get(url))
    assert "Invited &#39;stan&#39; as annotator." in body
    stan = new_web()
    stan.login("stan")
    assert stan.get(f"/projects/{pid}").status_code == 404
    _accept_invitation(stan)
    assert stan.get(f"/projects/{pid}").status_code == 200
    assert re.search(r"<td>stan</td><td>annotator</td>", read(web.get(url)))

    response = web.post(url, {"username": "nobody", "role": "annotator"})
    assert "Invited &#39;nobody&#39; as annotator." in read(web.get(response.location))

    response = web.post(f"/projects/{pid}/members/remove", {"username": "stan"})
    assert response.status_code == 302
    assert "stan was removed; their annotations stay." in read(web.get(url))
    assert stan.get(f"/projects/{pid}").status_code == 404

    response = web.post(f"/projects/{pid}/members/remove", {"username": "mona"})
    assert "A project keeps at least one manager." in read(web.get(response.location))
    assert web.get(f"/projects/{pid}").status_code == 200

    # A manager who removes themselves (another manager stays) lands on the project list.
    web.post(url, {"username": "stan", "role": "manager"})
    _accept_invitation(stan)
    response = web.post(f"/projects/{pid}/members/remove", {"username": "mona"})
    assert response.status_code == 302 and response.location.endswith("/")
    page = web.get(response.location)
    assert page.status_code == 200 and "mona was removed" in read(page)


# -- export -----------------------------------------------------------------------------------


def _documented_wide_columns() -> list[str]:
    text = (DOCS / "data-dictionary.md").read_text(encoding="utf-8")
    section = text.split("## Wide shape", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\| `([^`]+)` \|", section, re.M)


@pytest.fixture
def annotated(db, talk):
    """One annotation by ann on the first claim, and metadata on a second article."""
    project = talk["project"]
    speaker = add_speaker(db, project, "Mohammad Baqeri", title="Chief of Staff")
    save_annotation(
        db,
        project,
        talk["claims"][0],
        db.get(User, _user_id(db, "ann")),
        AnnotationInput(
            speaker_id=speaker.id,
            attribution="indirect",
            verifiability="verifiable",
            note="=SUM(A1)",
            stances={talk["target_id"]: "favor"},
        ),
        base_version=None,
    )
    import_items(
        db,
        project,
        [ArticleDraft(text="Second article. With metadata.", metadata={"section": "World"})],
        user=None,
    )
    db.commit()
    return talk


def test_export_csv_reads_in_pandas_with_the_documented_columns(web, annotated):
    web.login("mona")
    pid = annotated["pid"]
    page = read(web.get(f"/projects/{pid}/export"))
    assert f"/projects/{pid}/export/data" in page
    response = web.get(f"/projects/{pid}/export/data?format=csv&shape=wide")
    body = read(response)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="talks-wide.csv"'
    frame = pd.read_csv(io.StringIO(body))
    documented = _documented_wide_columns()
    expected = []
    for column in documented:
        if column == "stance:<target>":
            expected.append("stance:Cooperation")
        elif column == "meta:<key>":
            expected.append("meta:section")
        else:
            expected.append(column)
    assert list(frame.columns) == expected
    assert len(frame) == 1
    row = frame.iloc[0]
    assert row["annotator"] == "ann"
    assert row["speaker"] == "Mohammad Baqeri"
    assert row["stance:Cooperation"] == "favor"
    assert row["note"] == "'=SUM(A1)"  # neutralised for spreadsheets
    assert row["claim_text"] == TALK[row["char_start"] : row["char_end"]]
    assert body.startswith("project,article_id,")
    assert "\r\n" in body

    raw = read(web.get(f"/projects/{pid}/export/data?format=csv&raw=1"))
    assert pd.read_csv(io.StringIO(raw)).iloc[0]["note"] == "=SUM(A1)"


def test_export_all_claims_long_and_jsonl(web, annotated):
    web.login("mona")
    pid = annotated["pid"]
    base = f"/projects/{pid}/export/data"
    all_rows = pd.read_csv(io.StringIO(read(web.get(f"{base}?format=csv&all_claims=1"))))
    assert len(all_rows) == 4 + 2  # every claim of both articles
    assert all_rows["annotator"].isna().sum() == 5

    long_text = read(web.get(f"{base}?format=csv&shape=long"))
    long = pd.read_csv(io.StringIO(long_text))
    assert list(long.columns) == [
        "project",
        "article_id",
        "claim_id",
        "claim_index",
        "char_start",
        "char_end",
        "annotator",
        "field",
        "value",
        "updated_at",
    ]
    assert list(long["field"]) == [
        "speaker",
        "speaker_type",
        "speaker_title",
        "via",
        "attribution",
        "stance:Cooperation",
        "verifiability",
        "note",
        *SUGGESTION_COLUMNS,
    ]
    values = dict(zip(long["field"], long["value"], strict=True))
    assert values["stance:Cooperation"] == "favor"

    response = web.get(f"{base}?format=jsonl")
    assert response.mimetype == "application/x-ndjson"
    assert response.headers["Content-Disposition"] == 'attachment; filename="talks-wide.jsonl"'
    lines = read(response).splitlines()
    records = [json.loads(line) for line in lines]
    assert len(records) == 1
    wide_header = read(web.get(f"{base}?format=csv")).splitlines()[0].split(",")
    assert list(records[0]) == wide_header
    assert records[0]["note"] == "=SUM(A1)"  # JSONL is never neutralised
    assert records[0]["span_changed"] is False
    assert isinstance(records[0]["char_start"], int)

    jsonl_long = read(web.get(f"{base}?format=jsonl&shape=long&all_claims=1"))
    # ann's row's fields; the suggestions of each of the 5 claims nobody annotated.
    assert len(jsonl_long.splitlines()) == 8 + len(SUGGESTION_COLUMNS) + 5 * len(
        CLAIM_SUGGESTION_COLUMNS
    )

    for bad in ("format=xlsx", "shape=tall"):
        response = web.get(f"{base}?{bad}")
        assert response.status_code == 400
        assert "Unknown" in read(response)


def test_a_download_gives_its_connection_back(app, new_web, annotated):
    """Whether read to the end, stopped midway or never started, the stream's session closes."""
    web = new_web()
    web.login("mona")
    pool = app.extensions["workbench.engine"].pool
    url = f"/projects/{annotated['pid']}/export/data?format=csv&all_claims=1"
    read(web.get(url))
    assert pool.checkedout() == 0
    response = web.get(url, buffered=False)
    first = next(iter(response.response))
    assert first.startswith(b"project,") or first.startswith("project,")
    response.close()
    assert pool.checkedout() == 0
    web.get(url, buffered=False).close()
    assert pool.checkedout() == 0


def test_codebook_downloads(web, annotated):
    web.login("ann")
    pid = annotated["pid"]
    response = web.get(f"/projects/{pid}/codebook.md")
    body = read(response)
    assert response.status_code == 200
    assert response.mimetype == "text/markdown"
    assert response.headers["Content-Disposition"] == 'attachment; filename="talks-codebook.md"'
    assert body.startswith("# Codebook: Talks\n")
    assert "- Cooperation" in body
    assert "| `favor` | The speaker supports or argues for the target. |" in body

    response = web.get(f"/projects/{pid}/codebook.csv")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(read(response))))
    assert rows[0] == ["field", "value", "description"]
    assert ["target", "Cooperation", ""] in rows
    assert sum(1 for r in rows if r[0] == "stance") == 4
    assert rows[-2][0] == "codebook_version" and rows[-2][1].isdigit()
    assert rows[-1][0] == "guidelines"
    response = web.get(f"/projects/{pid}/codebook.pdf")
    assert response.status_code == 400
    read(response)


# -- users ------------------------------------------------------------------------------------


def test_admin_creates_a_user(new_web, db, team):
    web = new_web()
    web.login("root")
    response = web.post("/admin/users", {"username": "newbie", "password": "long enough pw"})
    assert response.status_code == 302
    body = read(web.get("/admin/users"))
    assert "Created newbie." in body
    assert "<td>newbie</td>" in body
    response = web.post("/admin/users", {"username": "newbie", "password": "long enough pw"})
    assert "The username &#39;newbie&#39; is taken." in read(response)
    response = web.post("/admin/users", {"username": "shorty", "password": "short"})
    assert "Field must be between 8 and 200 characters long." in read(response)
    response = web.post("/admin/users", {"username": "has space", "password": "long enough pw"})
    assert "A username is 1 to 80 letters" in read(response)
    assert fresh(db).scalar(select(User).where(User.username == "shorty")) is None

    newbie = new_web()
    assert newbie.login("newbie", "long enough pw").status_code == 302
    assert newbie.get("/admin/users").status_code == 403


def test_a_non_admin_may_not_create_users(web, db, team):
    web.login("mona")
    page = read(web.get("/"))
    assert "/admin/users" not in page
    response = web.post("/admin/users", {"username": "sneaky", "password": "long enough pw"})
    assert response.status_code == 403
    read(response)
    assert fresh(db).scalar(select(User).where(User.username == "sneaky")) is None


def test_a_new_speaker_named_like_a_known_alias_is_the_known_speaker(new_web, db, talk):
    project = talk["project"]
    baqeri = add_speaker(db, project, "Mohammad Baqeri", aliases=["Baqeri"])
    bagheri = add_speaker(db, project, "M. Bagheri")
    db.commit()
    mona = new_web()
    mona.login("mona")
    response = mona.post(
        f"/projects/{talk['pid']}/speakers/merge",
        {"source": str(bagheri.id), "target": str(baqeri.id)},
    )
    assert response.status_code == 302
    web = new_web()
    web.login("ann")
    for claim, typed in zip(talk["claims"], ("Baqeri", " M.  Bagheri "), strict=False):
        response = web.post(_save_url(talk, claim), _fields(talk, new_speaker_name=typed))
        assert response.status_code == 302, page_text(read(response))
        assert _annotation(db, claim.id).speaker_id == baqeri.id
    names = fresh(db).scalars(select(Speaker.name).where(Speaker.merged_into_id.is_(None)))
    assert list(names) == ["Mohammad Baqeri"]


def test_the_last_manager_cannot_step_down(web, db, talk):
    web.login("mona")
    url = f"/projects/{talk['pid']}/members"
    response = web.post(url, {"username": "mona", "role": "annotator"})
    assert "A project keeps at least one manager." in read(response)
    assert web.get(url).status_code == 200


def test_a_form_opened_before_a_speaker_merge_still_saves(new_web, db, talk):
    project = talk["project"]
    baqeri = add_speaker(db, project, "Mohammad Baqeri")
    bagheri = add_speaker(db, project, "M. Bagheri")
    db.commit()
    ann = new_web()
    ann.login("ann")
    page = read(ann.get(talk["page"]))
    assert f'<option value="{bagheri.id}">M. Bagheri</option>' in page
    mona = new_web()
    mona.login("mona")
    response = mona.post(
        f"/projects/{talk['pid']}/speakers/merge",
        {"source": str(bagheri.id), "target": str(baqeri.id)},
    )
    assert response.status_code == 302
    claim = talk["claims"][0]
    response = ann.post(_save_url(talk, claim), _fields(talk, speaker=str(bagheri.id)))
    assert response.status_code == 302, page_text(read(response))
    assert _annotation(db, claim.id).speaker_id == baqeri.id
    page = read(ann.get(f"{talk['page']}?claim={claim.id}"))
    assert "M. Bagheri</option>" not in page


def test_every_suggestion_of_a_claim_is_shown_and_verifiability_prefilled(web, db, talk):
    from workbench.models import Suggestion

    claim = talk["claims"][1]
    # in place of what the suggester stored at import
    db.execute(delete(Suggestion).where(Suggestion.claim_id == claim.id))
    for field, value in (("speaker", "Mohammad Baqeri"), ("verifiability", "not_a_claim")):
        db.add(Suggestion(claim_id=claim.id, field=field, value=value, evidence={"rule": "test"}))
    db.commit()
    web.login("ann")
    body = read(web.get(f"{talk['page']}?claim={claim.id}"))
    text = page_text(body)
    assert "Speaker Mohammad Baqeri (new to the registry; added when you save)" in text
    assert "Verifiability not_a_claim confidence 100%" in text
    assert "suggested-not_a_claim" in body
    assert re.search(r'value="not_a_claim"[^>]*checked|checked[^>]*value="not_a_claim"', body)


def test_a_speaker_added_while_annotating_gets_its_other_names(web, db, talk):
    web.login("ann")
    claim = talk["claims"][0]
    fields = _fields(
        talk,
        new_speaker_name="Mohammad Baqeri",
        new_speaker_aliases=" Baqeri ; Bagheri;; ",
    )
    response = web.post(_save_url(talk, claim), fields)
    assert response.status_code == 302, page_text(read(response))
    speaker = fresh(db).scalar(select(Speaker).where(Speaker.name == "Mohammad Baqeri"))
    assert sorted(a.alias for a in speaker.aliases) == ["Bagheri", "Baqeri"]
    # Typing one of those names later means the same speaker.
    response = web.post(
        _save_url(talk, talk["claims"][1]), _fields(talk, new_speaker_name="Bagheri")
    )
    assert response.status_code == 302
    assert _annotation(db, talk["claims"][1].id).speaker_id == speaker.id


def test_a_form_opened_before_the_claim_was_split_saves_nothing(web, db, talk):
    """A first save carries the claim's boundaries as the page showed them; when a
    manager split the claim meanwhile, the labels are refused with the reason and
    shown again, instead of landing on a span the annotator never saw."""
    from workbench.ops.claims import split_claim

    web.login("ann")
    claim = talk["claims"][0]
    shown = form_values(read(web.get(talk["page"])), "annotation-form")
    assert shown["claim_span"] == f"{claim.start}:{claim.end}"
    split_claim(db, fresh(db).get(Claim, claim.id), claim.start + 8, user=None)
    db.commit()
    fields = _fields(talk, claim_span=shown["claim_span"], verifiability="opinion", note="mine")
    response = web.post(_save_url(talk, claim), fields)
    body = read(response)
    assert response.status_code == 409
    assert "boundaries changed after you opened it" in page_text(body)
    assert "mine" in body  # the refused labels are shown, to enter again
    assert _annotation(db, claim.id) is None
    # The page opened now has the new span, and saves.
    shown = form_values(read(web.get(f"{talk['page']}?claim={claim.id}")), "annotation-form")
    fields = _fields(talk, claim_span=shown["claim_span"], verifiability="opinion")
    assert web.post(_save_url(talk, claim), fields).status_code == 302
    assert _annotation(db, claim.id).verifiability == "opinion"


def test_the_history_page_is_readable_and_annotators_see_only_their_own(web, db, talk):
    """Stances are named by target (a removed target too); annotators code blind,
    so the history page shows them their own annotation's entries only."""
    project = db.get(Project, talk["pid"])
    ann, mona = db.get(User, _user_id(db, "ann")), db.get(User, _user_id(db, "mona"))
    bob = make_user(db, "bob")
    set_member(db, project, bob, "annotator")
    set_targets(db, project, ["Cooperation", "Sanctions"])
    sanctions = project.targets[1]
    claim = db.get(Claim, talk["claims"][0].id)
    save_annotation(
        db, project, claim, ann, AnnotationInput(note="ann's secret"), base_version=None
    )
    values = AnnotationInput(note="bob's secret", stances={sanctions.id: "against"})
    save_annotation(db, project, claim, bob, values, base_version=None)
    save_annotation(db, project, claim, bob, AnnotationInput(note="bob again"), base_version=1)
    set_targets(db, project, ["Cooperation"])  # Sanctions is no longer used: it is retired
    second = split_claim(db, claim, claim.start + 4, user=mona)
    merge_with_next(db, claim, user=mona)  # back together
    db.commit()
    url = f"/projects/{talk['pid']}/claims/{claim.id}/history"

    web.login("mona")
    text = page_text(read(web.get(url)))
    assert "ann's secret" in text and "bob's secret" in text
    assert "Stance: Sanctions (removed) against" in text
    assert "{" not in text  # no raw dictionaries
    assert f"New claim id {second.id}" in text
    assert "Moved annotations" not in text  # the merge moved none: no row, not "[]"
    assert "Span changed yes" in text
    assert "[" not in text and "True" not in text and "False" not in text

    web.post("/logout")
    web.login("ann")
    text = page_text(read(web.get(url)))
    assert "ann's secret" in text
    assert "bob" not in text and "Sanctions" not in text
    assert "claim split" in text  # boundary changes are shown to everyone
    assert f"New claim id {second.id}" in text and "Moved annotations" not in text
    assert "other annotators' are hidden" in text


def test_a_conflict_page_can_save_mine_over_the_newer_values(web, db, talk):
    """After a 409 the user sees both versions and can keep theirs, a new speaker
    they typed included, without typing anything again."""
    claim = talk["claims"][0]
    web.login("ann")
    assert web.post(_save_url(talk, claim), _fields(talk, note="first")).status_code == 302
    typed = _fields(
        talk,
        note="mine",
        verifiability="opinion",
        new_speaker_name="Ali Vaezi",
        new_speaker_type="person",
        new_speaker_title="Chief of staff",
    )
    response = web.post(_save_url(talk, claim), typed)  # still based on no version
    body = read(response)
    assert response.status_code == 409
    assert "Ali Vaezi (new)" in page_text(body)
    assert fresh(db).scalar(select(Speaker).where(Speaker.name == "Ali Vaezi")) is None
    keep = form_values(body, "keep-mine")
    assert keep["base_version"] == "1" and keep["note"] == "mine"
    response = web.post(_save_url(talk, claim), keep)
    assert response.status_code == 302
    saved = _annotation(db, claim.id)
    vaezi = db.scalar(select(Speaker).where(Speaker.name == "Ali Vaezi"))
    assert (saved.version, saved.note, saved.verifiability) == (2, "mine", "opinion")
    assert (saved.speaker_id, vaezi.title) == (vaezi.id, "Chief of staff")
    # sent again, it is based on version 1 again: refused, as any stale form
    assert web.post(_save_url(talk, claim), keep).status_code == 409


def test_a_refused_new_speaker_keeps_what_the_annotator_typed(web, db, talk):
    """Adding a speaker can be refused (here: its alias names another speaker);
    the annotate page comes back with the reason and every field as typed."""
    project = db.get(Project, talk["pid"])
    add_speaker(db, project, "Mohammad Baqeri", aliases=["Baqeri"])
    db.commit()
    web.login("ann")
    claim = talk["claims"][0]
    typed = _fields(
        talk,
        note="a long note typed by hand",
        verifiability="opinion",
        new_speaker_name="Ali Baqeri",
        new_speaker_type="person",
        new_speaker_aliases="baqeri",
    )
    response = web.post(_save_url(talk, claim), typed)
    body = read(response)
    assert response.status_code == 409
    assert "already names the speaker" in page_text(body)
    shown = form_values(body, "annotation-form")
    assert shown["note"] == "a long note typed by hand"
    assert shown["new_speaker_name"] == "Ali Baqeri"
    assert response.headers["Cache-Control"] == "no-store"
    assert _annotation(db, claim.id) is None


def test_a_target_is_renamed_with_its_stances(web, db, talk):
    project = db.get(Project, talk["pid"])
    ann = db.get(User, _user_id(db, "ann"))
    claim = db.get(Claim, talk["claims"][0].id)
    target_id = talk["target_id"]
    values = AnnotationInput(stances={target_id: "favor"})
    save_annotation(db, project, claim, ann, values, base_version=None)
    set_targets(db, project, ["Cooperation", "Sanctions"])
    set_targets(db, project, ["Cooperation"])  # Sanctions: retired
    db.commit()
    version = project.codebook_version
    web.login("mona")
    settings = f"/projects/{talk['pid']}/settings"
    page = read(web.get(settings))
    assert 'name="rename-name"' in page
    url = f"/projects/{talk['pid']}/targets/rename"

    def rename(name, target=target_id):
        response = web.post(url, {"rename-target": str(target), "rename-name": name})
        assert response.status_code == 302
        return page_text(read(web.get(response.location)))

    assert "Renamed the target 'Cooperation' to 'Co-operation'." in rename("  Co-operation ")
    project = fresh(db).get(Project, talk["pid"])
    assert [(t.id, t.name) for t in project.targets] == [(target_id, "Co-operation")]
    assert project.codebook_version == version + 1
    csv_text = read(web.get(f"/projects/{talk['pid']}/export/data?format=csv&shape=wide"))
    assert "stance:Co-operation" in csv_text.splitlines()[0]
    assert "favor" in csv_text
    # refused, each with its reason, and nothing changes
    assert "A removed target is named 'Sanctions'" in rename("sanctions")
    assert "New name: This field is required." in rename("   ")
    assert "Target: Not a valid choice." in rename("X", target=999999)
    assert [t.name for t in fresh(db).get(Project, talk["pid"]).targets] == ["Co-operation"]


def test_an_export_for_excel_begins_with_a_byte_order_mark(web, annotated):
    web.login("mona")
    base = f"/projects/{annotated['pid']}/export/data?format=csv"
    plain = web.get(base).get_data()
    excel = web.get(base + "&excel=1").get_data()
    assert not plain.startswith(b"\xef\xbb\xbf")
    assert excel == b"\xef\xbb\xbf" + plain
    frame = pd.read_csv(io.BytesIO(excel), encoding="utf-8-sig")
    assert frame.columns[0] == pd.read_csv(io.BytesIO(plain)).columns[0]
    jsonl = web.get(f"/projects/{annotated['pid']}/export/data?format=jsonl&excel=1").get_data()
    assert not jsonl.startswith(b"\xef\xbb\xbf")  # JSON Lines never has one


def test_a_conflict_names_a_typed_known_speaker_as_it_is_and_refusals_offer_current_speakers(
    web, db, talk
):
    project = db.get(Project, talk["pid"])
    add_speaker(db, project, "Mohammad Baqeri", aliases=["Baqeri"])
    old = add_speaker(db, project, "M. Baqeri")
    db.commit()
    mona = db.get(User, _user_id(db, "mona"))
    merge_speakers(
        db,
        db.get(Speaker, old.id),
        db.scalar(select(Speaker).where(Speaker.name == "Mohammad Baqeri")),
        user=mona,
    )
    db.commit()
    web.login("ann")
    claim = talk["claims"][0]
    assert web.post(_save_url(talk, claim), _fields(talk, note="first")).status_code == 302
    body = read(web.post(_save_url(talk, claim), _fields(talk, new_speaker_name="mohammad baqeri")))
    assert "Mohammad Baqeri" in page_text(body) and "(new)" not in page_text(body)
    # a refused save (an alias naming another speaker) offers current speakers only
    body = read(
        web.post(
            _save_url(talk, claim),
            _fields(talk, base_version="1", new_speaker_name="Ali", new_speaker_aliases="baqeri"),
        )
    )
    assert "already names the speaker" in page_text(body)
    assert ">M. Baqeri<" not in body and ">Mohammad Baqeri<" in body


def test_a_note_typed_in_the_browser_is_stored_with_lf(web, db, talk):
    web.login("ann")
    claim = talk["claims"][0]
    # Browsers send a textarea's line breaks as CRLF (the HTML form submission rules).
    response = web.post(_save_url(talk, claim), _fields(talk, note="one\r\ntwo\r\n\r\nthree"))
    assert response.status_code == 302
    assert _annotation(db, claim.id).note == "one\ntwo\n\nthree"


def test_the_progress_of_a_one_claim_article_says_claim(web, db, team):
    project = team["project"]
    article, _ = add_article(db, project, "Baqeri said the talks went well.")
    db.commit()
    web.login("ann")
    body = page_text(read(web.get(f"/projects/{project.id}/articles/{article.id}/annotate")))
    assert "You have done 0 of 1 claim." in body
    assert "You have done 0 of 1 claim." in page_text(read(web.get(f"/projects/{project.id}")))


def test_claims_in_the_text_show_their_state_by_a_mark_not_by_colour_alone(web, db, talk):
    """Issue 11 (and WCAG 1.4.1): an annotated, a draft and a flagged claim each carry
    a mark and words for screen readers; a claim not started carries none."""
    web.login("ann")
    first, second, third = talk["claims"][:3]
    assert web.post(_save_url(talk, first), _fields(talk, note="done")).status_code == 302
    assert web.post(_save_url(talk, second), _fields(talk, note="later")).status_code == 302
    later = _annotation(db, second.id)
    later.status = "draft"  # what a background save will store (issue 11)
    db.commit()
    body = read(web.get(talk["page"]))

    def anchor(claim):
        return re.search(rf'<a id="c{claim.id}".*?</a>', body, re.S).group(0)

    assert "✓" in anchor(first) and "done</span>" in anchor(first)
    assert "state-mark" not in anchor(third)
    assert "✎" in anchor(second) and "draft</span>" in anchor(second)
    annotation = _annotation(db, first.id)
    annotation.span_changed = True
    db.commit()
    body = read(web.get(talk["page"]))
    assert "⚑" in anchor(first) and "flagged" in anchor(first) and "✓" not in anchor(first)
