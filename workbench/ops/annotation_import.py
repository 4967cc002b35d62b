"""Storing earlier annotations read from a CSV (workbench/importing_annotations.py).

All or nothing: every row is matched first (its claim, its annotator, its speakers,
the annotation the annotator may have of that claim already) with a few bulk queries,
and the file is refused, with every problem line by line, before anything is written.
Then new annotations are inserted in bulk, with their stances and one history entry
each, exactly as a first save writes them (``ops.annotations``); an annotation that
exists is replaced only when the caller says so, through the annotate page's own save
(``annotation_state`` and ``store_annotation``: a new version, with its history).

Annotators the instance does not know become accounts that cannot log in (inactive,
no password) and annotators of the project; a manager activates them from the members
page (``activate_imported_member``). Like every operation, nothing here commits.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from workbench import exporting
from workbench.db import is_unique_violation
from workbench.errors import Conflict, InvalidInput, NotFound, WorkbenchError
from workbench.fields import FIELDS, LABEL, RECORD_ORDER, SPEAKER, STANCES, of_kind
from workbench.importing_annotations import (
    MAX_PROBLEMS,
    AnnotationImportError,
    ImportRow,
    ParsedFile,
    Problem,
    parse_annotation_csv,
)
from workbench.models import (
    ANNOTATION_STATUSES,
    Annotation,
    Article,
    Claim,
    HistoryEntry,
    Membership,
    Project,
    Speaker,
    Stance,
    Suggestion,
    User,
)
from workbench.ops.annotations import AnnotationInput, annotation_state, store_annotation
from workbench.ops.codebook import Codebook, load_codebook
from workbench.ops.projects import record_project_change, set_member
from workbench.ops.speakers import clean_name, clean_text, create_speaker_among, registry
from workbench.ops.users import check_username, set_password
from workbench.permissions import ACTIONS
from workbench.text.names import fold_name
from workbench.words import counted

# The password hash of an account an import made: no werkzeug hash (those read
# "method$salt$hash"), so no password matches it. Its owner logs in only after a
# manager (or an admin) activates the account and gives it a password.
IMPORTED_PASSWORD = "!imported-annotator"
# The roles whose members annotate (an adjudicator's or a viewer's labels are not
# annotations of theirs).
ANNOTATING_ROLES = ACTIONS["annotate-claim"].roles
# The type a speaker new to the registry gets when the file does not say (the
# annotate page's defaults for a new speaker and a new via, web/annotate.py).
NEW_SPEAKER_TYPE = {"speaker": "person", "via": "organization"}
CHUNK = 500  # ids in one IN (...) list
WRITE_BATCH = 2000  # annotations inserted in one statement
_SPEAKER_FIELDS = of_kind(SPEAKER)
_STANCE_FIELD = of_kind(STANCES)[0]


@dataclass(slots=True)
class PreparedImport:
    """A file read and checked against the codebook, not yet matched or stored."""

    parsed: ParsedFile
    codebook: Codebook
    filename: str = ""


@dataclass(slots=True)
class ImportSummary:
    """What an import stored: annotations created, replaced (a new version) and left
    as they were (a replacement with the same values), rows without an annotator read
    past, the accounts and speakers made, and warnings for the user."""

    created: int = 0
    replaced: int = 0
    unchanged: int = 0
    unannotated: int = 0
    accounts: list[str] = field(default_factory=list)
    speakers: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def describe(self) -> str:
        parts = [
            f"{counted(self.created, 'annotation')} imported",
            f"{self.replaced:,} replaced",
            f"{self.unchanged:,} unchanged",
        ]
        text = ", ".join(parts) + "."
        if self.unannotated:
            text += f" {counted(self.unannotated, 'row')} without an annotator read past."
        if self.speakers:
            text += f" {counted(len(self.speakers), 'speaker')} added to the registry."
        if self.accounts:
            text += (
                f" {counted(len(self.accounts), 'new account')} ({', '.join(self.accounts)}), "
                "inactive until a manager activates them on the members page."
            )
        return text


def read_annotation_file(
    session: Session,
    project: Project,
    data: bytes,
    *,
    max_bytes: int,
    raw_formulas: bool = False,
    filename: str = "",
) -> PreparedImport:
    """Read and check ``data`` against the project's codebook (reads only). Raises
    AnnotationImportError for a file that gives no rows (see
    importing_annotations.parse_annotation_csv); the problems of its rows are raised
    by ``store_annotation_import``, with those found in matching them."""
    codebook = load_codebook(session, project)
    parsed = parse_annotation_csv(
        data,
        targets=codebook.target_names,
        labels=codebook.labels,
        statuses=ANNOTATION_STATUSES,
        max_bytes=max_bytes,
        raw_formulas=raw_formulas,
    )
    return PreparedImport(parsed, codebook, filename[:300])  # as the history keeps it


def import_annotations(
    session: Session,
    project: Project,
    data: bytes,
    *,
    user: User | None,
    max_bytes: int,
    replace: bool = False,
    raw_formulas: bool = False,
    filename: str = "",
) -> ImportSummary:
    """Read ``data`` and store its annotations: ``read_annotation_file`` then
    ``store_annotation_import``, raising what they raise."""
    prepared = read_annotation_file(
        session, project, data, max_bytes=max_bytes, raw_formulas=raw_formulas, filename=filename
    )
    return store_annotation_import(session, project, prepared, user=user, replace=replace)


def store_annotation_import(
    session: Session,
    project: Project,
    prepared: PreparedImport,
    *,
    user: User | None,
    replace: bool = False,
) -> ImportSummary:
    """Match and store the annotations of a file read by ``read_annotation_file``;
    return what was stored. ``user`` is who imports (recorded in the project's
    history; None: the command line).

    An annotator who has an annotation of the row's claim already gets a new version
    of it when ``replace`` (the save of the annotate page, with its history; a row
    with the same values leaves it as it is), else the row is refused. Raises
    AnnotationImportError with every problem (unknown claims, offsets no claim has,
    a claim's text or article that is not the row's, repeated rows, annotators that
    cannot be made or are no annotators here, speakers that cannot be made,
    annotations that exist), having written nothing; Conflict when the codebook
    changed since the file was read. The caller rolls back after an error.
    """
    current = session.scalar(select(Project.codebook_version).where(Project.id == project.id))
    if current != prepared.codebook.version:
        raise Conflict(
            "The project's targets or labels changed while the file was read; nothing "
            "was imported. Import the file again."
        )
    rows = prepared.parsed.rows
    summary = ImportSummary(
        unannotated=prepared.parsed.unannotated, warnings=list(prepared.parsed.warnings)
    )
    problems: list[Problem] = list(prepared.parsed.problems)
    claims = _match_claims(session, project, rows, problems)
    _check_claim_texts(session, rows, claims, problems)
    _check_repeats(rows, claims, problems)
    people = _People(session, project)
    people.match(rows, problems)
    speakers = _Registry(session, project, user)
    speakers.match(rows, problems)
    targets = dict(zip(prepared.codebook.target_names, prepared.codebook.target_ids, strict=True))
    existing = people.existing_annotations(rows, claims)
    replacing: list[ImportRow] = []
    for row in rows:
        claim_id = claims.get(row.line)
        key = (claim_id, people.key(row.annotator))
        if claim_id is None or key not in existing:
            continue
        if not replace:
            problems.append(
                Problem(
                    row.line,
                    None,
                    f"{row.annotator} has an annotation of claim {claim_id} already (version "
                    f"{existing[key]}); to save this row as its new version, import with "
                    "--replace (on the page: replace existing annotations)",
                )
            )
        else:
            replacing.append(row)
    if problems:
        raise AnnotationImportError(sorted(problems, key=_where)[:MAX_PROBLEMS])
    try:
        people.create_missing(user)
        speakers.create_missing()
    except _RowProblem as exc:
        raise AnnotationImportError([exc.problem]) from exc
    new_rows = [r for r in rows if (claims[r.line], people.key(r.annotator)) not in existing]
    try:
        summary.created = _insert_annotations(
            session, project, prepared.codebook, new_rows, claims, people, speakers, targets
        )
    except IntegrityError as exc:
        if not is_unique_violation(exc):
            raise
        # Checked above, but a save on the annotate page can come in between (PostgreSQL).
        raise Conflict(
            "An annotator saved an annotation of a claim of the file while it was being "
            "imported; nothing was imported. Import the file again."
        ) from exc
    for row in replacing:
        annotator = people.user(row.annotator)
        values = _input(row, speakers, targets)
        state = annotation_state(session, annotator, project.id, claims[row.line], action=None)
        if state.record is not None and _same(state.record, values):
            summary.unchanged += 1
            continue
        try:
            store_annotation(session, state, annotator, values, base_version=state.version)
        except WorkbenchError as exc:
            raise AnnotationImportError([Problem(row.line, None, exc.message)]) from exc
        summary.replaced += 1
    summary.accounts = people.created
    summary.speakers = speakers.created
    record_project_change(
        session,
        project,
        "import-annotations",
        user,
        None,
        {
            "file": prepared.filename,
            "rows": len(rows),
            "created": summary.created,
            "replaced": summary.replaced,
            "unchanged": summary.unchanged,
            "accounts": people.created,
            # How many: each new speaker's own history has its name.
            "speakers_added": len(speakers.created),
        },
    )
    session.flush()
    return summary


def _where(problem: Problem) -> tuple[int, str]:
    return (problem.line or 0, problem.column or "")


def _chunks(items: Iterable[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    items = list(items)
    for at in range(0, len(items), size):
        yield items[at : at + size]


def _match_claims(
    session: Session, project: Project, rows: list[ImportRow], problems: list[Problem]
) -> dict[int, int]:
    """Return line -> claim id for every row whose claim is found (by id, checked
    against the row's article and offsets where it gives them; or by article and
    offsets), adding a problem for every other row. The claims the rows name are read
    a chunk of ids at a time, and those of the articles the rows name by offsets."""
    columns = (
        Claim.id,
        Claim.article_id,
        Claim.start,
        Claim.end,
        Claim.state,
        Claim.merged_into_id,
    )
    in_project = (Article.id == Claim.article_id, Article.project_id == project.id)
    by_id: dict[int, Any] = {}
    for ids in _chunks({r.claim_id for r in rows if r.claim_id is not None}):
        query = select(*columns).join(Article, and_(*in_project)).where(Claim.id.in_(ids))
        by_id.update((claim.id, claim) for claim in session.execute(query))
    by_span: dict[tuple[int, int, int], int] = {}
    articles: set[int] = set()
    for ids in _chunks({r.article_id for r in rows if r.claim_id is None}):
        articles.update(
            session.scalars(
                select(Article.id).where(Article.project_id == project.id, Article.id.in_(ids))
            )
        )
        query = select(*columns).where(Claim.article_id.in_(ids), Claim.state == "active")
        for claim in session.execute(query):
            by_span[(claim.article_id, claim.start, claim.end)] = claim.id
    found: dict[int, int] = {}
    for row in rows:
        if row.claim_id is not None:
            claim = by_id.get(row.claim_id)
            if claim is None:
                problems.append(
                    Problem(row.line, "claim_id", f"no claim {row.claim_id} in this project")
                )
                continue
            if claim.state != "active":
                into = f" into claim {claim.merged_into_id}" if claim.merged_into_id else ""
                problems.append(
                    Problem(
                        row.line,
                        "claim_id",
                        f"claim {claim.id} was merged{into}; its annotations moved there",
                    )
                )
                continue
            if row.article_id is not None and row.article_id != claim.article_id:
                problems.append(
                    Problem(
                        row.line,
                        "article_id",
                        f"claim {claim.id} is in article {claim.article_id}, not {row.article_id}",
                    )
                )
                continue
            given = (row.start, row.end)
            if any(v is not None for v in given) and given != (claim.start, claim.end):
                problems.append(
                    Problem(
                        row.line,
                        "char_start",
                        f"the offsets {_span(*given)} are not those of claim {claim.id} "
                        f"({_span(claim.start, claim.end)}): its boundaries changed since "
                        "the file was made, or the file is of another project",
                    )
                )
                continue
            found[row.line] = claim.id
            continue
        if row.article_id not in articles:
            problems.append(
                Problem(row.line, "article_id", f"no article {row.article_id} in this project")
            )
            continue
        claim_id = by_span.get((row.article_id, row.start, row.end))
        if claim_id is None:
            problems.append(
                Problem(
                    row.line,
                    "char_start",
                    f"no claim of article {row.article_id} has the offsets "
                    f"{_span(row.start, row.end)}",
                )
            )
            continue
        found[row.line] = claim_id
    return found


def _span(start, end) -> str:
    return f"{'?' if start is None else start}-{'?' if end is None else end}"


def _check_claim_texts(
    session: Session, rows: list[ImportRow], claims: dict[int, int], problems: list[Problem]
) -> None:
    """Compare each row's claim_text (where it has one) with its claim's text as the
    export writes it; the articles' texts are read a chunk at a time."""
    wanted: dict[int, list[ImportRow]] = defaultdict(list)
    for row in rows:
        if row.claim_text is not None and row.line in claims:
            wanted[claims[row.line]].append(row)
    if not wanted:
        return
    spans: dict[int, tuple[int, int, int]] = {}
    for ids in _chunks(wanted):
        for claim in session.execute(
            select(Claim.id, Claim.article_id, Claim.start, Claim.end).where(Claim.id.in_(ids))
        ):
            spans[claim.id] = (claim.article_id, claim.start, claim.end)
    by_article: dict[int, list[int]] = defaultdict(list)
    for claim_id, (article_id, _, _) in spans.items():
        by_article[article_id].append(claim_id)
    for article_ids in _chunks(by_article, 50):
        query = select(Article.id, Article.text).where(Article.id.in_(article_ids))
        texts = {article_id: text for article_id, text in session.execute(query)}
        for article_id in article_ids:
            for claim_id in by_article[article_id]:
                _, start, end = spans[claim_id]
                text = texts[article_id][start:end]
                shown = {
                    exporting.csv_cell(text).replace("\r\n", "\n"),
                    exporting.csv_cell(text, raw_formulas=True).replace("\r\n", "\n"),
                }
                for row in wanted[claim_id]:
                    if row.claim_text.replace("\r\n", "\n") not in shown:
                        problems.append(
                            Problem(
                                row.line,
                                "claim_text",
                                f"the text is not that of claim {claim_id} ({text[:60]!r}): "
                                "the file is of another project or another copy of it",
                            )
                        )


def _check_repeats(rows: list[ImportRow], claims: dict[int, int], problems: list[Problem]):
    first: dict[tuple[int, str], int] = {}
    for row in rows:
        claim_id = claims.get(row.line)
        if claim_id is None:
            continue
        key = (claim_id, row.annotator.lower())
        if key in first:
            problems.append(
                Problem(
                    row.line,
                    None,
                    f"a second row for claim {claim_id} and annotator {row.annotator} "
                    f"(the first is on line {first[key]:,}): one annotation each",
                )
            )
        else:
            first[key] = row.line


class _RowProblem(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


class _People:
    """The file's annotators: the accounts they are (by username, in any case, as
    usernames are unique in any case), their roles here, the accounts to make."""

    def __init__(self, session: Session, project: Project) -> None:
        self.session = session
        self.project = project
        self.users: dict[str, User] = {}
        self.missing: dict[str, str] = {}  # key -> username as first written
        self.created: list[str] = []

    @staticmethod
    def key(username: str) -> str:
        return username.lower()

    def user(self, username: str) -> User:
        return self.users[self.key(username)]

    def match(self, rows: list[ImportRow], problems: list[Problem]) -> None:
        first: dict[str, ImportRow] = {}
        for row in rows:
            first.setdefault(self.key(row.annotator), row)
        for keys in _chunks(first):
            query = select(User).where(func.lower(User.username).in_(keys))
            for user in self.session.scalars(query):
                self.users[self.key(user.username)] = user
        roles: dict[int, str] = {}
        ids = [u.id for u in self.users.values()]
        for chunk in _chunks(ids):
            roles.update(
                self.session.execute(
                    select(Membership.user_id, Membership.role).where(
                        Membership.project_id == self.project.id, Membership.user_id.in_(chunk)
                    )
                ).all()
            )
        for key, row in first.items():
            user = self.users.get(key)
            if user is None:
                try:
                    check_username(row.annotator)
                except InvalidInput as exc:
                    problems.append(
                        Problem(row.line, "annotator", f"{row.annotator!r}: {exc.message}")
                    )
                    continue
                self.missing[key] = row.annotator
            elif user.id not in roles:
                problems.append(
                    Problem(
                        row.line,
                        "annotator",
                        f"{user.username} has an account but is not a member of this "
                        "project: add or invite them on the members page first (rows of "
                        "annotators the instance does not know make new, inactive accounts)",
                    )
                )
            elif roles[user.id] not in ANNOTATING_ROLES:
                problems.append(
                    Problem(
                        row.line,
                        "annotator",
                        f"{user.username} is {roles[user.id]} of this project, and "
                        f"{' and '.join(sorted(ANNOTATING_ROLES))}s alone annotate: change "
                        "their role first",
                    )
                )

    def existing_annotations(
        self, rows: list[ImportRow], claims: dict[int, int]
    ) -> dict[tuple[int, str], int]:
        """(claim id, annotator key) -> version of the annotations the file's
        annotators have of the project's claims, in a query per chunk of annotators."""
        by_id = {u.id: key for key, u in self.users.items()}
        found: dict[tuple[int, str], int] = {}
        for ids in _chunks(by_id):
            query = (
                select(Annotation.claim_id, Annotation.user_id, Annotation.version)
                .join(Claim, Claim.id == Annotation.claim_id)
                .join(Article, Article.id == Claim.article_id)
                .where(Article.project_id == self.project.id, Annotation.user_id.in_(ids))
            )
            for claim_id, user_id, version in self.session.execute(query):
                found[(claim_id, by_id[user_id])] = version
        return found

    def create_missing(self, by: User | None) -> None:
        """Make the accounts of the annotators the instance does not know: inactive,
        without a password, annotators of the project (recorded as members added)."""
        for key, username in self.missing.items():
            user = User(username=username, password_hash=IMPORTED_PASSWORD, is_active=False)
            self.session.add(user)
            self.session.flush()
            set_member(self.session, self.project, user, "annotator", by=by)
            self.users[key] = user
            self.created.append(username)


class _Registry:
    """The speakers the file names, found as a typed name is (by name, else by alias;
    exactly, else in any case; a merged speaker's name means the speaker it went
    into), from the registry read once; the speakers to make."""

    def __init__(self, session: Session, project: Project, user: User | None) -> None:
        self.session = session
        self.project = project
        self.user = user
        everyone = registry(session, project, include_merged=True)
        self.by_id: dict[int, Speaker] = {s.id: s for s in everyone}
        self.current = [s for s in everyone if s.merged_into_id is None]
        self.names: dict[str, Speaker] = {}
        self.aliases: dict[str, Speaker] = {}
        self.folded_names: dict[str, Speaker] = {}
        self.folded_aliases: dict[str, Speaker] = {}
        self.alias_counts: dict[str, int] = defaultdict(int)
        for s in self.current:  # by name, as the registry lists them
            self.names.setdefault(s.name, s)
            self.folded_names.setdefault(s.name.casefold(), s)
            for a in s.aliases:
                self.aliases.setdefault(a.alias, s)
                self.folded_aliases.setdefault(a.alias.casefold(), s)
                self.alias_counts[a.alias] += 1
        self.merged = {s.name: s for s in everyone if s.merged_into_id is not None}
        self.found: dict[str, Speaker | None] = {}
        # folded name -> name, type, title, field, line
        self.new: dict[str, tuple[str, str, str, str, int]] = {}
        self.created: list[str] = []
        self.by_cell: dict[str, Speaker | None] = {}  # a cell's name as written -> speaker

    def into(self, speaker: Speaker) -> Speaker:
        """The current speaker ``speaker`` was merged into (itself when current)."""
        seen = set()
        while speaker.merged_into_id is not None and speaker.id not in seen:
            seen.add(speaker.id)
            speaker = self.by_id[speaker.merged_into_id]
        return speaker

    def lookup(self, name: str) -> Speaker | None:
        if name not in self.found:
            merged = self.merged.get(name)
            self.found[name] = (
                self.names.get(name)
                or (self.into(merged) if merged is not None else None)
                or self.aliases.get(name)
                or self.folded_names.get(name.casefold())
                or self.folded_aliases.get(name.casefold())
            )
        return self.found[name]

    def match(self, rows: list[ImportRow], problems: list[Problem]) -> None:
        for row in rows:
            for f in _SPEAKER_FIELDS:
                cell = row.values[f.name]
                if cell is None:
                    continue
                name = clean_text(cell.name)
                if self.lookup(name) is not None or name.casefold() in self.new:
                    continue
                type_ = cell.type or NEW_SPEAKER_TYPE.get(f.name, "person")
                try:
                    name = clean_name(name, type_)
                except InvalidInput as exc:
                    column = f"{f.name}_type" if exc.field == "type" else f.name
                    problems.append(Problem(row.line, column, f"{cell.name!r}: {exc.message}"))
                    continue
                # A name new to the registry, in whatever case it comes first.
                self.new[name.casefold()] = (name, type_, cell.title, f.name, row.line)

    def create_missing(self) -> None:
        others = list(self.current)
        for name, type_, title, column, line in self.new.values():
            try:
                speaker = create_speaker_among(
                    self.session,
                    self.project,
                    others,
                    name,
                    type=type_,
                    title=title,
                    user=self.user,
                )
            except WorkbenchError as exc:
                raise _RowProblem(Problem(line, column, f"{name!r}: {exc.message}")) from exc
            others.append(speaker)
            self.by_id[speaker.id] = speaker
            self.names[speaker.name] = speaker
            self.folded_names.setdefault(speaker.name.casefold(), speaker)
            self.created.append(speaker.name)
        self.found.clear()  # names looked up before were not found: look again
        self.by_cell.clear()

    def speaker(self, cell) -> Speaker | None:
        if cell is None:
            return None
        found = self.by_cell.get(cell.name)
        if found is None:
            found = self.by_cell[cell.name] = self.lookup(clean_text(cell.name))
        return found

    def offered(self, suggested_id: int | None, value: str) -> Speaker | None:
        """The speaker the annotate page offers for a suggestion (as
        ops.annotations.offered_speaker_id): the linked one through merges, else the
        one of that name through merges, else the only current one with that alias."""
        if suggested_id is not None and suggested_id in self.by_id:
            return self.into(self.by_id[suggested_id])
        wanted = clean_text(value or "")
        named = self.names.get(wanted) or self.merged.get(wanted)
        if named is not None:
            return self.into(named)
        if self.alias_counts.get(wanted) == 1:
            return self.aliases[wanted]
        return None


def _input(row: ImportRow, speakers: _Registry, targets: dict[str, int]) -> AnnotationInput:
    """The row as the annotate page's save takes it."""
    values: dict[str, Any] = {}
    for f in RECORD_ORDER:
        value = row.values[f.name]
        if f.kind == SPEAKER:
            speaker = speakers.speaker(value)
            values[f.column] = speaker.id if speaker is not None else None
        elif f.kind == STANCES:
            values[f.column] = {targets[t]: v for t, v in value.items()}
        else:
            values[f.column] = value
    return AnnotationInput(**values, status=row.status)


def _same(current: dict[str, Any], values: AnnotationInput) -> bool:
    """Whether an annotation's record holds ``values`` already (then nothing is saved)."""
    for f in RECORD_ORDER:
        value = getattr(values, f.column)
        if f.kind == STANCES:
            if current[f.name] != {str(t): v for t, v in value.items() if v}:
                return False
        elif current[f.column] != value:
            return False
    return current["status"] == values.status


def _insert_annotations(
    session: Session,
    project: Project,
    codebook: Codebook,
    rows: list[ImportRow],
    claims: dict[int, int],
    people: _People,
    speakers: _Registry,
    targets: dict[str, int],
) -> int:
    """Insert first annotations in bulk: the rows, stances and history entries that
    ``store_annotation`` writes for a first save (version 1, the codebook version, the
    fields saved as the claim's suggestion); return how many."""
    if not rows:
        return 0
    connection = session.connection()
    annotations, stances, history = (
        Annotation.__table__,
        Stance.__table__,
        HistoryEntry.__table__,
    )
    for batch in _chunks(rows, WRITE_BATCH):
        now = datetime.now(UTC)
        # The batch's claims' suggestions only: memory stays that of a batch.
        suggested = _suggestions(session, {claims[r.line] for r in batch})
        values, records = [], []
        for row in batch:
            claim_id = claims[row.line]
            columns, after = _columns(row, speakers, targets, suggested.get(claim_id, {}))
            columns.update(
                claim_id=claim_id,
                user_id=people.user(row.annotator).id,
                status=row.status,
                span_changed=False,
                codebook_version=codebook.version,
                version=1,
                created_at=now,
                updated_at=now,
            )
            values.append(columns)
            records.append(after)
        # No RETURNING: SQLite would insert one row a statement to keep the ids in
        # order. A claim and an annotator name one annotation: read the ids back.
        connection.execute(insert(annotations), values)
        ids: dict[tuple[int, int], int] = {}
        user_ids = sorted({v["user_id"] for v in values})
        for claim_ids in _chunks(sorted({v["claim_id"] for v in values})):
            query = select(annotations.c.id, annotations.c.claim_id, annotations.c.user_id).where(
                annotations.c.claim_id.in_(claim_ids), annotations.c.user_id.in_(user_ids)
            )
            ids.update(((c, u), i) for i, c, u in connection.execute(query))
        stance_rows, history_rows = [], []
        for columns, after in zip(values, records, strict=True):
            annotation_id = ids[(columns["claim_id"], columns["user_id"])]
            stance_rows += [
                {"annotation_id": annotation_id, "target_id": int(t), "value": v}
                for t, v in after[_STANCE_FIELD.name].items()
            ]
            history_rows.append(
                {
                    "project_id": project.id,
                    "entity": "annotation",
                    "entity_id": annotation_id,
                    "claim_id": columns["claim_id"],
                    "action": "create",
                    "user_id": columns["user_id"],
                    "at": now,
                    "before": None,
                    "after": after,
                }
            )
        if stance_rows:
            connection.execute(insert(stances), stance_rows)
        connection.execute(insert(history), history_rows)
    return len(rows)


def _columns(
    row: ImportRow, speakers: _Registry, targets: dict[str, int], suggested: dict[str, tuple]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The annotation's columns and its record (as ``ops.annotations._values`` makes
    them for a save): speakers resolved, stances by target id, and ``from_suggestion``,
    the fields whose value is the claim's suggestion unchanged."""
    columns: dict[str, Any] = {}
    after: dict[str, Any] = {}
    taken: list[str] = []
    for f in RECORD_ORDER:
        value = row.values[f.name]
        if f.kind == SPEAKER:
            speaker = speakers.speaker(value)
            columns[f.column] = after[f.column] = speaker.id if speaker else None
            after[f.name] = speaker.name if speaker else None
            proposal = suggested.get(f.suggested[0]) if f.suggested else None
            if speaker is not None and proposal is not None:
                offered = speakers.offered(proposal[1], proposal[0])
                if (offered is not None and offered.id == speaker.id) or (
                    offered is None and fold_name(proposal[0]) == fold_name(speaker.name)
                ):
                    taken.append(f.name)
        elif f.kind == STANCES:
            by_id = sorted((targets[t], v) for t, v in value.items())
            after[f.name] = {str(t): v for t, v in by_id if v}
        else:
            columns[f.column] = after[f.name] = value
            proposal = suggested.get(f.suggested[0]) if f.suggested else None
            if f.kind == LABEL and value and proposal is not None and proposal[0] == value:
                taken.append(f.name)
    columns["from_suggestion"] = taken
    after["status"] = row.status
    after["version"] = 1
    return columns, after


def _suggestions(session: Session, claim_ids: set[int]) -> dict[int, dict[str, tuple]]:
    """claim id -> {suggester field: (value, registry speaker id)} for the fields the
    annotation's fields are compared with, a chunk of claims at a time."""
    fields = [f.suggested[0] for f in FIELDS if f.suggested]
    found: dict[int, dict[str, tuple]] = defaultdict(dict)
    for ids in _chunks(sorted(claim_ids)):
        query = select(
            Suggestion.claim_id, Suggestion.field, Suggestion.value, Suggestion.speaker_id
        ).where(Suggestion.claim_id.in_(ids), Suggestion.field.in_(fields))
        for claim_id, name, value, speaker_id in session.execute(query):
            found[claim_id][name] = (value, speaker_id)
    return found


def is_imported_account(user: User) -> bool:
    """Whether ``user`` is an account an import made that nobody has activated yet."""
    return not user.is_active and user.password_hash == IMPORTED_PASSWORD


def activate_imported_member(
    session: Session, project: Project, username: str, password: str, *, by: User | None
) -> User:
    """Let an annotator whose account an annotation import made log in, with
    ``password`` (which the manager passes on; they change it on their first visit).
    Recorded in the project's history as a member activated.

    Only such an account, not yet activated, and a member of ``project``: an account
    an admin deactivated stays as it is. Raises NotFound (no such member; the same
    for an account that is not one), Conflict (an account that is not an import's,
    or is active already) or InvalidInput (a password too short).
    """
    user = session.scalar(select(User).where(User.username == username.strip()))
    role = None
    if user is not None:
        role = session.scalar(
            select(Membership.role).where(
                Membership.project_id == project.id, Membership.user_id == user.id
            )
        )
    if user is None or role is None:
        raise NotFound(f"{username.strip()} is not a member of this project.")
    if not is_imported_account(user):
        raise Conflict(
            f"{user.username}'s account was not made by an annotation import, or is active "
            "already: an admin activates other accounts (Users)."
        )
    set_password(session, user, password)
    user.is_active = True
    session.flush()
    record_project_change(
        session,
        project,
        "activate-member",
        by,
        {"member": user.username, "role": role, "active": False},
        {"member": user.username, "role": role, "active": True},
    )
    return user


def imported_members(session: Session, project: Project) -> set[int]:
    """The ids of the project's members whose accounts an import made, not yet activated."""
    return set(
        session.scalars(
            select(User.id)
            .join(Membership, Membership.user_id == User.id)
            .where(
                Membership.project_id == project.id,
                User.is_active.is_(False),
                User.password_hash == IMPORTED_PASSWORD,
            )
        )
    )


__all__ = [
    "IMPORTED_PASSWORD",
    "ImportSummary",
    "PreparedImport",
    "activate_imported_member",
    "import_annotations",
    "imported_members",
    "is_imported_account",
    "read_annotation_file",
    "store_annotation_import",
]
