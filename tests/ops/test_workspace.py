"""The annotate page's state (ops.workspace): a window of claims around the
selected one, stretches loaded on scrolling, counts from SQL, bounded parameters."""

from __future__ import annotations

import pytest
from sqlalchemy import event, select

from tests.bulk import make_long_article
from tests.conftest import make_project, make_user
from workbench.errors import NotFound
from workbench.models import Claim
from workbench.ops.annotations import AnnotationInput, save_annotation
from workbench.ops.claims import active_claims, merge_with_next
from workbench.ops.workspace import build_workspace, claims_stretch, progress_counts

pytestmark = pytest.mark.usefixtures("fast_passwords")


@pytest.fixture
def long(session):
    user = make_user(session, "ann")
    project = make_project(session, "Long", manager=user)
    article = make_long_article(session, project, 30)
    session.flush()
    return project, article, user, active_claims(session, article)


def _annotate(session, project, user, claim):
    save_annotation(
        session, project, claim, user, AnnotationInput(verifiability="opinion"), base_version=None
    )


def test_the_window_holds_the_claims_near_the_selected_one(session, long):
    project, article, user, claims = long
    ws = build_workspace(session, project, article.id, user, claim_id=claims[15].id, window=3)
    assert [c.id for c in ws.claims] == [c.id for c in claims[12:19]]
    assert ws.selected.id == claims[15].id
    assert (ws.window.previous.id, ws.window.following.id) == (claims[11].id, claims[19].id)
    assert (ws.total, ws.done) == (30, 0)
    # near the start and the end, the window is cut short and shows the text's ends
    first = build_workspace(session, project, article.id, user, claim_id=claims[1].id, window=3)
    assert [c.id for c in first.claims] == [c.id for c in claims[:5]]
    assert first.window.previous is None and first.window.text_start == 0
    last = build_workspace(session, project, article.id, user, position=30, window=3)
    assert last.selected.id == claims[-1].id
    assert last.window.following is None and last.window.text_end == len(article.text)


def test_scrolling_both_ways_shows_the_whole_text_once(session, long):
    """The window and the stretches loaded before and after it, put together,
    are the article's text exactly, with every active claim once, in order."""
    project, article, user, claims = long
    merge_with_next(session, claims[20], user=None)  # claims[21] is merged away
    claims = active_claims(session, article)
    ws = build_workspace(session, project, article.id, user, claim_id=claims[14].id, window=2)
    parts = [ws.window]
    while parts[0].previous is not None:
        _, stretch = claims_stretch(
            session, project, article.id, user, before=parts[0].claims[0].id, size=4
        )
        parts.insert(0, stretch)
    while parts[-1].following is not None:
        _, stretch = claims_stretch(
            session, project, article.id, user, after=parts[-1].claims[-1].id, size=4
        )
        parts.append(stretch)
    pieces = [piece for part in parts for piece in part.pieces(article.text)]
    assert "".join(text for text, _, _ in pieces) == article.text
    assert [c.id for _, c, _ in pieces if c is not None] == [c.id for c in claims]
    assert all(text == article.text[c.start : c.end] for text, c, _ in pieces if c is not None)
    # Each piece says where it begins in the article (evidence marks are placed by it).
    assert all(article.text[at : at + len(text)] == text for text, _, at in pieces)


def test_progress_and_next_unannotated_come_from_the_database(session, long):
    project, article, user, claims = long
    for claim in (claims[0], claims[1], claims[5], claims[29]):
        _annotate(session, project, user, claim)
    other = make_user(session, "bob")
    _annotate(session, project, other, claims[2])
    assert progress_counts(session, article.id, user) == (30, 4)
    ws = build_workspace(session, project, article.id, user, window=3)
    assert ws.selected.id == claims[2].id  # the first the user has not annotated
    assert ws.next_open.id == claims[3].id
    assert set(ws.mine) == {claims[0].id, claims[1].id, claims[5].id}
    # from the last claims, "next unannotated" goes round to the start
    ws = build_workspace(session, project, article.id, user, claim_id=claims[28].id)
    assert ws.next_open.id == claims[2].id
    assert ws.annotation is None
    ws = build_workspace(session, project, article.id, user, claim_id=claims[29].id)
    assert ws.annotation.verifiability == "opinion"


def test_unknown_claims_numbers_and_merged_claims(session, long):
    project, article, user, claims = long
    other = make_long_article(session, project, 3, title="Other")
    theirs = session.scalar(select(Claim).where(Claim.article_id == other.id))
    for kwargs in ({"claim_id": theirs.id}, {"claim_id": 10**9}, {"position": 31}):
        with pytest.raises(NotFound):
            build_workspace(session, project, article.id, user, **kwargs)
    with pytest.raises(NotFound):
        claims_stretch(session, project, article.id, user, after=theirs.id)
    stranger = make_project(session, "Elsewhere", manager=user)
    with pytest.raises(NotFound):
        build_workspace(session, stranger, article.id, user)
    merge_with_next(session, claims[3], user=None)
    ws = build_workspace(session, project, article.id, user, claim_id=claims[4].id)
    assert ws.merged_into_id == claims[3].id and ws.selected is None
    with pytest.raises(NotFound):
        claims_stretch(session, project, article.id, user, before=claims[4].id)


def test_no_statement_grows_its_parameters_with_the_article(session):
    user = make_user(session, "ann")
    project = make_project(session, "Big", manager=user)
    article = make_long_article(session, project, 3_000)
    session.flush()
    claims = active_claims(session, article)
    for claim in claims[::7]:
        _annotate(session, project, user, claim)
    counts = []

    def count(conn, cursor, statement, parameters, context, executemany):
        counts.append(len(parameters) if parameters else 0)

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", count)
    try:
        for kwargs in ({}, {"claim_id": claims[1500].id}, {"position": 3000}):
            build_workspace(session, project, article.id, user, **kwargs)
        claims_stretch(session, project, article.id, user, after=claims[100].id)
        claims_stretch(session, project, article.id, user, before=claims[2900].id)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert counts and max(counts) <= 2 * 60 + 10, max(counts)


def test_an_article_without_claims_shows_its_text(session):
    user = make_user(session, "ann")
    project = make_project(session, "Empty", manager=user)
    article = make_long_article(session, project, 0, title="Nothing to claim")
    article.text = "Only a heading"
    session.flush()
    ws = build_workspace(session, project, article.id, user)
    assert (ws.selected, ws.next_open, ws.total, ws.done) == (None, None, 0, 0)
    assert ws.window.pieces(article.text) == [("Only a heading", None, 0)]
    assert ws.as_record()["claims"] == []
