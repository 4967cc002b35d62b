"""Migration 0007 (projects.keymap): an existing database upgrades without loss, its
projects on the default keys, and a key map stored since goes back down and up."""

from __future__ import annotations

from sqlalchemy import MetaData

from tests.test_migrations import OLD_ROWS, _rows, empty_url  # noqa: F401 (a fixture)
from workbench.db import make_engine
from workbench.schema import alembic_config, upgrade


def _fill(engine) -> None:
    old = MetaData()
    old.reflect(engine)
    with engine.begin() as conn:
        for table in old.sorted_tables:
            if table.name in OLD_ROWS:
                conn.execute(table.insert(), OLD_ROWS[table.name])


def _projects(engine) -> list[dict]:
    meta = MetaData()
    meta.reflect(engine)
    with engine.connect() as conn:
        return _rows(conn, meta.tables["projects"])


def test_0007_adds_an_empty_keymap_and_keeps_the_projects(empty_url):  # noqa: F811
    from alembic import command

    engine = make_engine(empty_url)
    try:
        upgrade(engine, "0006")
        _fill(engine)
        before = _projects(engine)
        upgrade(engine, "0007")
        after = _projects(engine)
        assert [r["keymap"] for r in after] == [None], "the default keys"
        assert [{k: r[k] for k in before[0]} for r in after] == before

        meta = MetaData()
        meta.reflect(engine)
        projects = meta.tables["projects"]
        with engine.begin() as conn:
            conn.execute(projects.update().values(keymap={"note": ["m"]}))
        assert _projects(engine)[0]["keymap"] == {"note": ["m"]}

        config = alembic_config()
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            command.downgrade(config, "0006")
        down = _projects(engine)
        assert "keymap" not in down[0]
        assert down == before, "the rest of each project stays"
        upgrade(engine, "0007")
        assert [r["keymap"] for r in _projects(engine)] == [None]
    finally:
        engine.dispose()
