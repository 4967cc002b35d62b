"""The settings page's "Keys on the annotate page": shown, saved, refused naming the
line, stale-form protected, managers only."""

from __future__ import annotations

import re

import pytest

from tests.web.web_helpers import form_values, fresh, page_text, read, snapshot
from workbench.keymap import ACTIONS, defaults, format_keymap_lines
from workbench.models import Project
from workbench.ops.history import project_history
from workbench.ops.projects import set_project_keymap


@pytest.fixture
def mona(new_web, team):
    client = new_web()
    client.login("mona")
    return client


def _url(team) -> str:
    return f"/projects/{team['project'].id}/settings"


def _keys_error(body: str) -> str:
    """The errors shown with the keys box (above it, so that they are in view)."""
    match = re.search(r'<div id="keys-errors">(.*?)</div>\s*<textarea[^>]*name="keys"', body, re.S)
    return page_text(match.group(1)) if match else ""


def test_the_form_shows_the_default_keys_and_what_each_action_does(mona, team):
    body = read(mona.get(_url(team)))
    assert form_values(body)["keys"] == format_keymap_lines(defaults())
    text = page_text(body)
    assert "Keys on the annotate page" in text
    assert "empty the box and save to restore all the defaults" in text
    for action in ACTIONS:
        assert f"{action.name} {action.description}" in text


def test_saving_keys_stores_the_change_and_records_it(app, db, mona, team):
    opened = form_values(read(mona.get(_url(team))))
    response = mona.post(_url(team), {**opened, "keys": "note: m\r\nundo: z\r\n"})
    assert response.status_code == 302, page_text(read(response))
    project = fresh(db).get(Project, team["project"].id)
    assert project.keymap == {"note": ["m"], "undo": ["z"]}
    again = form_values(read(mona.get(_url(team))))
    assert "note: m" in again["keys"].splitlines()
    assert "next: j ArrowDown" in again["keys"].splitlines()
    _, entries = project_history(db, project.id, size=100)
    assert [(e.user.username, e.after) for e in entries if e.action == "edit-keys"] == [
        ("mona", {"keys": "undo: z\nnote: m"})
    ]
    history = page_text(read(mona.get(f"/projects/{project.id}/history")))
    assert "Keys changed" in history and "undo: z note: m" in history


def test_an_empty_box_restores_the_defaults(db, mona, team):
    set_project_keymap(db, team["project"], "note: m")
    db.commit()
    opened = form_values(read(mona.get(_url(team))))
    response = mona.post(_url(team), {**opened, "keys": ""})
    assert response.status_code == 302, page_text(read(response))
    assert fresh(db).get(Project, team["project"].id).keymap is None


@pytest.mark.parametrize(
    "keys, message",
    [
        ("note: m\nhelp h", "line 2: write 'action: key key'"),
        ("note: k", "line 1: the key 'k' belongs to 'previous' by default"),
        ("undo: x\nnext: Tab", "line 2: next: 'Tab' is reserved"),
    ],
)
def test_bad_keys_are_refused_beside_the_box_naming_the_line(app, mona, team, keys, message):
    opened = form_values(read(mona.get(_url(team))))
    before = snapshot(app)
    response = mona.post(_url(team), {**opened, "keys": keys, "description": "New."})
    body = read(response)
    assert response.status_code == 400
    assert snapshot(app) == before, "nothing is saved, the description neither"
    assert _keys_error(body).startswith(f"Keys on the annotate page, {message}")
    assert "Nothing was changed: the keys need a correction (below)." in page_text(body)
    shown = form_values(body)
    assert shown["keys"] == keys and shown["description"] == "New."


def test_keys_changed_elsewhere_make_the_form_stale(app, db, mona, team):
    opened = form_values(read(mona.get(_url(team))))
    set_project_keymap(db, team["project"], "help: h")  # as the command line would
    db.commit()
    before = snapshot(app)
    response = mona.post(_url(team), {**opened, "keys": "note: m"})
    body = read(response)
    assert response.status_code == 409
    assert snapshot(app) == before
    saved = re.search(r'id="saved-now">(.*?)</section>', body, re.S).group(1)
    assert "help: h" in page_text(saved)
    shown = form_values(body)
    assert shown["keys"] == "note: m"
    response = mona.post(_url(team), shown)
    assert response.status_code == 302, page_text(read(response))
    assert fresh(db).get(Project, team["project"].id).keymap == {"note": ["m"]}


def test_an_annotator_can_neither_see_nor_set_the_keys(app, new_web, team):
    ann = new_web()
    ann.login("ann")
    assert ann.get(_url(team)).status_code == 403
    before = snapshot(app)
    response = ann.post(_url(team), {"keys": "note: m", "name": "Talks", "seen": "x"})
    assert response.status_code == 403
    assert snapshot(app) == before
