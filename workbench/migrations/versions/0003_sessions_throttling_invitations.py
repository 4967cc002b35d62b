"""server-side login sessions, address throttling, instance settings, invitations

A session cookie copied before logout kept working: sessions are now rows
(``login_sessions``) that logout, a new password, an admin or deactivation end.
Failed logins are also counted per address (``login_address_failures``), and
both throttling tables get an index on their time, by which old rows are pruned.
``instance_settings`` holds what an admin sets in the browser (who may create
projects), ``invitations`` a manager's pending invitations into a project.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 07:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(op.f("ix_login_failures_last_at"), "login_failures", ["last_at"])
    op.create_table(
        "login_address_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("last_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_address_failures")),
        sa.UniqueConstraint("address", name=op.f("uq_login_address_failures_address")),
    )
    op.create_index(
        op.f("ix_login_address_failures_last_at"), "login_address_failures", ["last_at"]
    )
    op.create_table(
        "login_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_reason", sa.String(length=20), nullable=False),
        sa.Column("user_agent", sa.String(length=200), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_login_sessions_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_login_sessions_token_hash")),
    )
    op.create_index(
        op.f("ix_login_sessions_user_id_ended_at"), "login_sessions", ["user_id", "ended_at"]
    )
    op.create_table(
        "instance_settings",
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_instance_settings")),
    )
    op.create_table(
        "invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("invited_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["invited_by_id"], ["users.id"], name=op.f("fk_invitations_invited_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_invitations_project_id_projects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitations")),
        sa.UniqueConstraint(
            "project_id", "username", name=op.f("uq_invitations_project_id_username")
        ),
    )


def downgrade() -> None:
    op.drop_table("invitations")
    op.drop_table("instance_settings")
    op.drop_index(op.f("ix_login_sessions_user_id_ended_at"), table_name="login_sessions")
    op.drop_table("login_sessions")
    op.drop_index(op.f("ix_login_address_failures_last_at"), table_name="login_address_failures")
    op.drop_table("login_address_failures")
    op.drop_index(op.f("ix_login_failures_last_at"), table_name="login_failures")
