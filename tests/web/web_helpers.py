"""Helpers shared by the web tests: arranging articles and reading pages."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

from sqlalchemy import select

from workbench.importing import parse_pasted
from workbench.models import Article, Base
from workbench.ops.articles import import_items
from workbench.ops.claims import active_claims
from workbench.ops.speakers import create_speaker

TALK = (
    "Baqeri said the talks in Baghdad went well. "
    '"We will expand our cooperation," he told reporters on Sunday. '
    "The ministry of defence denied the report. "
    "Officials expect a new agreement next year."
)


def add_article(session, project, text=TALK, *, title="Talks in Baghdad", user=None):
    """Import ``text`` into ``project`` (flushed, not committed); return (article, claims)."""
    report = import_items(session, project, parse_pasted(text, title=title), user=user)
    assert report.imported == 1, report
    article = session.get(Article, report.results[0].article_id)
    return article, active_claims(session, article)


def add_speaker(session, project, name="Mohammad Baqeri", **kwargs):
    return create_speaker(session, project, name, **kwargs)


_TAG = re.compile(r"<[^>]+>")


def page_text(body: str) -> str:
    """Return the page's text: tags dropped, entities decoded, white space collapsed."""
    return " ".join(html.unescape(_TAG.sub(" ", body)).split())


def progress(body: str) -> tuple[int, int]:
    """Return (done, total) from the annotation page's progress line."""
    match = re.search(r"You have done (\d+) of (\d+) claims?\.", page_text(body))
    assert match, "no progress line on the page"
    return int(match.group(1)), int(match.group(2))


def read(response) -> str:
    """Return the whole body as text and close the response (streams included)."""
    body = response.get_data(as_text=True)
    response.close()
    return body


_REPORT_ROW = re.compile(
    r'<tr class="status-(\w+)">\s*<td>(.*?)</td>\s*<td>.*?</td>\s*<td>(.*?)</td>', re.S
)


def report_rows(body: str) -> list[tuple[str, str, str]]:
    """Return the import report's rows as (status, source, details), as text."""
    return [
        (status, page_text(source), page_text(_TAG.sub("", details)))
        for status, source, details in _REPORT_ROW.findall(body)
    ]


class _FormReader(HTMLParser):
    """Collect the current values of one form's fields, as a browser would submit them."""

    def __init__(self, form_id: str | None):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = form_id is None
        self.values: dict[str, str] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form" and self.form_id is not None:
            self.inside = a.get("id") == self.form_id
            return
        if not self.inside:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("radio", "checkbox"):
                if "checked" in a:
                    self.values[name] = a.get("value", "on")
                else:
                    self.values.setdefault(name, "")
            elif kind != "submit":
                self.values[name] = a.get("value", "")
        elif tag == "select" and name:
            self._select = name
            self.values[name] = ""
        elif tag == "option" and self._select and "selected" in a:
            self.values[self._select] = a.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.values[name] = ""

    def handle_endtag(self, tag):
        if tag == "form" and self.form_id is not None:
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            current = self.values[self._textarea]
            if not current:
                # A textarea's first line break belongs to the markup, not to the value.
                data = data.removeprefix("\r\n").removeprefix("\n")
            self.values[self._textarea] = current + data


def form_values(body: str, form_id: str | None = None) -> dict[str, str]:
    """Return the named fields of the form ``form_id`` (all forms when None) and their values."""
    reader = _FormReader(form_id)
    reader.feed(body)
    return reader.values


def fresh(session):
    """Return ``session`` in a new transaction with nothing cached, to see what requests did."""
    session.rollback()
    session.expire_all()
    return session


def snapshot(app) -> dict[str, list[tuple]]:
    """Every row of every table, as text, so that any change shows."""
    engine = app.extensions["workbench.engine"]
    with engine.connect() as conn:
        return {
            table.name: sorted(
                tuple(str(value) for value in row) for row in conn.execute(select(table))
            )
            for table in Base.metadata.sorted_tables
        }


# The fields of a save through the JSON API (docs/api.md), for property tests.
API_FIELDS = [
    "base_version",
    "speaker_id",
    "via_id",
    "attribution",
    "verifiability",
    "note",
    "stances",
    "status",
    "claim_span",
]


def json_values(text):
    """A hypothesis strategy of JSON values whose strings (object keys too) come from ``text``."""
    from hypothesis import strategies as st

    return st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | text,
        lambda children: (
            st.lists(children, max_size=4) | st.dictionaries(text, children, max_size=4)
        ),
        max_leaves=12,
    )
