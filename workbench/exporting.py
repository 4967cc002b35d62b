"""Export row formats: tidy CSV (wide and long) and JSONL, written as a stream.

Pure: rows come in as dicts from the data layer (ops/exports.py), or as lines
it rendered with ``CsvFields`` and ``csv_line`` (the fast path for the wide CSV);
nothing here touches the database or Flask. See docs/data-dictionary.md for the
columns and docs/performance.md for the speed.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

from workbench.fields import FIELDS, STANCES, suggested_value_columns, suggestion_columns
from workbench.words import counted

# The claim a row is about and who annotated it; the annotation's fields follow.
ID_COLUMNS = (
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
)
_STANCES_AT = next(i for i, f in enumerate(FIELDS) if f.kind == STANCES)
# The annotation's own fields before and after the stances (see workbench/fields.py),
# in the order both shapes list them.
LONG_FIELDS_BEFORE_STANCE = tuple(c for f in FIELDS[:_STANCES_AT] for c in f.export_columns())
LONG_FIELDS_AFTER_STANCE = tuple(c for f in FIELDS[_STANCES_AT + 1 :] for c in f.export_columns())
BASE_COLUMNS = (*ID_COLUMNS, *LONG_FIELDS_BEFORE_STANCE)
AFTER_STANCE_COLUMNS = (*LONG_FIELDS_AFTER_STANCE, "created_at", "updated_at")
EXTRA_COLUMNS = (
    "status",
    "span_changed",
    "codebook_version",
    "annotation_version",
    "author",
    "language",
    "dateline",
)
# What the suggester proposed for the claim and whether the annotator took it
# (workbench/fields.py): added after the extras, before the metadata, in both shapes.
SUGGESTION_COLUMNS = tuple(suggestion_columns())
# The suggestion columns an unannotated claim (--all-claims) has values for.
CLAIM_SUGGESTION_COLUMNS = tuple(suggested_value_columns())
LONG_ID_COLUMNS = (
    "project",
    "article_id",
    "claim_id",
    "claim_index",
    "char_start",
    "char_end",
    "annotator",
)
# Text that csv.writer (excel dialect, QUOTE_MINIMAL) writes unquoted.
_PLAIN_FIELD = re.compile('[^,"\r\n]+')
# A spreadsheet that opens the file with another separator (LibreOffice asks,
# and remembers ";" or a tab) starts a cell after any of these, and after a
# line break inside a quoted cell: the quotes only protect under a comma. Line
# breaks are all that str.splitlines() breaks at.
_CELL_BREAKS = ";\t,\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
FORMULA_CHARS = "=+-@\uff1d\uff0b\uff0d\uff20"  # and their full-width forms
# What may stand unseen between a cell's start and its formula character:
# spaces, zero-width and other format characters, C0 controls, Hangul fillers,
# variation selectors, tag characters, and a quote a separator left behind.
_UNSEEN = (
    '\x00-\x08\x0e-\x1b\x1f\x7f" \u00a0\u00ad\u034f\u061c\u115f\u1160'
    "\u1680\u17b4\u17b5\u180b-\u180f\u2000-\u200f\u202a-\u202f\u205f-\u206f"
    "\u3000\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff9-\ufffb\U000e0000-\U000e007f"
)
_FORMULA_AT_A_CELL_START = re.compile(
    f"(^|[{_CELL_BREAKS}])([{_UNSEEN}]*)(?=[{re.escape(FORMULA_CHARS)}])"
)
_FORMULA_CHAR = re.compile(f"[{re.escape(FORMULA_CHARS)}]")  # a cheap first look
SHAPES = ("wide", "long")
FORMATS = ("csv", "jsonl")


def meta_column(key: str) -> str:
    return f"meta:{key}"


def wide_columns(targets: Sequence[str], meta_keys: Sequence[str] = ()) -> list[str]:
    """Return the wide export's header: the claim, the annotation's fields (one
    stance column per target), the times, the extras, the suggestions, the
    article's metadata."""
    return [
        *ID_COLUMNS,
        *annotation_fields(targets),
        "created_at",
        "updated_at",
        *EXTRA_COLUMNS,
        *SUGGESTION_COLUMNS,
        *(meta_column(k) for k in meta_keys),
    ]


def long_columns() -> list[str]:
    return [*LONG_ID_COLUMNS, "field", "value", "updated_at"]


def annotation_fields(targets: Sequence[str]) -> list[str]:
    """Return each annotation field's export columns (one stance column per target)."""
    return [column for f in FIELDS for column in f.export_columns(list(targets))]


def long_fields(targets: Sequence[str]) -> list[str]:
    """Return the long shape's field names: the annotation's, then the suggestions'."""
    return [*annotation_fields(targets), *SUGGESTION_COLUMNS]


def to_long(rows: Iterable[dict[str, Any]], targets: Sequence[str]) -> Iterator[dict[str, Any]]:
    """Turn wide rows into long rows: one per claim, annotator and field.

    A wide row without an annotator (an unannotated claim from --all-claims)
    gives one long row per suggested value and the confidence (empty where the
    claim has none), with empty annotator and updated_at.
    """
    fields = long_fields(targets)
    for row in rows:
        ids = {c: row[c] for c in LONG_ID_COLUMNS}
        if row["annotator"] in (None, ""):
            for name in CLAIM_SUGGESTION_COLUMNS:
                yield {**ids, "field": name, "value": row.get(name), "updated_at": None}
            continue
        for name in fields:
            yield {**ids, "field": name, "value": row.get(name), "updated_at": row["updated_at"]}


def cell_text(value: Any) -> str:
    """Return the CSV text of one value: empty for None, ISO 8601 for datetimes."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def neutralize(text: str) -> str:
    """Return text that a spreadsheet will not run as a formula, whatever its separator.

    An apostrophe goes before every formula character (``= + - @`` or a
    full-width one) that begins the text or follows a ``;``, tab, comma or line
    break, with only unseen characters (spaces, zero-width characters, quotes)
    between; text that begins with a tab or CR gets a leading one too.
    """
    if _FORMULA_CHAR.search(text) and _FORMULA_AT_A_CELL_START.search(text):
        text = _FORMULA_AT_A_CELL_START.sub(r"\1\2'", text)
    return "'" + text if text.startswith(("\t", "\r")) else text


# Control characters other than tab and line breaks (C0, DEL, C1): what imports remove
# from text (importing.normalize_text). Stored text has none, but a value can come
# from elsewhere (a restored backup, a note); in a CSV file a NUL stops many readers
# and an escape sequence runs in the terminal that shows the file.
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def csv_cell(value: Any, *, raw_formulas: bool = False) -> Any:
    """Return what ``csv.writer`` gets for one value: integers as they are, else text.

    Unless ``raw_formulas`` (which gives the values back exactly), control characters
    other than tab and line breaks are removed and text that starts like a formula
    gets a leading apostrophe.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, datetime):
        return value.isoformat()  # digits first, no separator: never a formula
    text = cell_text(value)
    if raw_formulas:
        return text
    if _CONTROLS.search(text):
        text = _CONTROLS.sub("", text)
    return neutralize(text)


class CsvFields(dict[Any, str]):
    """A memo of CSV fields: ``fields[value]`` is the value's text in a CSV line.

    The text is ``csv_cell(value)`` quoted by ``csv.writer`` (RFC 4180: fields
    with commas, quotes or line breaks in double quotes, quotes doubled),
    rendered once per distinct value; ``csv_line`` joins fields into a line.
    Keys must be of one kind per memo: ``True == 1`` in a dict, so keep
    booleans apart from integers.
    """

    def __init__(self, *, raw_formulas: bool = False) -> None:
        super().__init__()
        self.raw_formulas = raw_formulas
        self._line = _LineWriter().line

    def __missing__(self, value: Any) -> str:
        text = self[value] = self.render(value)
        return text

    def render(self, value: Any) -> str:
        """Return the field text of ``value`` without remembering it."""
        cell = csv_cell(value, raw_formulas=self.raw_formulas)
        if cell == "":
            return ""  # csv.writer quotes a lone empty field ("") so that the row shows
        if isinstance(cell, str) and _PLAIN_FIELD.fullmatch(cell):
            return cell  # what csv.writer writes for text it need not quote (tested)
        return self._line((cell,))[:-2]


def csv_line(fields: Iterable[str]) -> str:
    """Return one CSV line from fields rendered by ``CsvFields`` (CRLF, as csv.writer)."""
    return ",".join(fields) + "\r\n"


def csv_stream(
    columns: Sequence[str],
    rows: Iterable[dict[str, Any]],
    *,
    raw_formulas: bool = False,
    batch: int = 500,
) -> Iterator[str]:
    """Yield the CSV text (header first) in chunks of about ``batch`` rows.

    RFC 4180 quoting, CRLF line ends (csv module default). Numbers are written
    as they are; text cells that start like a formula get an apostrophe unless
    ``raw_formulas``. If the rows raise, a last line says the export is
    incomplete and the error is raised again.
    """
    line = _LineWriter().line
    lines = (
        line([csv_cell(row.get(column), raw_formulas=raw_formulas) for column in columns])
        for row in rows
    )
    return csv_lines_stream(columns, lines, batch=batch, raw_formulas=raw_formulas)


def csv_lines_stream(
    columns: Sequence[str],
    lines: Iterable[str],
    *,
    batch: int = 500,
    raw_formulas: bool = False,
) -> Iterator[str]:
    """Yield the header and then ``lines`` (rows already rendered) in chunks of ``batch``.

    The header's names (a target's or a metadata key's can be anything) are
    neutralised as cells are, unless ``raw_formulas``. If the lines raise, a
    last line says the export is incomplete (after how many rows, and why) and
    the error is raised again.
    """
    line = _LineWriter().line
    yield line(columns if raw_formulas else [neutralize(c) for c in columns])
    chunk: list[str] = []
    count = 0
    try:
        for text in lines:
            chunk.append(text)
            count += 1
            if count % batch == 0:
                yield "".join(chunk)
                chunk = []
    except Exception as exc:
        error = f"ERROR: the export stopped early after {counted(count, 'row')}: {exc}"
        chunk.append(line([error if raw_formulas else neutralize(error)]))
        yield "".join(chunk)
        raise
    if chunk:
        yield "".join(chunk)


class _LineWriter:
    """Renders one row at a time through csv.writer."""

    def __init__(self) -> None:
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer)

    def line(self, cells: Iterable[Any]) -> str:
        self._writer.writerow(cells)
        return _drain(self._buffer)


def jsonl_stream(
    columns: Sequence[str], rows: Iterable[dict[str, Any]], *, batch: int = 500
) -> Iterator[str]:
    """Yield one JSON object per line with the given keys, values typed (null, int, bool)."""
    parts: list[str] = []
    count = 0
    try:
        for row in rows:
            record = {c: _json_value(row.get(c)) for c in columns}
            parts.append(json.dumps(record, ensure_ascii=False))
            count += 1
            if count % batch == 0:
                yield "\n".join(parts) + "\n"
                parts = []
    except Exception as exc:
        stopped = f"the export stopped early after {counted(count, 'row')}: {exc}"
        parts.append(json.dumps({"error": stopped}))
        yield "\n".join(parts) + "\n"
        raise
    if parts:
        yield "\n".join(parts) + "\n"


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


BOM = "\ufeff"


def with_bom(chunks: Iterable[str]) -> Iterator[str]:
    """Yield a byte-order mark, then ``chunks``: Excel opens a UTF-8 CSV by double
    click as UTF-8 only when it begins with one (pandas and R read it either way
    with encoding "utf-8-sig" / "UTF-8-BOM"). Off by default: other tools would
    take it into the first column's name."""
    yield BOM
    yield from chunks
