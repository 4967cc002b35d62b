"""Stale forms: a form that replaces a whole record carries a digest of the record it showed.

The settings and speaker forms have no version column; instead the page puts a
digest of the record as it was read into a hidden ``seen`` field. On POST the
view locks the record, computes the digest again and saves only when the two
match; otherwise someone saved in between, and the form comes back (409) with
what the user typed, the values saved now and ``seen`` moved on, so that a
second submit replaces them on purpose. A POST without ``seen`` counts as stale:
it cannot show which values it was meant to replace.
"""

from __future__ import annotations

import hashlib
import json


def record_digest(record: dict) -> str:
    """Return a short hex digest (SHA-256, 32 characters) of a JSON-serialisable record."""
    text = json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def stale_record(form, record: dict) -> dict | None:
    """Return ``record`` when the form's ``seen`` digest is not its digest (someone
    saved since the form was opened), after moving ``seen`` on, so that submitting
    the form again replaces it on purpose; None when the form is current."""
    if not is_stale(form.seen.data, record):
        return None
    form.seen.data = record_digest(record)
    return record


def is_stale(seen: str | None, record: dict) -> bool:
    """Return whether ``seen`` (the digest the form was opened with) differs from ``record``'s."""
    return seen != record_digest(record)
