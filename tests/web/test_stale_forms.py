"""Stale forms: the project settings and speaker edit forms refuse (409) to save over
changes made after they were opened, keep what the user typed and show what is saved now."""

from __future__ import annotations

import re

import pytest

from tests.web.web_helpers import add_speaker, form_values, fresh, page_text, read, snapshot
from workbench.models import Project, Speaker
from workbench.ops.projects import set_labels

SETTINGS_STALE = (
    "Someone changed these settings after you opened this page. Your changes were not saved. "
    "The current saved values are shown below; review and save again to replace them."
)
SPEAKER_STALE = (
    "Someone changed this speaker after you opened this page. Your changes were not saved. "
    "The current saved values are shown below; review and save again to replace them."
)


def _saved_now(body: str) -> str:
    """Return the text of the page's "saved now" section (empty when there is none)."""
    match = re.search(r'<section class="stale-form" id="saved-now">(.*?)</section>', body, re.S)
    return page_text(match.group(1)) if match else ""


@pytest.fixture
def managers(new_web, team):
    """Two logged-in managers of the team's project: the manager and the admin."""
    mona, root = new_web(), new_web()
    mona.login("mona")
    root.login("root")
    return mona, root


def test_a_stale_settings_form_is_refused_and_saving_again_replaces(app, db, team, managers):
    a, b = managers
    pid = team["project"].id
    url = f"/projects/{pid}/settings"
    opened_by_a = form_values(read(a.get(url)))
    opened_by_b = form_values(read(b.get(url)))
    assert opened_by_a["seen"] and opened_by_a["seen"] == opened_by_b["seen"]

    response = a.post(
        url,
        {
            **opened_by_a,
            "targets": opened_by_a["targets"] + "\nPeace",
            "guidelines": "A's new guidelines",
        },
    )
    assert response.status_code == 302, page_text(read(response))

    before = snapshot(app)
    mine = {**opened_by_b, "description": "B's description"}
    response = b.post(url, mine)
    body = read(response)
    assert response.status_code == 409
    assert snapshot(app) == before
    project = fresh(db).get(Project, pid)
    assert [t.name for t in project.targets] == ["Cooperation", "Peace"]
    assert project.guidelines == "A's new guidelines"
    assert project.description == ""
    assert SETTINGS_STALE in page_text(body)
    shown = form_values(body)
    # What the user typed comes back; ``seen`` moves on, and CSRF tokens are signed
    # anew with the time (a second later they differ).
    typed = [k for k in mine if k != "seen" and not k.endswith("csrf_token")]
    assert {k: shown[k] for k in typed} == {k: mine[k] for k in typed}
    saved = _saved_now(body)
    assert "Peace" in saved and "A's new guidelines" in saved
    assert "favor : The speaker supports or argues for the target." in saved
    assert shown["seen"] != opened_by_b["seen"]

    response = b.post(url, shown)
    assert response.status_code == 302, page_text(read(response))
    project = fresh(db).get(Project, pid)
    assert project.description == "B's description"
    assert [t.name for t in project.targets] == ["Cooperation"]
    assert project.guidelines == ""


def test_a_settings_change_made_elsewhere_makes_the_form_stale(app, db, team, managers):
    a, _ = managers
    project = team["project"]
    url = f"/projects/{project.id}/settings"
    opened = form_values(read(a.get(url)))
    # Only a definition changes (through the operation, as the CLI would).
    pairs = [(lb.value, lb.description) for lb in project.labels if lb.field == "attribution"]
    pairs[0] = (pairs[0][0], "Quoted word for word.")
    set_labels(db, project, "attribution", pairs)
    db.commit()
    before = snapshot(app)
    response = a.post(url, {**opened, "name": "Renamed"})
    body = read(response)
    assert response.status_code == 409
    assert snapshot(app) == before
    assert "Quoted word for word." in _saved_now(body)
    assert form_values(body)["name"] == "Renamed"


def test_a_settings_post_without_seen_is_refused_as_stale(app, db, team, managers):
    a, _ = managers
    pid = team["project"].id
    url = f"/projects/{pid}/settings"
    opened = form_values(read(a.get(url)))
    del opened["seen"]
    before = snapshot(app)
    response = a.post(url, {**opened, "name": "Renamed"})
    body = read(response)
    assert response.status_code == 409
    assert snapshot(app) == before
    assert SETTINGS_STALE in page_text(body)
    again = form_values(body)
    assert again["name"] == "Renamed" and again["seen"]
    response = a.post(url, again)
    assert response.status_code == 302, page_text(read(response))
    assert fresh(db).get(Project, pid).name == "Renamed"


def test_an_invalid_settings_form_keeps_the_seen_it_was_opened_with(team, managers):
    a, _ = managers
    url = f"/projects/{team['project'].id}/settings"
    opened = form_values(read(a.get(url)))
    response = a.post(url, {**opened, "stance": ""})
    body = read(response)
    assert response.status_code == 400
    assert form_values(body)["seen"] == opened["seen"]
    assert _saved_now(body) == ""


@pytest.fixture
def speaker(db, team):
    speaker = add_speaker(db, team["project"], "Mohammad Baqeri", aliases=["Bagheri"])
    db.commit()
    return speaker


def test_a_stale_speaker_form_is_refused_and_saving_again_replaces(
    app, db, team, managers, speaker
):
    a, b = managers
    url = f"/projects/{team['project'].id}/speakers/{speaker.id}/edit"
    opened_by_a = form_values(read(a.get(url)))
    opened_by_b = form_values(read(b.get(url)))
    assert opened_by_a["seen"] and opened_by_a["seen"] == opened_by_b["seen"]

    response = a.post(
        url,
        {**opened_by_a, "title": "Chief of Staff", "aliases": "Bagheri\nM. Baqeri"},
    )
    assert response.status_code == 302, page_text(read(response))

    before = snapshot(app)
    mine = {**opened_by_b, "type": "organization", "title": "B's title"}
    response = b.post(url, mine)
    body = read(response)
    assert response.status_code == 409
    assert snapshot(app) == before
    saved = fresh(db).get(Speaker, speaker.id)
    assert saved.title == "Chief of Staff"
    assert sorted(a.alias for a in saved.aliases) == ["Bagheri", "M. Baqeri"]
    assert SPEAKER_STALE in page_text(body)
    shown = form_values(body)
    assert (shown["type"], shown["title"], shown["aliases"]) == (
        "organization",
        "B's title",
        "Bagheri",
    )
    now = _saved_now(body)
    assert "Chief of Staff" in now and "M. Baqeri" in now
    assert shown["seen"] != opened_by_b["seen"]

    response = b.post(url, shown)
    assert response.status_code == 302, page_text(read(response))
    saved = fresh(db).get(Speaker, speaker.id)
    assert (saved.type, saved.title) == ("organization", "B's title")
    assert [a.alias for a in saved.aliases] == ["Bagheri"]


def test_a_speaker_post_without_seen_is_refused_as_stale(app, db, team, managers, speaker):
    a, _ = managers
    url = f"/projects/{team['project'].id}/speakers/{speaker.id}/edit"
    before = snapshot(app)
    response = a.post(url, {"name": "Mohammad Bagheri", "type": "person", "title": "General"})
    body = read(response)
    assert response.status_code == 409
    assert snapshot(app) == before
    assert SPEAKER_STALE in page_text(body)
    again = form_values(body)
    assert (again["name"], again["title"]) == ("Mohammad Bagheri", "General") and again["seen"]
    response = a.post(url, again)
    assert response.status_code == 302, page_text(read(response))
    assert fresh(db).get(Speaker, speaker.id).title == "General"
