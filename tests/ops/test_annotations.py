"""Saving annotations: one per claim and annotator, validated, versioned, recorded."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from tests.conftest import make_project, make_user
from workbench.db import begin_write
from workbench.errors import Conflict, InvalidInput, NotFound
from workbench.importing import ArticleDraft
from workbench.models import Annotation, Claim, HistoryEntry, Project, Stance, User
from workbench.ops.annotations import (
    AnnotationInput,
    annotation_record,
    annotation_state,
    get_annotation,
    save_annotation,
    store_annotation,
)
from workbench.ops.articles import import_items
from workbench.ops.claims import active_claims
from workbench.ops.history import claim_history
from workbench.ops.speakers import create_speaker, merge_speakers

pytestmark = pytest.mark.usefixtures("fast_passwords")

TEXT = "Baqeri said the talks went well. Hatami promised more cooperation."


@pytest.fixture
def world(session):
    mona, ann, bob = (make_user(session, n) for n in ("mona", "ann", "bob"))
    project = make_project(
        session, targets=("Cooperation", "Sanctions"), manager=mona, annotators=[ann, bob]
    )
    import_items(session, project, [ArticleDraft(text=TEXT)], user=mona)
    claims = active_claims(session, project.articles[0])
    baqeri = create_speaker(session, project, "Mohammad Baqeri", user=mona)
    tasnim = create_speaker(session, project, "Tasnim", type="outlet", user=mona)
    session.commit()
    coop, sanctions = project.targets
    return {
        "project": project,
        "claims": claims,
        "mona": mona,
        "ann": ann,
        "bob": bob,
        "baqeri": baqeri,
        "tasnim": tasnim,
        "coop": coop,
        "sanctions": sanctions,
    }


def _count(session, model):
    return session.scalar(select(func.count()).select_from(model))


def _full(world, **overrides):
    values = {
        "speaker_id": world["baqeri"].id,
        "via_id": world["tasnim"].id,
        "attribution": "indirect",
        "verifiability": "verifiable",
        "note": "a note",
        "stances": {world["coop"].id: "favor", world["sanctions"].id: "unrelated"},
    }
    values.update(overrides)
    return AnnotationInput(**values)


def test_create_then_update(session, world):
    project, claim, ann = world["project"], world["claims"][0], world["ann"]
    created = save_annotation(session, project, claim, ann, _full(world), base_version=None)
    assert created.version == 1
    assert (created.speaker_id, created.via_id) == (world["baqeri"].id, world["tasnim"].id)
    assert (created.attribution, created.verifiability, created.note) == (
        "indirect",
        "verifiable",
        "a note",
    )
    assert {s.target_id: s.value for s in created.stances} == {
        world["coop"].id: "favor",
        world["sanctions"].id: "unrelated",
    }
    assert (created.status, created.codebook_version, created.span_changed) == (
        "submitted",
        1,
        False,
    )
    assert created.created_at.tzinfo is not None
    updated = save_annotation(
        session,
        project,
        claim,
        ann,
        _full(world, via_id=None, note="", stances={world["coop"].id: "against"}, status="draft"),
        base_version=1,
    )
    assert updated.id == created.id
    assert updated.version == 2
    assert updated.via_id is None
    assert {s.target_id: s.value for s in updated.stances} == {world["coop"].id: "against"}
    assert updated.status == "draft"
    session.commit()
    assert _count(session, Annotation) == 1
    assert _count(session, Stance) == 1


def test_a_save_that_changes_only_a_stance_moves_the_version(session, world):
    project, claim, ann = world["project"], world["claims"][0], world["ann"]
    save_annotation(session, project, claim, ann, _full(world), base_version=None)
    same = _full(world, stances={world["coop"].id: "neutral", world["sanctions"].id: "unrelated"})
    assert save_annotation(session, project, claim, ann, same, base_version=1).version == 2
    assert save_annotation(session, project, claim, ann, same, base_version=2).version == 3


def test_one_annotation_per_claim_and_annotator(session, world):
    project, (first, second), ann, bob = (
        world["project"],
        world["claims"],
        world["ann"],
        world["bob"],
    )
    a1 = save_annotation(session, project, first, ann, _full(world), base_version=None)
    b1 = save_annotation(session, project, first, bob, _full(world), base_version=None)
    a2 = save_annotation(session, project, second, ann, _full(world), base_version=None)
    assert len({a1.id, b1.id, a2.id}) == 3
    assert get_annotation(session, first, bob).id == b1.id
    with pytest.raises(Conflict):
        save_annotation(session, project, first, ann, _full(world), base_version=None)
    assert _count(session, Annotation) == 3


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"attribution": "hearsay"}, "attribution"),
        ({"verifiability": "true"}, "verifiability"),
        ({"stances": {"coop": "love"}}, "stances"),
        ({"stances": {-1: "favor"}}, "stances"),
        ({"status": "final"}, "status"),
        ({"note": "x" * 10_001}, "note"),
        ({"speaker_id": 999_999}, "speaker"),
        ({"via_id": 999_999}, "via"),
        ({"speaker_id": "other"}, "speaker"),
        ({"via_id": "other"}, "via"),
    ],
)
def test_bad_input_is_rejected_and_nothing_saved(session, world, change, field):
    project, claim, ann = world["project"], world["claims"][0], world["ann"]
    other = make_project(session, "Other", targets=("Elsewhere",))
    stranger = create_speaker(session, other, "Mohammad Baqeri")
    change = {
        key: (
            stranger.id
            if value == "other"
            else {world["coop"].id if k == "coop" else k: v for k, v in value.items()}
            if isinstance(value, dict)
            else value
        )
        for key, value in change.items()
    }
    before = _count(session, HistoryEntry)
    with pytest.raises(InvalidInput) as info:
        save_annotation(session, project, claim, ann, _full(world, **change), base_version=None)
    assert info.value.field == field
    assert get_annotation(session, claim, ann) is None
    assert _count(session, HistoryEntry) == before
    # an update with bad input leaves the saved values alone
    saved = save_annotation(session, project, claim, ann, _full(world), base_version=None)
    kept = annotation_record(saved)
    with pytest.raises(InvalidInput):
        save_annotation(session, project, claim, ann, _full(world, **change), base_version=1)
    session.expire_all()
    assert annotation_record(get_annotation(session, claim, ann)) == kept


def test_a_target_of_another_project_is_rejected(session, world):
    other = make_project(session, "Other", targets=("Elsewhere",))
    (elsewhere,) = other.targets
    with pytest.raises(InvalidInput, match="target that is not in this project"):
        save_annotation(
            session,
            world["project"],
            world["claims"][0],
            world["ann"],
            _full(world, stances={elsewhere.id: "favor"}),
            base_version=None,
        )


def test_a_claim_of_another_project_is_rejected(session, world):
    other = make_project(session, "Other", targets=("Elsewhere",))
    with pytest.raises(NotFound, match="No such claim in this project"):
        save_annotation(
            session, other, world["claims"][0], world["ann"], AnnotationInput(), base_version=None
        )


def test_labels_added_to_the_project_are_accepted(session, world):
    from workbench.ops.projects import labels_by_field, set_labels

    project = world["project"]
    pairs = [(lb.value, lb.description) for lb in labels_by_field(project)["stance"]]
    set_labels(session, project, "stance", [*pairs, ("mixed", "Both ways.")])
    saved = save_annotation(
        session,
        project,
        world["claims"][0],
        world["ann"],
        _full(world, stances={world["coop"].id: "mixed"}),
        base_version=None,
    )
    assert saved.stances[0].value == "mixed"


def test_empty_values_mean_not_set(session, world):
    saved = save_annotation(
        session,
        world["project"],
        world["claims"][0],
        world["ann"],
        AnnotationInput(stances={world["coop"].id: ""}, status="draft"),
        base_version=None,
    )
    assert saved.stances == []
    assert (saved.speaker_id, saved.attribution, saved.verifiability) == (None, "", "")


def test_an_empty_annotation_is_never_saved_as_done(session, world):
    """Issue 11: Ctrl+Enter on an empty form stored an empty annotation as submitted,
    which then counted as done. Refused, nothing written; a draft may be empty."""
    project, claim, ann = world["project"], world["claims"][0], world["ann"]
    empty = AnnotationInput(stances={world["coop"].id: ""}, note=" \n\t ")
    with pytest.raises(InvalidInput, match="not saved as done"):
        save_annotation(session, project, claim, ann, empty, base_version=None)
    assert session.scalar(select(func.count()).select_from(Annotation)) == 0
    saved = save_annotation(session, project, claim, ann, _full(world), base_version=None)
    cleared = AnnotationInput(stances={world["coop"].id: ""})
    with pytest.raises(InvalidInput, match="not saved as done"):
        save_annotation(session, project, claim, ann, cleared, base_version=saved.version)
    session.refresh(saved)
    assert saved.version == 1 and saved.status == "submitted"
    draft = save_annotation(
        session, project, claim, ann, AnnotationInput(status="draft"), base_version=1
    )
    assert (draft.version, draft.status) == (2, "draft")
    one_stance = AnnotationInput(stances={world["coop"].id: "favor"})
    assert save_annotation(session, project, claim, ann, one_stance, base_version=2).version == 3


def test_stale_base_version_is_refused_with_the_current_values(session, world):
    project, claim, ann = world["project"], world["claims"][0], world["ann"]
    save_annotation(session, project, claim, ann, _full(world), base_version=None)
    save_annotation(session, project, claim, ann, _full(world, note="second"), base_version=1)
    with pytest.raises(Conflict) as info:
        save_annotation(session, project, claim, ann, _full(world, note="stale"), base_version=1)
    assert info.value.status == 409
    current = info.value.current
    assert current["note"] == "second"
    assert current["version"] == 2
    assert current["speaker"] == "Mohammad Baqeri"
    assert current["stances"] == {
        str(world["coop"].id): "favor",
        str(world["sanctions"].id): "unrelated",
    }
    assert get_annotation(session, claim, ann).note == "second"


def test_no_base_version_when_an_annotation_exists_is_refused(session, world):
    project, claim, ann = world["project"], world["claims"][0], world["ann"]
    save_annotation(session, project, claim, ann, _full(world), base_version=None)
    with pytest.raises(Conflict) as info:
        save_annotation(session, project, claim, ann, _full(world, note="new"), base_version=None)
    assert info.value.current["note"] == "a note"
    with pytest.raises(Conflict, match="no longer exists"):
        save_annotation(session, project, world["claims"][1], ann, _full(world), base_version=3)


def _load(session_factory, ids):
    session = session_factory()
    project = session.get(Project, ids["project"])
    claim = session.get(Claim, ids["claim"])
    user = session.get(User, ids["user"])
    annotation = get_annotation(session, claim, user)
    return session, project, claim, user, annotation.version


@pytest.fixture
def saved_once(session, world):
    claim, ann = world["claims"][0], world["ann"]
    save_annotation(
        session, world["project"], claim, ann, _full(world, note="base"), base_version=None
    )
    session.commit()
    return {"project": world["project"].id, "claim": claim.id, "user": ann.id}


def test_two_sessions_saving_the_same_version(session, session_factory, world, saved_once):
    """Both load version 1 in open transactions; the first to commit wins."""
    a, pa, ca, ua, va = _load(session_factory, saved_once)
    b, pb, cb, ub, vb = _load(session_factory, saved_once)
    try:
        assert va == vb == 1
        save_annotation(a, pa, ca, ua, _full(world, note="from A"), base_version=va)
        a.commit()
        with pytest.raises(Conflict) as info:
            save_annotation(b, pb, cb, ub, _full(world, note="from B"), base_version=vb)
        b.rollback()
        # where the loser's transaction can see the winner's save, it gets its values
        assert info.value.current is None or info.value.current["note"] == "from A"
    finally:
        a.close()
        b.close()
    _check_one_winner(session, saved_once, "from A")


def test_a_form_opened_before_another_save(session, session_factory, world, saved_once):
    """B opened the form (version 1) in an earlier request, A saved since."""
    b, *_, vb = _load(session_factory, saved_once)
    b.close()
    a, pa, ca, ua, va = _load(session_factory, saved_once)
    save_annotation(a, pa, ca, ua, _full(world, note="from A"), base_version=va)
    a.commit()
    a.close()
    b, pb, cb, ub, _ = _load(session_factory, saved_once)
    try:
        with pytest.raises(Conflict) as info:
            save_annotation(b, pb, cb, ub, _full(world, note="from B"), base_version=vb)
        assert info.value.current["note"] == "from A"
        assert info.value.current["version"] == 2
        b.rollback()
    finally:
        b.close()
    _check_one_winner(session, saved_once, "from A")


def test_a_state_read_before_another_save_is_refused_when_written(
    session, session_factory, world, saved_once
):
    """The API's path: the state is read in one transaction, the write comes in
    another; a save that came between is caught by the write itself (the version
    in the UPDATE's WHERE), not by the state, which still says version 1."""
    b = session_factory()
    user = b.get(User, saved_once["user"])
    state = annotation_state(b, user, saved_once["project"], saved_once["claim"])
    b.commit()
    assert state.version == 1
    a, pa, ca, ua, va = _load(session_factory, saved_once)
    save_annotation(a, pa, ca, ua, _full(world, note="from A"), base_version=va)
    a.commit()
    a.close()
    try:
        begin_write(b)
        with pytest.raises(Conflict) as info:
            store_annotation(b, state, user, _full(world, note="from B"), base_version=1)
        assert info.value.current["note"] == "from A"
        b.rollback()
    finally:
        b.close()
    _check_one_winner(session, saved_once, "from A")


def test_two_threads_race_one_wins(session, session_factory, world, saved_once):
    barrier = threading.Barrier(2, timeout=30)
    outcome: dict[str, object] = {}

    def save(note):
        s, project, claim, user, version = _load(session_factory, saved_once)
        try:
            barrier.wait()
            save_annotation(s, project, claim, user, _full(world, note=note), base_version=version)
            s.commit()
            outcome[note] = "saved"
        except Conflict as exc:
            s.rollback()
            outcome[note] = exc
        finally:
            s.close()

    threads = [threading.Thread(target=save, args=(n,)) for n in ("one", "two")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(map(str, outcome.values())).count("saved") == 1, outcome
    (winner,) = [n for n, v in outcome.items() if v == "saved"]
    (loser,) = [v for v in outcome.values() if v != "saved"]
    assert isinstance(loser, Conflict)
    _check_one_winner(session, saved_once, winner)


def _check_one_winner(session, ids, note):
    session.expire_all()
    annotation = session.scalar(select(Annotation).where(Annotation.claim_id == ids["claim"]))
    assert (annotation.note, annotation.version) == (note, 2)
    entries = claim_history(session, ids["claim"])
    assert [(e.action, e.after["note"]) for e in entries] == [("create", "base"), ("update", note)]
    assert entries[1].before["note"] == "base"


def test_history_has_every_accepted_save(session, world):
    project, claim, ann = world["project"], world["claims"][0], world["ann"]
    save_annotation(session, project, claim, ann, _full(world, note="one"), base_version=None)
    save_annotation(session, project, claim, ann, _full(world, note="two"), base_version=1)
    with pytest.raises(Conflict):
        save_annotation(session, project, claim, ann, _full(world, note="lost"), base_version=1)
    with pytest.raises(InvalidInput):
        save_annotation(session, project, claim, ann, _full(world, attribution="x"), base_version=2)
    save_annotation(session, project, claim, ann, _full(world, note="three"), base_version=2)
    entries = [e for e in claim_history(session, claim.id) if e.entity == "annotation"]
    assert [(e.action, e.before and e.before["note"], e.after["note"]) for e in entries] == [
        ("create", None, "one"),
        ("update", "one", "two"),
        ("update", "two", "three"),
    ]
    assert [e.after["version"] for e in entries] == [1, 2, 3]
    assert {e.user_id for e in entries} == {ann.id}
    assert {e.project_id for e in entries} == {project.id}
    assert all(e.at.tzinfo is not None for e in entries)
    assert entries[0].after == {
        "speaker_id": world["baqeri"].id,
        "speaker": "Mohammad Baqeri",
        "via_id": world["tasnim"].id,
        "via": "Tasnim",
        "attribution": "indirect",
        "verifiability": "verifiable",
        "note": "one",
        "stances": {str(world["coop"].id): "favor", str(world["sanctions"].id): "unrelated"},
        "status": "submitted",
        "version": 1,
    }


def test_a_merged_speaker_resolves_to_the_merge_target(session, world):
    project, mona = world["project"], world["mona"]
    short = create_speaker(session, project, "Baqeri", user=mona)
    merge_speakers(session, short, world["baqeri"], user=mona)
    saved = save_annotation(
        session,
        project,
        world["claims"][0],
        world["ann"],
        _full(world, speaker_id=short.id, via_id=short.id),
        base_version=None,
    )
    assert saved.speaker_id == saved.via_id == world["baqeri"].id
    # chains of merges resolve too
    again = create_speaker(session, project, "General Baqeri", user=mona)
    merge_speakers(session, world["baqeri"], again, user=mona)
    saved = save_annotation(
        session,
        project,
        world["claims"][1],
        world["ann"],
        _full(world, speaker_id=short.id),
        base_version=None,
    )
    assert saved.speaker_id == again.id


def test_codebook_version_is_stamped(session, world):
    project = world["project"]
    project.codebook_version = 4
    saved = save_annotation(
        session, project, world["claims"][0], world["ann"], _full(world), base_version=None
    )
    assert saved.codebook_version == 4


def test_a_note_is_stored_with_lf_line_breaks(session, world):
    """A browser sends a textarea's line breaks as CRLF; article text is LF: notes too."""
    project, claim, ann = world["project"], world["claims"][0], world["ann"]
    values = AnnotationInput(note="first line\r\nsecond line\rthird\n\r\nlast")
    saved = save_annotation(session, project, claim, ann, values, base_version=None)
    session.commit()
    assert saved.note == "first line\nsecond line\nthird\n\nlast"
    entry = claim_history(session, claim.id)[-1]
    assert entry.after["note"] == "first line\nsecond line\nthird\n\nlast"


def test_a_note_at_the_limit_in_crlf_fits_once_normalised(session, world):
    project, claim, ann = world["project"], world["claims"][0], world["ann"]
    note = "ab\r\n" * 3_000  # 12,000 characters sent, 9,000 stored
    saved = save_annotation(
        session, project, claim, ann, AnnotationInput(note=note), base_version=None
    )
    assert saved.note == "ab\n" * 3_000
