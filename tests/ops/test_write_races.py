"""A save that meets a merge or a codebook change: whichever order they reach
the database in, the save is refused with a clear error or checked against what
is there when it writes; it never lands on a merged-away claim, never names a
removed target, and never makes a server error. Two codebook edits at once both
count. The API reads the annotation's state before it writes (in another
transaction on SQLite, without locks on PostgreSQL); these tests do the same."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

import workbench.ops.annotations as annotations_ops
from tests.conftest import make_project, make_user
from tests.ops.conftest import while_open
from workbench.db import begin_write
from workbench.errors import Conflict, InvalidInput
from workbench.importing import parse_pasted
from workbench.models import Annotation, Claim, HistoryEntry, Project, Speaker, Target, User
from workbench.ops.annotations import (
    AnnotationInput,
    annotation_state,
    save_annotation,
    store_annotation,
)
from workbench.ops.articles import import_items
from workbench.ops.claims import merge_with_next, split_claim
from workbench.ops.projects import set_labels, set_targets, update_project
from workbench.ops.speakers import create_speaker, merge_speakers, update_speaker


@pytest.fixture
def postgresql_only(engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite writes one transaction at a time: these cannot interleave")


def arrange(session, annotated=()):
    """A project with one article of three claims, "first", "second" and "third",
    of which ``ann`` annotated those ``annotated`` names. Returns the ids."""
    user = make_user(session, "ann")
    project = make_project(session, "Races", targets=["T1", "T2"], annotators=[user])
    import_items(
        session, project, parse_pasted("First claim. Second claim. Third claim."), user=None
    )
    claims = dict(zip(("first", "second", "third"), project.articles[0].claims, strict=True))
    for name in annotated:
        save_annotation(
            session, project, claims[name], user, AnnotationInput(note="n"), base_version=None
        )
    session.commit()
    return {"project": project.id, "user": user.id} | {n: c.id for n, c in claims.items()}


def _state(session, ids, claim="second"):
    user = session.get(User, ids["user"])
    return user, annotation_state(session, user, ids["project"], ids[claim])


def _merge(sessions, claim_id):
    with sessions() as other:
        begin_write(other)
        merge_with_next(other, other.get(Claim, claim_id), user=None)
        other.commit()


def test_an_update_read_before_a_merge_is_refused_after_it(session, session_factory):
    ids = arrange(session, ["first", "second"])
    user, state = _state(session, ids)
    session.commit()  # the API ends its read transaction before it writes
    _merge(session_factory, ids["first"])  # ann's annotation of "second" stays on it
    begin_write(session)
    with pytest.raises(InvalidInput, match="merged"):
        store_annotation(session, state, user, AnnotationInput(note="late"), base_version=1)
    session.rollback()
    annotation = session.scalar(select(Annotation).where(Annotation.claim_id == ids["second"]))
    assert annotation.version == 1 and annotation.note == "n"


def test_a_first_save_read_before_a_merge_is_refused_after_it(session, session_factory):
    ids = arrange(session)
    user, state = _state(session, ids)
    session.commit()
    _merge(session_factory, ids["first"])
    begin_write(session)
    with pytest.raises(InvalidInput, match="merged"):
        store_annotation(session, state, user, AnnotationInput(note="n"), base_version=None)
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Annotation)) == 0


def test_a_save_is_checked_against_the_codebook_when_it_writes(session, session_factory):
    ids = arrange(session, ["second"])
    target = session.scalar(select(Target.id).where(Target.name == "T2"))
    user, state = _state(session, ids)
    session.commit()
    with session_factory() as other:
        begin_write(other)
        set_targets(other, other.get(Project, ids["project"]), ["T1"])
        other.commit()
    begin_write(session)
    values = AnnotationInput(stances={target: "favor"})
    with pytest.raises(InvalidInput, match="target"):
        store_annotation(session, state, user, values, base_version=1)
    session.rollback()
    # A label added meanwhile is accepted: the save is checked against the new codebook.
    user, state = _state(session, ids)
    session.commit()
    with session_factory() as other:
        begin_write(other)
        project = other.get(Project, ids["project"])
        set_labels(other, project, "verifiability", [("verifiable", ""), ("new label", "")])
        other.commit()
    begin_write(session)
    _, record = store_annotation(
        session, state, user, AnnotationInput(verifiability="new label"), base_version=1
    )
    session.commit()
    assert record["verifiability"] == "new label"
    stored = session.scalar(select(Annotation).where(Annotation.claim_id == ids["second"]))
    assert stored.codebook_version == session.get(Project, ids["project"]).codebook_version


def _save_later(session, ids, values, base_version):
    """Read the state now (and end that transaction); return a function that saves."""
    user, state = _state(session, ids)
    session.commit()

    def save(other):
        return store_annotation(
            other, state, other.get(User, ids["user"]), values, base_version=base_version
        )

    return save


def test_an_update_during_an_uncommitted_merge(session, database_url, postgresql_only):
    ids = arrange(session, ["first", "second"])
    save = _save_later(session, ids, AnnotationInput(note="late"), 1)
    merge = lambda a: merge_with_next(a, a.get(Claim, ids["first"]), user=None)  # noqa: E731
    result = while_open(database_url, merge, save)
    assert isinstance(result, InvalidInput) and "merged" in result.message


def test_a_first_save_during_an_uncommitted_merge(session, database_url, postgresql_only):
    ids = arrange(session)
    save = _save_later(session, ids, AnnotationInput(note="n"), None)
    merge = lambda a: merge_with_next(a, a.get(Claim, ids["first"]), user=None)  # noqa: E731
    result = while_open(database_url, merge, save)
    assert isinstance(result, InvalidInput) and "merged" in result.message
    assert session.scalar(select(func.count()).select_from(Annotation)) == 0


def test_a_save_during_an_uncommitted_codebook_change(session, database_url, postgresql_only):
    ids = arrange(session, ["second"])
    target = session.scalar(select(Target.id).where(Target.name == "T2"))
    save = _save_later(session, ids, AnnotationInput(stances={target: "favor"}), 1)
    change = lambda a: set_targets(a, a.get(Project, ids["project"]), ["T1"])  # noqa: E731
    result = while_open(database_url, change, save)
    assert isinstance(result, InvalidInput) and "target" in result.message


def test_two_codebook_changes_at_once_both_count(session, database_url, postgresql_only):
    ids = arrange(session)
    before = session.get(Project, ids["project"]).codebook_version
    session.commit()

    def labels(value):
        def change(s):
            project = s.get(Project, ids["project"])
            set_labels(s, project, "verifiability", [("verifiable", ""), (value, "")])

        return change

    result = while_open(database_url, labels("one"), labels("two"))
    assert result is None
    session.expire_all()
    assert session.get(Project, ids["project"]).codebook_version == before + 2


def test_two_renames_to_one_name_at_once(session, database_url, postgresql_only):
    make_project(session, "Alpha", targets=["T"])
    make_project(session, "Beta", targets=["T"])
    session.commit()

    def rename(old):
        def change(s):
            project = s.scalar(select(Project).where(Project.name == old))
            update_project(
                s, project, name="Gamma", description="", guidelines="", targets=["T"], labels={}
            )

        return change

    result = while_open(database_url, rename("Alpha"), rename("Beta"))
    assert isinstance(result, Conflict) and "exists already" in result.message


def test_a_save_naming_a_speaker_during_its_uncommitted_merge(
    session, database_url, postgresql_only
):
    ids = arrange(session, ["second"])
    project = session.get(Project, ids["project"])
    source = create_speaker(session, project, "Jane Doe")
    target = create_speaker(session, project, "J. Doe")
    source_id, target_id = source.id, target.id
    session.commit()
    save = _save_later(session, ids, AnnotationInput(speaker_id=source_id), 1)

    def merge(a):
        merge_speakers(a, a.get(Speaker, source_id), a.get(Speaker, target_id), user=None)

    result = while_open(database_url, merge, save)
    _, record = result
    assert record["speaker_id"] == target_id  # the save followed the merge
    session.expire_all()
    stored = session.scalar(select(Annotation).where(Annotation.claim_id == ids["second"]))
    assert stored.speaker_id == target_id


def _split_second(sessions, ids):
    with sessions() as other:
        begin_write(other)
        claim = other.get(Claim, ids["second"])
        split_claim(other, claim, claim.start + 6, user=None)  # "Second" | " claim."
        other.commit()


def test_a_first_save_of_a_claim_split_since_it_was_seen_is_refused(session, session_factory):
    ids = arrange(session)
    user, state = _state(session, ids)
    seen = state.span
    session.commit()
    _split_second(session_factory, ids)
    begin_write(session)
    with pytest.raises(Conflict, match="boundaries changed"):
        store_annotation(
            session, state, user, AnnotationInput(note="n"), base_version=None, seen_span=seen
        )
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Annotation)) == 0
    # A client that does not say what it saw saves on the claim as it is now.
    user, state = _state(session, ids)
    session.commit()
    begin_write(session)
    store_annotation(session, state, user, AnnotationInput(note="n"), base_version=None)
    session.commit()
    assert session.scalar(select(func.count()).select_from(Annotation)) == 1


def test_a_first_save_during_an_uncommitted_split(session, database_url, postgresql_only):
    ids = arrange(session)
    user, state = _state(session, ids)
    session.commit()

    def save(other):
        u = other.get(User, ids["user"])
        values = AnnotationInput(note="n")
        return store_annotation(other, state, u, values, base_version=None, seen_span=state.span)

    def split(a):
        claim = a.get(Claim, ids["second"])
        split_claim(a, claim, claim.start + 6, user=None)

    result = while_open(database_url, split, save)
    assert isinstance(result, Conflict) and "boundaries changed" in result.message
    assert session.scalar(select(func.count()).select_from(Annotation)) == 0


def test_a_speaker_renamed_while_a_save_is_written_is_recorded_by_its_new_name(
    session, session_factory, postgresql_only, monkeypatch
):
    ids = arrange(session, ["second"])
    project = session.get(Project, ids["project"])
    speaker_id = create_speaker(session, project, "Jane Doe").id
    session.commit()
    user, state = _state(session, ids)
    session.commit()
    resolve = annotations_ops._resolve_speaker
    renamed = []

    def resolve_then_rename(connection, project_id, speaker_id, what, *rows):
        found = resolve(connection, project_id, speaker_id, what, *rows)
        if speaker_id is not None and not renamed:  # between the save's read and its write
            with session_factory() as other:
                speaker = other.get(Speaker, speaker_id)
                update_speaker(
                    other,
                    speaker,
                    name="Jane Q. Doe",
                    type=speaker.type,
                    title="",
                    aliases=[],
                    user=None,
                )
                other.commit()
            renamed.append(True)
        return found

    monkeypatch.setattr(annotations_ops, "_resolve_speaker", resolve_then_rename)
    _, record = store_annotation(
        session, state, user, AnnotationInput(speaker_id=speaker_id), base_version=1
    )
    session.commit()
    assert renamed and record["speaker"] == "Jane Q. Doe"
    entry = session.scalars(
        select(HistoryEntry)
        .where(HistoryEntry.entity == "annotation")
        .order_by(HistoryEntry.id.desc())
    ).first()
    assert entry.after["speaker"] == "Jane Q. Doe" and entry.after["version"] == 2
