"""The default label sets every new project starts with (see DESIGN.md)."""

from __future__ import annotations

LABELLED_FIELDS = ("stance", "verifiability", "attribution")

DEFAULT_LABELS: dict[str, tuple[tuple[str, str], ...]] = {
    "stance": (
        ("favor", "The speaker supports or argues for the target."),
        ("against", "The speaker opposes or argues against the target."),
        ("neutral", "The claim is about the target but takes no side."),
        ("unrelated", "The claim says nothing about the target."),
    ),
    "verifiability": (
        ("verifiable", "A factual statement that evidence could confirm or refute."),
        ("opinion", "A judgement or evaluation."),
        ("prediction", "About the future: a forecast, promise or intention."),
        ("not_a_claim", "A question, greeting, boilerplate or sign-off: nothing asserted."),
    ),
    "attribution": (
        ("direct", "A direct quote, in quotation marks."),
        ("indirect", "Reported speech: what someone said, without quotation marks."),
        ("mixed", "Partly quoted, partly paraphrased."),
        ("none", "No attribution: the outlet's own statement."),
    ),
}

LABEL_VALUE_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789_-"


def parse_label_lines(text: str) -> list[tuple[str, str]]:
    """Parse ``value: description`` lines into pairs, in order.

    Raises ValueError naming the line when a value is empty, repeated or uses
    characters other than lowercase letters, digits, ``_`` and ``-``.
    """
    pairs: list[tuple[str, str]] = []
    seen: set[str] = set()
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        value, _, description = line.partition(":")
        value = value.strip()
        if not value or any(ch not in LABEL_VALUE_CHARS for ch in value) or len(value) > 80:
            raise ValueError(
                f"line {number}: a label is 1 to 80 lowercase letters, digits, _ or - "
                f"(got {value!r})"
            )
        if value in seen:
            raise ValueError(f"line {number}: the label {value!r} is listed twice")
        seen.add(value)
        pairs.append((value, description.strip()))
    if not pairs:
        raise ValueError("at least one label is needed")
    return pairs


def format_label_lines(pairs: list[tuple[str, str]]) -> str:
    """Return label pairs as ``value: description`` lines (the inverse of parse)."""
    return "\n".join(
        f"{value}: {description}" if description else value for value, description in pairs
    )


def label_name(value: str) -> str:
    """A label's human name, from its value: ``not_a_claim`` -> "Not a claim",
    ``pro-choice`` -> "Pro-choice" (underscores become spaces, the first letter is
    capitalised)."""
    words = value.replace("_", " ").strip()
    return words[:1].upper() + words[1:] if words else value
