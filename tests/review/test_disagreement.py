"""Disagreement detection (pure): per field, over done annotations, missing values not
counted, speakers after merges."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workbench.review.disagreement import (
    Done,
    accuracy,
    agreeing_with,
    agreements,
    compare_claims,
    disagreements,
    field_key,
    keys_for,
    parse_key,
)

KEYS = keys_for([7, 8])


def done(aid, claim, user, status="submitted", **values):
    mapped = {k.replace("stance_", "stance:"): v for k, v in values.items()}
    return Done(aid, claim, user, mapped, status)


def test_keys_cover_the_settled_fields_in_order_one_stance_per_target():
    assert KEYS == ["speaker", "via", "attribution", "stance:7", "stance:8", "verifiability"]
    assert field_key("stances", 7) == "stance:7"
    assert parse_key("stance:7")[1] == 7 and parse_key("via")[0].name == "via"
    for bad in ("note", "stances", "stance:x", "stance:", "nothing"):
        with pytest.raises(ValueError):
            parse_key(bad)
    with pytest.raises(ValueError):
        field_key("stances")
    with pytest.raises(ValueError):
        field_key("speaker", 3)
    with pytest.raises(ValueError):
        field_key("note")


def test_disagree_agree_and_candidates_per_field():
    compared = compare_claims(
        [
            done(1, 10, 100, attribution="direct", verifiability="opinion", speaker=5),
            done(2, 10, 101, attribution="indirect", verifiability="opinion", speaker=5),
            done(3, 10, 102, attribution="direct", verifiability="opinion", speaker=6),
        ],
        KEYS,
    )
    fields = compared[10]
    assert list(fields) == KEYS
    attribution = fields["attribution"]
    assert attribution.disagrees and not attribution.agrees
    assert [(c.value, c.annotation_ids, c.user_ids) for c in attribution.candidates] == [
        ("direct", (1, 3), (100, 102)),
        ("indirect", (2,), (101,)),
    ]
    assert fields["verifiability"].agrees and fields["verifiability"].agreed_value == "opinion"
    assert fields["speaker"].disagrees
    # Nobody set the via nor a stance: neither agreement nor disagreement.
    assert not fields["via"].agrees and not fields["via"].disagrees
    assert fields["via"].missing == 3 and fields["via"].annotators == 3
    with pytest.raises(ValueError):
        fields["via"].agreed_value  # noqa: B018


def test_a_conditional_field_left_empty_is_missing_not_a_disagreement():
    compared = compare_claims(
        [
            done(1, 1, 100, verifiability="not_a_claim"),  # no stance: by design
            done(2, 1, 101, verifiability="verifiable", stance_7="favor", attribution=""),
            done(3, 1, 102, verifiability="verifiable", stance_7="favor"),
        ],
        KEYS,
    )[1]
    assert not compared["stance:7"].disagrees and compared["stance:7"].agrees
    assert compared["stance:7"].missing == 1
    assert compared["verifiability"].disagrees
    assert not compared["attribution"].disagrees and compared["attribution"].given == 0


def test_one_vote_is_not_an_agreement_and_drafts_do_not_count():
    compared = compare_claims(
        [
            done(1, 1, 100, attribution="direct"),
            done(2, 1, 101, "draft", attribution="indirect"),
            done(3, 2, 100, "draft", attribution="direct"),
        ],
        KEYS,
    )
    assert list(compared) == [1], "a claim with drafts alone is not compared"
    assert compared[1]["attribution"].annotators == 1
    assert not compared[1]["attribution"].agrees
    assert not compared[1]["attribution"].disagrees


def test_speakers_compare_after_merges():
    rows = [done(1, 1, 100, speaker=5, via=9), done(2, 1, 101, speaker=6, via=9)]
    assert compare_claims(rows, KEYS)[1]["speaker"].disagrees
    merged = compare_claims(rows, KEYS, merged={6: 5})[1]["speaker"]
    assert merged.agrees and merged.agreed_value == 5
    # Labels are not speaker ids: a merge map never touches them.
    labels = compare_claims(
        [done(1, 1, 100, attribution=6), done(2, 1, 101, attribution=5)], KEYS, merged={6: 5}
    )
    assert labels[1]["attribution"].disagrees


def test_filters_by_field_label_and_annotator():
    compared = compare_claims(
        [
            done(1, 1, 100, attribution="direct", stance_7="favor"),
            done(2, 1, 101, attribution="indirect", stance_7="against"),
            done(3, 2, 100, attribution="mixed", speaker=5),
            done(4, 2, 102, attribution="none", speaker=6),
            done(5, 3, 100, verifiability="opinion"),
            done(6, 3, 101, verifiability="opinion"),
        ],
        KEYS,
    )
    every = disagreements(compared)
    assert [(c, [f.key for f in fs]) for c, fs in every] == [
        (1, ["attribution", "stance:7"]),
        (2, ["speaker", "attribution"]),
    ]
    assert [c for c, _ in disagreements(compared, key="stance:7")] == [1]
    assert [c for c, _ in disagreements(compared, label="mixed")] == [2]
    assert [f.key for _, fs in disagreements(compared, label="favor") for f in fs] == ["stance:7"]
    assert [c for c, _ in disagreements(compared, user_id=102)] == [2]
    assert disagreements(compared, key="via") == []
    # A speaker id is not a label.
    assert disagreements(compared, label=5) == []
    assert [(c.claim_id, c.key) for c in agreements(compared)] == [(3, "verifiability")]
    assert agreements(compared, key="speaker") == []


def test_accuracy_against_gold_and_agreeing_counts():
    rows = [
        done(1, 1, 100, attribution="direct", speaker=6),
        done(2, 1, 101, attribution="indirect", speaker=5),
        done(3, 2, 100, attribution="mixed"),
        done(4, 2, 101, "draft", attribution="mixed"),
    ]
    gold = {(1, "attribution"): "direct", (1, "speaker"): 5, (2, "attribution"): "mixed"}
    scores = accuracy(rows, gold, KEYS, merged={6: 5})
    assert (scores[(100, "attribution")].compared, scores[(100, "attribution")].correct) == (2, 2)
    assert scores[(101, "attribution")].rate == 0.0
    assert scores[(100, "speaker")].correct == 1, "6 was merged into 5"
    assert (101, "verifiability") not in scores
    gold_none = accuracy(rows, {(2, "speaker"): 5}, KEYS)
    assert gold_none[(100, "speaker")].missing == 1
    assert gold_none[(100, "speaker")].rate is None
    compared = compare_claims(rows, KEYS, merged={6: 5})
    assert agreeing_with(compared[1]["speaker"], 6, merged={6: 5}) == 2
    assert agreeing_with(compared[1]["attribution"], "none") == 0
    assert agreeing_with(compared[1]["attribution"], "") == 0


LABELS = st.sampled_from(["", "favor", "against", "neutral", None])


@given(st.lists(st.tuples(st.integers(1, 4), LABELS, st.booleans()), max_size=30))
def test_disagrees_exactly_when_two_set_values_differ(rows):
    annotations = [
        done(i, claim, 100 + i, "submitted" if is_done else "draft", stance_7=label)
        for i, (claim, label, is_done) in enumerate(rows, start=1)
    ]
    compared = compare_claims(annotations, KEYS)
    for claim_id, fields in compared.items():
        values = [
            label for claim, label, is_done in rows if claim == claim_id and is_done and label
        ]
        stance = fields["stance:7"]
        assert stance.disagrees == (len(set(values)) > 1)
        assert stance.agrees == (len(set(values)) == 1 and len(values) >= 2)
        assert stance.given == len(values)
        assert stance.given + stance.missing == stance.annotators


def test_keys_in_words():
    from workbench.review.disagreement import describe_key

    assert describe_key("speaker", {}) == "Speaker"
    assert describe_key("stance:7", {7: "Cooperation"}) == "Stance: Cooperation"
    assert describe_key("stance:8", {}) == "Stance: target 8"
