"""A dump carries the project's key map for the annotate page; a restore puts it back,
refuses one the settings would refuse, and restores an older dump with the defaults."""

from __future__ import annotations

import hashlib
import json

import pytest
from sqlalchemy import func, select

from tests.conftest import make_project, make_user
from tests.ops.test_backup import other_database
from workbench.errors import InvalidInput
from workbench.keymap import defaults
from workbench.models import HistoryEntry, Project
from workbench.ops.backup import dump_lines, read_dump, restore_project
from workbench.ops.projects import project_keymap, set_project_keymap


@pytest.fixture
def keyed(session):
    mona = make_user(session, "mona")
    project = make_project(session, "Keys", manager=mona)
    set_project_keymap(session, project, "note: m\nnext: J ArrowDown\naccept: Space", user=mona)
    session.commit()
    return project


def _records(lines):
    return [json.loads(line) for line in lines]


def _dumped(session, project) -> list[dict]:
    """The project's dump records without the closing one; the dump's read-only
    snapshot ended, so that the session may restore next."""
    records = _records(list(dump_lines(session, project)))[:-1]
    session.rollback()
    return records


def _closed(records):
    """Dump lines of ``records`` (a header first, no closing record) with a closing
    record that matches them, as dump_lines writes it."""
    lines = [json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in records]
    counts: dict[str, int] = {}
    for r in records[1:]:
        counts[r["type"]] = counts.get(r["type"], 0) + 1
    digest = hashlib.sha256("".join(lines).encode()).hexdigest()
    end = {"type": "end", "counts": counts, "sha256": digest}
    return [*lines, json.dumps(end, sort_keys=True) + "\n"]


def test_a_dump_carries_the_key_map_and_a_restore_puts_it_back(session, keyed, tmp_path):
    first = list(dump_lines(session, keyed))
    (project_record,) = [r for r in _records(first) if r["type"] == "project"]
    assert project_record["keymap"] == {"accept": [" "], "next": ["J", "ArrowDown"], "note": ["m"]}
    engine, sessions = other_database(tmp_path)
    try:
        with sessions() as other:
            restored, _, _ = restore_project(other, read_dump(first))
            other.commit()
            assert project_keymap(restored) == project_keymap(keyed)
            assert project_keymap(restored)["accept"] == (" ",)
            history = other.scalars(
                select(HistoryEntry.after).where(HistoryEntry.action == "edit-keys")
            ).all()
            assert history == [{"keys": "next: J ArrowDown\naccept: Space\nnote: m"}]
            second = list(dump_lines(other, restored))
    finally:
        engine.dispose()
    assert second == first


def test_a_project_on_the_default_keys_dumps_none_and_restores_so(session):
    project = make_project(session, "Plain")
    session.commit()
    lines = list(dump_lines(session, project))
    session.rollback()
    assert [r["keymap"] for r in _records(lines) if r["type"] == "project"] == [None]
    restored, _, _ = restore_project(session, read_dump(lines), name="Plain again")
    session.commit()
    assert restored.keymap is None and project_keymap(restored) == defaults()
    stored = session.scalar(
        select(func.count()).select_from(Project).where(Project.keymap.is_(None))
    )
    assert stored == 2, "SQL NULL, not the JSON null"


def test_a_dump_from_before_key_maps_restores_with_the_default_keys(session, keyed):
    records = _dumped(session, keyed)
    records[0]["format_version"] = 4
    for record in records:
        if record["type"] == "project":
            del record["keymap"]
    restored, _, warnings = restore_project(session, read_dump(_closed(records)), name="Old")
    assert warnings == []
    assert restored.keymap is None and project_keymap(restored) == defaults()


def test_a_key_map_stored_at_its_defaults_is_restored_as_none(session, keyed):
    records = _dumped(session, keyed)
    for record in records:
        if record["type"] == "project":
            record["keymap"] = {"next": ["j", "ArrowDown"]}
    restored, _, _ = restore_project(session, read_dump(_closed(records)), name="Same")
    assert restored.keymap is None


@pytest.mark.parametrize(
    "keymap, problem",
    [
        ({"jump": ["x"]}, "unknown action 'jump'"),
        ({"note": ["k"]}, "the key 'k' is given to both 'previous' and 'note'"),
        ({"note": ["5"]}, "note: '5' is reserved"),
        ({"note": "m"}, "note: the keys must be a list"),
        (["note", "m"], "a key map is a mapping"),
    ],
)
def test_a_key_map_the_settings_would_refuse_is_refused_naming_the_line(
    session, keyed, keymap, problem
):
    records = _dumped(session, keyed)
    for record in records:
        if record["type"] == "project":
            record["keymap"] = keymap
    projects = session.scalar(select(func.count()).select_from(Project))
    with pytest.raises(InvalidInput) as caught:
        restore_project(session, read_dump(_closed(records)), name="Bad")
    session.rollback()
    assert caught.value.message.startswith(
        "Line 2 of the dump: the project's 'keymap' is not a key map the settings would "
        f"take ({problem}"
    )
    assert session.scalar(select(func.count()).select_from(Project)) == projects
