"""Assigning articles: by hand, k per article, handing over; the queue and the modes."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.conftest import make_project, make_user
from tests.web.web_helpers import add_article
from workbench.errors import InvalidInput, NotFound, PermissionDenied
from workbench.models import Annotation, Assignment, HistoryEntry
from workbench.ops.annotations import AnnotationInput, annotation_state, save_annotation
from workbench.ops.assignments import (
    article_grant,
    assign,
    assign_k,
    assignment_counts,
    assignment_page,
    hand_over,
    queue,
    set_modes,
    unassign,
    unstarted_articles,
)
from workbench.ops.projects import set_member

pytestmark = pytest.mark.usefixtures("fast_passwords")

TEXTS = [f"Minister {n} said the talks went well. The talks resume on day {n}." for n in range(9)]


@pytest.fixture
def world(db):
    mona = make_user(db, "mona")
    coders = [make_user(db, name) for name in ("ann", "bob", "cy")]
    viewer = make_user(db, "vic")
    project = make_project(db, "Talks", targets=("Peace",), manager=mona, annotators=coders)
    set_member(db, project, viewer, "viewer")
    articles = [add_article(db, project, text, title=f"A{n}")[0] for n, text in enumerate(TEXTS)]
    db.commit()
    return {"project": project, "mona": mona, "coders": coders, "articles": articles, "db": db}


def _pairs(db, project):
    return sorted(
        (a, u)
        for a, u in db.execute(
            select(Assignment.article_id, Assignment.user_id).where(
                Assignment.project_id == project.id
            )
        )
    )


def test_k_per_article_is_balanced_and_turns_the_mode_on(world, db):
    project = world["project"]
    assert not project.assigned_only
    report = assign_k(db, project, ["ann", "bob", "cy"], 2, by=world["mona"])
    assert report.added == 18 and report.mode_turned_on
    assert project.assigned_only
    counts = assignment_counts(db, project)
    assert counts == {"ann": 6, "bob": 6, "cy": 6, "mona": 0}
    per_article = db.execute(
        select(Assignment.article_id, func.count()).group_by(Assignment.article_id)
    ).all()
    assert {n for _, n in per_article} == {2}
    assert "Made 18 assignments: ann 6, bob 6, cy 6." in report.summary()
    actions = list(db.scalars(select(HistoryEntry.action).where(HistoryEntry.entity == "project")))
    assert actions[-2:] == ["assign", "assignment-mode"]


def test_a_second_run_assigns_only_new_articles(world, db):
    project = world["project"]
    first_five = [a.id for a in world["articles"][:5]]
    assign_k(db, project, ["ann", "bob", "cy"], 2, article_ids=first_five)
    before = _pairs(db, project)
    report = assign_k(db, project, ["ann", "bob", "cy"], 2)
    after = _pairs(db, project)
    assert set(before) <= set(after)
    new_articles = {a for a, _ in set(after) - set(before)}
    assert new_articles == {a.id for a in world["articles"][5:]}
    counts = assignment_counts(db, project)
    assert (
        max(counts[n] for n in ("ann", "bob", "cy")) - min(counts[n] for n in ("ann", "bob", "cy"))
        <= 1
    )
    again = assign_k(db, project, ["ann", "bob", "cy"], 2)
    assert again.added == 0 and again.already == 9
    assert "each had its annotators already" in again.summary()
    assert report.added == 8


def test_bad_choices_are_refused_and_change_nothing(world, db):
    project = world["project"]
    with pytest.raises(InvalidInput, match="between 1 and the 3 chosen"):
        assign_k(db, project, ["ann", "bob", "cy"], 4)
    with pytest.raises(InvalidInput, match="Not a member of this project: ghost"):
        assign_k(db, project, ["ann", "ghost"], 1)
    with pytest.raises(InvalidInput, match="not vic"):
        assign(db, project, [world["articles"][0].id], ["vic"])
    other = make_project(db, "Other", targets=("X",), manager=world["mona"])
    foreign, _ = add_article(db, other, "Another text. Two sentences here.")
    with pytest.raises(NotFound, match=str(foreign.id)):
        assign(db, project, [foreign.id], ["ann"])
    db.rollback()
    assert _pairs(db, project) == [] and not project.assigned_only


def test_an_annotator_annotates_only_assigned_articles_once_the_project_assigns(world, db):
    project, (ann, bob, _) = world["project"], world["coders"]
    first, second = world["articles"][:2]
    claim = first.claims[0]
    # Before: open to every annotator.
    annotation_state(db, bob, project.id, claim.id)
    assign(db, project, [first.id], ["ann"])
    db.commit()
    assert article_grant(db, project.id, ann.id, first.id).open_to_annotator
    assert not article_grant(db, project.id, bob.id, first.id).open_to_annotator
    annotation_state(db, ann, project.id, claim.id)
    with pytest.raises(PermissionDenied, match="not assigned to you"):
        annotation_state(db, bob, project.id, claim.id)
    # The manager annotates anything; turning the mode off opens it again.
    annotation_state(db, world["mona"], project.id, second.claims[0].id)
    set_modes(db, project, assigned_only=False)
    annotation_state(db, bob, project.id, claim.id)


def test_hand_over_moves_only_unstarted_articles(world, db):
    project, (ann, _, cy) = world["project"], world["coders"]
    a0, a1, a2 = world["articles"][:3]
    assign(db, project, [a0.id, a1.id, a2.id], ["ann"])
    assign(db, project, [a1.id], ["bob"])
    save_annotation(
        db, project, a0.claims[0], ann, AnnotationInput(status="draft"), base_version=None
    )
    assert unstarted_articles(db, project, ann) == [a1.id, a2.id]
    report = hand_over(db, project, ann, ["bob", "cy"], by=world["mona"])
    assert report.added == 2
    pairs = _pairs(db, project)
    assert (a0.id, ann.id) in pairs  # started: stays hers
    assert (a1.id, ann.id) not in pairs and (a2.id, ann.id) not in pairs
    assert (a1.id, cy.id) in pairs  # bob had a1 already
    assert db.scalar(select(func.count()).select_from(Annotation)) == 1
    with pytest.raises(InvalidInput, match="someone else"):
        hand_over(db, project, ann, ["ann"])


def test_unassign_and_the_queue(world, db):
    project, (ann, _, _) = world["project"], world["coders"]
    a0, a1 = world["articles"][:2]
    assign(db, project, [a0.id, a1.id], ["ann"])
    claim = a0.claims[0]
    save_annotation(db, project, claim, ann, AnnotationInput(note="ok"), base_version=None)
    items, total, finished = queue(db, project, ann)
    assert total == 2 and finished == (1 if len(a0.claims) == 1 else 0)
    by_id = {i.article_id: i for i in items}
    assert (by_id[a0.id].claims, by_id[a0.id].done, by_id[a0.id].state) == (
        len(a0.claims),
        1,
        "started" if len(a0.claims) > 1 else "done",
    )
    assert by_id[a1.id].state == "not started"
    unassign(db, project, a1.id, "ann")
    assert queue(db, project, ann)[1] == 1
    with pytest.raises(NotFound, match="not assigned to ann"):
        unassign(db, project, a1.id, "ann")
    current, page = assignment_page(db, project)
    assert current.total == 9
    row = next(r for r in page if r.article_id == a0.id)
    assert [(p.username, p.done) for p in row.assignees] == [("ann", 1)]


def test_blind_mode_is_recorded(world, db):
    project = world["project"]
    assert project.blind
    said = set_modes(db, project, blind=False, by=world["mona"])
    assert said == [
        "Blind mode is off: annotators may see each other's annotations in a claim's history."
    ]
    assert set_modes(db, project, blind=False) == []
    entry = db.scalars(select(HistoryEntry).order_by(HistoryEntry.id.desc())).first()
    assert (entry.action, entry.before, entry.after) == (
        "blind-mode",
        {"blind": True},
        {"blind": False},
    )


def test_two_k_per_article_runs_at_once_take_turns(session, database_url, engine):
    """PostgreSQL: the second run waits for the first and plans from what it stored,
    so no pair is doubled (no server error) and the balance holds."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite writes one transaction at a time: these cannot interleave")
    from tests.ops.conftest import while_open
    from workbench.models import Project

    mona = make_user(session, "mona")
    coders = [make_user(session, n) for n in ("ann", "bob", "cy")]
    project = make_project(session, "Race", targets=("Peace",), manager=mona, annotators=coders)
    for n, text in enumerate(TEXTS):
        add_article(session, project, text, title=f"A{n}")
    session.commit()
    pid = project.id

    def run(s):
        return assign_k(s, s.get(Project, pid), ["ann", "bob", "cy"], 2)

    second = while_open(database_url, run, run)
    assert not isinstance(second, Exception), second
    assert second.added == 0
    session.expire_all()
    counts = assignment_counts(session, session.get(Project, pid))
    assert sorted(counts.values()) == [0, 6, 6, 6]
