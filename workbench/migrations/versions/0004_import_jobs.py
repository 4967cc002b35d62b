"""import jobs and their reports

An import is stored in short transactions as it runs (so that it never holds
SQLite's write lock for long); the job keeps its progress and counts, and one
row per item says what became of it.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 07:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "import_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("files_total", sa.Integer(), nullable=False),
        sa.Column("files_read", sa.Integer(), nullable=False),
        sa.Column("items_total", sa.Integer(), nullable=False),
        sa.Column("items_done", sa.Integer(), nullable=False),
        sa.Column("imported", sa.Integer(), nullable=False),
        sa.Column("duplicates", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("claims", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_import_jobs_project_id_projects")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_import_jobs_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_jobs")),
    )
    op.create_index(op.f("ix_import_jobs_project_id"), "import_jobs", ["project_id"])
    op.create_table(
        "import_job_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("claims", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"], ["articles.id"], name=op.f("fk_import_job_items_article_id_articles")
        ),
        sa.ForeignKeyConstraint(
            ["job_id"], ["import_jobs.id"], name=op.f("fk_import_job_items_job_id_import_jobs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_job_items")),
        sa.UniqueConstraint("job_id", "position", name=op.f("uq_import_job_items_job_id_position")),
    )
    op.create_index(
        op.f("ix_import_job_items_job_id_status_position"),
        "import_job_items",
        ["job_id", "status", "position"],
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_import_job_items_job_id_status_position"), "import_job_items")
    op.drop_table("import_job_items")
    op.drop_index(op.f("ix_import_jobs_project_id"), "import_jobs")
    op.drop_table("import_jobs")
