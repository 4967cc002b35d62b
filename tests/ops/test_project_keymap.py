"""A project's key map for the annotate page: stored as the actions changed from the
defaults, set from the lines a manager typed, recorded in the history."""

from __future__ import annotations

import pytest

from tests.conftest import make_project, make_user
from workbench.errors import InvalidInput
from workbench.keymap import defaults
from workbench.models import Project
from workbench.ops.history import project_history
from workbench.ops.projects import project_keymap, set_project_keymap


def _entries(session, project, action="edit-keys"):
    _, entries = project_history(session, project.id, size=1000)
    return [
        (e.user.username if e.user else None, e.before, e.after)
        for e in entries
        if e.action == action
    ]


def test_a_new_project_has_the_default_keys(session):
    project = make_project(session)
    assert project.keymap is None
    assert project_keymap(project) == defaults()


def test_setting_keys_stores_only_what_changed_and_records_it(session):
    mona = make_user(session, "mona")
    project = make_project(session, manager=mona)
    assert set_project_keymap(session, project, "note: m\nundo: z\nnext: j ArrowDown", user=mona)
    session.expire_all()
    project = session.get(Project, project.id)
    assert project.keymap == {"note": ["m"], "undo": ["z"]}
    assert project_keymap(project)["note"] == ("m",)
    assert project_keymap(project)["next"] == ("j", "ArrowDown")
    assert _entries(session, project) == [
        ("mona", {"keys": "undo: u\nnote: o"}, {"keys": "undo: z\nnote: m"})
    ]


def test_the_same_keys_again_change_nothing_and_record_nothing(session):
    project = make_project(session)
    set_project_keymap(session, project, "note: m")
    assert not set_project_keymap(session, project, "note: m\n")
    assert not set_project_keymap(session, project, "note: m\nhelp: ?")
    assert len(_entries(session, project)) == 1


def test_empty_text_restores_the_defaults(session):
    project = make_project(session)
    set_project_keymap(session, project, "note: m")
    assert set_project_keymap(session, project, "  \n")
    assert project.keymap is None
    assert project_keymap(project) == defaults()
    assert _entries(session, project)[0] == (None, {"keys": "note: m"}, {"keys": "note: o"})


@pytest.mark.parametrize(
    "lines, message",
    [
        ("note m", "Keys on the annotate page, line 1: write 'action: key key'"),
        ("help: h\nnote: k", "Keys on the annotate page, line 2: the key 'k' belongs to"),
        ("next: 5", "Keys on the annotate page, line 1: next: '5' is reserved"),
    ],
)
def test_bad_lines_are_refused_naming_the_line_and_change_nothing(session, lines, message):
    project = make_project(session)
    set_project_keymap(session, project, "note: m")
    with pytest.raises(InvalidInput) as caught:
        set_project_keymap(session, project, lines)
    assert caught.value.message.startswith(message)
    assert caught.value.field == "keys"
    assert project.keymap == {"note": ["m"]}
    assert len(_entries(session, project)) == 1


def test_a_stored_map_that_no_longer_checks_falls_back_per_action(session):
    project = make_project(session)
    project.keymap = {"gone": ["x"], "note": ["m"], "undo": ["j"]}
    session.flush()
    keymap = project_keymap(project)
    assert (keymap["note"], keymap["undo"]) == (("m",), ("u",))
