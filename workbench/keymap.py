"""The annotate page's key map: which keys do what, per project.

Pure (no Flask, no database): the page reads ``resolve(stored)`` for the project
at hand, the project settings parse and check what a manager types with
``parse_keymap_lines``, and ``format_keymap_lines`` shows the current map back.

A key is one printable character (``j``, ``?``) or one of the named keys of
``NAMED_KEYS`` (``Enter``, ``ArrowDown``), as the browser's ``KeyboardEvent.key``
spells them. The digits pick values (``1``-``9`` the n-th value of the current
field, ``0`` "not set"), and ``Escape``, ``Tab`` and ``Ctrl+Z`` keep their fixed
meanings: none of them can be given to an action.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Action:
    name: str
    description: str
    keys: tuple[str, ...]  # the default keys


ACTIONS: tuple[Action, ...] = (
    Action("next", "next claim", ("j", "ArrowDown")),
    Action("previous", "previous claim", ("k", "ArrowUp")),
    Action("next-open", "next claim not done", ("n",)),
    Action("done", "mark the claim done and go to the next claim not done", ("Enter", "d")),
    Action("accept", "accept the suggestions, mark the claim done, go to the next", ("a",)),
    Action("undo", "undo the last change (Ctrl+Z also does)", ("u",)),
    Action("help", "show or hide the keys", ("?",)),
    Action("codebook", "show or hide the codebook (guidelines and label definitions)", ("c",)),
    Action("speaker", "the speaker field: open the speaker picker", ("s",)),
    Action("via", "the via field: open the picker for the source relayed", ("v",)),
    Action("attribution", "the attribution field", ("t",)),
    Action("stance", "the stance fields, one key per target in order", ("e", "w", "q")),
    Action("verifiability", "the verifiability field", ("f",)),
    Action("note", "the note (type in it; Escape leaves it)", ("o",)),
)
BY_NAME = {a.name: a for a in ACTIONS}

NAMED_KEYS = frozenset(
    {"Enter", "ArrowDown", "ArrowUp", "ArrowLeft", "ArrowRight", "PageDown", "PageUp", " "}
)
# Keys with a fixed meaning on the page, never given to an action.
RESERVED = frozenset("0123456789") | {"Escape", "Tab"}

KeyMap = dict[str, tuple[str, ...]]


def defaults() -> KeyMap:
    return {a.name: a.keys for a in ACTIONS}


def _check_key(key: object, where: str) -> None:
    if not isinstance(key, str):
        raise ValueError(f"{where}: {key!r} is not a key: give one character or a key's name")
    if key in RESERVED:
        raise ValueError(f"{where}: {key!r} is reserved (digits pick values; Escape, Tab)")
    if len(key) != 1 and key not in NAMED_KEYS:
        named = ", ".join(sorted(k for k in NAMED_KEYS if k != " "))
        raise ValueError(
            f"{where}: {key!r} is not a key: give one character, Space or one of {named}"
        )
    if len(key) == 1 and not key.isprintable():
        raise ValueError(f"{where}: {key!r} is not a printable character")


def _check_action(name: object, keys: object) -> tuple[str, ...]:
    """Return ``keys`` as a tuple; raise ValueError for an unknown action, keys that
    are not a list, no key, a key that is not one or is reserved, a key listed twice."""
    if name not in BY_NAME:
        known = ", ".join(BY_NAME)
        raise ValueError(f"unknown action {name!r}; the actions are: {known}")
    if not isinstance(keys, list | tuple):
        raise ValueError(f"{name}: the keys must be a list (not {keys!r})")
    keys = tuple(keys)
    if not keys:
        raise ValueError(f"{name}: give at least one key")
    for key in keys:
        _check_key(key, name)
    if len(set(keys)) != len(keys):
        raise ValueError(f"{name}: a key is listed twice")
    return keys


def check(mapping: dict[str, tuple[str, ...] | list[str]]) -> KeyMap:
    """Return ``mapping`` (action name -> keys) completed with the defaults of the
    actions it leaves out; raise ValueError for a mapping that is not one, an unknown
    action, a key that is not one, a reserved key, or a key given to two actions."""
    if not isinstance(mapping, dict):
        raise ValueError(f"a key map is a mapping of actions to keys, not {mapping!r}")
    result = defaults()
    for name, keys in mapping.items():
        result[name] = _check_action(name, keys)
    owner: dict[str, str] = {}
    for name, keys in result.items():
        for key in keys:
            if key in owner:
                raise ValueError(
                    f"the key {shown(key)!r} is given to both {owner[key]!r} and {name!r}"
                )
            owner[key] = name
    return result


def resolve(stored: dict | None) -> KeyMap:
    """The key map of a project from what it stores (only the changed actions, or
    nothing). A stored map that no longer checks (an action renamed or a key taken
    by a new action since) keeps each stored action that still fits, in order, and
    the defaults for the rest; never raises."""
    if not stored or not isinstance(stored, dict):
        return defaults()
    try:
        return check(stored)
    except ValueError:
        result = defaults()
        for name, keys in stored.items():
            if name in result:
                try:
                    result = check({**result, name: keys})
                except ValueError:
                    continue
        return result


def changed(keymap: KeyMap) -> dict[str, list[str]]:
    """The actions whose keys differ from the defaults (what a project stores)."""
    base = defaults()
    return {name: list(keys) for name, keys in keymap.items() if base.get(name) != keys}


def shown(key: str) -> str:
    """A key as the page and the settings write it (the space bar as ``Space``)."""
    return "Space" if key == " " else key


# Named keys as typed in the settings, any case ("enter", "SPACE"), to the browser's name.
# Escape and Tab too, so that "tab" is refused as reserved rather than as no key.
_BY_FOLDED = {k.casefold(): k for k in NAMED_KEYS | {"Escape", "Tab"} if k != " "} | {"space": " "}


def _read(key: str) -> str:
    return _BY_FOLDED.get(key.casefold(), key) if len(key) > 1 else key


def parse_keymap_lines(text: str) -> KeyMap:
    """Parse ``action: key key`` lines (keys separated by spaces; ``Space`` for the
    space bar; named keys in any case); actions not listed keep their default keys,
    so that empty text gives the defaults. Blank lines and lines starting with ``#``
    are skipped. Raises ValueError naming the line: no colon, an unknown action, an
    action listed twice, no key, a key that is not one or is reserved, a key listed
    twice, a key that another action has (typed or by default)."""
    mapping: dict[str, tuple[str, ...]] = {}
    lines: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, colon, keys = line.partition(":")
        name = name.strip()
        if not colon:
            raise ValueError(f"line {number}: write 'action: key key', e.g. 'next: j ArrowDown'")
        if name in mapping:
            raise ValueError(
                f"line {number}: the action {name!r} is listed twice (first on line {lines[name]})"
            )
        mapping[name] = tuple(_read(k) for k in keys.split())
        lines[name] = number
        try:
            _check_action(name, mapping[name])
        except ValueError as exc:
            raise ValueError(f"line {number}: {exc}") from exc
    _check_clashes({**defaults(), **mapping}, lines)
    return check(mapping)


def _check_clashes(keymap: KeyMap, lines: dict[str, int]) -> None:
    """Raise ValueError for a key that two actions have, naming the (later) line that
    gives it: both typed, or one typed and the other's by default."""
    owner: dict[str, str] = {}
    clashes = []
    for name, keys in keymap.items():
        for key in keys:
            if key in owner:
                clashes.append((key, owner[key], name))
            else:
                owner[key] = name
    if not clashes:
        return

    def line_of(clash):
        return max(lines.get(clash[1], 0), lines.get(clash[2], 0))

    key, first, second = min(clashes, key=line_of)
    typed = [n for n in (first, second) if n in lines]
    key = shown(key)
    if len(typed) == 2:
        a, b = sorted(typed, key=lines.__getitem__)
        raise ValueError(
            f"line {lines[b]}: the key {key!r} is given to both {a!r} (line {lines[a]}) and {b!r}"
        )
    (mine,) = typed
    other = second if mine == first else first
    raise ValueError(
        f"line {lines[mine]}: the key {key!r} belongs to {other!r} by default; choose "
        f"another key for {mine!r}, or give {other!r} other keys on a line of its own"
    )


def format_keymap_lines(keymap: KeyMap) -> str:
    """The key map as ``action: key key`` lines, one per action, in ACTIONS order
    (what parse_keymap_lines reads back)."""
    return "\n".join(f"{name}: {' '.join(shown(k) for k in keys)}" for name, keys in keymap.items())
