"""Fast constructors for the frozen result classes of model.py.

A frozen dataclass sets each field through ``object.__setattr__`` in a generated
``__init__``: about a microsecond for an Evidence, two for a Proposal. The suggester
makes several of each per claim, which was a quarter of its time. These functions set
the slots directly (the slot descriptors ignore the frozen ``__setattr__``) and give
objects equal to the ones the classes' constructors make, field for field
(tests/suggest/test_build.py checks it), with every field given, in field order.
Should a class gain a field, the plain constructor is used instead (see the end).
"""

from __future__ import annotations

from dataclasses import fields

from workbench.suggest.model import ClaimSuggestions, Evidence, Proposal

_new = object.__new__


def _setters(cls) -> tuple:
    return tuple(getattr(cls, f.name).__set__ for f in fields(cls))


_E = _setters(Evidence)
_P = _setters(Proposal)
_C = _setters(ClaimSuggestions)


def evidence(role: str, start: int, end: int, text: str) -> Evidence:
    """Return ``Evidence(role, start, end, text)``."""
    obj = _new(Evidence)
    a, b, c, d = _E
    a(obj, role)
    b(obj, start)
    c(obj, end)
    d(obj, text)
    return obj


def proposal(
    field, value, confidence, reason, evidence=(), rule="", continuation=False, speaker=None
) -> Proposal:
    """Return ``Proposal(field, value, confidence, reason, evidence, rule, continuation,
    speaker)`` (the same defaults)."""
    obj = _new(Proposal)
    a, b, c, d, e, f, g, h = _P
    a(obj, field)
    b(obj, value)
    c(obj, confidence)
    d(obj, reason)
    e(obj, evidence)
    f(obj, rule)
    g(obj, continuation)
    h(obj, speaker)
    return obj


def claim(start, end, speaker, speaker_type, via, attribution, verifiability) -> ClaimSuggestions:
    """Return ``ClaimSuggestions(start, end, speaker, speaker_type, via, attribution,
    verifiability)``."""
    obj = _new(ClaimSuggestions)
    a, b, c, d, e, f, g = _C
    a(obj, start)
    b(obj, end)
    c(obj, speaker)
    d(obj, speaker_type)
    e(obj, via)
    f(obj, attribution)
    g(obj, verifiability)
    return obj


# A class with other fields than these (say a field added to model.py later) is built
# by its own constructor, which fills in the defaults.
if [f.name for f in fields(Evidence)] != ["role", "start", "end", "text"]:
    evidence = Evidence  # noqa: F811
if [f.name for f in fields(Proposal)] != [
    "field",
    "value",
    "confidence",
    "reason",
    "evidence",
    "rule",
    "continuation",
    "speaker",
]:
    proposal = Proposal  # noqa: F811
if [f.name for f in fields(ClaimSuggestions)] != [
    "start",
    "end",
    "speaker",
    "speaker_type",
    "via",
    "attribution",
    "verifiability",
]:
    claim = ClaimSuggestions  # noqa: F811
