"""assignments, blind mode and the roles of team review

A manager assigns articles to annotators (``assignments``: one row per article
and annotator, who assigned it and when). ``projects.assigned_only`` says whether
annotators annotate only the articles assigned to them: it turns on when the first
article is assigned, and existing projects get false, so they stay as open as they
were. ``projects.blind`` (on for new and existing projects) says that an annotator
never sees another annotator's labels, notes or history. The two new roles
(adjudicator, viewer) need no change: ``memberships.role`` is a string.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 01:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("assigned_by_id", sa.Integer(), nullable=True),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_assignments_project_id_projects")
        ),
        sa.ForeignKeyConstraint(
            ["article_id"], ["articles.id"], name=op.f("fk_assignments_article_id_articles")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_assignments_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["assigned_by_id"], ["users.id"], name=op.f("fk_assignments_assigned_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assignments")),
        sa.UniqueConstraint(
            "article_id", "user_id", name=op.f("uq_assignments_article_id_user_id")
        ),
    )
    op.create_index(
        op.f("ix_assignments_project_id_user_id_article_id"),
        "assignments",
        ["project_id", "user_id", "article_id"],
    )
    # Plain ADD COLUMNs (see 0002): SQLite's batch mode would copy the table.
    op.add_column(
        "projects",
        sa.Column("blind", sa.Boolean(), nullable=False, server_default=sa.true()),
    )
    op.add_column(
        "projects",
        sa.Column("assigned_only", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    op.drop_column("projects", "assigned_only")
    op.drop_column("projects", "blind")
    op.drop_index(
        op.f("ix_assignments_project_id_user_id_article_id"), table_name="assignments"
    )
    op.drop_table("assignments")
