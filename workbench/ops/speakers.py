"""The project's speaker registry: add, edit, merge (annotations follow)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, selectinload

from workbench.errors import Conflict, InvalidInput, NotFound
from workbench.models import SPEAKER_TYPES, Annotation, Project, Speaker, SpeakerAlias, User
from workbench.ops.history import record


def speaker_record(speaker: Speaker) -> dict:
    """Return the speaker's fields as a plain dict (for the history)."""
    return {
        "name": speaker.name,
        "type": speaker.type,
        "title": speaker.title,
        "aliases": [a.alias for a in speaker.aliases],
        "merged_into_id": speaker.merged_into_id,
    }


def _clean_aliases(name: str, aliases: Sequence[str]) -> list[str]:
    cleaned: list[str] = []
    for alias in aliases:
        alias = " ".join(alias.split())
        if alias and alias != name and alias not in cleaned:
            if len(alias) > 300:
                raise InvalidInput("An alias has at most 300 characters.", field="aliases")
            cleaned.append(alias)
    return cleaned


def _check(session: Session, project: Project, name: str, type_: str, exclude: int | None) -> str:
    name = " ".join(name.split())
    if not name:
        raise InvalidInput("A speaker needs a name.", field="name")
    if len(name) > 300:
        raise InvalidInput("A speaker name has at most 300 characters.", field="name")
    if type_ not in SPEAKER_TYPES:
        raise InvalidInput(
            f"Unknown speaker type {type_!r} (types: {', '.join(SPEAKER_TYPES)}).", field="type"
        )
    query = select(Speaker.id).where(
        Speaker.project_id == project.id, Speaker.name == name, Speaker.merged_into_id.is_(None)
    )
    if exclude is not None:
        query = query.where(Speaker.id != exclude)
    if session.scalar(query) is not None:
        raise Conflict(f"The registry has a speaker named {name!r} already.", field="name")
    return name


def create_speaker(
    session: Session,
    project: Project,
    name: str,
    *,
    type: str = "person",
    title: str = "",
    aliases: Sequence[str] = (),
    user: User | None = None,
) -> Speaker:
    """Add a speaker to the registry and return it. Raises InvalidInput or Conflict."""
    name = _check(session, project, name, type, exclude=None)
    speaker = Speaker(project_id=project.id, name=name, type=type, title=title.strip()[:300])
    speaker.aliases = [SpeakerAlias(alias=a) for a in _clean_aliases(name, aliases)]
    session.add(speaker)
    session.flush()
    record(
        session,
        project_id=project.id,
        entity="speaker",
        entity_id=speaker.id,
        action="create",
        user=user,
        before=None,
        after=speaker_record(speaker),
    )
    return speaker


def update_speaker(
    session: Session,
    speaker: Speaker,
    *,
    name: str,
    type: str,
    title: str,
    aliases: Sequence[str],
    user: User | None,
) -> Speaker:
    """Change a speaker's name, type, title and aliases. Raises InvalidInput or Conflict."""
    project = session.get(Project, speaker.project_id)
    name = _check(session, project, name, type, exclude=speaker.id)
    before = speaker_record(speaker)
    speaker.name, speaker.type, speaker.title = name, type, title.strip()[:300]
    wanted = _clean_aliases(name, aliases)
    speaker.aliases = [a for a in speaker.aliases if a.alias in wanted] + [
        SpeakerAlias(alias=a) for a in wanted if a not in {x.alias for x in speaker.aliases}
    ]
    session.flush()
    after = speaker_record(speaker)
    if after != before:
        record(
            session,
            project_id=speaker.project_id,
            entity="speaker",
            entity_id=speaker.id,
            action="edit",
            user=user,
            before=before,
            after=after,
        )
    return speaker


def merge_speakers(session: Session, source: Speaker, target: Speaker, *, user: User | None) -> int:
    """Merge ``source`` into ``target``: annotations follow, names become aliases.

    ``source`` stays in the database with ``merged_into_id`` set (never deleted).
    Returns the number of annotations that changed. Raises InvalidInput when
    the two are the same, from different projects, or already merged.
    """
    if source.id == target.id:
        raise InvalidInput("Choose two different speakers to merge.")
    if source.project_id != target.project_id:
        raise InvalidInput("Both speakers must belong to the same project.")
    if source.merged_into_id is not None or target.merged_into_id is not None:
        raise InvalidInput("One of these speakers has been merged already.")
    before_target = speaker_record(target)
    before_source = speaker_record(source)
    changed_ids = list(
        session.scalars(
            select(Annotation.id).where(
                or_(Annotation.speaker_id == source.id, Annotation.via_id == source.id)
            )
        )
    )
    for column in (Annotation.speaker_id, Annotation.via_id):
        session.execute(
            update(Annotation)
            .where(column == source.id)
            .values({column.key: target.id, "version": Annotation.version + 1})
            .execution_options(synchronize_session=False)
        )
    names = [source.name, *(a.alias for a in source.aliases)]
    existing = {a.alias for a in target.aliases}
    for alias in names:
        if alias != target.name and alias not in existing:
            target.aliases.append(SpeakerAlias(alias=alias))
            existing.add(alias)
    source.merged_into_id = target.id
    session.flush()
    record(
        session,
        project_id=target.project_id,
        entity="speaker",
        entity_id=source.id,
        action="merged-into",
        user=user,
        before=before_source,
        after={**speaker_record(source), "annotations": changed_ids},
    )
    record(
        session,
        project_id=target.project_id,
        entity="speaker",
        entity_id=target.id,
        action="merge",
        user=user,
        before=before_target,
        after={**speaker_record(target), "merged_speaker_id": source.id},
    )
    session.flush()
    session.expire_all()
    return len(changed_ids)


def get_speaker(session: Session, project: Project, speaker_id: int) -> Speaker:
    """Return a speaker of ``project``; raises NotFound for any other id."""
    speaker = session.get(Speaker, speaker_id)
    if speaker is None or speaker.project_id != project.id:
        raise NotFound("No such speaker in this project.")
    return speaker


def registry(session: Session, project: Project, *, include_merged: bool = False) -> list[Speaker]:
    """Return the project's speakers by name, with aliases loaded."""
    query = (
        select(Speaker)
        .where(Speaker.project_id == project.id)
        .options(selectinload(Speaker.aliases))
        .order_by(Speaker.name)
    )
    if not include_merged:
        query = query.where(Speaker.merged_into_id.is_(None))
    return list(session.scalars(query))
