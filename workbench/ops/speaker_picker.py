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

How often annotations use each speaker (a ranking key) is counted over the
annotations' speaker and via columns and kept ``USAGE_TTL`` seconds: it orders
equal matches, and a count a few seconds old orders them as well. The registry is
kept in that order too (most used first, then by name), so that a search walks it
once and stops as soon as it has the best ``limit`` matches and one more.
"""

from __future__ import annotations

import time
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from itertools import accumulate
from operator import attrgetter

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from workbench.models import (
    Annotation,
    Article,
    Claim,
    HistoryEntry,
    Project,
    Speaker,
    SpeakerAlias,
    Suggestion,
    User,
)
from workbench.ops.speakers import clean_text, create_speaker_among, speaker_merged_into
from workbench.text.names import fold_name

DEFAULT_LIMIT, MAX_LIMIT = 20, 50
QUERY_LIMIT = 300  # characters of a search (a speaker's name has at most 300)
# Past this many history entries since the index was read, read the registry again
# rather than the entries.
HISTORY_TAIL_LIMIT = 20_000
# On PostgreSQL a transaction may commit a history entry with an id below one that
# is visible already; the entries this far behind the last one seen are read again.
HISTORY_LOOKBACK = 200
USAGE_TTL = 120.0  # seconds the usage counts are kept
# Past this many speakers changed since the ranked registry was built, build it again.
OVERLAY_LIMIT = 1_000

_INDEX_KEY = "speaker-picker-index"
_USAGE_KEY = "speaker-picker-usage"
_PROJECTS_KEPT = 16  # folded registries kept per session factory


@dataclass(frozen=True, slots=True)
class PickerSpeaker:
    """A current speaker as the picker shows and searches it; ``folded`` holds its
    folded name, aliases and title, one a line, for one substring test."""

    id: int
    name: str
    type: str
    title: str
    aliases: tuple[str, ...]
    folded: str

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


def fold(text: str) -> str:
    """``fold_name``, without its work for plain ASCII (the same result: NFKD changes
    no ASCII character, and casefold is lower there)."""
    if text.isascii():
        return " ".join(text.lower().split())
    return fold_name(text)


@dataclass(slots=True)
class _Index:
    """A project's folded registry, as of history entry ``mark``.

    ``base`` holds the speakers in rank order for the usage counts read at
    ``usage_at``; a speaker changed since (created, edited, merged) is in ``stale``,
    and, when current, in ``extra`` instead, until ``base`` is built again.
    """

    speakers: dict[int, PickerSpeaker]
    mark: int
    # Each name and alias in any case (casefold), to the speakers that have it.
    casefolded: dict[str, set[int]] | None = None
    by_name: list[PickerSpeaker] | None = None
    base: _Ranked | None = None
    usage_at: float | None = None
    usage: dict[int, int] = field(default_factory=dict)
    stale: set[int] = field(default_factory=set)
    extra: dict[int, PickerSpeaker] = field(default_factory=dict)


def _picker_speakers(session: Session, condition) -> list[PickerSpeaker]:
    """Read the current speakers matching ``condition`` with their aliases (two queries)."""
    # On the connection: plain rows, without the ORM's result processing.
    connection = session.connection()
    rows = connection.execute(
        select(Speaker.id, Speaker.name, Speaker.type, Speaker.title).where(
            condition, Speaker.merged_into_id.is_(None)
        )
    ).all()
    aliases: dict[int, list[str]] = {}
    for speaker_id, alias in connection.execute(
        select(SpeakerAlias.speaker_id, SpeakerAlias.alias)
        .join(Speaker, Speaker.id == SpeakerAlias.speaker_id)
        .where(condition, Speaker.merged_into_id.is_(None))
        .order_by(SpeakerAlias.speaker_id, SpeakerAlias.alias)
    ):
        aliases.setdefault(speaker_id, []).append(alias)
    speakers = []
    for speaker_id, name, type_, title in rows:
        own = tuple(aliases.get(speaker_id, ()))
        title = title or ""
        folded = "\n".join((fold(name), *map(fold, own), fold(title)))
        speakers.append(PickerSpeaker(speaker_id, name, type_, title, own, folded))
    return speakers


def _history_top(session: Session) -> int:
    """The history's highest id; through the session, which flushes what is pending
    first (the rest reads on its connection, which does not)."""
    return session.scalar(select(func.max(HistoryEntry.id))) or 0


def _index(session: Session, project: Project) -> _Index:
    """Return the project's folded registry: from the cache when the history says it
    is up to date, else brought up to date or read anew (see the module)."""
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
                    old = index.speakers.pop(speaker_id, None)
                    if old is not None and index.casefolded is not None:
                        for text in (old.name, *old.aliases):
                            index.casefolded.get(text.casefold(), set()).discard(old.id)
                # History entries of the project name only its speakers.
                for speaker in _picker_speakers(session, Speaker.id.in_(sorted(changed))):
                    index.speakers[speaker.id] = speaker
                    if index.casefolded is not None:
                        _add_casefolded(index.casefolded, speaker)
                    index.extra[speaker.id] = speaker
                for speaker_id in changed:
                    index.stale.add(speaker_id)
                    if speaker_id not in index.speakers:
                        index.extra.pop(speaker_id, None)
                if len(index.stale) > OVERLAY_LIMIT:
                    index.base = None
            index.mark = top
    if index is None:
        speakers = _picker_speakers(session, Speaker.project_id == project.id)
        index = _Index(speakers={s.id: s for s in speakers}, mark=top)
        if cache is not None:
            kept = [k for k in cache if isinstance(k, tuple) and k and k[0] == _INDEX_KEY]
            if len(kept) >= _PROJECTS_KEPT:
                for old in kept:
                    cache.pop(old, None)
            cache[key] = index
    return index


def _add_casefolded(casefolded: dict[str, set[int]], speaker: PickerSpeaker) -> None:
    for text in (speaker.name, *speaker.aliases):
        casefolded.setdefault(text.casefold(), set()).add(speaker.id)


def clash_candidates(session: Session, project: Project, names: Sequence[str]) -> list[Speaker]:
    """Return, by name and with aliases loaded, every current speaker of the project
    whose name or one of whose aliases is one of ``names`` (read as the registry keeps
    names, ``clean_text``) in any case: all that ``create_speaker_among`` must check a
    new speaker with these names against. Found in the folded registry (see the
    module) rather than by reading the whole registry."""
    index = _index(session, project)
    if index.casefolded is None:
        index.casefolded = {}
        for speaker in index.speakers.values():
            _add_casefolded(index.casefolded, speaker)
    ids: set[int] = set()
    for given in names:
        ids |= index.casefolded.get(clean_text(given).casefold(), set())
    if not ids:
        return []
    return list(
        session.scalars(
            select(Speaker)
            .where(Speaker.id.in_(sorted(ids)), Speaker.merged_into_id.is_(None))
            .options(selectinload(Speaker.aliases))
            .order_by(Speaker.name)
        )
    )


def add_speaker(
    session: Session,
    project: Project,
    name: str,
    *,
    type: str = "person",
    title: str = "",
    aliases: Sequence[str] = (),
    user: User | None = None,
) -> Speaker:
    """``create_speaker`` (the same checks, refusals and history entry), checked
    against the speakers ``clash_candidates`` finds instead of the whole registry.
    Raises InvalidInput or Conflict."""
    others = clash_candidates(session, project, [name, *aliases])
    return create_speaker_among(
        session, project, others, name, type=type, title=title, aliases=aliases, user=user
    )


def _ranked(session: Session, project: Project, index: _Index) -> tuple[_Ranked, dict]:
    """Return the index's ranked speakers (built again after many changes, or when the
    usage counts, read again, changed) and the usage counts they are ranked by."""
    read_at, usage = usage_counts(session, project)
    if index.base is not None and index.usage_at != read_at and usage == index.usage:
        index.usage_at = read_at  # the same counts: the same ranks
    if index.base is None or index.usage_at != read_at:
        by_name = attrgetter("name", "id")
        if index.by_name is None:
            index.by_name = sorted(index.speakers.values(), key=by_name)
        elif index.stale:
            # In order but for the changed speakers at the end: that sorts fast.
            kept = [s for s in index.by_name if s.id not in index.stale]
            index.by_name = sorted([*kept, *index.extra.values()], key=by_name)
        used = sorted(
            (s for s in index.by_name if s.id in usage), key=lambda s: -usage[s.id]
        )  # stable: by name among equal counts
        index.base = _Ranked(used + [s for s in index.by_name if s.id not in usage])
        index.usage_at, index.usage = read_at, usage
        index.stale, index.extra = set(), {}
    return index.base, usage


class _Ranked:
    """Speakers in rank order, with their folded texts in one string (each ending in
    a NUL), so that one ``str.find`` finds the next speaker that contains a query."""

    __slots__ = ("speakers", "starts", "text")

    def __init__(self, speakers: list[PickerSpeaker]) -> None:
        self.speakers = speakers
        folded = [speaker.folded for speaker in speakers]
        self.starts = [0, *accumulate(map(len, folded), lambda at, n: at + n + 1)][:-1]
        self.text = "\0".join(folded) + "\0"

    def containing(self, wanted: str) -> Iterator[PickerSpeaker]:
        """Yield, in rank order, the speakers whose folded texts contain ``wanted``."""
        at = self.text.find(wanted)
        while at >= 0:
            i = bisect_right(self.starts, at) - 1
            yield self.speakers[i]
            nxt = self.starts[i + 1] if i + 1 < len(self.starts) else len(self.text)
            at = self.text.find(wanted, nxt)


def usage_counts(session: Session, project: Project) -> tuple[float, dict[int, int]]:
    """Return when they were counted (``time.monotonic``) and how many annotations name
    each speaker (as the speaker or the via), for the speakers annotations use (of any
    project: look the project's up by id); kept ``USAGE_TTL`` seconds (see the module)."""
    cache = session.info.get("cache")
    key = (_USAGE_KEY, project.id, project.created_at)
    now = time.monotonic()
    cached = cache.get(key) if cache is not None else None
    if cached is not None and now - cached[0] < USAGE_TTL:
        return cached
    # Speaker ids are the project's own: counted over the whole table, along the
    # speaker and via indexes alone (no join to claims and articles), and looked up
    # by the project's speaker ids.
    counts: dict[int, int] = {}
    for column in (Annotation.speaker_id, Annotation.via_id):
        # On the connection: plain rows, without the ORM's result processing.
        for speaker_id, count in session.connection().execute(
            select(column, func.count()).where(column.is_not(None)).group_by(column)
        ):
            counts[speaker_id] = counts.get(speaker_id, 0) + count
    if cache is not None:
        cache[key] = (now, counts)
    return now, counts


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


# Where a match is: at the start of a word (which ranks first), or inside one.
WORD_START, INSIDE = 0, 1


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


def match(speaker: PickerSpeaker, wanted: str) -> tuple[int, str] | None:
    """Return where folded ``wanted`` matches the speaker, as (WORD_START or INSIDE,
    what matched: ``"name"``, ``"alias: ..."`` or ``"title: ..."``), or None. The best
    place wins; between equal ones, the name before an alias before the title."""
    if wanted not in speaker.folded:
        return None
    parts = speaker.folded.split("\n")
    shown = ["name", *(f"alias: {a}" for a in speaker.aliases), f"title: {speaker.title}"]
    best: tuple[int, str] | None = None
    for folded, what in zip(parts, shown, strict=True):
        where = _where(folded, wanted)
        if where is not None and (best is None or where < best[0]):
            best = (where, what)
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
    wanted = fold(query)
    index = _index(session, project)
    base, usage = _ranked(session, project, index)

    def rank(speaker: PickerSpeaker) -> tuple:
        return (-usage.get(speaker.id, 0), speaker.name, speaker.id)

    roster = article_roster_ids(session, article) if article is not None else []
    roster = [i for i in roster if i in index.speakers]
    in_roster = set(roster)
    skip = in_roster | index.stale
    extra = sorted((s for s in index.extra.values() if s.id not in in_roster), key=rank)
    if not wanted:
        others: list[PickerSpeaker] = []
        for speaker in base.speakers:
            if len(others) > limit:
                break
            if speaker.id not in skip:
                others.append(speaker)
        others = sorted([*others, *extra], key=rank)
        hits = [PickerHit(index.speakers[i], True, "") for i in roster]
        hits += [PickerHit(s, False, "") for s in others[: limit + 1]]
        return PickerResult(hits=tuple(hits[:limit]), more=len(hits) > limit)
    # Four groups, in rank order: the roster at word starts, the others at word
    # starts, the roster inside words, the others inside words; each by use, then
    # name. The walk of ``base`` stops once the first two hold limit + 1; the
    # speakers changed since it was built are looked at apart (``extra``).
    groups: list[list[tuple[PickerSpeaker, str]]] = [[], [], [], []]
    for speaker in sorted((index.speakers[i] for i in roster), key=rank):
        found = match(speaker, wanted)
        if found is not None:
            groups[2 * found[0]].append((speaker, found[1]))
    for speaker in base.containing(wanted):
        if len(groups[0]) + len(groups[1]) > limit:
            break
        if speaker.id in skip:
            continue
        where, matched = match(speaker, wanted)
        if where == WORD_START or len(groups[3]) <= limit:
            groups[1 + 2 * where].append((speaker, matched))
    for speaker in extra:
        found = match(speaker, wanted)
        if found is not None:
            groups[1 + 2 * found[0]].append((speaker, found[1]))
    for group in (groups[1], groups[3]):
        group.sort(key=lambda hit: rank(hit[0]))
    hits = [
        PickerHit(speaker, place % 2 == 0, matched)
        for place, group in enumerate(groups)
        for speaker, matched in group
    ]
    return PickerResult(hits=tuple(hits[:limit]), more=len(hits) > limit)
