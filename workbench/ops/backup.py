"""Dump a whole project to JSON Lines and restore it, on any instance and backend.

The dump is a header line, then one record per line, in an order that lets
restore insert each record after what it refers to. Records use dump-local
keys (1, 2, 3... per kind, in id order) instead of database ids, so that
dump -> restore -> dump gives identical records on any database. Users are
named by username; restore creates the accounts it does not find (with a
random password that an admin must reset).

A dump reads one snapshot of the database (see ``workbench.db.begin_snapshot``). Restore
checks every record before it writes it (kinds, keys, references, choices,
text that fits its column and that the database can store) and names the
line of the first bad one; the caller rolls back, so nothing is left behind.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import String, select, update
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session, selectinload
from werkzeug.security import generate_password_hash

from workbench.db import MAX_INT, begin_snapshot
from workbench.errors import Conflict, InvalidInput, NotFound
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
from workbench.ops.users import generate_password
from workbench.text.storable import TooDeep, json_strings, lone_surrogate

FORMAT = "claim-workbench-dump"
# 2: targets say whether they are retired (taken out of the project, kept for the
# history). A version 1 dump has no such field: its targets were all current.
FORMAT_VERSION = 2

# Keys inside history before/after that hold ids, and the kind of id each holds.
_HISTORY_ID_KEYS = {
    "claim": {
        "new_claim_id": "claim",
        "merged_claim_id": "claim",
        "from_claim_id": "claim",
        "merged_into_id": "claim",
        "moved_annotations": "annotation",
    },
    "speaker": {
        "merged_into_id": "speaker",
        "merged_speaker_id": "speaker",
        "annotations": "annotation",
    },
    "annotation": {"speaker_id": "speaker", "via_id": "speaker", "claim_id": "claim"},
}


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _parse_time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


class _Bad(Exception):
    """A problem with one record; restore_project adds the line it is on."""


class _Keys:
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
        if db_id is None:
            return None
        return self.to_key.get(kind, {}).get(db_id)

    def id(self, kind: str, key: int | None) -> int | None:
        if key is None:
            return None
        try:
            return self.to_id[kind][key]
        except (KeyError, TypeError) as exc:
            raise _Bad(f"it refers to {kind} {key!r}, which the dump does not contain") from exc


def _translate(values: dict | None, entity: str, convert) -> dict | None:
    if values is None:
        return None
    kinds = _HISTORY_ID_KEYS.get(entity, {})
    out: dict[str, Any] = {}
    for name, value in values.items():
        kind = kinds.get(name)
        if kind and isinstance(value, list):
            out[name] = [convert(kind, v) for v in value]
        elif kind and isinstance(value, int):
            out[name] = convert(kind, value)
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


def dump_project(session: Session, project: Project) -> Iterator[dict[str, Any]]:
    """Yield the project's records: a header first, then everything it holds.

    Reads one snapshot (see begin_snapshot, which it calls), so call it on a
    session with no transaction begun; the caller ends the transaction. Raises
    NotFound when the project is gone.
    """
    from workbench import __version__

    begin_snapshot(session)
    fresh = session.get(Project, project.id, populate_existing=True)
    if fresh is None:
        raise NotFound(f"The project {project.name!r} no longer exists.")
    project = fresh
    keys = _Keys()
    users = {
        user_id: username for user_id, username in session.execute(select(User.id, User.username))
    }

    def rows(statement):
        # Objects the session held from an earlier transaction are read again.
        return session.scalars(statement.execution_options(populate_existing=True))

    yield {
        "type": "header",
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "workbench_version": __version__,
    }
    yield {
        "type": "project",
        "name": project.name,
        "description": project.description,
        "guidelines": project.guidelines,
        "codebook_version": project.codebook_version,
        "created_at": _time(project.created_at),
    }
    for target in rows(
        select(Target).where(Target.project_id == project.id).order_by(Target.position, Target.id)
    ):
        yield {
            "type": "target",
            "key": keys.add("target", target.id),
            "name": target.name,
            "description": target.description,
            "position": target.position,
            "retired": target.retired,
        }
    labels = rows(select(Label).where(Label.project_id == project.id)).all()
    # Sorted here, not by the database, whose collation may not be code point order:
    # the same project gives the same dump on every backend.
    for label in sorted(labels, key=lambda label: (label.field, label.position, label.value)):
        yield {
            "type": "label",
            "field": label.field,
            "value": label.value,
            "description": label.description,
            "position": label.position,
        }
    members = session.execute(
        select(User.username, Membership.role)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.project_id == project.id)
    ).all()
    for username, role in sorted(members):
        yield {"type": "member", "username": username, "role": role}
    speakers = rows(
        select(Speaker)
        .where(Speaker.project_id == project.id)
        .order_by(Speaker.id)
        .options(selectinload(Speaker.aliases))
    ).all()
    for speaker in speakers:
        keys.add("speaker", speaker.id)
    for speaker in speakers:
        yield {
            "type": "speaker",
            "key": keys.key("speaker", speaker.id),
            "name": speaker.name,
            "speaker_type": speaker.type,
            "title": speaker.title,
            "aliases": sorted(a.alias for a in speaker.aliases),
            "merged_into": keys.key("speaker", speaker.merged_into_id),
            "created_at": _time(speaker.created_at),
        }
    articles = rows(
        select(Article).where(Article.project_id == project.id).order_by(Article.id)
    ).all()
    for article in articles:
        yield {
            "type": "article",
            "key": keys.add("article", article.id),
            "title": article.title,
            "outlet": article.outlet,
            "author": article.author,
            "url": article.url,
            "published": article.published,
            "language": article.language,
            "dateline": article.dateline,
            "text": article.text,
            "content_hash": article.content_hash,
            "extra": article.extra,
            "source": article.source,
            "imported_by": users.get(article.imported_by_id),
            "created_at": _time(article.created_at),
        }
    # The project's claims by a join, never by a list of ids (which grows with the
    # project past what a statement may carry).
    of_project = select(Article.id).where(Article.project_id == project.id)
    claims = rows(
        select(Claim).where(Claim.article_id.in_(of_project)).order_by(Claim.article_id, Claim.id)
    ).all()
    for claim in claims:
        keys.add("claim", claim.id)
    for claim in claims:
        yield {
            "type": "claim",
            "key": keys.key("claim", claim.id),
            "article": keys.key("article", claim.article_id),
            "position": claim.position,
            "start": claim.start,
            "end": claim.end,
            "state": claim.state,
            "merged_into": keys.key("claim", claim.merged_into_id),
            "created_at": _time(claim.created_at),
        }
    claims_of_project = select(Claim.id).where(Claim.article_id.in_(of_project))
    if claims:
        for suggestion in rows(
            select(Suggestion)
            .where(Suggestion.claim_id.in_(claims_of_project))
            .order_by(Suggestion.id)
        ):
            yield {
                "type": "suggestion",
                "claim": keys.key("claim", suggestion.claim_id),
                "field": suggestion.field,
                "value": suggestion.value,
                "confidence": suggestion.confidence,
                "evidence": suggestion.evidence,
                "source": suggestion.source,
            }
        annotations = rows(
            select(Annotation)
            .where(Annotation.claim_id.in_(claims_of_project))
            .order_by(Annotation.id)
            .options(selectinload(Annotation.stances))
        ).all()
        for annotation in annotations:
            stances = {
                str(keys.key("target", s.target_id)): s.value
                for s in sorted(annotation.stances, key=lambda s: s.target_id)
            }
            yield {
                "type": "annotation",
                "key": keys.add("annotation", annotation.id),
                "claim": keys.key("claim", annotation.claim_id),
                "annotator": users[annotation.user_id],
                "speaker": keys.key("speaker", annotation.speaker_id),
                "via": keys.key("speaker", annotation.via_id),
                "attribution": annotation.attribution,
                "verifiability": annotation.verifiability,
                "note": annotation.note,
                "stances": stances,
                "status": annotation.status,
                "span_changed": annotation.span_changed,
                "codebook_version": annotation.codebook_version,
                "version": annotation.version,
                "created_at": _time(annotation.created_at),
                "updated_at": _time(annotation.updated_at),
            }

    def to_key(kind: str, db_id: int) -> int | None:
        return keys.key(kind, db_id)

    for entry in rows(
        select(HistoryEntry).where(HistoryEntry.project_id == project.id).order_by(HistoryEntry.id)
    ):
        yield {
            "type": "history",
            "entity": entry.entity,
            "entity_key": keys.key(entry.entity, entry.entity_id),
            "claim": keys.key("claim", entry.claim_id),
            "action": entry.action,
            "user": users.get(entry.user_id),
            "at": _time(entry.at),
            "before": _translate(entry.before, entry.entity, to_key),
            "after": _translate(entry.after, entry.entity, to_key),
        }


def dump_lines(session: Session, project: Project) -> Iterator[str]:
    """Yield the dump as JSON Lines text, one record per line (see dump_project)."""
    for record in dump_project(session, project):
        yield json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n"


class _Record(dict):
    """A parsed dump record that knows its line in the file."""

    line: int | None = None


def read_dump(lines: Iterable[str | bytes]) -> Iterator[dict[str, Any]]:
    """Parse dump lines (text, or bytes read as UTF-8) into records.

    Raises InvalidInput naming the bad line: not UTF-8, not JSON, not a record.
    """
    for number, line in enumerate(lines, start=1):
        if isinstance(line, bytes):
            try:
                line = line.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                raise InvalidInput(
                    f"Line {number} of the dump is not UTF-8 text "
                    f"(byte {exc.start + 1} of the line); is it a dump?"
                ) from exc
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InvalidInput(f"Line {number} of the dump is not valid JSON: {exc.msg}.") from exc
        except RecursionError as exc:
            raise InvalidInput(f"Line {number} of the dump is nested too deeply.") from exc
        if not isinstance(record, dict) or "type" not in record:
            raise InvalidInput(f"Line {number} of the dump is not a dump record.")
        record = _Record(record)
        record.line = number
        yield record


# What restore accepts in each field of each kind of record. A check returns
# None when the value is good, else what is wrong with it (after "the KIND's FIELD").
Check = Callable[[Any, bool], str | None]
_INT_RANGE = (-MAX_INT - 1, MAX_INT)  # Integer columns are 32 bits on PostgreSQL


def _text_problem(value: str, postgres: bool) -> str | None:
    at = lone_surrogate(value)
    if at is not None:
        return (
            f"holds a lone surrogate (U+{ord(value[at]):04X}), which is not "
            "valid Unicode text; correct the file"
        )
    if postgres and "\x00" in value:
        return (
            "holds a NUL character (U+0000), which PostgreSQL cannot store in text; "
            "remove it from the file, or restore into SQLite"
        )
    return None


def _text(column=None, *, blank: bool = True, null: bool = False) -> Check:
    """Text that fits ``column`` (its String length), and that the database can store."""
    length = column.type.length if column is not None and isinstance(column.type, String) else None

    def check(value, postgres):
        if value is None and null:
            return None
        if not isinstance(value, str):
            return f"must be text (it is {value!r})"
        if length is not None and len(value) > length:
            return f"must be text of at most {length} characters (it has {len(value)})"
        if not blank and not value.strip():
            return "must not be empty"
        return _text_problem(value, postgres)

    return check


def _choice(options: Iterable[str]) -> Check:
    options = tuple(options)

    def check(value, postgres):
        if value not in options:
            return f"must be one of {', '.join(options)} (it is {value!r})"
        return None

    return check


def _int(*, low: int = _INT_RANGE[0], null: bool = False) -> Check:
    def check(value, postgres):
        if value is None and null:
            return None
        if not isinstance(value, int) or isinstance(value, bool):
            return f"must be a whole number (it is {value!r})"
        if not low <= value <= _INT_RANGE[1]:
            return f"must be a whole number from {low} to {_INT_RANGE[1]} (it is {value})"
        return None

    return check


def _number(value, postgres):
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return f"must be a number (it is {value!r})"
    return None


def _bool(value, postgres):
    return None if isinstance(value, bool) else f"must be true or false (it is {value!r})"


def _time_check(value, postgres):
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return f"must be a time like 2024-05-01T12:00:00+00:00 (it is {value!r})"
    if parsed.tzinfo is None:
        return f"must be a time with its UTC offset (it is {value!r})"
    return None


def _json(*, null: bool = False) -> Check:
    def check(value, postgres):
        if value is None and null:
            return None
        if not isinstance(value, dict):
            return f"must be an object (it is {value!r})"
        return _json_problem(value)

    return check


_MAX_JSON_DEPTH = 100


def _json_problem(value) -> str | None:
    # JSON columns keep a NUL as the escape \u0000, on every backend; a lone
    # surrogate would make the next dump of the restored project fail. No deeper
    # than the workbench ever writes: a hand-made file nested hundreds deep would
    # overflow the stack of what reads it next.
    try:
        for text in json_strings(value, max_depth=_MAX_JSON_DEPTH):
            problem = _text_problem(text, False)
            if problem:
                return problem
    except TooDeep as exc:
        return f"is {exc}"
    return None


def _aliases(value, postgres):
    if not isinstance(value, list):
        return f"must be a list of names (it is {value!r})"
    alias = _text(SpeakerAlias.__table__.c.alias, blank=False)
    for item in value:
        problem = alias(item, postgres)
        if problem:
            return f"has an alias that {problem}"
    if len(set(value)) < len(value):
        return "lists an alias twice"
    return None


def _stances(value, postgres):
    if not isinstance(value, dict):
        return f"must be an object of target keys and stances (it is {value!r})"
    stance = _text(Stance.__table__.c.value, blank=False)
    targets = set()
    for key, item in value.items():
        if not key.isdecimal():
            return f"names a target by {key!r}, which is no target key"
        if int(key) in targets:
            return f"names target {int(key)} twice"
        targets.add(int(key))
        problem = stance(item, postgres)
        if problem:
            return f"has a stance that {problem}"
    return None


_KEY = _int(low=1)
_REF = _int(low=1, null=True)
_USERNAME = _text(User.__table__.c.username, blank=False)

_FIELDS: dict[str, dict[str, Check]] = {
    "project": {
        "name": _text(Project.__table__.c.name, blank=False),
        "description": _text(),
        "guidelines": _text(),
        "codebook_version": _int(),
        "created_at": _time_check,
    },
    "target": {
        "key": _KEY,
        "name": _text(Target.__table__.c.name, blank=False),
        "description": _text(),
        "position": _int(),
    },
    "label": {
        "field": _choice(LABELLED_FIELDS),
        "value": _text(Label.__table__.c.value, blank=False),
        "description": _text(),
        "position": _int(),
    },
    "member": {"username": _USERNAME, "role": _choice(ROLES)},
    "speaker": {
        "key": _KEY,
        "name": _text(Speaker.__table__.c.name, blank=False),
        "speaker_type": _choice(SPEAKER_TYPES),
        "title": _text(Speaker.__table__.c.title),
        "aliases": _aliases,
        "merged_into": _REF,
        "created_at": _time_check,
    },
    "article": {
        "key": _KEY,
        "title": _text(),
        "outlet": _text(Article.__table__.c.outlet),
        "author": _text(Article.__table__.c.author),
        "url": _text(),
        "published": _text(Article.__table__.c.published),
        "language": _text(Article.__table__.c.language),
        "dateline": _text(Article.__table__.c.dateline),
        "text": _text(),
        "content_hash": _text(Article.__table__.c.content_hash, blank=False),
        "extra": _json(),
        "source": _text(),
        "imported_by": _text(User.__table__.c.username, blank=False, null=True),
        "created_at": _time_check,
    },
    "claim": {
        "key": _KEY,
        "article": _KEY,
        "position": _int(),
        "start": _int(low=0),
        "end": _int(low=0),
        "state": _choice(CLAIM_STATES),
        "merged_into": _REF,
        "created_at": _time_check,
    },
    "suggestion": {
        "claim": _KEY,
        "field": _text(Suggestion.__table__.c.field, blank=False),
        "value": _text(Suggestion.__table__.c.value),
        "confidence": _number,
        "evidence": _json(),
        "source": _text(Suggestion.__table__.c.source),
    },
    "annotation": {
        "key": _KEY,
        "claim": _KEY,
        "annotator": _USERNAME,
        "speaker": _REF,
        "via": _REF,
        "attribution": _text(Annotation.__table__.c.attribution),
        "verifiability": _text(Annotation.__table__.c.verifiability),
        "note": _text(),
        "stances": _stances,
        "status": _choice(ANNOTATION_STATUSES),
        "span_changed": _bool,
        "codebook_version": _int(),
        "version": _int(low=1),
        "created_at": _time_check,
        "updated_at": _time_check,
    },
    "history": {
        "entity": _text(HistoryEntry.__table__.c.entity, blank=False),
        "entity_key": _int(null=True),
        "claim": _int(null=True),
        "action": _text(HistoryEntry.__table__.c.action, blank=False),
        "user": _text(User.__table__.c.username, blank=False, null=True),
        "at": _time_check,
        "before": _json(null=True),
        "after": _json(null=True),
    },
}

# What must not repeat within a dump: the database's unique constraints (and keys).
# Fields that dumps of an older format version do not have.
_OPTIONAL: dict[str, dict[str, Check]] = {"target": {"retired": _bool}}

_UNIQUE: dict[str, tuple[tuple[str, ...], ...]] = {
    "target": (("key",), ("name",)),
    "label": (("field", "value"),),
    "member": (("username",),),
    "speaker": (("key",), ("name",)),
    "article": (("key",), ("content_hash",)),
    "claim": (("key",),),
    "suggestion": (("claim", "field"),),
    "annotation": (("key",), ("claim", "annotator")),
}


def _check_record(kind: str, record: dict, line: int, postgres: bool, seen: dict) -> None:
    """Raise _Bad for the first field of ``record`` that restore cannot take, or
    when the record repeats an earlier one."""
    fields = _FIELDS.get(kind)
    if fields is None:
        raise _Bad(f"unknown record type {kind!r}")
    for field, check in fields.items():
        if field not in record:
            raise _Bad(f"the {kind} record has no {field!r}")
        problem = check(record[field], postgres)
        if problem:
            raise _Bad(f"the {kind}'s {field!r} {problem}")
    for field, check in _OPTIONAL.get(kind, {}).items():
        problem = check(record[field], postgres) if field in record else None
        if problem:
            raise _Bad(f"the {kind}'s {field!r} {problem}")
    for names in _UNIQUE.get(kind, ()):
        identity = (kind, names, tuple(record[n] for n in names))
        if identity in seen:
            shown = ", ".join(f"{n} {record[n]!r}" for n in names)
            raise _Bad(f"it repeats the {kind} with {shown} of line {seen[identity]}")
        seen[identity] = line


def _check_version(header: dict) -> None:
    if "format_version" not in header:
        raise InvalidInput("The dump's header has no format version.")
    version = header["format_version"]
    if isinstance(version, int) and not isinstance(version, bool) and version > FORMAT_VERSION:
        raise InvalidInput(
            f"The dump has format version {version}; this workbench reads up to "
            f"{FORMAT_VERSION}. Upgrade the workbench to restore it."
        )
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise InvalidInput(
            f"The dump has format version {version!r}, which no workbench wrote; "
            f"this one reads versions 1 to {FORMAT_VERSION}."
        )


def restore_project(
    session: Session, records: Iterable[dict[str, Any]], *, name: str | None = None
) -> tuple[Project, list[str]]:
    """Recreate a dumped project; return it and the usernames of accounts created.

    ``name`` restores under another name. Each record is checked before it is
    written. Raises InvalidInput for a file that is not a dump, from a newer
    format, or with a record restore cannot take (naming its line), and
    Conflict when the project name is taken. The caller commits, or rolls back
    after an error, so a failed restore leaves nothing behind.
    """
    records = iter(records)
    header = next(records, None)
    if header is None or header.get("type") != "header" or header.get("format") != FORMAT:
        raise InvalidInput("This file is not a Claim Workbench dump (its first line is no header).")
    _check_version(header)
    postgres = session.get_bind().dialect.name == "postgresql"
    if name is not None:
        problem = _FIELDS["project"]["name"](name.strip(), postgres)
        if problem:
            raise InvalidInput(f"The new project name {problem}.")
    keys = _Keys()
    created_users: list[str] = []
    user_ids: dict[str, int] = {}
    seen: dict = {}

    def user_id(username: str | None) -> int | None:
        if username is None:
            return None
        if username not in user_ids:
            user = session.scalar(select(User).where(User.username == username))
            if user is None:
                user = User(
                    username=username,
                    password_hash=generate_password_hash(generate_password()),
                )
                session.add(user)
                session.flush()
                created_users.append(username)
            user_ids[username] = user.id
        return user_ids[username]

    project: Project | None = None
    pending_merges: list[tuple[Any, str, int, str]] = []
    for number, record in enumerate(records, start=2):
        kind = record["type"]
        line = getattr(record, "line", None) or number
        where = f"Line {line} of the dump"
        try:
            _check_record(kind, record, line, postgres, seen)
            if kind == "project":
                if project is not None:
                    raise _Bad("it is a second project record; a dump holds one project")
                project_name = (name or record["name"]).strip()
                if session.scalar(select(Project.id).where(Project.name == project_name)):
                    raise Conflict(
                        f"A project named {project_name!r} exists already; "
                        "restore under another name."
                    )
                project = Project(
                    name=project_name,
                    description=record["description"],
                    guidelines=record["guidelines"],
                    codebook_version=record["codebook_version"],
                    created_at=_parse_time(record["created_at"]),
                )
                session.add(project)
            elif project is None:
                raise _Bad("it comes before the project record")
            else:
                _restore_record(
                    session, project, kind, record, keys, user_id, pending_merges, where
                )
            # A record at a time, so that the database's refusal names its line.
            session.flush()
        except _Bad as exc:
            raise InvalidInput(f"{where}: {exc}.") from exc
        except (IntegrityError, DataError) as exc:
            reason = str(exc.orig).strip().splitlines()[0]
            raise InvalidInput(
                f"{where}: the database refused the {kind} record ({reason})."
            ) from exc
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidInput(f"{where}: the {kind} record is malformed ({exc!r}).") from exc
    if project is None:
        raise InvalidInput("The dump holds no project.")
    for obj, kind, key, where in pending_merges:
        try:
            obj.merged_into_id = keys.id(kind, key)
        except _Bad as exc:
            raise InvalidInput(f"{where}: {exc}.") from exc
    session.flush()
    return project, created_users


def _restore_record(session, project, kind, record, keys, user_id, pending_merges, where) -> None:
    if kind == "target":
        target = Target(
            project_id=project.id,
            name=record["name"],
            description=record["description"],
            position=record["position"],
            retired=record.get("retired", False),
        )
        session.add(target)
        session.flush()
        keys.add("target", target.id, record["key"])
    elif kind == "label":
        session.add(
            Label(
                project_id=project.id,
                field=record["field"],
                value=record["value"],
                description=record["description"],
                position=record["position"],
            )
        )
    elif kind == "member":
        session.add(
            Membership(
                project_id=project.id, user_id=user_id(record["username"]), role=record["role"]
            )
        )
    elif kind == "speaker":
        speaker = Speaker(
            project_id=project.id,
            name=record["name"],
            type=record["speaker_type"],
            title=record["title"],
            created_at=_parse_time(record["created_at"]),
        )
        speaker.aliases = [SpeakerAlias(alias=a) for a in record["aliases"]]
        session.add(speaker)
        session.flush()
        keys.add("speaker", speaker.id, record["key"])
        if record["merged_into"] is not None:
            pending_merges.append((speaker, "speaker", record["merged_into"], where))
    elif kind == "article":
        article = Article(
            project_id=project.id,
            title=record["title"],
            outlet=record["outlet"],
            author=record["author"],
            url=record["url"],
            published=record["published"],
            language=record["language"],
            dateline=record["dateline"],
            text=record["text"],
            content_hash=record["content_hash"],
            extra=record["extra"],
            source=record["source"],
            imported_by_id=user_id(record["imported_by"]),
            created_at=_parse_time(record["created_at"]),
        )
        session.add(article)
        session.flush()
        keys.add("article", article.id, record["key"])
    elif kind == "claim":
        claim = Claim(
            article_id=keys.id("article", record["article"]),
            position=record["position"],
            start=record["start"],
            end=record["end"],
            state=record["state"],
            created_at=_parse_time(record["created_at"]),
        )
        article = session.get(Article, claim.article_id)
        if not 0 <= claim.start < claim.end <= len(article.text):
            raise _Bad(f"claim {record['key']} has offsets outside its article's text")
        session.add(claim)
        session.flush()
        keys.add("claim", claim.id, record["key"])
        if record["merged_into"] is not None:
            pending_merges.append((claim, "claim", record["merged_into"], where))
    elif kind == "suggestion":
        session.add(
            Suggestion(
                claim_id=keys.id("claim", record["claim"]),
                field=record["field"],
                value=record["value"],
                confidence=record["confidence"],
                evidence=record["evidence"],
                source=record["source"],
            )
        )
    elif kind == "annotation":
        annotation = Annotation(
            claim_id=keys.id("claim", record["claim"]),
            user_id=user_id(record["annotator"]),
            speaker_id=keys.id("speaker", record["speaker"]),
            via_id=keys.id("speaker", record["via"]),
            attribution=record["attribution"],
            verifiability=record["verifiability"],
            note=record["note"],
            status=record["status"],
            span_changed=record["span_changed"],
            codebook_version=record["codebook_version"],
            version=record["version"],
            created_at=_parse_time(record["created_at"]),
            updated_at=_parse_time(record["updated_at"]),
        )
        annotation.stances = [
            Stance(target_id=keys.id("target", int(k)), value=v)
            for k, v in record["stances"].items()
        ]
        session.add(annotation)
        session.flush()
        # The ORM numbers versions itself on insert; keep the dumped one.
        session.execute(
            update(Annotation)
            .where(Annotation.id == annotation.id)
            .values(version=record["version"])
            .execution_options(synchronize_session=False)
        )
        session.expire(annotation, ["version"])
        keys.add("annotation", annotation.id, record["key"])
    elif kind == "history":

        def to_id(kind_: str, key: int) -> int | None:
            return keys.to_id.get(kind_, {}).get(key)

        session.add(
            HistoryEntry(
                project_id=project.id,
                entity=record["entity"],
                entity_id=to_id(record["entity"], record["entity_key"]) or 0,
                claim_id=to_id("claim", record["claim"]) if record["claim"] else None,
                action=record["action"],
                user_id=user_id(record["user"]),
                at=_parse_time(record["at"]),
                before=_translate(record["before"], record["entity"], to_id),
                after=_translate(record["after"], record["entity"], to_id),
            )
        )
