"""Refuse, before any view runs, a request whose text the database cannot store.

PostgreSQL text cannot hold a NUL character (U+0000), and neither database driver
can encode an unpaired surrogate (U+D800 to U+DFFF) as UTF-8: saved, either would
be a 500 halfway through a request. One check at the request boundary covers every
form, query string and JSON body, so no view needs to think about it. Uploaded
files are not looked at here: the importer strips such characters from their text.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import request

from workbench.errors import InvalidInput
from workbench.text.storable import is_storable, json_strings

FORM_MESSAGE = (
    "The form contained a character that cannot be stored (a NUL character or an "
    "unpaired surrogate). Remove it and send the form again."
)
JSON_MESSAGE = (
    "The request contained a character that cannot be stored (a NUL character, U+0000, "
    "or an unpaired surrogate, U+D800 to U+DFFF). Remove it and send the request again."
)
SUBMIT_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
TOO_DEEP_MESSAGE = "The JSON body is nested too deeply. Send a flatter JSON object."


def _storable_pairs(pairs: Iterable[tuple[str, str]]) -> bool:
    return all(is_storable(key) and is_storable(value) for key, value in pairs)


def refuse_unstorable_text() -> None:
    """Raise InvalidInput (400) when the query string, the form's fields or the JSON
    body contain a NUL character or an unpaired surrogate, or the JSON body is nested
    deeper than the parser can go; return None otherwise.

    The JSON body is parsed with ``get_json(silent=True)``, which Flask caches, so the
    view that reads it again does not parse it twice; a malformed body parses to None
    here and gets the view's own answer.
    """
    req = request._get_current_object()  # one context lookup instead of one per use
    if req.args and not _storable_pairs(req.args.items(multi=True)):
        raise InvalidInput(JSON_MESSAGE if req.path.startswith("/api/") else FORM_MESSAGE)
    if req.method in SUBMIT_METHODS:
        if req.form and not _storable_pairs(req.form.items(multi=True)):
            raise InvalidInput(FORM_MESSAGE)
        if req.is_json:
            try:
                body = req.get_json(silent=True)
            except RecursionError as exc:
                raise InvalidInput(TOO_DEEP_MESSAGE) from exc
            if not all(map(is_storable, json_strings(body))):
                raise InvalidInput(JSON_MESSAGE)
