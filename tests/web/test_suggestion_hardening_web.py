"""Hostile and unlucky requests on the suggestion pages (issue 10 hardening)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.web.web_helpers import add_article, add_speaker, page_text, read, snapshot
from workbench.models import Speaker

TEXT = (
    '"We will open the bridge in May," Transport Minister Jane Doe said on Monday. '
    "Opposition leader John Smith said the plan would fail."
)


@pytest.mark.parametrize(("username", "linked"), [("ann", False), ("mona", True), ("root", True)])
def test_the_annotate_page_links_the_roster_for_managers_only(web, db, team, username, linked):
    project = team["project"]
    article, _ = add_article(db, project, TEXT)
    db.commit()
    web.login(username)
    body = read(web.get(f"/projects/{project.id}/articles/{article.id}/annotate"))
    roster = f'href="/projects/{project.id}/articles/{article.id}/roster"'
    assert (roster in body) == linked
    if linked:
        assert "Speaker roster" in page_text(body)
        assert web.get(f"/projects/{project.id}/articles/{article.id}/roster").status_code == 200
