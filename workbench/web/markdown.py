"""Markdown for guidelines and descriptions, with raw HTML stripped."""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

# html=False: raw HTML in the source is shown as text, never passed through;
# nh3 then cleans what markdown-it produced (e.g. javascript: links).
_md = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


def render_markdown(text: str | None) -> Markup:
    """Return safe HTML for Markdown ``text``."""
    html = _md.render(text or "")
    return Markup(nh3.clean(html, url_schemes={"http", "https", "mailto"}))
