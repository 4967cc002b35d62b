"""Importing earlier annotations from a CSV in the export's wide shape (issue 12, point 6)."""

from __future__ import annotations

import codecs
import csv
import io

import pytest
from sqlalchemy import delete, func, select

from tests.conftest import PASSWORD, make_project, make_user
from tests.ops.test_export_suggestions import set_suggestions
from workbench.errors import Conflict, InvalidInput, NotFound
from workbench.importing import parse_pasted
from workbench.importing_annotations import AnnotationImportError, restore_formulas
from workbench.models import (
    Annotation,
    Article,
    HistoryEntry,
    Membership,
    Speaker,
    Stance,
    User,
)
from workbench.ops.annotation_import import (
    IMPORTED_PASSWORD,
    activate_imported_member,
    import_annotations,
    imported_members,
    is_imported_account,
    read_annotation_file,
    store_annotation_import,
)
from workbench.ops.annotations import AnnotationInput, save_annotation
from workbench.ops.articles import import_items
from workbench.ops.claims import active_claims
from workbench.ops.exports import export_stream
from workbench.ops.projects import set_labels, set_member
from workbench.ops.sessions import deactivate_user
from workbench.ops.speakers import create_speaker, merge_speakers
from workbench.ops.users import authenticate

pytestmark = pytest.mark.usefixtures("fast_passwords")

TARGETS = ("Cooperation", "=Sanctions")
TEXT = (
    "TEHRAN - General Mohammad Baqeri met his Iraqi guest on Thursday. "
    "“We know Iraq’s security as our own security,” Baqeri told his guest. "
    "-5% was the fall in trade last year, officials said. "
    "The talks will go on in Baghdad next month."
)
LIMIT = 10_000_000
# The export's columns that hold an annotation's labels (what a round trip gives back).
LABEL_COLUMNS = (
    "speaker",
    "speaker_type",
    "speaker_title",
    "via",
    "attribution",
    "stance:Cooperation",
    "stance:=Sanctions",
    "verifiability",
    "note",
    "status",
)


@pytest.fixture
def talks(session):
    """A project with one article of four claims, a manager and two annotators, a
    registry of two speakers, and no annotations."""
    manager = make_user(session, "mona")
    ann = make_user(session, "ann")
    bob = make_user(session, "bob")
    project = make_project(
        session, "Talks", targets=TARGETS, manager=manager, annotators=[ann, bob]
    )
    report = import_items(session, project, parse_pasted(TEXT, title="Talks"), user=manager)
    assert report.imported == 1
    article = session.scalar(select(Article))
    claims = active_claims(session, article)
    assert len(claims) == 4
    baqeri = create_speaker(
        session,
        project,
        "Mohammad Baqeri",
        type="person",
        title="Chief of Staff",
        aliases=["Baqeri"],
    )
    tasnim = create_speaker(session, project, "Tasnim", type="outlet")
    session.flush()
    return {
        "project": project,
        "manager": manager,
        "ann": ann,
        "bob": bob,
        "article": article,
        "claims": claims,
        "baqeri": baqeri,
        "tasnim": tasnim,
        "targets": [t.id for t in project.targets],
    }


def annotate(session, talks):
    """Save annotations as the annotate page does: speakers, via, stances, notes that
    look like formulas or hold quotes and line breaks, a draft."""
    project, claims = talks["project"], talks["claims"]
    coop, sanctions = talks["targets"]

    def save(claim, user, **values):
        save_annotation(session, project, claim, user, AnnotationInput(**values), base_version=None)

    save(
        claims[0],
        talks["ann"],
        speaker_id=talks["baqeri"].id,
        via_id=talks["tasnim"].id,
        attribution="indirect",
        verifiability="verifiable",
        stances={coop: "favor", sanctions: "neutral"},
        note='Paraphrase, then "quote",\nsecond line; ünïcödé',
    )
    save(claims[0], talks["bob"], speaker_id=talks["baqeri"].id, attribution="none")
    save(claims[1], talks["ann"], attribution="direct", verifiability="opinion", note="=SUM(A1)")
    save(claims[2], talks["bob"], note="- bullet\n- another; +1", status="draft")
    save(claims[3], talks["ann"], stances={sanctions: "against"}, note="@here\ttab")
    session.flush()


def export(session, project, **options) -> str:
    return "".join(export_stream(session, project, format="csv", **options))


def rows_of(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def label_cells(text: str) -> dict[tuple[str, str], tuple[str, ...]]:
    """(claim id, annotator) -> the label cells, of every annotated row."""
    return {
        (row["claim_id"], row["annotator"]): tuple(row[c] for c in LABEL_COLUMNS)
        for row in rows_of(text)
        if row["annotator"]
    }


def wipe_annotations(session) -> None:
    """Make the project a fresh copy of itself: the same articles and claims, no
    annotations (nor their history)."""
    session.execute(delete(Stance))
    session.execute(delete(HistoryEntry).where(HistoryEntry.entity == "annotation"))
    session.execute(delete(Annotation))
    session.flush()


def counts(session) -> tuple[int, ...]:
    return tuple(
        session.scalar(select(func.count()).select_from(model))
        for model in (Annotation, Stance, HistoryEntry, User, Membership, Speaker)
    )


def run(session, talks, text: str | bytes, **options):
    data = text.encode("utf-8") if isinstance(text, str) else text
    options.setdefault("max_bytes", LIMIT)
    return import_annotations(session, talks["project"], data, user=talks["manager"], **options)


def refused(session, talks, text, **options) -> list[str]:
    """Import and expect a refusal that stores nothing; return the problems as text."""
    before = counts(session)
    with pytest.raises(AnnotationImportError) as caught:
        run(session, talks, text, **options)
    assert counts(session) == before
    return [str(p) for p in caught.value.problems]


def csv_text(header: list[str], *rows: list[object]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


# ---------------------------------------------------------------- round trip


@pytest.mark.parametrize("raw", [False, True])
def test_an_export_imports_back_into_a_fresh_copy_as_the_same_annotations(session, talks, raw):
    annotate(session, talks)
    first = export(session, talks["project"], raw_formulas=raw)
    assert "'=SUM(A1)" in first if not raw else "=SUM(A1)" in first
    wipe_annotations(session)
    summary = run(session, talks, first, raw_formulas=raw)
    assert (summary.created, summary.replaced, summary.accounts) == (5, 0, [])
    second = export(session, talks["project"], raw_formulas=raw)
    assert label_cells(second) == label_cells(first)
    assert len(label_cells(first)) == 5
    notes = {a.note for a in session.scalars(select(Annotation))}
    assert "=SUM(A1)" in notes and "- bullet\n- another; +1" in notes and "@here\ttab" in notes


def test_an_all_claims_export_imports_too_its_unannotated_rows_read_past(session, talks):
    annotate(session, talks)
    first = export(session, talks["project"], all_claims=True)
    wipe_annotations(session)
    summary = run(session, talks, first)
    assert summary.created == 5
    assert summary.unannotated == 0  # every claim has an annotation here
    session.execute(delete(Stance))
    session.execute(delete(HistoryEntry).where(HistoryEntry.entity == "annotation"))
    session.execute(delete(Annotation).where(Annotation.claim_id == talks["claims"][3].id))
    only_three = export(session, talks["project"], all_claims=True)
    wipe_annotations(session)
    assert run(session, talks, only_three).unannotated == 1


def test_an_import_writes_what_a_first_save_writes(session, talks):
    """The same row, imported for ann and saved on the page for bob: the same
    columns, stances, version and history record."""
    claim, (coop, sanctions) = talks["claims"][0], talks["targets"]
    values = AnnotationInput(
        speaker_id=talks["baqeri"].id,
        via_id=talks["tasnim"].id,
        attribution="indirect",
        verifiability="verifiable",
        stances={sanctions: "neutral", coop: "favor"},
        note="n",
    )
    set_suggestions(session, claim, speaker=("Baqeri", 0.9, None), attribution="indirect")
    saved = save_annotation(
        session, talks["project"], claim, talks["bob"], values, base_version=None
    )
    text = csv_text(
        [
            "claim_id",
            "annotator",
            "speaker",
            "via",
            "attribution",
            "stance:Cooperation",
            "stance:=Sanctions",
            "verifiability",
            "note",
        ],
        [
            claim.id,
            "ann",
            "Mohammad Baqeri",
            "Tasnim",
            "indirect",
            "favor",
            "neutral",
            "verifiable",
            "n",
        ],
    )
    run(session, talks, text)
    imported = session.scalar(select(Annotation).where(Annotation.user_id == talks["ann"].id))
    for column in (
        "speaker_id",
        "via_id",
        "attribution",
        "verifiability",
        "note",
        "status",
        "version",
        "codebook_version",
        "span_changed",
        "from_suggestion",
    ):
        assert getattr(imported, column) == getattr(saved, column), column
    assert imported.from_suggestion == ["speaker", "attribution"]
    assert {(s.target_id, s.value) for s in imported.stances} == {
        (s.target_id, s.value) for s in saved.stances
    }
    entries = {
        e.entity_id: e
        for e in session.scalars(select(HistoryEntry).where(HistoryEntry.entity == "annotation"))
    }
    mine, theirs = entries[imported.id], entries[saved.id]
    assert (mine.action, mine.before, mine.claim_id) == (theirs.action, theirs.before, claim.id)
    assert mine.after == theirs.after
    assert list(mine.after) == list(theirs.after)
    assert mine.user_id == talks["ann"].id


def test_rows_name_claims_by_article_and_offsets(session, talks):
    claim = talks["claims"][1]
    text = csv_text(
        ["article_id", "char_start", "char_end", "annotator", "attribution"],
        [claim.article_id, claim.start, claim.end, "ann", "direct"],
    )
    assert run(session, talks, text).created == 1
    assert session.scalar(select(Annotation.claim_id)) == claim.id


def test_speakers_are_found_as_a_typed_name_is_and_new_ones_made(session, talks):
    project = talks["project"]
    old = create_speaker(session, project, "M. Baqeri", type="person")
    merge_speakers(session, old, talks["baqeri"], user=None)
    claims = talks["claims"]
    text = csv_text(
        ["claim_id", "annotator", "speaker", "speaker_type", "speaker_title", "via"],
        [claims[0].id, "ann", "baqeri", "", "", ""],  # an alias, in another case
        [claims[1].id, "ann", "M. Baqeri", "", "", "TASNIM"],  # a merged name; a name's case
        [claims[2].id, "ann", "Fuad Hussein", "person", "Foreign Minister", "Rudaw"],
        [claims[3].id, "ann", "fuad hussein", "", "", ""],  # the new one, in another case
    )
    summary = run(session, talks, text)
    assert summary.speakers == ["Fuad Hussein", "Rudaw"]
    by_claim = {a.claim_id: a for a in session.scalars(select(Annotation))}
    assert by_claim[claims[0].id].speaker_id == talks["baqeri"].id
    assert by_claim[claims[1].id].speaker_id == talks["baqeri"].id
    assert by_claim[claims[1].id].via_id == talks["tasnim"].id
    fuad = session.scalar(select(Speaker).where(Speaker.name == "Fuad Hussein"))
    assert (fuad.type, fuad.title) == ("person", "Foreign Minister")
    assert by_claim[claims[3].id].speaker_id == fuad.id
    rudaw = session.scalar(select(Speaker).where(Speaker.name == "Rudaw"))
    assert rudaw.type == "organization"
    made = session.scalars(
        select(HistoryEntry.after).where(
            HistoryEntry.entity == "speaker", HistoryEntry.action == "create"
        )
    ).all()
    assert {"Fuad Hussein", "Rudaw"} <= {m["name"] for m in made}


def test_a_file_saved_by_a_spreadsheet_with_semicolons_and_windows_1252_imports(session, talks):
    claim = talks["claims"][0]
    text = f"claim_id;annotator;note\r\n{claim.id};ann;Caf\u00e9 cr\u00e8me, d\u00e9j\u00e0 vu\r\n"
    summary = run(session, talks, text.encode("cp1252"))
    assert summary.created == 1
    assert "not UTF-8" in summary.warnings[0]
    assert session.scalar(select(Annotation.note)) == "Café crème, déjà vu"


def test_an_excel_export_with_a_byte_order_mark_imports(session, talks):
    annotate(session, talks)
    first = "\ufeff" + export(session, talks["project"])
    wipe_annotations(session)
    assert run(session, talks, first).created == 5


# ---------------------------------------------------------------- annotators


def test_unknown_annotators_become_inactive_annotators_until_a_manager_activates_them(
    session, talks
):
    claim = talks["claims"][0]
    text = csv_text(["claim_id", "annotator", "attribution"], [claim.id, "carla", "direct"])
    summary = run(session, talks, text)
    assert summary.accounts == ["carla"]
    carla = session.scalar(select(User).where(User.username == "carla"))
    assert carla.is_active is False and carla.password_hash == IMPORTED_PASSWORD
    assert is_imported_account(carla)
    assert imported_members(session, talks["project"]) == {carla.id}
    role = session.scalar(select(Membership.role).where(Membership.user_id == carla.id))
    assert role == "annotator"
    assert authenticate(session, "carla", IMPORTED_PASSWORD, address="test") is None
    changes = session.scalars(
        select(HistoryEntry).where(HistoryEntry.entity == "project").order_by(HistoryEntry.id)
    ).all()
    added = [e for e in changes if e.action == "add-member"][-1]
    assert added.after == {"member": "carla", "role": "annotator"}
    assert added.user_id == talks["manager"].id
    imported = [e for e in changes if e.action == "import-annotations"][-1]
    assert imported.after["created"] == 1 and imported.after["accounts"] == ["carla"]

    with pytest.raises(InvalidInput):
        activate_imported_member(session, talks["project"], "carla", "short", by=talks["manager"])
    activate_imported_member(session, talks["project"], "carla", PASSWORD, by=talks["manager"])
    assert carla.is_active and not is_imported_account(carla)
    assert authenticate(session, "carla", PASSWORD, address="test") == carla
    activated = session.scalars(
        select(HistoryEntry).where(HistoryEntry.action == "activate-member")
    ).one()
    assert activated.before["active"] is False and activated.after["active"] is True
    with pytest.raises(Conflict):  # once only
        activate_imported_member(session, talks["project"], "carla", PASSWORD, by=None)


def test_a_manager_activates_no_other_account(session, talks):
    """An account an admin deactivated, or one of another project, stays as it is."""
    root = make_user(session, "root", is_admin=True)
    deactivate_user(session, talks["bob"], by=root)
    with pytest.raises(Conflict):
        activate_imported_member(session, talks["project"], "bob", PASSWORD, by=talks["manager"])
    assert talks["bob"].is_active is False
    other = make_project(session, "Other", manager=root)
    text = csv_text(["claim_id", "annotator", "note"], [talks["claims"][0].id, "dan", "x"])
    run(session, talks, text)
    with pytest.raises(NotFound):
        activate_imported_member(session, other, "dan", PASSWORD, by=root)
    with pytest.raises(NotFound):
        activate_imported_member(session, talks["project"], "nobody", PASSWORD, by=root)


def test_annotators_that_are_not_members_or_do_not_annotate_are_refused(session, talks):
    stan = make_user(session, "stan")
    vera = make_user(session, "vera")
    set_member(session, talks["project"], vera, "viewer")
    claims = talks["claims"]
    problems = refused(
        session,
        talks,
        csv_text(
            ["claim_id", "annotator", "note"],
            [claims[0].id, "stan", "x"],
            [claims[1].id, "vera", "x"],
            [claims[2].id, "bad name", "x"],
        ),
    )
    assert problems[0].startswith("line 2, column 'annotator': stan has an account but is not")
    assert problems[1].startswith("line 3, column 'annotator': vera is viewer of this project")
    assert problems[2].startswith("line 4, column 'annotator': 'bad name': A username is")
    assert stan.id and not is_imported_account(stan)


# ---------------------------------------------------------------- existing annotations


def test_an_annotation_that_exists_is_refused_unless_replace_then_a_new_version(session, talks):
    annotate(session, talks)
    claim = talks["claims"][1]
    text = csv_text(
        ["claim_id", "annotator", "attribution", "verifiability", "note"],
        [claim.id, "ann", "indirect", "opinion", "changed"],
    )
    problems = refused(session, talks, text)
    assert problems == [
        f"line 2: ann has an annotation of claim {claim.id} already (version 1); to save "
        "this row as its new version, import with --replace (on the page: replace existing "
        "annotations)"
    ]
    summary = run(session, talks, text, replace=True)
    assert (summary.created, summary.replaced, summary.unchanged) == (0, 1, 0)
    annotation = session.scalar(
        select(Annotation).where(
            Annotation.claim_id == claim.id, Annotation.user_id == talks["ann"].id
        )
    )
    session.refresh(annotation)
    assert (annotation.version, annotation.attribution, annotation.note) == (
        2,
        "indirect",
        "changed",
    )
    update = session.scalars(
        select(HistoryEntry).where(
            HistoryEntry.entity_id == annotation.id,
            HistoryEntry.entity == "annotation",
            HistoryEntry.action == "update",
        )
    ).one()
    assert update.before["attribution"] == "direct" and update.after["version"] == 2
    again = run(session, talks, text, replace=True)
    assert (again.replaced, again.unchanged) == (0, 1)
    session.refresh(annotation)
    assert annotation.version == 2


def test_importing_the_same_export_twice_is_refused_the_second_time(session, talks):
    annotate(session, talks)
    first = export(session, talks["project"])
    problems = refused(session, talks, first)
    assert len(problems) == 5 and all("has an annotation of claim" in p for p in problems)
    summary = run(session, talks, first, replace=True)
    assert (summary.replaced, summary.unchanged) == (0, 5)


# ---------------------------------------------------------------- bad files


def good_row(talks, **cells):
    row = {"claim_id": talks["claims"][0].id, "annotator": "ann", "attribution": "direct"}
    row.update(cells)
    return row


def file_of(*rows: dict) -> str:
    header = list(rows[0])
    return csv_text(header, *[[row[c] for c in header] for row in rows])


def test_every_problem_is_reported_line_by_line_and_nothing_is_stored(session, talks):
    claims = talks["claims"]
    text = csv_text(
        [
            "claim_id",
            "article_id",
            "char_start",
            "char_end",
            "annotator",
            "attribution",
            "stance:Cooperation",
            "verifiability",
            "status",
            "note",
        ],
        [claims[0].id, "", "", "", "ann", "direct", "", "", "", "fine"],
        [claims[1].id, "", "", "", "ann", "shouted", "", "", "", ""],
        [99999, "", "", "", "ann", "direct", "", "", "", ""],
        ["", claims[0].article_id, 0, 3, "ann", "direct", "", "", "", ""],
        [claims[2].id, "", 1, 2, "ann", "direct", "", "", "", ""],
        [claims[0].id, "", "", "", "ANN", "none", "", "", "", ""],
        [claims[3].id, "", "", "", "bob", "", "maybe", "", "done", ""],
        ["x", "", "", "", "bob", "direct", "", "", "", ""],
        [claims[3].id, "", "", "", "", "direct", "", "", "", ""],
        [claims[3].id, "", "", "", "ann", "", "", "", "", ""],
    )
    problems = refused(session, talks, text)
    article, (start, end) = claims[0].article_id, (claims[2].start, claims[2].end)
    assert problems == [
        "line 3, column 'attribution': unknown attribution label 'shouted' (labels: direct, "
        "indirect, mixed, none)",
        "line 4, column 'claim_id': no claim 99999 in this project",
        f"line 5, column 'char_start': no claim of article {article} has the offsets 0-3",
        f"line 6, column 'char_start': the offsets 1-2 are not those of claim {claims[2].id} "
        f"({start}-{end}): its boundaries changed since the file was made, or the file is "
        "of another project",
        f"line 7: a second row for claim {claims[0].id} and annotator ANN (the first is on "
        "line 2): one annotation each",
        "line 8, column 'stance:Cooperation': unknown stance label 'maybe' (labels: against, "
        "favor, neutral, unrelated)",
        "line 8, column 'status': unknown status 'done' (statuses: draft, submitted)",
        "line 9, column 'claim_id': 'x' is not a whole number",
        "line 10, column 'annotator': the row has labels but no annotator",
        "line 11: nothing is set, so the annotation cannot be done (submitted): give a label, "
        "a speaker or a note, or the status 'draft'",
    ]
    # The rows that parse are matched next, and their problems said as well.
    text = csv_text(
        ["claim_id", "article_id", "char_start", "char_end", "annotator", "attribution"],
        [claims[0].id, "", "", "", "ann", "direct"],
        [99999, "", "", "", "ann", "direct"],
        ["", claims[0].article_id, 0, 3, "ann", "direct"],
        ["", 4242, 0, 3, "ann", "direct"],
        [claims[2].id, "", 1, 2, "ann", "direct"],
        [claims[2].id, 4242, "", "", "bob", "direct"],
        [claims[0].id, "", "", "", "ANN", "none"],
    )
    problems = refused(session, talks, text)
    start, end = claims[2].start, claims[2].end
    article = claims[0].article_id
    assert problems == [
        "line 3, column 'claim_id': no claim 99999 in this project",
        f"line 4, column 'char_start': no claim of article {article} has the offsets 0-3",
        "line 5, column 'article_id': no article 4242 in this project",
        f"line 6, column 'char_start': the offsets 1-2 are not those of claim {claims[2].id} "
        f"({start}-{end}): its boundaries changed since the file was made, or the file is "
        "of another project",
        f"line 7, column 'article_id': claim {claims[2].id} is in article {article}, not 4242",
        f"line 8: a second row for claim {claims[0].id} and annotator ANN (the first is on "
        "line 2): one annotation each",
    ]


def test_the_header_is_checked(session, talks):
    claim = talks["claims"][0].id
    problems = refused(
        session, talks, csv_text(["claim_id", "annotator", "mood"], [claim, "ann", "x"])
    )
    assert problems == ["line 1, column 'mood': unknown column (the columns are the wide export's)"]
    problems = refused(
        session, talks, csv_text(["claim_id", "annotator", "stance:Peace"], [claim, "ann", "favor"])
    )
    assert problems == [
        "line 1, column 'stance:Peace': unknown column: the project has no stance target "
        "'Peace' (targets: 'Cooperation', '=Sanctions')"
    ]
    problems = refused(session, talks, csv_text(["claim_id", "note"], [claim, "x"]))
    assert problems == ["line 1: the header has no 'annotator' column"]
    problems = refused(session, talks, csv_text(["article_id", "annotator", "note"], [1, "a", "x"]))
    assert problems == [
        "line 1: the header names no claim: it needs 'claim_id', or 'article_id' with "
        "'char_start' and 'char_end' (missing: char_start, char_end)"
    ]
    problems = refused(
        session, talks, csv_text(["claim_id", "annotator", "note", "note"], [claim, "a", "x", "y"])
    )
    assert problems == ["line 1, column 'note': the column appears twice"]
    problems = refused(
        session, talks, csv_text(["claim_id", "annotator", "outlet"], [claim, "a", "x"])
    )
    assert problems == ["line 1: the header has none of the annotation's columns"]
    problems = refused(session, talks, csv_text(["claim_id", "annotator", "note"]))
    assert problems == ["the file has a header row but no annotations"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "the file is empty"),
        (b"  \r\n\n", "the file is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "the file is a PNG image, not text"),
        (b"claim_id,annotator\x00\x01,note", "the file looks binary (it contains NUL bytes)"),
        (codecs.BOM_UTF8 + b"claim_id,annotator,note\n1,ann,\xff\xfe\n", "UTF-8 byte-order mark"),
        (b",\n,,\n", "the file has no header row (every row is empty)"),
    ],
)
def test_files_that_are_no_text_or_empty_are_refused(session, talks, data, message):
    problems = refused(session, talks, data)
    assert len(problems) == 1 and message in problems[0], problems


def test_an_oversized_file_is_refused_before_it_is_read(session, talks):
    text = file_of(good_row(talks))
    problems = refused(session, talks, text, max_bytes=len(text.encode()) - 1)
    assert problems == [
        f"the file is {len(text.encode()):,} bytes, over the {len(text) - 1:,}-byte limit"
    ]


def test_a_file_cut_short_is_refused(session, talks):
    annotate(session, talks)
    whole = export(session, talks["project"])
    wipe_annotations(session)
    inside_a_quote = whole[: whole.index("second line")]
    problems = refused(session, talks, inside_a_quote)
    assert problems[-1].endswith(
        "not valid CSV: a quoted cell is never closed: the file looks cut short; the rows "
        "after it were not read"
    )
    lines = whole.split("\r\n")
    last = lines[-2]
    cut = "\r\n".join(lines[:-2]) + "\r\n" + last[: last.index(",ann,") + 5]
    problems = refused(session, talks, cut)
    assert len(problems) == 1 and "the file looks cut short" in problems[0]
    stopped = whole + "ERROR: the export stopped early after 5 rows: boom\r\n"
    problems = refused(session, talks, stopped)
    last_line = whole.count("\n") + 1
    assert problems == [
        f"line {last_line}: the export this file came from stopped early (ERROR: the "
        "export stopped early after 5 rows: boom); export again"
    ]


def test_a_claim_text_that_is_not_the_claims_is_refused(session, talks):
    annotate(session, talks)
    rows = rows_of(export(session, talks["project"]))
    wipe_annotations(session)
    rows[1]["claim_text"] = "Something else."
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    problems = refused(session, talks, buffer.getvalue())
    assert len(problems) == 1
    second = 2 + rows[0]["note"].count("\n") + 1  # the first row's note has a line break
    assert problems[0].startswith(
        f"line {second}, column 'claim_text': the text is not that of claim"
    )


def test_one_bad_row_among_good_ones_stores_nothing(session, talks):
    claims = talks["claims"]
    text = file_of(
        good_row(talks),
        good_row(talks, claim_id=claims[1].id, annotator="newcomer"),
        good_row(talks, claim_id=claims[2].id, attribution="nonsense"),
    )
    problems = refused(session, talks, text)
    assert len(problems) == 1
    assert session.scalar(select(User).where(User.username == "newcomer")) is None


def test_a_speaker_that_cannot_be_made_is_a_problem_of_its_line(session, talks):
    text = csv_text(
        ["claim_id", "annotator", "speaker", "speaker_type"],
        [talks["claims"][0].id, "ann", "Someone", "alien"],
    )
    problems = refused(session, talks, text)
    assert problems == [
        "line 2, column 'speaker_type': 'Someone': Unknown speaker type 'alien' (types: "
        "person, organization, outlet, author, unknown)."
    ]


def test_a_codebook_changed_between_reading_and_storing_is_a_conflict(session, talks):
    project = talks["project"]
    prepared = read_annotation_file(
        session, project, file_of(good_row(talks)).encode(), max_bytes=LIMIT
    )
    labels = [(v, "") for v in ("direct", "indirect", "mixed", "none", "quoted")]
    set_labels(session, project, "attribution", labels, user=talks["manager"])
    with pytest.raises(Conflict):
        store_annotation_import(session, project, prepared, user=talks["manager"])


def test_restore_formulas_undoes_what_the_export_adds():
    from workbench.exporting import neutralize

    for text in ("=SUM(A1)", "-5%", "a\n-b", "x;=y", "\tTab", "+1, @me", "plain", "it's"):
        assert restore_formulas(neutralize(text)) == text
    assert restore_formulas("'nothing added") == "'nothing added"


def test_a_save_that_comes_in_between_is_a_conflict(session, talks, monkeypatch):
    """Checked before the insert; if an annotator's save lands between the check and
    the insert (PostgreSQL takes no lock), the unique claim and annotator refuse it."""
    import workbench.ops.annotation_import as module

    annotate(session, talks)
    text = file_of(good_row(talks, claim_id=talks["claims"][1].id))
    monkeypatch.setattr(module._People, "existing_annotations", lambda self, rows, claims: {})
    with pytest.raises(Conflict, match="saved an annotation of a claim of the file"):
        run(session, talks, text)


def test_lines_end_at_lf_or_at_cr_alone_and_nowhere_else(session, talks):
    """A note with a Unicode line separator, unquoted in the export, stays one cell; a
    file with CR line ends (an old Mac spreadsheet's) is read by its lines."""
    claims = talks["claims"]
    save_annotation(
        session,
        talks["project"],
        claims[0],
        talks["ann"],
        AnnotationInput(note="one\u2028two\x0cthree"),
        base_version=None,
    )
    first = export(session, talks["project"], raw_formulas=True)
    wipe_annotations(session)
    assert run(session, talks, first, raw_formulas=True).created == 1
    assert session.scalar(select(Annotation.note)) == "one\u2028two\x0cthree"
    wipe_annotations(session)
    text = f"claim_id,annotator,note\r{claims[1].id},ann,mac\r{claims[2].id},bob,too\r"
    assert run(session, talks, text).created == 2
