"""Counts in words (pure): "1 annotation", "2 annotations", "1,204 claims"."""

from __future__ import annotations


def counted(count: int, singular: str, plural: str | None = None) -> str:
    """Return ``count`` with the noun that fits it: ``singular`` for exactly one, else
    ``plural`` (``singular`` + "s" when not given); the count with thousands separators."""
    noun = singular if count == 1 else (plural or f"{singular}s")
    return f"{count:,} {noun}"
