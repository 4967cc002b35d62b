"""Streaming export rows out of the database, page by page (never all in memory)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.orm import Session, aliased

from workbench import exporting
from workbench.models import Annotation, Article, Claim, Project, Speaker, Stance, User
from workbench.ops.projects import labels_by_field

PAGE = 2000


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

    With ``all_claims`` a claim nobody annotated yields one row with empty
    annotation columns. Only active claims are exported (merged ones live on in
    the history).
    """
    targets = list(project.targets)
    speaker = aliased(Speaker)
    via = aliased(Speaker)
    stance_tables = [aliased(Stance) for _ in targets]
    columns = [
        Article.id,
        Article.title,
        Article.outlet,
        Article.url,
        Article.published,
        Article.author,
        Article.language,
        Article.dateline,
        Article.extra,
        Claim.id,
        Claim.position,
        Claim.start,
        Claim.end,
        User.username,
        speaker.name,
        speaker.type,
        speaker.title,
        via.name,
        Annotation.attribution,
        Annotation.verifiability,
        Annotation.note,
        Annotation.created_at,
        Annotation.updated_at,
        Annotation.status,
        Annotation.span_changed,
        Annotation.codebook_version,
        Annotation.version,
        *(s.value for s in stance_tables),
    ]
    query = (
        select(*columns)
        .select_from(Claim)
        .join(Article, Article.id == Claim.article_id)
        .join(Annotation, Annotation.claim_id == Claim.id, isouter=all_claims)
        .join(User, User.id == Annotation.user_id, isouter=all_claims)
        .join(speaker, speaker.id == Annotation.speaker_id, isouter=True)
        .join(via, via.id == Annotation.via_id, isouter=True)
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
    stance_names = [exporting.stance_column(t.name) for t in targets]
    text_of: dict[int, str] = {}
    result = session.execute(query.execution_options(yield_per=PAGE))
    for row in result:
        (
            article_id,
            title,
            outlet,
            url,
            published,
            author,
            language,
            dateline,
            extra,
            claim_id,
            position,
            start,
            end,
            username,
            speaker_name,
            speaker_type,
            speaker_title,
            via_name,
            attribution,
            verifiability,
            note,
            created_at,
            updated_at,
            status,
            span_changed,
            codebook_version,
            version,
            *stances,
        ) = row
        text = text_of.get(article_id)
        if text is None:
            # One article at a time: rows come ordered by article.
            text_of.clear()
            text = session.scalar(select(Article.text).where(Article.id == article_id))
            text_of[article_id] = text
        record = {
            "project": project.name,
            "article_id": article_id,
            "article_title": title,
            "outlet": outlet,
            "url": url,
            "published": published,
            "claim_id": claim_id,
            "claim_index": position,
            "char_start": start,
            "char_end": end,
            "claim_text": text[start:end],
            "annotator": username,
            "speaker": speaker_name,
            "speaker_type": speaker_type,
            "speaker_title": speaker_title,
            "via": via_name,
            "attribution": attribution or None,
            "verifiability": verifiability or None,
            "note": note or None,
            "created_at": created_at,
            "updated_at": updated_at,
            "status": status,
            "span_changed": span_changed,
            "codebook_version": codebook_version,
            "annotation_version": version,
            "author": author,
            "language": language,
            "dateline": dateline,
        }
        record.update(zip(stance_names, stances, strict=True))
        for key, value in (extra or {}).items():
            record[exporting.meta_column(key)] = value
        yield record


def export_stream(
    session: Session,
    project: Project,
    *,
    format: str = "csv",
    shape: str = "wide",
    all_claims: bool = False,
    raw_formulas: bool = False,
) -> Iterator[str]:
    """Yield the export's text in chunks: CSV or JSONL, wide or long."""
    if format not in exporting.FORMATS:
        raise ValueError(f"unknown export format {format!r}")
    if shape not in exporting.SHAPES:
        raise ValueError(f"unknown export shape {shape!r}")
    columns = export_columns(session, project, shape)
    rows: Iterator[dict[str, Any]] = wide_rows(session, project, all_claims=all_claims)
    if shape == "long":
        rows = exporting.to_long(rows, [t.name for t in project.targets])
    if format == "jsonl":
        return exporting.jsonl_stream(columns, rows)
    return exporting.csv_stream(columns, rows, raw_formulas=raw_formulas)


def codebook_csv(project: Project) -> str:
    """Return the project's codebook as CSV: field, value, description."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["field", "value", "description"])
    for target in project.targets:
        writer.writerow(["target", target.name, target.description])
    for field, labels in labels_by_field(project).items():
        for label in labels:
            writer.writerow([field, label.value, label.description])
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
