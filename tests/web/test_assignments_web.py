"""The assignment page, the annotator's queue, assigned-only access and blind mode, in
the browser's terms (forms and pages, no JavaScript)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.conftest import Web, make_user
from tests.web.web_helpers import add_article, page_text, read, snapshot
from workbench.models import Assignment
from workbench.ops.annotations import AnnotationInput, save_annotation
from workbench.ops.projects import set_member

TEXTS = [f"Minister {n} said the talks went well. The talks resume on day {n}." for n in range(4)]


@pytest.fixture
def world(db, team):
    project = team["project"]
    bob = make_user(db, "bob")
    set_member(db, project, bob, "annotator")
    set_member(db, project, make_user(db, "vic"), "viewer")
    articles = [
        add_article(db, project, text, title=f"Story {n}")[0] for n, text in enumerate(TEXTS)
    ]
    db.commit()
    return {"project": project, "articles": articles, "bob": bob, **team}


def _as(app, username) -> Web:
    web = Web(app.test_client())
    assert web.login(username).status_code == 302
    return web


def _flash(web, response) -> str:
    assert response.status_code == 302, read(response)[:500]
    return page_text(read(web.get(response.location)))


def test_a_manager_assigns_k_per_article_and_the_annotators_see_their_queue(app, db, world):
    pid = world["project"].id
    mona = _as(app, "mona")
    page = page_text(read(mona.get(f"/projects/{pid}/assignments")))
    assert "Off: every annotator may annotate every article" in page
    response = mona.post(
        f"/projects/{pid}/assignments/auto", {"auto-k": "1", "auto-annotators": ["ann", "bob"]}
    )
    said = _flash(mona, response)
    assert "Made 4 assignments: ann 2, bob 2." in said
    assert "Annotators now annotate only the articles assigned to them." in said
    ann = _as(app, "ann")
    home = page_text(read(ann.get("/")))
    assert "Your queue" in home and "0 of 2 assigned articles done" in home
    mine = set(
        db.scalars(select(Assignment.article_id).where(Assignment.user_id == world["annotator"].id))
    )
    others = [a for a in world["articles"] if a.id not in mine]
    # Her project page lists her articles; another's article is refused with the reason.
    project_page = page_text(read(ann.get(f"/projects/{pid}")))
    assert "Your articles 2" in project_page
    assert all(a.title not in project_page for a in others)
    refused = ann.get(f"/projects/{pid}/articles/{others[0].id}/annotate")
    assert refused.status_code == 403
    assert "This article is not assigned to you" in page_text(read(refused))
    assert ann.get(f"/projects/{pid}/articles/{min(mine)}/annotate").status_code == 200


def test_bad_assignment_forms_say_why_and_change_nothing(app, db, world):
    pid = world["project"].id
    mona = _as(app, "mona")
    before = snapshot(app)
    ann = ["ann"]
    cases = [
        ("auto", {"auto-k": "3", "auto-annotators": ["ann", "bob"]}, "between 1 and the 2 chosen"),
        ("auto", {"auto-k": "1", "auto-annotators": ["vic"]}, "'vic' is not a valid choice"),
        ("manual", {"manual-articles": "1, x", "manual-annotators": ann}, "'x' is not an article"),
        ("manual", {"manual-articles": "5-2", "manual-annotators": ann}, "runs backwards"),
        ("manual", {"manual-articles": "99999", "manual-annotators": ann}, "No such article in"),
        ("manual", {"manual-articles": "1-20000", "manual-annotators": ann}, "At most 10,000"),
        ("hand-over", {"hand-username": "ann", "hand-to": ["bob"]}, "ann has no unstarted"),
    ]
    for path, data, message in cases:
        response = mona.post(f"/projects/{pid}/assignments/{path}", data)
        assert response.status_code in (400, 404), (path, data)
        assert message in page_text(read(response)), (path, data)
    assert snapshot(app) == before


def test_manual_assignment_unassign_and_the_modes(app, db, world):
    pid = world["project"].id
    a0, a1 = world["articles"][:2]
    mona = _as(app, "mona")
    said = _flash(
        mona,
        mona.post(
            f"/projects/{pid}/assignments/manual",
            {"manual-articles": f"{a0.id}-{a1.id}", "manual-annotators": ["bob"]},
        ),
    )
    assert "Made 2 assignments: bob 2." in said
    said = _flash(
        mona,
        mona.post(
            f"/projects/{pid}/assignments/unassign",
            {"unassign-article": str(a1.id), "unassign-username": "bob"},
        ),
    )
    assert f"Article {a1.id} is no longer assigned to bob" in said
    said = _flash(
        mona,
        mona.post(
            f"/projects/{pid}/assignments/modes", {"modes-save": "modes", "modes-blind": "y"}
        ),
    )
    assert "Annotators may now annotate any article." in said
    history = page_text(read(mona.get(f"/projects/{pid}/history")))
    for words in ("Articles assigned", "Article unassigned", "Assignment mode changed"):
        assert words in history


def test_removing_an_annotator_hands_their_unstarted_articles_over(app, db, world):
    project, bob = world["project"], world["bob"]
    a0, a1, a2 = world["articles"][:3]
    mona = _as(app, "mona")
    mona.post(
        f"/projects/{project.id}/assignments/manual",
        {"manual-articles": f"{a0.id} {a1.id} {a2.id}", "manual-annotators": ["bob"]},
    )
    save_annotation(db, project, a0.claims[0], bob, AnnotationInput(note="x"), base_version=None)
    db.commit()
    members = page_text(read(mona.get(f"/projects/{project.id}/members")))
    assert "hand their unstarted articles to the other annotators" in members
    said = _flash(
        mona,
        mona.post(f"/projects/{project.id}/members/remove", {"username": "bob", "hand_over": "y"}),
    )
    assert "their annotations stay. Their unstarted articles: Made 2 assignments" in said
    rows = db.execute(select(Assignment.article_id, Assignment.user_id)).all()
    assert sorted(rows) == [(a1.id, world["annotator"].id), (a2.id, world["annotator"].id)]
    assert db.scalar(select(func.count()).select_from(Assignment)) == 2


def test_blind_mode_hides_other_annotations_in_a_claims_history(app, db, world):
    project = world["project"]
    claim = world["articles"][0].claims[0]
    save_annotation(
        db, project, claim, world["bob"], AnnotationInput(note="bob's secret"), base_version=None
    )
    save_annotation(
        db, project, claim, world["annotator"], AnnotationInput(note="ann's own"), base_version=None
    )
    db.commit()
    url = f"/projects/{project.id}/claims/{claim.id}/history"
    ann = _as(app, "ann")
    page = page_text(read(ann.get(url)))
    assert "ann's own" in page and "bob's secret" not in page
    project.blind = False
    db.commit()
    assert "bob's secret" in page_text(read(ann.get(url)))


def test_a_viewer_sees_claims_read_only_and_saves_nothing(app, db, world):
    project = world["project"]
    article = world["articles"][0]
    vic = _as(app, "vic")
    page = read(vic.get(f"/projects/{project.id}/articles/{article.id}/annotate"))
    assert "You see this claim read-only" in page_text(page)
    assert '<fieldset class="plain" disabled>' in page
    assert 'id="history-link"' not in page
    before = snapshot(app)
    claim = article.claims[0]
    response = vic.post(
        f"/projects/{project.id}/claims/{claim.id}/annotation", {"note": "x", "base_version": ""}
    )
    assert response.status_code == 403
    assert snapshot(app) == before
