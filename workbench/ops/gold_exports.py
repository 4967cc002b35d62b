"""The gold downloads: the gold CSV (one row per claim with gold) and each annotator's
accuracy against gold per field, streamed as the other exports are (header first,
a batch of claims at a time, cells that would run as formulas neutralised, an error
midway written as a last line; see workbench/exporting.py). Columns:
docs/data-dictionary.md.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from workbench import exporting
from workbench.fields import stance_column
from workbench.models import Claim, Project, User
from workbench.ops.gold import (
    done_values,
    gold_value,
    golds_of,
    project_claim_batches,
    project_keys,
    speaker_names,
)
from workbench.ops.speakers import merged_speakers
from workbench.review.disagreement import (
    Accuracy,
    accuracy,
    agreeing_with,
    compare_claims,
    is_speaker_key,
    parse_key,
)

CLAIM_COLUMNS = (
    "project",
    "article_id",
    "article_title",
    "claim_id",
    "claim_index",
    "char_start",
    "char_end",
    "claim_text",
    "annotators",
)
PER_FIELD = ("agreed", "adjudicated", "reason", "reason_text")
TAIL_COLUMNS = ("adjudicated", "codebook_version", "settled_at")
ACCURACY_COLUMNS = ("annotator", "field", "compared", "correct", "accuracy", "missing")


def key_column(key: str, target_names: dict[int, str]) -> str:
    """The export column of a key: the field's name, ``stance:<target name>``."""
    f, target_id = parse_key(key)
    if target_id is None:
        return f.name
    return stance_column(target_names.get(target_id, f"target {target_id}"))


def gold_columns(project: Project) -> list[str]:
    """The gold CSV's header: the claim, then per field its gold value (a speaker's name
    and id), how many annotators agreed with it, whether it was adjudicated and why;
    then whether any field was adjudicated, the codebook version, when it was settled."""
    names = {t.id: t.name for t in project.targets}
    columns = list(CLAIM_COLUMNS)
    for key in project_keys(project):
        column = key_column(key, names)
        columns.append(column)
        if is_speaker_key(key):
            columns.append(f"{column}_id")
        columns += [f"{column}_{suffix}" for suffix in PER_FIELD]
    return [*columns, *TAIL_COLUMNS]


def gold_rows(session: Session, project: Project) -> Iterator[dict[str, Any]]:
    """Yield one row per active claim of the project that has gold, in claim id order."""
    names = {t.id: t.name for t in project.targets}
    keys = project_keys(project)
    columns = {key: key_column(key, names) for key in keys}
    merged = merged_speakers(session, project.id)
    for ids in project_claim_batches(session, project, None, with_gold=True):
        golds = golds_of(session, ids)
        compared = compare_claims(done_values(session, ids), keys, merged=merged)
        claims = session.scalars(
            select(Claim).where(Claim.id.in_(ids)).options(selectinload(Claim.article))
        )
        speakers = speaker_names(
            session, (merged.get(g.speaker_id, g.speaker_id) for g in golds.values())
        )
        for claim in sorted(claims, key=lambda c: c.id):
            fields = compared.get(claim.id, {})
            article = claim.article
            row: dict[str, Any] = {
                "project": project.name,
                "article_id": article.id,
                "article_title": article.title,
                "claim_id": claim.id,
                "claim_index": claim.position,
                "char_start": claim.start,
                "char_end": claim.end,
                "claim_text": claim.text,
                "annotators": next(iter(fields.values())).annotators if fields else 0,
            }
            mine = [g for (claim_id, _), g in golds.items() if claim_id == claim.id]
            for key in keys:
                gold = golds.get((claim.id, key))
                column = columns[key]
                if gold is None:
                    continue
                value = gold_value(gold)
                if is_speaker_key(key):
                    value = merged.get(value, value)
                    row[column] = speakers.get(value) if value is not None else None
                    row[f"{column}_id"] = value
                else:
                    row[column] = value
                comparison = fields.get(key)
                row[f"{column}_agreed"] = (
                    agreeing_with(comparison, value, merged=merged) if comparison else 0
                )
                row[f"{column}_adjudicated"] = gold.adjudicated
                row[f"{column}_reason"] = gold.reason
                row[f"{column}_reason_text"] = gold.reason_text
            row["adjudicated"] = any(g.adjudicated for g in mine)
            row["codebook_version"] = max(g.codebook_version for g in mine)
            row["settled_at"] = max(g.settled_at for g in mine)
            yield row


def gold_csv_stream(
    session: Session, project: Project, *, raw_formulas: bool = False
) -> Iterator[str]:
    """Yield the gold CSV in chunks (see the module)."""
    return exporting.csv_stream(
        gold_columns(project), gold_rows(session, project), raw_formulas=raw_formulas
    )


def accuracy_table(session: Session, project: Project) -> list[dict[str, Any]]:
    """Each annotator's accuracy against gold per field, by username and field order:
    over the done annotations of claims with gold, ``compared`` gave a value where gold
    has one (``correct`` gold's own), ``missing`` gave none; ``accuracy`` is
    correct / compared (empty when nothing was compared)."""
    names = {t.id: t.name for t in project.targets}
    keys = project_keys(project)
    merged = merged_speakers(session, project.id)
    totals: dict[tuple[int, str], Accuracy] = {}
    for ids in project_claim_batches(session, project, None, with_gold=True):
        gold = {k: gold_value(g) for k, g in golds_of(session, ids).items()}
        for pair, score in accuracy(done_values(session, ids), gold, keys, merged=merged).items():
            total = totals.setdefault(pair, Accuracy())
            total.compared += score.compared
            total.correct += score.correct
            total.missing += score.missing
    users = dict(
        session.execute(
            select(User.id, User.username).where(User.id.in_({u for u, _ in totals}))
        ).all()
    )
    order = {key: n for n, key in enumerate(keys)}
    rows = []
    for (user_id, key), score in sorted(
        totals.items(), key=lambda item: (users.get(item[0][0], ""), order[item[0][1]])
    ):
        rate = score.rate
        rows.append(
            {
                "annotator": users.get(user_id, ""),
                "field": key_column(key, names),
                "compared": score.compared,
                "correct": score.correct,
                "accuracy": round(rate, 4) if rate is not None else None,
                "missing": score.missing,
            }
        )
    return rows


def accuracy_stream(
    session: Session, project: Project, *, raw_formulas: bool = False
) -> Iterator[str]:
    """Yield the accuracy CSV (see accuracy_table), header first."""

    def rows():
        yield from accuracy_table(session, project)

    return exporting.csv_stream(ACCURACY_COLUMNS, rows(), raw_formulas=raw_formulas)
