"""The annotate page's speaker picker: the registry searched as one types.

A search folds the typed text as ``workbench.text.names.fold_name`` does (case,
diacritics, apostrophes, white space) and looks for it in each current speaker's
folded name, aliases and title. The model stores no folded column, so the folded
registry is kept in the session factory's cache (``session.info["cache"]``, see
db.make_session_factory), one per project, and brought up to date from the
history: every change of a speaker (created, edited, merged) appends a history
entry naming it (ops.speakers), so a search first reads the history's highest id
(one look-up in its primary key) and, when it moved on, re-reads only the speakers
named by the entries since (or the whole registry, after more than
``HISTORY_TAIL_LIMIT`` entries). A session without that cache reads the whole
registry every time.

How often annotations use each speaker (the last ranking key) is counted over the
annotations' speaker and via indexes and kept ``USAGE_TTL`` seconds: it orders
equal matches, and a count a few seconds old orders them as well.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import func, select, union_all
from sqlalchemy.orm import Session

from workbench.models import (
    Annotation,
    Article,
    Claim,
    HistoryEntry,
    Project,
    Speaker,
    SpeakerAlias,
    Suggestion,
)
from workbench.ops.speakers import speaker_merged_into
from workbench.text.names import fold_name

DEFAULT_LIMIT, MAX_LIMIT = 20, 50
QUERY_LIMIT = 300  # characters of a search (a speaker's name has at most 300)
# Past this many history entries since the index was read, read the registry again
# rather than the entries.
HISTORY_TAIL_LIMIT = 20_000
# On PostgreSQL a transaction may commit a history entry with an id below one that
# is visible already; the entries this far behind the last one seen are read again.
HISTORY_LOOKBACK = 200
USAGE_TTL = 30.0  # seconds a usage count is kept

_INDEX_KEY = "speaker-picker-index"
_USAGE_KEY = "speaker-picker-usage"
_PROJECTS_KEPT = 16  # folded registries kept per session factory


@dataclass(frozen=True, slots=True)
class PickerSpeaker:
    """A current speaker as the picker shows and searches it."""

    id: int
    name: str
    type: str
    title: str
    aliases: tuple[str, ...]
    folded_name: str
    folded_title: str
    folded_aliases: tuple[str, ...]

    def as_record(self) -> dict:
        return {
            "id": self.id,
            "name": self.name,
            "type": self.type,
            "title": self.title,
            "aliases": list(self.aliases),
        }


@dataclass(frozen=True, slots=True)
class PickerHit:
    """One speaker of a search's answer, with what matched (``""`` for none)."""

    speaker: PickerSpeaker
    in_roster: bool
    matched: str

    def as_record(self) -> dict:
        return {**self.speaker.as_record(), "in_roster": self.in_roster, "matched": self.matched}


@dataclass(frozen=True, slots=True)
class PickerResult:
    hits: tuple[PickerHit, ...]
    more: bool

    def as_record(self) -> dict:
        return {"speakers": [hit.as_record() for hit in self.hits], "more": self.more}


@dataclass(slots=True)
class _Index:
    """A project's folded registry, as of history entry ``mark``."""

    speakers: dict[int, PickerSpeaker]
    mark: int
    order: list[PickerSpeaker] = field(default_factory=list)  # by name, then id

    def sort(self) -> None:
        self.order = sorted(self.speakers.values(), key=lambda s: (s.name, s.id))


def _picker_speakers(session: Session, condition) -> list[PickerSpeaker]:
    """Read the current speakers matching ``condition`` with their aliases (two queries)."""
    rows = session.execute(
        select(Speaker.id, Speaker.name, Speaker.type, Speaker.title).where(
            condition, Speaker.merged_into_id.is_(None)
        )
    ).all()
    aliases: dict[int, list[str]] = {}
    for speaker_id, alias in session.execute(
        select(SpeakerAlias.speaker_id, SpeakerAlias.alias)
        .join(Speaker, Speaker.id == SpeakerAlias.speaker_id)
        .where(condition, Speaker.merged_into_id.is_(None))
        .order_by(SpeakerAlias.speaker_id, SpeakerAlias.alias)
    ):
        aliases.setdefault(speaker_id, []).append(alias)
    return [
        PickerSpeaker(
            id=speaker_id,
            name=name,
            type=type_,
            title=title or "",
            aliases=tuple(aliases.get(speaker_id, ())),
            folded_name=fold_name(name),
            folded_title=fold_name(title or ""),
            folded_aliases=tuple(fold_name(a) for a in aliases.get(speaker_id, ())),
        )
        for speaker_id, name, type_, title in rows
    ]


def _history_top(session: Session) -> int:
    return session.scalar(select(func.max(HistoryEntry.id))) or 0


def picker_index(session: Session, project: Project) -> list[PickerSpeaker]:
    """Return the project's current speakers, folded, by name (then id): from the
    cache when the history says it is up to date (see the module)."""
    top = _history_top(session)
    cache = session.info.get("cache")
    key = (_INDEX_KEY, project.id, project.created_at)
    index: _Index | None = cache.get(key) if cache is not None else None
    if index is not None and index.mark != top:
        if top - index.mark > HISTORY_TAIL_LIMIT or top < index.mark:
            index = None
        else:
            changed = set(
                session.scalars(
                    select(HistoryEntry.entity_id).where(
                        HistoryEntry.id > max(index.mark - HISTORY_LOOKBACK, 0),
                        HistoryEntry.id <= top,
                        HistoryEntry.project_id == project.id,
                        HistoryEntry.entity == "speaker",
                    )
                )
            )
            if changed:
                for speaker_id in changed:
                    index.speakers.pop(speaker_id, None)
                # History entries of the project name only its speakers.
                for speaker in _picker_speakers(session, Speaker.id.in_(sorted(changed))):
                    index.speakers[speaker.id] = speaker
                index.sort()
            index.mark = top
    if index is None:
        speakers = _picker_speakers(session, Speaker.project_id == project.id)
        index = _Index(speakers={s.id: s for s in speakers}, mark=top)
        index.sort()
        if cache is not None:
            kept = [k for k in cache if isinstance(k, tuple) and k and k[0] == _INDEX_KEY]
            if len(kept) >= _PROJECTS_KEPT:
                for old in kept:
                    cache.pop(old, None)
            cache[key] = index
    return index.order


def usage_counts(session: Session, project: Project) -> dict[int, int]:
    """Return how many annotations name each speaker (as the speaker or the via), for
    the speakers annotations use; kept ``USAGE_TTL`` seconds (see the module)."""
    cache = session.info.get("cache")
    key = (_USAGE_KEY, project.id, project.created_at)
    now = time.monotonic()
    cached = cache.get(key) if cache is not None else None
    if cached is not None and now - cached[0] < USAGE_TTL:
        return cached[1]
    # Speaker ids are the project's own, so counting over the whole table and
    # keeping only the project's speakers needs no join to claims and articles.
    uses = union_all(
        select(Annotation.speaker_id.label("sid")).where(Annotation.speaker_id.is_not(None)),
        select(Annotation.via_id.label("sid")).where(Annotation.via_id.is_not(None)),
    ).subquery()
    counts = {
        speaker_id: count
        for speaker_id, count in session.execute(
            select(uses.c.sid, func.count())
            .select_from(uses)
            .join(Speaker, Speaker.id == uses.c.sid)
            .where(Speaker.project_id == project.id)
            .group_by(uses.c.sid)
        )
    }
    if cache is not None:
        cache[key] = (now, counts)
    return counts


def article_roster_ids(session: Session, article: Article) -> list[int]:
    """Return the registry speakers of the article's roster, in order of first
    appearance in its text: those its claims' stored suggestions name (speaker and
    via), and those anyone's annotations of its claims name. Merged speakers are
    given as the speaker they went into."""
    first: dict[int, int] = {}
    suggested = (
        select(Suggestion.speaker_id, Claim.start)
        .join(Claim, Claim.id == Suggestion.claim_id)
        .where(Claim.article_id == article.id, Suggestion.speaker_id.is_not(None))
    )
    annotated = [
        select(getattr(Annotation, column), Claim.start)
        .join(Claim, Claim.id == Annotation.claim_id)
        .where(Claim.article_id == article.id, getattr(Annotation, column).is_not(None))
        for column in ("speaker_id", "via_id")
    ]
    for statement in (suggested, *annotated):
        for speaker_id, start in session.execute(statement):
            if speaker_id not in first or start < first[speaker_id]:
                first[speaker_id] = start
    if not first:
        return []
    merged = set(
        session.scalars(
            select(Speaker.id).where(
                Speaker.id.in_(sorted(first)), Speaker.merged_into_id.is_not(None)
            )
        )
    )
    ordered: list[int] = []
    for speaker_id in sorted(first, key=lambda s: (first[s], s)):
        if speaker_id in merged:
            speaker_id = speaker_merged_into(session, session.get(Speaker, speaker_id)).id
        if speaker_id not in ordered:
            ordered.append(speaker_id)
    return ordered


# What a match is worth: at the start of a word, then inside one; among equal ones,
# the name before an alias before the title.
WORD_START, INSIDE = 0, 1
_FIELD_RANK = {"name": 0, "alias": 1, "title": 2}


def _where(folded: str, wanted: str) -> int | None:
    """Return WORD_START when ``wanted`` occurs in ``folded`` at the start of a word,
    INSIDE when only inside one, None when not at all."""
    at = folded.find(wanted)
    if at < 0:
        return None
    while at >= 0:
        if at == 0 or not folded[at - 1].isalnum():
            return WORD_START
        at = folded.find(wanted, at + 1)
    return INSIDE


def match(speaker: PickerSpeaker, wanted: str) -> tuple[int, int, str] | None:
    """Return how well folded ``wanted`` matches the speaker, as (WORD_START or INSIDE,
    field rank, what matched: ``"name"``, ``"alias: ..."``, ``"title: ..."``), or None."""
    best: tuple[int, int, str] | None = None
    candidates: Iterable[tuple[str, str, str]] = (
        ("name", speaker.folded_name, ""),
        *(("alias", f, a) for f, a in zip(speaker.folded_aliases, speaker.aliases, strict=True)),
        ("title", speaker.folded_title, speaker.title),
    )
    for kind, folded, shown in candidates:
        if wanted not in folded:
            continue
        where = _where(folded, wanted)
        found = (where, _FIELD_RANK[kind], kind if kind == "name" else f"{kind}: {shown}")
        if best is None or found[:2] < best[:2]:
            best = found
    return best


def search_speakers(
    session: Session,
    project: Project,
    query: str,
    *,
    article: Article | None = None,
    limit: int = DEFAULT_LIMIT,
) -> PickerResult:
    """Return up to ``limit`` current speakers for the picker and whether more match.

    With a query: those whose folded name, an alias or the title contains the folded
    query; a match at a word's start before one inside a word, then the article's
    roster (``article_roster_ids``) first, then the most used (``usage_counts``), then
    by name. Without one: the article's roster in order of first appearance, then the
    most used speakers, then by name. ``article`` must be of ``project``.
    """
    wanted = fold_name(query)
    speakers = picker_index(session, project)
    roster = article_roster_ids(session, article) if article is not None else []
    in_roster = {speaker_id: place for place, speaker_id in enumerate(roster)}
    usage = usage_counts(session, project)
    if not wanted:
        by_id = {s.id: s for s in speakers} if roster else {}
        first = [by_id[i] for i in roster if i in by_id]
        rest = sorted(
            (s for s in speakers if s.id not in in_roster),
            key=lambda s: -usage.get(s.id, 0),
        )  # stable: by name among equal counts
        ordered = [*first, *rest]
        hits = [PickerHit(s, s.id in in_roster, "") for s in ordered[:limit]]
        return PickerResult(hits=tuple(hits), more=len(ordered) > limit)
    found: list[tuple[tuple, PickerSpeaker, str]] = []
    for speaker in speakers:
        quality = match(speaker, wanted)
        if quality is None:
            continue
        where, field_rank, matched = quality
        key = (where, speaker.id not in in_roster, -usage.get(speaker.id, 0), field_rank)
        found.append((key, speaker, matched))
    found.sort(key=lambda item: item[0])  # stable: by name, then id, among equals
    hits = [PickerHit(s, s.id in in_roster, matched) for _, s, matched in found[:limit]]
    return PickerResult(hits=tuple(hits), more=len(found) > limit)
