"""suggestions: reason, registry speaker, wire source, taken suggestions, re-runs

The suggester (workbench/suggest) proposes every claim's speaker, speaker type,
via, attribution and verifiability. A suggestion gains its reason in words and
the registry speaker it names (``speaker_id``); an article gains the wire service
its dateline names (``wire_source``); an annotation records which saved fields
took the suggestion unchanged (``from_suggestion``, a JSON list of field names);
``suggestion_runs`` holds a re-run of the suggester over a project, stored batch
by batch. Existing rows get the defaults (empty reason, no speaker, no wire
source, no field taken from a suggestion).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 13:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMNs on both backends (see 0002): SQLite's batch mode would copy
    # the tables, which other tables' foreign keys point at.
    op.add_column("suggestions", sa.Column("reason", sa.Text(), server_default="", nullable=False))
    if op.get_context().dialect.name == "sqlite":
        # SQLite cannot add a constraint to a table, but a column added with its
        # REFERENCES clause is a foreign key all the same.
        op.execute(
            "ALTER TABLE suggestions ADD COLUMN speaker_id INTEGER "
            "CONSTRAINT fk_suggestions_speaker_id_speakers REFERENCES speakers (id)"
        )
    else:
        op.add_column("suggestions", sa.Column("speaker_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            op.f("fk_suggestions_speaker_id_speakers"),
            "suggestions",
            "speakers",
            ["speaker_id"],
            ["id"],
        )
    op.create_index(op.f("ix_suggestions_speaker_id"), "suggestions", ["speaker_id"])
    op.add_column(
        "articles",
        sa.Column("wire_source", sa.String(length=200), server_default="", nullable=False),
    )
    op.add_column(
        "annotations",
        sa.Column("from_suggestion", sa.JSON(), server_default="[]", nullable=False),
    )
    op.create_table(
        "suggestion_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("articles_total", sa.Integer(), nullable=False),
        sa.Column("articles_done", sa.Integer(), nullable=False),
        sa.Column("claims", sa.Integer(), nullable=False),
        sa.Column("suggestions", sa.Integer(), nullable=False),
        sa.Column("after_article_id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_suggestion_runs_project_id_projects")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_suggestion_runs_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suggestion_runs")),
    )
    op.create_index(op.f("ix_suggestion_runs_project_id"), "suggestion_runs", ["project_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_suggestion_runs_project_id"), "suggestion_runs")
    op.drop_table("suggestion_runs")
    op.drop_column("annotations", "from_suggestion")
    op.drop_column("articles", "wire_source")
    op.drop_index(op.f("ix_suggestions_speaker_id"), "suggestions")
    # No table's foreign key points at suggestions: SQLite may copy it.
    with op.batch_alter_table("suggestions") as batch:
        batch.drop_constraint("fk_suggestions_speaker_id_speakers", type_="foreignkey")
        batch.drop_column("speaker_id")
        batch.drop_column("reason")
