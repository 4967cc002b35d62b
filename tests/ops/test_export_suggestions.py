"""The export's suggestion columns: what was suggested, and whether the annotator took it.

A project whose claims have suggestions: some taken unchanged, some changed, a
claim with only the splitter's hint, a claim nobody annotated (with and without
suggestions), in every format and shape; loaded a page of claims at a time.
"""

from __future__ import annotations

import csv
import io
import json

import pytest
from sqlalchemy import delete, event, select

from tests.conftest import make_project, make_user
from workbench import exporting, fields, suggest
from workbench.importing import parse_pasted
from workbench.models import Article, Suggestion
from workbench.ops.annotations import AnnotationInput, save_annotation
from workbench.ops.articles import import_items
from workbench.ops.claims import active_claims
from workbench.ops.exports import export_columns, export_stream, wide_rows
from workbench.ops.speakers import create_speaker

pytestmark = pytest.mark.usefixtures("fast_passwords")

SUGGESTED = [
    "suggested_speaker",
    "suggested_speaker_type",
    "suggested_via",
    "suggested_attribution",
    "suggested_verifiability",
    "suggestion_confidence",
]
TAKEN = [
    "speaker_from_suggestion",
    "via_from_suggestion",
    "attribution_from_suggestion",
    "verifiability_from_suggestion",
]
TEXT = (
    "TEHRAN - General Mohammad Baqeri met his Iraqi guest on Thursday. "
    "“We know Iraq’s security as our own security,” Khwain said, according to Tasnim. "
    "Copyright Mehr News Agency. "
    "The talks will go on in Baghdad next month. "
    "Nobody said anything else."
)


def set_suggestions(session, claim, **proposals) -> None:
    """Replace the claim's suggestions: ``field=value`` or ``field=(value, confidence,
    registry speaker)``; stored as ops.suggestions stores them."""
    session.execute(delete(Suggestion).where(Suggestion.claim_id == claim.id))
    for name, proposal in proposals.items():
        value, confidence, speaker = (
            proposal if isinstance(proposal, tuple) else (proposal, 0.5, None)
        )
        session.add(
            Suggestion(
                claim_id=claim.id,
                field=name,
                value=value,
                confidence=confidence,
                speaker_id=speaker.id if speaker is not None else None,
                source="suggester",
                reason="a test's reason",
                evidence={"rule": "test", "continuation": False, "items": []},
            )
        )
    session.flush()


@pytest.fixture
def suggested(session):
    """Five claims. 0: speaker (a registry speaker, stored under an older spelling),
    type, attribution, verifiability; ann took speaker and attribution, bob all.
    1: a speaker the registry lacked when suggested (created before the save), a
    via, all labels; ann changed the attribution. 2: only the splitter's
    not_a_claim; ann changed it, bob took it. 3: suggestions, nobody annotated.
    4: no suggestion, nobody annotated. What each save took is what the save
    itself recorded (ops.annotations)."""
    manager = make_user(session, "mona")
    ann = make_user(session, "ann")
    bob = make_user(session, "bob")
    project = make_project(
        session, "Suggested", targets=("Cooperation",), manager=manager, annotators=[ann, bob]
    )
    parsed = parse_pasted(TEXT, title="Talks", outlet="Mehr", url="", published="", language="en")
    assert import_items(session, project, parsed, user=manager).imported == 1
    article = session.scalars(select(Article)).one()
    claims = active_claims(session, article)
    assert len(claims) == 5
    baqeri = create_speaker(session, project, "Mohammad Baqeri", type="person")
    tasnim = create_speaker(session, project, "Tasnim", type="outlet")
    set_suggestions(
        session,
        claims[0],
        speaker=("General Baqeri", 0.9, baqeri),
        speaker_type="person",
        attribution="none",
        verifiability="verifiable",
    )
    set_suggestions(
        session,
        claims[1],
        speaker=("Hamed Khwain", 0.75, None),
        speaker_type="person",
        via=("Tasnim", 0.8, tasnim),
        attribution="direct",
        verifiability="opinion",
    )
    set_suggestions(session, claims[2], verifiability=("not_a_claim", 1.0, None))
    set_suggestions(session, claims[3], speaker=("Mehr", 0.6, None), speaker_type="outlet")
    set_suggestions(session, claims[4])
    khwain = create_speaker(session, project, "Hamed Khwain", type="person")

    def save(claim, user, *taken, **values):
        """Save as the form does; the save records what it took (``taken``)."""
        annotation = save_annotation(
            session, project, claim, user, AnnotationInput(**values), base_version=None
        )
        session.flush()
        session.refresh(annotation)
        assert annotation.from_suggestion == list(taken)

    save(
        claims[0],
        ann,
        "speaker",
        "attribution",
        speaker_id=baqeri.id,
        attribution="none",
        verifiability="opinion",
    )
    save(
        claims[0],
        bob,
        "speaker",
        "attribution",
        "verifiability",
        speaker_id=baqeri.id,
        attribution="none",
        verifiability="verifiable",
    )
    save(
        claims[1],
        ann,
        "speaker",
        "via",
        "verifiability",
        speaker_id=khwain.id,
        via_id=tasnim.id,
        attribution="mixed",
        verifiability="opinion",
    )
    save(claims[2], ann, verifiability="verifiable")
    save(claims[2], bob, "verifiability", verifiability="not_a_claim")
    session.flush()
    session.expire_all()
    return {"project": project, "claims": claims}


def text_of(session, project, **options) -> str:
    return "".join(export_stream(session, project, **options))


def read_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_fields_name_the_suggestion_columns():
    assert fields.suggestion_columns() == SUGGESTED + TAKEN
    for f in fields.FIELDS:
        assert all(name in suggest.FIELDS for name in f.suggested)
        assert (f.from_suggestion_column is None) == (not f.suggested)
    assert fields.CONFIDENCE_OF in suggest.FIELDS


def test_the_columns_come_after_dateline_and_before_the_metadata(session, suggested):
    project = suggested["project"]
    header = next(csv.reader(io.StringIO(text_of(session, project))))
    assert header == export_columns(session, project)
    at = header.index("dateline") + 1
    assert header[at:] == SUGGESTED + TAKEN
    assert exporting.long_fields(["Cooperation"])[-10:] == SUGGESTED + TAKEN


def test_wide_rows_say_what_was_suggested_and_what_was_taken(session, suggested):
    rows = read_csv(text_of(session, suggested["project"], all_claims=True))
    got = [
        (r["claim_index"], r["annotator"], *(r[c] for c in SUGGESTED + TAKEN)) for r in rows
    ]
    assert got == [
        # The registry speaker's name, not the older spelling the suggestion was stored with.
        ("1", "ann", "Mohammad Baqeri", "person", "", "none", "verifiable", "0.9",
         "true", "", "true", "false"),
        ("1", "bob", "Mohammad Baqeri", "person", "", "none", "verifiable", "0.9",
         "true", "", "true", "true"),
        ("2", "ann", "Hamed Khwain", "person", "Tasnim", "direct", "opinion", "0.75",
         "true", "true", "false", "true"),
        # No speaker suggestion: no confidence, and nothing to take for three fields.
        ("3", "ann", "", "", "", "", "not_a_claim", "", "", "", "", "false"),
        ("3", "bob", "", "", "", "", "not_a_claim", "", "", "", "", "true"),
        # Nobody annotated: the suggestions, and no answer to "taken?".
        ("4", "", "Mehr", "outlet", "", "", "", "0.6", "", "", "", ""),
        ("5", "", "", "", "", "", "", "", "", "", "", ""),
    ]  # fmt: skip


def test_jsonl_gives_numbers_and_booleans(session, suggested):
    project = suggested["project"]
    lines = text_of(session, project, format="jsonl", all_claims=True).splitlines()
    records = [json.loads(line) for line in lines]
    wide = read_csv(text_of(session, project, all_claims=True, raw_formulas=True))
    assert [{k: exporting.cell_text(v) for k, v in r.items()} for r in records] == wide
    first = records[0]
    assert first["suggestion_confidence"] == 0.9
    assert first["speaker_from_suggestion"] is True
    assert first["verifiability_from_suggestion"] is False
    assert first["via_from_suggestion"] is None and first["suggested_via"] is None
    unannotated = records[-2]
    assert unannotated["suggested_speaker"] == "Mehr"
    assert all(unannotated[c] is None for c in TAKEN)


def test_long_rows_carry_the_suggestion_fields(session, suggested):
    project = suggested["project"]
    wide = read_csv(text_of(session, project, all_claims=True))
    rows = read_csv(text_of(session, project, shape="long", all_claims=True))
    assert list(rows[0]) == exporting.long_columns()
    names = exporting.long_fields(["Cooperation"])
    annotated = [r for r in wide if r["annotator"]]
    # Every field of an annotated row; the suggestions of an unannotated claim.
    assert len(rows) == len(annotated) * len(names) + 2 * len(SUGGESTED)
    for row in rows:
        source = next(
            w
            for w in wide
            if w["claim_id"] == row["claim_id"] and w["annotator"] == row["annotator"]
        )
        assert row["value"] == source[row["field"]]
    unannotated = [r for r in rows if not r["annotator"]]
    assert [r["field"] for r in unannotated] == SUGGESTED * 2
    assert all(r["updated_at"] == "" for r in unannotated)
    records = [
        json.loads(line)
        for line in text_of(session, project, format="jsonl", shape="long").splitlines()
    ]
    first = suggested["claims"][0].id
    by_field = {
        r["field"]: r["value"]
        for r in records
        if r["annotator"] == "ann" and r["claim_id"] == first
    }
    assert by_field["speaker_from_suggestion"] is True
    assert by_field["suggestion_confidence"] == 0.9


def test_without_all_claims_unannotated_claims_stay_out(session, suggested):
    rows = read_csv(text_of(session, suggested["project"]))
    assert [r["claim_index"] for r in rows] == ["1", "1", "2", "3", "3"]
    long = read_csv(text_of(session, suggested["project"], shape="long"))
    assert all(r["annotator"] for r in long)


def test_a_taken_field_stays_taken_when_the_suggestion_goes(session, suggested):
    """from_suggestion records what the annotator took when saving; a later re-run
    that drops the suggestion does not change it."""
    set_suggestions(session, suggested["claims"][0])
    session.expire_all()
    ann = next(r for r in wide_rows(session, suggested["project"]) if r["annotator"] == "ann")
    assert ann["suggested_speaker"] is None and ann["suggestion_confidence"] is None
    assert ann["speaker_from_suggestion"] is True
    assert ann["attribution_from_suggestion"] is True
    assert ann["verifiability_from_suggestion"] is None  # not taken, and no suggestion now


def test_suggested_values_are_neutralised_like_every_cell(session, suggested):
    project = suggested["project"]
    set_suggestions(session, suggested["claims"][3], speaker=("=HYPERLINK(1);-2", 0.5, None))
    session.expire_all()
    cooked = read_csv(text_of(session, project, all_claims=True))
    raw = read_csv(text_of(session, project, all_claims=True, raw_formulas=True))
    assert cooked[5]["suggested_speaker"] == "'=HYPERLINK(1);'-2"
    assert raw[5]["suggested_speaker"] == "=HYPERLINK(1);-2"
    assert cooked[5]["suggestion_confidence"] == "0.5"


def test_suggestions_are_loaded_a_page_of_claims_at_a_time(session, suggested, monkeypatch):
    """Pages of three rows split claims between pages: the cells are still right, and
    the suggestions cost one query a page, not one a row."""
    import workbench.ops.exports as exports_ops

    project = suggested["project"]
    expected = text_of(session, project, all_claims=True)
    monkeypatch.setattr(exports_ops, "PAGE", 3)
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        if "FROM suggestions" in statement:
            statements.append(statement)

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", count)
    try:
        for options in ({"all_claims": True}, {"all_claims": True, "format": "jsonl"}):
            statements.clear()
            assert text_of(session, project, **options)
            assert len(statements) == 3  # 7 rows in pages of 3
        assert text_of(session, project, all_claims=True) == expected
    finally:
        event.remove(engine, "before_cursor_execute", count)
