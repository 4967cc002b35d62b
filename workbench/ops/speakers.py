"""The project's speaker registry: add, edit, merge (annotations follow)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import exists, func, or_, select, update
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.exc import StaleDataError

from workbench.db import lock_for_update, stored_int, unique_or_conflict
from workbench.errors import Conflict, InvalidInput, NotFound
from workbench.fields import SPEAKER, of_kind
from workbench.importing import normalize_text
from workbench.merges import follow_merges
from workbench.models import (
    SPEAKER_TYPES,
    Annotation,
    Project,
    Speaker,
    SpeakerAlias,
    Suggestion,
    User,
)
from workbench.ops.annotations import annotation_record
from workbench.ops.history import record
from workbench.pagination import Page, page_of
from workbench.text.names import lookup_index, named_index

# The annotation fields that name a registry speaker (speaker, via).
_SPEAKER_FIELDS = of_kind(SPEAKER)

_TAKEN = "The registry has a speaker named {name!r} already."


def speaker_record(speaker: Speaker) -> dict:
    """Return the speaker's fields as a plain dict (for the history)."""
    return {
        "name": speaker.name,
        "type": speaker.type,
        "title": speaker.title,
        "aliases": sorted(a.alias for a in speaker.aliases),
        "merged_into_id": speaker.merged_into_id,
    }


def clean_text(text: str) -> str:
    """Return a speaker's name, title or alias as the registry keeps it, however it was
    typed: the text as imports store text (``normalize_text``: control characters,
    byte-order marks and CR removed, NFC), each run of white space one space."""
    return " ".join(normalize_text(text).split())


ALIAS_LIMIT = 300  # characters in one alias


def clean_aliases(name: str, aliases: Sequence[str]) -> list[str]:
    """Return the aliases as the registry keeps them: white space collapsed, without
    empty ones, repeats or the name itself. Raises InvalidInput for one too long."""
    cleaned: list[str] = []
    for alias in aliases:
        alias = clean_text(alias)
        if alias and alias != name and alias not in cleaned:
            if len(alias) > ALIAS_LIMIT:
                raise InvalidInput(
                    f"An alias has at most {ALIAS_LIMIT} characters.", field="aliases"
                )
            cleaned.append(alias)
    return cleaned


def _check(
    session: Session,
    project: Project,
    name: str,
    type_: str,
    others: Sequence[Speaker],
    current: str | None = None,
) -> str:
    """Return the cleaned name, or raise: a bad name or type, or a name that another
    of ``others`` (the project's other current speakers) or a merged speaker has.

    ``current`` is the speaker's name now: kept as it is, it is not checked again
    (a name from before the rules below is left alone).
    """
    name = clean_name(name, type_)
    if name == current:
        return name
    if any(s.name == name for s in others):
        raise Conflict(_TAKEN.format(name=name), field="name")
    # A merged speaker keeps its name (the history refers to it), and names are
    # unique in the table, so the name cannot be given to another speaker.
    merged = _merged_named(session, project, name)
    if merged is not None:
        into = speaker_merged_into(session, merged)
        raise Conflict(
            f"The speaker {name!r} was merged into {into.name!r}; choose that speaker.",
            field="name",
        )
    check_name_free(others, name)
    return name


def clean_name(name: str, type_: str) -> str:
    """Return a speaker's name as the registry keeps it (``clean_text``).
    Raises InvalidInput for an empty or too long name, or an unknown type."""
    name = clean_text(name)
    if not name:
        raise InvalidInput("A speaker needs a name.", field="name")
    if len(name) > 300:
        raise InvalidInput("A speaker name has at most 300 characters.", field="name")
    if type_ not in SPEAKER_TYPES:
        raise InvalidInput(
            f"Unknown speaker type {type_!r} (types: {', '.join(SPEAKER_TYPES)}).", field="type"
        )
    return name


def _merged_named(session: Session, project: Project, name: str) -> Speaker | None:
    """The merged speaker of ``project`` named ``name`` exactly, if there is one (a
    merged speaker keeps its name, which no other speaker may then take)."""
    return session.scalar(
        select(Speaker).where(
            Speaker.project_id == project.id,
            Speaker.name == name,
            Speaker.merged_into_id.is_not(None),
        )
    )


def check_name_free(others: Sequence[Speaker], name: str) -> None:
    """Refuse (Conflict) a name that names another of ``others`` (the current speakers
    but this one) by name or alias, in any case: a typed name must lead to one
    speaker only."""
    other = _named(others, name, str.casefold)
    if other is not None:
        raise Conflict(
            f"{name!r} already names the speaker {other.name!r} (as its name or an "
            "alias, in any case); choose that speaker or another name.",
            field="name",
        )


def _others(session: Session, project: Project, speaker_id: int | None) -> list[Speaker]:
    """The project's current speakers but ``speaker_id``, with aliases: what a name
    or an alias must not clash with (read once per create or update)."""
    return [s for s in registry(session, project) if s.id != speaker_id]


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
    return create_speaker_among(
        session,
        project,
        _others(session, project, None),
        name,
        type=type,
        title=title,
        aliases=aliases,
        user=user,
    )


def create_speaker_among(
    session: Session,
    project: Project,
    others: Sequence[Speaker],
    name: str,
    *,
    type: str = "person",
    title: str = "",
    aliases: Sequence[str] = (),
    user: User | None = None,
) -> Speaker:
    """``create_speaker``, with the current speakers whose names and aliases the new
    one is checked against already read: the whole registry, or (as the speaker
    picker does, ops.speaker_picker) every current speaker that has the name or one
    of the aliases in any case, by name (the others cannot clash). With aliases
    loaded. Raises InvalidInput or Conflict."""
    name = _check(session, project, name, type, others)
    cleaned = clean_aliases(name, aliases)
    check_aliases_free(others, cleaned)
    speaker = Speaker(project_id=project.id, name=name, type=type, title=clean_text(title)[:300])
    speaker.aliases = [SpeakerAlias(alias=a) for a in cleaned]
    with unique_or_conflict(session, _TAKEN.format(name=name), field="name"):
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


def find_or_create_speaker(session: Session, project: Project, name: str, **new) -> Speaker:
    """Return the registry's speaker with this name or alias, or a new one made
    by create_speaker with the keyword arguments ``new`` (type, title, aliases, user).

    An annotator who types a name the registry knows (as a name or as an alias)
    means that speaker, not a second one. Raises what create_speaker raises.
    """
    # The name or an alias as typed, by index, before the whole registry is read
    # for a match in any case (the same order of preference as lookup).
    wanted = clean_text(name)
    current = select(Speaker).where(
        Speaker.project_id == project.id, Speaker.merged_into_id.is_(None)
    )
    existing = session.scalar(current.where(Speaker.name == wanted)) or session.scalar(
        current.where(
            exists().where(SpeakerAlias.speaker_id == Speaker.id, SpeakerAlias.alias == wanted)
        )
        .order_by(Speaker.name)
        .limit(1)
    )
    if existing is None:
        existing = lookup(registry(session, project), name)
    if existing is not None:
        return existing
    return create_speaker(session, project, name, **new)


def lookup(speakers: Sequence[Speaker], name: str) -> Speaker | None:
    """The speaker a typed name means: by name, else by alias; exactly, else in any case."""
    found = lookup_index(_entries(speakers), clean_text(name))
    return None if found is None else speakers[found]


def _entries(speakers: Sequence[Speaker]) -> list[tuple[str, list[str]]]:
    """The speakers as (name, aliases) pairs, for ``workbench.text.names``."""
    return [(s.name, [a.alias for a in s.aliases]) for s in speakers]


def _named(speakers: Sequence[Speaker], wanted: str, fold) -> Speaker | None:
    """The speaker whose name, or else one of whose aliases, is ``wanted`` under ``fold``."""
    found = named_index(_entries(speakers), wanted, fold)
    return None if found is None else speakers[found]


def check_aliases_free(others: Sequence[Speaker], aliases: Sequence[str]) -> None:
    """Refuse an alias that names another speaker (by name or alias, in any case):
    a typed name must lead to one speaker only."""
    for alias in aliases:
        other = _named(others, alias, str.casefold)
        if other is not None:
            raise Conflict(
                f"The alias {alias!r} already names the speaker {other.name!r}.",
                field="aliases",
            )


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
    """Change a speaker's name, type, title and aliases. Raises InvalidInput or Conflict.

    A merged speaker stays as it was when merged (InvalidInput): edit the one it went into.
    """
    if speaker.merged_into_id is not None:
        raise InvalidInput("This speaker was merged into another one; edit that one instead.")
    project = session.get(Project, speaker.project_id)
    others = _others(session, project, speaker.id)
    name = _check(session, project, name, type, others, current=speaker.name)
    before = speaker_record(speaker)
    wanted = clean_aliases(name, aliases)
    # Only aliases this speaker did not have: one shared from before the rule (or
    # from a restored dump) does not block every other edit of the speaker.
    had = {a.alias for a in speaker.aliases}
    check_aliases_free(others, [a for a in wanted if a not in had])
    # Changed inside the savepoint: opening it flushes what is pending.
    with unique_or_conflict(session, _TAKEN.format(name=name), field="name"):
        speaker.name, speaker.type, speaker.title = name, type, clean_text(title)[:300]
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
    Each changed annotation's version moves on and gets a history entry.
    Returns the number of annotations that changed. Raises InvalidInput when
    the two are the same, from different projects, or already merged; Conflict
    when one of the annotations was saved meanwhile.
    """
    if source.id == target.id:
        raise InvalidInput("Choose two different speakers to merge.")
    if source.project_id != target.project_id:
        raise InvalidInput("Both speakers must belong to the same project.")
    # Locked (on PostgreSQL) and read again: a save that is naming either one
    # holds it FOR KEY SHARE (see ops.annotations) and finishes first, and a
    # merge of either at the same moment is seen.
    lock_for_update(
        session,
        select(Speaker).where(Speaker.id.in_([source.id, target.id])).order_by(Speaker.id),
    )
    if source.merged_into_id is not None or target.merged_into_id is not None:
        raise InvalidInput("One of these speakers has been merged already.")
    before_target = speaker_record(target)
    before_source = speaker_record(source)
    affected = list(
        session.scalars(
            select(Annotation)
            .where(or_(*(getattr(Annotation, f.column) == source.id for f in _SPEAKER_FIELDS)))
            .options(
                selectinload(Annotation.stances),
                *(selectinload(getattr(Annotation, f.name)) for f in _SPEAKER_FIELDS),
            )
            .order_by(Annotation.id)
        )
    )
    changed_ids = [annotation.id for annotation in affected]
    annotations_before = [annotation_record(annotation) for annotation in affected]
    # Through the ORM, so that each version moves on once and a form opened
    # before the merge cannot save over it unseen.
    for annotation in affected:
        for f in _SPEAKER_FIELDS:
            if getattr(annotation, f.column) == source.id:
                setattr(annotation, f.name, target)
    names = [source.name, *(a.alias for a in source.aliases)]
    existing = {a.alias for a in target.aliases}
    for alias in names:
        if alias != target.name and alias not in existing:
            target.aliases.append(SpeakerAlias(alias=alias))
            existing.add(alias)
    source.merged_into_id = target.id
    try:
        session.flush()
    except StaleDataError as exc:
        raise Conflict(
            "An annotation of this speaker was saved during the merge; nothing was merged. "
            "Try again."
        ) from exc
    # Suggestions follow too (one statement, however many name the speaker): they
    # name the speaker the registry keeps, by its name.
    session.execute(
        update(Suggestion)
        .where(Suggestion.speaker_id == source.id)
        .values(speaker_id=target.id, value=target.name)
        .execution_options(synchronize_session=False)
    )
    for annotation, before in zip(affected, annotations_before, strict=True):
        record(
            session,
            project_id=target.project_id,
            entity="annotation",
            entity_id=annotation.id,
            claim_id=annotation.claim_id,
            action="speaker-merged",
            user=user,
            before=before,
            after=annotation_record(annotation),
        )
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


def speaker_merged_into(session: Session, speaker: Speaker) -> Speaker:
    """Return the speaker ``speaker`` was merged into, through every later merge (the
    speaker itself when it is current). Raises MergeCycle (409) on a cycle."""
    return follow_merges(
        speaker,
        lambda s: session.get(Speaker, s.merged_into_id) if s.merged_into_id else None,
        what="speaker",
        key=lambda s: s.id,
        show=lambda s: repr(s.name),
    )


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


SPEAKERS_PAGE = 100


def speaker_page(
    session: Session,
    project: Project,
    *,
    page: int | None = None,
    size: int = SPEAKERS_PAGE,
    search: str = "",
) -> tuple[Page, list[Speaker]]:
    """Return page ``page`` (from 1) of the project's current speakers by name (then
    id), with aliases loaded; with ``search``, only those whose name or an alias
    contains it (read as the registry keeps names, ``clean_text``), in any case.
    Raises NotFound for a page after the last."""
    query = select(Speaker).where(
        Speaker.project_id == project.id, Speaker.merged_into_id.is_(None)
    )
    search = clean_text(search)
    if search:
        query = query.where(
            or_(
                Speaker.name.icontains(search, autoescape=True),
                exists().where(
                    SpeakerAlias.speaker_id == Speaker.id,
                    SpeakerAlias.alias.icontains(search, autoescape=True),
                ),
            )
        )
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    current = page_of(page, size, total or 0)
    speakers = session.scalars(
        query.options(selectinload(Speaker.aliases))
        .order_by(Speaker.name, Speaker.id)
        .offset(current.offset)
        .limit(current.size)
    )
    return current, list(speakers)


def speakers_named(session: Session, project: Project, given: Sequence[str]) -> list[Speaker]:
    """Return the project's speakers (merged ones too) whose ids are among ``given``
    (form values: anything but an id of the project is left out), by name."""
    ids = {number for number in map(stored_int, given) if number is not None}
    if not ids:
        return []
    return list(
        session.scalars(
            select(Speaker)
            .where(Speaker.project_id == project.id, Speaker.id.in_(sorted(ids)))
            .order_by(Speaker.name)
        )
    )


def speaker_count(session: Session, project: Project) -> int:
    """Return how many current (not merged) speakers the project's registry has."""
    return session.scalar(
        select(func.count())
        .select_from(Speaker)
        .where(Speaker.project_id == project.id, Speaker.merged_into_id.is_(None))
    )


def find_speaker(session: Session, project: Project, given: str) -> Speaker:
    """Return the project's current speaker that ``given`` names: its id, else its
    exact name, else its exact alias, else its name in any case (``given`` read as
    the registry keeps names, ``clean_text``).

    Raises NotFound when none does, InvalidInput when several do (say the id then).
    """
    given = clean_text(given or "")
    if not given:
        raise InvalidInput("Name a speaker, by its id or its name.")
    current = select(Speaker).where(
        Speaker.project_id == project.id, Speaker.merged_into_id.is_(None)
    )
    if given.isascii() and given.isdigit():
        number = stored_int(given)
        speaker = (
            session.scalar(current.where(Speaker.id == number)) if number is not None else None
        )
        if speaker is None:
            raise NotFound(f"No current speaker has the id {given[:20]}.")
        return speaker
    for condition in (
        Speaker.name == given,
        exists().where(SpeakerAlias.speaker_id == Speaker.id, SpeakerAlias.alias == given),
        func.lower(Speaker.name) == given.lower(),
    ):
        found = list(session.scalars(current.where(condition).order_by(Speaker.id).limit(2)))
        if len(found) == 1:
            return found[0]
        if found:
            raise InvalidInput(
                f"{given!r} names more than one speaker ({found[0].name!r}, {found[1].name!r}); "
                "give the id (shown in the list) instead."
            )
    raise NotFound(f"No current speaker is named {given!r}; give its id or its exact name.")


def registry_speaker_named(
    session: Session,
    project: Project,
    names: Sequence[str],
    others: Sequence[Speaker] | None = None,
) -> Speaker | None:
    """Return the current speaker that one of ``names`` (read as the registry keeps
    names, ``clean_text``) already names, as create_speaker would refuse it: by name
    or alias in any case, or as the name of a merged speaker (then the speaker it went
    into); None when none does. For telling a refused caller which speaker to choose.

    ``others``: the current speakers to look among, by name, when they are read
    already (as for ``create_speaker_among``); the whole registry without it."""
    current = registry(session, project) if others is None else others
    for given in names:
        wanted = clean_text(given)
        if not wanted:
            continue
        found = _named(current, wanted, str.casefold)
        if found is not None:
            return found
        merged = _merged_named(session, project, wanted)
        if merged is not None:
            return speaker_merged_into(session, merged)
    return None


def merged_speakers(session: Session, project_id: int) -> dict[int, int]:
    """{merged speaker id: the speaker its merge chain ends in} for a project. Raises
    MergeCycle on a damaged chain."""
    into = dict(
        session.execute(
            select(Speaker.id, Speaker.merged_into_id).where(
                Speaker.project_id == project_id, Speaker.merged_into_id.is_not(None)
            )
        ).all()
    )
    return {s: follow_merges(s, into.get, what="speaker") for s in into}
