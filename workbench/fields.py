"""An annotation's fields, described once (pure: no Flask, no SQLAlchemy).

The form, the JSON API, the save and its history, the export columns and backup
read ``FIELDS``; adding a field is one entry here plus its migration (a column
on ``annotations``, named ``Field.column``). Code that a kind of field needs
(resolving a registry speaker, checking a label against the codebook, one
stance per target) is written once per kind, not once per field.
"""

from __future__ import annotations

from dataclasses import dataclass

from workbench.labels import LABELLED_FIELDS

# Kinds of field.
SPEAKER = "speaker"  # a speaker of the project's registry: column ``<name>_id``
LABEL = "label"  # one label of the project's label set ``choices``
TEXT = "text"  # free text, at most ``max_length`` characters
STANCES = "stances"  # one label of the set ``choices`` per stance target
KINDS = (SPEAKER, LABEL, TEXT, STANCES)
REGISTRY = "registry"  # where a speaker field's choices come from


@dataclass(frozen=True, slots=True)
class Field:
    """One field of an annotation.

    ``label`` names it on the form and in the history; ``choices`` is a label set
    of workbench/labels.py (or REGISTRY for a speaker); ``speaker_columns`` are
    the speaker's attributes a speaker field exports, the name first (as the
    column ``name``, the others as ``<name>_<attribute>``); ``suggested`` are
    the suggester's fields (workbench/suggest/model.py) that propose it, the one
    whose value the saved value is compared with first (``speaker``, then
    ``speaker_type``, which follows from the speaker).
    """

    name: str
    kind: str
    label: str
    choices: str = ""
    speaker_columns: tuple[str, ...] = ("name",)
    suggested: tuple[str, ...] = ()
    max_length: int | None = None

    @property
    def column(self) -> str:
        """The attribute of the model, of AnnotationInput and of the API's body."""
        return f"{self.name}_id" if self.kind == SPEAKER else self.name

    @property
    def record_keys(self) -> tuple[str, ...]:
        """The keys of the field in an annotation's record (history, API, conflicts):
        a speaker's id and its name, else the field's own name."""
        return (self.column, self.name) if self.kind == SPEAKER else (self.name,)

    @property
    def suggestion_columns(self) -> tuple[str, ...]:
        """The export columns of the suggestions for this field: ``suggested_<s>``
        for each suggester field ``s`` in ``suggested``."""
        return tuple(f"suggested_{s}" for s in self.suggested)

    @property
    def from_suggestion_column(self) -> str | None:
        """The export column saying whether the saved value was the suggestion,
        unchanged (``<name>_from_suggestion``); None for a field nothing suggests."""
        return f"{self.name}_from_suggestion" if self.suggested else None

    def export_columns(self, targets: tuple[str, ...] | list[str] = ()) -> list[str]:
        """The field's columns in the wide export (and its fields in the long one)."""
        if self.kind == STANCES:
            return [stance_column(t) for t in targets]
        if self.kind == SPEAKER:
            return [
                self.name if attribute == "name" else f"{self.name}_{attribute}"
                for attribute in self.speaker_columns
            ]
        return [self.name]


def stance_column(target: str) -> str:
    """The export column of the stance toward ``target``."""
    return f"stance:{target}"


# In the order of the export's columns (and of the form on the page).
FIELDS: tuple[Field, ...] = (
    Field(
        "speaker",
        SPEAKER,
        "Speaker",
        REGISTRY,
        speaker_columns=("name", "type", "title"),
        suggested=("speaker", "speaker_type"),
    ),
    Field("via", SPEAKER, "Via", REGISTRY, suggested=("via",)),
    Field("attribution", LABEL, "Attribution", "attribution", suggested=("attribution",)),
    Field("stances", STANCES, "Stance", "stance"),
    Field("verifiability", LABEL, "Verifiability", "verifiability", suggested=("verifiability",)),
    Field("note", TEXT, "Note", max_length=10_000),
)
BY_NAME: dict[str, Field] = {f.name: f for f in FIELDS}


def of_kind(*kinds: str) -> tuple[Field, ...]:
    """The fields of these kinds, in FIELDS order."""
    return tuple(f for f in FIELDS if f.kind in kinds)


# An annotation's record (history, API, backup) and the form list the stances
# last, after the other fields: the order records had before this description.
RECORD_ORDER: tuple[Field, ...] = (
    *(f for f in FIELDS if f.kind != STANCES),
    *of_kind(STANCES),
)
# The field that uses each label set (for counting a label's uses).
BY_LABEL_SET: dict[str, Field] = {f.choices: f for f in of_kind(LABEL, STANCES)}


# The fields the suggester proposes, in FIELDS order.
SUGGESTED: tuple[Field, ...] = tuple(f for f in FIELDS if f.suggested)
# The export's one confidence column: the confidence of this suggester field's proposal
# (the speaker's: who asserts a claim is the suggestion a team checks first).
CONFIDENCE_COLUMN = "suggestion_confidence"
CONFIDENCE_OF = "speaker"


def suggested_value_columns() -> list[str]:
    """The export's columns of what was suggested for a claim: every suggested value
    (by field, in FIELDS order), then the confidence."""
    return [*(column for f in SUGGESTED for column in f.suggestion_columns), CONFIDENCE_COLUMN]


def suggestion_columns() -> list[str]:
    """The export's suggestion columns, in order: what was suggested, then for each
    suggested field whether the annotator took it (``<name>_from_suggestion``)."""
    return [*suggested_value_columns(), *(f"{f.name}_from_suggestion" for f in SUGGESTED)]


def record_keys() -> list[str]:
    """The keys of an annotation's values in its record, in order (without status
    and version, which every record ends with)."""
    return [key for f in RECORD_ORDER for key in f.record_keys]


def _check() -> None:
    names = [f.name for f in FIELDS]
    if CONFIDENCE_OF not in (s for f in SUGGESTED for s in f.suggested):
        raise ValueError(f"no field is suggested by {CONFIDENCE_OF!r}, the confidence's")
    if len(set(names)) != len(names):
        raise ValueError(f"an annotation field is described twice: {names}")
    for f in FIELDS:
        if f.kind not in KINDS:
            raise ValueError(f"field {f.name!r}: unknown kind {f.kind!r}")
        if f.kind in (LABEL, STANCES) and f.choices not in LABELLED_FIELDS:
            raise ValueError(f"field {f.name!r}: no label set {f.choices!r} in labels.py")
        if f.suggested and f.kind not in (SPEAKER, LABEL):
            raise ValueError(f"field {f.name!r}: only speaker and label fields are suggested")
        if f.kind == SPEAKER and (f.choices != REGISTRY or f.speaker_columns[0] != "name"):
            raise ValueError(f"field {f.name!r}: a speaker comes from the registry, name first")


_check()
