"""What restore accepts in one field of a dump record.

A check takes the value and whether the database is PostgreSQL, and returns None
when the value is good, else what is wrong with it (the words that follow "the
KIND's FIELD" in restore's message).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import String

from workbench import keymap as keys
from workbench.db import MAX_INT
from workbench.models import SpeakerAlias, Stance
from workbench.text.storable import TooDeep, json_strings, lone_surrogate

Check = Callable[[Any, bool], str | None]
INT_RANGE = (-MAX_INT - 1, MAX_INT)  # Integer columns are 32 bits on PostgreSQL


def text_problem(value: str, postgres: bool) -> str | None:
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


def text(column=None, *, blank: bool = True, null: bool = False) -> Check:
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
        return text_problem(value, postgres)

    return check


def choice(options: Iterable[str]) -> Check:
    options = tuple(options)

    def check(value, postgres):
        if value not in options:
            return f"must be one of {', '.join(options)} (it is {value!r})"
        return None

    return check


def integer(*, low: int = INT_RANGE[0], null: bool = False) -> Check:
    def check(value, postgres):
        if value is None and null:
            return None
        if not isinstance(value, int) or isinstance(value, bool):
            return f"must be a whole number (it is {value!r})"
        if not low <= value <= INT_RANGE[1]:
            return f"must be a whole number from {low} to {INT_RANGE[1]} (it is {value})"
        return None

    return check


def number(value, postgres):
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return f"must be a number (it is {value!r})"
    return None


def boolean(value, postgres):
    return None if isinstance(value, bool) else f"must be true or false (it is {value!r})"


def time(value, postgres):
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return f"must be a time like 2024-05-01T12:00:00+00:00 (it is {value!r})"
    if parsed.tzinfo is None:
        return f"must be a time with its UTC offset (it is {value!r})"
    return None


def json_object(*, null: bool = False) -> Check:
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
        for item in json_strings(value, max_depth=_MAX_JSON_DEPTH):
            problem = text_problem(item, False)
            if problem:
                return problem
    except TooDeep as exc:
        return f"is {exc}"
    return None


def aliases(value, postgres):
    if not isinstance(value, list):
        return f"must be a list of names (it is {value!r})"
    alias = text(SpeakerAlias.__table__.c.alias, blank=False)
    for item in value:
        problem = alias(item, postgres)
        if problem:
            return f"has an alias that {problem}"
    if len(set(value)) < len(value):
        return "lists an alias twice"
    return None


def field_names(names: Iterable[str]) -> Check:
    """A list of annotation field names, each once (``from_suggestion``)."""
    allowed = tuple(names)

    def check(value, postgres):
        if not isinstance(value, list):
            return f"must be a list of field names (it is {value!r})"
        for item in value:
            if item not in allowed:
                return f"names {item!r}, which is no field ({', '.join(allowed)})"
        if len(set(value)) < len(value):
            return "names a field twice"
        return None

    return check


def stances(value, postgres):
    if not isinstance(value, dict):
        return f"must be an object of target keys and stances (it is {value!r})"
    stance = text(Stance.__table__.c.value, blank=False)
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


def keymap(value, postgres):
    """The annotate page's keys as a project stores them (the actions changed from the
    defaults, or null), by the rules of the settings form."""
    if value is None:
        return None
    try:
        keys.check(value)
    except ValueError as exc:
        return f"is not a key map the settings would take ({exc})"
    return None


KEY = integer(low=1)
REF = integer(low=1, null=True)
