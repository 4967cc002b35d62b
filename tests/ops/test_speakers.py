"""The speaker registry: create, edit, merge (annotations follow), all recorded."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.conftest import make_project, make_user
from workbench.errors import Conflict, InvalidInput, NotFound
from workbench.importing import ArticleDraft
from workbench.models import SPEAKER_TYPES, Annotation, HistoryEntry, Speaker, SpeakerAlias
from workbench.ops.annotations import AnnotationInput, get_annotation, save_annotation
from workbench.ops.articles import import_items
from workbench.ops.claims import active_claims
from workbench.ops.speakers import (
    create_speaker,
    find_or_create_speaker,
    find_speaker,
    get_speaker,
    merge_speakers,
    registry,
    speaker_page,
    update_speaker,
)

pytestmark = pytest.mark.usefixtures("fast_passwords")


@pytest.fixture
def world(session):
    mona, ann = make_user(session, "mona"), make_user(session, "ann")
    project = make_project(session, manager=mona, annotators=[ann])
    return {"project": project, "mona": mona, "ann": ann}


def _history(session, speaker):
    return session.scalars(
        select(HistoryEntry)
        .where(HistoryEntry.entity == "speaker", HistoryEntry.entity_id == speaker.id)
        .order_by(HistoryEntry.id)
    ).all()


def test_create_cleans_and_records(session, world):
    project, mona = world["project"], world["mona"]
    speaker = create_speaker(
        session,
        project,
        "  General   Mohammad\tBaqeri ",
        type="person",
        title="  Chief of Staff  ",
        aliases=["Baqeri", " Baqeri ", "", "General Mohammad Baqeri", "Gen.  Baqeri"],
        user=mona,
    )
    assert speaker.name == "General Mohammad Baqeri"
    assert speaker.title == "Chief of Staff"
    assert [a.alias for a in speaker.aliases] == ["Baqeri", "Gen. Baqeri"]
    assert speaker.merged_into_id is None
    (entry,) = _history(session, speaker)
    assert (entry.action, entry.user_id, entry.before) == ("create", mona.id, None)
    assert entry.after == {
        "name": "General Mohammad Baqeri",
        "type": "person",
        "title": "Chief of Staff",
        "aliases": ["Baqeri", "Gen. Baqeri"],
        "merged_into_id": None,
    }


@pytest.mark.parametrize("kind", SPEAKER_TYPES)
def test_every_speaker_type_is_accepted(session, world, kind):
    assert create_speaker(session, world["project"], f"A {kind}", type=kind).type == kind


@pytest.mark.parametrize(
    ("name", "kind", "field"),
    [
        ("", "person", "name"),
        ("  \t ", "person", "name"),
        ("x" * 301, "person", "name"),
        ("Someone", "robot", "type"),
        ("Someone", "Person", "type"),
    ],
)
def test_create_rejects_bad_input(session, world, name, kind, field):
    with pytest.raises(InvalidInput) as info:
        create_speaker(session, world["project"], name, type=kind)
    assert info.value.field == field
    assert registry(session, world["project"]) == []


def test_names_are_unique_among_unmerged_speakers_of_a_project(session, world):
    project = world["project"]
    create_speaker(session, project, "Tasnim", type="outlet")
    with pytest.raises(Conflict, match="already"):
        create_speaker(session, project, " Tasnim ")
    other = make_project(session, "Other")
    assert create_speaker(session, other, "Tasnim").project_id == other.id


def test_the_name_of_a_merged_speaker_is_refused_with_a_pointer(session, world):
    project = world["project"]
    short = create_speaker(session, project, "Baqeri")
    full = create_speaker(session, project, "Mohammad Baqeri")
    merge_speakers(session, short, full, user=None)
    with pytest.raises(Conflict, match="merged into 'Mohammad Baqeri'"):
        create_speaker(session, project, "Baqeri")
    other = create_speaker(session, project, "Someone")
    with pytest.raises(Conflict, match="merged into 'Mohammad Baqeri'"):
        update_speaker(
            session, other, name="Baqeri", type="person", title="", aliases=[], user=None
        )


def test_update_changes_fields_and_records_before_and_after(session, world):
    project, mona = world["project"], world["mona"]
    speaker = create_speaker(session, project, "Hatami", aliases=["Amir Hatami", "Minister"])
    create_speaker(session, project, "Taken")
    update_speaker(
        session,
        speaker,
        name="Amir Hatami",
        type="person",
        title="Defense Minister",
        aliases=["Hatami", "Minister", "Amir Hatami"],
        user=mona,
    )
    assert speaker.name == "Amir Hatami"
    assert sorted(a.alias for a in speaker.aliases) == ["Hatami", "Minister"]
    create, edit = _history(session, speaker)
    assert (edit.action, edit.user_id) == ("edit", mona.id)
    assert edit.before == {
        "name": "Hatami",
        "type": "person",
        "title": "",
        "aliases": ["Amir Hatami", "Minister"],
        "merged_into_id": None,
    }
    assert edit.after["name"] == "Amir Hatami"
    assert edit.after["aliases"] == ["Hatami", "Minister"]
    assert edit.after["title"] == "Defense Minister"
    # an edit that changes nothing is not recorded
    update_speaker(
        session,
        speaker,
        name="Amir Hatami",
        type="person",
        title="Defense Minister",
        aliases=["Minister", "Hatami"],
        user=mona,
    )
    assert len(_history(session, speaker)) == 2
    with pytest.raises(Conflict):
        update_speaker(
            session, speaker, name="Taken", type="person", title="", aliases=[], user=mona
        )
    with pytest.raises(InvalidInput):
        update_speaker(session, speaker, name="X", type="alien", title="", aliases=[], user=mona)
    session.expire_all()
    assert get_speaker(session, project, speaker.id).name == "Amir Hatami"


def _annotated(session, world, n_claims=3):
    project = world["project"]
    text = " ".join(f"Claim number {i} is here." for i in range(1, n_claims + 1))
    import_items(session, project, [ArticleDraft(text=text)], user=None)
    return active_claims(session, project.articles[-1])


def test_merge_moves_annotations_and_keeps_the_source(session, world):
    project, mona, ann = world["project"], world["mona"], world["ann"]
    claims = _annotated(session, world)
    short = create_speaker(session, project, "Baqeri", aliases=["The general"])
    full = create_speaker(session, project, "Mohammad Baqeri", title="Chief of Staff")
    tasnim = create_speaker(session, project, "Tasnim", type="outlet")
    as_speaker = save_annotation(
        session, project, claims[0], ann, AnnotationInput(speaker_id=short.id), base_version=None
    )
    as_via = save_annotation(
        session,
        project,
        claims[1],
        ann,
        AnnotationInput(speaker_id=tasnim.id, via_id=short.id),
        base_version=None,
    )
    both = save_annotation(
        session,
        project,
        claims[2],
        mona,
        AnnotationInput(speaker_id=short.id, via_id=short.id),
        base_version=None,
    )
    untouched = save_annotation(
        session, project, claims[2], ann, AnnotationInput(speaker_id=tasnim.id), base_version=None
    )
    versions = {a.id: a.version for a in (as_speaker, as_via, both, untouched)}
    changed = merge_speakers(session, short, full, user=mona)
    assert changed == 3
    now = {a.id: session.get(Annotation, a.id) for a in (as_speaker, as_via, both, untouched)}
    assert (now[as_speaker.id].speaker_id, now[as_speaker.id].via_id) == (full.id, None)
    assert (now[as_via.id].speaker_id, now[as_via.id].via_id) == (tasnim.id, full.id)
    assert (now[both.id].speaker_id, now[both.id].via_id) == (full.id, full.id)
    assert now[untouched.id].speaker_id == tasnim.id
    for annotation_id in (as_speaker.id, as_via.id, both.id):
        assert now[annotation_id].version > versions[annotation_id]
    assert now[untouched.id].version == versions[untouched.id]
    source = session.get(Speaker, short.id)
    assert source.merged_into_id == full.id
    target = session.get(Speaker, full.id)
    assert [a.alias for a in target.aliases] == ["Baqeri", "The general"]
    assert [s.name for s in registry(session, project)] == ["Mohammad Baqeri", "Tasnim"]
    assert [s.name for s in registry(session, project, include_merged=True)] == [
        "Baqeri",
        "Mohammad Baqeri",
        "Tasnim",
    ]
    (source_entry,) = _history(session, source)[1:]
    assert (source_entry.action, source_entry.user_id) == ("merged-into", mona.id)
    assert source_entry.before["merged_into_id"] is None
    assert source_entry.after["merged_into_id"] == full.id
    assert sorted(source_entry.after["annotations"]) == sorted([as_speaker.id, as_via.id, both.id])
    (target_entry,) = _history(session, target)[1:]
    assert target_entry.action == "merge"
    assert target_entry.before["aliases"] == []
    assert target_entry.after["aliases"] == ["Baqeri", "The general"]
    assert target_entry.after["merged_speaker_id"] == short.id


def test_a_form_opened_before_a_merge_cannot_save_over_it(session, world):
    project, mona, ann = world["project"], world["mona"], world["ann"]
    (claim,) = _annotated(session, world, 1)
    short = create_speaker(session, project, "Baqeri")
    full = create_speaker(session, project, "Mohammad Baqeri")
    opened = save_annotation(
        session, project, claim, ann, AnnotationInput(speaker_id=short.id), base_version=None
    ).version
    merge_speakers(session, short, full, user=mona)
    with pytest.raises(Conflict) as info:
        save_annotation(
            session, project, claim, ann, AnnotationInput(note="x"), base_version=opened
        )
    assert info.value.current["speaker"] == "Mohammad Baqeri"


def test_merge_records_the_annotation_changes_in_the_claim_history(session, world):
    from workbench.ops.history import claim_history

    project, mona, ann = world["project"], world["mona"], world["ann"]
    (claim,) = _annotated(session, world, 1)
    short = create_speaker(session, project, "Baqeri")
    full = create_speaker(session, project, "Mohammad Baqeri")
    saved = save_annotation(
        session, project, claim, ann, AnnotationInput(speaker_id=short.id), base_version=None
    )
    merge_speakers(session, short, full, user=mona)
    entries = claim_history(session, claim.id)
    assert [(e.entity, e.action) for e in entries] == [
        ("annotation", "create"),
        ("annotation", "speaker-merged"),
    ]
    assert entries[1].entity_id == saved.id
    assert entries[1].user_id == mona.id
    assert (entries[1].before["speaker_id"], entries[1].after["speaker_id"]) == (short.id, full.id)
    assert entries[1].after["speaker"] == "Mohammad Baqeri"
    assert entries[1].after["version"] == get_annotation(session, claim, ann).version


def test_merge_refusals(session, world):
    project = world["project"]
    a = create_speaker(session, project, "A")
    b = create_speaker(session, project, "B")
    c = create_speaker(session, project, "C")
    elsewhere = create_speaker(session, make_project(session, "Other"), "A")
    with pytest.raises(InvalidInput, match="two different"):
        merge_speakers(session, a, a, user=None)
    with pytest.raises(InvalidInput, match="same project"):
        merge_speakers(session, a, elsewhere, user=None)
    merge_speakers(session, a, b, user=None)
    with pytest.raises(InvalidInput, match="merged already"):
        merge_speakers(session, a, c, user=None)
    with pytest.raises(InvalidInput, match="merged already"):
        merge_speakers(session, c, a, user=None)
    assert session.get(Speaker, c.id).merged_into_id is None
    with pytest.raises(InvalidInput, match="merged into another one"):
        update_speaker(session, a, name="A2", type="person", title="", aliases=[], user=None)
    assert session.get(Speaker, a.id).name == "A"


def test_get_speaker_only_in_its_project(session, world):
    project = world["project"]
    speaker = create_speaker(session, project, "A")
    assert get_speaker(session, project, speaker.id) is speaker
    with pytest.raises(NotFound):
        get_speaker(session, make_project(session, "Other"), speaker.id)
    with pytest.raises(NotFound):
        get_speaker(session, project, 999_999)


def test_a_typed_name_or_alias_finds_the_registry_speaker(session, world):
    from workbench.ops.speakers import find_or_create_speaker

    project = world["project"]
    known = create_speaker(session, project, "Mohammad Baqeri", aliases=["Baqeri"])
    assert find_or_create_speaker(session, project, "  Mohammad   Baqeri ") is known
    assert find_or_create_speaker(session, project, "Baqeri") is known
    new = find_or_create_speaker(session, project, "Fuad Hussein", type="person")
    assert new is not known and new.name == "Fuad Hussein"
    names = session.scalars(select(Speaker.name).order_by(Speaker.name)).all()
    assert names == ["Fuad Hussein", "Mohammad Baqeri"]
    # The case of a typed name does not make a second speaker.
    assert find_or_create_speaker(session, project, "mohammad baqeri") is known
    assert find_or_create_speaker(session, project, "BAQERI") is known


def test_an_alias_names_one_speaker_only(session, world):
    project = world["project"]
    jones = create_speaker(session, project, "Prime Minister Jones", aliases=["PM Jones"])
    reed = create_speaker(session, project, "Tom Reed")
    for alias in ("PM Jones", "pm jones", "prime minister jones"):
        with pytest.raises(Conflict, match="already names the speaker 'Prime Minister Jones'"):
            update_speaker(
                session, reed, name="Tom Reed", type="person", title="", aliases=[alias], user=None
            )
        with pytest.raises(Conflict, match="already names"):
            create_speaker(session, project, "Someone Else", aliases=[alias])
    assert [a.alias for a in reed.aliases] == []
    # its own alias, or a new spelling of it, stays allowed
    update_speaker(
        session, jones, name=jones.name, type="person", title="", aliases=["PM JONES"], user=None
    )
    assert [a.alias for a in jones.aliases] == ["PM JONES"]


def test_an_alias_shared_from_before_does_not_block_other_edits(session, world):
    project = world["project"]
    jones = create_speaker(session, project, "Prime Minister Jones", aliases=["Jones"])
    other = create_speaker(session, project, "Ann Jones")
    session.add(SpeakerAlias(speaker_id=other.id, alias="Jones"))  # as an older version allowed
    session.flush()
    session.expire(other, ["aliases"])
    update_speaker(
        session, other, name="Ann Jones", type="person", title="MP", aliases=["Jones"], user=None
    )
    assert other.title == "MP" and jones.name == "Prime Minister Jones"


def test_a_name_that_names_another_speaker_in_any_case_is_refused(session, world):
    project = world["project"]
    create_speaker(session, project, "Abdul-Amir Yarallah", aliases=["Yarallah"])
    tasnim = create_speaker(session, project, "Tasnim", type="outlet")
    for name in ("abdul-amir yarallah", "YARALLAH"):
        with pytest.raises(Conflict, match="already names the speaker 'Abdul-Amir Yarallah'"):
            create_speaker(session, project, name)
        with pytest.raises(Conflict, match="already names the speaker"):
            update_speaker(
                session, tasnim, name=name, type="outlet", title="", aliases=[], user=None
            )
    # its own name in another case is fine
    update_speaker(session, tasnim, name="TASNIM", type="outlet", title="", aliases=[], user=None)
    assert tasnim.name == "TASNIM"


# Control characters (C0, DEL, C1), a byte-order mark, CR and decomposed accents:
# what an import strips or normalises (workbench.importing.normalize_text).
DIRTY = "Jose\u0301\x01 Mar\x7fi\u0085a\ufeff\r\nBaqe\x1b[31mri\x9b"
CLEAN = "José Maria Baqe[31mri"


def test_names_titles_and_aliases_are_cleaned_as_imports_clean_text(session, world):
    project, mona = world["project"], world["mona"]
    speaker = create_speaker(
        session,
        project,
        DIRTY,
        title="Chief\x07 of\x00 Staff\u200f\x1f",
        aliases=["Baq\x08eri\x9f", "Gen.\x0b\x0c Baqeri"],
        user=mona,
    )
    assert speaker.name == CLEAN
    assert speaker.title == "Chief of Staff\u200f"  # format characters are text, as in imports
    assert sorted(a.alias for a in speaker.aliases) == ["Baqeri", "Gen. Baqeri"]
    assert _history(session, speaker)[0].after["name"] == CLEAN
    assert find_or_create_speaker(session, project, DIRTY + "\x02") is speaker
    # The merge form's "id or name" and the registry's search read a name the same way.
    assert find_speaker(session, project, DIRTY + "\x02") is speaker
    assert speaker_page(session, project, search="Jose\u0301\x01 Mar")[1] == [speaker]
    update_speaker(
        session,
        speaker,
        name=f"\x1b{CLEAN}\x06 II",
        type="person",
        title="\x1eAdviser",
        aliases=["\x85Baqeri\x85"],
        user=mona,
    )
    assert (speaker.name, speaker.title) == (f"{CLEAN} II", "Adviser")
    assert [a.alias for a in speaker.aliases] == ["Baqeri"]
    with pytest.raises(InvalidInput, match="needs a name"):
        create_speaker(session, project, "\x01\x02\u0085\ufeff", user=mona)


def _within(seconds, call):
    """Return what ``call()`` returns or raises, failing if it does not end in time
    (a walk along a merge cycle would loop forever)."""
    import threading

    outcome = {}

    def run():
        try:
            outcome["value"] = call()
        except Exception as exc:
            outcome["value"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), "the call loops"
    return outcome["value"]


@pytest.mark.parametrize("cycle", [("Loop", "Loop"), ("Ping", "Pong", "Ping")])
def test_a_merge_cycle_in_the_database_stops_with_an_error(session, world, cycle):
    from sqlalchemy import update

    from workbench.merges import MergeCycle
    from workbench.ops.annotations import AnnotationInput, save_annotation
    from workbench.ops.speakers import find_or_create_speaker, speaker_merged_into

    project = world["project"]
    speakers = {name: create_speaker(session, project, name) for name in set(cycle)}
    for name, into in zip(cycle, cycle[1:], strict=False):
        session.execute(
            update(Speaker)
            .where(Speaker.id == speakers[name].id)
            .values(merged_into_id=speakers[into].id)
        )
    import_items(session, project, [ArticleDraft(text="Ann said so.")], user=world["mona"])
    session.commit()
    session.expire_all()  # the session keeps what it loaded across commits
    first = speakers[cycle[0]]
    claim = active_claims(session, project.articles[0])[0]
    calls = [
        lambda: speaker_merged_into(session, first),
        lambda: create_speaker(session, project, cycle[0]),
        lambda: find_or_create_speaker(session, project, cycle[0]),
        lambda: save_annotation(
            session,
            project,
            claim,
            world["ann"],
            AnnotationInput(speaker_id=first.id),
            base_version=None,
        ),
    ]
    for call in calls:
        error = _within(60, call)
        assert isinstance(error, MergeCycle), (calls.index(call), error)
        assert "is merged in a cycle" in error.message
        session.rollback()
