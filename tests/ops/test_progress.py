"""The progress dashboard's numbers, and the server-drawn charts."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.conftest import make_project, make_user
from tests.ops.test_export_suggestions import set_suggestions
from tests.web.web_helpers import add_article
from workbench.charts import ago, share_bars, stacked_bars
from workbench.ops.annotations import AnnotationInput, save_annotation
from workbench.ops.assignments import assign
from workbench.ops.progress import article_rows, dashboard

pytestmark = pytest.mark.usefixtures("fast_passwords")

TEXT = "Minister A said the talks went well. Minister B said they failed. They resume today."


@pytest.fixture
def world(db):
    mona = make_user(db, "mona")
    ann, bob = make_user(db, "ann"), make_user(db, "bob")
    project = make_project(db, "Talks", targets=("Peace",), manager=mona, annotators=[ann, bob])
    first, claims = add_article(db, project, TEXT, title="First")
    second, more = add_article(db, project, TEXT + " Again.", title="Second")
    db.commit()
    return {"project": project, "ann": ann, "bob": bob, "claims": claims, "more": more,
            "first": first, "second": second}  # fmt: skip


def test_counts_per_annotator_and_article(db, world):
    project, ann, bob, claims = world["project"], world["ann"], world["bob"], world["claims"]
    for claim in claims:
        save_annotation(db, project, claim, ann, AnnotationInput(note="n"), base_version=None)
    save_annotation(
        db, project, claims[0], bob, AnnotationInput(note="d", status="draft"), base_version=None
    )
    db.commit()
    board = dashboard(db, project)
    total = len(claims) + len(world["more"])
    assert board.claims == total and board.articles == 2
    people = {p.username: p for p in board.annotators}
    assert (people["ann"].done, people["ann"].draft, people["ann"].not_started) == (
        len(claims),
        0,
        len(world["more"]),
    )
    assert (people["bob"].done, people["bob"].draft, people["bob"].not_started) == (0, 1, total - 1)
    assert people["mona"].last_active is None and people["ann"].last_active is not None
    _, rows = article_rows(db, project)
    first = rows[0]
    assert (first.claims, first.annotators, first.finished, first.done, first.draft) == (
        len(claims),
        2,
        1,
        len(claims),
        1,
    )


def test_assigned_work_is_what_is_expected(db, world):
    project, ann = world["project"], world["ann"]
    assign(db, project, [world["first"].id], ["ann"])
    db.commit()
    people = {p.username: p for p in dashboard(db, project).annotators}
    assert people["ann"].expected == len(world["claims"])
    assert people["bob"].expected == 0 and people["bob"].not_started == 0
    _, rows = article_rows(db, project)
    assert [r.annotators for r in rows] == [1, 0]
    assert ann  # (assigned by name)


def test_suggestions_kept_unchanged_per_field(db, world):
    project, ann, bob, claims = world["project"], world["ann"], world["bob"], world["claims"]
    for claim in claims[:2]:
        set_suggestions(db, claim, attribution="direct")
    db.commit()
    # ann keeps both suggestions, bob changes one and keeps the other.
    for claim in claims[:2]:
        save_annotation(db, project, claim, ann, AnnotationInput(attribution="direct"),
                        base_version=None)  # fmt: skip
    save_annotation(db, project, claims[0], bob, AnnotationInput(attribution="indirect"),
                    base_version=None)  # fmt: skip
    save_annotation(db, project, claims[1], bob, AnnotationInput(attribution="direct"),
                    base_version=None)  # fmt: skip
    db.commit()
    board = dashboard(db, project)
    people = {p.username: p for p in board.annotators}
    assert people["ann"].kept["attribution"] == (2, 2)
    assert people["bob"].kept["attribution"] == (1, 2)
    assert board.kept["attribution"] == (3, 4)
    assert board.kept["speaker"] == (0, 0)


def test_charts_escape_their_labels_and_scale_to_the_largest():
    svg = stacked_bars(
        [("<b>ann</b>", {"done": 3, "draft": 1}), ("bob", {"done": 1})],
        ("done", "draft"),
        title="A & B",
    )
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert "<b>" not in svg and "&lt;b&gt;ann&lt;/b&gt;" in svg and "A &amp; B" in svg
    assert "<title>&lt;b&gt;ann&lt;/b&gt;: 3 done</title>" in svg
    empty = stacked_bars([], ("done",), title="none")
    assert "<rect" in empty and "NaN" not in empty  # only the legend
    shares = share_bars([("Speaker", 0.5, 4), ("Via", None, 0)], title="kept")
    assert "50% of 4" in shares and "none" in shares


@pytest.mark.parametrize(
    ("delta", "said"),
    [
        (None, "never"),
        (timedelta(seconds=5), "just now"),
        (timedelta(minutes=5), "5 min ago"),
        (timedelta(hours=3, minutes=2), "3 h ago"),
        (timedelta(days=1), "1 day ago"),
        (timedelta(days=9), "9 days ago"),
    ],
)
def test_ago(delta, said):
    assert ago(delta) == said
