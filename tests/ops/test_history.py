"""The history's records in words: what the history pages show."""

from __future__ import annotations

from workbench.ops.history import describe, describe_project_change


def _rows(record, **kwargs):
    return {label: value for label, value, _ in describe(record, {1: "Cooperation"}, **kwargs)}


def test_booleans_read_yes_or_no():
    assert _rows({"version": 2, "span_changed": True}) == {"Version": "2", "Span changed": "yes"}
    assert _rows({"span_changed": False}) == {"Span changed": "no"}


def test_an_empty_list_shows_nothing_and_a_list_reads_as_text():
    assert _rows({"start": 0, "moved_annotations": []}) == {"Start": "0"}
    assert _rows({"moved_annotations": [12]}) == {"Moved annotations": "1 annotation (id 12)"}
    assert _rows({"moved_annotations": [12, 15]}) == {
        "Moved annotations": "2 annotations (ids 12, 15)"
    }
    assert _rows({"aliases": ["Baqeri", "General Baqeri"]}) == {"Aliases": "Baqeri, General Baqeri"}
    assert _rows({"moved_annotations": [12]}, blind=True) == {}


def test_no_raw_python_values_are_shown():
    record = {
        "span_changed": True,
        "moved_annotations": [3],
        "from_suggestion": ["speaker", "attribution"],
        "extra": {"a": 1},
        "note": None,
        "stances": {"1": "favor"},
    }
    shown = " ".join(value for _, value, _ in describe(record, {1: "Cooperation"}))
    for raw in ("True", "False", "None", "[", "{", "'"):
        assert raw not in shown, raw


def test_a_project_change_reads_in_words_too():
    rows = dict(describe_project_change({"done": True, "targets": [], "members": ["ann", "bob"]}))
    assert rows == {"Done": "yes", "Members": "ann, bob"}


def test_every_action_of_a_claim_s_history_reads_in_words():
    from workbench.ops.history import describe_action

    assert describe_action("annotation", "moved-by-merge") == "annotation moved here by a merge"
    assert describe_action("claim", "trim") == "claim trimmed"
    assert describe_action("claim", "some-new-thing") == "claim some new thing"
