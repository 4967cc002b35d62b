"""Earlier annotations from a CSV in the export's wide shape: reading and checking it.

Pure: bytes in, rows (or every problem found, line by line) out; nothing here touches
the database or Flask. ``workbench/ops/annotation_import.py`` matches the rows to the
project's claims, annotators and speakers and stores them, all or nothing. The
columns are the wide export's (``exporting.wide_columns``), so an export imports back
as it is: the columns that describe the claim or the suggestions are checked or
ignored, the label columns are read. User documentation: docs/importing.md,
"Importing earlier annotations".
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from workbench import exporting
from workbench.errors import InvalidInput
from workbench.exporting import _CELL_BREAKS, _UNSEEN, FORMULA_CHARS
from workbench.fields import FIELDS, LABEL, SPEAKER, STANCES, TEXT, stance_column
from workbench.importing import UndecodableError, decode_bytes
from workbench.words import counted

# The columns that name the claim and the annotator.
CLAIM_ID, ARTICLE_ID, START, END, ANNOTATOR = (
    "claim_id",
    "article_id",
    "char_start",
    "char_end",
    "annotator",
)
CLAIM_TEXT, STATUS = "claim_text", "status"
_NUMBERS = (CLAIM_ID, ARTICLE_ID, START, END)
# The export's columns an import reads no value from: the article's and the claim's
# description, the times, the annotation's bookkeeping, the suggestions (and whether
# they were taken, which the import works out as a save does), the metadata.
IGNORED_COLUMNS = frozenset(
    {
        "project",
        "article_title",
        "outlet",
        "url",
        "published",
        "claim_index",
        "created_at",
        "updated_at",
        *(c for c in exporting.EXTRA_COLUMNS if c != STATUS),
        *exporting.SUGGESTION_COLUMNS,
    }
)
META_PREFIX = exporting.meta_column("")
# The largest id an Integer column holds (workbench.db.MAX_INT; that module is not pure).
MAX_ID = 2**31 - 1
# The most problems listed: past that, the file is surely not what was meant.
MAX_PROBLEMS = 1000
EXPORT_STOPPED = "ERROR: the export stopped early"
_DELIMITERS = (",", ";", "\t")


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with the file: where (the line the row starts on, the column)
    and what. ``line`` None is the file as a whole."""

    line: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = [f"line {self.line:,}"] if self.line is not None else []
        if self.column:
            where.append(f"column {self.column!r}")
        return f"{', '.join(where)}: {self.message}" if where else self.message


class AnnotationImportError(InvalidInput):
    """The file cannot be imported: ``problems`` lists why, line by line. Nothing of
    it was stored."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        more = " (the check stopped there)" if len(self.problems) >= MAX_PROBLEMS else ""
        shown = "; ".join(str(p) for p in self.problems[:3])
        if len(self.problems) > 3:
            shown += f"; and {counted(len(self.problems) - 3, 'more problem')}"
        super().__init__(
            f"Nothing was imported: the file has {counted(len(self.problems), 'problem')}"
            f"{more}. {shown}."
        )


@dataclass(frozen=True, slots=True)
class SpeakerCell:
    """A speaker field's cells: the name, and what a new speaker of that name gets
    (the type and title columns, where the export has them; empty otherwise)."""

    name: str
    type: str = ""
    title: str = ""


@dataclass(slots=True)
class ImportRow:
    """One annotation the file gives: the claim (by id, or by article and offsets),
    the annotator as written, and the values by field of workbench/fields.py (a
    speaker field's SpeakerCell or None; a label's value, "" for none; the stances
    by target name; the note)."""

    line: int
    annotator: str
    claim_id: int | None
    article_id: int | None
    start: int | None
    end: int | None
    values: dict[str, object]
    status: str
    claim_text: str | None = None  # as written, to check against the claim


@dataclass(slots=True)
class ParsedFile:
    rows: list[ImportRow]
    columns: list[str]
    ignored: list[str]  # columns read past (known, or article metadata)
    unannotated: int = 0  # rows without an annotator (claims nobody annotated)
    warnings: list[str] = field(default_factory=list)
    # The problems of rows (not in ``rows``): the file is refused with them, after the
    # rows that were read are matched to the project (ops.annotation_import).
    problems: list[Problem] = field(default_factory=list)


class _Problems(list):
    def add(self, line: int | None, column: str | None, message: str) -> None:
        if len(self) < MAX_PROBLEMS:
            self.append(Problem(line, column, message))

    @property
    def full(self) -> bool:
        return len(self) >= MAX_PROBLEMS


# What exporting.neutralize adds: an apostrophe before a formula character at a cell's
# start or after a separator or line break (with only unseen characters between).
_ADDED_APOSTROPHE = re.compile(
    f"(^|[{_CELL_BREAKS}])([{_UNSEEN}]*)'(?=[{re.escape(FORMULA_CHARS)}])"
)


def restore_formulas(text: str) -> str:
    """Return the text ``exporting.neutralize`` was given, from what it wrote: the
    apostrophes it adds taken out. Text it could not have written is returned as it is.

    Neutralising is not one to one: a text that itself had an apostrophe where one
    is added ("'=x") reads back without it. Export and import with raw formulas to
    keep such text exactly.
    """
    if "'" not in text:
        return text
    restored = text[1:] if text.startswith(("'\t", "'\r")) else text
    restored = _ADDED_APOSTROPHE.sub(r"\1\2", restored)
    return restored if exporting.neutralize(restored) == text else text


@dataclass(frozen=True, slots=True)
class _Columns:
    """Where each column the import reads is in the header."""

    at: dict[str, int]
    speakers: dict[str, tuple[int | None, int | None, int | None]]  # name, type, title
    labels: dict[str, int]
    stances: dict[str, int]  # target name -> index
    texts: dict[str, int]


def parse_annotation_csv(
    data: bytes,
    *,
    targets: Sequence[str],
    labels: Mapping[str, Iterable[str]],
    statuses: Sequence[str],
    max_bytes: int,
    raw_formulas: bool = False,
) -> ParsedFile:
    """Read a CSV of annotations in the wide export's columns; return its rows.

    ``targets`` are the project's stance targets by name, ``labels`` its label sets
    (label set -> values), ``statuses`` the annotation statuses. Unless
    ``raw_formulas`` (a file exported with --raw-formulas), the apostrophes the export
    puts before formula characters are taken out again (``restore_formulas``).

    Raises AnnotationImportError for a file that gives no rows to match: too large,
    empty, binary or not text; a header without the columns that name a claim and an
    annotator, or with unknown or repeated columns; no row read. The problems of rows
    (at most MAX_PROBLEMS) are returned in ``ParsedFile.problems``, with the rows
    read well: a bad number, an unknown label or status, a note too long, labels
    without an annotator, nothing set in a submitted annotation, a row cut short,
    text that is not valid CSV (the rows after it are not read).
    """
    problems = _Problems()
    if len(data) > max_bytes:
        raise AnnotationImportError(
            [
                Problem(
                    None,
                    None,
                    f"the file is {len(data):,} bytes, over the {max_bytes:,}-byte limit",
                )
            ]
        )
    if not data or data.isspace():
        raise AnnotationImportError([Problem(None, None, "the file is empty")])
    try:
        text = decode_bytes(data)
    except UndecodableError as exc:
        raise AnnotationImportError([Problem(None, None, str(exc))]) from None
    warnings = []
    if not data.isascii() and not _is_utf8(data):
        warnings.append(
            "The file is not UTF-8; its encoding was guessed. Check the names and notes "
            "it gave, or save it as UTF-8 and import again."
        )
    clean = (lambda cell: cell) if raw_formulas else restore_formulas
    reader = csv.reader(_lines(text), delimiter=_delimiter(text), strict=True)
    header: list[str] | None = None
    columns: _Columns | None = None
    parsed = ParsedFile([], [], [], warnings=warnings)
    line_before = 0
    # One object for each distinct value (labels, names, speaker cells, stances): a
    # file of 100,000 rows holds a few hundred distinct ones.
    shared: dict = {}
    while not problems.full:
        line = line_before + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.add(line, None, _csv_problem(str(exc)))
            break
        line_before = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if cells[0].startswith(EXPORT_STOPPED):
            problems.add(
                line,
                None,
                f"the export this file came from stopped early ({cells[0]}); export again",
            )
            continue
        if header is None:
            header = [clean(cell.strip()) for cell in cells]
            columns = _read_header(header, targets, problems)
            if columns is None:
                break
            parsed.columns = header
            parsed.ignored = [
                c for c in header if c in IGNORED_COLUMNS or c.startswith(META_PREFIX)
            ]
            continue
        if len(cells) != len(header):
            if len(cells) < len(header):
                problems.add(
                    line,
                    None,
                    f"the row has {counted(len(cells), 'cell')} but the header has "
                    f"{counted(len(header), 'column')}: the file looks cut short, or a "
                    "cell holds a line break outside quotes",
                )
                continue
            if any(cell.strip() for cell in cells[len(header) :]):
                problems.add(
                    line,
                    None,
                    f"the row has {counted(len(cells), 'cell')} but the header has "
                    f"{counted(len(header), 'column')}",
                )
                continue
        row = _read_row(line, cells, columns, labels, statuses, clean, problems, shared)
        if row is None:
            continue
        if row == "unannotated":
            parsed.unannotated += 1
        else:
            parsed.rows.append(row)
    if header is None and not problems:
        problems.add(None, None, "the file has no header row (every row is empty)")
    elif header is not None and not parsed.rows and not parsed.unannotated and not problems:
        problems.add(None, None, "the file has a header row but no annotations")
    if columns is None or not parsed.rows:
        raise AnnotationImportError(problems)
    # The rows' problems are said with those that matching the rows finds.
    parsed.problems = list(problems)
    return parsed


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _lines(text: str):
    """Yield the text's lines with their ends, as a file opened with newline="" gives
    them to csv.reader (which joins the lines of a quoted cell), without a copy of
    the whole text (io.StringIO keeps one of four bytes a character). Lines end at
    LF (CRLF included), or at CR in a file with no LF (an old Mac spreadsheet's)."""
    end_char = "\n" if "\n" in text or "\r" not in text else "\r"
    start = 0
    while start < len(text):
        end = text.find(end_char, start)
        if end < 0:
            yield text[start:]
            return
        yield text[start : end + 1]
        start = end + 1


def _delimiter(text: str) -> str:
    """The separator of the header line: a comma (the export's), or a semicolon or tab
    that a spreadsheet saved the file with; whichever the header has most of."""
    header = next((line for line in _lines(text) if line.strip()), "")
    header = re.sub(r'"[^"]*"', "", header)
    counts = [header.count(d) for d in _DELIMITERS]
    return _DELIMITERS[counts.index(max(counts))] if max(counts) else ","


def _csv_problem(message: str) -> str:
    if message == "unexpected end of data":
        detail = "a quoted cell is never closed: the file looks cut short"
    elif message.endswith("expected after '\"'"):
        detail = 'a quoted cell has more text after its closing quote (write a quote as "")'
    elif message.startswith("field larger than field limit"):
        detail = f"a cell is longer than the limit of {csv.field_size_limit():,} characters"
    else:
        detail = message
    return f"not valid CSV: {detail}; the rows after it were not read"


def _read_header(header: list[str], targets: Sequence[str], problems: _Problems) -> _Columns | None:
    """Check the header; return where each column the import reads is, or None (and
    the problems) when it cannot be read."""
    at: dict[str, int] = {}
    before = len(problems)
    for i, name in enumerate(header):
        if name in at:
            problems.add(1, name, "the column appears twice")
        at.setdefault(name, i)
    known = set(exporting.ID_COLUMNS) | IGNORED_COLUMNS | {STATUS}
    speakers: dict[str, tuple[int | None, int | None, int | None]] = {}
    labels: dict[str, int] = {}
    stances: dict[str, int] = {}
    texts: dict[str, int] = {}
    for f in FIELDS:
        if f.kind == SPEAKER:
            names = f.export_columns()
            known.update(names)
            by_attribute = dict(zip(f.speaker_columns, names, strict=True))
            speakers[f.name] = tuple(
                at.get(by_attribute[a]) if a in by_attribute else None
                for a in ("name", "type", "title")
            )
        elif f.kind == LABEL:
            known.add(f.name)
            if f.name in at:
                labels[f.name] = at[f.name]
        elif f.kind == TEXT:
            known.add(f.name)
            if f.name in at:
                texts[f.name] = at[f.name]
        elif f.kind == STANCES:
            for target in targets:
                column = stance_column(target)
                known.add(column)
                if column in at:
                    stances[target] = at[column]
    stance_prefix = stance_column("")
    for name in at:
        if name in known or name.startswith(META_PREFIX):
            continue
        if name.startswith(stance_prefix):
            listed = ", ".join(repr(t) for t in targets) or "none"
            problems.add(
                1,
                name,
                f"unknown column: the project has no stance target "
                f"{name[len(stance_prefix) :]!r} (targets: {listed})",
            )
        else:
            problems.add(1, name, "unknown column (the columns are the wide export's)")
    if ANNOTATOR not in at:
        problems.add(1, None, f"the header has no {ANNOTATOR!r} column")
    by_offsets = [c for c in (ARTICLE_ID, START, END) if c not in at]
    if CLAIM_ID not in at and by_offsets:
        problems.add(
            1,
            None,
            f"the header names no claim: it needs {CLAIM_ID!r}, or {ARTICLE_ID!r} with "
            f"{START!r} and {END!r} (missing: {', '.join(by_offsets)})",
        )
    speakers_read = any(where[0] is not None for where in speakers.values())
    if not (speakers_read or labels or stances or texts) and len(problems) == before:
        # (An unknown column is said already: a misspelt label column, most likely.)
        problems.add(1, None, "the header has none of the annotation's columns")
    if len(problems) > before:
        return None
    return _Columns(at, speakers, labels, stances, texts)


def _read_row(
    line, cells, columns: _Columns, label_sets, statuses, clean, problems: _Problems, shared
):
    """Return the row's ImportRow, "unannotated" for a row without annotator or labels
    (a claim nobody annotated, in an --all-claims export), or None after adding its
    problems. Equal values of rows are one object, from ``shared``."""
    at = columns.at
    before = len(problems)

    def cell(name: str) -> str:
        return clean(cells[at[name]]) if name in at else ""

    numbers: dict[str, int | None] = {}
    for name in _NUMBERS:
        value = cell(name).strip()
        if not value:
            numbers[name] = None
        elif not (value.isascii() and value.isdigit()):
            problems.add(line, name, f"{value[:40]!r} is not a whole number")
        elif int(value) > MAX_ID:
            problems.add(line, name, f"{value[:40]} is beyond any id or offset")
        else:
            numbers[name] = int(value)
    values: dict[str, object] = {}
    anything = False
    for f in FIELDS:
        if f.kind == SPEAKER:
            name_at, type_at, title_at = columns.speakers[f.name]
            name = clean(cells[name_at]).strip() if name_at is not None else ""
            speaker = (
                SpeakerCell(
                    name,
                    clean(cells[type_at]).strip() if type_at is not None else "",
                    clean(cells[title_at]).strip() if title_at is not None else "",
                )
                if name
                else None
            )
            values[f.name] = shared.setdefault(speaker, speaker)
            anything = anything or bool(name)
        elif f.kind == LABEL:
            value = clean(cells[columns.labels[f.name]]).strip() if f.name in columns.labels else ""
            allowed = frozenset(label_sets.get(f.choices, ()))
            if value and value not in allowed:
                problems.add(line, f.name, _unknown_label(f.choices, value, allowed))
            values[f.name] = shared.setdefault(value, value)
            anything = anything or bool(value)
        elif f.kind == STANCES:
            stances = {}
            allowed = frozenset(label_sets.get(f.choices, ()))
            for target, index in columns.stances.items():
                value = clean(cells[index]).strip()
                if value and value not in allowed:
                    problems.add(
                        line, stance_column(target), _unknown_label(f.choices, value, allowed)
                    )
                if value:
                    stances[target] = value
            key = ("stances", *stances.items())
            values[f.name] = shared.setdefault(key, stances)  # read only, never changed
            anything = anything or bool(stances)
        elif f.kind == TEXT:
            value = clean(cells[columns.texts[f.name]]) if f.name in columns.texts else ""
            value = value.replace("\r\n", "\n").replace("\r", "\n")
            if f.max_length is not None and len(value) > f.max_length:
                problems.add(
                    line, f.name, f"the {f.label.lower()} has more than {f.max_length:,} characters"
                )
            values[f.name] = value
            anything = anything or bool(value.strip())
    annotator = cell(ANNOTATOR).strip()
    annotator = shared.setdefault(annotator, annotator)
    status = cell(STATUS).strip() or "submitted"
    if status not in statuses:
        problems.add(line, STATUS, f"unknown status {status!r} (statuses: {', '.join(statuses)})")
    if not annotator:
        if anything:
            problems.add(line, ANNOTATOR, "the row has labels but no annotator")
            return None
        return None if len(problems) > before else "unannotated"
    if numbers.get(CLAIM_ID) is None and any(
        numbers.get(c) is None for c in (ARTICLE_ID, START, END)
    ):
        if len(problems) == before:
            problems.add(
                line,
                CLAIM_ID,
                f"the row names no claim: give {CLAIM_ID!r}, or {ARTICLE_ID!r}, {START!r} "
                f"and {END!r}",
            )
    if status == "submitted" and not anything:
        problems.add(
            line,
            None,
            "nothing is set, so the annotation cannot be done (submitted): give a label, "
            "a speaker or a note, or the status 'draft'",
        )
    if len(problems) > before:
        return None
    return ImportRow(
        line=line,
        annotator=annotator,
        claim_id=numbers.get(CLAIM_ID),
        article_id=numbers.get(ARTICLE_ID),
        start=numbers.get(START),
        end=numbers.get(END),
        values=values,
        status=status,
        claim_text=cells[at[CLAIM_TEXT]] if CLAIM_TEXT in at and cells[at[CLAIM_TEXT]] else None,
    )


def _unknown_label(label_set: str, value: str, allowed: frozenset[str]) -> str:
    return f"unknown {label_set} label {value!r} (labels: {', '.join(sorted(allowed))})"
