"""The keyboard-first annotate page's server side (issue 11): the panel fragment that
the page shows another claim with, drafts that are not done, labels by their human
names with their definitions and digits, the keys, the project's progress and the
next article with claims left."""

from __future__ import annotations

import html
import json
import re

import pytest
from sqlalchemy import delete, select

from tests.web.web_helpers import add_article, add_speaker, form_values, fresh, page_text, read
from workbench.labels import label_name
from workbench.models import Annotation, Suggestion
from workbench.ops.annotations import AnnotationInput, save_annotation
from workbench.ops.claims import merge_with_next
from workbench.ops.workspace import article_speakers, next_article_open, project_progress


@pytest.fixture
def talk(db, team):
    project = team["project"]
    article, claims = add_article(db, project)
    db.commit()
    return {
        "project": project,
        "article": article,
        "claims": claims,
        "page": f"/projects/{project.id}/articles/{article.id}/annotate",
        "panel": lambda claim: (
            f"/projects/{project.id}/articles/{article.id}/claims/{claim.id}/panel"
        ),
        "save": lambda claim: f"/projects/{project.id}/claims/{claim.id}/annotation",
    }


def _annotation(db, claim, username="ann") -> Annotation | None:
    from workbench.models import User

    user = fresh(db).scalar(select(User).where(User.username == username))
    return db.scalar(
        select(Annotation).where(Annotation.claim_id == claim.id, Annotation.user_id == user.id)
    )


def _save(db, team, claim, status="submitted", **values):
    return save_annotation(
        db,
        team["project"],
        claim,
        team["annotator"],
        AnnotationInput(**values, status=status),
        base_version=None,
    )


def test_the_panel_fragment_is_the_pages_panel_for_one_claim(web, talk):
    web.login("ann")
    second = talk["claims"][1]
    response = web.get(talk["panel"](second))
    body = read(response)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert not body.lstrip().startswith("<!doctype")  # a fragment, not a page
    panel = re.search(r'<div id="panel"([^>]*)>', body).group(1)
    assert f'data-claim-id="{second.id}"' in panel
    assert f'data-position="{second.position}"' in panel
    assert 'data-version=""' in panel and 'data-status=""' in panel
    assert f'data-next-open="{talk["claims"][2].id}"' in panel
    assert second.text in html.unescape(body)
    assert 'id="annotation-form"' in body and 'name="csrf_token"' in body
    # The same panel as the page's for that claim.
    page = read(web.get(f"{talk['page']}?claim={second.id}"))
    assert (
        form_values(page, "annotation-form").keys() == form_values(body, "annotation-form").keys()
    )


def test_the_panel_of_a_claim_merged_away_is_the_claim_it_went_into(web, db, talk):
    first, second = talk["claims"][:2]
    merge_with_next(db, first, user=None)
    db.commit()
    web.login("ann")
    body = read(web.get(talk["panel"](second)))
    assert f'data-claim-id="{first.id}"' in body


def test_the_panel_is_refused_outside_the_project_and_for_others_claims(web, db, talk, team):
    other_article, other_claims = add_article(db, team["project"], "Another text. Second one.")
    db.commit()
    web.login("stan")  # not a member
    assert web.get(talk["panel"](talk["claims"][0])).status_code == 404
    web.post("/logout", {})
    web.login("ann")
    article_id, claim_id = talk["article"].id, other_claims[0].id
    wrong = f"/projects/{team['project'].id}/articles/{article_id}/claims/{claim_id}/panel"
    assert web.get(wrong).status_code == 404


def test_a_draft_is_saved_but_not_done(web, db, talk):
    web.login("ann")
    first = talk["claims"][0]
    body = read(web.get(talk["page"]))
    values = form_values(body, "annotation-form")
    values.update(verifiability="opinion", status="draft")
    response = web.post(talk["save"](first), values)
    assert response.status_code == 302
    page = read(web.get(response.location))
    assert f"Saved claim {first.position} as a draft (not done)." in page_text(page)
    saved = _annotation(db, first)
    assert (saved.status, saved.verifiability) == ("draft", "opinion")
    assert "You have done 0 of 4 claims." in page_text(page)
    assert re.search(rf'id="c{first.id}"[^>]*class="claim annotated draft', page)
    # The next claim not done after the last is this one still: a draft is not done.
    assert f'data-next-open="{first.id}"' in read(web.get(talk["panel"](talk["claims"][-1])))
    # Done marks it done.
    values = form_values(page, "annotation-form")
    values.pop("status", None)
    response = web.post(talk["save"](first), values)
    assert response.status_code == 302
    page = read(web.get(response.location))
    assert f"Saved claim {first.position}. It is done." in page_text(page)
    assert (_annotation(db, first).status, _annotation(db, first).version) == ("submitted", 2)
    assert "You have done 1 of 4 claims." in page_text(page)


def test_an_unknown_status_is_refused_and_nothing_saved(web, db, talk):
    web.login("ann")
    first = talk["claims"][0]
    values = form_values(read(web.get(talk["page"])), "annotation-form")
    values.update(verifiability="opinion", status="finished")
    response = web.post(talk["save"](first), values)
    assert response.status_code == 400
    assert "Unknown status" in page_text(read(response))
    assert _annotation(db, first) is None


def test_labels_show_human_names_digits_and_definitions(web, talk):
    web.login("ann")
    body = read(web.get(talk["page"]))
    assert label_name("not_a_claim") == "Not a claim"
    assert '<span class="label-name">Not a claim</span>' in body
    assert '<span class="label-name">not_a_claim</span>' not in body
    # The digit that picks each value, 0 for "not set", and the definition read with it.
    group = next(
        part.split("</fieldset>", 1)[0]
        for part in body.split('<fieldset class="radios')[1:]
        if 'data-field="verifiability"' in part.split(">", 1)[0]
    )
    digits = re.findall(r'<kbd class="digit" aria-hidden="true">(\d)</kbd>', group)
    assert digits == ["0", "1", "2", "3", "4"]
    definition = re.search(r'id="(verifiability-\d+-def)">([^<]+)<', group)
    assert "question, greeting" in html.unescape(group)
    assert f'aria-describedby="{definition.group(1)}"' in group
    # The codebook panel has every definition, by human name and value.
    codebook = body.split('id="codebook"', 1)[1]
    assert "Not a claim <code>not_a_claim</code>" in codebook


def test_the_page_carries_the_key_map_and_shows_each_fields_key(web, talk):
    web.login("ann")
    body = read(web.get(talk["page"]))
    data = json.loads(
        html.unescape(re.search(r'id="page-data" hidden data-json="([^"]*)"', body).group(1))
    )
    assert data["keys"]["next"] == ["j", "ArrowDown"]
    assert data["keys"]["accept"] == ["a"]
    assert data["panelUrl"].endswith("/claims/0/panel")
    target = talk["project"].targets[0]
    assert re.search(rf'data-field="stance_{target.id}" data-key="e"', body)
    assert 'data-field="verifiability" data-key="f"' in body
    assert 'data-field="speaker" data-key="s"' in body
    # The help lists every action with its keys.
    help_box = body.split('id="help"', 1)[1].split("</table>", 1)[0]
    assert "<kbd>j</kbd> <kbd>ArrowDown</kbd>" in help_box
    assert "undo the last change" in help_box


def test_the_article_speakers_come_from_suggestions_and_own_annotations(db, talk, team):
    first, second, third = talk["claims"][:3]
    hatami = add_speaker(db, team["project"], "Amir Hatami")
    baqeri = add_speaker(db, team["project"], "Mohammad Baqeri")
    db.execute(delete(Suggestion).where(Suggestion.claim_id.in_([c.id for c in talk["claims"]])))
    db.add(Suggestion(claim_id=third.id, field="speaker", value="Hatami", speaker_id=hatami.id))
    db.commit()
    _save(db, team, first, speaker_id=baqeri.id)
    db.commit()
    names = [s.name for s in article_speakers(db, talk["article"], team["annotator"])]
    assert names == ["Mohammad Baqeri", "Amir Hatami"]  # in the order of the text
    # Another annotator's speakers are not this one's (blind coding).
    assert [s.name for s in article_speakers(db, talk["article"], team["manager"])] == [
        "Amir Hatami"
    ]


def test_project_progress_and_the_next_article_count_done_only(db, talk, team):
    project, user = team["project"], team["annotator"]
    other, other_claims = add_article(db, project, "One more. And another.")
    db.commit()
    total = len(talk["claims"]) + len(other_claims)
    assert project_progress(db, project, user) == (total, 0)
    assert next_article_open(db, project, user, talk["article"]).id == other.id
    for claim in other_claims:
        _save(db, team, claim, status="draft", note="later")
    db.commit()
    assert project_progress(db, project, user) == (total, 0)  # drafts are not done
    assert next_article_open(db, project, user, talk["article"]).id == other.id
    for claim in other_claims:
        annotation = _annotation(db, claim)
        assert annotation is not None and annotation.status == "draft"
        save_annotation(
            db,
            project,
            claim,
            user,
            AnnotationInput(note="done", status="submitted"),
            base_version=annotation.version,
        )
        db.commit()  # (_annotation reads afresh: it ends the transaction)
    assert project_progress(db, project, user) == (total, len(other_claims))
    # None left in the other article: the next article is this one (going round).
    assert next_article_open(db, project, user, other).id == talk["article"].id
    assert next_article_open(db, project, user, talk["article"]) is None


def test_a_done_article_links_to_the_next_article_with_claims_left(web, db, talk, team):
    project = team["project"]
    other, _ = add_article(db, project, "A second article. With two claims.", title="Second")
    db.commit()
    for claim in talk["claims"]:
        _save(db, team, claim, note="seen")
    db.commit()
    web.login("ann")
    body = read(web.get(talk["page"]))
    assert "All claims done." in page_text(body)
    link = re.search(r'<a href="([^"]+)" id="next-article">([^<]+)</a>', body)
    assert link.group(1).endswith(f"/articles/{other.id}/annotate")
    assert "Second" in link.group(2)


def test_a_projects_own_keys_are_the_pages(web, db, talk, team):
    from workbench.ops.projects import set_project_keymap

    set_project_keymap(
        db, team["project"], "next: x ArrowDown\nverifiability: y\nstance: r", user=team["manager"]
    )
    db.commit()
    web.login("ann")
    body = read(web.get(talk["page"]))
    data = json.loads(
        html.unescape(re.search(r'id="page-data" hidden data-json="([^"]*)"', body).group(1))
    )
    assert data["keys"]["next"] == ["x", "ArrowDown"]
    assert 'data-field="verifiability" data-key="y"' in body
    target = talk["project"].targets[0]
    assert re.search(rf'data-field="stance_{target.id}" data-key="r"', body)
    help_box = body.split('id="help"', 1)[1].split("</table>", 1)[0]
    assert "<kbd>x</kbd> <kbd>ArrowDown</kbd>" in help_box
