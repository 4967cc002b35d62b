"""The agreement report as tidy rows, CSV and Markdown (pure).

Takes the report of workbench.ops.agreement (read by attribute, nothing imported).
One CSV row per field and coefficient, and per pair of annotators, annotator,
label or article where the coefficient is one of those; columns in ``COLUMNS``,
described in docs/agreement.md.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

COLUMNS = (
    "field",
    "coefficient",
    "annotator",
    "other_annotator",
    "label",
    "article_id",
    "value",
    "n_items",
    "n_values",
    "ci_low",
    "ci_high",
    "resamples",
    "codebook_version",
    "note",
)
# How many speakers a Markdown report lists by specific agreement (the CSV has all).
MARKDOWN_LABELS = 20


def number(value: float | None) -> str:
    """A coefficient as the CSV writes it: six decimals, empty for None."""
    return "" if value is None else f"{value:.6f}"


def rows(report) -> Iterator[dict[str, Any]]:
    """Yield the report's rows, keyed by COLUMNS, in field order."""
    version = "all" if report.codebook_version is None else report.codebook_version
    article = report.article_id if report.article_id is not None else ""

    def row(field, coefficient, value, n_items, n_values, note="", **extra):
        out = dict.fromkeys(COLUMNS, "")
        out.update(
            field=field,
            coefficient=coefficient,
            value=number(value),
            n_items=n_items,
            n_values=n_values,
            codebook_version=version,
            article_id=article,
            note=note,
        )
        out.update(extra)
        return out

    for f in report.fields:
        a = f.agreement
        yield row(
            f.key,
            "observed_agreement",
            a.observed,
            a.items,
            a.values,
            "mean share of agreeing pairs per item" if a.observed is not None else "no pairs",
        )
        interval = a.interval
        yield row(
            f.key,
            "krippendorff_alpha",
            a.alpha.value,
            a.items,
            a.values,
            a.alpha.reason or a.interval_note,
            ci_low=number(interval.low) if interval else "",
            ci_high=number(interval.high) if interval else "",
            resamples=interval.resamples if interval else "",
        )
        yield row(f.key, "fleiss_kappa", a.fleiss.value, a.items, a.values, a.fleiss.reason)
        yield row(
            f.key,
            "gwet_ac1",
            a.ac1.value,
            a.items,
            a.values,
            a.ac1.reason or f"{a.categories} categories",
        )
        for p in a.pairs_of_annotators:
            names = {"annotator": p.first, "other_annotator": p.second}
            yield row(f.key, "pair_observed_agreement", p.observed, p.items, 2 * p.items, **names)
            yield row(
                f.key, "cohen_kappa", p.kappa.value, p.items, 2 * p.items, p.kappa.reason, **names
            )
        for label in a.labels:
            yield row(
                f.key,
                "specific_agreement",
                label.agreement,
                "",
                label.values,
                "" if label.agreement is not None else "no other value to pair with",
                label=label.label,
            )
        for one in a.annotators_vs_others:
            yield row(
                f.key,
                "annotator_observed_agreement",
                one.observed,
                one.items,
                one.pairs,
                "share of agreeing pairs with the other annotators (n_values: pairs)",
                annotator=one.annotator,
            )
            yield row(
                f.key,
                "annotator_alpha",
                one.alpha.value,
                one.items,
                one.pairs,
                one.alpha.reason or "1 - D_o(pairs with the others) / D_e(all values)",
                annotator=one.annotator,
            )
        for art in f.articles:
            s = art.summary
            for name, value, note in (
                ("observed_agreement", s.observed, ""),
                ("krippendorff_alpha", s.alpha.value, s.alpha.reason),
            ):
                out = row(f.key, name, value, s.items, s.values, note)
                out["article_id"] = art.article_id
                yield out


def to_csv(report) -> Iterator[str]:
    """Yield the CSV (RFC 4180, a header line first), a line at a time."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for r in rows(report):
        writer.writerow(r)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


def _cell(value) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _coefficient(c) -> str:
    return f"{c.value:.3f}" if c.value is not None else f"n/a ({c.reason})"


def to_markdown(report) -> str:
    """Return the report as Markdown: a section per field, tables inside."""
    scope = (
        f"article {report.article_id} ({report.article_title})" if report.article_id else "project"
    )
    version = (
        "every codebook version"
        if report.codebook_version is None
        else f"codebook version {report.codebook_version}"
    )
    lines = [
        f"# Agreement: {report.project_name}",
        "",
        f"Scope: {scope}; {version}; {report.claims} claims with two or more done "
        f"annotations; annotators: {', '.join(report.annotators) or 'none'}.",
        "",
    ]
    for f in report.fields:
        a = f.agreement
        alpha = _coefficient(a.alpha)
        if a.interval:
            alpha += f", 95% CI [{a.interval.low:.3f}, {a.interval.high:.3f}] ({a.interval_note})"
        elif a.interval_note:
            alpha += f" ({a.interval_note})"
        lines += [
            f"## {f.label}",
            "",
            "| figure | value |",
            "| --- | --- |",
            f"| items (claims with two or more values) | {a.items} |",
            f"| pairable values | {a.values} |",
            f"| observed agreement | {_cell(a.observed)} |",
            f"| Krippendorff's alpha (nominal) | {alpha} |",
            f"| Fleiss' kappa | {_coefficient(a.fleiss)} |",
            f"| Gwet's AC1 ({a.categories} categories) | {_coefficient(a.ac1)} |",
            "",
        ]
        if a.pairs_of_annotators:
            lines += ["| pair | items | observed | Cohen's kappa |", "| --- | --- | --- | --- |"]
            lines += [
                f"| {p.first} / {p.second} | {p.items} | {p.observed:.3f} "
                f"| {_coefficient(p.kappa)} |"
                for p in a.pairs_of_annotators
            ]
            lines.append("")
        if a.labels:
            shown = sorted(a.labels, key=lambda label: -label.values)[:MARKDOWN_LABELS]
            lines += ["| label | values | specific agreement |", "| --- | --- | --- |"]
            lines += [
                f"| {label.label} | {label.values} | {_cell(label.agreement)} |" for label in shown
            ]
            if len(a.labels) > len(shown):
                lines.append(f"| ({len(a.labels) - len(shown)} more in the CSV) | | |")
            lines.append("")
        if a.annotators_vs_others:
            lines += [
                "| annotator | items | pairs | observed | alpha against the others |",
                "| --- | --- | --- | --- | --- |",
            ]
            lines += [
                f"| {o.annotator} | {o.items} | {o.pairs} | {_cell(o.observed)} "
                f"| {_coefficient(o.alpha)} |"
                for o in a.annotators_vs_others
            ]
            lines.append("")
    return "\n".join(lines)
