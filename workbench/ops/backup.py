"""Dump a whole project to JSON Lines and restore it, on any instance and backend.

The dump is a header line, then one record per line, in an order that lets
restore insert each record after what it refers to. Records use dump-local
keys (1, 2, 3... per kind, in id order) instead of database ids, so that
dump -> restore -> dump gives identical records on any database. Users are
named by username; restore creates the accounts it does not find (with a
random password that an admin must reset).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from workbench.errors import Conflict, InvalidInput
from workbench.models import (
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

FORMAT = "claim-workbench-dump"
FORMAT_VERSION = 1

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


class _Keys:
    """Maps between database ids and dump-local keys, per kind of record."""

    def __init__(self) -> None:
        self.to_key: dict[str, dict[int, int]] = {}
        self.to_id: dict[str, dict[int, int]] = {}

    def add(self, kind: str, db_id: int, key: int | None = None) -> int:
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
        except KeyError as exc:
            raise InvalidInput(
                f"The dump refers to {kind} {key}, which it does not contain."
            ) from exc


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
    """Yield the project's records: a header first, then everything it holds."""
    from workbench import __version__

    keys = _Keys()
    users = {u.id: u.username for u in session.scalars(select(User))}
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
    for target in session.scalars(
        select(Target).where(Target.project_id == project.id).order_by(Target.position, Target.id)
    ):
        yield {
            "type": "target",
            "key": keys.add("target", target.id),
            "name": target.name,
            "description": target.description,
            "position": target.position,
        }
    for label in session.scalars(
        select(Label)
        .where(Label.project_id == project.id)
        .order_by(Label.field, Label.position, Label.value)
    ):
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
        .order_by(User.username)
    ).all()
    for username, role in members:
        yield {"type": "member", "username": username, "role": role}
    speakers = list(
        session.scalars(
            select(Speaker).where(Speaker.project_id == project.id).order_by(Speaker.id)
        )
    )
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
    articles = session.scalars(
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
    article_ids = [a.id for a in articles]
    claims = (
        session.scalars(
            select(Claim)
            .where(Claim.article_id.in_(article_ids))
            .order_by(Claim.article_id, Claim.id)
        ).all()
        if article_ids
        else []
    )
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
    claim_ids = [c.id for c in claims]
    if claim_ids:
        for suggestion in session.scalars(
            select(Suggestion).where(Suggestion.claim_id.in_(claim_ids)).order_by(Suggestion.id)
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
        annotations = session.scalars(
            select(Annotation).where(Annotation.claim_id.in_(claim_ids)).order_by(Annotation.id)
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

    for entry in session.scalars(
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
    """Yield the dump as JSON Lines text, one record per line."""
    for record in dump_project(session, project):
        yield json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n"


def read_dump(lines: Iterable[str]) -> Iterator[dict[str, Any]]:
    """Parse dump lines into records; raises InvalidInput naming the bad line."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InvalidInput(f"Line {number} of the dump is not valid JSON: {exc.msg}.") from exc
        if not isinstance(record, dict) or "type" not in record:
            raise InvalidInput(f"Line {number} of the dump is not a dump record.")
        yield record


def restore_project(
    session: Session, records: Iterable[dict[str, Any]], *, name: str | None = None
) -> tuple[Project, list[str]]:
    """Recreate a dumped project; return it and the usernames of accounts created.

    ``name`` restores under another name. Raises InvalidInput for a file that
    is not a dump (or from a newer format) and Conflict when the project name
    is taken. The caller commits, so a failed restore leaves nothing behind.
    """
    records = iter(records)
    header = next(records, None)
    if header is None or header.get("type") != "header" or header.get("format") != FORMAT:
        raise InvalidInput("This file is not a Claim Workbench dump (its first line is no header).")
    version = header.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise InvalidInput(
            f"The dump has format version {version}; this workbench reads up to "
            f"{FORMAT_VERSION}. Upgrade the workbench to restore it."
        )
    keys = _Keys()
    created_users: list[str] = []
    user_ids: dict[str, int] = {}

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
    pending_merges: list[tuple[Any, str, int]] = []
    for record in records:
        kind = record["type"]
        try:
            if kind == "project":
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
                session.flush()
                continue
            if project is None:
                raise InvalidInput("The dump has records before its project record.")
            _restore_record(session, project, kind, record, keys, user_id, pending_merges)
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidInput(f"A {kind} record of the dump is malformed: {exc!r}.") from exc
    if project is None:
        raise InvalidInput("The dump holds no project.")
    for obj, kind, key in pending_merges:
        obj.merged_into_id = keys.id(kind, key)
    session.flush()
    return project, created_users


def _restore_record(session, project, kind, record, keys, user_id, pending_merges) -> None:
    if kind == "target":
        target = Target(
            project_id=project.id,
            name=record["name"],
            description=record["description"],
            position=record["position"],
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
            pending_merges.append((speaker, "speaker", record["merged_into"]))
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
            raise InvalidInput(f"Claim {record['key']} of the dump has offsets outside its text.")
        session.add(claim)
        session.flush()
        keys.add("claim", claim.id, record["key"])
        if record["merged_into"] is not None:
            pending_merges.append((claim, "claim", record["merged_into"]))
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
    else:
        raise InvalidInput(f"Unknown record type {kind!r} in the dump.")
