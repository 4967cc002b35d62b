"""Text a database can store, checked once for the request guard and for restore.

PostgreSQL text cannot hold a NUL character (U+0000), and no driver can encode an
unpaired surrogate (U+D800 to U+DFFF) as UTF-8. Standard library only.
"""

from __future__ import annotations

from collections.abc import Iterator


class TooDeep(ValueError):
    """A JSON value nested deeper than allowed."""


def lone_surrogate(text: str) -> int | None:
    """Return the index of the first unpaired surrogate in ``text``, or None."""
    if text.isascii():  # O(1) in CPython, and by far the most common case
        return None
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        return exc.start
    return None


def is_storable(text: str) -> bool:
    """Return whether ``text`` has neither a NUL character nor an unpaired surrogate."""
    return "\x00" not in text and lone_surrogate(text) is None


def json_strings(value: object, *, max_depth: int | None = None) -> Iterator[str]:
    """Yield every string of a parsed JSON value, object keys included.

    Walked without recursion (the depth is the sender's choice); raises TooDeep
    when lists and objects nest more than ``max_depth`` levels.
    """
    pending: list[tuple[object, int]] = [(value, 0)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict | list):
            if max_depth is not None and depth >= max_depth:
                raise TooDeep(f"nested more than {max_depth} levels deep")
            children = [*item.keys(), *item.values()] if isinstance(item, dict) else item
            pending.extend((child, depth + 1) for child in children)
