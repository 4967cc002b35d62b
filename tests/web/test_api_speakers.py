"""The speaker picker's JSON endpoints: search (ranking, folding, roster, merged
speakers, limits) and adding a speaker (limits, clashes, history, refusals, CSRF)."""

from __future__ import annotations

import dataclasses
import json

import pytest
from sqlalchemy import delete, func, select

from tests.conftest import make_project
from tests.web.web_helpers import add_article, add_speaker
from workbench import permissions
from workbench.models import HistoryEntry, Speaker, SpeakerAlias, Suggestion
from workbench.ops.annotations import AnnotationInput, save_annotation
from workbench.ops.speakers import merge_speakers


def api_token(web):
    return web.get("/api/session").get_json()["csrf_token"]


def post_json(web, url, body, token="", *, raw=None):
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["X-CSRFToken"] = token
    data = raw if raw is not None else json.dumps(body)
    return web.client.post(url, data=data, headers=headers)


def search(web, project, **args):
    response = web.get(f"/api/projects/{project.id}/speakers", query_string=args)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def shown(answer):
    return [s["name"] for s in answer["speakers"]]


def counts(db):
    db.expire_all()
    return (
        db.scalar(select(func.count()).select_from(Speaker)),
        db.scalar(select(func.count()).select_from(SpeakerAlias)),
        db.scalar(select(func.count()).select_from(HistoryEntry)),
    )


@pytest.fixture
def article(db, team):
    article, claims = add_article(db, team["project"])
    db.execute(delete(Suggestion).where(Suggestion.claim_id.in_([c.id for c in claims])))
    db.commit()
    return article, claims


def test_search_answers_each_speaker_with_its_fields(web, db, team):
    project = team["project"]
    speaker = add_speaker(
        db, project, "Mohammad Bāqerī", title="Chief of Staff", aliases=["Baqeri"]
    )
    db.commit()
    web.login("ann")
    assert search(web, project, q="BAQERI") == {
        "speakers": [
            {
                "id": speaker.id,
                "name": "Mohammad Bāqerī",
                "type": "person",
                "title": "Chief of Staff",
                "aliases": ["Baqeri"],
                "in_roster": False,
                "matched": "name",
            }
        ],
        "more": False,
    }
    assert shown(search(web, project, q="bāqeri")) == ["Mohammad Bāqerī"]
    assert search(web, project, q="chief")["speakers"][0]["matched"] == "title: Chief of Staff"
    assert search(web, project, q="nobody") == {"speakers": [], "more": False}


def test_search_ranks_word_starts_then_roster_then_use_then_name(web, db, team, article):
    project, ann = team["project"], team["annotator"]
    art, claims = article
    inside = add_speaker(db, project, "Akhali")
    add_speaker(db, project, "Ali Zand")
    used = add_speaker(db, project, "Ali Yazdi")
    roster = add_speaker(db, project, "Ali Xavier", aliases=["The envoy"])
    add_speaker(db, project, "Ali Abbasi")
    other, other_claims = add_article(db, project, "Someone spoke. Nobody listened.", title="B")
    save_annotation(
        db, project, other_claims[0], ann, AnnotationInput(speaker_id=used.id), base_version=None
    )
    save_annotation(
        db, project, claims[0], ann, AnnotationInput(speaker_id=inside.id), base_version=None
    )
    db.add(Suggestion(claim_id=claims[1].id, field="speaker", value="x", speaker_id=roster.id))
    db.commit()
    web.login("ann")
    answer = search(web, project, q="ali", article=art.id)
    assert shown(answer) == ["Ali Xavier", "Ali Yazdi", "Ali Abbasi", "Ali Zand", "Akhali"]
    assert [s["in_roster"] for s in answer["speakers"]] == [True, False, False, False, True]
    assert search(web, project, q="envoy", article=art.id)["speakers"][0]["matched"] == (
        "alias: The envoy"
    )
    # The empty query: the roster in order of first appearance, then the most used.
    assert shown(search(web, project, article=art.id)) == [
        "Akhali",
        "Ali Xavier",
        "Ali Yazdi",
        "Ali Abbasi",
        "Ali Zand",
    ]


def test_merged_speakers_are_hidden_and_their_target_shown(web, db, team):
    project = team["project"]
    short = add_speaker(db, project, "Baqeri")
    full = add_speaker(db, project, "Mohammad Baqeri")
    merge_speakers(db, short, full, user=team["manager"])
    db.commit()
    web.login("ann")
    answer = search(web, project, q="baqeri")
    assert [(s["id"], s["name"]) for s in answer["speakers"]] == [(full.id, "Mohammad Baqeri")]
    assert answer["speakers"][0]["aliases"] == ["Baqeri"]


def test_search_limits(web, db, team):
    project = team["project"]
    for number in range(55):
        add_speaker(db, project, f"Speaker {number:02}")
    db.commit()
    web.login("ann")
    default = search(web, project, q="speaker")
    assert (len(default["speakers"]), default["more"]) == (20, True)
    most = search(web, project, q="speaker", limit=50)
    assert (len(most["speakers"]), most["more"]) == (50, True)
    assert search(web, project, q="speaker 5", limit=50)["more"] is False
    assert len(search(web, project, q="speaker", limit="007")["speakers"]) == 7
    assert len(search(web, project, q="speaker", limit="")["speakers"]) == 20
    url = f"/api/projects/{project.id}/speakers"
    for args, status, words in [
        ({"limit": "51"}, 400, "from 1 to 50"),
        ({"limit": "0"}, 400, "from 1 to 50"),
        ({"limit": "0000051"}, 400, "from 1 to 50"),
        ({"limit": "9" * 30}, 400, "from 1 to 50"),
        ({"limit": "ten"}, 400, "from 1 to 50"),
        ({"limit": "-1"}, 400, "from 1 to 50"),
        ({"limit": "٣"}, 400, "from 1 to 50"),
        ({"article": "x"}, 400, "whole number"),
        ({"article": "999999"}, 404, "No such article"),
        ({"q": "x" * 301}, 400, "at most 300"),
    ]:
        response = web.get(url, query_string=args)
        assert response.status_code == status, (args, response.get_json())
        assert words in response.get_json()["message"], (args, response.get_json())


def test_search_refuses_an_article_of_another_project(web, db, team):
    other = make_project(db, "Other", manager=team["manager"], annotators=[team["annotator"]])
    foreign, _ = add_article(db, other)
    db.commit()
    web.login("ann")
    response = web.get(
        f"/api/projects/{team['project'].id}/speakers", query_string={"article": foreign.id}
    )
    assert response.status_code == 404
    assert response.get_json()["message"] == "No such article in this project."


def test_search_refusals_are_json(web, db, team):
    project = team["project"]
    url = f"/api/projects/{project.id}/speakers"
    response = web.get(url)
    assert (response.status_code, response.get_json()["message"]) == (403, "Log in first.")
    web.login("stan")
    response = web.get(url)
    assert response.status_code == 404
    assert response.get_json()["error"] == "Not found"


def test_add_a_speaker(web, db, team):
    project = team["project"]
    web.login("ann")
    token = api_token(web)
    url = f"/api/projects/{project.id}/speakers"
    body = {
        "name": "  Aziz   Nasirzadeh ",
        "type": "person",
        "title": "Defence Minister",
        "aliases": ["Nasirzadeh", " Gen. Nasirzadeh "],
    }
    response = post_json(web, url, body, token)
    assert response.status_code == 201, response.get_json()
    speaker = response.get_json()["speaker"]
    assert speaker == {
        "id": speaker["id"],
        "name": "Aziz Nasirzadeh",
        "type": "person",
        "title": "Defence Minister",
        "aliases": ["Gen. Nasirzadeh", "Nasirzadeh"],
    }
    db.expire_all()
    entry = db.scalars(
        select(HistoryEntry).where(
            HistoryEntry.entity == "speaker", HistoryEntry.entity_id == speaker["id"]
        )
    ).one()
    assert (entry.action, entry.user_id, entry.before) == ("create", team["annotator"].id, None)
    assert entry.after["aliases"] == ["Gen. Nasirzadeh", "Nasirzadeh"]
    # The new speaker is found at once (the cached registry follows the history).
    assert shown(search(web, project, q="nasir")) == ["Aziz Nasirzadeh"]
    minimal = post_json(web, url, {"name": "Tasnim", "type": "outlet"}, token)
    assert minimal.status_code == 201
    assert minimal.get_json()["speaker"]["title"] == ""


def test_a_name_or_alias_the_registry_has_is_409_with_that_speaker(web, db, team):
    project = team["project"]
    full = add_speaker(db, project, "Mohammad Baqeri", aliases=["Baqeri"], title="Chief")
    short = add_speaker(db, project, "General B")
    merge_speakers(db, short, full, user=team["manager"])
    db.commit()
    web.login("ann")
    token = api_token(web)
    url = f"/api/projects/{project.id}/speakers"
    before = counts(db)
    expected = {
        "id": full.id,
        "name": "Mohammad Baqeri",
        "type": "person",
        "title": "Chief",
        "aliases": ["Baqeri", "General B"],
    }
    for body in [
        {"name": "Mohammad Baqeri"},
        {"name": "mohammad baqeri"},
        {"name": "BAQERI"},
        {"name": "Someone New", "aliases": ["baqeri"]},
        {"name": "General B"},
    ]:
        response = post_json(web, url, body, token)
        assert response.status_code == 409, (body, response.get_json())
        answer = response.get_json()
        assert answer["error"] == "Conflict"
        assert answer["speaker"] == expected, body
        assert answer["message"]
    assert counts(db) == before


def test_bad_new_speakers_are_400_naming_the_field(web, db, team):
    project = team["project"]
    add_speaker(db, project, "Existing")
    db.commit()
    web.login("ann")
    token = api_token(web)
    url = f"/api/projects/{project.id}/speakers"
    before = counts(db)
    cases = [
        ({"name": ""}, "name", "needs a name"),
        ({"name": "   "}, "name", "needs a name"),
        ({"type": "person"}, "name", "needs a name"),
        ({"name": "x" * 301}, "name", "at most 300"),
        ({"name": 7}, "name", "must be a string"),
        ({"name": "A", "type": "alien"}, "type", "Unknown speaker type"),
        ({"name": "A", "type": None}, "type", "must be a string"),
        ({"name": "A", "title": "t" * 301}, "title", "at most 300"),
        ({"name": "A", "aliases": ["a" * 301]}, "aliases", "at most 300"),
        ({"name": "A", "aliases": ["", "B"]}, "aliases", "empty"),
        ({"name": "A", "aliases": ["  "]}, "aliases", "empty"),
        ({"name": "A", "aliases": "B; C"}, "aliases", "list of strings"),
        ({"name": "A", "aliases": [3]}, "aliases", "list of strings"),
        ({"name": "A", "aliases": ["b" * 300, "c" * 300, "d" * 300, "e" * 95]}, "aliases", "1000"),
        ({"name": "A", "colour": "red"}, "colour", "Unknown field"),
    ]
    for body, field, words in cases:
        response = post_json(web, url, body, token)
        assert response.status_code == 400, (body, response.get_json())
        answer = response.get_json()
        assert answer["field"] == field, (body, answer)
        assert words in answer["message"], (body, answer)
    for raw in ("[1, 2]", "not json", '"name"'):
        response = post_json(web, url, None, token, raw=raw)
        assert response.status_code == 400, raw
        assert "JSON object" in response.get_json()["message"]
    assert counts(db) == before
    # Right at the limits it is taken.
    fits = ["b" * 300, "c" * 300, "d" * 300, "e" * 94]
    response = post_json(web, url, {"name": "A", "title": "t" * 300, "aliases": fits}, token)
    assert response.status_code == 201, response.get_json()


def test_adding_needs_the_csrf_token(web, db, team):
    project = team["project"]
    web.login("ann")
    url = f"/api/projects/{project.id}/speakers"
    before = counts(db)
    for token in (None, "bogus"):
        response = post_json(web, url, {"name": "Sneaky"}, token)
        assert response.status_code == 400, token
        assert response.is_json
        assert response.get_json()["error"] == "The form has expired"
    assert counts(db) == before


def test_adding_refusals_are_json(web, db, team, monkeypatch):
    project = team["project"]
    url = f"/api/projects/{project.id}/speakers"
    before = counts(db)
    # Logged out, with a valid token (from the login page): refused as JSON.
    response = post_json(web, url, {"name": "X"}, web.refresh_token("/login"))
    assert (response.status_code, response.get_json()["message"]) == (403, "Log in first.")
    web.login("stan")
    token = api_token(web)
    response = post_json(web, url, {"name": "X"}, token)
    assert (response.status_code, response.get_json()["error"]) == (404, "Not found")
    web.client.post("/logout", data={"csrf_token": token})
    response = web.get(f"/api/projects/{project.id}/speakers")
    assert response.status_code == 403
    # A member without the permission (an annotator has it: narrowed for the test).
    narrowed = dataclasses.replace(permissions.ACTIONS["add-speaker"], roles=frozenset({"manager"}))
    monkeypatch.setitem(permissions.ACTIONS, "add-speaker", narrowed)
    web.login("ann")
    token = api_token(web)
    response = post_json(web, url, {"name": "X"}, token)
    assert response.status_code == 403
    assert response.get_json() == {
        "error": "Not allowed",
        "message": "You do not have permission to do that.",
    }
    assert search(web, project, q="x") == {"speakers": [], "more": False}
    assert counts(db) == before
