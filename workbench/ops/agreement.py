"""Agreement of a project's annotators, per field, read from the database.

``agreement_report`` reads the annotations once (one query: every field's column,
one left join per stance target) and builds, for each coded field of
workbench/fields.py (every field but free text; each stance target on its own),
the reliability data (``Cells``, numpy arrays) that workbench.review.agreement
turns into coefficients. The database hands over integers only: each label as its
position in the project's label set, each speaker as its id, all of a row's
values packed into two or three 62-bit integers (``_Packing``); reading 300,000
annotations costs the driver per value it hands over, so fewer values read faster.

What counts (docs/agreement.md):
- only annotations marked done (status ``submitted``), of active claims, and only
  claims with at least two of them;
- only annotations of one codebook version (the project's current one unless
  another is named), or of all versions with ``across_versions``;
- an empty value is missing, not a category; a field that does not apply is
  missing too: an annotation that codes the claim ``not_a_claim`` (in any label
  field) has no stance and, unless it is the field saying so, no verifiability
  (CLAIM_ONLY);
- speakers compare as registry speakers after merges: a speaker merged into
  another counts as the one its merge chain ends at.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import chain
from typing import Any

import numpy as np
from sqlalchemy import BigInteger, String, and_, case, cast, func, literal, null, or_, select
from sqlalchemy.orm import Session

from workbench.errors import InvalidInput, NotFound
from workbench.fields import BY_NAME, FIELDS, LABEL, SPEAKER, STANCES, TEXT, Field
from workbench.models import (
    STANCE_INDEX,
    Annotation,
    Article,
    Claim,
    Label,
    Project,
    Speaker,
    Stance,
    User,
)
from workbench.ops.speakers import merged_speakers
from workbench.review.agreement import (
    RESAMPLES,
    SEED,
    Agreement,
    Cells,
    Summary,
    UnitAgreement,
    agreement,
    summaries,
    unit_agreement,
)

DONE = "submitted"
NOT_A_CLAIM = "not_a_claim"
# The fields that apply only to a claim that asserts something: an annotation that
# codes the claim not_a_claim in another label field leaves them missing.
CLAIM_ONLY = ("stances", "verifiability")
CODED = tuple(f for f in FIELDS if f.kind != TEXT)
__all__ = ["RESAMPLES", "SEED", "agreement_report", "field_keys"]

for _name in CLAIM_ONLY:
    if BY_NAME[_name].kind not in (LABEL, STANCES):
        raise ValueError(f"CLAIM_ONLY names {_name!r}, which is not a label field")


@dataclass(frozen=True, slots=True)
class ArticleAgreement:
    """One article's figures for one field."""

    article_id: int
    title: str
    summary: Summary


@dataclass(frozen=True, slots=True)
class ClaimAgreement:
    """One claim's agreement for one field (the article page)."""

    claim_id: int
    position: int
    unit: UnitAgreement
    values: dict[str, Any]  # annotator -> value shown


@dataclass(slots=True)
class FieldAgreement:
    """The figures of one field (``key``: the field's name, or ``stance:<target>``)."""

    key: str
    label: str
    field: str
    agreement: Agreement
    articles: list[ArticleAgreement] = field(default_factory=list)
    claims: list[ClaimAgreement] = field(default_factory=list)


@dataclass(slots=True)
class AgreementReport:
    """What a page, the CSV or the command line shows."""

    project_id: int
    project_name: str
    codebook_version: int | None  # None: across every version
    article_id: int | None
    article_title: str
    claims: int  # claims with at least two done annotations
    article_count: int  # their articles (0 unless by article or for one article)
    annotators: list[str]
    resamples: int
    seed: int
    fields: list[FieldAgreement]


@dataclass(frozen=True, slots=True)
class _Column:
    """One field of the report: the query's column and how its values read."""

    key: str
    label: str
    field: Field
    choices: str = ""  # the label set, for Gwet's q


def field_keys(project: Project) -> list[str]:
    """The report's field keys for the project, in FIELDS order."""
    return [c.key for c in _columns(project)]


def _columns(project: Project) -> list[_Column]:
    columns = []
    for f in CODED:
        if f.kind == STANCES:
            for target in project.targets:
                key = f"stance:{target.name}"
                columns.append(_Column(key, f"{f.label}: {target.name}", f, f.choices))
        else:
            columns.append(_Column(f.name, f.label, f, f.choices if f.kind == LABEL else ""))
    return columns


def _not_a_claim_elsewhere(f: Field):
    """SQL: the annotation codes the claim not_a_claim in a label field other than ``f``."""
    others = [
        Annotation.__table__.c[g.column] == NOT_A_CLAIM
        for g in CODED
        if g.kind == LABEL and g is not f
    ]
    return or_(*others) if others else literal(False)


MISSING = -1  # a coded value: missing (empty, or the field does not apply)
UNKNOWN = -2  # a coded value: a label the codebook does not list


def _coded(value, labels: tuple[str, ...]):
    """SQL: ``value`` as its label's position in ``labels``, MISSING when empty,
    UNKNOWN for any other string (one CASE on the value, the labels first)."""
    absent = case((value.is_(None), MISSING), else_=UNKNOWN)
    return case(
        {"": MISSING, **{label: code for code, label in enumerate(labels)}},
        value=value,
        else_=absent,
    )


WORD_BITS = 62  # a packed word's bits: sums of them stay below SQLite's and PostgreSQL's 2**63
POSITION_BITS = 31  # a claim's position in its article: an int4 of PostgreSQL


@dataclass(frozen=True, slots=True)
class _Packing:
    """How the query's integer columns travel packed into fewer 62-bit integers.

    Reading a row costs the driver about as much per value as the database spends
    on the row; a 100,000-claim project has 300,000 rows of eight integers or more,
    which pack into three. Column ``n`` is ``(value + bias) << offset`` in word
    ``word``, ``bits`` wide, its bias making every value non-negative (MISSING and
    UNKNOWN are negative); the widths come from the largest ids in the database.
    """

    places: tuple[tuple[int, int, int, int], ...]  # per column: word, offset, bits, bias

    @classmethod
    def of(cls, widths: list[tuple[int, int]]) -> _Packing:
        """Pack columns of ``(bits, bias)``, in order, into words of at most 62 bits."""
        places = []
        word = used = 0
        for bits, bias in widths:
            if bits > WORD_BITS:
                raise ValueError(f"a column of {bits} bits does not fit a word")
            if used + bits > WORD_BITS:
                word, used = word + 1, 0
            places.append((word, used, bits, bias))
            used += bits
        return cls(tuple(places))

    @property
    def width(self) -> int:
        return self.places[-1][0] + 1 if self.places else 0

    def words(self, columns: list) -> list:
        """SQL: the packed words of ``columns`` (one expression per column)."""
        terms: list[list] = [[] for _ in range(self.width)]
        for column, (word, offset, _, bias) in zip(columns, self.places, strict=True):
            term = cast(column + bias if bias else column, BigInteger)
            terms[word].append(term * (1 << offset) if offset else term)
        return [sum(parts[1:], parts[0]) for parts in terms]

    def unpack(self, words: np.ndarray) -> np.ndarray:
        """The columns of the packed ``words`` (one row per row read)."""
        columns = np.empty((len(words), len(self.places)), dtype=np.int64)
        for n, (word, offset, bits, bias) in enumerate(self.places):
            columns[:, n] = ((words[:, word] >> offset) & ((1 << bits) - 1)) - bias
        return columns


def _bits(largest: int | None) -> int:
    """The bits that hold the numbers 0 to ``largest``."""
    return max(int(largest or 0), 1).bit_length()


def _id_bits(session: Session, column) -> int:
    """The bits of the largest id in ``column`` (its primary key's index answers)."""
    return _bits(session.scalar(select(func.max(column))))


def _packing(session, columns, label_sets) -> _Packing:
    """The packing of the query's columns, from the largest ids in the database:
    claim id, user id, then per field a speaker id + 1 (MISSING is 0) or a label
    code + 2 (UNKNOWN is 0)."""
    widths = [(_id_bits(session, Claim.id), 0), (_id_bits(session, User.id), 0)]
    speaker_bits = _bits((session.scalar(select(func.max(Speaker.id))) or 0) + 1)
    for column in columns:
        if column.field.kind == SPEAKER:
            widths.append((speaker_bits, 1))
        else:
            widths.append((_bits(len(label_sets.get(column.choices, ())) + 1), 2))
    return _Packing.of(widths)


def _query(
    project: Project,
    columns: list[_Column],
    article_id,
    version,
    *,
    label_sets: dict[str, tuple[str, ...]] | None = None,
    packing: _Packing | None = None,
    ordered: bool = True,
):
    """The done annotations' values, one row per annotation in order of claim and
    user: claim id, user id, then one column per report field: with ``label_sets``
    every value is an integer (a speaker's id, a label's position in its label set,
    MISSING or UNKNOWN), else the values as stored (None where the field does not
    apply). With ``packing`` (coded values only) the columns come packed into a few
    integers (``_Packing``). Without ``ordered`` the rows come in any order.

    On SQLite the query is driven by the annotations' (claim_id, user_id) index
    over the project's active claims, so its order costs no sort, and reads each
    stance from the covering index (annotation_id, target_id, value) of migration
    0010. PostgreSQL hash-joins in parallel workers and would sort the rows (90 ms
    of 530 for the bench project): ``_read`` asks it for no order and sorts them.
    """
    annotations = Annotation.__table__
    claims = Claim.__table__
    coded = label_sets is not None
    selected = [annotations.c.claim_id, annotations.c.user_id]
    query_from = annotations
    targets = {t.name: t.id for t in project.targets}
    for n, column in enumerate(columns):
        f = column.field
        if f.kind == SPEAKER:
            value = annotations.c[f.column]
            selected.append(func.coalesce(value, MISSING) if coded else value)
            continue
        if f.kind == STANCES:
            stance = Stance.__table__.alias(f"stance_{n}")
            target_id = targets[column.key.removeprefix("stance:")]
            query_from = query_from.outerjoin(
                stance,
                and_(stance.c.annotation_id == annotations.c.id, stance.c.target_id == target_id),
            )
            value = stance.c.value
        else:
            value = annotations.c[f.column]
        if coded:
            value = _coded(value, label_sets.get(column.choices, ()))
        if f.name in CLAIM_ONLY:
            absent = literal(MISSING) if coded else cast(null(), String)
            value = case((_not_a_claim_elsewhere(f), absent), else_=value)
        selected.append(value)
    project_claims = _project_claims(project, article_id, claims.c.id)
    if packing is not None:
        selected = packing.words(selected)
    query = (
        select(*selected)
        .select_from(query_from)
        .where(annotations.c.claim_id.in_(project_claims), annotations.c.status == DONE)
    )
    if ordered:
        query = query.order_by(annotations.c.claim_id, annotations.c.user_id)
    if version is not None:
        query = query.where(annotations.c.codebook_version == version)
    return query


def _project_claims(project: Project, article_id, *selected):
    """SQL: ``selected`` of the project's active claims (of one article, if named)."""
    claims, articles = Claim.__table__, Article.__table__
    query = (
        select(*selected)
        .join(articles, articles.c.id == claims.c.article_id)
        .where(articles.c.project_id == project.id, claims.c.state == "active")
    )
    if article_id is not None:
        query = query.where(claims.c.article_id == article_id)
    return query


def agreement_report(
    session: Session,
    project: Project,
    *,
    field_key: str | None = None,
    article_id: int | None = None,
    codebook_version: int | None = None,
    across_versions: bool = False,
    by_article: bool = False,
    article_slice: slice | None = None,
    resamples: int = 0,
    seed: int = SEED,
) -> AgreementReport:
    """Return the agreement figures of the project's done annotations, per field.

    ``field_key`` keeps one field (a key of ``field_keys``); ``article_id`` keeps one
    article's claims and adds each claim's figures; ``codebook_version`` (default the
    project's current one) or ``across_versions`` chooses the annotations;
    ``by_article`` adds each article's figures (with ``article_slice``, only for that
    slice of the articles in id order, a page of them; ``article_count`` counts them
    all); ``resamples`` (0 or at least 1,000) adds the bootstrap interval of alpha.
    Raises InvalidInput for an unknown field, a version with ``across_versions``, or
    too few resamples, and NotFound for an article of another project.
    """
    columns = _columns(project)
    if field_key is not None:
        columns = [c for c in columns if c.key == field_key]
        if not columns:
            known = ", ".join(field_keys(project))
            raise InvalidInput(f"Unknown field {field_key!r} (fields: {known}).", field="field")
    if resamples and resamples < 1000:
        raise InvalidInput("The bootstrap needs at least 1,000 resamples.", field="resamples")
    if across_versions and codebook_version is not None:
        raise InvalidInput("Name a codebook version or ask for all of them, not both.")
    version = None if across_versions else (codebook_version or project.codebook_version)
    title = ""
    if article_id is not None:
        article = session.get(Article, article_id)
        if article is None or article.project_id != project.id:
            raise NotFound("No such article in this project.")
        title = article.title

    label_sets = _label_sets(session, project.id)
    data = _read(session, project, columns, article_id, version, label_sets)
    merged = merged_speakers(session, project.id)
    user_ids = data.user_ids.tolist()
    names = (
        dict(session.execute(select(User.id, User.username).where(User.id.in_(user_ids))).all())
        if user_ids
        else {}
    )
    annotators = tuple(names.get(u, str(u)) for u in user_ids)
    speaker_names = _speaker_names(session, project.id, columns)
    claims = len(data.claim_ids)
    article_ids: list[int] = []
    article_of_claim = np.zeros(claims, dtype=np.int64)
    positions = np.zeros(claims, dtype=np.int64)
    if by_article or article_id is not None:
        articles, positions = _claim_places(
            session, project, article_id, data.claim_ids, positions=article_id is not None
        )
        found = np.unique(articles[articles >= 0])
        article_ids = found.tolist()
        # Claims without an article go to one group past the articles, not reported.
        article_of_claim = np.where(articles >= 0, np.searchsorted(found, articles), len(found))
    page = range(len(article_ids))[article_slice or slice(None)] if by_article else range(0)
    chosen = [article_ids[n] for n in page]
    article_titles = _article_titles(session, chosen) if by_article else {}

    fields = []
    for j, column in enumerate(columns):
        values = data.values[:, j]
        present = values != MISSING
        codes = values[present]
        if column.field.kind == SPEAKER:
            used = np.unique(codes)
            resolved = np.fromiter((merged.get(v, v) for v in used.tolist()), np.int64, len(used))
            speakers, dense = np.unique(resolved, return_inverse=True)
            codes = dense.reshape(-1)[np.searchsorted(used, codes)]
            labels = tuple(speakers.tolist())
            shown = tuple(speaker_names.get(v, f"#{v}") for v in labels)
            offered: tuple = ()
        else:
            offered = label_sets.get(column.choices, ()) if column.choices else ()
            labels = shown = offered + data.unknown.get(j, ())
        cells = Cells.of(
            annotators, shown, data.item[present], data.user[present], codes, items=claims
        )
        result = agreement(
            cells,
            categories=len(set(offered) | set(labels)) if offered else None,
            resamples=resamples,
            seed=seed,
        )
        report = FieldAgreement(column.key, column.label, column.field.name, result)
        if by_article and claims:
            report.articles = [
                ArticleAgreement(article, article_titles.get(article, ""), summary)
                for article, summary in zip(
                    chosen,
                    summaries(cells, article_of_claim, len(article_ids) + 1, keep=page),
                    strict=True,
                )
            ]
        if article_id is not None:
            report.claims = _claim_figures(cells, data.claim_ids, positions)
        fields.append(report)
    return AgreementReport(
        project_id=project.id,
        project_name=project.name,
        codebook_version=version,
        article_id=article_id,
        article_title=title,
        claims=claims,
        article_count=len(article_ids),
        annotators=list(annotators),
        resamples=resamples,
        seed=seed,
        fields=fields,
    )


_STANCE_ALIAS = re.compile(r"\bstances AS (stance_\d+) ON\b")


def _stance_index_hint(sql: str) -> str:
    """Name the covering stance index for SQLite's stance joins (``INDEXED BY``).

    Without statistics (ANALYZE) SQLite picks the unique (annotation_id, target_id)
    index, which holds one row per key but not the value, and reads the table row
    too; SQLAlchemy's SQLite dialect renders no table hints, so the words are added
    to the compiled statement here (tests/ops/test_agreement_ops.py checks the plan).
    """
    return _STANCE_ALIAS.sub(rf"stances AS \1 INDEXED BY {STANCE_INDEX} ON", sql)


def _fetch_words(session: Session, query, width: int) -> np.ndarray:
    """The rows of ``query`` (``width`` integers each) as an array, one row each."""
    rows = _fetch_all(session, query)
    words = np.fromiter(chain.from_iterable(rows), np.int64, len(rows) * width)
    return words.reshape(len(rows), width)


def _fetch_all(session: Session, query) -> list[tuple]:
    """Return every row of ``query`` as plain tuples, read by the driver's own cursor
    on the session's connection (in its transaction).

    For the 300,000 rows of a 100,000-claim project this takes a third less time
    than SQLAlchemy's result rows. The parameters (ids, statuses, the codebook's
    labels, integers) are bound by the driver, in the dialect's parameter style.
    """
    connection = session.connection()
    compiled = query.compile(dialect=connection.dialect)
    sql = str(compiled)
    params = compiled.params
    if compiled.positiontup is not None:
        params = [params[name] for name in compiled.positiontup]
    if connection.dialect.name == "sqlite":
        sql = _stance_index_hint(sql)
    cursor = connection.connection.dbapi_connection.cursor()
    try:
        cursor.execute(sql, params)
        return cursor.fetchall()
    finally:
        cursor.close()


@dataclass(frozen=True, slots=True, eq=False)
class _Data:
    """The done annotations of the claims with two or more, as arrays: per claim
    (item) its id; per annotation its claim's item, its user's index in
    ``user_ids``, and ``values``, one column per report field (integer codes);
    ``unknown``: per report field whose values include labels the codebook does not
    list, those labels, coded after the listed ones."""

    claim_ids: np.ndarray
    user_ids: np.ndarray
    item: np.ndarray
    user: np.ndarray
    values: np.ndarray
    unknown: dict[int, tuple[str, ...]]


def _read(session, project, columns, article_id, version, label_sets) -> _Data:
    """Read the done annotations (one query) and keep the claims with two or more.

    The labels come coded by the database (their position in the label set); when a
    value is a label the codebook does not list (a removed label on an annotation of
    an older codebook version), the query is read again with the labels as stored
    and coded here, unknown labels after the listed ones.
    """
    first = 2  # the query's columns before the fields': claim id, user id
    packing = _packing(session, columns, label_sets)
    ordered = session.connection().dialect.name == "sqlite"
    query = _query(
        project,
        columns,
        article_id,
        version,
        label_sets=label_sets,
        packing=packing,
        ordered=ordered,
    )
    values = packing.unpack(_fetch_words(session, query, packing.width))
    if not ordered:
        values = values[np.lexsort((values[:, 1], values[:, 0]))]
    unknown: dict[int, tuple[str, ...]] = {}
    if len(values) and (values[:, first:] == UNKNOWN).any():
        raw = _fetch_all(session, _query(project, columns, article_id, version))
        for j, column in enumerate(columns):
            if not (values[:, first + j] == UNKNOWN).any():
                continue
            listed = label_sets.get(column.choices, ())
            codes = {label: n for n, label in enumerate(listed)}
            values[:, first + j] = [
                MISSING
                if row[first + j] in (None, "")
                else codes.setdefault(row[first + j], len(codes))
                for row in raw
            ]
            unknown[j] = tuple(codes)[len(listed) :]
    claim = values[:, 0]
    starts = np.flatnonzero(np.concatenate(([True], claim[1:] != claim[:-1]))[: len(claim)])
    sizes = np.diff(np.append(starts, len(claim)))
    kept = sizes >= 2
    values = values[np.repeat(kept, sizes)]
    user_ids, user = np.unique(values[:, 1], return_inverse=True)
    return _Data(
        claim_ids=claim[starts[kept]],
        user_ids=user_ids,
        item=np.repeat(np.arange(int(kept.sum())), sizes[kept]),
        user=user.reshape(-1),
        values=values[:, first:],
        unknown=unknown,
    )


def _claim_places(session, project, article_id, claim_ids, *, positions: bool):
    """Return, for the claims of ``claim_ids`` (ascending), their articles' ids (-1
    for a claim no longer active) and, with ``positions``, their positions in their
    articles (else zeros); read in one query of the project's claims, packed like
    the annotations."""
    claims = Claim.__table__
    selected = [claims.c.id, claims.c.article_id] + ([claims.c.position] if positions else [])
    # A position is not worth a scan of every claim for the largest: POSITION_BITS.
    widths = [(_id_bits(session, Claim.id), 0), (_id_bits(session, Article.id), 0)]
    packing = _Packing.of(widths + ([(POSITION_BITS, 0)] if positions else []))
    query = _project_claims(project, article_id, *packing.words(selected))
    places = packing.unpack(_fetch_words(session, query, packing.width))
    places = places[np.argsort(places[:, 0])]
    at = np.minimum(np.searchsorted(places[:, 0], claim_ids), max(len(places) - 1, 0))
    if not len(places):
        return np.full(len(claim_ids), -1, dtype=np.int64), np.zeros(len(claim_ids), np.int64)
    found = places[at]
    # A claim merged between the two reads (PostgreSQL reads each statement's own
    # snapshot) has no article here: -1, left out of the articles' figures.
    there = found[:, 0] == claim_ids
    articles = np.where(there, found[:, 1], -1)
    return articles, (np.where(there, found[:, 2], 0) if positions else np.zeros_like(articles))


def _claim_figures(cells: Cells, claim_ids, positions) -> list[ClaimAgreement]:
    """Each claim's agreement for one field (one article's claims), in text order."""
    patterns: list[list[tuple[int, int]]] = [[] for _ in range(len(claim_ids))]
    for item, annotator, code in zip(
        cells.item.tolist(), cells.annotator.tolist(), cells.code.tolist(), strict=True
    ):
        patterns[item].append((annotator, code))
    figures = [
        ClaimAgreement(
            claim_id,
            position,
            unit_agreement(cells, tuple(pattern)),
            {cells.annotators[i]: cells.labels[c] for i, c in pattern},
        )
        for claim_id, position, pattern in zip(
            claim_ids.tolist(), positions.tolist(), patterns, strict=True
        )
    ]
    figures.sort(key=lambda c: c.position)
    return figures


def _label_sets(session: Session, project_id: int) -> dict[str, tuple[str, ...]]:
    sets: dict[str, list[str]] = {}
    for label_field, value in session.execute(
        select(Label.field, Label.value)
        .where(Label.project_id == project_id)
        .order_by(Label.field, Label.position, Label.id)
    ):
        sets.setdefault(label_field, []).append(value)
    return {k: tuple(v) for k, v in sets.items()}


def _speaker_names(session, project_id, columns) -> dict[int, str]:
    """The names of the project's speakers, when a speaker field is reported."""
    if not any(c.field.kind == SPEAKER for c in columns):
        return {}
    return dict(
        session.execute(
            select(Speaker.id, Speaker.name).where(Speaker.project_id == project_id)
        ).all()
    )


def _article_titles(session, ids) -> dict[int, str]:
    ids = sorted(ids)
    titles: dict[int, str] = {}
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        titles.update(
            session.execute(select(Article.id, Article.title).where(Article.id.in_(chunk))).all()
        )
    return titles
