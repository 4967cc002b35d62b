"""Every kind of dump record, described once: its fields, what they refer to, their
checks, and the rows a dump reads. Dump, check and restore all read ``KINDS``;
a new table is one more entry (in the order a restore must insert it).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from workbench.fields import FIELDS, LABEL, RECORD_ORDER, SPEAKER, STANCES, TEXT, of_kind
from workbench.labels import LABELLED_FIELDS
from workbench.models import (
    ANNOTATION_STATUSES,
    CLAIM_STATES,
    ROLES,
    SPEAKER_TYPES,
    Annotation,
    Article,
    Assignment,
    Claim,
    GoldLabel,
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
from workbench.ops.backup import checks, rules
from workbench.ops.backup.checks import KEY, REF, Check
from workbench.ops.backup.records import (
    Bad,
    Dumping,
    Field,
    Kind,
    Restoring,
    format_time,
    parse_time,
)
from workbench.review.disagreement import GOLD_FIELDS, field_key

FIELD_NAMES = tuple(f.name for f in FIELDS)


def time_field(name: str) -> Field:
    return Field(
        name,
        checks.time,
        dump=lambda obj, dumping: format_time(getattr(obj, name)),
        load=lambda value, record, restoring: parse_time(value),
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
    kind = PROJECT if entity == "project" else BY_NAME.get(entity)
    kinds = kind.history_refs if kind is not None else {}
    out: dict[str, Any] = {}
    for name, value in values.items():
        kind_of = kinds.get(name)
        if kind_of and isinstance(value, list):
            out[name] = [convert(kind_of, v) for v in value]
        elif kind_of and isinstance(value, int):
            out[name] = convert(kind_of, value)
        elif name in _PER_TARGET and isinstance(value, dict):
            out[name] = {_target_key(convert, k): v for k, v in value.items()}
        else:
            out[name] = value
    return out


# An annotation's per-target fields, keyed by target in dumps and history.
_PER_TARGET = {f.name for f in of_kind(STANCES)}


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


def _annotation_field(f) -> Field:
    """The dump field of an annotation field (workbench/fields.py): a speaker by its
    key, a label checked against the column, free text, the stances by target key."""
    if f.kind == SPEAKER:
        return Field(f.name, REF, attr=f.column, ref="speaker")
    if f.kind == LABEL:
        return Field(f.name, _text_of(Annotation, f.column))
    if f.kind == TEXT:
        return Field(f.name, checks.text())
    return Field(f.name, checks.stances, dump=_dump_stances, load=_load_stances)


def _keys_list(value, postgres):
    if not isinstance(value, list) or not all(
        isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in value
    ):
        return "is not a list of record keys"
    return None


def _reasons(value, postgres):
    if value is None:
        return None
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        return "is not a list of reasons"
    for reason in value:
        problem = checks.text_problem(reason, postgres)
        if problem:
            return problem
        if not reason.strip() or len(reason) > 200:
            return f"holds a reason that is empty or longer than 200 characters ({reason[:40]!r})"
    if len({r.casefold() for r in value}) != len(value):
        return "lists a reason twice"
    return None


def _gold_key(gold: GoldLabel, record: dict, restoring: Restoring) -> None:
    # The key names the target by its id, which restore gives anew: made, not dumped.
    try:
        gold.key = field_key(gold.field, gold.target_id)
    except ValueError as exc:
        raise Bad(f"the gold label's field and target do not go together ({exc})") from exc


def _keep_gold_version(gold: GoldLabel, record: dict, restoring: Restoring) -> None:
    restoring.session.execute(
        update(GoldLabel)
        .where(GoldLabel.id == gold.id)
        .values(version=record["version"])
        .execution_options(synchronize_session=False)
    )
    restoring.session.expire(gold, ["version"])


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
        lambda d: (
            select(Target)
            .where(Target.project_id == d.project.id)
            .order_by(Target.position, Target.id)
        ),
        keyed=True,
        unique=(("key",), ("name",)),
        after=(rules.keep_current_target,),
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
        lambda d: select(Label).where(Label.project_id == d.project.id),
        sort=lambda label, d: (label.field, label.position, label.value),
        unique=(("field", "value"),),
        after=(rules.keep_label,),
    ),
    Kind(
        "member",
        "members",
        Membership,
        (
            user_field("username", "user_id"),
            Field("role", checks.choice(ROLES)),
        ),
        lambda d: select(Membership).where(Membership.project_id == d.project.id),
        sort=lambda m, d: (d.users[m.user_id], m.role),
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
        lambda d: (
            select(Speaker)
            .where(Speaker.project_id == d.project.id)
            .order_by(Speaker.id)
            .options(selectinload(Speaker.aliases))
        ),
        keyed=True,
        unique=(("key",), ("name",)),
        checks=(rules.speaker_rules,),
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
            # 4: the wire source the suggester found (none in older dumps).
            Field("wire_source", _text_of(Article, "wire_source"), default=""),
            Field("text", checks.text()),
            Field("content_hash", _text_of(Article, "content_hash", blank=False)),
            Field("extra", checks.json_object()),
            Field("source", checks.text()),
            user_field("imported_by", "imported_by_id", null=True),
            time_field("created_at"),
        ),
        lambda d: select(Article).where(Article.project_id == d.project.id).order_by(Article.id),
        keyed=True,
        unique=(("key",), ("content_hash",)),
        checks=(rules.article_as_imported,),
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
        lambda d: (
            select(Claim)
            .where(Claim.article_id.in_(_project_articles(d)))
            .order_by(Claim.article_id, Claim.id)
        ),
        keyed=True,
        in_project=False,
        unique=(("key",),),
        checks=(rules.claim_rules,),
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
            # 4: the reason in words, and the registry speaker a speaker or via names.
            Field("reason", checks.text(), default=""),
            Field("speaker", REF, attr="speaker_id", ref="speaker", default=None),
        ),
        lambda d: (
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
            *map(_annotation_field, RECORD_ORDER),
            Field("status", checks.choice(ANNOTATION_STATUSES)),
            Field("span_changed", checks.boolean),
            Field("codebook_version", checks.integer(low=1)),
            Field("version", checks.integer(low=1)),
            # 4: the fields saved as suggested (none known for older dumps).
            Field("from_suggestion", checks.field_names(FIELD_NAMES), default=[]),
            time_field("created_at"),
            time_field("updated_at"),
        ),
        lambda d: (
            select(Annotation)
            .where(Annotation.claim_id.in_(_project_claims(d)))
            .order_by(Annotation.id)
            .options(selectinload(Annotation.stances))
        ),
        keyed=True,
        in_project=False,
        unique=(("key",), ("claim", "annotator")),
        checks=(rules.annotation_labels,),
        after=(_keep_version,),
        history_refs={
            **{f.column: "speaker" for f in of_kind(SPEAKER)},
            "claim_id": "claim",
        },
    ),
    # 6: which annotator has which article (older dumps have none).
    Kind(
        "assignment",
        "assignments",
        Assignment,
        (
            Field("article", KEY, attr="article_id", ref="article"),
            user_field("annotator", "user_id"),
            user_field("assigned_by", "assigned_by_id", null=True),
            time_field("assigned_at"),
        ),
        lambda d: (
            select(Assignment)
            .where(Assignment.project_id == d.project.id)
            .order_by(Assignment.article_id, Assignment.user_id)
        ),
        sort=lambda a, d: (d.keys.key("article", a.article_id), d.users[a.user_id]),
        unique=(("article", "annotator"),),
    ),
    # 7: gold labels (none in older dumps), after the annotations they came from.
    Kind(
        "gold",
        "gold labels",
        GoldLabel,
        (
            Field("claim", KEY, attr="claim_id", ref="claim"),
            Field("field", checks.choice(tuple(f.name for f in GOLD_FIELDS))),
            Field("target", REF, attr="target_id", ref="target"),
            Field("value", _text_of(GoldLabel, "value")),
            Field("speaker", REF, attr="speaker_id", ref="speaker"),
            Field("adjudicated", checks.boolean),
            Field("reason", _text_of(GoldLabel, "reason")),
            Field("reason_text", checks.text()),
            Field(
                "source_annotations",
                _keys_list,
                attr="source_annotation_ids",
                dump=lambda gold, d: [
                    d.keys.key("annotation", i) for i in gold.source_annotation_ids or []
                ],
                load=lambda value, record, r: [r.keys.id("annotation", k) for k in value],
            ),
            Field("codebook_version", checks.integer(low=1)),
            user_field("settled_by", "settled_by_id", null=True),
            time_field("settled_at"),
            Field("version", checks.integer(low=1)),
        ),
        lambda d: (
            select(GoldLabel)
            .where(GoldLabel.project_id == d.project.id)
            .order_by(GoldLabel.claim_id, GoldLabel.id)
        ),
        keyed=True,
        unique=(("key",), ("claim", "field", "target")),
        checks=(_gold_key,),
        after=(_keep_gold_version,),
        history_refs={
            "claim_id": "claim",
            "target_id": "target",
            "speaker_id": "speaker",
            "source_annotation_ids": "annotation",
        },
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
                # A project's own entries name the project the dump is restored as.
                load=lambda value, record, r: (
                    r.project.id
                    if record["entity"] == "project"
                    else r.keys.soft_id(record["entity"], value) or 0
                ),
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
        lambda d: (
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
    # 5: the annotate page's keys changed from the defaults (older dumps: the defaults).
    Field("keymap", checks.keymap, default=None),
    # 6: blind mode (on by default) and whether annotators annotate only their articles.
    Field("blind", checks.boolean, default=True),
    Field("assigned_only", checks.boolean, default=False),
    # 7: the reasons for gold (older dumps: the defaults, NULL).
    Field("gold_reasons", _reasons, default=None),
)
PROJECT = Kind(
    "project",
    "projects",
    Project,
    PROJECT_FIELDS,
    lambda d: select(Project).where(Project.id == d.project.id),
    # The project's own history (settings and members) names its targets by id.
    history_refs={"target_id": "target"},
)
