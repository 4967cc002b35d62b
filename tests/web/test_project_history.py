"""The history page of a project's settings and members: what the web forms change is
recorded with who did it, shown newest first, a page at a time, to managers only."""

from __future__ import annotations

import re

import pytest

import workbench.web.projects
from tests.conftest import make_user
from tests.web.web_helpers import form_values, page_text, read


def _history_rows(body: str) -> list[str]:
    rows = (
        re.findall(r"<tr>(.*?)</tr>", body.split("<tbody>", 1)[1], re.S)
        if "<tbody>" in body
        else []
    )
    return [page_text(row) for row in rows]


def test_settings_and_member_changes_made_in_the_browser_are_on_the_history_page(
    app, db, team, new_web
):
    project = team["project"]
    make_user(db, "bea")
    db.commit()
    mona = new_web()
    mona.login("mona")
    settings = f"/projects/{project.id}/settings"
    page = read(mona.get(settings))
    history_url = f"/projects/{project.id}/history"
    assert f'href="{history_url}"' in page  # linked from the settings page
    form = form_values(page)
    form.update(
        name="Talks 2024",
        guidelines="Code the speaker first.",
        targets="Cooperation\nSanctions",
        stance=form["stance"] + "\nmixed: Both.",
    )
    form = {k: v for k, v in form.items() if not k.startswith("rename-")}
    assert mona.post(settings, form).status_code == 302
    target = project.targets[0].id
    response = mona.post(
        f"/projects/{project.id}/targets/rename",
        {"rename-target": str(target), "rename-name": "Regional cooperation"},
    )
    assert response.status_code == 302
    members = f"/projects/{project.id}/members"
    # A manager invites; the member is added when the invited user accepts.
    assert mona.post(members, {"username": "bea", "role": "annotator"}).status_code == 302
    bea = new_web()
    bea.login("bea")
    invitation = form_values(read(bea.get("/")))["invitation"]
    answer = {"invitation": invitation, "answer": "accept"}
    assert bea.post("/invitations/answer", answer).status_code == 302
    assert mona.post(f"{members}/remove", {"username": "bea"}).status_code == 302

    rows = _history_rows(read(mona.get(history_url)))
    assert [row.split(" ", 3)[2:] for row in rows[:2]] == [
        ["mona", "Member removed Member bea Role annotator"],
        ["bea", "Member added Member bea Role annotator"],
    ]
    text = " | ".join(rows)
    for expected in (
        f"Target renamed Target Cooperation (id {target}) "
        f"Target Regional cooperation (id {target})",
        "Target added Target Sanctions",
        "Project renamed Name Talks Name Talks 2024",
        "Guidelines changed Guidelines — Guidelines Code the speaker first.",
        "Labels changed Field stance",
        "mixed: Both.",
    ):
        assert expected in text, (expected, text)
    assert rows[-1].endswith(
        "Project created Name Talks Description — Guidelines — Targets Cooperation Manager mona"
    )
    # The team's annotator was added by the test's factory, as the command line does.
    assert rows[-2].endswith("command line Member added Member ann Role annotator")
    assert all(" mona " in row for row in rows[2:-2])


def test_the_history_page_is_paginated_with_links(app, db, team, new_web, monkeypatch):
    monkeypatch.setattr(workbench.web.projects, "PROJECT_HISTORY_PAGE_SIZE", 2)
    project = team["project"]  # created, and ann added: 2 entries
    for name in ("bea", "cid", "dan"):
        make_user(db, name)
    db.commit()
    root, mona = new_web(), new_web()
    root.login("root")
    mona.login("mona")
    for name in ("bea", "cid", "dan"):  # an admin adds members directly
        root.post(f"/projects/{project.id}/members", {"username": name, "role": "annotator"})
    url = f"/projects/{project.id}/history"
    first = read(mona.get(url))
    assert "Page 1 of 3" in page_text(first) and "5 changes" in first
    assert [row.split(" root ")[1] for row in _history_rows(first)] == [
        "Member added Member dan Role annotator",
        "Member added Member cid Role annotator",
    ]
    assert f'href="{url}?page=2" rel="next"' in first and 'rel="prev"' not in first
    second = read(mona.get(f"{url}?page=2"))
    assert f'href="{url}?page=1" rel="prev"' in second and f'href="{url}?page=3"' in second
    last = read(mona.get(f"{url}?page=3"))
    assert 'rel="next"' not in last
    assert _history_rows(last)[-1].split(" ", 3)[3].startswith("Project created")
    assert mona.get(f"{url}?page=4").status_code == 404
    assert mona.get(f"{url}?page=2147483648").status_code == 404
    assert mona.get(f"{url}?page=x").status_code == 400


@pytest.mark.parametrize(("username", "status"), [("ann", 403), ("stan", 404)])
def test_only_managers_see_the_project_history(app, team, new_web, username, status):
    web = new_web()
    web.login(username)
    assert web.get(f"/projects/{team['project'].id}/history").status_code == status
