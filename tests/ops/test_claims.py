"""Claim boundaries: split, merge with the next claim, trim; all recorded, annotations kept."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select, update

from tests.conftest import make_project, make_user
from workbench.errors import Conflict, InvalidInput, NotFound
from workbench.importing import ArticleDraft
from workbench.models import Annotation, Claim
from workbench.ops.annotations import AnnotationInput, get_annotation, save_annotation
from workbench.ops.articles import get_article, import_items
from workbench.ops.claims import (
    active_claims,
    get_claim,
    merge_with_next,
    merge_with_previous,
    prepare_edit,
    split_claim,
    split_offset,
    trim_claim,
)
from workbench.ops.history import claim_history

pytestmark = pytest.mark.usefixtures("fast_passwords")

TEXT = "Alpha said one thing. Beta said another thing.\n\nGamma agreed with both."


@pytest.fixture
def world(session):
    mona, ann, bob = (make_user(session, n) for n in ("mona", "ann", "bob"))
    project = make_project(session, manager=mona, annotators=[ann, bob])
    import_items(session, project, [ArticleDraft(text=TEXT)], user=mona)
    article = project.articles[0]
    return {"project": project, "article": article, "mona": mona, "ann": ann, "bob": bob}


def _texts(session, article):
    claims = active_claims(session, article)
    assert [c.position for c in claims] == list(range(1, len(claims) + 1))
    for claim in claims:
        assert claim.text == article.text[claim.start : claim.end]
    return [c.text for c in claims]


def _annotate(session, world, claim, user, note):
    existing = get_annotation(session, claim, user)
    return save_annotation(
        session,
        world["project"],
        claim,
        user,
        AnnotationInput(note=note, verifiability="verifiable"),
        base_version=existing.version if existing else None,
    )


def test_the_fixture_text_has_three_claims(session, world):
    assert _texts(session, world["article"]) == [
        "Alpha said one thing.",
        "Beta said another thing.",
        "Gamma agreed with both.",
    ]


def test_split_keeps_id_and_annotations_and_flags_them(session, world):
    article, mona, ann = world["article"], world["mona"], world["ann"]
    first, second, third = active_claims(session, article)
    annotation = _annotate(session, world, first, ann, "about Alpha")
    version = annotation.version
    at = article.text.index("one thing")
    new = split_claim(session, first, at - 1, user=mona)  # at the space: both parts stripped
    assert _texts(session, article) == [
        "Alpha said",
        "one thing.",
        "Beta said another thing.",
        "Gamma agreed with both.",
    ]
    claims = active_claims(session, article)
    assert [c.id for c in claims] == [first.id, new.id, second.id, third.id]
    assert [c.position for c in claims] == [1, 2, 3, 4]
    kept = session.get(Annotation, annotation.id)
    assert kept.claim_id == first.id
    assert kept.span_changed is True
    assert kept.version == version + 1
    assert kept.note == "about Alpha"
    assert session.scalars(select(Annotation).where(Annotation.claim_id == new.id)).all() == []
    (entry,) = [e for e in claim_history(session, first.id) if e.entity == "claim"]
    assert (entry.action, entry.user_id) == ("split", mona.id)
    assert entry.before == {"start": 0, "end": 21, "state": "active"}
    assert entry.after == {
        "start": 0,
        "end": 10,
        "state": "active",
        "new_claim_id": new.id,
        "new_start": 11,
        "new_end": 21,
    }
    (created,) = claim_history(session, new.id)
    assert created.action == "created-by-split"
    assert created.before["from_claim_id"] == first.id
    assert created.after == {"start": 11, "end": 21, "state": "active"}


def test_a_form_opened_before_a_split_cannot_save_over_it(session, world):
    article, ann = world["article"], world["ann"]
    first = active_claims(session, article)[0]
    opened = _annotate(session, world, first, ann, "v1").version
    split_claim(session, first, article.text.index("one"), user=world["mona"])
    with pytest.raises(Conflict) as info:
        save_annotation(
            session, world["project"], first, ann, AnnotationInput(note="v2"), base_version=opened
        )
    assert info.value.current["note"] == "v1"
    saved = save_annotation(
        session,
        world["project"],
        first,
        ann,
        AnnotationInput(note="v2"),
        base_version=info.value.current["version"],
    )
    assert saved.span_changed is False  # a new save is the second look


@pytest.mark.parametrize(
    "offset",
    [
        lambda c: c.start,
        lambda c: c.end,
        lambda c: c.start - 1,
        lambda c: c.end + 1,
        lambda c: -5,
        lambda c: 10_000,
    ],
)
def test_split_rejects_offsets_outside_or_at_the_edges(session, world, offset):
    article = world["article"]
    second = active_claims(session, article)[1]
    with pytest.raises(InvalidInput, match="between its ends"):
        split_claim(session, second, offset(second), user=None)
    assert _texts(session, article)[1] == "Beta said another thing."
    assert claim_history(session, second.id) == []


def test_split_drops_white_space_and_rejects_white_space_parts(session, world):
    project = world["project"]
    report = import_items(
        session, project, [ArticleDraft(text="Left part     right part")], user=None
    )
    article = get_article(session, report.results[0].article_id)
    (claim,) = active_claims(session, article)
    base = claim.start
    gap = claim.text.index("   ")
    new = split_claim(session, claim, base + gap + 2, user=None)
    assert (claim.text, new.text) == ("Left part", "right part")
    assert (new.start, new.end) == (base + gap + 5, base + gap + 15)
    # give the second part white space at its end, then cut inside it
    assert article.text.endswith("right part")
    new.start = base + gap
    session.flush()
    with pytest.raises(InvalidInput, match="besides white space"):
        split_claim(session, new, base + gap + 3, user=None)


def test_merge_with_next_moves_annotations_of_annotators_without_one(session, world):
    article, mona, ann, bob = world["article"], world["mona"], world["ann"], world["bob"]
    first, second, third = active_claims(session, article)
    ann_first = _annotate(session, world, first, ann, "ann on first")
    ann_second = _annotate(session, world, second, ann, "ann on second")
    bob_second = _annotate(session, world, second, bob, "bob on second")
    versions = {a.id: a.version for a in (ann_first, ann_second, bob_second)}
    merged = merge_with_next(session, first, user=mona)
    assert merged.id == first.id
    assert _texts(session, article) == [
        "Alpha said one thing. Beta said another thing.",
        "Gamma agreed with both.",
    ]
    assert [c.position for c in active_claims(session, article)] == [1, 2]
    gone = get_claim(session, second.id)
    assert (gone.state, gone.merged_into_id) == ("merged", first.id)
    # bob had nothing on the first claim: his annotation moves and is flagged
    bob_now = session.get(Annotation, bob_second.id)
    assert (bob_now.claim_id, bob_now.span_changed) == (first.id, True)
    assert bob_now.version == versions[bob_second.id] + 1
    # ann had one on each: the first stays (flagged), the second stays on the merged claim
    ann_first_now = session.get(Annotation, ann_first.id)
    assert (ann_first_now.claim_id, ann_first_now.span_changed) == (first.id, True)
    assert ann_first_now.version == versions[ann_first.id] + 1
    ann_second_now = session.get(Annotation, ann_second.id)
    assert (ann_second_now.claim_id, ann_second_now.note) == (second.id, "ann on second")
    # nothing was lost
    assert session.scalars(select(Annotation.id).order_by(Annotation.id)).all() == sorted(versions)
    entry = next(e for e in claim_history(session, first.id) if e.action == "merge")
    assert entry.before == {"start": 0, "end": 21, "state": "active"}
    assert entry.after["merged_claim_id"] == second.id
    assert entry.after["moved_annotations"] == [bob_second.id]
    assert entry.after["end"] == second.end
    moved = [e for e in claim_history(session, first.id) if e.action == "moved-by-merge"]
    assert [(e.entity, e.entity_id, e.user_id) for e in moved] == [
        ("annotation", bob_second.id, mona.id)
    ]
    assert (moved[0].before, moved[0].after) == ({"claim_id": second.id}, {"claim_id": first.id})
    other = next(e for e in claim_history(session, second.id) if e.action == "merged-into")
    assert other.after == {"state": "merged", "merged_into_id": first.id}
    assert third.position == 2


def test_a_merged_claim_takes_no_more_edits_or_annotations(session, world):
    article, ann = world["article"], world["ann"]
    first, second, _ = active_claims(session, article)
    merge_with_next(session, first, user=None)
    for operation in (
        lambda: split_claim(session, second, second.start + 2, user=None),
        lambda: merge_with_next(session, second, user=None),
        lambda: trim_claim(session, second, second.start, second.end - 1, user=None),
        lambda: save_annotation(
            session, world["project"], second, ann, AnnotationInput(), base_version=None
        ),
    ):
        with pytest.raises(InvalidInput, match="merged into another one"):
            operation()


def test_the_last_claim_cannot_merge(session, world):
    *_, last = active_claims(session, world["article"])
    with pytest.raises(InvalidInput, match="last claim"):
        merge_with_next(session, last, user=None)
    assert claim_history(session, last.id) == []


def test_merge_twice_and_with_an_empty_annotation_set(session, world):
    article = world["article"]
    first = active_claims(session, article)[0]
    merge_with_next(session, first, user=None)
    merge_with_next(session, first, user=None)
    assert _texts(session, article) == [article.text]
    assert [e.action for e in claim_history(session, first.id)] == ["merge", "merge"]


def test_trim_moves_boundaries_strips_and_flags(session, world):
    article, mona, ann = world["article"], world["mona"], world["ann"]
    first, second, _ = active_claims(session, article)
    annotation = _annotate(session, world, second, ann, "beta")
    version = annotation.version
    start = article.text.index("said another")
    trim_claim(session, second, start - 1, second.end + 1, user=mona)  # space, then "\n"
    assert second.text == "said another thing."
    now = session.get(Annotation, annotation.id)
    assert (now.span_changed, now.version) == (True, version + 1)
    entry, flagged = claim_history(session, second.id)[1:]  # after ann's save
    assert (entry.action, entry.user_id) == ("trim", mona.id)
    assert entry.before == {"start": 22, "end": 46, "state": "active"}
    assert entry.after == {"start": start, "end": second.end, "state": "active"}
    # the annotation's new version is in its history too
    assert (flagged.entity, flagged.entity_id, flagged.action) == (
        "annotation",
        annotation.id,
        "flag-span-changed",
    )
    assert flagged.before == {"version": version}
    assert flagged.after == {"version": version + 1, "span_changed": True}
    # trimming to the same span changes and records nothing
    trim_claim(session, second, second.start, second.end, user=mona)
    assert len(claim_history(session, second.id)) == 3
    # a claim can grow into free text between its neighbours
    trim_claim(session, second, first.end, second.end, user=mona)
    assert second.text == "Beta said another thing."


@pytest.mark.parametrize(
    "bounds",
    [
        lambda f, s, t, n: (f.end - 1, s.end),  # into the previous claim
        lambda f, s, t, n: (s.start, t.start + 1),  # into the next claim
        lambda f, s, t, n: (f.start, t.end),  # over both
        lambda f, s, t, n: (s.end, s.start),  # reversed
        lambda f, s, t, n: (-1, s.end),
        lambda f, s, t, n: (s.start, n + 1),
        lambda f, s, t, n: (s.end, s.end + 2),  # white space only
    ],
)
def test_trim_rejects_bad_spans(session, world, bounds):
    article = world["article"]
    first, second, third = active_claims(session, article)
    start, end = bounds(first, second, third, len(article.text))
    with pytest.raises(InvalidInput):
        trim_claim(session, second, start, end, user=None)
    session.expire_all()
    assert _texts(session, article)[1] == "Beta said another thing."
    assert claim_history(session, second.id) == []


def test_get_claim_unknown(session):
    with pytest.raises(NotFound):
        get_claim(session, 999_999)


def test_claim_edits_keep_every_annotation(session, world):
    article, ann, bob = world["article"], world["ann"], world["bob"]
    claims = active_claims(session, article)
    for claim in claims:
        for user in (ann, bob):
            _annotate(session, world, claim, user, f"{user.username} {claim.id}")
    ids = set(session.scalars(select(Annotation.id)))
    split_claim(session, claims[0], claims[0].start + 5, user=None)
    merge_with_next(session, claims[1], user=None)
    trim_claim(session, claims[1], claims[1].start + 1, claims[1].end, user=None)
    assert set(session.scalars(select(Annotation.id))) == ids
    active = session.scalars(select(Claim.id).where(Claim.state == "active")).all()
    assert len(active) == 3
    assert session.scalar(select(Claim.id).where(Claim.state == "merged")) == claims[2].id


@pytest.mark.parametrize("longer", [False, True])
def test_following_a_claim_merge_stops_on_a_cycle(session, world, longer):
    from sqlalchemy import update

    from workbench.merges import MergeCycle
    from workbench.ops.claims import claim_merged_into

    first, second, third = active_claims(session, world["article"])
    assert claim_merged_into(session, first) is first
    merge_with_next(session, second, user=world["mona"])
    assert claim_merged_into(session, third) is second
    # 3 -> 2 -> 3, or 3 -> 2 -> 1 -> 3
    links = [(second, first), (first, third)] if longer else [(second, third)]
    for claim, into in links:
        session.execute(update(Claim).where(Claim.id == claim.id).values(merged_into_id=into.id))
    session.expire_all()
    with pytest.raises(MergeCycle, match=r"^The claim \d+ is merged in a cycle"):
        claim_merged_into(session, third)


BOUNDARY_EDITS = {
    "split": lambda session, claim: split_claim(session, claim, claim.start + 5, user=None),
    "merge": lambda session, claim: merge_with_next(session, claim, user=None),
    "trim": lambda session, claim: trim_claim(
        session, claim, claim.start + 1, claim.end, user=None
    ),
}


@pytest.mark.parametrize("edit", BOUNDARY_EDITS.values(), ids=BOUNDARY_EDITS.keys())
def test_a_flagged_annotation_is_updated_now(session, world, edit):
    """A boundary change moves a flagged annotation's version on, and its updated_at."""
    article, ann, bob = world["article"], world["ann"], world["bob"]
    first, second, _ = active_claims(session, article)
    mine = _annotate(session, world, first, ann, "on the first")
    moved = _annotate(session, world, second, bob, "moves over in a merge")
    long_ago = datetime(2020, 1, 1, tzinfo=UTC)
    session.execute(update(Annotation).values(updated_at=long_ago))
    session.commit()
    started = datetime.now(UTC)
    edit(session, first)
    session.commit()
    flagged = [mine.id, moved.id] if edit is BOUNDARY_EDITS["merge"] else [mine.id]
    for annotation_id in flagged:
        annotation = session.get(Annotation, annotation_id)
        assert annotation.span_changed
        assert annotation.updated_at >= started.replace(microsecond=0)
    if edit is not BOUNDARY_EDITS["merge"]:
        untouched = session.get(Annotation, moved.id)
        assert untouched.updated_at == long_ago


def test_merge_with_previous_is_merging_the_previous_with_this(session, world):
    article, mona, ann = world["article"], world["mona"], world["ann"]
    first, second, third = active_claims(session, article)
    moved = _annotate(session, world, second, ann, "ann on second")
    merged = merge_with_previous(session, second, user=mona)
    assert merged.id == first.id
    assert _texts(session, article) == [
        "Alpha said one thing. Beta said another thing.",
        "Gamma agreed with both.",
    ]
    gone = get_claim(session, second.id)
    assert (gone.state, gone.merged_into_id) == ("merged", first.id)
    now = session.get(Annotation, moved.id)
    assert (now.claim_id, now.span_changed) == (first.id, True)
    entry = next(e for e in claim_history(session, first.id) if e.action == "merge")
    assert (entry.user_id, entry.after["merged_claim_id"]) == (mona.id, second.id)
    assert third.position == 2


def test_the_first_claim_cannot_merge_with_a_previous_one(session, world):
    first = active_claims(session, world["article"])[0]
    with pytest.raises(InvalidInput, match="first claim of the article"):
        merge_with_previous(session, first, user=None)
    assert claim_history(session, first.id) == []


def test_merging_with_the_previous_is_prepared_like_the_merge(session, world):
    article = world["article"]
    first, second, third = active_claims(session, article)
    prepared = prepare_edit(session, second, "merge-previous")
    assert prepared.spans == ((first.start, second.end), (third.start, third.end))
    assert prepare_edit(session, first, "merge-previous") is None
    assert prepare_edit(session, first, "merge").spans == prepared.spans


@pytest.mark.parametrize(
    ("words", "parts"),
    [
        ("one thing", ("Alpha said", "one thing.")),  # the second part begins with them
        ("Alpha said", ("Alpha said", "one thing.")),  # the claim's first words: after them
        ("Alpha", ("Alpha", "said one thing.")),
        ("  said  ", ("Alpha", "said one thing.")),
        ("A", ("A", "lpha said one thing.")),
        ("thing.", ("Alpha said one", "thing.")),
    ],
)
def test_a_split_at_any_words_inside_the_claim_works(session, world, words, parts):
    first = active_claims(session, world["article"])[0]
    second = split_claim(session, first, split_offset(first, words), user=None)
    assert (first.text, second.text) == parts


@pytest.mark.parametrize(
    ("words", "message"),
    [
        ("Gamma", "does not occur inside the claim"),
        ("alpha", "does not occur inside the claim"),
        ("Alpha said one thing.", "is the whole claim"),
        ("   ", "Give the text where the second part begins"),
    ],
)
def test_a_split_at_words_not_inside_the_claim_is_refused(session, world, words, message):
    first = active_claims(session, world["article"])[0]
    with pytest.raises(InvalidInput, match=message):
        split_offset(first, words)


def test_a_split_at_every_offset_that_leaves_two_parts_works(session, world):
    """Every position strictly inside the claim, at its first words too, splits it."""
    project = world["project"]
    text = "Go now, he said."
    report = import_items(session, project, [ArticleDraft(text=text)], user=None)
    article = get_article(session, report.results[0].article_id)
    session.commit()
    for at in range(1, len(text)):
        (claim,) = active_claims(session, article)
        left, right = text[:at].strip(), text[at:].strip()
        nested = session.begin_nested()
        if left and right:
            second = split_claim(session, claim, claim.start + at, user=None)
            assert (claim.text, second.text) == (left, right)
        else:
            with pytest.raises(InvalidInput, match="besides white space"):
                split_claim(session, claim, claim.start + at, user=None)
        nested.rollback()
        session.expire_all()
