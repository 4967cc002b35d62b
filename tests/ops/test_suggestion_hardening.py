"""Hostile and unlucky inputs on the suggestion paths (issue 10 hardening)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.conftest import make_project, make_user
from workbench.importing import parse_pasted
from workbench.models import Article, Suggestion
from workbench.ops.annotations import AnnotationInput, save_annotation
from workbench.ops.articles import import_items
from workbench.ops.claims import active_claims
from workbench.ops.speakers import create_speaker, merge_speakers
from workbench.ops.workspace import claim_suggestions

pytestmark = pytest.mark.usefixtures("fast_passwords")

TEXT = (
    '"We will open the bridge in May," Transport Minister Jane Doe said on Monday. '
    "Doe added that the work had cost 40 million euros. "
    "Opposition leader John Smith said the plan would fail. "
    "The bridge crosses the river Elbe near the old town."
)


def _import(session, project, text=TEXT):
    report = import_items(
        session, project, parse_pasted(text, title="Bridge", outlet="Daily News"), user=None
    )
    assert report.imported == 1, report
    return session.get(Article, report.results[0].article_id)


def _smith(session, article):
    third = active_claims(session, article)[2]
    row = session.scalar(
        select(Suggestion).where(Suggestion.claim_id == third.id, Suggestion.field == "speaker")
    )
    assert (row.value, row.speaker_id) == ("John Smith", None)
    return third


def _save(session, claim, user, **values):
    annotation = save_annotation(
        session, claim.article.project, claim, user, AnnotationInput(**values), base_version=None
    )
    session.refresh(annotation)
    return annotation


def test_taking_the_speaker_the_page_found_by_an_alias_counts_as_taken(session):
    mona = make_user(session, "mona")
    project = make_project(session, manager=mona)
    article = _import(session, project)
    third = _smith(session, article)
    # Added after the import: the row is not linked, the page finds him by his alias.
    smith = create_speaker(session, project, "John A. Smith", aliases=["John Smith"])
    offered = claim_suggestions(session, third)["speaker"].registry_speaker
    assert offered is not None and offered.id == smith.id
    assert _save(session, third, mona, speaker_id=smith.id).from_suggestion == ["speaker"]


def test_taking_the_speaker_a_merged_namesake_went_into_counts_as_taken(session):
    mona = make_user(session, "mona")
    project = make_project(session, manager=mona)
    article = _import(session, project)
    third = _smith(session, article)
    namesake = create_speaker(session, project, "John Smith")
    kept = create_speaker(session, project, "J. Smith")
    # The row was not linked at import; the speaker of its name is merged away.
    merge_speakers(session, namesake, kept, user=mona)
    session.flush()
    row = session.scalar(
        select(Suggestion).where(Suggestion.claim_id == third.id, Suggestion.field == "speaker")
    )
    row.speaker_id = None  # as a row stored before the speaker existed
    session.flush()
    offered = claim_suggestions(session, third)["speaker"].registry_speaker
    assert offered is not None and offered.id == kept.id
    assert _save(session, third, mona, speaker_id=kept.id).from_suggestion == ["speaker"]


def test_another_speaker_than_the_one_offered_is_not_taken(session):
    mona = make_user(session, "mona")
    project = make_project(session, manager=mona)
    article = _import(session, project)
    third = _smith(session, article)
    create_speaker(session, project, "John A. Smith", aliases=["John Smith"])
    # The page offers John A. Smith: another Smith is not what it offered.
    other = create_speaker(session, project, "Johnny Smith")
    assert _save(session, third, mona, speaker_id=other.id).from_suggestion == []


def test_a_new_speaker_made_from_the_suggestion_counts_in_any_case_and_accent(session):
    mona = make_user(session, "mona")
    project = make_project(session, manager=mona)
    article = _import(session, project)
    third = _smith(session, article)
    made = create_speaker(session, project, "Jöhn  smith")
    assert _save(session, third, mona, speaker_id=made.id).from_suggestion == ["speaker"]


def test_two_reruns_started_at_once_make_one_run(database_url, session):
    from tests.ops.conftest import while_open
    from workbench.db import begin_write
    from workbench.errors import Conflict
    from workbench.models import Project, SuggestionRun
    from workbench.ops.suggestions import create_suggestion_run

    mona = make_user(session, "mona")
    project = make_project(session, manager=mona)
    _import(session, project)
    session.commit()
    pid, uid = project.id, mona.id

    def start(s):
        from workbench.models import User

        begin_write(s)
        return create_suggestion_run(s, s.get(Project, pid), s.get(User, uid))

    outcome = while_open(database_url, start, start)
    assert isinstance(outcome, Conflict), outcome
    assert "being re-run already" in outcome.message
    session.rollback()
    assert session.scalar(select(func.count()).select_from(SuggestionRun)) == 1


def test_a_killed_rerun_does_not_hold_back_a_new_one(session):
    from datetime import timedelta

    from workbench.models import SuggestionRun
    from workbench.ops.suggestions import create_suggestion_run

    mona = make_user(session, "mona")
    project = make_project(session, manager=mona)
    _import(session, project)
    killed = create_suggestion_run(session, project, mona)
    killed.heartbeat_at -= timedelta(hours=1)
    session.flush()
    again = create_suggestion_run(session, project, mona)
    assert again.id != killed.id
    assert session.scalar(select(func.count()).select_from(SuggestionRun)) == 2


def _count_suggester(monkeypatch):
    import workbench.ops.suggestions as suggestions_ops

    calls = []
    real = suggestions_ops.suggest.suggest_article

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(suggestions_ops.suggest, "suggest_article", counted)
    return calls


@pytest.mark.parametrize("edit", ["split", "merge", "trim"])
def test_an_edit_prepared_before_its_write_stores_without_suggesting_again(
    session, monkeypatch, edit
):
    from workbench.ops.claims import merge_with_next, prepare_edit, split_claim, trim_claim
    from workbench.ops.suggestions import refresh_article

    project = make_project(session)
    article = _import(session, project)
    claim = active_claims(session, article)[1]
    where = {
        "split": {"at": claim.start + claim.text.index(" the work")},
        "merge": {},
        "trim": {"start": claim.start + 4, "end": claim.end},
    }[edit]
    prepared = prepare_edit(session, claim, edit, **where)
    assert prepared is not None
    calls = _count_suggester(monkeypatch)
    if edit == "split":
        split_claim(session, claim, where["at"], user=None, prepared=prepared)
    elif edit == "merge":
        merge_with_next(session, claim, user=None, prepared=prepared)
    else:
        trim_claim(session, claim, where["start"], where["end"], user=None, prepared=prepared)
    assert calls == []  # the suggester ran before, not in the edit's transaction
    # what was stored is what the suggester gives for the claims now
    assert refresh_article(session, article).written == 0
    assert len(calls) == 1


def test_a_prepared_edit_overtaken_by_another_edit_is_suggested_again(session, monkeypatch):
    from workbench.ops.claims import prepare_edit, split_claim, trim_claim
    from workbench.ops.suggestions import refresh_article

    project = make_project(session)
    article = _import(session, project)
    first, second = active_claims(session, article)[:2]
    at = second.start + second.text.index(" the work")
    prepared = prepare_edit(session, second, "split", at=at)
    # meanwhile another editor trims the first claim
    trim_claim(session, first, first.start + 1, first.end, user=None)
    calls = _count_suggester(monkeypatch)
    split_claim(session, second, at, user=None, prepared=prepared)
    assert len(calls) == 1  # the claims are not those foreseen: suggested again
    assert refresh_article(session, article).written == 0


def test_an_edit_that_will_be_refused_is_not_prepared(session):
    from workbench.ops.claims import prepare_edit

    project = make_project(session)
    article = _import(session, project)
    claims = active_claims(session, article)
    last = claims[-1]
    assert prepare_edit(session, last, "merge") is None
    assert prepare_edit(session, last, "split", at=last.start) is None
    assert prepare_edit(session, last, "trim", start=claims[-2].start, end=last.end) is None
    assert prepare_edit(session, last, "trim", start=last.start, end=last.end) is None


@pytest.mark.parametrize("order", ["speaker first", "roster twice"])
def test_a_roster_add_racing_a_speaker_of_the_same_name_skips_it_clearly(
    database_url, session, order
):
    from tests.ops.conftest import while_open
    from workbench.db import begin_write
    from workbench.models import Project, Speaker
    from workbench.ops.suggestions import add_roster

    mona = make_user(session, "mona")
    project = make_project(session, manager=mona)
    article = _import(session, project)
    session.commit()
    pid, aid = project.id, article.id

    def first(s):
        begin_write(s)
        if order == "speaker first":
            create_speaker(s, s.get(Project, pid), "Jane Doe", type="person")
        else:
            add_roster(s, s.get(Article, aid), user=None)

    def second(s):
        begin_write(s)
        return add_roster(s, s.get(Article, aid), user=None)

    report = while_open(database_url, first, second)
    assert not isinstance(report, Exception), report
    skipped = dict(report.skipped)
    assert "Jane Doe" not in {s.name for s in report.created}
    why = skipped["Jane Doe"]
    assert "the registry has it already" in why or "already" in why, why
    session.rollback()
    names = session.scalars(select(Speaker.name).where(Speaker.project_id == pid)).all()
    assert names.count("Jane Doe") == 1
    # the article's suggestions are whole and name the one Jane Doe
    from workbench.ops.suggestions import refresh_article

    assert refresh_article(session, session.get(Article, aid)).written == 0


HOSTILE = {
    "speaker": '=HYPERLINK("http://x","y")',
    "speaker_type": "@SUM(1)",
    "via": "\t-2+3",
    "attribution": "+direct\r\n=1",
    "verifiability": "ok\x01\x07\x1b[31m;=cmd",  # (PostgreSQL stores no NUL)
}


def _hostile(session):
    """A project with suggestions (values as a damaged backup could restore them) and
    no annotation."""
    project = make_project(session)
    article = _import(session, project)
    claim = active_claims(session, article)[0]
    for row in session.scalars(select(Suggestion).where(Suggestion.claim_id == claim.id)):
        session.delete(row)
    session.flush()
    for name, value in HOSTILE.items():
        session.add(
            Suggestion(
                claim_id=claim.id,
                field=name,
                value=value,
                confidence=0.5,
                source="suggester",
                reason="=evil()",
                evidence={"rule": "test", "items": []},
            )
        )
    session.flush()
    return project, claim


@pytest.mark.parametrize("shape", ["wide", "long"])
def test_an_all_claims_export_of_suggestions_only_neutralises_every_value(session, shape):
    import csv
    import io

    from workbench.ops.exports import export_stream

    project, claim = _hostile(session)
    text = "".join(export_stream(session, project, shape=shape, all_claims=True))
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows and all(r["annotator"] == "" for r in rows)
    mine = [r for r in rows if r["claim_id"] == str(claim.id)]
    if shape == "wide":
        [row] = mine
        cells = [row[f"suggested_{name}"] for name in HOSTILE]
        assert all(row[c] == "" for c in row if c.endswith("_from_suggestion"))
    else:
        cells = [r["value"] for r in mine if r["field"].startswith("suggested_")]
        assert len(cells) == len(HOSTILE)
    for cell in cells:
        # no cell, nor any line of one, starts a formula or a control sequence
        for line in cell.replace("\r", "\n").split("\n"):
            stripped = line.lstrip("\t ")
            assert stripped[:1] not in ("=", "+", "-", "@"), cell
        assert "\x01" not in cell and "\x1b" not in cell and "\x07" not in cell, repr(cell)
    # the other formats: JSON lines carry the values as data, escaped
    import json

    lines = "".join(
        export_stream(session, project, format="jsonl", shape=shape, all_claims=True)
    ).splitlines()
    assert lines and all(json.loads(line)["annotator"] in ("", None) for line in lines)


def test_a_csv_cell_drops_control_characters_unless_raw():
    from workbench.exporting import csv_cell

    assert csv_cell("a\x00b\x1b[31m\x85c\td\ne") == "ab[31mc\td\ne"
    assert csv_cell("\x00=1") == "'=1"
    assert csv_cell("a\x00b", raw_formulas=True) == "a\x00b"
