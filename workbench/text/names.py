"""Matching typed names to speakers: pure functions on strings.

A speaker is seen here as its name and its aliases; ``named_index`` finds which one a
typed name means under a fold (``str`` for exact, ``str.casefold`` for any case,
``fold_name`` for any case and any diacritics).  ``workbench.ops.speakers`` and the
suggester both use it.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache

__all__ = ["NameIndex", "collapse", "fold_name", "lookup_index", "named_index"]

Fold = Callable[[str], str]
Entry = tuple[str, Iterable[str]]


def collapse(text: str) -> str:
    """Return ``text`` with each run of white space one space, stripped."""
    return " ".join(text.split())


@lru_cache(maxsize=65536)
def fold_name(text: str) -> str:
    """Return ``text`` folded for matching: case, diacritics, apostrophes, white space.

    "Bāqerī", "BAQERI" and "baqeri" fold alike; so do "O’Neill" and "O'Neill".
    """
    text = unicodedata.normalize("NFKD", text.replace("’", "'").replace("‘", "'"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(text.casefold().split())


def named_index(entries: Sequence[Entry], wanted: str, fold: Fold) -> int | None:
    """Return the index of the entry whose name, or else one of whose aliases, is
    ``wanted`` under ``fold``; None when none is. The first such entry wins."""
    key = fold(wanted)
    for i, (name, _aliases) in enumerate(entries):
        if fold(name) == key:
            return i
    for i, (_name, aliases) in enumerate(entries):
        if key in {fold(a) for a in aliases}:
            return i
    return None


def lookup_index(entries: Sequence[Entry], wanted: str) -> int | None:
    """The entry a typed name means: by name, else by alias; exactly, else in any case."""
    wanted = collapse(wanted)
    found = named_index(entries, wanted, str)
    return found if found is not None else named_index(entries, wanted, str.casefold)


class NameIndex:
    """Names and aliases folded once (``fold_name``), for many look-ups in O(1).

    ``get(text)`` returns the value of the first entry named ``text``, else of the
    first with it as an alias, else None.
    """

    def __init__(self, entries: Iterable[tuple[str, Iterable[str], object]] = ()) -> None:
        self._names: dict[str, object] = {}
        self._aliases: dict[str, object] = {}
        for name, aliases, value in entries:
            self.add(name, aliases, value)

    def add(self, name: str, aliases: Iterable[str], value: object) -> None:
        self._names.setdefault(fold_name(name), value)
        for alias in aliases:
            self._aliases.setdefault(fold_name(alias), value)

    def get(self, text: str) -> object | None:
        key = fold_name(text)
        found = self._names.get(key)
        return found if found is not None else self._aliases.get(key)

    def __bool__(self) -> bool:
        return bool(self._names or self._aliases)
