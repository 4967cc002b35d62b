"""The speaker (or via) an annotation form names: one from the registry, a name typed,
or the claim's suggestion of a speaker the registry does not have yet.

A name typed by hand means the registry's speaker with that name or alias, or else a
new speaker (``find_or_create_speaker``). A name the page pre-filled as a new speaker
from the claim's suggestion, saved as it is, is stricter: the page showed a person the
registry did not know, so the new speaker is created with what the suggester learnt
of it (type, title and aliases), and a registry speaker who meanwhile came to share
that name or an alias with it (in any case) is not taken for it silently: the save is
refused, naming the registry speaker, and the annotator chooses.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from workbench.errors import InvalidInput
from workbench.models import Claim, Project, Speaker, SpeakerAlias, Suggestion, User
from workbench.ops.speakers import (
    ALIAS_LIMIT,
    clean_text,
    create_speaker,
    find_or_create_speaker,
    speaker_merged_into,
)


def registry_speaker_for(
    session: Session, project: Project, speaker_id: int | None, name: str
) -> Speaker | None:
    """Return the current registry speaker a suggestion names: its stored link
    (``speaker_id``, through merges), else the speaker with exactly that name (a
    merged one: the speaker it went into), else
    the only one with exactly that alias; None when there is none (or two share the
    alias: two Hatamis are for the annotator to tell apart). Raises MergeCycle on a
    damaged merge chain."""
    if speaker_id is not None:
        linked = session.get(Speaker, speaker_id)
        if linked is not None and linked.project_id == project.id:
            return speaker_merged_into(session, linked)
    wanted = clean_text(name or "")
    if not wanted:
        return None
    named = _named_exactly(session, project, wanted)
    if named is not None:
        return named
    current = select(Speaker).where(
        Speaker.project_id == project.id, Speaker.merged_into_id.is_(None)
    )
    aliased = list(
        session.scalars(
            current.where(
                exists().where(SpeakerAlias.speaker_id == Speaker.id, SpeakerAlias.alias == wanted)
            ).limit(2)
        )
    )
    return aliased[0] if len(aliased) == 1 else None


def _named_exactly(session: Session, project: Project, name: str) -> Speaker | None:
    """The current speaker named exactly ``name``, or the one a merged speaker of that
    name went into (names are unique in a project, merged ones included)."""
    speaker = session.scalar(
        select(Speaker).where(Speaker.project_id == project.id, Speaker.name == name)
    )
    return speaker_merged_into(session, speaker) if speaker is not None else None


def claim_suggestion(session: Session, claim: Claim, field: str) -> Suggestion | None:
    """Return the claim's stored suggestion for ``field``, if it has one."""
    return session.scalar(
        select(Suggestion).where(Suggestion.claim_id == claim.id, Suggestion.field == field)
    )


def choose_speaker(
    session: Session,
    project: Project,
    claim: Claim,
    field: str,
    *,
    chosen: str,
    new_name: str,
    new_type: str,
    new_title: str | None = None,
    new_aliases: Sequence[str] | None = None,
    prefilled: str = "",
    user: User | None,
    may_add: bool,
) -> int | None:
    """Return the id of the speaker the form's ``field`` ("speaker" or "via") names,
    creating it if it is new; None when none is named.

    ``new_name`` (typed or pre-filled) wins over ``chosen`` (the id picked from the
    list). ``prefilled`` is the new name the page pre-filled from the suggestion (a
    hidden form field). When ``new_name`` is that name and the claim's suggestion for
    ``field``, it means the
    registry speaker of exactly that name (or the one a merged speaker of that name
    went into), else the registry speaker the suggestion is linked to; else a speaker
    is created with ``new_type``, ``new_title`` and ``new_aliases``, or where these
    are None (a form without those fields) with the suggestion's. Raises InvalidInput
    (a bad id, a user who may not add speakers, a bad name or type) or Conflict (the
    name or an alias already names a registry speaker, in any case; a name taken
    meanwhile); nothing is written then.
    """
    name = clean_text(new_name or "")
    if name:
        suggestion = claim_suggestion(session, claim, field) if prefilled else None
        if (
            suggestion is not None
            and clean_text(prefilled) == name
            and clean_text(suggestion.value) == name
        ):
            return _suggested(
                session, project, suggestion, name, new_type, new_title, new_aliases, user, may_add
            )
        if not may_add:
            raise InvalidInput("You may not add speakers to this project.")
        return find_or_create_speaker(
            session,
            project,
            name,
            type=new_type,
            title=new_title or "",
            aliases=list(new_aliases or ()),
            user=user,
        ).id
    if not chosen:
        return None
    try:
        return int(chosen)
    except ValueError as exc:
        raise InvalidInput("Unknown speaker.") from exc


def _suggested(session, project, suggestion, name, new_type, title, aliases, user, may_add):
    """The speaker for a suggested name taken as it is (see choose_speaker)."""
    linked = registry_speaker_for(session, project, suggestion.speaker_id, "")
    exact = _named_exactly(session, project, name)
    if exact is not None:
        return exact.id
    if linked is not None:
        # The suggester matched the name (an alias, a surname) to this registry speaker.
        return linked.id
    if not may_add:
        raise InvalidInput("You may not add speakers to this project.")
    guess = suggestion.evidence.get("speaker") if isinstance(suggestion.evidence, dict) else None
    guess = guess if isinstance(guess, dict) else {}
    if title is None:
        title = guess.get("title") if isinstance(guess.get("title"), str) else ""
    if aliases is None:
        found = guess.get("aliases")
        # What the suggester saw, as far as the registry takes it: an alias longer than
        # an alias may be is left out (the form has no field to shorten it in).
        aliases = (
            [a for a in found if isinstance(a, str) and len(clean_text(a)) <= ALIAS_LIMIT]
            if isinstance(found, list)
            else []
        )
    # create_speaker refuses (Conflict) a name or alias that names a registry speaker
    # by its name or an alias, in any case, saying which one.
    return create_speaker(
        session, project, name, type=new_type, title=title, aliases=aliases, user=user
    ).id
