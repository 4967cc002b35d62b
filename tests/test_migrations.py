"""Migrations: the newest one matches the models, and upgrades keep data."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import MetaData, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

from tests.conftest import TEST_URL, is_postgres
from workbench.db import make_engine
from workbench.models import Base
from workbench.schema import alembic_config, head_revision, schema_state, upgrade


def test_models_and_migrations_agree(engine):
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


T0 = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)
TEXT = "Minister Jane Doe said the bridge will open in May. Critics disagree."
# One or more rows in every table of the oldest schema, related as the app relates them.
OLD_ROWS: dict[str, list[dict]] = {
    "users": [
        {
            "id": 1,
            "username": "ann",
            "password_hash": "x",
            "is_admin": False,
            "is_active": True,
            "created_at": T0,
        },
        {
            "id": 2,
            "username": "mona",
            "password_hash": "y",
            "is_admin": True,
            "is_active": True,
            "created_at": T0,
        },
    ],
    "login_failures": [
        {"id": 1, "username": "ann", "address": "10.0.0.1", "count": 2, "last_at": T0}
    ],
    "projects": [
        {
            "id": 1,
            "name": "Old project",
            "description": "d",
            "guidelines": "# G",
            "codebook_version": 3,
            "created_at": T0,
        }
    ],
    "memberships": [
        {"id": 1, "project_id": 1, "user_id": 1, "role": "annotator"},
        {"id": 2, "project_id": 1, "user_id": 2, "role": "manager"},
    ],
    "targets": [
        {"id": 1, "project_id": 1, "name": "Bridge", "description": "", "position": 0},
        {"id": 2, "project_id": 1, "name": "Budget", "description": "money", "position": 1},
    ],
    "labels": [
        {
            "id": 1,
            "project_id": 1,
            "field": "stance",
            "value": "favor",
            "description": "",
            "position": 0,
        },
        {
            "id": 2,
            "project_id": 1,
            "field": "verifiability",
            "value": "verifiable",
            "description": "can be checked",
            "position": 0,
        },
    ],
    "articles": [
        {
            "id": 1,
            "project_id": 1,
            "title": "Bridge",
            "outlet": "Daily",
            "author": "",
            "url": "",
            "published": "2025-01-01",
            "language": "en",
            "dateline": "",
            "text": TEXT,
            "content_hash": "h" * 64,
            "extra": {"k": "v"},
            "source": "a.txt",
            "imported_by_id": 2,
            "created_at": T0,
        }
    ],
    "claims": [
        {
            "id": 1,
            "article_id": 1,
            "position": 1,
            "start": 0,
            "end": 51,
            "state": "active",
            "merged_into_id": None,
            "created_at": T0,
        },
        {
            "id": 2,
            "article_id": 1,
            "position": 2,
            "start": 52,
            "end": 69,
            "state": "active",
            "merged_into_id": None,
            "created_at": T0,
        },
    ],
    "speakers": [
        {
            "id": 1,
            "project_id": 1,
            "name": "Jane Doe",
            "type": "person",
            "title": "Minister",
            "merged_into_id": None,
            "created_at": T0,
        }
    ],
    "speaker_aliases": [{"id": 1, "speaker_id": 1, "alias": "Doe"}],
    "annotations": [
        {
            "id": 1,
            "claim_id": 1,
            "user_id": 1,
            "speaker_id": 1,
            "via_id": None,
            "attribution": "",
            "verifiability": "verifiable",
            "note": "n",
            "status": "done",
            "span_changed": False,
            "codebook_version": 3,
            "version": 2,
            "created_at": T0,
            "updated_at": T0,
        }
    ],
    "stances": [{"id": 1, "annotation_id": 1, "target_id": 1, "value": "favor"}],
    "suggestions": [
        {
            "id": 1,
            "claim_id": 2,
            "field": "verifiability",
            "value": "not_a_claim",
            "confidence": 0.5,
            "evidence": {"rule": "x"},
            "source": "splitter",
        }
    ],
    "history": [
        {
            "id": 1,
            "project_id": 1,
            "entity": "annotation",
            "entity_id": 1,
            "claim_id": 1,
            "action": "update",
            "user_id": 1,
            "at": T0,
            "before": {"version": 1},
            "after": {"version": 2, "stances": {"1": "favor"}},
        }
    ],
}


@pytest.fixture
def empty_url(tmp_path):
    """An empty database: SQLite in a temporary folder, or on PostgreSQL a schema
    of its own in the test database (the suite's own tables stay untouched)."""
    if not (TEST_URL and is_postgres(TEST_URL)):
        yield f"sqlite:///{tmp_path / 'old.sqlite3'}"
        return
    admin = make_engine(TEST_URL)
    with admin.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS migration_test CASCADE"))
        conn.execute(text("CREATE SCHEMA migration_test"))
    url = make_url(TEST_URL).update_query_dict({"options": "-csearch_path=migration_test"})
    yield url.render_as_string(hide_password=False)
    with admin.begin() as conn:
        conn.execute(text("DROP SCHEMA migration_test CASCADE"))
    admin.dispose()


def _rows(conn, table):
    return [dict(r._mapping) for r in conn.execute(table.select().order_by(table.c.id))]


def test_upgrade_from_the_oldest_migration_keeps_data(empty_url):
    from alembic.script import ScriptDirectory

    revisions = list(ScriptDirectory.from_config(alembic_config()).walk_revisions())
    oldest = revisions[-1].revision
    assert oldest != head_revision(), "only one migration: this test would test nothing"
    engine = make_engine(empty_url)
    try:
        upgrade(engine, oldest)
        old = MetaData()
        old.reflect(engine)
        assert set(OLD_ROWS) == set(old.tables) - {"alembic_version"}
        with engine.begin() as conn:
            for table in old.sorted_tables:
                if table.name in OLD_ROWS:
                    conn.execute(table.insert(), OLD_ROWS[table.name])
        with engine.connect() as conn:
            before = {name: _rows(conn, old.tables[name]) for name in OLD_ROWS}
        upgrade(engine)
        assert schema_state(engine).current == head_revision()
        new = MetaData()
        new.reflect(engine)
        with engine.connect() as conn:
            after = {name: _rows(conn, new.tables[name]) for name in OLD_ROWS}
        for name, rows in before.items():
            kept = [{k: row[k] for k in rows[0]} for row in after[name]]
            assert kept == rows, name
        # what the newer migrations added has its defaults
        assert [r["retired"] for r in after["targets"]] == [False, False]
        assert [(r["reason"], r["speaker_id"]) for r in after["suggestions"]] == [("", None)]
        assert [r["wire_source"] for r in after["articles"]] == [""]
        assert [r["from_suggestion"] for r in after["annotations"]] == [[]]
    finally:
        engine.dispose()


def test_upgrade_to_0005_keeps_suggestions_and_links_them_to_speakers(empty_url):
    """0005 adds columns to tables with rows; the new speaker link is a foreign key."""
    engine = make_engine(empty_url)
    try:
        upgrade(engine, "0004")
        old = MetaData()
        old.reflect(engine)
        with engine.begin() as conn:
            for table in old.sorted_tables:
                if table.name in OLD_ROWS:
                    conn.execute(table.insert(), OLD_ROWS[table.name])
        upgrade(engine, "0005")
        new = MetaData()
        new.reflect(engine)
        suggestions = new.tables["suggestions"]
        with engine.begin() as conn:
            conn.execute(
                suggestions.insert(),
                {
                    "id": 2,
                    "claim_id": 1,
                    "field": "speaker",
                    "value": "Jane Doe",
                    "confidence": 0.9,
                    "evidence": {"rule": "said"},
                    "source": "suggester",
                    "reason": "named before 'said'",
                    "speaker_id": 1,
                },
            )
            rows = _rows(conn, suggestions)
        assert [(r["id"], r["value"], r["reason"], r["speaker_id"]) for r in rows] == [
            (1, "not_a_claim", "", None),
            (2, "Jane Doe", "named before 'said'", 1),
        ]
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(suggestions.update().where(suggestions.c.id == 2).values(speaker_id=999))
    finally:
        engine.dispose()


def test_an_empty_database_reports_empty(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    state = schema_state(engine)
    assert state.is_empty and not state.is_current
    engine.dispose()
