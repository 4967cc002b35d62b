"""Streaming export rows out of the database, page by page (never all in memory)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from itertools import chain
from typing import Any

from sqlalchemy import DateTime, String, Text, and_, cast, func, select, type_coerce
from sqlalchemy.orm import Session, aliased

from workbench import exporting
from workbench.fields import CONFIDENCE_OF, FIELDS, LABEL, SPEAKER, STANCES, SUGGESTED, TEXT
from workbench.fields import Field as AnnotationField
from workbench.models import (
    Annotation,
    Article,
    Claim,
    Project,
    Speaker,
    Stance,
    Suggestion,
    User,
)
from workbench.ops.projects import labels_by_field

PAGE = 2000
# The speaker attributes a speaker field may export (fields.Field.speaker_columns).
SPEAKER_ATTRIBUTES = ("name", "type", "title")


def meta_keys(session: Session, project: Project) -> list[str]:
    """Return the sorted union of the metadata keys of the project's articles."""
    keys: set[str] = set()
    for extra in session.scalars(select(Article.extra).where(Article.project_id == project.id)):
        keys.update(extra or {})
    return sorted(keys)


def export_columns(session: Session, project: Project, shape: str = "wide") -> list[str]:
    if shape == "long":
        return exporting.long_columns()
    targets = [t.name for t in project.targets]
    return exporting.wide_columns(targets, meta_keys(session, project))


def wide_rows(
    session: Session, project: Project, *, all_claims: bool = False
) -> Iterator[dict[str, Any]]:
    """Yield one dict per claim and annotator, in article, claim and annotator order.

    Keys are ``export_columns(session, project)``; values are typed (int, float,
    bool, aware UTC datetime, None for "not set"). With ``all_claims`` a claim
    nobody annotated yields one row with empty annotation columns (its
    suggestions are there). Only active claims are exported (merged ones live on
    in the history).
    """
    keys = meta_keys(session, project)
    columns = exporting.wide_columns([t.name for t in project.targets], keys)
    for row in _wide_rows(session, project, all_claims, keys, _TypedCells()):
        yield dict(zip(columns, row, strict=True))


def wide_csv_lines(
    session: Session,
    project: Project,
    *,
    all_claims: bool = False,
    raw_formulas: bool = False,
    keys: list[str] | None = None,
) -> Iterator[str]:
    """Yield the rows of ``wide_rows`` as CSV lines: the text ``csv_stream`` would write.

    Faster than csv_stream over dicts: each distinct value is rendered once (an
    article's cells once per article, a claim's once per claim, labels and
    names once per export), so a row costs a few dict lookups and one join.
    ``keys`` are the metadata keys if the caller has them already.
    """
    if keys is None:
        keys = meta_keys(session, project)
    cells = _CsvCells(exporting.CsvFields(raw_formulas=raw_formulas))
    return _wide_rows(session, project, all_claims, keys, cells)


class _TypedCells:
    """Rows for dicts and JSON: lists of the values themselves."""

    def __init__(self) -> None:
        self.values: dict[Any, Any] = _Identity()
        self.flags: dict[Any, Any] = _Identity()

    @staticmethod
    def one(value: Any) -> Any:
        return value

    @staticmethod
    def text(value: Any) -> list[Any]:
        """A free text's run of cells: the text, or None for none."""
        return [value or None]

    @staticmethod
    def group(cells: list[Any]) -> list[Any]:
        return cells

    meta = group

    @staticmethod
    def row(prefix, annotator, runs, created, updated, state, tail, taken, meta):
        return [
            *prefix,
            annotator,
            *chain.from_iterable(runs),
            _utc(created),
            _utc(updated),
            *state,
            *tail,
            *taken,
            *meta,
        ]


class _Identity(dict):
    def __missing__(self, key: Any) -> Any:
        self[key] = key
        return key


class _CsvCells:
    """Rows for CSV: lines of fields rendered by exporting.CsvFields."""

    def __init__(self, fields: exporting.CsvFields) -> None:
        self.values = fields
        self.flags = {flag: fields.render(flag) for flag in (True, False, None)}
        self.one = fields.render
        empty = fields[None]
        self.text = lambda value: fields.render(value) if value else empty

    @staticmethod
    def group(cells: list[str]) -> str:
        return ",".join(cells)

    @staticmethod
    def meta(cells: list[str]) -> str:
        """The metadata cells, each after a comma: the last run, and maybe none."""
        return "".join("," + cell for cell in cells)

    @staticmethod
    def row(prefix, annotator, runs, created, updated, state, tail, taken, meta):
        # As exporting.csv_line, spelled out: this runs once per row of the export.
        # The ISO text of a UTC time never needs quoting or neutralising.
        return (
            f"{prefix},{annotator},{','.join(runs)},"
            f"{_utc_text(created)},{_utc_text(updated)},{state},{tail},{taken}{meta}\r\n"
        )


def _utc_wall_time(column, dialect: str):
    """Return ``column`` read as UTC wall time, without UTCDateTime's conversion.

    Timestamps are a large share of an export row's cost: UTCDateTime converts
    each value in Python, and psycopg's time zone handling is slow. SQLite
    gives the stored text (UTC), PostgreSQL a naive UTC datetime; ``_utc`` and
    ``_utc_text`` read both.
    """
    if dialect == "sqlite":
        return type_coerce(column, String())
    if dialect == "postgresql":
        return func.timezone("UTC", column, type_=DateTime())
    return column


def _utc(value: datetime | str | None) -> datetime | None:
    """Return an aware UTC datetime (naive values and SQLite's text are UTC)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _utc_text(value: datetime | str | None) -> str:
    """Return ``cell_text(_utc(value))``, the ISO 8601 text, faster."""
    if value is None:
        return ""
    if isinstance(value, str):
        if len(value) == 26 and value[10] == " " and value[19] == ".":
            # SQLAlchemy's SQLite format "2024-05-01 09:30:00.000000"; isoformat
            # leaves out a zero fraction.
            if value.endswith(".000000"):
                return f"{value[:10]}T{value[11:19]}+00:00"
            return f"{value[:10]}T{value[11:]}+00:00"
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        return value.isoformat() + "+00:00"
    return value.astimezone(UTC).isoformat()


class _Groups(dict):
    """A bounded memo: key -> group(make(key)), for runs of cells that repeat."""

    LIMIT = 50_000

    def __init__(self, make, group) -> None:
        super().__init__()
        self.make = make
        self.group = group

    def __missing__(self, key: tuple[Any, ...]) -> Any:
        if len(self) >= self.LIMIT:
            self.clear()  # too many combinations to be worth keeping: keep memory bounded
        cells = self[key] = self.group(self.make(key))
        return cells


def _runs(fields: tuple[AnnotationField, ...]) -> list[tuple[str, list[AnnotationField]]]:
    """Split the fields into runs whose cells are made together: consecutive speaker
    fields, consecutive label and stance fields, and each text field on its own."""
    runs: list[tuple[str, list[AnnotationField]]] = []
    for f in fields:
        kind = "labels" if f.kind in (LABEL, STANCES) else f.kind
        if runs and runs[-1][0] == kind and kind != TEXT:
            runs[-1][1].append(f)
        else:
            runs.append((kind, [f]))
    return runs


def _wide_rows(
    session: Session,
    project: Project,
    all_claims: bool,
    keys: list[str],
    cells: _TypedCells | _CsvCells,
) -> Iterator[Any]:
    """Yield ``cells.row(...)`` for each wide row, in ``export_columns`` order.

    The annotation's columns are those of workbench/fields.py, in its order. An
    article's cells are made once per article, a claim's once per claim, and runs
    of annotation cells that repeat (speaker and via; attribution, stances and
    verifiability; status to version; the from_suggestion flags) once per
    combination. A claim's suggestions are read with the other claims of its page
    of rows, in one query (see _Suggestions).
    ``cells.values`` maps a repeated value to its cell, ``cells.one`` makes any
    other value's cell, ``cells.flags`` a boolean's, ``cells.group`` a run's.
    """
    targets = list(project.targets)
    stance_tables = [aliased(Stance) for _ in targets]
    connection = session.connection()
    dialect = connection.dialect.name
    field_columns: list[Any] = []
    for f in FIELDS:
        if f.kind == STANCES:
            field_columns += [s.value for s in stance_tables]
        else:
            field_columns.append(getattr(Annotation, f.column))
    query = (
        select(
            Claim.article_id,
            Claim.id,
            Claim.position,
            Claim.start,
            Claim.end,
            User.username,
            *field_columns,
            Annotation.status,
            Annotation.span_changed,
            Annotation.codebook_version,
            Annotation.version,
            _utc_wall_time(Annotation.created_at, dialect),
            _utc_wall_time(Annotation.updated_at, dialect),
            # The JSON list as its text: a few distinct lists, each read once.
            cast(Annotation.from_suggestion, Text),
        )
        .select_from(Claim)
        .join(Article, Article.id == Claim.article_id)
        .join(Annotation, Annotation.claim_id == Claim.id, isouter=all_claims)
        .join(User, User.id == Annotation.user_id, isouter=all_claims)
    )
    for table, target in zip(stance_tables, targets, strict=True):
        query = query.join(
            table,
            and_(table.annotation_id == Annotation.id, table.target_id == target.id),
            isouter=True,
        )
    query = query.where(Article.project_id == project.id, Claim.state == "active").order_by(
        Article.id, Claim.start, User.username
    )
    value, one, flag, group = cells.values, cells.one, cells.flags, cells.group
    make_row = cells.row
    speaker = _Speakers(session, project, value)

    def speaker_cells(fields):
        attributes = [f.speaker_columns for f in fields]
        return lambda ids: [
            speaker[i][a] for i, names in zip(ids, attributes, strict=True) for a in names
        ]

    def label_cells(fields):
        # A label not set is None (empty string in the table); a stance not set has no row.
        stance = [f.kind == STANCES for f in fields]
        widths = [len(targets) if is_stance else 1 for is_stance in stance]

        def make(values):
            out, at = [], 0
            for is_stance, width in zip(stance, widths, strict=True):
                if is_stance:
                    out += [value[v] for v in values[at : at + width]]
                else:
                    out.append(value[values[at] or None])
                at += width
            return out

        return make, sum(widths)

    # Where each run's values are in the query's rows, and what makes its cells.
    # A text field's run is its one value, made into a cell per row (texts rarely repeat).
    runs: list[tuple[slice | int, Any]] = []
    at = 6
    for kind, fields in _runs(FIELDS):
        if kind == SPEAKER:
            runs.append((slice(at, at + len(fields)), _Groups(speaker_cells(fields), group)))
            at += len(fields)
        elif kind == "labels":
            make, width = label_cells(fields)
            runs.append((slice(at, at + width), _Groups(make, group)))
            at += width
        else:
            runs.append((at, None))
            at += 1
    text_cell = cells.text
    state_end = at + 4
    state = _Groups(lambda v: [value[v[0]], flag[v[1]], value[v[2]], value[v[3]]], group)
    taken_at = state_end + 2
    suggestions = _Suggestions(session, speaker, cells)
    project_name = one(project.name)
    article_id = claim_id = None
    prefix = tail = meta = group([])
    taken = suggestions.taken(frozenset())
    head: list[Any] = []
    suffix: list[Any] = []
    text = ""
    # Closed however the loop ends: an error, or a consumer that stops reading.
    with connection.execute(query.execution_options(yield_per=PAGE)) as result:
        for page in result.partitions():
            # One query for the suggestions of the page's claims, not one a row.
            by_claim = suggestions.load({row[1] for row in page})
            for row in page:
                if row[1] != claim_id:
                    if row[0] != article_id:
                        # Rows come ordered by article: one article's text in memory at a time.
                        article_id = row[0]
                        article = _article(session, article_id)
                        text = article.text
                        extra = article.extra or {}
                        head = [project_name, one(article_id)]
                        head += map(
                            one, (article.title, article.outlet, article.url, article.published)
                        )
                        suffix = list(
                            map(one, (article.author, article.language, article.dateline))
                        )
                        meta = cells.meta([one(extra.get(key)) for key in keys])
                    claim_id, position, start, end = row[1:5]
                    prefix = group(
                        [*head, *map(one, (claim_id, position, start, end, text[start:end]))]
                    )
                    # The article's last cells and the claim's suggestions, then who took them.
                    presence, suggested = by_claim[claim_id]
                    tail = group([*suffix, *suggested])
                    taken = suggestions.taken(presence)
                yield make_row(
                    prefix,
                    value[row[5]],
                    [text_cell(row[i]) if memo is None else memo[row[i]] for i, memo in runs],
                    row[state_end],
                    row[state_end + 1],
                    state[row[at:state_end]],
                    tail,
                    taken[row[taken_at]],
                    meta,
                )


def _article(session: Session, article_id: int):
    return session.execute(
        select(
            Article.title,
            Article.outlet,
            Article.url,
            Article.published,
            Article.author,
            Article.language,
            Article.dateline,
            Article.extra,
            Article.text,
        ).where(Article.id == article_id)
    ).one()


# The suggester's fields in the order of the export's suggested_* columns, each with
# whether it names a registry speaker (the first of a speaker field's: speaker, via).
_SUGGESTED_VALUES = tuple(
    (name, f.kind == SPEAKER and i == 0) for f in SUGGESTED for i, name in enumerate(f.suggested)
)


class _Suggestions:
    """A page of claims' suggestion cells, loaded in one query, and the cells saying
    which suggestions an annotation took."""

    def __init__(self, session: Session, speaker: _Speakers, cells) -> None:
        self.session = session
        self.speaker = speaker
        self.value, self.one, self.flags, self.group = (
            cells.values,
            cells.one,
            cells.flags,
            cells.group,
        )
        self.by_claim: dict[int, tuple[frozenset[str], list[Any]]] = {}
        self.by_presence: dict[frozenset[str], _Groups] = {}

    def load(self, claim_ids: set[int]) -> dict[int, tuple[frozenset[str], list[Any]]]:
        """Return claim id -> (the annotation fields it has a suggestion for, its
        suggested_* and confidence cells) for these claims (at most a page's). A
        claim of the page before (one may run over two pages) is not read again."""
        known = self.by_claim
        loaded = {i: known[i] for i in claim_ids if i in known}
        found: dict[int, dict[str, tuple]] = {i: {} for i in claim_ids if i not in loaded}
        if found:
            query = select(
                Suggestion.claim_id,
                Suggestion.field,
                Suggestion.value,
                Suggestion.confidence,
                Suggestion.speaker_id,
            ).where(Suggestion.claim_id.in_(sorted(found)))
            for claim_id, name, value, confidence, speaker_id in self.session.execute(query):
                found[claim_id][name] = (value, confidence, speaker_id)
        for claim_id, proposals in found.items():
            loaded[claim_id] = self._cells(proposals)
        self.by_claim = loaded
        return loaded

    def _cells(self, proposals: dict[str, tuple]) -> tuple[frozenset[str], list[Any]]:
        value, empty = self.value, self.value[None]
        cells = []
        for name, names_a_speaker in _SUGGESTED_VALUES:
            proposal = proposals.get(name)
            if proposal is None:
                cells.append(empty)
            elif names_a_speaker and proposal[2] is not None:
                # The registry's name for it, as the speaker and via columns give it.
                cells.append(self.speaker[proposal[2]]["name"])
            else:
                cells.append(value[proposal[0]])
        confidence = proposals.get(CONFIDENCE_OF)
        # Not memoised: in a memo the float 1.0 would be the integer 1.
        cells.append(self.one(confidence[1]) if confidence is not None else empty)
        presence = frozenset(f.name for f in SUGGESTED if f.suggested[0] in proposals)
        return presence, cells

    def taken(self, presence: frozenset[str]) -> _Groups:
        """Return, for a claim with suggestions for the fields ``presence``, the memo
        from_suggestion text -> the <field>_from_suggestion cells of an annotation:
        true for a field it saved as suggested, false for one it did not where there
        is a suggestion, empty where there is none. The text is None only on a row
        without an annotation (an unannotated claim), whose cells are all empty."""
        memo = self.by_presence.get(presence)
        if memo is None:
            flag = self.flags

            def make(text: str | None) -> list[Any]:
                if text is None:
                    return [flag[None]] * len(SUGGESTED)
                taken = _field_names(text)
                return [
                    flag[True]
                    if f.name in taken
                    else flag[False]
                    if f.name in presence
                    else flag[None]
                    for f in SUGGESTED
                ]

            memo = self.by_presence[presence] = _Groups(make, self.group)
        return memo


def _field_names(text: str | list | None) -> frozenset[str]:
    """The field names of an annotation's from_suggestion, read from its JSON text."""
    if text is None:
        return frozenset()
    names = json.loads(text) if isinstance(text, str) else text
    return frozenset(n for n in names or () if isinstance(n, str))


class _Speakers(dict):
    """speaker id -> {attribute: cell} (name, type, title), the project's speakers
    loaded at once."""

    def __init__(self, session: Session, project: Project, value: dict[Any, Any]) -> None:
        super().__init__()
        self.session = session
        self.value = value
        self[None] = dict.fromkeys(SPEAKER_ATTRIBUTES, value[None])
        query = select(Speaker.id, Speaker.name, Speaker.type, Speaker.title).where(
            Speaker.project_id == project.id
        )
        for speaker in session.execute(query):
            self[speaker.id] = {a: value[getattr(speaker, a)] for a in SPEAKER_ATTRIBUTES}

    def __missing__(self, speaker_id: int) -> list[Any]:
        speaker = self.session.get(Speaker, speaker_id)  # another project's: never, but safe
        value = self.value
        cells = {a: value[getattr(speaker, a)] for a in SPEAKER_ATTRIBUTES}
        self[speaker_id] = cells
        return cells


def export_stream(
    session: Session,
    project: Project,
    *,
    format: str = "csv",
    shape: str = "wide",
    all_claims: bool = False,
    raw_formulas: bool = False,
) -> Iterator[str]:
    """Yield the export's text in chunks: CSV or JSONL, wide or long.

    The header comes first, before the rows are queried. If reading the rows
    fails midway, the last line says so (see exporting.csv_lines_stream and
    jsonl_stream) and the error is raised again. Raises ValueError for an
    unknown format or shape.
    """
    if format not in exporting.FORMATS:
        raise ValueError(f"unknown export format {format!r}")
    if shape not in exporting.SHAPES:
        raise ValueError(f"unknown export shape {shape!r}")
    if format == "csv" and shape == "wide":
        keys = meta_keys(session, project)
        columns = exporting.wide_columns([t.name for t in project.targets], keys)
        lines = wide_csv_lines(
            session, project, all_claims=all_claims, raw_formulas=raw_formulas, keys=keys
        )
        return exporting.csv_lines_stream(columns, lines, batch=PAGE, raw_formulas=raw_formulas)
    columns = export_columns(session, project, shape)
    rows: Iterator[dict[str, Any]] = wide_rows(session, project, all_claims=all_claims)
    if shape == "long":
        rows = exporting.to_long(rows, [t.name for t in project.targets])
    if format == "jsonl":
        return exporting.jsonl_stream(columns, rows)
    return exporting.csv_stream(columns, rows, raw_formulas=raw_formulas)


def codebook_csv(project: Project, *, raw_formulas: bool = False) -> str:
    """Return the project's codebook as CSV: field, value, description.

    One row per target and per label, then the codebook version (its value) and
    the guidelines (their Markdown as the description). Cells that a spreadsheet
    would run as formulas, under any separator, are neutralised as in the data.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["field", "value", "description"])
    rows = [["target", t.name, t.description] for t in project.targets]
    for field, labels in labels_by_field(project).items():
        rows += [[field, label.value, label.description] for label in labels]
    rows.append(["codebook_version", str(project.codebook_version), ""])
    rows.append(["guidelines", "", project.guidelines])
    for row in rows:
        writer.writerow(row if raw_formulas else [exporting.neutralize(c) for c in row])
    return buffer.getvalue()


def codebook_markdown(project: Project) -> str:
    """Return the project's codebook as a Markdown document."""
    lines = [
        f"# Codebook: {project.name}",
        "",
        f"Codebook version {project.codebook_version}.",
        "",
    ]
    if project.description:
        lines += [project.description, ""]
    lines += ["## Stance targets", ""]
    lines += [
        f"- {t.name}" + (f": {t.description}" if t.description else "") for t in project.targets
    ]
    for field, labels in labels_by_field(project).items():
        lines += ["", f"## {field.capitalize()} labels", "", "| value | meaning |", "| --- | --- |"]
        lines += [f"| `{lb.value}` | {_cell(lb.description)} |" for lb in labels]
    if project.guidelines.strip():
        lines += ["", "## Guidelines", "", project.guidelines.strip()]
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
