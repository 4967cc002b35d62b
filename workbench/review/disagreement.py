"""Where done annotations disagree, where they all agree, and what the candidates are
(pure: plain values in, plain values out).

A claim's field is compared over its done annotations (status ``submitted``). A
field's *key* is its name (workbench/fields.py), or ``stance:<target id>`` for the
stance toward one target: stances are compared target by target. Only fields that
can be settled into gold are compared: speakers, labels and stances (not the note).

A value that is not set (None, an empty string, no stance for a target) is missing,
not a vote: a conditional field left empty by design (the stance of a claim coded
``not_a_claim``) is never a disagreement. Speaker values are registry speaker ids,
compared after merges: ``merged`` maps a merged speaker to the speaker it ends in.

- a field *disagrees* when its votes hold two or more values;
- it *agrees* when two or more annotators gave a value and all gave the same one;
- with fewer than two votes it does neither (nothing to compare).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from workbench.fields import BY_NAME, FIELDS, LABEL, SPEAKER, STANCES, Field

DONE = "submitted"
# The kinds of field that gold settles (the note is free text: nothing to settle).
GOLD_KINDS = (SPEAKER, LABEL, STANCES)
GOLD_FIELDS: tuple[Field, ...] = tuple(f for f in FIELDS if f.kind in GOLD_KINDS)
STANCE_PREFIX = "stance:"


def field_key(name: str, target_id: int | None = None) -> str:
    """Return the key of a field (``speaker``), or of the stance toward a target
    (``stance:7``). Raises ValueError for a field gold does not settle, a stance
    without a target, or a target given to another field."""
    f = BY_NAME.get(name)
    if f is None or f.kind not in GOLD_KINDS:
        raise ValueError(f"no field {name!r} is settled into gold")
    if f.kind == STANCES:
        if target_id is None:
            raise ValueError("a stance is settled per target: name the target")
        return f"{STANCE_PREFIX}{int(target_id)}"
    if target_id is not None:
        raise ValueError(f"the field {name!r} has no targets")
    return name


def parse_key(key: str) -> tuple[Field, int | None]:
    """Return the field and the target id (None but for a stance) of a key.

    Raises ValueError for anything ``field_key`` does not make."""
    if key.startswith(STANCE_PREFIX):
        rest = key[len(STANCE_PREFIX) :]
        if not (rest.isascii() and rest.isdigit()):
            raise ValueError(f"no such field as {key!r}")
        return next(f for f in GOLD_FIELDS if f.kind == STANCES), int(rest)
    f = BY_NAME.get(key)
    if f is None or f.kind not in (SPEAKER, LABEL):
        raise ValueError(f"no such field as {key!r}")
    return f, None


def keys_for(target_ids: Sequence[int]) -> list[str]:
    """Return every key of a project with these targets, in FIELDS order (a stance
    key per target, in the order given)."""
    keys: list[str] = []
    for f in GOLD_FIELDS:
        if f.kind == STANCES:
            keys += [field_key(f.name, t) for t in target_ids]
        else:
            keys.append(f.name)
    return keys


def describe_key(key: str, target_names: Mapping[int, str]) -> str:
    """A key in words: the field's label, or "Stance: <target>" (a target not in
    ``target_names`` by its id)."""
    f, target_id = parse_key(key)
    if target_id is None:
        return f.label
    return f"{f.label}: {target_names.get(target_id, f'target {target_id}')}"


def is_speaker_key(key: str) -> bool:
    return not key.startswith(STANCE_PREFIX) and BY_NAME[key].kind == SPEAKER


def is_set(value: Any) -> bool:
    """Whether a value is a vote (None and empty strings are missing)."""
    return value is not None and value != ""


@dataclass(frozen=True, slots=True)
class Done:
    """One annotation of a claim, as plain values: ``values`` maps keys to values
    (a speaker id, a label); a key left out is not set. Only ``status`` "submitted"
    (done) annotations are compared."""

    annotation_id: int
    claim_id: int
    user_id: int
    values: Mapping[str, Any]
    status: str = DONE


# Not frozen: accept-all-agree builds one Candidate and one Comparison per field of
# every claim of a project, and a frozen dataclass is several times slower to make.
@dataclass(slots=True)
class Candidate:
    """One value given for a field, and the annotations (and annotators) that gave it."""

    value: Any
    annotation_ids: tuple[int, ...]
    user_ids: tuple[int, ...]

    @property
    def votes(self) -> int:
        return len(self.annotation_ids)


@dataclass(slots=True)
class Comparison:
    """A field of a claim over its done annotations: ``annotators`` is how many done
    annotations the claim has; ``candidates`` the values given, most votes first (a
    tie: the value whose first annotation is oldest)."""

    claim_id: int
    key: str
    annotators: int
    candidates: tuple[Candidate, ...] = field(default=())

    @property
    def given(self) -> int:
        """How many done annotations set the field."""
        return sum(c.votes for c in self.candidates)

    @property
    def missing(self) -> int:
        return self.annotators - self.given

    @property
    def disagrees(self) -> bool:
        return len(self.candidates) > 1

    @property
    def agrees(self) -> bool:
        return len(self.candidates) == 1 and self.candidates[0].votes >= 2

    @property
    def agreed_value(self) -> Any:
        """The value all gave; raises ValueError when the field does not agree."""
        if not self.agrees:
            raise ValueError(f"claim {self.claim_id}: the annotations of {self.key} do not agree")
        return self.candidates[0].value

    def candidate(self, value: Any) -> Candidate | None:
        return next((c for c in self.candidates if c.value == value), None)


def resolved(value: Any, merged: Mapping[int, int]) -> Any:
    """A speaker id after merges (``merged`` maps a merged speaker to its end)."""
    return merged.get(value, value)


def compare_claims(
    annotations: Iterable[Done],
    keys: Sequence[str],
    *,
    merged: Mapping[int, int] | None = None,
) -> dict[int, dict[str, Comparison]]:
    """Compare each claim's done annotations, field by field.

    Returns {claim id: {key: Comparison}} for every claim with at least one done
    annotation, a Comparison for every key in ``keys`` (in that order). Drafts
    are left out; speaker values are compared after ``merged``.
    """
    merged = merged or {}
    by_claim: dict[int, list[Done]] = {}
    for a in annotations:
        if a.status == DONE:
            by_claim.setdefault(a.claim_id, []).append(a)
    speaker_keys = {k for k in keys if is_speaker_key(k)}
    out: dict[int, dict[str, Comparison]] = {}
    for claim_id, done in by_claim.items():
        done.sort(key=lambda a: a.annotation_id)
        count = len(done)
        fields: dict[str, Comparison] = {}
        for key in keys:
            votes: dict[Any, tuple[list[int], list[int]]] = {}
            for a in done:
                value = a.values.get(key)
                if value is None or value == "":
                    continue
                if key in speaker_keys:
                    value = merged.get(value, value)
                found = votes.get(value)
                if found is None:
                    votes[value] = ([a.annotation_id], [a.user_id])
                else:
                    found[0].append(a.annotation_id)
                    found[1].append(a.user_id)
            if len(votes) == 1:  # the usual case: no sorting
                ((value, (ids, users)),) = votes.items()
                candidates: tuple[Candidate, ...] = (Candidate(value, tuple(ids), tuple(users)),)
            else:
                candidates = tuple(
                    sorted(
                        (Candidate(v, tuple(i), tuple(u)) for v, (i, u) in votes.items()),
                        key=lambda c: (-c.votes, c.annotation_ids[0]),
                    )
                )
            fields[key] = Comparison(claim_id, key, count, candidates)
        out[claim_id] = fields
    return out


def disagreements(
    compared: Mapping[int, Mapping[str, Comparison]],
    *,
    key: str | None = None,
    label: str | None = None,
    user_id: int | None = None,
) -> list[tuple[int, list[Comparison]]]:
    """Return the claims with a disagreement, in claim id order, each with the fields
    that disagree (in key order), after the filters: ``key`` one field, ``label`` a
    label some annotator gave there (labels and stances), ``user_id`` an annotator
    who gave one of the values."""
    found: list[tuple[int, list[Comparison]]] = []
    for claim_id in sorted(compared):
        fields = [
            c
            for c in compared[claim_id].values()
            if c.disagrees
            and (key is None or c.key == key)
            and (
                label is None
                or (not is_speaker_key(c.key) and any(x.value == label for x in c.candidates))
            )
            and (user_id is None or any(user_id in x.user_ids for x in c.candidates))
        ]
        if fields:
            found.append((claim_id, fields))
    return found


def agreements(
    compared: Mapping[int, Mapping[str, Comparison]], *, key: str | None = None
) -> list[Comparison]:
    """Return every field on which all of a claim's done annotations agree (two votes
    or more, one value), in claim id and key order; ``key`` keeps one field."""
    return [
        c
        for claim_id in sorted(compared)
        for c in compared[claim_id].values()
        if c.agrees and (key is None or c.key == key)
    ]


@dataclass(slots=True)
class Accuracy:
    """One annotator on one field against gold: ``compared`` annotations gave a value
    where gold has one, ``correct`` gave gold's; ``missing`` gave none where gold has one."""

    compared: int = 0
    correct: int = 0
    missing: int = 0

    @property
    def rate(self) -> float | None:
        return self.correct / self.compared if self.compared else None


def accuracy(
    annotations: Iterable[Done],
    gold: Mapping[tuple[int, str], Any],
    keys: Sequence[str],
    *,
    merged: Mapping[int, int] | None = None,
) -> dict[tuple[int, str], Accuracy]:
    """Return each annotator's accuracy against gold per key: {(user id, key): Accuracy}.

    ``gold`` maps (claim id, key) to the gold value; a gold of "not set" (None or
    empty) is left out, as are drafts. Speakers compare after ``merged``."""
    merged = merged or {}
    out: dict[tuple[int, str], Accuracy] = {}
    for a in annotations:
        if a.status != DONE:
            continue
        for key in keys:
            expected = gold.get((a.claim_id, key))
            if not is_set(expected):
                continue
            score = out.setdefault((a.user_id, key), Accuracy())
            value = a.values.get(key)
            if not is_set(value):
                score.missing += 1
                continue
            speaker = is_speaker_key(key)
            if speaker:
                value, expected = resolved(value, merged), resolved(expected, merged)
            score.compared += 1
            score.correct += value == expected
    return out


def agreeing_with(comparison: Comparison, value: Any, *, merged: Mapping[int, int] | None = None):
    """How many done annotations gave ``value`` (a gold value) for the field."""
    if not is_set(value):
        return 0
    if is_speaker_key(comparison.key):
        value = resolved(value, merged or {})
    found = comparison.candidate(value)
    return found.votes if found else 0
