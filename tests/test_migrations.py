"""Migrations: the newest one matches the models, and upgrades keep data."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from workbench.db import make_engine
from workbench.models import Base
from workbench.schema import alembic_config, head_revision, schema_state, upgrade


def test_models_and_migrations_agree(engine):
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


def test_upgrade_from_the_oldest_migration_keeps_data(tmp_path):
    from alembic.script import ScriptDirectory

    revisions = list(ScriptDirectory.from_config(alembic_config()).walk_revisions())
    oldest = revisions[-1].revision
    engine = make_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    upgrade(engine, oldest)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO users (username, password_hash, is_admin, is_active, created_at)"
                " VALUES ('old', 'x', 1, 1, '2025-01-01 00:00:00')"
            )
        )
    upgrade(engine)
    assert schema_state(engine).current == head_revision()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT username FROM users")).scalars().all() == ["old"]
    engine.dispose()


def test_an_empty_database_reports_empty(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    state = schema_state(engine)
    assert state.is_empty and not state.is_current
    engine.dispose()
