"""The machinery that describes a kind of dump record (Field, Kind) and what dumping
and restoring one project keep track of (Keys, Dumping, Restoring). The kinds
themselves are in ``kinds``; the rules restore applies, in ``rules``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func
from sqlalchemy.orm import Session

from workbench.errors import WorkbenchError
from workbench.models import Project, Speaker
from workbench.ops.backup.checks import KEY, Check


class Bad(Exception):
    """A problem with one record; restore adds the line it is on."""

    @classmethod
    def refused(cls, error: WorkbenchError, before: str = "") -> Bad:
        """The refusal of a form's or importer's rule, as a problem with the record."""
        return cls(before + error.message.rstrip("."))


class Keys:
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
        """The key of a dumped id (None for None, or for an id not dumped)."""
        if db_id is None:
            return None
        return self.to_key.get(kind, {}).get(db_id)

    def id(self, kind: str, key: int | None) -> int | None:
        """The id a restored key got (None for None); raises Bad for a key not restored."""
        if key is None:
            return None
        try:
            return self.to_id[kind][key]
        except (KeyError, TypeError) as exc:
            raise Bad(f"it refers to {kind} {key!r}, which the dump does not contain") from exc

    def soft_id(self, kind: str, key: int | None) -> int | None:
        """The id a restored key got, or None (history may name what is gone)."""
        return self.to_id.get(kind, {}).get(key)


@dataclass
class Dumping:
    """What dumping one project knows: its session, keys so far, usernames by id."""

    session: Session
    project: Project
    keys: Keys
    users: dict[int, str]


@dataclass
class Restoring:
    """What restoring one project knows: the session, the project, keys so far."""

    session: Session
    project: Project
    keys: Keys
    user_id: Callable[[str | None], int | None]
    postgres: bool
    # References set once every record is in (merges may point forward): the object,
    # its Field, its own key, the key it names and where the record is.
    pending: list[tuple[Any, Field, int, int, str]] = field(default_factory=list)
    # What the rules of later records need from earlier ones (see the Kind checks).
    current_targets: list[int] = field(default_factory=list)
    labels: dict[str, set[str]] = field(default_factory=dict)
    current_speakers: list[Speaker] = field(default_factory=list)
    active_spans: dict[int, list[tuple[int, int]]] = field(default_factory=dict)


_REQUIRED = object()


@dataclass(frozen=True)
class Field:
    """One field of a record: its name there, its check, and how it maps to the model.

    By default the record holds the model attribute ``attr`` (the name when None) as is.
    ``ref`` names the kind whose key the record holds where the model holds that kind's
    id; ``later`` sets such a reference after every record is in. ``dump`` and ``load``
    replace the default mapping: ``dump(obj, dumping)`` gives the record's value,
    ``load(value, record, restoring)`` the model's. ``default`` is the value for dumps of
    an older format version, which lack the field. ``same`` (an attribute, and what it
    is called) is what a ``later`` reference must share with what it refers to.
    """

    name: str
    check: Check
    attr: str | None = None
    ref: str | None = None
    later: bool = False
    dump: Callable[[Any, Dumping], Any] | None = None
    load: Callable[[Any, dict, Restoring], Any] | None = None
    default: Any = _REQUIRED
    same: tuple[str, str] | None = None

    @property
    def attribute(self) -> str:
        return self.attr or self.name

    @property
    def optional(self) -> bool:
        return self.default is not _REQUIRED

    def value_of(self, obj, dumping: Dumping):
        if self.dump is not None:
            return self.dump(obj, dumping)
        value = getattr(obj, self.attribute)
        return dumping.keys.key(self.ref, value) if self.ref else value

    def model_value(self, value, record: dict, restoring: Restoring):
        if self.load is not None:
            return self.load(value, record, restoring)
        return restoring.keys.id(self.ref, value) if self.ref else value


@dataclass(frozen=True)
class Kind:
    """One kind of record: its fields and the rows of a project a dump holds.

    ``select(dumping)`` is the query of the project's rows, in dump order unless
    ``sort(obj, dumping)`` gives the order (sorted in Python, not by the database, whose
    collation may not be code point order: the same project gives the same dump on
    every backend); ``keyed`` kinds carry a
    dump-local ``key`` (other records name them by it); ``unique`` lists what must not
    repeat within a dump (the database's unique constraints); ``checks`` run on the
    built object before it is inserted, ``after`` once it is (both with the record and
    the Restoring, and raise Bad); ``history_refs`` are the keys inside the before/after
    of history entries about this kind that hold ids, with the kind of id each holds.
    """

    name: str
    plural: str
    model: type
    fields: tuple[Field, ...]
    select: Callable[[Dumping], Select]
    keyed: bool = False
    sort: Callable[[Any, Dumping], Any] | None = None
    in_project: bool = True
    unique: tuple[tuple[str, ...], ...] = ()
    checks: tuple[Callable[[Any, dict, Restoring], None], ...] = ()
    after: tuple[Callable[[Any, dict, Restoring], None], ...] = ()
    history_refs: dict[str, str] = field(default_factory=dict)

    def rows(self, dumping: Dumping) -> Iterable[Any]:
        """The project's objects of this kind, in dump order."""
        statement = self.select(dumping).execution_options(populate_existing=True)
        # (populate_existing: objects the session held from before are read again.)
        rows = dumping.session.scalars(statement)
        if self.sort is not None:
            return sorted(rows, key=lambda obj: self.sort(obj, dumping))
        return rows

    def count(self, dumping: Dumping) -> int:
        """How many objects of this kind the project has (one query)."""
        statement = self.select(dumping).order_by(None).options()
        return dumping.session.scalar(
            statement.with_only_columns(func.count(), maintain_column_froms=True)
        )

    def record(self, obj, dumping: Dumping) -> dict[str, Any]:
        """The record of ``obj`` (its key given already, see dump_project)."""
        record: dict[str, Any] = {"type": self.name}
        if self.keyed:
            record["key"] = dumping.keys.key(self.name, obj.id)
        for item in self.fields:
            record[item.name] = item.value_of(obj, dumping)
        return record

    def check(self, record: dict, line: int, postgres: bool, seen: dict) -> None:
        """Raise Bad for the first field of ``record`` that restore cannot take, or
        when the record repeats an earlier one."""
        fields = [Field("key", KEY)] if self.keyed else []
        for item in [*fields, *self.fields]:
            if item.name not in record:
                if item.optional:
                    continue
                raise Bad(f"the {self.name} record has no {item.name!r}")
            problem = item.check(record[item.name], postgres)
            if problem:
                raise Bad(f"the {self.name}'s {item.name!r} {problem}")
        for names in self.unique:
            identity = (self.name, names, tuple(record[n] for n in names))
            if identity in seen:
                shown = ", ".join(f"{n} {record[n]!r}" for n in names)
                raise Bad(f"it repeats the {self.name} with {shown} of line {seen[identity]}")
            seen[identity] = line

    def restore(self, record: dict, restoring: Restoring, where: str) -> Any:
        """Insert the object ``record`` describes (checked already); return it."""
        values: dict[str, Any] = {}
        later = []
        for item in self.fields:
            value = record.get(item.name, item.default)
            if item.later:
                if value is not None:
                    later.append((item, value))
            else:
                values[item.attribute] = item.model_value(value, record, restoring)
        if self.in_project:
            values["project_id"] = restoring.project.id
        obj = self.model(**values)
        for check in self.checks:
            check(obj, record, restoring)
        restoring.session.add(obj)
        if self.keyed or self.after or later:
            restoring.session.flush()
        if self.keyed:
            restoring.keys.add(self.name, obj.id, record["key"])
        for item, value in later:
            restoring.pending.append((obj, item, record.get("key"), value, where))
        for step in self.after:
            step(obj, record, restoring)
        return obj


def format_time(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def parse_time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None
