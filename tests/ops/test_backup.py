"""Dump and restore a whole project: dump -> restore -> dump gives identical records."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from tests.conftest import make_user
from workbench.db import make_engine, make_session_factory
from workbench.errors import Conflict, InvalidInput
from workbench.models import Annotation, Article, Claim, HistoryEntry, Project
from workbench.ops.annotations import AnnotationInput, save_annotation
from workbench.ops.backup import FORMAT_VERSION, dump_lines, read_dump, restore_project
from workbench.ops.claims import active_claims, merge_with_next, split_claim
from workbench.ops.demo import seed_demo
from workbench.ops.speakers import create_speaker, merge_speakers
from workbench.schema import upgrade


def build_project(session):
    manager = make_user(session, "mona")
    annotator = make_user(session, "ann")
    project, _ = seed_demo(session, manager=manager)
    from workbench.ops.projects import set_member

    set_member(session, project, annotator, "annotator")
    article = project.articles[0]
    claims = active_claims(session, article)
    baqeri = create_speaker(
        session, project, "Mohammad Baqeri", title="Chief of Staff", user=manager
    )
    short = create_speaker(session, project, "Baqeri", user=annotator)
    tasnim = create_speaker(session, project, "Tasnim", type="outlet", user=manager)
    target = project.targets[0]
    for user, speaker in ((manager, baqeri), (annotator, short)):
        save_annotation(
            session,
            project,
            claims[3],
            user,
            AnnotationInput(
                speaker_id=speaker.id,
                via_id=tasnim.id,
                attribution="direct",
                verifiability="opinion",
                note='a "quoted", note\nwith a line',
                stances={target.id: "favor"},
            ),
            base_version=None,
        )
    save_annotation(
        session,
        project,
        claims[4],
        annotator,
        AnnotationInput(verifiability="verifiable"),
        base_version=None,
    )
    merge_speakers(session, short, baqeri, user=manager)
    split_claim(session, claims[2], claims[2].start + 10, user=manager)
    merge_with_next(session, claims[4], user=manager)
    session.commit()
    return project


def other_database(tmp_path, name="other.sqlite3"):
    engine = make_engine(f"sqlite:///{tmp_path / name}")
    upgrade(engine)
    return engine, make_session_factory(engine)


def test_dump_restore_dump_is_identical(session, tmp_path):
    project = build_project(session)
    first = list(dump_lines(session, project))
    header = json.loads(first[0])
    assert header["format_version"] == FORMAT_VERSION
    kinds = {json.loads(line)["type"] for line in first}
    assert {
        "project",
        "target",
        "label",
        "member",
        "speaker",
        "article",
        "claim",
        "suggestion",
        "annotation",
        "history",
    } <= kinds

    engine, sessions = other_database(tmp_path)
    with sessions() as other:
        restored, created = restore_project(other, read_dump(first))
        other.commit()
        assert sorted(created) == ["ann", "mona"]
        second = list(dump_lines(other, restored))
    engine.dispose()
    assert second == first


def test_restored_annotations_keep_versions_and_text(session, tmp_path):
    project = build_project(session)
    lines = list(dump_lines(session, project))
    engine, sessions = other_database(tmp_path)
    with sessions() as other:
        restored, _ = restore_project(other, read_dump(lines))
        other.commit()
        versions = sorted(other.scalars(select(Annotation.version)))
        assert versions == sorted(session.scalars(select(Annotation.version)))
        for claim in other.scalars(select(Claim)):
            assert 0 <= claim.start < claim.end <= len(claim.article.text)
        assert other.scalar(select(func.count()).select_from(HistoryEntry)) == session.scalar(
            select(func.count()).select_from(HistoryEntry)
        )
    engine.dispose()


def test_restore_refuses_a_taken_name_and_leaves_nothing(session):
    project = build_project(session)
    lines = list(dump_lines(session, project))
    articles_before = session.scalar(select(func.count()).select_from(Article))
    with pytest.raises(Conflict, match="exists already"):
        restore_project(session, read_dump(lines))
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Article)) == articles_before
    copy, _ = restore_project(session, read_dump(lines), name="Copy")
    session.commit()
    assert copy.name == "Copy"
    assert session.scalar(select(func.count()).select_from(Project)) == 2


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ([], "not a Claim Workbench dump"),
        (['{"type": "project"}'], "not a Claim Workbench dump"),
        (
            ['{"type": "header", "format": "claim-workbench-dump", "format_version": 99}'],
            "format version 99",
        ),
        (["not json"], "not valid JSON"),
    ],
)
def test_restore_rejects_what_is_not_a_dump(session, lines, message):
    with pytest.raises(InvalidInput, match=message):
        restore_project(session, read_dump(lines))


def test_a_malformed_record_stops_the_restore_whole(session, tmp_path):
    project = build_project(session)
    lines = list(dump_lines(session, project))
    broken = [line for line in lines if json.loads(line)["type"] != "article"]
    engine, sessions = other_database(tmp_path)
    with sessions() as other:
        with pytest.raises(InvalidInput, match="does not contain"):
            restore_project(other, read_dump(broken))
        other.rollback()
        assert other.scalar(select(func.count()).select_from(Project)) == 0
    engine.dispose()


def test_history_of_moved_annotations_and_removed_targets_survives_a_restore(session, tmp_path):
    from workbench.ops.projects import set_targets

    manager = make_user(session, "mona")
    project, _ = seed_demo(session, manager=manager)
    set_targets(session, project, ["Iran-Iraq military cooperation", "Peace"])
    session.flush()
    claims = active_claims(session, project.articles[0])
    peace = next(t for t in project.targets if t.name == "Peace")
    first = save_annotation(
        session,
        project,
        claims[1],
        manager,
        AnnotationInput(stances={peace.id: "favor"}),
        base_version=None,
    )
    save_annotation(
        session, project, claims[1], manager, AnnotationInput(), base_version=first.version
    )
    set_targets(session, project, ["Iran-Iraq military cooperation"])
    merge_with_next(session, claims[0], user=manager)  # moves the annotation of claims[1]
    session.commit()
    first_dump = list(dump_lines(session, project))
    assert any('"moved-by-merge"' in line for line in first_dump)
    engine, sessions = other_database(tmp_path)
    with sessions() as other:
        restored, _ = restore_project(other, read_dump(first_dump))
        other.commit()
        assert list(dump_lines(other, restored)) == first_dump
    engine.dispose()
