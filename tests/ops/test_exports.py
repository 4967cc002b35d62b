"""Streaming exports from the database: columns, rows, shapes, formats, a golden file."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select, update

from tests.conftest import make_project, make_user
from tests.ops.test_export_suggestions import set_suggestions
from workbench import exporting
from workbench.importing import parse_file, parse_pasted
from workbench.models import Annotation, Article, Claim, Suggestion
from workbench.ops.annotations import AnnotationInput, save_annotation
from workbench.ops.articles import import_items
from workbench.ops.claims import active_claims, merge_with_next
from workbench.ops.exports import export_columns, export_stream, wide_csv_lines, wide_rows
from workbench.ops.speakers import create_speaker

pytestmark = pytest.mark.usefixtures("fast_passwords")

GOLDEN = Path(__file__).parent / "golden"
# WORKBENCH_UPDATE_GOLDEN=1 rewrites the golden files from the current code.
UPDATE_GOLDEN = os.environ.get("WORKBENCH_UPDATE_GOLDEN") == "1"

TARGETS = ("Iran-Iraq cooperation", "US presence")
FIRST_COLUMNS = [
    "project",
    "article_id",
    "article_title",
    "outlet",
    "url",
    "published",
    "claim_id",
    "claim_index",
    "char_start",
    "char_end",
    "claim_text",
    "annotator",
    "speaker",
    "speaker_type",
    "speaker_title",
    "via",
    "attribution",
    "stance:Iran-Iraq cooperation",
    "stance:US presence",
    "verifiability",
    "note",
    "created_at",
    "updated_at",
]
TALKS = (
    "TEHRAN - General Mohammad Baqeri met his Iraqi guest on Thursday. "
    "“We know Iraq’s security as our own security,” Baqeri told his guest.\n\n"
    "-5% was the fall in trade last year, officials said. "
    "=SUM(A1) is what a spreadsheet would run. "
    "The talks will go on in Baghdad next month."
)
FEED = json.dumps(
    {
        "title": "Ministers meet",
        "outlet": "Tasnim",
        "url": "https://example.org/2",
        "published": "2024-05-02",
        "section": "defence",
        "wire": "@wire",
        "text": "Hatami called for closer ties. Khwain thanked Iran for its help.",
    },
    ensure_ascii=False,
)
NOTE = 'Paraphrase, then "quote",\nsecond line; ünïcödé'
# What each annotation (in the order saved) took unchanged from the suggestions.
TAKEN = [
    ["speaker", "attribution", "verifiability"],
    ["speaker", "verifiability"],
    ["speaker", "attribution", "verifiability"],
    ["attribution", "verifiability"],
    ["verifiability"],
    [],
]
T0 = datetime(2024, 5, 1, 9, 30, tzinfo=UTC)


@pytest.fixture
def project_data(session):
    """A project with two articles, two annotators and a handful of annotations.

    Claims of the first article: 0 and 1 annotated by both, 2 by ann only (with
    a formula-like note), 3 and 4 merged into one and not annotated. The second
    article (with metadata) has two claims, the first annotated by bob.
    Timestamps are fixed so the export is byte-for-byte reproducible, and so are
    the suggestions: fixed ones replace the suggester's (the second article's
    last claim has none), and each annotation took some of them (TAKEN).
    """
    manager = make_user(session, "mona")
    ann = make_user(session, "ann")
    bob = make_user(session, "bob")
    project = make_project(
        session, "Talks, 2024", targets=TARGETS, manager=manager, annotators=[ann, bob]
    )
    report = import_items(
        session,
        project,
        parse_pasted(
            TALKS,
            title="Iran, Iraq talk",
            outlet="Mehr",
            url="https://example.org/1",
            published="2024-05-01",
            language="en",
        ),
        user=manager,
    )
    report2 = import_items(
        session, project, parse_file("feed.jsonl", FEED.encode("utf-8")), user=manager
    )
    assert (report.imported, report2.imported) == (1, 1)
    first, second = session.scalars(select(Article).order_by(Article.id)).all()
    baqeri = create_speaker(
        session, project, "Mohammad Baqeri", type="person", title="Chief of Staff, Iran"
    )
    tasnim = create_speaker(session, project, "Tasnim", type="outlet")
    claims = active_claims(session, first)
    assert len(claims) == 5
    merge_with_next(session, claims[3], user=manager)
    coop, presence = (t.id for t in project.targets)

    def save(claim, user, **values):
        save_annotation(session, project, claim, user, AnnotationInput(**values), base_version=None)

    save(
        claims[0],
        ann,
        speaker_id=baqeri.id,
        attribution="none",
        verifiability="verifiable",
        stances={coop: "favor"},
    )
    save(
        claims[0],
        bob,
        speaker_id=baqeri.id,
        via_id=tasnim.id,
        attribution="indirect",
        verifiability="verifiable",
        stances={coop: "favor", presence: "unrelated"},
        note=NOTE,
    )
    save(
        claims[1],
        ann,
        speaker_id=baqeri.id,
        attribution="direct",
        verifiability="opinion",
        stances={coop: "favor", presence: "neutral"},
    )
    save(claims[1], bob, attribution="direct", verifiability="opinion", status="draft")
    save(claims[2], ann, verifiability="verifiable", note="=HYPERLINK(1)")
    save(
        active_claims(session, second)[0],
        bob,
        speaker_id=tasnim.id,
        attribution="none",
        verifiability="verifiable",
        stances={coop: "against"},
    )
    session.flush()
    session.execute(delete(Suggestion))
    merged = active_claims(session, first)[3]
    set_suggestions(
        session,
        claims[0],
        speaker=("General Baqeri", 0.85, baqeri),
        speaker_type="person",
        attribution="none",
        verifiability="verifiable",
    )
    set_suggestions(
        session,
        claims[1],
        speaker=("Mohammad Baqeri", 0.9, baqeri),
        speaker_type="person",
        attribution="direct",
        verifiability="opinion",
    )
    set_suggestions(
        session,
        claims[2],
        speaker=("officials, Iran", 0.4, None),
        speaker_type="unknown",
        attribution="indirect",
        verifiability="verifiable",
    )
    set_suggestions(session, merged, verifiability=("prediction", 1.0, None))
    set_suggestions(
        session,
        active_claims(session, second)[0],
        speaker=("Hatami", 0.7, None),
        speaker_type="person",
        via=("Tasnim", 0.65, tasnim),
        attribution="indirect",
        verifiability="verifiable",
    )
    ids = session.scalars(select(Annotation.id).order_by(Annotation.id)).all()
    assert len(ids) == len(TAKEN)
    for i, annotation_id in enumerate(ids):
        created = T0 + timedelta(minutes=i)
        session.execute(
            update(Annotation)
            .where(Annotation.id == annotation_id)
            .values(
                created_at=created,
                updated_at=created + timedelta(seconds=90, microseconds=i),
                from_suggestion=TAKEN[i],
            )
            .execution_options(synchronize_session=False)
        )
    session.expire_all()
    return {"project": project, "first": first, "second": second, "ann": ann, "bob": bob}


def export_text(session, project, **options) -> str:
    return "".join(export_stream(session, project, **options))


def read_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_wide_csv_matches_the_golden_file_byte_for_byte(session, project_data):
    data = export_text(session, project_data["project"], all_claims=True).encode("utf-8")
    golden = GOLDEN / "export_wide_all_claims.csv"
    if UPDATE_GOLDEN:
        golden.write_bytes(data)
    assert data == golden.read_bytes()


def test_columns_come_in_the_documented_order(session, project_data):
    project = project_data["project"]
    header = next(csv.reader(io.StringIO(export_text(session, project))))
    assert header[: len(FIRST_COLUMNS)] == FIRST_COLUMNS
    assert header[len(FIRST_COLUMNS) :] == [
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
        "meta:section",
        "meta:wire",
    ]
    assert header == export_columns(session, project)


def test_one_row_per_claim_and_annotator_in_article_claim_annotator_order(session, project_data):
    rows = read_csv(export_text(session, project_data["project"]))
    keys = [(int(r["article_id"]), int(r["claim_index"]), r["annotator"]) for r in rows]
    first, second = project_data["first"].id, project_data["second"].id
    assert keys == [
        (first, 1, "ann"),
        (first, 1, "bob"),
        (first, 2, "ann"),
        (first, 2, "bob"),
        (first, 3, "ann"),
        (second, 1, "bob"),
    ]
    bob_first = rows[1]
    assert bob_first["speaker"] == "Mohammad Baqeri"
    assert bob_first["speaker_type"] == "person"
    assert bob_first["speaker_title"] == "Chief of Staff, Iran"
    assert bob_first["via"] == "Tasnim"
    assert bob_first["attribution"] == "indirect"
    assert bob_first["stance:Iran-Iraq cooperation"] == "favor"
    assert bob_first["stance:US presence"] == "unrelated"
    assert bob_first["note"] == NOTE
    assert bob_first["status"] == "submitted"
    assert bob_first["span_changed"] == "false"
    assert rows[0]["stance:US presence"] == ""
    assert rows[0]["via"] == ""
    assert rows[3]["speaker"] == "" and rows[3]["status"] == "draft"
    assert rows[0]["created_at"] == "2024-05-01T09:30:00+00:00"
    assert rows[0]["updated_at"] == "2024-05-01T09:31:30+00:00"
    assert rows[1]["updated_at"] == "2024-05-01T09:32:30.000001+00:00"


def test_claim_text_is_the_article_text_between_the_offsets(session, project_data):
    project = project_data["project"]
    texts = {a.id: a.text for a in (project_data["first"], project_data["second"])}
    rows = read_csv(export_text(session, project, all_claims=True, raw_formulas=True))
    assert rows
    for row in rows:
        start, end = int(row["char_start"]), int(row["char_end"])
        assert row["claim_text"] == texts[int(row["article_id"])][start:end]


def test_all_claims_adds_one_empty_row_per_unannotated_claim(session, project_data):
    project = project_data["project"]
    rows = read_csv(export_text(session, project, all_claims=True))
    claims = session.scalars(select(Claim).where(Claim.state == "active")).all()
    assert len({int(r["claim_id"]) for r in rows}) == len(claims) == 6
    empty = [r for r in rows if not r["annotator"]]
    assert len(empty) == 2
    merged, unread = empty
    assert merged["claim_text"].startswith("'=SUM(A1)")  # the merged claim, neutralised
    annotation_columns = FIRST_COLUMNS[FIRST_COLUMNS.index("annotator") :] + [
        "status",
        "span_changed",
        "codebook_version",
        "annotation_version",
    ]
    assert all(merged[c] == "" for c in annotation_columns)
    assert merged["article_title"] == "Iran, Iraq talk"
    assert unread["claim_text"] == "Khwain thanked Iran for its help."
    assert unread["meta:section"] == "defence"
    assert len(rows) == 8


def test_merged_claims_are_left_out(session, project_data):
    rows = read_csv(export_text(session, project_data["project"], all_claims=True))
    merged_ids = set(session.scalars(select(Claim.id).where(Claim.state == "merged")))
    assert merged_ids
    assert not merged_ids & {int(r["claim_id"]) for r in rows}


def test_metadata_columns_come_from_the_articles(session, project_data):
    rows = read_csv(export_text(session, project_data["project"]))
    by_article = {r["article_id"]: r for r in rows}
    second = by_article[str(project_data["second"].id)]
    assert second["meta:section"] == "defence"
    assert second["meta:wire"] == "'@wire"
    first = by_article[str(project_data["first"].id)]
    assert first["meta:section"] == first["meta:wire"] == ""
    assert first["dateline"] == "TEHRAN"


def test_formulas_are_neutralised_by_default_and_kept_with_raw(session, project_data):
    project = project_data["project"]
    cooked = read_csv(export_text(session, project))
    raw = read_csv(export_text(session, project, raw_formulas=True))
    note_row = next(r for r in raw if r["note"].startswith("="))
    assert note_row["note"] == "=HYPERLINK(1)"
    assert note_row["claim_text"].startswith("-5% was the fall")
    cooked_row = cooked[raw.index(note_row)]
    assert cooked_row["note"] == "'=HYPERLINK(1)"
    assert cooked_row["claim_text"] == "'" + note_row["claim_text"]
    assert cooked_row["char_start"] == note_row["char_start"]  # numbers untouched
    changed = {c for r, k in zip(raw, cooked, strict=True) for c in r if r[c] != k[c]}
    assert changed == {"note", "claim_text", "meta:wire"}


def test_pandas_reads_the_export(session, project_data):
    pd = pytest.importorskip("pandas")
    text = export_text(session, project_data["project"], raw_formulas=True)
    frame = pd.read_csv(io.StringIO(text), keep_default_na=False, dtype=str)
    assert list(frame.columns) == export_columns(session, project_data["project"])
    assert len(frame) == 6
    assert frame.loc[1, "note"] == NOTE


def test_long_shape_has_one_row_per_claim_annotator_and_field(session, project_data):
    project = project_data["project"]
    text = export_text(session, project, shape="long", all_claims=True)
    rows = read_csv(text)
    assert list(rows[0]) == exporting.long_columns()
    fields = ["speaker", "speaker_type", "speaker_title", "via", "attribution"]
    fields += [f"stance:{t}" for t in TARGETS] + ["verifiability", "note"]
    fields += list(exporting.SUGGESTION_COLUMNS)
    wide = read_csv(export_text(session, project, all_claims=True))
    annotated = [r for r in wide if r["annotator"]]
    suggested = list(exporting.CLAIM_SUGGESTION_COLUMNS)
    assert len(rows) == len(annotated) * len(fields) + 2 * len(suggested)
    bob_first = [r for r in rows if r["annotator"] == "bob"][: len(fields)]
    assert [r["field"] for r in bob_first] == fields
    assert {r["field"]: r["value"] for r in bob_first} == {f: wide[1][f] for f in fields}
    assert all(r["updated_at"] == wide[1]["updated_at"] for r in bob_first)
    empty = [r for r in rows if not r["annotator"]]
    assert [r["field"] for r in empty] == suggested * 2
    assert [r["value"] for r in empty][: len(suggested)] == ["", "", "", "", "prediction", ""]
    assert all(r["value"] == "" for r in empty[len(suggested) :])  # no suggestion at all
    assert all(r["updated_at"] == "" for r in empty)


def test_jsonl_gives_the_same_records_with_types(session, project_data):
    project = project_data["project"]
    lines = export_text(session, project, format="jsonl", all_claims=True).splitlines()
    records = [json.loads(line) for line in lines]
    wide = read_csv(export_text(session, project, all_claims=True, raw_formulas=True))
    columns = export_columns(session, project)
    assert len(records) == len(wide) == 8
    for record, row in zip(records, wide, strict=True):
        assert list(record) == columns
        assert {k: exporting.cell_text(v) for k, v in record.items()} == row
    assert isinstance(records[0]["article_id"], int)
    assert records[0]["span_changed"] is False
    assert records[0]["via"] is None
    assert records[0]["created_at"] == "2024-05-01T09:30:00+00:00"
    assert records[1]["note"] == NOTE
    assert records[4]["note"] == "=HYPERLINK(1)"  # never neutralised in JSONL
    empty = next(r for r in records if r["annotator"] is None)
    assert empty["status"] is None and empty["annotation_version"] is None


def test_jsonl_long_matches_csv_long(session, project_data):
    project = project_data["project"]
    lines = export_text(session, project, format="jsonl", shape="long").splitlines()
    rows = read_csv(export_text(session, project, shape="long", raw_formulas=True))
    assert [
        {k: exporting.cell_text(v) for k, v in json.loads(line).items()} for line in lines
    ] == rows


def test_wide_rows_are_dicts_keyed_by_column(session, project_data):
    project = project_data["project"]
    rows = list(wide_rows(session, project))
    assert len(rows) == 6
    assert rows[0]["annotator"] == "ann"
    assert rows[0]["claim_text"].startswith("General Mohammad Baqeri met")
    assert rows[0]["attribution"] == "none"
    assert rows[3]["note"] is None


def test_an_empty_project_exports_the_header_only(session):
    project = make_project(session, "Empty", targets=TARGETS)
    text = export_text(session, project)
    assert text == ",".join(export_columns(session, project)) + "\r\n"
    assert export_text(session, project, format="jsonl") == ""


def test_an_error_midway_ends_the_csv_with_an_error_line(session, project_data, monkeypatch):
    import workbench.ops.exports as exports_ops

    original = exports_ops.exporting.csv_cell

    calls = {"n": 0}

    def failing(value, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] > 40:
            raise RuntimeError("database went away")
        return original(value, *args, **kwargs)

    monkeypatch.setattr(exports_ops.exporting, "csv_cell", failing)
    chunks = []
    with pytest.raises(RuntimeError, match="database went away"):
        for chunk in export_stream(session, project_data["project"]):
            chunks.append(chunk)
    text = "".join(chunks)
    assert text.endswith("rows: database went away\r\n")
    last = list(csv.reader(io.StringIO(text)))[-1]
    assert last[0].startswith("ERROR: the export stopped early after ")


def test_a_reader_that_stops_early_leaves_the_session_usable(session, project_data):
    lines = wide_csv_lines(session, project_data["project"])
    assert next(lines).startswith('"Talks, 2024",')  # the query is open now
    lines.close()
    assert session.scalar(select(func.count()).select_from(Claim)) == 7


def test_the_fast_csv_lines_equal_csv_stream_over_wide_rows(session, project_data):
    project = project_data["project"]
    for all_claims, raw in [(False, False), (True, False), (True, True)]:
        columns = export_columns(session, project)
        rows = wide_rows(session, project, all_claims=all_claims)
        slow = "".join(exporting.csv_stream(columns, rows, raw_formulas=raw))
        fast = export_text(session, project, all_claims=all_claims, raw_formulas=raw)
        assert fast == slow


@pytest.mark.parametrize(
    "raw",
    [
        "2024-05-01 09:30:00.000000",
        "2024-05-01 09:30:00.000120",
        "2024-05-01 09:30:00",
        "2024-05-01T09:30:00.5",
        datetime(2024, 5, 1, 9, 30),
        datetime(2024, 5, 1, 11, 30, 0, 7, tzinfo=timezone(timedelta(hours=2))),
    ],
)
def test_timestamps_read_raw_are_written_as_utc_iso_8601(raw):
    from workbench.ops.exports import _utc, _utc_text

    moment = _utc(raw)
    assert moment.utcoffset() == timedelta(0)
    assert _utc_text(raw) == exporting.cell_text(moment) == moment.isoformat()
    assert _utc(None) is None and _utc_text(None) == ""


def test_unknown_format_or_shape_is_refused(session, project_data):
    with pytest.raises(ValueError, match="format"):
        export_stream(session, project_data["project"], format="xlsx")
    with pytest.raises(ValueError, match="shape"):
        export_stream(session, project_data["project"], shape="tall")


def test_the_codebook_lists_targets_and_labels_and_neutralises_formulas(session):
    from workbench.ops.exports import codebook_csv, codebook_markdown
    from workbench.ops.projects import set_labels

    project = make_project(session, targets=("=HYPERLINK(1)", "Peace"))
    set_labels(session, project, "verifiability", [("verifiable", "+checkable"), ("opinion", "")])
    rows = list(csv.reader(io.StringIO(codebook_csv(project))))
    assert rows[0] == ["field", "value", "description"]
    assert ["target", "'=HYPERLINK(1)", ""] in rows
    assert ["verifiability", "verifiable", "'+checkable"] in rows
    assert ["stance", "favor", "The speaker supports or argues for the target."] in rows
    raw = list(csv.reader(io.StringIO(codebook_csv(project, raw_formulas=True))))
    assert ["target", "=HYPERLINK(1)", ""] in raw
    markdown = codebook_markdown(project)
    assert "## Stance targets" in markdown and "- Peace" in markdown
    assert "| `opinion` |" in markdown


# Cells a spreadsheet could run once it opens the file with ";", a tab or a
# comma as separator (each becomes a cell start), behind spaces, zero-width
# characters, quotes or full-width formula characters.
HOSTILE = [
    "a;=6*7;b",
    "x\t=5*9\ty",
    "p,=2+2",
    "q;\u200b=3*3",
    "r;  =4*4",
    'quoted;"=7*7"',
    "v\n=10*10",
    "cr\r=11*11",
    "w;\uff1d12*12",
    "k;@SUM(13)",
    "m;-1+14",
    "n;+1+15",
    "\u200b=16*16",
    "\ufeff=17*17",
    " =18*18",
    "=19*19",
    "z;\u2060\u200d=20*20",
]


@pytest.fixture
def hostile_project(session):
    """A project whose notes, speakers, titles, metadata keys and values, article
    titles and targets all hide formulas behind separators."""
    manager = make_user(session, "mona")
    ann = make_user(session, "ann")
    project = make_project(
        session, "Hostile", targets=("T;=21*21", "U\t=22*22"), manager=manager, annotators=[ann]
    )
    record = {
        "title": "Title;=23*23",
        "outlet": "Outlet,=24*24",
        "x;=1+1key": "value;=25*25",
        "tab\t=26*26": "\n=27*27",
        "text": " ".join(f"Sentence {i} says it." for i in range(len(HOSTILE))),
    }
    parsed = parse_file("hostile.jsonl", json.dumps(record).encode("utf-8"))
    assert import_items(session, project, parsed, user=manager).imported == 1
    article = session.scalars(select(Article)).one()
    speaker = create_speaker(session, project, "Hatami;=28*28", type="person", title="T;@A1")
    via = create_speaker(session, project, "Via;+29*29", type="outlet")
    for claim, note in zip(active_claims(session, article), HOSTILE, strict=True):
        save_annotation(
            session,
            project,
            claim,
            ann,
            AnnotationInput(speaker_id=speaker.id, via_id=via.id, note=note),
            base_version=None,
        )
    # Suggested names come from the article's text: they may hide formulas too.
    set_suggestions(
        session,
        active_claims(session, article)[0],
        speaker=("Suggested;=30*30", 0.5, None),
        speaker_type="person",
        via=("Via\t@A2", 0.5, None),
    )
    session.flush()
    return project


def libreoffice_formulas(directory: Path, files: dict[str, str]) -> dict[str, dict[str, list]]:
    """Open each CSV text with LibreOffice Calc under a comma, a semicolon and a tab
    as separator and return, per separator and file, the formulas of the result.

    One headless soffice run per separator converts all the files to flat ODF
    (.fods), with a private profile; a cell that became a formula carries a
    ``table:formula`` attribute there.
    """
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("no soffice: install LibreOffice Calc (apt-get install libreoffice-calc-nogui)")
    profile = (directory / "lo-profile").as_uri()
    found: dict[str, dict[str, list]] = {}
    for name, code in (("comma", 44), ("semicolon", 59), ("tab", 9)):
        folder = directory / name
        folder.mkdir()
        paths = []
        for stem, text in files.items():
            path = folder / f"{stem}.csv"
            path.write_text(text, encoding="utf-8", newline="")
            paths.append(str(path))
        result = subprocess.run(
            [
                soffice,
                f"-env:UserInstallation={profile}",
                "--headless",
                "--norestore",
                f"--infilter=CSV:{code},34,76",
                "--convert-to",
                "fods",
                "--outdir",
                str(folder / "out"),
                *paths,
            ],
            capture_output=True,
            text=True,
            timeout=300,
        )
        found[name] = {}
        for stem in files:
            converted = folder / "out" / f"{stem}.fods"
            assert converted.exists(), f"soffice did not convert {stem}: {result}"
            found[name][stem] = re.findall(
                r'table:formula="([^"]*)"', converted.read_text(encoding="utf-8")
            )
    return found


def test_no_cell_of_the_exports_is_a_formula_in_libreoffice_under_any_separator(
    session, hostile_project, tmp_path
):
    from workbench.ops.exports import codebook_csv

    files = {
        "wide": export_text(session, hostile_project),
        "long": export_text(session, hostile_project, shape="long"),
        "codebook": codebook_csv(hostile_project),
        # The export written raw is the attack itself: it shows the test can see one.
        "raw": export_text(session, hostile_project, raw_formulas=True),
    }
    assert "a;'=6*7;b" in files["wide"] and "meta:x;'=1+1key" in files["wide"]
    assert "Suggested;'=30*30" in files["wide"] and "Suggested;'=30*30" in files["long"]
    formulas = libreoffice_formulas(tmp_path, files)
    assert any("=6*7" in f for f in formulas["semicolon"]["raw"])
    assert any("=5*9" in f for f in formulas["tab"]["raw"])
    assert {
        name: {stem: found[stem] for stem in ("wide", "long", "codebook")}
        for name, found in formulas.items()
    } == {name: {"wide": [], "long": [], "codebook": []} for name in ("comma", "semicolon", "tab")}
