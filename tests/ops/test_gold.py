"""Adjudication operations: the list of disagreements, settling, accepting, history."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.conftest import make_project, make_user
from tests.web.web_helpers import add_article
from workbench.errors import Conflict, InvalidInput, NotFound
from workbench.models import GOLD_REASONS, GoldLabel, HistoryEntry, Speaker
from workbench.ops.annotations import AnnotationInput, save_annotation
from workbench.ops.gold import (
    Filters,
    accept_agreed,
    claim_review,
    gold_history,
    gold_reasons,
    list_disagreements,
    set_gold_reasons,
    settle_gold,
)
from workbench.ops.speakers import create_speaker, merge_speakers

pytestmark = pytest.mark.usefixtures("fast_passwords")


@pytest.fixture
def world(session):
    """A project with one target, three annotators, a four-claim article and two speakers."""
    boss = make_user(session, "boss")
    coders = [make_user(session, name) for name in ("ann", "bob", "cat")]
    project = make_project(
        session, "Gold", targets=("Cooperation",), manager=boss, annotators=coders
    )
    article, claims = add_article(session, project)
    jane = create_speaker(session, project, "Jane Doe")
    john = create_speaker(session, project, "John Roe")
    session.flush()
    return {
        "project": project,
        "boss": boss,
        "coders": coders,
        "article": article,
        "claims": claims,
        "target": project.targets[0].id,
        "jane": jane,
        "john": john,
    }


def annotate(session, world, claim, user, *, status="submitted", stance="", **values):
    stances = {world["target"]: stance} if stance else {}
    return save_annotation(
        session,
        world["project"],
        claim,
        user,
        AnnotationInput(status=status, stances=stances, **values),
        base_version=None,
    )


def three(session, world, claim, *values):
    """Annotate ``claim`` by the three coders with these keyword dicts (an empty one: a
    note alone, since a done annotation sets something)."""
    return [
        annotate(session, world, claim, u, **(v or {"note": "seen"}))
        for u, v in zip(world["coders"], values, strict=True)
    ]


def stance_key(world):
    return f"stance:{world['target']}"


def test_the_list_shows_disagreeing_fields_only_and_their_candidates(session, world):
    c1, c2, c3, _ = world["claims"]
    three(
        session,
        world,
        c1,
        {"attribution": "direct", "stance": "favor"},
        {"attribution": "indirect", "stance": "favor"},
        {"attribution": "direct"},
    )
    three(session, world, c2, *[{"verifiability": "opinion"}] * 3)
    annotate(session, world, c3, world["coders"][0], verifiability="opinion")
    annotate(session, world, c3, world["coders"][1], verifiability="verifiable", status="draft")
    page = list_disagreements(session, world["project"])
    assert [row.claim.id for row in page.rows] == [c1.id]
    ((comparison, gold),) = page.rows[0].fields
    assert comparison.key == "attribution" and gold is None
    assert [(c.value, c.votes) for c in comparison.candidates] == [("direct", 2), ("indirect", 1)]
    assert page.next_after is None


def test_filters_and_pages(session, world):
    c1, c2, c3, c4 = world["claims"]
    ann, bob, cat = world["coders"]
    for claim in (c1, c2, c3):
        annotate(session, world, claim, ann, attribution="direct")
        annotate(session, world, claim, bob, attribution="mixed")
    annotate(session, world, c4, ann, stance="favor")
    annotate(session, world, c4, cat, stance="against")
    project = world["project"]
    first = list_disagreements(session, project, size=2)
    assert [r.claim.id for r in first.rows] == [c1.id, c2.id] and first.next_after == c2.id
    second = list_disagreements(session, project, after=first.next_after, size=2)
    assert [r.claim.id for r in second.rows] == [c3.id, c4.id]
    assert (
        second.next_after is None
        or not list_disagreements(session, project, after=second.next_after, size=2).rows
    )
    by_field = list_disagreements(session, project, Filters(key=stance_key(world)))
    assert [r.claim.id for r in by_field.rows] == [c4.id]
    by_label = list_disagreements(session, project, Filters(label="mixed"))
    assert [r.claim.id for r in by_label.rows] == [c1.id, c2.id, c3.id]
    by_annotator = list_disagreements(session, project, Filters(annotator_id=cat.id))
    assert [r.claim.id for r in by_annotator.rows] == [c4.id]
    by_article = list_disagreements(session, project, Filters(article_id=world["article"].id))
    assert len(by_article.rows) == 4
    for bad in (Filters(key="note"), Filters(key="stance:99999"), Filters(state="done")):
        with pytest.raises(InvalidInput):
            list_disagreements(session, project, bad)
    with pytest.raises(NotFound):
        list_disagreements(session, project, Filters(article_id=99999))


def test_speakers_compare_after_a_merge(session, world):
    c1 = world["claims"][0]
    jane, john = world["jane"], world["john"]
    three(session, world, c1, {"speaker_id": jane.id}, {"speaker_id": john.id}, {})
    assert list_disagreements(session, world["project"]).rows
    merge_speakers(session, john, jane, user=world["boss"])
    assert not list_disagreements(session, world["project"]).rows


def test_settle_picks_an_annotation_records_sources_reason_and_codebook(session, world):
    c1 = world["claims"][0]
    a, b, c = three(
        session,
        world,
        c1,
        {"attribution": "direct"},
        {"attribution": "indirect"},
        {"attribution": "direct"},
    )
    project, boss = world["project"], world["boss"]
    gold = settle_gold(
        session,
        project,
        c1.id,
        "attribution",
        user=boss,
        reason="annotator slip",
        reason_text="Quotation marks are there.",
        pick=a.id,
    )
    assert (gold.value, gold.speaker_id, gold.adjudicated) == ("direct", None, True)
    assert gold.source_annotation_ids == [a.id, c.id]
    assert (gold.reason, gold.reason_text) == ("annotator slip", "Quotation marks are there.")
    assert gold.codebook_version == project.codebook_version and gold.settled_by_id == boss.id
    assert gold.version == 1
    page = list_disagreements(session, project)
    assert page.rows == [], "settled: not open any more"
    settled = list_disagreements(session, project, Filters(state="settled"))
    assert [r.fields[0][1].id for r in settled.rows] == [gold.id]
    (entry,) = gold_history(session, [gold.id])
    assert (entry.action, entry.before, entry.after["value"]) == ("settle", None, "direct")
    assert entry.claim_id is None, "kept out of the claim's history, which annotators see"


def test_settle_a_value_nobody_gave_and_a_new_speaker(session, world):
    c1 = world["claims"][0]
    three(
        session,
        world,
        c1,
        {"attribution": "direct", "speaker_id": world["jane"].id},
        {"attribution": "indirect", "speaker_id": world["john"].id},
        {},
    )
    project, boss = world["project"], world["boss"]
    gold = settle_gold(
        session, project, c1.id, "attribution", user=boss, reason="other", value="mixed"
    )
    assert gold.value == "mixed" and gold.source_annotation_ids == []
    speaker = settle_gold(
        session,
        project,
        c1.id,
        "speaker",
        user=boss,
        reason="genuinely ambiguous",
        new_speaker="Ministry of Defence",
    )
    made = session.scalar(select(Speaker).where(Speaker.name == "Ministry of Defence"))
    assert speaker.speaker_id == made.id and speaker.value == ""
    cleared = settle_gold(session, project, c1.id, "via", user=boss, reason="other", value=None)
    assert cleared.speaker_id is None and cleared.value == ""


def test_settle_refuses_bad_input_and_writes_nothing(session, world):
    c1, c2 = world["claims"][:2]
    a, b, _ = three(
        session, world, c1, {"attribution": "direct"}, {"attribution": "indirect"}, {"note": "x"}
    )
    other = annotate(session, world, c2, world["coders"][0], attribution="none")
    project, boss = world["project"], world["boss"]
    cases = [
        ({"reason": "", "pick": a.id}, "reason"),
        ({"reason": "because", "pick": a.id}, "reason"),
        ({"reason": "other", "value": "shouted"}, "value"),
        ({"reason": "other", "pick": other.id}, "pick"),
        ({"reason": "other", "pick": 999999}, "pick"),
        ({"reason": "other", "reason_text": "x" * 5001, "pick": a.id}, "reason_text"),
    ]
    for kwargs, field in cases:
        with pytest.raises(InvalidInput) as caught:
            settle_gold(session, project, c1.id, "attribution", user=boss, **kwargs)
        assert caught.value.field == field, kwargs
    with pytest.raises(InvalidInput):
        settle_gold(session, project, c1.id, "note", user=boss, reason="other", value="x")
    with pytest.raises(InvalidInput):
        settle_gold(session, project, c1.id, "speaker", user=boss, reason="other", value=10**6)
    with pytest.raises(NotFound):
        settle_gold(session, project, 10**6, "attribution", user=boss, reason="other", pick=a.id)
    assert session.scalar(select(func.count()).select_from(GoldLabel)) == 0


def test_a_stale_version_is_refused_with_the_gold_as_it_is_now(session, world):
    c1 = world["claims"][0]
    a, b, _ = three(session, world, c1, {"attribution": "direct"}, {"attribution": "indirect"}, {})
    project, boss = world["project"], world["boss"]
    first = settle_gold(
        session, project, c1.id, "attribution", user=boss, reason="other", pick=a.id
    )
    with pytest.raises(Conflict) as caught:
        # A second form, opened before the first was sent, showed no gold.
        settle_gold(session, project, c1.id, "attribution", user=boss, reason="other", pick=b.id)
    assert "Someone settled this field" in caught.value.message
    assert caught.value.current["value"] == "direct"
    with pytest.raises(Conflict):
        settle_gold(
            session, project, c1.id, "attribution", user=boss, reason="other", pick=b.id, version=7
        )
    edited = settle_gold(
        session,
        project,
        c1.id,
        "attribution",
        user=boss,
        reason="guideline unclear",
        pick=b.id,
        version=first.version,
    )
    assert edited.version == 2 and edited.value == "indirect"
    actions = [
        (e.action, (e.before or {}).get("value")) for e in gold_history(session, [edited.id])
    ]
    assert actions == [("settle", None), ("edit", "direct")]


def test_accept_agreed_is_idempotent_and_never_overwrites_adjudicated(session, world):
    c1, c2, c3, _ = world["claims"]
    jane = world["jane"]
    three(
        session,
        world,
        c1,
        {"attribution": "direct", "speaker_id": jane.id, "stance": "favor"},
        {"attribution": "direct", "speaker_id": jane.id},
        {"attribution": "direct", "speaker_id": jane.id, "stance": "favor"},
    )
    three(session, world, c2, {"attribution": "direct"}, {"attribution": "mixed"}, {})
    three(session, world, c3, {"verifiability": "opinion"}, {"verifiability": "opinion"}, {})
    project, boss = world["project"], world["boss"]
    # An adjudicator settled c3's verifiability otherwise, before the accept.
    settle_gold(
        session, project, c3.id, "verifiability", user=boss, reason="other", value="prediction"
    )
    report = accept_agreed(session, project, user=boss)
    assert (report.accepted, report.kept, report.unchanged) == (3, 1, 0)
    golds = {
        (g.claim_id, g.key): g for g in session.scalars(select(GoldLabel).order_by(GoldLabel.id))
    }
    assert golds[(c1.id, "speaker")].speaker_id == jane.id
    assert golds[(c1.id, stance_key(world))].value == "favor"
    assert not golds[(c1.id, "attribution")].adjudicated
    assert len(golds[(c1.id, "attribution")].source_annotation_ids) == 3
    assert (c2.id, "attribution") not in golds
    assert golds[(c3.id, "verifiability")].value == "prediction"
    again = accept_agreed(session, project, user=boss)
    assert (again.accepted, again.updated, again.unchanged, again.kept) == (0, 0, 3, 1)
    entries = session.scalars(
        select(HistoryEntry).where(HistoryEntry.action == "accept-gold")
    ).all()
    assert [e.after["accepted"] for e in entries] == [3], "one entry for the run that accepted"


def test_accept_agreed_for_an_article_or_a_field(session, world):
    c1 = world["claims"][0]
    three(
        session,
        world,
        c1,
        {"attribution": "direct", "verifiability": "opinion"},
        {"attribution": "direct", "verifiability": "opinion"},
        {},
    )
    project, boss = world["project"], world["boss"]
    only = accept_agreed(session, project, user=boss, key="verifiability")
    assert only.accepted == 1
    rest = accept_agreed(session, project, user=boss, article_id=world["article"].id)
    assert rest.accepted == 1 and rest.unchanged == 1
    with pytest.raises(InvalidInput):
        accept_agreed(session, project, user=boss, key="stances")
    with pytest.raises(NotFound):
        accept_agreed(session, project, user=boss, article_id=10**6)


def test_an_accepted_gold_follows_a_new_agreement_and_edits_go_to_history(session, world):
    c1 = world["claims"][0]
    a, b, _ = three(session, world, c1, {"attribution": "direct"}, {"attribution": "direct"}, {})
    project, boss = world["project"], world["boss"]
    accept_agreed(session, project, user=boss)
    for annotation in (a, b):
        save_annotation(
            session,
            project,
            c1,
            annotation.user,
            AnnotationInput(attribution="mixed"),
            base_version=annotation.version,
        )
    report = accept_agreed(session, project, user=boss)
    assert report.updated == 1
    gold = session.scalar(select(GoldLabel))
    assert gold.value == "mixed" and gold.version == 2 and not gold.adjudicated
    (entry,) = gold_history(session, [gold.id])
    assert (entry.action, entry.before["value"], entry.after["value"]) == (
        "accept",
        "direct",
        "mixed",
    )
    # Editing an accepted gold needs a reason and makes it adjudicated.
    edited = settle_gold(
        session,
        project,
        c1.id,
        "attribution",
        user=boss,
        reason="other",
        value="direct",
        version=gold.version,
    )
    assert edited.adjudicated and edited.version == 3


def test_claim_review_shows_done_annotations_side_by_side(session, world):
    c1 = world["claims"][1]
    jane = world["jane"]
    annotate(session, world, c1, world["coders"][0], speaker_id=jane.id, note="quoted")
    annotate(session, world, c1, world["coders"][1], attribution="direct", status="draft")
    review = claim_review(session, world["project"], c1.id)
    assert [a.user.username for a in review.annotations] == ["ann"]
    assert review.annotations[0].note == "quoted"
    assert review.value_of(review.annotations[0], "speaker") == jane.id
    assert review.speakers[jane.id].name == "Jane Doe"
    assert review.before.endswith("went well. ") and review.after.startswith(" The ministry")
    assert review.keys[0] == "speaker"
    with pytest.raises(NotFound):
        claim_review(session, world["project"], 10**6)


def test_the_reasons_list_is_editable_with_history(session, world):
    project, boss = world["project"], world["boss"]
    assert gold_reasons(project) == list(GOLD_REASONS)
    assert set_gold_reasons(session, project, "slip\n\n  unclear  rule \n", user=boss)
    assert gold_reasons(project) == ["slip", "unclear rule"]
    assert not set_gold_reasons(session, project, "slip\nunclear rule", user=boss)
    for bad in ("a\nA", "x" * 201, "\n".join(str(i) for i in range(31))):
        with pytest.raises(InvalidInput):
            set_gold_reasons(session, project, bad, user=boss)
    assert gold_reasons(project) == ["slip", "unclear rule"]
    set_gold_reasons(session, project, " \n", user=boss)
    assert project.gold_reasons is None, "empty: the defaults, stored as NULL"
    assert gold_reasons(project) == list(GOLD_REASONS)
    entries = session.scalars(
        select(HistoryEntry).where(HistoryEntry.action == "edit-gold-reasons")
    ).all()
    assert len(entries) == 2


def test_every_page_together_is_exactly_what_the_pure_comparison_finds(session, world):
    """The SQL pre-filter and the windows of claim ids miss nothing and add nothing:
    walking every page of the list gives the claims review.disagreement finds."""
    import random

    from tests.bulk import make_long_article
    from workbench.ops.claims import active_claims
    from workbench.ops.gold import done_values, project_keys
    from workbench.review.disagreement import compare_claims, disagreements

    rng = random.Random(5)
    project, jane, john = world["project"], world["jane"], world["john"]
    claims = active_claims(session, make_long_article(session, project, 90))
    for claim in claims:
        for user in world["coders"]:
            if rng.random() < 0.2:
                continue
            annotate(
                session,
                world,
                claim,
                user,
                status="draft" if rng.random() < 0.1 else "submitted",
                speaker_id=rng.choice([jane.id, jane.id, john.id, None]),
                attribution=rng.choice(["direct", "direct", "direct", "mixed", ""]),
                stance=rng.choice(["favor", "favor", "favor", "against", ""]),
                note="n",
            )
    keys = project_keys(project)
    ids = [c.id for c in claims]
    expected = disagreements(compare_claims(done_values(session, ids), keys))
    assert len(expected) > 20
    for filters in (Filters(), Filters(key="attribution"), Filters(label="against")):
        seen, after = [], None
        while True:
            page = list_disagreements(session, project, filters, after=after, size=7)
            seen += [(r.claim.id, [c.key for c, _ in r.fields]) for r in page.rows]
            if page.next_after is None:
                break
            after = page.next_after
        want = disagreements(
            compare_claims(done_values(session, ids), keys), key=filters.key, label=filters.label
        )
        assert seen == [(claim_id, [c.key for c in fs]) for claim_id, fs in want], filters


def test_the_batch_by_batch_run_accepts_what_one_transaction_would(
    session, session_factory, world, monkeypatch
):
    import workbench.ops.gold as gold_ops
    from workbench.jobs import run_accept_agreed

    c1, c2, c3, _ = world["claims"]
    for claim in (c1, c2, c3):
        three(session, world, claim, *[{"attribution": "direct", "verifiability": "opinion"}] * 3)
    settle_gold(
        session,
        world["project"],
        c2.id,
        "attribution",
        user=world["boss"],
        reason="other",
        value="mixed",
    )
    session.commit()
    monkeypatch.setattr(gold_ops, "BATCH", 1)  # a batch (and a transaction) per claim
    report = run_accept_agreed(session_factory, world["project"].id, user_id=world["boss"].id)
    assert (report.accepted, report.kept, report.claims) == (5, 1, 4)
    again = run_accept_agreed(session_factory, world["project"].id, user_id=None)
    assert (again.accepted, again.unchanged, again.kept) == (0, 5, 1)
    session.rollback()
    assert session.scalar(select(func.count()).select_from(GoldLabel)) == 6
    (entry,) = session.scalars(select(HistoryEntry).where(HistoryEntry.action == "accept-gold"))
    assert entry.after["accepted"] == 5 and entry.user_id == world["boss"].id
    with pytest.raises(InvalidInput):
        run_accept_agreed(session_factory, world["project"].id, user_id=None, key="note")


def test_a_label_that_gold_uses_cannot_be_removed(session, world):
    from workbench.errors import Conflict
    from workbench.ops.projects import labels_by_field, set_labels

    project, boss = world["project"], world["boss"]
    claim = world["claims"][0]
    settle_gold(session, project, claim.id, "attribution", user=boss, reason="other", value="mixed")
    kept = [(lb.value, lb.description) for lb in labels_by_field(project)["attribution"]]
    with pytest.raises(Conflict, match="'mixed' is used by 1 gold label; it cannot be removed"):
        set_labels(session, project, "attribution", [p for p in kept if p[0] != "mixed"])
    key = f"stance:{world['target']}"
    settle_gold(session, project, claim.id, key, user=boss, reason="other", value="favor")
    stances = [(lb.value, lb.description) for lb in labels_by_field(project)["stance"]]
    with pytest.raises(Conflict, match="'favor' is used by 1 gold label"):
        set_labels(session, project, "stance", [p for p in stances if p[0] != "favor"])
