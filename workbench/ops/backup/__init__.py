"""Dump a whole project to JSON Lines and restore it, on any instance and backend.

The dump is a header line (with the number of records of each kind it holds),
then one record per line, in an order that lets
restore insert each record after what it refers to, then a closing record: the
number of records of each kind and the SHA-256 digest of every line before it.
Restore refuses a dump without one (cut short), or whose counts or digest differ
(lines lost or changed), naming what is missing; a dump of format version 1 or 2,
from before the closing record, restores with a warning that it cannot be checked.

Records use dump-local keys (1, 2, 3... per kind, in id order) instead of database ids, so that
dump -> restore -> dump gives identical records on any database. Users are
named by username; restore creates the accounts it does not find (with a
random password that an admin must reset).

Each kind of record is described once, in ``kinds.KINDS`` (its fields, what they
refer to, their checks, the rows a dump reads): dump, check and restore read that
description, so a new table is one more entry there. The checks of single fields
are in ``checks``, the rules of the forms and importers that restore applies to
whole records in ``rules``, the machinery of the description in ``records``.

A dump reads one snapshot of the database (see ``workbench.db.begin_snapshot``). Restore
checks every record before it writes it (kinds, keys, references, choices,
text that fits its column and that the database can store) and names the
line of the first bad one; the caller rolls back, so nothing is left behind.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from typing import Any, NamedTuple

from sqlalchemy import select
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from workbench.db import begin_snapshot
from workbench.errors import Conflict, InvalidInput, NotFound, WorkbenchError
from workbench.keymap import changed, check
from workbench.merges import MergeCycle, follow_merges
from workbench.models import Project, User
from workbench.ops.backup.kinds import BY_NAME, KINDS, PROJECT
from workbench.ops.backup.records import Bad, Dumping, Keys, Restoring, parse_time
from workbench.ops.users import check_username, check_username_free, generate_password

FORMAT = "claim-workbench-dump"
# 2: targets say whether they are retired (taken out of the project, kept for the
# history). A version 1 dump has no such field: its targets were all current.
# 3: a closing record ends the dump (counts per kind and a digest of the lines).
# 4: suggestions carry their reason and registry speaker, articles their wire
# source, annotations the fields saved as suggested (older dumps get the defaults).
# 5: the project carries the annotate page's keys changed from the defaults (older
# dumps restore with the default keys).
# 6: the project carries its blind and assigned-only modes, and the assignments of
# articles to annotators come as records (older dumps: blind, open, none assigned).
# 7: gold labels, and the project's reasons for gold (older dumps: none, the defaults).
FORMAT_VERSION = 7
CLOSING = "end"
_FIRST_CLOSED = 3
NO_CLOSING = "The dump has no closing record: it is cut short or not a whole dump."
OLD_FORMAT = (
    "The dump has format version {version}, from before dumps ended with a closing "
    "record: it cannot be checked for completeness. Compare the restored project with "
    "the one dumped."
)


def _digest_line(line: str) -> bytes:
    """A line as the digest covers it: its text and one LF (whatever ended it); a lone
    surrogate (which restore refuses, naming its field) as UTF-8 would encode it."""
    return line.rstrip("\r\n").encode("utf-8", "surrogatepass") + b"\n"


def dump_project(session: Session, project: Project) -> Iterator[dict[str, Any]]:
    """Yield the project's records: a header first, then everything it holds (the
    closing record, which covers the lines, is dump_lines's).

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
    users = {
        user_id: username for user_id, username in session.execute(select(User.id, User.username))
    }
    dumping = Dumping(session, project, Keys(), users)
    # What the dump will hold, so that a dump cut short says what it lacks.
    counts = {"project": 1, **{kind.name: kind.count(dumping) for kind in KINDS}}
    yield {
        "type": "header",
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "workbench_version": __version__,
        "counts": {kind: n for kind, n in counts.items() if n},
    }
    yield PROJECT.record(project, dumping)
    for kind in KINDS:
        rows = list(kind.rows(dumping)) if kind.keyed else kind.rows(dumping)
        if kind.keyed:
            # Every key first: a record may name a later one of its kind (merges).
            for obj in rows:
                dumping.keys.add(kind.name, obj.id)
        for obj in rows:
            yield kind.record(obj, dumping)


def _line(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n"


def dump_lines(session: Session, project: Project) -> Iterator[str]:
    """Yield the dump as JSON Lines text, one record per line (see dump_project),
    and last the closing record: how many records of each kind came before it, and
    the SHA-256 digest of those lines (header included) as UTF-8."""
    digest = hashlib.sha256()
    counts: dict[str, int] = {}
    for record in dump_project(session, project):
        line = _line(record)
        digest.update(_digest_line(line))
        if record["type"] != "header":
            counts[record["type"]] = counts.get(record["type"], 0) + 1
        yield line
    yield _line({"type": CLOSING, "counts": counts, "sha256": digest.hexdigest()})


class _Record(dict):
    """A parsed dump record that knows its line in the file (and, for a closing
    record, the digest of the lines before it)."""

    line: int | None = None
    digest: str | None = None


def read_dump(lines: Iterable[str | bytes]) -> Iterator[dict[str, Any]]:
    """Parse dump lines (text, or bytes read as UTF-8) into records.

    Raises InvalidInput naming the bad line: not UTF-8, not JSON (saying the dump
    is cut short when the line is a record cut off before its line break), not a record.
    """
    digest = hashlib.sha256()
    for number, line in enumerate(lines, start=1):
        if isinstance(line, bytes):
            try:
                line = line.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                if not line.endswith(b"\n") and exc.end == len(line):
                    raise InvalidInput(
                        f"Line {number} of the dump ends inside a character, without a line "
                        "break: the dump is cut short in the middle of a line."
                    ) from exc
                raise InvalidInput(
                    f"Line {number} of the dump is not UTF-8 text "
                    f"(byte {exc.start + 1} of the line); is it a dump?"
                ) from exc
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            if line.lstrip().startswith("{") and not line.endswith("\n"):
                raise InvalidInput(
                    f"Line {number} of the dump is not valid JSON ({exc.msg}) and ends "
                    "without a line break: the dump is cut short in the middle of a line."
                ) from exc
            raise InvalidInput(f"Line {number} of the dump is not valid JSON: {exc.msg}.") from exc
        except RecursionError as exc:
            raise InvalidInput(f"Line {number} of the dump is nested too deeply.") from exc
        if not isinstance(record, dict) or "type" not in record:
            raise InvalidInput(f"Line {number} of the dump is not a dump record.")
        record = _Record(record)
        record.line = number
        if record["type"] == CLOSING:
            record.digest = digest.hexdigest()
        digest.update(_digest_line(line))
        yield record


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


class Restored(NamedTuple):
    """What restore_project made, and what its caller should tell the user."""

    project: Project
    created_users: list[str]
    warnings: list[str]


def _closing_problem(record: dict, counts: dict[str, int]) -> str | None:
    """What is wrong with a closing record, given the records counted before it."""
    expected, digest = record.get("counts"), record.get("sha256")
    if (
        not isinstance(expected, dict)
        or not all(isinstance(n, int) and not isinstance(n, bool) for n in expected.values())
        or not isinstance(digest, str)
    ):
        return "the closing record is malformed (it needs counts of each kind and a sha256)"
    differ = _differences(counts, expected)
    if differ:
        return f"The dump is incomplete: it has {differ}. Restore a whole dump."
    if getattr(record, "digest", None) != digest:
        return (
            "the digest of the lines before the closing record does not match the digest "
            "it holds: the dump was changed after it was written"
        )
    return None


def _differences(counts: dict[str, int], expected: dict[str, int]) -> str:
    """Say how many records of each kind there are of how many expected, for the kinds
    where the two differ ("21 of 110 claims and 0 of 4 annotations"); "" when none do."""
    differ = []
    for kind in sorted(set(expected) | set(counts), key=_kind_order):
        have, want = counts.get(kind, 0), expected.get(kind, 0)
        if have != want:
            differ.append(f"{have:,} of {want:,} {_plural(kind)}")
    if len(differ) < 2:
        return "".join(differ)
    return ", ".join(differ[:-1]) + " and " + differ[-1]


def _no_closing(header: dict, counts: dict[str, int]) -> str:
    """The refusal of a dump without its closing record, saying what it lacks when its
    header says what it should hold."""
    expected = header.get("counts")
    if isinstance(expected, dict) and all(
        isinstance(n, int) and not isinstance(n, bool) for n in expected.values()
    ):
        differ = _differences(counts, expected)
        if differ:
            return f"{NO_CLOSING} It has {differ}."
    return NO_CLOSING


def _kind_order(kind: str) -> tuple[int, str]:
    order = ["project", *(k.name for k in KINDS)]
    return (order.index(kind) if kind in order else len(order), kind)


def _plural(kind: str) -> str:
    described = PROJECT if kind == "project" else BY_NAME.get(kind)
    return described.plural if described is not None else f"{kind!r} records"


def restore_project(
    session: Session, records: Iterable[dict[str, Any]], *, name: str | None = None
) -> Restored:
    """Recreate a dumped project; return it, the usernames of accounts created, and
    warnings for the user (a dump of an older format cannot be checked for completeness).

    ``records`` come from read_dump. ``name`` restores under another name. Each record
    is checked before it is written, and the whole against the closing record. Raises
    InvalidInput for a file that is not a dump, from a newer format, with a record
    restore cannot take (naming its line), without its closing record or with fewer
    records or other lines than it says; Conflict when the project name is taken.
    The caller commits, or rolls back after an error, so a failed restore leaves
    nothing behind.
    """
    records = iter(records)
    header = next(records, None)
    if header is None or header.get("type") != "header" or header.get("format") != FORMAT:
        raise InvalidInput("This file is not a Claim Workbench dump (its first line is no header).")
    _check_version(header)
    postgres = session.get_bind().dialect.name == "postgresql"
    if name is not None:
        problem = PROJECT.fields[0].check(name.strip(), postgres)
        if problem:
            raise InvalidInput(f"The new project name {problem}.")
    created_users: list[str] = []
    user_ids: dict[str, int] = {}
    seen: dict = {}

    def user_id(username: str | None) -> int | None:
        if username is None:
            return None
        if username not in user_ids:
            user = session.scalar(select(User).where(User.username == username))
            if user is None:
                # The rules of `workbench users add`, for the accounts restore makes.
                try:
                    check_username(username)
                    check_username_free(session, username)
                except WorkbenchError as exc:
                    raise Bad.refused(exc, f"the user {username!r} cannot be made: ") from exc
                user = User(
                    username=username,
                    password_hash=generate_password_hash(generate_password()),
                )
                session.add(user)
                session.flush()
                created_users.append(username)
            user_ids[username] = user.id
        return user_ids[username]

    restoring: Restoring | None = None
    counts: dict[str, int] = {}
    closed = False
    for number, record in enumerate(records, start=2):
        kind = record["type"]
        line = getattr(record, "line", None) or number
        where = f"Line {line} of the dump"
        try:
            if closed:
                raise Bad("it comes after the closing record, which ends a dump")
            if kind == CLOSING:
                closed = True
                problem = _closing_problem(record, counts)
                if problem and problem.startswith("The dump"):
                    raise InvalidInput(problem)
                if problem:
                    raise Bad(problem)
                continue
            counts[kind] = counts.get(kind, 0) + 1
            described = PROJECT if kind == "project" else BY_NAME.get(kind)
            if described is None:
                raise Bad(f"unknown record type {kind!r}")
            described.check(record, line, postgres, seen)
            if kind == "project":
                if restoring is not None:
                    raise Bad("it is a second project record; a dump holds one project")
                project = _restore_project_record(session, record, name)
                restoring = Restoring(session, project, Keys(), user_id, postgres)
            elif restoring is None:
                raise Bad("it comes before the project record")
            else:
                described.restore(record, restoring, where)
            # A record at a time, so that the database's refusal names its line.
            session.flush()
        except Bad as exc:
            raise InvalidInput(f"{where}: {exc}.") from exc
        except (IntegrityError, DataError) as exc:
            reason = str(exc.orig).strip().splitlines()[0]
            raise InvalidInput(
                f"{where}: the database refused the {kind} record ({reason})."
            ) from exc
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidInput(f"{where}: the {kind} record is malformed ({exc!r}).") from exc
    warnings = []
    if not closed:
        if header["format_version"] >= _FIRST_CLOSED:
            raise InvalidInput(_no_closing(header, counts))
        warnings.append(OLD_FORMAT.format(version=header["format_version"]))
    if restoring is None:
        raise InvalidInput("The dump holds no project.")
    _restore_merges(session, restoring)
    session.flush()
    return Restored(restoring.project, created_users, warnings)


def _restore_merges(session: Session, restoring: Restoring) -> None:
    """Set the references that may point forward (merges), once every record is in:
    no merge cycle (followed as every walk along a merge chain is, see merges), and
    each into what its ``same`` says (a claim of its own article)."""
    chains: dict[str, dict[int, int]] = {}
    for _, item, own, into, _ in restoring.pending:
        chains.setdefault(item.ref, {})[own] = into
    for obj, item, own, into, where in restoring.pending:
        try:
            setattr(obj, item.attribute, restoring.keys.id(item.ref, into))
            follow_merges(own, chains[item.ref].get, what=item.ref)
            if item.same is not None:
                attribute, called = item.same
                target = session.get(type(obj), getattr(obj, item.attribute))
                if getattr(target, attribute) != getattr(obj, attribute):
                    raise Bad(
                        f"the {item.ref} {own} is merged into {item.ref} {into}, "
                        f"which is of another {called}"
                    )
        except MergeCycle as exc:
            cycle = " -> ".join(exc.cycle or ())
            raise InvalidInput(
                f"{where}: the {item.ref} {own} is merged in a cycle ({cycle}), "
                "which no merge makes."
            ) from exc
        except Bad as exc:
            raise InvalidInput(f"{where}: {exc}.") from exc


def _restore_project_record(session: Session, record: dict, name: str | None) -> Project:
    project_name = (name or record["name"]).strip()
    if session.scalar(select(Project.id).where(Project.name == project_name)):
        raise Conflict(
            f"A project named {project_name!r} exists already; restore under another name."
        )
    project = Project(
        name=project_name,
        description=record["description"],
        guidelines=record["guidelines"],
        codebook_version=record["codebook_version"],
        created_at=parse_time(record["created_at"]),
        keymap=_stored_keymap(record.get("keymap")),
        blind=record.get("blind", True),
        assigned_only=record.get("assigned_only", False),
        gold_reasons=record.get("gold_reasons"),
    )
    session.add(project)
    session.flush()
    return project


def _stored_keymap(value: dict | None) -> dict | None:
    """A dumped key map (checked already) as the settings store it: only the actions
    that differ from the defaults, None for none."""
    return (changed(check(value)) or None) if value else None
