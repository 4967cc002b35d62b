"""Blind mode on every page and endpoint: whatever an annotator can request, no other
annotator's labels, notes or history come back."""

from __future__ import annotations

import pytest

from tests.conftest import Web, make_user
from tests.web.test_access import _routes, _url, _values
from tests.web.web_helpers import add_article, add_speaker, read
from workbench.ops.annotations import AnnotationInput, save_annotation
from workbench.ops.projects import set_member

SECRET = "bob-only-note-7f3a"
OWN = "ann-own-note-19c2"


@pytest.fixture
def world(db, team):
    project = team["project"]
    bob = make_user(db, "bob")
    set_member(db, project, bob, "annotator")
    article, claims = add_article(db, project, "Baqeri said the talks went well. They resume.")
    speaker = add_speaker(db, project)
    target = project.targets[0].id
    values = AnnotationInput(
        note=SECRET, attribution="indirect", verifiability="opinion", stances={target: "against"}
    )
    annotation = save_annotation(db, project, claims[0], bob, values, base_version=None)
    # A second version, so that the history has a change of bob's annotation.
    values = AnnotationInput(note=SECRET + " again", attribution="indirect")
    save_annotation(db, project, claims[0], bob, values, base_version=annotation.version)
    save_annotation(db, project, claims[1], team["annotator"], AnnotationInput(note=OWN),
                    base_version=None)  # fmt: skip
    db.commit()
    return {
        "project_id": project.id,
        "article_id": article.id,
        "claim_id": claims[0].id,
        "speaker_id": speaker.id,
        "user_id": team["annotator"].id,
    }


def _every_get(app, web, ids):
    pages = {}
    for endpoint, method, rule in _routes(app):
        if method != "GET" or endpoint == "static":
            continue
        url = _url(app, endpoint, _values(rule, ids))
        response = web.get(url)
        pages[url] = (response.status_code, read(response))
    # The claims of the article, each selected in turn, and its JSON.
    for query in (f"?claim={ids['claim_id']}", "?at=1", "?at=2"):
        base = f"/projects/{ids['project_id']}/articles/{ids['article_id']}"
        for url in (f"{base}/annotate{query}", f"/api{base}/workspace{query}"):
            response = web.get(url)
            pages[url] = (response.status_code, read(response))
    return pages


@pytest.mark.parametrize("assigned_only", [False, True])
def test_an_annotator_never_sees_another_annotators_work(app, db, world, team, assigned_only):
    if assigned_only:
        from workbench.ops.assignments import assign

        project = team["project"]
        assign(db, project, [world["article_id"]], ["ann", "bob"])
        db.commit()
    ann = Web(app.test_client())
    ann.login("ann")
    pages = _every_get(app, ann, world)
    seen = [url for url, (_, body) in pages.items() if OWN in body]
    assert seen, "the annotator's own note shows somewhere (the test reaches her pages)"
    leaked = [url for url, (_, body) in pages.items() if SECRET in body]
    assert not leaked, f"another annotator's note reached the annotator: {leaked}"
    history = pages[f"/projects/{world['project_id']}/claims/{world['claim_id']}/history"]
    assert history[0] == 200 and "indirect" not in history[1] and "against" not in history[1]


def test_adjudicators_and_managers_see_every_annotation(app, db, world, team):
    set_member(db, team["project"], make_user(db, "adele"), "adjudicator")
    db.commit()
    for name in ("adele", "mona"):
        web = Web(app.test_client())
        web.login(name)
        body = read(web.get(f"/projects/{world['project_id']}/claims/{world['claim_id']}/history"))
        assert SECRET in body, name


def test_with_blind_mode_off_the_same_walk_finds_the_note(app, db, world, team):
    """The walk above can fail: with blind mode off, the claim's history shows bob's note."""
    team["project"].blind = False
    db.commit()
    ann = Web(app.test_client())
    ann.login("ann")
    leaked = [url for url, (_, body) in _every_get(app, ann, world).items() if SECRET in body]
    assert leaked == [f"/projects/{world['project_id']}/claims/{world['claim_id']}/history"]
