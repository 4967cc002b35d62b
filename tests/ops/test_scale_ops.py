"""Operations on big projects: no statement carries a list of ids that grows with
the data (SQLite refuses more than 32766 variables by default, PostgreSQL more than
65535 parameters)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import event, select

from tests.bulk import make_history, make_long_article, make_speakers, upstream_parameter_limit
from tests.conftest import make_project, make_user
from workbench.db import begin_snapshot
from workbench.errors import InvalidInput, NotFound
from workbench.models import Claim, Project
from workbench.ops.backup import dump_lines
from workbench.ops.claims import active_claims, merge_with_next, split_claim, trim_claim
from workbench.ops.history import claim_history, claim_history_page
from workbench.ops.speakers import create_speaker, find_speaker, speaker_page
from workbench.ops.suggestions import refresh_article

pytestmark = pytest.mark.usefixtures("fast_passwords")


def test_a_project_with_more_claims_than_the_parameter_limit_dumps(engine, session_factory):
    with upstream_parameter_limit(engine) as limit:
        with session_factory() as session:
            user = make_user(session, "ann")
            project = make_project(session, "Big", manager=user)
            make_long_article(session, project, limit + 1_000)
            session.commit()
            project_id = project.id
        kinds: dict[str, int] = {}
        with session_factory() as session:  # a dump reads one snapshot of its own
            begin_snapshot(session)
            for line in dump_lines(session, session.get(Project, project_id)):
                kind = json.loads(line).get("type")
                kinds[kind] = kinds.get(kind, 0) + 1
    assert kinds["claim"] == limit + 1_000
    assert kinds["article"] == 1


def test_speaker_pages_search_and_find(session):
    user = make_user(session, "ann")
    project = make_project(session, "Registry", manager=user)
    make_speakers(session, project, 25)
    baqeri = create_speaker(session, project, "Mohammad Baqeri", aliases=["Baqeri"])
    session.flush()
    page, speakers = speaker_page(session, project, page=3, size=10)
    assert (page.total, page.pages, [s.name for s in speakers]) == (
        26,
        3,
        ["Speaker 000019", "Speaker 000020", "Speaker 000021", "Speaker 000022",
         "Speaker 000023", "Speaker 000024"],
    )  # fmt: skip
    assert speakers[0].aliases == []  # loaded
    page, found = speaker_page(session, project, search="baq")  # name or alias, any case
    assert [s.id for s in found] == [baqeri.id]
    page, found = speaker_page(session, project, search="100%_")  # LIKE characters are text
    assert (page.total, found) == (0, [])
    with pytest.raises(NotFound):
        speaker_page(session, project, page=4, size=10)
    assert find_speaker(session, project, str(baqeri.id)) is baqeri
    assert find_speaker(session, project, " Baqeri ") is baqeri
    assert find_speaker(session, project, "mohammad baqeri") is baqeri
    assert find_speaker(session, project, f"0000000000{baqeri.id}") is baqeri
    for given in ("Nobody", "2147483648", "0", "1" + "0" * 30):
        with pytest.raises(NotFound):
            find_speaker(session, project, given)
    with pytest.raises(InvalidInput):
        find_speaker(session, project, "")


def test_a_claims_history_pages_oldest_first(session):
    user = make_user(session, "ann")
    project = make_project(session, "History", manager=user)
    article = make_long_article(session, project, 1)
    claim = active_claims(session, article)[0]
    make_history(session, claim, project.id, 25)
    page, entries = claim_history_page(session, claim.id, page=3, size=10)
    assert (page.total, [e.after["entry"] for e in entries]) == (25, [20, 21, 22, 23, 24])
    assert [e.id for e in claim_history(session, claim.id)][20:] == [e.id for e in entries]
    with pytest.raises(NotFound):
        claim_history_page(session, claim.id, page=4, size=10)
    page, entries = claim_history_page(session, 10**6)
    assert (page.number, page.pages, entries) == (1, 1, [])


def test_a_claim_edit_in_a_long_article_loads_only_its_neighbours(session):
    """Split, merge and trim lock the article's claims by id and renumber them in one
    statement: they neither load every claim nor write every position one by one, nor
    every suggestion of the article."""
    user = make_user(session, "ann")
    project = make_project(session, "Long", manager=user)
    article = make_long_article(session, project, 3_000)
    refresh_article(session, article)  # an edit rewrites only the suggestions that change
    session.commit()
    edits = (
        lambda claim: split_claim(session, claim, claim.start + 6, user=None),
        lambda claim: merge_with_next(session, claim, user=None),
        lambda claim: trim_claim(session, claim, claim.start, claim.end - 1, user=None),
    )
    for edit in edits:
        session.expunge_all()
        claim = session.scalar(
            select(Claim).where(Claim.article_id == article.id, Claim.position == 10)
        )
        loaded, written = [], []

        def load(target, context, loaded=loaded):
            loaded.append(target)

        def execute(conn, cursor, statement, parameters, context, many, written=written):
            written.append(len(parameters) if many else 1)

        event.listen(Claim, "load", load)
        event.listen(session.get_bind(), "before_cursor_execute", execute)
        try:
            edit(claim)
            session.flush()
        finally:
            event.remove(Claim, "load", load)
            event.remove(session.get_bind(), "before_cursor_execute", execute)
        assert len(loaded) <= 4, len(loaded)  # the claim (again) and its neighbours
        assert sum(written) < 60, sum(written)  # statements, and rows of an executemany
        session.commit()
    positions = session.scalars(
        select(Claim.position)
        .where(Claim.article_id == article.id, Claim.state == "active")
        .order_by(Claim.start)
    ).all()
    assert positions == list(range(1, 3_000 + 1))  # split, then merged back: 3,000 again


def test_ids_typed_as_text_are_read_by_one_rule():
    from workbench.db import MAX_INT, stored_int

    cases = {"0": 0, "7": 7, "00000000000007": 7, str(MAX_INT): MAX_INT, str(MAX_INT + 1): None}
    cases |= {"": None, "-1": None, "+1": None, " 7": None, "1_0": None, "1.0": None}
    cases |= {"\u0667": None, "1" + "0" * 40: None}  # ARABIC-INDIC SEVEN is a digit to isdigit
    assert {text: stored_int(text) for text in cases} == cases
