"""Turn uploaded files and pasted text into article drafts, or rejections.

This module is pure parsing: it never touches the database, the network or
the web framework. Every public parser returns a list of items, each either
an :class:`ArticleDraft` (ready to be stored) or a :class:`Rejection` (with a
sentence that can be shown to the user as is). The parsers never raise on
any input bytes.

The article text stored in the database is ``normalize_text``'s output, and
claims are character offsets into it, so that function is deliberately small,
deterministic and idempotent. User-facing documentation: docs/importing.md.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import logging
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime

import charset_normalizer

logger = logging.getLogger(__name__)

ARTICLE_FIELDS = ("title", "outlet", "author", "url", "published", "language")
# Column/key names accepted for the article text, in order of preference.
TEXT_FIELDS = ("text", "body", "content")
SUPPORTED_EXTENSIONS = (".txt", ".md", ".html", ".htm", ".csv", ".jsonl")
# The most files one upload may carry (the web form refuses more with a 413).
MAX_UPLOAD_FILES = 1000
PASTED_SOURCE = "pasted text"

# Share of control characters above which decoded "text" is treated as binary.
BINARY_CONTROL_SHARE = 0.05


@dataclass(frozen=True, slots=True)
class ArticleDraft:
    """An article parsed from an upload, not yet stored."""

    text: str
    title: str = ""
    outlet: str = ""
    author: str = ""
    url: str = ""
    published: str = ""  # as given (ISO date recommended); the paste form checks it
    language: str = ""
    metadata: dict[str, str] = field(default_factory=dict)
    source: str = ""  # "articles.csv row 3", "a.txt", "feed.jsonl line 7", ...


@dataclass(frozen=True, slots=True)
class Rejection:
    """Something that could not be imported, with a reason for the user."""

    source: str
    reason: str


ImportItem = ArticleDraft | Rejection


class UndecodableError(ValueError):
    """The bytes are not text in any encoding we accept (or look binary)."""


# --------------------------------------------------------------------------
# Text normalisation
# --------------------------------------------------------------------------

# C0 controls except \t and \n (\r is turned into \n first), DEL, C1 controls
# and U+FEFF (a byte-order mark that leaked into the text). They are invisible
# and only ever come from mis-decoding or copy/paste accidents.
_REMOVED_CHARS_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ufeff]")
# Lone surrogates can arrive through JSON escapes ("\ud800"); they cannot be
# encoded as UTF-8, so they are replaced like any undecodable character.
_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def normalize_text(text: str) -> str:
    """Return the canonical form of ``text`` (used for everything stored).

    Steps, in this order: CRLF and lone CR become LF; lone surrogates become
    U+FFFD; control characters other than tab and newline (C0, DEL, C1) and
    U+FEFF are removed; Unicode NFC; leading/trailing whitespace of the whole
    text is stripped. Inner whitespace is left alone. Idempotent.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _SURROGATE_RE.sub("\ufffd", text)
    text = _REMOVED_CHARS_RE.sub("", text)
    return unicodedata.normalize("NFC", text).strip()


def content_hash(text: str) -> str:
    """Return the SHA-256 hex digest of ``normalize_text(text)`` as UTF-8."""
    return hashlib.sha256(normalize_text(text).encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------
# Decoding
# --------------------------------------------------------------------------

# Longest BOM first: the UTF-32-LE BOM starts with the UTF-16-LE one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF8, "utf-8-sig", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16", "UTF-16"),
)
# Controls that real text files contain: tab, newline, carriage return, form feed.
_BINARY_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")


def decode_bytes(data: bytes) -> str:
    """Decode uploaded bytes to text and return it (without any BOM).

    Order: a byte-order mark (UTF-8/16/32) decides; otherwise NUL bytes mean
    binary; then strict UTF-8; then charset-normalizer's guesses (preferring
    Windows-1252 when it is as plausible as the best guess). UTF-16/32
    without a BOM are not accepted. Empty input returns "".

    Raises UndecodableError, whose message is a sentence for the user, when
    the bytes look binary or no encoding gives plausible text.
    """
    return _decode(data)


# Files people often try to import that are not text, by their first bytes, with
# what to do instead. (Their bytes could otherwise pass for text in some encoding.)
_KNOWN_FORMATS = (
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (a .docx, .xlsx, .odt or .zip file)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "a legacy Microsoft Office file (.doc or .xls)"),
    (b"{\\rtf", "an RTF document"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x1f\x8b", "a gzip-compressed file"),
)


def _check_known_format(data: bytes) -> None:
    for magic, what in _KNOWN_FORMATS:
        if data.startswith(magic):
            raise UndecodableError(
                f"the file is {what}, not text; save the article as plain text, HTML or "
                "Markdown (or a table as CSV) and import that"
            )


def _decode(data: bytes, declared: str | None = None) -> str:
    """decode_bytes, optionally trying a declared encoding (from HTML) before guessing."""
    _check_known_format(data)
    for bom, codec, label in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(codec)
            except UnicodeDecodeError:
                if label == "UTF-32":  # maybe UTF-16-LE text starting with U+0000
                    continue
                raise UndecodableError(
                    f"the file starts with a {label} byte-order mark but is not valid {label}"
                ) from None
            return _check_not_binary(text)
    if b"\x00" in data:
        raise UndecodableError("the file looks binary (it contains NUL bytes), not text")
    try:
        return _check_not_binary(data.decode("utf-8"))
    except UnicodeDecodeError:
        pass
    for encoding in _candidate_encodings(data, declared):
        try:
            text = data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
        return _check_not_binary(text)
    raise UndecodableError("the file could not be decoded as text in any known encoding")


def _candidate_encodings(data: bytes, declared: str | None) -> list[str]:
    """Encodings to try, most plausible first, for bytes that are not UTF-8."""
    matches = [
        m
        for m in charset_normalizer.from_bytes(data)
        # Without a BOM (and with no NUL bytes) UTF-16/32 guesses are noise.
        if not m.encoding.startswith(("utf_16", "utf_32"))
    ]
    guesses = [m.encoding for m in matches]
    # charset-normalizer often ranks cp1250 or cp1257 first for French or
    # German Windows-1252 text (turning "à" into "ŕ"), even with a worse
    # chaos score for cp1252 by only ~0.09. Windows-1252 is by far the most
    # common legacy encoding for news text and spreadsheet exports, so it is
    # tried first when it is nearly as plausible as the best guess, unless it
    # puts symbols inside words ("Rz¹d og³osi³" is Polish cp1250), in which
    # case it is tried last.
    lowest = min((m.chaos for m in matches), default=0.0)
    near_best = any(
        "cp1252" in m.could_be_from_charset
        for m in matches
        if m.chaos <= lowest + _CP1252_CHAOS_TOLERANCE
    )
    western = _looks_like_cp1252(data)
    candidates = [declared] if declared else []
    if near_best and western:
        candidates.append("cp1252")
    candidates.extend(guesses if western else [g for g in guesses if g != "cp1252"])
    if not western:
        candidates.append("cp1252")
    return candidates


_CP1252_CHAOS_TOLERANCE = 0.1
# A non-ASCII character between two letters; see _looks_like_cp1252.
_INNER_NON_ASCII_RE = re.compile(r"(?<=[^\W\d_])[^\x00-\x7f](?=[^\W\d_])")


def _looks_like_cp1252(data: bytes) -> bool:
    """True if ``data`` decodes as cp1252 without symbols such as ¹ ³ ¤ inside words."""
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        return False
    inner_symbols = sum(
        unicodedata.category(match.group())[0] in "SN"
        for match in _INNER_NON_ASCII_RE.finditer(text)
    )
    return inner_symbols < 2  # one may be real ("H²O"); Polish text has many


def _check_not_binary(text: str) -> str:
    """Return ``text``, or raise UndecodableError if too much of it is control characters."""
    if text:
        controls = len(_BINARY_CONTROL_RE.findall(text))
        if controls / len(text) > BINARY_CONTROL_SHARE:
            share = max(1, round(100 * controls / len(text)))
            raise UndecodableError(
                f"the file looks binary ({share}% of its characters are control "
                "characters), not text"
            )
    return text


# --------------------------------------------------------------------------
# A published date as the paste form takes it: an ISO 8601 date, or a date and time
# (seconds, fractions and a zone optional; T or a space between), checked again by the
# calendar (no 30 February).
_ISO_PUBLISHED_RE = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?",
    re.I,
)


def published_problem(value: str) -> str | None:
    """Return why ``value`` is not a published date the paste form takes (an ISO date,
    ``YYYY-MM-DD``, or an ISO date and time), or None when it is one or is empty.

    Files keep their ``published`` as given (existing data has "2024" or "March 2024").
    """
    value = value.strip()
    if not value:
        return None
    if _ISO_PUBLISHED_RE.fullmatch(value):
        try:
            datetime.fromisoformat(value.replace(",", ".").replace("z", "Z"))
            return None
        except ValueError:
            pass
    return (
        "Give the date as YYYY-MM-DD (2024-06-10), or an ISO date and time "
        f"(2024-06-10T14:30:00Z); {value!r} is neither."
    )


# Entry points
# --------------------------------------------------------------------------


def parse_pasted(
    text: str,
    *,
    title: str = "",
    outlet: str = "",
    author: str = "",
    url: str = "",
    published: str = "",
    language: str = "",
    max_bytes: int | None = None,
) -> list[ImportItem]:
    """Return ``[ArticleDraft]`` for pasted text, or ``[Rejection]`` if it is blank
    or, encoded as UTF-8, longer than ``max_bytes`` (the per-file limit)."""
    if max_bytes is not None:
        size = len(text.encode("utf-8", "surrogatepass"))
        if size > max_bytes:
            return [Rejection(PASTED_SOURCE, _size_reason(size, max_bytes))]
    body = normalize_text(text)
    if not body:
        return [Rejection(PASTED_SOURCE, "the pasted text is empty")]
    return [
        ArticleDraft(
            text=body,
            title=normalize_text(title),
            outlet=normalize_text(outlet),
            author=normalize_text(author),
            url=normalize_text(url),
            published=normalize_text(published),
            language=normalize_text(language),
            source=PASTED_SOURCE,
        )
    ]


def parse_file(filename: str, data: bytes, *, max_bytes: int = 10_000_000) -> list[ImportItem]:
    """Parse one uploaded file and return its items (never an empty list).

    The file type comes from the extension of ``filename`` (case-insensitive).
    File-level problems (size, type, encoding, emptiness, CSV header) give a
    single Rejection; row/line problems in CSV and JSON Lines give one
    Rejection per row/line next to the drafts for the good ones. Never raises.
    """
    name = _basename(filename)
    try:
        return _parse_file(name, data, max_bytes)
    except Exception as exc:  # last-resort guard: one bad upload must not crash a batch
        logger.exception("unexpected error while importing %r", name)
        return [Rejection(name, f"the file could not be read because of an internal error ({exc})")]


def _parse_file(name: str, data: bytes, max_bytes: int) -> list[ImportItem]:
    if len(data) > max_bytes:
        return [Rejection(name, _size_reason(len(data), max_bytes))]
    ext = _extension(name)
    accepted = ", ".join(SUPPORTED_EXTENSIONS)
    if not ext:
        return [
            Rejection(
                name, f"unsupported file type: the name has no extension (accepted: {accepted})"
            )
        ]
    if ext not in SUPPORTED_EXTENSIONS:
        return [Rejection(name, f"unsupported file type '{ext}' (accepted: {accepted})")]
    if not data:
        return [Rejection(name, "the file is empty")]
    try:
        text = _decode(data, _declared_html_charset(data) if ext in (".html", ".htm") else None)
    except UndecodableError as exc:
        return [Rejection(name, str(exc))]
    if not normalize_text(text):
        return [Rejection(name, "the file is empty (it contains only whitespace)")]
    if ext == ".csv":
        return _parse_csv(name, text)
    if ext == ".jsonl":
        return _parse_jsonl(name, text)
    if ext in (".html", ".htm"):
        return _parse_html(name, text)
    return _parse_plain(name, text, markdown=ext == ".md")


def _basename(filename: str) -> str:
    # Some browsers send "C:\fakepath\a.txt"; only the last component matters. The
    # name becomes the article's source and title: control characters (NUL among
    # them) are removed and unpaired surrogates replaced, as in the text.
    name = re.split(r"[\\/]", filename or "")[-1]
    name = _SURROGATE_RE.sub("\ufffd", _REMOVED_CHARS_RE.sub("", name))
    return name or "uploaded file"


def _extension(name: str) -> str:
    # Unlike os.path.splitext, ".txt" alone counts as having the extension .txt.
    dot = name.rfind(".")
    return name[dot:].lower() if dot >= 0 else ""


def _stem(name: str) -> str:
    dot = name.rfind(".")
    return name[:dot] if dot >= 0 else name


def _size_reason(size: int, limit: int) -> str:
    shown, shown_limit = _format_size(size), _format_size(limit)
    if shown == shown_limit:  # e.g. 10,000,001 bytes vs 10 MB: show exact counts
        shown, shown_limit = f"{size:,} bytes", f"{limit:,}-byte"
    return f"the file is {shown}, over the {shown_limit} limit"


def _format_size(n: int) -> str:
    """'12.3 MB', '10 MB', '2.5 kB', '12 bytes' (decimal units)."""
    for unit, scale in (("MB", 1_000_000), ("kB", 1_000)):
        if n >= scale:
            number = f"{n / scale:.1f}".removesuffix(".0")
            return f"{number} {unit}"
    return f"{n} bytes"


# --------------------------------------------------------------------------
# Plain text and Markdown
# --------------------------------------------------------------------------

# "# Title" or "# Title #" (CommonMark ATX level-1 heading, optional closing #s).
_MD_TITLE_RE = re.compile(r"#[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*")


def _parse_plain(name: str, text: str, *, markdown: bool) -> list[ImportItem]:
    """One article per file; title from a leading "# Heading" (.md) or the file name."""
    body = normalize_text(text)
    title = _stem(name)
    if markdown:
        first_line, _, rest = body.partition("\n")
        match = _MD_TITLE_RE.fullmatch(first_line)
        if match and match.group(1).strip():
            title, body = match.group(1).strip(), normalize_text(rest)
            if not body:
                return [Rejection(name, "the file has a title heading but no article text")]
    return [ArticleDraft(text=body, title=normalize_text(title), source=name)]


# --------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------

_META_CHARSET_RE = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_HTML_LANG_RE = re.compile(
    r"""<html\b[^>]*?\blang\s*=\s*["']?\s*([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*)""", re.I
)


def _declared_html_charset(data: bytes) -> str | None:
    """The <meta charset> of an HTML page if Python knows it, else None."""
    match = _META_CHARSET_RE.search(data[:4096])
    if not match:
        return None
    try:
        codec = codecs.lookup(match.group(1).decode("ascii")).name
    except LookupError:
        return None
    if codec.startswith(("utf-16", "utf-32")):  # browsers ignore these too (no BOM)
        return None
    # As in browsers: pages labelled Latin-1 or ASCII are really Windows-1252.
    return "cp1252" if codec in ("iso8859-1", "ascii") else codec


def _parse_html(name: str, text: str) -> list[ImportItem]:
    """Extract the main article text and metadata with trafilatura (no network)."""
    import trafilatura  # imported lazily: it is slow to import and only needed here
    from lxml import etree

    try:
        tree = trafilatura.load_html(text)
        if tree is not None:
            # What a browser with scripts on never shows: a <noscript> fallback ("turn
            # JavaScript on") and <template> content are not the article's text.
            etree.strip_elements(tree, "noscript", "template", with_tail=False)
        doc = trafilatura.bare_extraction(
            tree if tree is not None else text,
            with_metadata=True,
            favor_precision=True,
            include_comments=False,
            include_tables=True,
            # Dates only from markup and URL, not guessed from the page text.
            date_extraction_params={"extensive_search": False, "original_date": True},
        )
    except Exception:  # trafilatura/lxml on hostile input: treat as unreadable HTML
        logger.warning("trafilatura failed on %r", name, exc_info=True)
        doc = None
    body = normalize_text(getattr(doc, "text", None) or "") if doc is not None else ""
    if not any(ch.isalnum() for ch in body):  # nothing but punctuation is no article either
        return [Rejection(name, "no article text found in the HTML")]

    def meta(attr: str) -> str:
        value = getattr(doc, attr, None)
        if isinstance(value, list | tuple):
            value = ", ".join(str(v) for v in value if v)
        return normalize_text(str(value)) if value else ""

    title = meta("title")
    first_line, _, rest = body.partition("\n")
    if title and normalize_text(first_line) == title and normalize_text(rest):
        body = normalize_text(rest)  # the headline is the title, not article text
    lang = _HTML_LANG_RE.search(text[:8192])
    metadata = {
        key: meta(key) for key in ("description", "hostname", "categories", "tags", "image")
    }
    return [
        ArticleDraft(
            text=body,
            title=title,
            outlet=meta("sitename"),
            author=meta("author"),
            url=meta("url"),
            published=meta("date"),
            language=lang.group(1) if lang else meta("language"),
            metadata={key: value for key, value in metadata.items() if value},
            source=name,
        )
    ]


# --------------------------------------------------------------------------
# Records (CSV rows and JSON Lines objects)
# --------------------------------------------------------------------------

_JSON_TYPE_NAMES = {
    dict: "an object",
    list: "an array",
    bool: "a boolean",
    int: "a number",
    float: "a number",
}


def _json_type(value: object) -> str:
    return _JSON_TYPE_NAMES.get(type(value), "a string" if isinstance(value, str) else "null")


def _scalar_text(value: object) -> str:
    """A string, number, boolean or null as text ("" for null, JSON spelling otherwise)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return normalize_text(value)
    return json.dumps(value)  # true/false, 3, 2.5, NaN


def _metadata_text(value: object) -> str:
    if isinstance(value, dict | list):
        return normalize_text(json.dumps(value, ensure_ascii=False))
    return _scalar_text(value)


def _shorten(name: str, limit: int = 40) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"


def _name_list(names: list[str], limit: int = 12) -> str:
    shown = [_shorten(n) for n in names[:limit]]
    if len(names) > limit:
        shown.append(f"and {len(names) - limit} more")
    return ", ".join(shown) if shown else "none"


def _text_key(keys: list[str]) -> str | None:
    """The key holding the article text: 'text', else 'body', else 'content' (any case)."""
    folded = {key.casefold(): key for key in keys}
    return next((folded[alias] for alias in TEXT_FIELDS if alias in folded), None)


def _duplicate_keys(keys: list[str]) -> list[str]:
    seen: set[str] = set()
    duplicates = []
    for key in keys:
        if key.casefold() in seen:
            duplicates.append(key)
        seen.add(key.casefold())
    return duplicates


def _record_to_item(
    record: dict[str, object], text_key: str, where: str, source: str
) -> ImportItem:
    """Build a draft from one CSV row / JSON object whose keys are already clean and unique.

    ``where`` ("row 5", "line 7") starts every rejection sentence.
    """
    raw_text = record.get(text_key)
    if raw_text is not None and not isinstance(raw_text, str):
        return Rejection(source, f"{where}: '{text_key}' is {_json_type(raw_text)}, not a string")
    body = normalize_text(raw_text or "")
    if not body:
        return Rejection(source, f"{where} has an empty '{text_key}'")
    fields: dict[str, str] = {}
    metadata: dict[str, str] = {}
    for key, value in record.items():
        if key == text_key:
            continue
        known = key.casefold()
        if known in ARTICLE_FIELDS:
            if isinstance(value, dict | list):
                return Rejection(source, f"{where}: '{key}' is {_json_type(value)}, not a string")
            fields[known] = _scalar_text(value)
        else:
            metadata[key] = _metadata_text(value)
    return ArticleDraft(text=body, metadata=metadata, source=source, **fields)


# --------------------------------------------------------------------------
# CSV
# --------------------------------------------------------------------------

_CSV_DELIMITERS = (",", ";", "\t", "|")
_QUOTED_RE = re.compile(r'"[^"]*"')


def _sniff_delimiter(text: str) -> str:
    """The candidate delimiter occurring most often in the header line (comma on ties/none).

    Only the header line is looked at: article text in data rows is full of
    commas and semicolons, header names almost never are.
    """
    header = next((line for line in io.StringIO(text, newline="") if line.strip()), "")
    header = _QUOTED_RE.sub("", header)
    counts = [header.count(d) for d in _CSV_DELIMITERS]
    best = max(counts)
    return _CSV_DELIMITERS[counts.index(best)] if best else ","


def _parse_csv(name: str, text: str) -> list[ImportItem]:
    """One article per data row; see docs/importing.md for the rules."""
    reader = csv.reader(
        io.StringIO(text, newline=""), delimiter=_sniff_delimiter(text), strict=True
    )
    items: list[ImportItem] = []
    header: list[str] | None = None
    text_key = ""
    line_before_row = 0  # csv.reader.line_num after the previous row
    while True:
        row_line = line_before_row + 1  # line on which the next row starts
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            reason = _csv_error_reason(str(exc), row_line)
            items.append(Rejection(f"{name} row {row_line}" if header else name, reason))
            break
        line_before_row = reader.line_num
        if not any(cell.strip() for cell in row):
            continue  # blank line or a row of empty cells: spreadsheet padding
        if header is None:
            header = [normalize_text(cell) or f"column {i}" for i, cell in enumerate(row, 1)]
            if duplicates := _duplicate_keys(header):
                return [
                    Rejection(name, f"the CSV has duplicate column names: {_name_list(duplicates)}")
                ]
            found = _text_key(header)
            if found is None:
                return [
                    Rejection(
                        name, f"the CSV has no 'text' column (columns found: {_name_list(header)})"
                    )
                ]
            text_key = found
            continue
        source, where = f"{name} row {row_line}", f"row {row_line}"
        if len(row) > len(header) and any(cell.strip() for cell in row[len(header) :]):
            items.append(
                Rejection(
                    source, f"{where} has {len(row)} cells but the header has {len(header)} columns"
                )
            )
            continue
        cells = row + [""] * (len(header) - len(row))  # short rows: missing cells are empty
        record: dict[str, object] = dict(zip(header, cells, strict=False))
        items.append(_record_to_item(record, text_key, where, source))
    if header is None:  # every row was empty cells (e.g. just "") or row 1 was broken
        return items or [Rejection(name, "the CSV has no header row (every row is empty)")]
    if not items:
        items.append(Rejection(name, "the CSV has a header row but no data rows"))
    return items


def _csv_error_reason(message: str, row_line: int) -> str:
    """Translate csv.Error messages (terse, about the parser) into user terms."""
    if message == "unexpected end of data":
        detail = "a quoted cell is never closed (the file ends inside quotes)"
    elif message.endswith("expected after '\"'"):
        detail = (
            "a quoted cell has more text after its closing quote"
            ' (inside quotes, write a quote as "")'
        )
    elif message.startswith("field larger than field limit"):
        detail = f"a cell is longer than the limit of {csv.field_size_limit():,} characters"
    else:
        detail = message
    return f"row {row_line} is not valid CSV: {detail}; it and any rows after it were not imported"


# --------------------------------------------------------------------------
# JSON Lines
# --------------------------------------------------------------------------


def _parse_jsonl(name: str, text: str) -> list[ImportItem]:
    """One article per line holding a JSON object; blank lines are skipped."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    items: list[ImportItem] = []
    bad_json = 0
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        source, where = f"{name} line {number}", f"line {number}"
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            bad_json += 1
            items.append(
                Rejection(source, f"{where} is not valid JSON: {exc.msg} (column {exc.colno})")
            )
            continue
        except (ValueError, RecursionError) as exc:  # e.g. a 5000-digit number, [[[[...]]]]
            bad_json += 1
            if isinstance(exc, RecursionError):
                detail = "it is nested too deeply"
            elif "digits" in str(exc):  # Python's int-size guard, not a syntax error
                detail = "a number has too many digits"
            else:
                detail = str(exc)
            items.append(Rejection(source, f"{where} is not valid JSON: {detail}"))
            continue
        if not isinstance(value, dict):
            items.append(Rejection(source, f"{where} is {_json_type(value)}, not a JSON object"))
            continue
        items.append(_object_to_item(value, where, source))
    if bad_json and _is_single_json_document(text):
        # A pretty-printed .json file renamed to .jsonl: one clear message instead of many.
        return [
            Rejection(
                name,
                "the file is a single JSON document spread over several lines, not JSON Lines "
                "(one JSON object per line)",
            )
        ]
    return items


def _is_single_json_document(text: str) -> bool:
    try:
        json.loads(text)
    except (ValueError, RecursionError):
        return False
    return True


def _object_to_item(value: dict[str, object], where: str, source: str) -> ImportItem:
    pairs = [(normalize_text(str(key)), item) for key, item in value.items()]
    keys = [key for key, _ in pairs]
    # Checked on the list, not a dict: "Title" and "title" (or "a" and " a") collide.
    if duplicates := _duplicate_keys(keys):
        return Rejection(source, f"{where} has duplicate keys: {_name_list(duplicates)}")
    text_key = _text_key(keys)
    if text_key is None:
        return Rejection(source, f"{where} has no 'text' key (keys found: {_name_list(keys)})")
    try:
        return _record_to_item(dict(pairs), text_key, where, source)
    except (ValueError, RecursionError):  # json.dumps of absurdly nested metadata
        return Rejection(source, f"{where} has a value that is nested too deeply")
