"""Export row formats (pure): formula neutralisation, CSV quoting, long shape, JSONL."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workbench import exporting
from workbench.exporting import (
    CsvFields,
    cell_text,
    csv_cell,
    csv_line,
    csv_lines_stream,
    csv_stream,
    jsonl_stream,
    long_columns,
    neutralize,
    to_long,
    wide_columns,
)

TRICKY = [
    "plain",
    "comma, inside",
    'a "quoted" word',
    "two\nlines",
    "carriage\rreturn",
    "crlf\r\nend",
    "ünïcödé — “curly” ‘quotes’ 中文 🙂",
    "",
    " leading and trailing ",
    '"',
    ",",
    "'already quoted",
]


def read(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def joined(chunks) -> str:
    return "".join(chunks)


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_neutralize_prefixes_formula_starts_with_an_apostrophe(start):
    assert neutralize(start + "SUM(A1)") == "'" + start + "SUM(A1)"


@pytest.mark.parametrize(
    "text", ["", "a=b", "'=x", "SUM(A1)", "1+1", "\nx", "a; b", "2024-05-01", "x;'=1", "a\x1f=1"]
)
def test_neutralize_leaves_other_text_alone(text):
    assert neutralize(text) == text


@pytest.mark.parametrize(
    ("text", "neutral"),
    [
        ("a;=6*7;b", "a;'=6*7;b"),
        ("x\t=5*9\ty", "x\t'=5*9\ty"),
        ("p,=2+2", "p,'=2+2"),
        ("v\n=10*10", "v\n'=10*10"),
        ("cr\r+1", "cr\r'+1"),
        ("fall; -3%", "fall; '-3%"),
        (" =SUM(A1)", " '=SUM(A1)"),
        ("\u200b=1", "\u200b'=1"),
        ("\ufeff@A1", "\ufeff'@A1"),
        ("q;\u200b\u200c\u200d\u2060=3", "q;\u200b\u200c\u200d\u2060'=3"),
        ('s;"=7*7"', 's;"\'=7*7"'),
        ("\uff1d1+1", "'\uff1d1+1"),
        ("w;\uff0b1;\uff0d1;\uff201", "w;'\uff0b1;'\uff0d1;'\uff201"),
        ("\t=1", "'\t'=1"),
        ("=;=;=", "'=;'=;'="),
        ("meta:x;=1+1key", "meta:x;'=1+1key"),
        ("line\u2028=1", "line\u2028'=1"),
    ],
)
def test_neutralize_reaches_formulas_after_separators_and_unseen_characters(text, neutral):
    assert neutralize(text) == neutral
    assert neutralize(neutral) == neutral


SEPARATORS = ";\t,\r\n"
FORMULA_CHARS = "=+-@\uff1d\uff0b\uff0d\uff20"
UNSEEN = ' "\u00a0\u200b\u200c\u200d\u200e\u2060\ufeff\u3000\x0b'


@given(st.text(st.sampled_from(SEPARATORS + FORMULA_CHARS + UNSEEN + "a1'"), max_size=30))
def test_no_cell_under_any_separator_starts_with_a_formula_once_neutralised(text):
    """Split by any one separator (or at line breaks), every piece of the
    neutralised text, its unseen characters skipped, starts with no formula."""
    neutral = neutralize(text)
    pieces = [p for separator in SEPARATORS for p in neutral.split(separator)]
    for piece in pieces + neutral.splitlines():
        assert not piece.lstrip(UNSEEN).startswith(tuple(FORMULA_CHARS)), (text, piece)
    assert neutral.replace("'", "") == text.replace("'", "")  # only apostrophes added


def test_csv_stream_neutralises_the_header_unless_raw():
    columns = ["n", "meta:x;=1+1key", "stance:T\t@A1"]
    cooked = read(joined(csv_stream(columns, [])))
    assert cooked == [["n", "meta:x;'=1+1key", "stance:T\t'@A1"]]
    assert read(joined(csv_stream(columns, [], raw_formulas=True))) == [columns]
    assert read(joined(csv_lines_stream(columns, []))) == cooked


def test_cell_text():
    assert cell_text(None) == ""
    assert cell_text(True) == "true"
    assert cell_text(False) == "false"
    assert cell_text(0) == "0"
    assert cell_text(-3) == "-3"
    assert cell_text(2.5) == "2.5"
    assert cell_text("x, y") == "x, y"
    moment = datetime(2024, 5, 1, 9, 30, 0, 123456, tzinfo=UTC)
    assert cell_text(moment) == "2024-05-01T09:30:00.123456+00:00"
    assert cell_text(moment.replace(microsecond=0)) == "2024-05-01T09:30:00+00:00"


def test_csv_cell_keeps_integers_and_neutralises_text():
    assert csv_cell(-5) == -5  # numbers are never changed
    assert csv_cell(7) == 7
    assert csv_cell(True) == "true"
    assert csv_cell(None) == ""
    assert csv_cell(-2.5) == "'-2.5"  # only integers count as numbers (as before)
    assert csv_cell("=1+1") == "'=1+1"
    assert csv_cell("=1+1", raw_formulas=True) == "=1+1"


def test_wide_and_long_columns():
    assert wide_columns(["A", "B"], ["wire"]) == [
        *exporting.BASE_COLUMNS,
        "stance:A",
        "stance:B",
        "verifiability",
        "note",
        "created_at",
        "updated_at",
        "status",
        "span_changed",
        "codebook_version",
        "annotation_version",
        "author",
        "language",
        "dateline",
        "suggested_speaker",
        "suggested_speaker_type",
        "suggested_via",
        "suggested_attribution",
        "suggested_verifiability",
        "suggestion_confidence",
        "speaker_from_suggestion",
        "via_from_suggestion",
        "attribution_from_suggestion",
        "verifiability_from_suggestion",
        "meta:wire",
    ]
    assert wide_columns(["A"])[exporting.BASE_COLUMNS.index("attribution") + 1] == "stance:A"
    assert long_columns() == [
        "project",
        "article_id",
        "claim_id",
        "claim_index",
        "char_start",
        "char_end",
        "annotator",
        "field",
        "value",
        "updated_at",
    ]


def test_csv_stream_round_trips_tricky_text_through_the_csv_module():
    columns = ["n", "text", "other"]
    rows = [{"n": i, "text": t, "other": t[::-1]} for i, t in enumerate(TRICKY)]
    text = joined(csv_stream(columns, rows, raw_formulas=True))
    assert text.startswith("n,text,other\r\n")
    assert text.endswith("\r\n")
    assert read(text) == [columns] + [[str(i), t, t[::-1]] for i, t in enumerate(TRICKY)]


def test_csv_stream_round_trips_through_pandas():
    pd = pytest.importorskip("pandas")
    columns = ["n", "text"]
    rows = [{"n": i, "text": t} for i, t in enumerate(TRICKY)]
    text = joined(csv_stream(columns, rows, raw_formulas=True))
    frame = pd.read_csv(io.StringIO(text), keep_default_na=False, dtype={"text": str})
    assert list(frame.columns) == columns
    assert frame["n"].tolist() == list(range(len(TRICKY)))
    # pandas reads "\r" inside a quoted cell as it is; a lone "\r\n" stays "\r\n"
    assert frame["text"].tolist() == TRICKY


def test_csv_stream_neutralises_text_cells_but_not_numbers():
    columns = ["n", "text", "flag", "when", "missing"]
    moment = datetime(2024, 5, 1, tzinfo=UTC)
    rows = [{"n": -1, "text": "=cmd|' /C calc'!A0", "flag": False, "when": moment}]
    cooked = read(joined(csv_stream(columns, rows)))
    assert cooked[1] == ["-1", "'=cmd|' /C calc'!A0", "false", "2024-05-01T00:00:00+00:00", ""]
    raw = read(joined(csv_stream(columns, rows, raw_formulas=True)))
    assert raw[1][1] == "=cmd|' /C calc'!A0"


def test_csv_stream_yields_the_header_first_then_chunks_of_rows():
    rows = ({"a": i} for i in range(5))
    chunks = list(csv_stream(["a"], rows, batch=2))
    assert chunks == ["a\r\n", "0\r\n1\r\n", "2\r\n3\r\n", "4\r\n"]


def failing_rows(good: int):
    for i in range(good):
        yield {"a": i, "b": f"row {i}"}
    raise RuntimeError("connection lost")


def test_an_error_midway_writes_a_last_error_line_and_raises():
    chunks = []
    with pytest.raises(RuntimeError, match="connection lost"):
        for chunk in csv_stream(["a", "b"], failing_rows(3), batch=2):
            chunks.append(chunk)
    text = joined(chunks)
    assert read(text) == [
        ["a", "b"],
        ["0", "row 0"],
        ["1", "row 1"],
        ["2", "row 2"],
        ["ERROR: the export stopped early after 3 rows: connection lost"],
    ]


def test_an_error_before_any_row_still_writes_the_error_line():
    chunks = []
    with pytest.raises(RuntimeError):
        for chunk in csv_stream(["a", "b"], failing_rows(0)):
            chunks.append(chunk)
    error = "ERROR: the export stopped early after 0 rows: connection lost"
    assert joined(chunks) == f"a,b\r\n{error}\r\n"


def test_csv_lines_stream_writes_lines_as_given_and_the_error_line():
    def lines():
        yield csv_line(["1", "x"])
        raise ValueError('bad, "value"')

    chunks = []
    with pytest.raises(ValueError):
        for chunk in csv_lines_stream(["a", "b"], lines()):
            chunks.append(chunk)
    assert read(joined(chunks)) == [
        ["a", "b"],
        ["1", "x"],
        ['ERROR: the export stopped early after 1 row: bad, "value"'],
    ]


def test_csv_fields_render_each_value_once_like_csv_writer():
    fields = CsvFields()
    assert fields["plain"] == "plain"
    assert fields['say "hi", then go'] == '"say ""hi"", then go"'
    assert fields["=1+1"] == "'=1+1"
    assert fields[None] == fields[""] == ""
    assert fields[12] == "12"
    assert fields.render(True) == "true"
    assert "=1+1" in fields and True not in fields
    assert CsvFields(raw_formulas=True)["=1+1"] == "=1+1"
    row = ["a", 'b "c"', "d,e", "f\ng", "", 3]
    written = joined(csv_stream(list("uvwxyz"), [dict(zip("uvwxyz", row, strict=True))]))
    assert csv_line([fields[v] for v in row]) == written.split("\r\n", 1)[1]


def test_to_long_gives_one_row_per_field_and_the_suggestions_of_an_unannotated_claim():
    ids = {
        "project": "P",
        "article_id": 1,
        "claim_id": 2,
        "claim_index": 1,
        "char_start": 0,
        "char_end": 5,
    }
    moment = datetime(2024, 5, 1, tzinfo=UTC)
    annotated = {
        **ids,
        "annotator": "ann",
        "speaker": "Baqeri",
        "attribution": "direct",
        "stance:A": "favor",
        "verifiability": "opinion",
        "note": None,
        "updated_at": moment,
        "suggested_speaker": "Baqeri",
        "suggestion_confidence": 0.8,
        "speaker_from_suggestion": True,
        "attribution_from_suggestion": False,
    }
    bare = {**ids, "annotator": None, "suggested_speaker": "Khwain", "suggested_via": "Mehr"}
    rows = list(to_long([annotated, bare], ["A"]))
    fields = ["speaker", "speaker_type", "speaker_title", "via", "attribution", "stance:A"]
    fields += ["verifiability", "note"]
    suggested = ["suggested_speaker", "suggested_speaker_type", "suggested_via"]
    suggested += ["suggested_attribution", "suggested_verifiability", "suggestion_confidence"]
    taken = ["speaker_from_suggestion", "via_from_suggestion"]
    taken += ["attribution_from_suggestion", "verifiability_from_suggestion"]
    mine, theirs = rows[:-6], rows[-6:]
    assert [r["field"] for r in mine] == fields + suggested + taken
    assert [r["value"] for r in mine] == [
        "Baqeri",
        None,
        None,
        None,
        "direct",
        "favor",
        "opinion",
        None,
        "Baqeri",
        None,
        None,
        None,
        None,
        0.8,
        True,
        None,
        False,
        None,
    ]
    assert all(r["annotator"] == "ann" and r["updated_at"] == moment for r in mine)
    # An unannotated claim: its suggestions, nothing of an annotation.
    assert theirs == [
        {**ids, "annotator": None, "field": name, "value": bare.get(name), "updated_at": None}
        for name in suggested
    ]
    text = joined(csv_stream(long_columns(), rows))
    assert read(text)[-6] == ["P", "1", "2", "1", "0", "5", "", "suggested_speaker", "Khwain", ""]
    assert read(text)[-1] == ["P", "1", "2", "1", "0", "5", "", "suggestion_confidence", "", ""]


def test_jsonl_stream_writes_typed_values_one_object_a_line():
    moment = datetime(2024, 5, 1, 9, 30, tzinfo=UTC)
    rows = [
        {"n": 1, "flag": True, "text": "=1+1, “ü”\nx", "when": moment, "none": None},
        {"n": 2, "flag": False, "text": "", "when": None},
    ]
    text = joined(jsonl_stream(["n", "flag", "text", "when", "none"], rows, batch=1))
    assert text.endswith("\n")
    records = [json.loads(line) for line in text.splitlines()]
    assert records == [
        {
            "n": 1,
            "flag": True,
            "text": "=1+1, “ü”\nx",
            "when": "2024-05-01T09:30:00+00:00",
            "none": None,
        },
        {"n": 2, "flag": False, "text": "", "when": None, "none": None},
    ]
    assert "“ü”" in text  # not escaped to \\u


def test_jsonl_stream_ends_with_an_error_record_when_rows_fail():
    chunks = []
    with pytest.raises(RuntimeError):
        for chunk in jsonl_stream(["a"], failing_rows(2)):
            chunks.append(chunk)
    records = [json.loads(line) for line in joined(chunks).splitlines()]
    assert records == [
        {"a": 0},
        {"a": 1},
        {"error": "the export stopped early after 2 rows: connection lost"},
    ]


def test_timestamps_in_other_zones_are_written_as_given():
    # The data layer hands over UTC; cell_text does not convert, it formats.
    moment = datetime(2024, 5, 1, 11, 30, tzinfo=timezone(timedelta(hours=2)))
    assert cell_text(moment) == "2024-05-01T11:30:00+02:00"


cell_texts = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)


@given(st.lists(st.lists(cell_texts, min_size=2, max_size=5), min_size=1, max_size=8))
def test_csv_round_trip_property(rows):
    """Random text cells -> csv_stream(raw_formulas=True) -> csv.reader gives them back."""
    width = max(len(r) for r in rows)
    columns = [f"c{i}" for i in range(width)]
    padded = [r + [""] * (width - len(r)) for r in rows]
    dicts = [dict(zip(columns, r, strict=True)) for r in padded]
    assert read(joined(csv_stream(columns, dicts, raw_formulas=True))) == [columns, *padded]


@given(cell_texts.filter(bool))
def test_csv_fields_quote_exactly_as_csv_writer(text):
    buffer = io.StringIO()
    csv.writer(buffer).writerow([text])
    assert CsvFields(raw_formulas=True).render(text) + "\r\n" == buffer.getvalue()


@given(st.lists(st.one_of(cell_texts, st.integers(), st.none(), st.booleans()), min_size=2))
def test_csv_line_of_fields_matches_csv_stream(values):
    columns = [f"c{i}" for i in range(len(values))]
    fields = CsvFields()
    expected = joined(csv_stream(columns, [dict(zip(columns, values, strict=True))]))
    line = csv_line([fields.render(v) for v in values])
    assert expected == joined(csv_stream(columns, [])) + line
