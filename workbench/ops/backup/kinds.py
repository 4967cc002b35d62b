"""Every kind of dump record, described once: its fields, what they refer to, their
checks, and the rows a dump reads. Dump, check and restore all read ``KINDS``;
a new table is one more entry (in the order a restore must insert it).
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from workbench.errors import WorkbenchError
from workbench.importing import content_hash, normalize_text
from workbench.labels import LABELLED_FIELDS
from workbench.models import (
    ANNOTATION_STATUSES,
    CLAIM_STATES,
    ROLES,
    SPEAKER_TYPES,
    Annotation,
    Article,
    Claim,
    HistoryEntry,
    Label,
    Membership,
    Project,
    Speaker,
    SpeakerAlias,
    Stance,
    Suggestion,
    Target,
    User,
)
from workbench.ops.annotations import AnnotationInput, validate
from workbench.ops.backup import checks
from workbench.ops.backup.checks import KEY, REF, Check
from workbench.ops.claims import span_problem
from workbench.ops.codebook import Codebook
from workbench.ops.speakers import (
    check_aliases_free,
    check_name_free,
    clean_aliases,
    clean_name,
)


class Bad(Exception):
    """A problem with one record; restore adds the line it is on."""

    @classmethod
    def refused(cls, error: WorkbenchError, before: str = "") -> Bad:
        """The refusal of a form's or importer's rule, as a problem with the record."""
        return cls(before + error.message.rstrip("."))


class Keys:
    """Maps between database ids and dump-local keys, per kind of record."""

    def __init__(self) -> None:
        self.to_key: dict[str, dict[int, int]] = {}
        self.to_id: dict[str, dict[int, int]] = {}

    def add(self, kind: str, db_id: int, key: int | None = None) -> int:
        """Map ``db_id`` to ``key`` (the next free key when None); return the key."""
        table = self.to_key.setdefault(kind, {})
        key = key if key is not None else len(table) + 1
        table[db_id] = key
        self.to_id.setdefault(kind, {})[key] = db_id
        return key

    def key(self, kind: str, db_id: int | None) -> int | None:
        """The key of a dumped id (None for None, or for an id not dumped)."""
        if db_id is None:
            return None
        return self.to_key.get(kind, {}).get(db_id)

    def id(self, kind: str, key: int | None) -> int | None:
        """The id a restored key got (None for None); raises Bad for a key not restored."""
        if key is None:
            return None
        try:
            return self.to_id[kind][key]
        except (KeyError, TypeError) as exc:
            raise Bad(f"it refers to {kind} {key!r}, which the dump does not contain") from exc

    def soft_id(self, kind: str, key: int | None) -> int | None:
        """The id a restored key got, or None (history may name what is gone)."""
        return self.to_id.get(kind, {}).get(key)


@dataclass
class Dumping:
    """What dumping one project knows: its session, keys so far, usernames by id."""

    session: Session
    project: Project
    keys: Keys
    users: dict[int, str]

    def rows(self, statement):
        # Objects the session held from an earlier transaction are read again.
        return self.session.scalars(statement.execution_options(populate_existing=True))


@dataclass
class Restoring:
    """What restoring one project knows: the session, the project, keys so far."""

    session: Session
    project: Project
    keys: Keys
    user_id: Callable[[str | None], int | None]
    postgres: bool
    # References set once every record is in (merges may point forward): the object,
    # its Field, its own key, the key it names and where the record is.
    pending: list[tuple[Any, Field, int, int, str]] = field(default_factory=list)
    # What the rules of later records need from earlier ones (see the Kind checks).
    current_targets: list[int] = field(default_factory=list)
    labels: dict[str, set[str]] = field(default_factory=dict)
    current_speakers: list[Speaker] = field(default_factory=list)
    active_spans: dict[int, list[tuple[int, int]]] = field(default_factory=dict)


_REQUIRED = object()


@dataclass(frozen=True)
class Field:
    """One field of a record: its name there, its check, and how it maps to the model.

    By default the record holds the model attribute ``attr`` (the name when None) as is.
    ``ref`` names the kind whose key the record holds where the model holds that kind's
    id; ``later`` sets such a reference after every record is in. ``dump`` and ``load``
    replace the default mapping: ``dump(obj, dumping)`` gives the record's value,
    ``load(value, record, restoring)`` the model's. ``default`` is the value for dumps of
    an older format version, which lack the field. ``same`` (an attribute, and what it
    is called) is what a ``later`` reference must share with what it refers to.
    """

    name: str
    check: Check
    attr: str | None = None
    ref: str | None = None
    later: bool = False
    dump: Callable[[Any, Dumping], Any] | None = None
    load: Callable[[Any, dict, Restoring], Any] | None = None
    default: Any = _REQUIRED
    same: tuple[str, str] | None = None

    @property
    def attribute(self) -> str:
        return self.attr or self.name

    @property
    def optional(self) -> bool:
        return self.default is not _REQUIRED

    def value_of(self, obj, dumping: Dumping):
        if self.dump is not None:
            return self.dump(obj, dumping)
        value = getattr(obj, self.attribute)
        return dumping.keys.key(self.ref, value) if self.ref else value

    def model_value(self, value, record: dict, restoring: Restoring):
        if self.load is not None:
            return self.load(value, record, restoring)
        return restoring.keys.id(self.ref, value) if self.ref else value


@dataclass(frozen=True)
class Kind:
    """One kind of record: its fields and the rows of a project a dump holds.

    ``rows(dumping)`` gives the model objects in dump order; ``keyed`` kinds carry a
    dump-local ``key`` (other records name them by it); ``unique`` lists what must not
    repeat within a dump (the database's unique constraints); ``checks`` run on the
    built object before it is inserted, ``after`` once it is (both with the record and
    the Restoring, and raise Bad); ``history_refs`` are the keys inside the before/after
    of history entries about this kind that hold ids, with the kind of id each holds.
    """

    name: str
    plural: str
    model: type
    fields: tuple[Field, ...]
    rows: Callable[[Dumping], Iterable[Any]]
    keyed: bool = False
    in_project: bool = True
    unique: tuple[tuple[str, ...], ...] = ()
    checks: tuple[Callable[[Any, dict, Restoring], None], ...] = ()
    after: tuple[Callable[[Any, dict, Restoring], None], ...] = ()
    history_refs: dict[str, str] = field(default_factory=dict)

    def record(self, obj, dumping: Dumping) -> dict[str, Any]:
        """The record of ``obj`` (its key given already, see dump_project)."""
        record: dict[str, Any] = {"type": self.name}
        if self.keyed:
            record["key"] = dumping.keys.key(self.name, obj.id)
        for item in self.fields:
            record[item.name] = item.value_of(obj, dumping)
        return record

    def check(self, record: dict, line: int, postgres: bool, seen: dict) -> None:
        """Raise Bad for the first field of ``record`` that restore cannot take, or
        when the record repeats an earlier one."""
        fields = [Field("key", KEY)] if self.keyed else []
        for item in [*fields, *self.fields]:
            if item.name not in record:
                if item.optional:
                    continue
                raise Bad(f"the {self.name} record has no {item.name!r}")
            problem = item.check(record[item.name], postgres)
            if problem:
                raise Bad(f"the {self.name}'s {item.name!r} {problem}")
        for names in self.unique:
            identity = (self.name, names, tuple(record[n] for n in names))
            if identity in seen:
                shown = ", ".join(f"{n} {record[n]!r}" for n in names)
                raise Bad(f"it repeats the {self.name} with {shown} of line {seen[identity]}")
            seen[identity] = line

    def restore(self, record: dict, restoring: Restoring, where: str) -> Any:
        """Insert the object ``record`` describes (checked already); return it."""
        values: dict[str, Any] = {}
        later = []
        for item in self.fields:
            value = record.get(item.name, item.default)
            if item.later:
                if value is not None:
                    later.append((item, value))
            else:
                values[item.attribute] = item.model_value(value, record, restoring)
        if self.in_project:
            values["project_id"] = restoring.project.id
        obj = self.model(**values)
        for check in self.checks:
            check(obj, record, restoring)
        restoring.session.add(obj)
        if self.keyed or self.after or later:
            restoring.session.flush()
        if self.keyed:
            restoring.keys.add(self.name, obj.id, record["key"])
        for item, value in later:
            restoring.pending.append((obj, item, record.get("key"), value, where))
        for step in self.after:
            step(obj, record, restoring)
        return obj


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _parse_time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def time_field(name: str) -> Field:
    return Field(
        name,
        checks.time,
        dump=lambda obj, dumping: _time(getattr(obj, name)),
        load=lambda value, record, restoring: _parse_time(value),
    )


def user_field(name: str, attr: str, *, null: bool = False) -> Field:
    """A user, named by username in the dump; restore creates the accounts it lacks."""
    return Field(
        name,
        checks.text(User.__table__.c.username, blank=False, null=null),
        attr=attr,
        dump=lambda obj, dumping: dumping.users.get(getattr(obj, attr)),
        load=lambda value, record, restoring: restoring.user_id(value),
    )


def translate(values: dict | None, entity: str, convert) -> dict | None:
    """Return history values with their ids converted by ``convert(kind, id)`` (ids to
    keys when dumping, keys to ids when restoring)."""
    if values is None:
        return None
    kind = BY_NAME.get(entity)
    kinds = kind.history_refs if kind is not None else {}
    out: dict[str, Any] = {}
    for name, value in values.items():
        kind_of = kinds.get(name)
        if kind_of and isinstance(value, list):
            out[name] = [convert(kind_of, v) for v in value]
        elif kind_of and isinstance(value, int):
            out[name] = convert(kind_of, value)
        elif name == "stances" and isinstance(value, dict):
            out[name] = {_target_key(convert, k): v for k, v in value.items()}
        else:
            out[name] = value
    return out


def _target_key(convert, key: str) -> str:
    # A target removed since (its stances were all cleared) has no key any more; its
    # history keeps the old reference as text, which restore leaves as it is.
    if not str(key).isdigit():
        return str(key)
    converted = convert("target", int(key))
    return str(converted) if converted is not None else f"removed:{key}"


def _project_articles(dumping: Dumping):
    return select(Article.id).where(Article.project_id == dumping.project.id)


def _project_claims(dumping: Dumping):
    return select(Claim.id).where(Claim.article_id.in_(_project_articles(dumping)))


def _keep_current_target(target: Target, record: dict, restoring: Restoring) -> None:
    if not target.retired:
        restoring.current_targets.append(target.id)


def _keep_label(label: Label, record: dict, restoring: Restoring) -> None:
    restoring.labels.setdefault(label.field, set()).add(label.value)


def _speaker_rules(speaker: Speaker, record: dict, restoring: Restoring) -> None:
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


def _article_as_imported(article: Article, record: dict, restoring: Restoring) -> None:
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


def _claim_rules(claim: Claim, record: dict, restoring: Restoring) -> None:
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


def _annotation_labels(annotation: Annotation, record: dict, restoring: Restoring) -> None:
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
        attribution=annotation.attribution,
        verifiability=annotation.verifiability,
        note=annotation.note,
        stances={stance.target_id: stance.value for stance in annotation.stances},
        status=annotation.status,
    )
    try:
        validate(codebook, values)
    except WorkbenchError as exc:
        raise Bad.refused(exc) from exc


def _keep_version(annotation: Annotation, record: dict, restoring: Restoring) -> None:
    # The ORM numbers versions itself on insert; keep the dumped one.
    restoring.session.execute(
        update(Annotation)
        .where(Annotation.id == annotation.id)
        .values(version=record["version"])
        .execution_options(synchronize_session=False)
    )
    restoring.session.expire(annotation, ["version"])


def _dump_stances(annotation: Annotation, dumping: Dumping) -> dict[str, str]:
    return {
        str(dumping.keys.key("target", s.target_id)): s.value
        for s in sorted(annotation.stances, key=lambda s: s.target_id)
    }


def _load_stances(value: dict, record: dict, restoring: Restoring) -> list[Stance]:
    return [
        Stance(target_id=restoring.keys.id("target", int(k)), value=v) for k, v in value.items()
    ]


def _history_values(name: str) -> Field:
    return Field(
        name,
        checks.json_object(null=True),
        dump=lambda entry, dumping: translate(getattr(entry, name), entry.entity, dumping.keys.key),
        load=lambda value, record, restoring: translate(
            value, record["entity"], restoring.keys.soft_id
        ),
    )


def _text_of(model, column: str, **options) -> Check:
    return checks.text(model.__table__.c[column], **options)


KINDS: tuple[Kind, ...] = (
    Kind(
        "target",
        "targets",
        Target,
        (
            Field("name", _text_of(Target, "name", blank=False)),
            Field("description", checks.text()),
            Field("position", checks.integer()),
            # 2: targets say whether they are retired. Version 1 targets were all current.
            Field("retired", checks.boolean, default=False),
        ),
        lambda d: d.rows(
            select(Target)
            .where(Target.project_id == d.project.id)
            .order_by(Target.position, Target.id)
        ),
        keyed=True,
        unique=(("key",), ("name",)),
        after=(_keep_current_target,),
    ),
    Kind(
        "label",
        "labels",
        Label,
        (
            Field("field", checks.choice(LABELLED_FIELDS)),
            Field("value", _text_of(Label, "value", blank=False)),
            Field("description", checks.text()),
            Field("position", checks.integer()),
        ),
        # Sorted here, not by the database, whose collation may not be code point order:
        # the same project gives the same dump on every backend.
        lambda d: sorted(
            d.rows(select(Label).where(Label.project_id == d.project.id)),
            key=lambda label: (label.field, label.position, label.value),
        ),
        unique=(("field", "value"),),
        after=(_keep_label,),
    ),
    Kind(
        "member",
        "members",
        Membership,
        (
            user_field("username", "user_id"),
            Field("role", checks.choice(ROLES)),
        ),
        lambda d: sorted(
            d.rows(select(Membership).where(Membership.project_id == d.project.id)),
            key=lambda m: (d.users[m.user_id], m.role),
        ),
        unique=(("username",),),
    ),
    Kind(
        "speaker",
        "speakers",
        Speaker,
        (
            Field("name", _text_of(Speaker, "name", blank=False)),
            Field("speaker_type", checks.choice(SPEAKER_TYPES), attr="type"),
            Field("title", _text_of(Speaker, "title")),
            Field(
                "aliases",
                checks.aliases,
                dump=lambda speaker, d: sorted(a.alias for a in speaker.aliases),
                load=lambda value, record, r: [SpeakerAlias(alias=a) for a in value],
            ),
            Field("merged_into", REF, attr="merged_into_id", ref="speaker", later=True),
            time_field("created_at"),
        ),
        lambda d: d.rows(
            select(Speaker)
            .where(Speaker.project_id == d.project.id)
            .order_by(Speaker.id)
            .options(selectinload(Speaker.aliases))
        ),
        keyed=True,
        unique=(("key",), ("name",)),
        checks=(_speaker_rules,),
        history_refs={
            "merged_into_id": "speaker",
            "merged_speaker_id": "speaker",
            "annotations": "annotation",
        },
    ),
    Kind(
        "article",
        "articles",
        Article,
        (
            Field("title", checks.text()),
            Field("outlet", _text_of(Article, "outlet")),
            Field("author", _text_of(Article, "author")),
            Field("url", checks.text()),
            Field("published", _text_of(Article, "published")),
            Field("language", _text_of(Article, "language")),
            Field("dateline", _text_of(Article, "dateline")),
            Field("text", checks.text()),
            Field("content_hash", _text_of(Article, "content_hash", blank=False)),
            Field("extra", checks.json_object()),
            Field("source", checks.text()),
            user_field("imported_by", "imported_by_id", null=True),
            time_field("created_at"),
        ),
        lambda d: d.rows(
            select(Article).where(Article.project_id == d.project.id).order_by(Article.id)
        ),
        keyed=True,
        unique=(("key",), ("content_hash",)),
        checks=(_article_as_imported,),
    ),
    Kind(
        "claim",
        "claims",
        Claim,
        (
            Field("article", KEY, attr="article_id", ref="article"),
            Field("position", checks.integer()),
            Field("start", checks.integer(low=0)),
            Field("end", checks.integer(low=0)),
            Field("state", checks.choice(CLAIM_STATES)),
            Field(
                "merged_into",
                REF,
                attr="merged_into_id",
                ref="claim",
                later=True,
                same=("article_id", "article"),
            ),
            time_field("created_at"),
        ),
        lambda d: d.rows(
            select(Claim)
            .where(Claim.article_id.in_(_project_articles(d)))
            .order_by(Claim.article_id, Claim.id)
        ),
        keyed=True,
        in_project=False,
        unique=(("key",),),
        checks=(_claim_rules,),
        history_refs={
            "new_claim_id": "claim",
            "merged_claim_id": "claim",
            "from_claim_id": "claim",
            "merged_into_id": "claim",
            "moved_annotations": "annotation",
        },
    ),
    Kind(
        "suggestion",
        "suggestions",
        Suggestion,
        (
            Field("claim", KEY, attr="claim_id", ref="claim"),
            Field("field", _text_of(Suggestion, "field", blank=False)),
            Field("value", _text_of(Suggestion, "value")),
            Field("confidence", checks.number),
            Field("evidence", checks.json_object()),
            Field("source", _text_of(Suggestion, "source")),
        ),
        lambda d: d.rows(
            select(Suggestion)
            .where(Suggestion.claim_id.in_(_project_claims(d)))
            .order_by(Suggestion.id)
        ),
        in_project=False,
        unique=(("claim", "field"),),
    ),
    Kind(
        "annotation",
        "annotations",
        Annotation,
        (
            Field("claim", KEY, attr="claim_id", ref="claim"),
            user_field("annotator", "user_id"),
            Field("speaker", REF, attr="speaker_id", ref="speaker"),
            Field("via", REF, attr="via_id", ref="speaker"),
            Field("attribution", _text_of(Annotation, "attribution")),
            Field("verifiability", _text_of(Annotation, "verifiability")),
            Field("note", checks.text()),
            Field("stances", checks.stances, dump=_dump_stances, load=_load_stances),
            Field("status", checks.choice(ANNOTATION_STATUSES)),
            Field("span_changed", checks.boolean),
            Field("codebook_version", checks.integer(low=1)),
            Field("version", checks.integer(low=1)),
            time_field("created_at"),
            time_field("updated_at"),
        ),
        lambda d: d.rows(
            select(Annotation)
            .where(Annotation.claim_id.in_(_project_claims(d)))
            .order_by(Annotation.id)
            .options(selectinload(Annotation.stances))
        ),
        keyed=True,
        in_project=False,
        unique=(("key",), ("claim", "annotator")),
        checks=(_annotation_labels,),
        after=(_keep_version,),
        history_refs={"speaker_id": "speaker", "via_id": "speaker", "claim_id": "claim"},
    ),
    Kind(
        "history",
        "history entries",
        HistoryEntry,
        (
            Field("entity", _text_of(HistoryEntry, "entity", blank=False)),
            Field(
                "entity_key",
                checks.integer(null=True),
                attr="entity_id",
                dump=lambda entry, d: d.keys.key(entry.entity, entry.entity_id),
                load=lambda value, record, r: r.keys.soft_id(record["entity"], value) or 0,
            ),
            Field(
                "claim",
                checks.integer(null=True),
                attr="claim_id",
                dump=lambda entry, d: d.keys.key("claim", entry.claim_id),
                load=lambda value, record, r: r.keys.soft_id("claim", value) if value else None,
            ),
            Field("action", _text_of(HistoryEntry, "action", blank=False)),
            user_field("user", "user_id", null=True),
            time_field("at"),
            _history_values("before"),
            _history_values("after"),
        ),
        lambda d: d.rows(
            select(HistoryEntry)
            .where(HistoryEntry.project_id == d.project.id)
            .order_by(HistoryEntry.id)
        ),
    ),
)

BY_NAME: dict[str, Kind] = {kind.name: kind for kind in KINDS}

# The project record comes first and is restored by restore_project itself (under
# another name, when asked); its fields are described like the others'.
PROJECT_FIELDS: tuple[Field, ...] = (
    Field("name", _text_of(Project, "name", blank=False)),
    Field("description", checks.text()),
    Field("guidelines", checks.text()),
    Field("codebook_version", checks.integer(low=1)),
    time_field("created_at"),
)
PROJECT = Kind("project", "projects", Project, PROJECT_FIELDS, lambda d: [d.project])
