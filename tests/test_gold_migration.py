"""Migration 0009 (gold labels, projects.gold_reasons): an existing database upgrades
without loss, its projects on the default reasons; gold is unique per claim and key
(a stance's key names its target, so two stances of a claim are two rows, one
stance twice is refused); and the migration goes back down and up."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import MetaData
from sqlalchemy.exc import IntegrityError

from tests.test_migrations import OLD_ROWS, _rows, empty_url  # noqa: F401 (a fixture)
from workbench.db import make_engine
from workbench.schema import alembic_config, upgrade

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _fill(engine) -> None:
    old = MetaData()
    old.reflect(engine)
    with engine.begin() as conn:
        for table in old.sorted_tables:
            if table.name in OLD_ROWS:
                conn.execute(table.insert(), OLD_ROWS[table.name])


def _tables(engine) -> MetaData:
    meta = MetaData()
    meta.reflect(engine)
    return meta


def _gold(key: str, target_id=None, **extra) -> dict:
    return {
        "project_id": 1,
        "claim_id": 1,
        "field": "stances" if target_id else key,
        "target_id": target_id,
        "key": key,
        "value": "favor" if target_id else "",
        "speaker_id": None,
        "adjudicated": True,
        "reason": "annotator slip",
        "reason_text": "",
        "source_annotation_ids": [1],
        "codebook_version": 3,
        "settled_by_id": 2,
        "settled_at": T0,
        "version": 1,
        **extra,
    }


def test_0009_adds_gold_and_keeps_the_data(empty_url):  # noqa: F811
    from alembic import command

    engine = make_engine(empty_url)
    try:
        upgrade(engine, "0008")
        _fill(engine)
        meta = _tables(engine)
        with engine.connect() as conn:
            before = {name: _rows(conn, meta.tables[name]) for name in OLD_ROWS}
        upgrade(engine, "0009")
        meta = _tables(engine)
        with engine.connect() as conn:
            after = {name: _rows(conn, meta.tables[name]) for name in OLD_ROWS}
        for name, rows in before.items():
            assert [{k: r[k] for k in rows[0]} for r in after[name]] == rows, name
        assert [r["gold_reasons"] for r in after["projects"]] == [None], "the defaults"

        gold = meta.tables["gold_labels"]
        with engine.begin() as conn:
            conn.execute(gold.insert(), [_gold("stance:1", 1), _gold("stance:2", 2)])
            conn.execute(gold.insert(), _gold("speaker", speaker_id=1))
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(gold.insert(), _gold("stance:1", 1, value="against"))
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(gold.insert(), _gold("via", speaker_id=999))
        with engine.connect() as conn:
            assert [r["key"] for r in _rows(conn, gold)] == ["stance:1", "stance:2", "speaker"]

        config = alembic_config()
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            command.downgrade(config, "0008")
        down = _tables(engine)
        assert "gold_labels" not in down.tables
        with engine.connect() as conn:
            projects = _rows(conn, down.tables["projects"])
        assert "gold_reasons" not in projects[0]
        assert projects == before["projects"]
        upgrade(engine, "0009")
        assert "gold_labels" in _tables(engine).tables
    finally:
        engine.dispose()
