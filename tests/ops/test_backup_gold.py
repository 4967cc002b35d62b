"""A dump carries the gold labels and the project's reasons for gold; a restore puts
them back (their stance keys naming the restored targets, their source annotations
the restored annotations, their versions and history), refuses a bad gold record,
and restores an older dump with none and the default reasons."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.conftest import make_project, make_user
from tests.ops.test_backup import other_database
from tests.ops.test_backup_keymap import _closed, _dumped, _records
from tests.web.web_helpers import add_article
from workbench.errors import InvalidInput
from workbench.models import Annotation, GoldLabel, HistoryEntry, Project
from workbench.ops.annotations import AnnotationInput, save_annotation
from workbench.ops.backup import dump_lines, read_dump, restore_project
from workbench.ops.gold import accept_agreed, gold_reasons, set_gold_reasons, settle_gold
from workbench.ops.speakers import create_speaker

pytestmark = pytest.mark.usefixtures("fast_passwords")


@pytest.fixture
def judged(session):
    mona = make_user(session, "mona")
    coders = [make_user(session, n) for n in ("ann", "bob")]
    # Another project first, so that the restored ids differ from the dumped ones.
    make_project(session, "Before", targets=("X", "Y"))
    project = make_project(
        session, "Judged", targets=("Peace", "War"), manager=mona, annotators=coders
    )
    _, claims = add_article(session, project)
    speaker = create_speaker(session, project, "Jane Doe")
    peace, war = (t.id for t in project.targets)
    for user, attribution in zip(coders, ("direct", "indirect"), strict=True):
        save_annotation(
            session,
            project,
            claims[0],
            user,
            AnnotationInput(
                speaker_id=speaker.id,
                attribution=attribution,
                stances={peace: "favor", war: "against"},
            ),
            base_version=None,
        )
    set_gold_reasons(session, project, "slip\nunclear", user=mona)
    accept_agreed(session, project, user=mona)
    gold = settle_gold(
        session, project, claims[0].id, "attribution", user=mona, reason="slip", value="direct"
    )
    settle_gold(
        session,
        project,
        claims[0].id,
        "attribution",
        user=mona,
        reason="unclear",
        reason_text="both readings",
        value="mixed",
        version=gold.version,
    )
    session.commit()
    return project


def _gold(session, project):
    rows = session.scalars(
        select(GoldLabel).where(GoldLabel.project_id == project.id).order_by(GoldLabel.id)
    )
    names = {t.id: t.name for t in project.targets}
    return [
        (
            g.field,
            names.get(g.target_id),
            g.key.split(":")[0],
            g.value,
            g.speaker.name if g.speaker else None,
            g.adjudicated,
            g.reason,
            g.reason_text,
            sorted(session.get(Annotation, a).user.username for a in g.source_annotation_ids),
            g.version,
            g.settled_by.username if g.settled_by else None,
            g.settled_at,
        )
        for g in rows
    ]


def test_gold_goes_through_a_dump_and_a_restore(session, judged, tmp_path):
    first = list(dump_lines(session, judged))
    records = _records(first)
    golds = [r for r in records if r["type"] == "gold"]
    assert len(golds) == 4 and all("key" in r for r in golds)
    before = _gold(session, judged)
    assert [(g[0], g[1]) for g in before] == [
        ("speaker", None),
        ("stances", "Peace"),
        ("stances", "War"),
        ("attribution", None),
    ]
    assert before[3][3:10] == ("mixed", None, True, "unclear", "both readings", [], 2)
    assert before[0][8] == ["ann", "bob"]
    engine, sessions = other_database(tmp_path)
    try:
        with sessions() as other:
            restored, _, _ = restore_project(other, read_dump(first))
            other.commit()
            assert gold_reasons(restored) == ["slip", "unclear"]
            after = _gold(other, restored)
            assert after == before
            keys = {g.key for g in other.scalars(select(GoldLabel))}
            targets = {t.id for t in restored.targets}
            assert {int(k.split(":")[1]) for k in keys if k.startswith("stance:")} == targets
            entries = other.scalars(
                select(HistoryEntry).where(HistoryEntry.entity == "gold").order_by(HistoryEntry.id)
            ).all()
            assert [e.action for e in entries] == ["settle", "edit"]
            gold_ids = {g.id for g in other.scalars(select(GoldLabel))}
            assert {e.entity_id for e in entries} <= gold_ids
            second = list(dump_lines(other, restored))
    finally:
        engine.dispose()
    assert second == first


def test_a_bad_gold_record_is_refused_and_an_old_dump_has_none(session, judged, tmp_path):
    records = _dumped(session, judged)
    engine, sessions = other_database(tmp_path)
    try:
        for change, message in (
            ({"field": "note"}, "'field'"),
            ({"source_annotations": ["x"]}, "list of record keys"),
            ({"field": "stances", "target": None}, "do not go together"),
            ({"claim": 9999}, "claim"),
        ):
            bad = [dict(r) for r in records]
            index = next(i for i, r in enumerate(bad) if r["type"] == "gold")
            bad[index].update(change)
            with sessions() as other, pytest.raises(InvalidInput) as caught:
                restore_project(other, read_dump(_closed(bad)), name="Bad")
            assert message in caught.value.message, (change, caught.value.message)
            with sessions() as other:
                assert other.scalar(select(Project).where(Project.name == "Bad")) is None
        old = [r for r in records if r["type"] != "gold"]
        old[0] = {**old[0], "format_version": 5, "counts": None}
        project_record = next(r for r in old if r["type"] == "project")
        del project_record["gold_reasons"]
        old = [r for r in old if not (r["type"] == "history" and r["entity"] == "gold")]
        counts: dict = {}
        for r in old[1:]:
            counts[r["type"]] = counts.get(r["type"], 0) + 1
        old[0]["counts"] = counts
        with sessions() as other:
            restored, _, _ = restore_project(other, read_dump(_closed(old)), name="Old")
            other.commit()
            assert gold_reasons(restored) == [
                "guideline unclear",
                "annotator slip",
                "genuinely ambiguous",
                "other",
            ]
            assert other.scalars(select(GoldLabel)).all() == []
    finally:
        engine.dispose()
