"""The rules of the forms and importers that restore applies to whole records, each
imported from where the form, importer or operation uses it (one rule, one place).
Each takes the built object, its record and the Restoring, and raises Bad.
"""

from __future__ import annotations

import bisect

from workbench.errors import WorkbenchError
from workbench.fields import LABEL, STANCES, TEXT, of_kind
from workbench.importing import content_hash, normalize_text
from workbench.models import Annotation, Article, Claim, Label, Speaker, Target
from workbench.ops.annotations import AnnotationInput, validate
from workbench.ops.backup.records import Bad, Restoring
from workbench.ops.claims import span_problem
from workbench.ops.codebook import Codebook
from workbench.ops.speakers import (
    check_aliases_free,
    check_name_free,
    clean_aliases,
    clean_name,
)


def keep_current_target(target: Target, record: dict, restoring: Restoring) -> None:
    if not target.retired:
        restoring.current_targets.append(target.id)


def keep_label(label: Label, record: dict, restoring: Restoring) -> None:
    restoring.labels.setdefault(label.field, set()).add(label.value)


def speaker_rules(speaker: Speaker, record: dict, restoring: Restoring) -> None:
    """The registry's rules (ops.speakers): names and aliases as it keeps them, and no
    current speaker named, by name or alias in any case, like another current one."""
    name, aliases = record["name"], record["aliases"]
    try:
        cleaned = clean_name(name, record["speaker_type"])
        if cleaned != name:
            raise Bad(
                f"the speaker name {name!r} is not as the registry keeps names "
                f"(it would be {cleaned!r})"
            )
        kept = clean_aliases(name, aliases)
        if sorted(kept) != sorted(aliases):
            raise Bad(
                f"the aliases {aliases!r} of the speaker {name!r} are not as the registry "
                f"keeps them (they would be {sorted(kept)!r})"
            )
        if record["merged_into"] is None:
            check_name_free(restoring.current_speakers, name)
            check_aliases_free(restoring.current_speakers, aliases)
            restoring.current_speakers.append(speaker)
    except WorkbenchError as exc:
        raise Bad.refused(exc) from exc


def article_as_imported(article: Article, record: dict, restoring: Restoring) -> None:
    """The importer's rules (importing, ops.articles): the text normalised, not empty,
    and its content hash the one import computes."""
    text = record["text"]
    if normalize_text(text) != text:
        raise Bad(
            "the article's text is not as import stores it (normalised: line breaks as LF, "
            "no control characters, Unicode NFC, no white space around it)"
        )
    if not text:
        raise Bad("the article has no text")
    if content_hash(text) != record["content_hash"]:
        raise Bad("the article's content hash does not match its text (as import computes it)")


def claim_rules(claim: Claim, record: dict, restoring: Restoring) -> None:
    """Within its article's text; an active claim overlapping no other active one of its
    article (ops.claims.span_problem); merged exactly when it names what it went into."""
    if (record["state"] == "merged") != (record["merged_into"] is not None):
        raise Bad(
            f"claim {record['key']} has state {record['state']!r} and merged_into "
            f"{record['merged_into']!r}: a merged claim names the claim it was merged into, "
            "and only a merged claim does"
        )
    length = len(restoring.session.get(Article, claim.article_id).text)
    if span_problem(length, claim.start, claim.end):
        raise Bad(f"claim {record['key']} has offsets outside its article's text")
    if claim.state != "active":
        return
    spans = restoring.active_spans.setdefault(claim.article_id, [])
    at = bisect.bisect_left(spans, (claim.start, claim.end))
    problem = span_problem(
        length,
        claim.start,
        claim.end,
        previous_end=spans[at - 1][1] if at else None,
        next_start=spans[at][0] if at < len(spans) else None,
    )
    if problem:
        raise Bad(f"active claim {record['key']} overlaps another: {problem.rstrip('.')}")
    spans.insert(at, (claim.start, claim.end))


def annotation_labels(annotation: Annotation, record: dict, restoring: Restoring) -> None:
    """The rule of every save (ops.annotations.validate): labels of the dumped codebook,
    stances for current targets."""
    codebook = Codebook(
        project_id=restoring.project.id,
        version=restoring.project.codebook_version,
        target_ids=tuple(restoring.current_targets),
        target_names=(),
        labels={name: frozenset(values) for name, values in restoring.labels.items()},
    )
    values = AnnotationInput(
        **{f.column: getattr(annotation, f.column) for f in of_kind(LABEL, TEXT)},
        **{
            f.column: {stance.target_id: stance.value for stance in getattr(annotation, f.name)}
            for f in of_kind(STANCES)
        },
        status=annotation.status,
    )
    try:
        validate(codebook, values)
    except WorkbenchError as exc:
        raise Bad.refused(exc) from exc
