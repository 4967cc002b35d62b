"""targets are retired, not deleted

A target taken out of a project was deleted when no current annotation used it,
although the history still named it by id. It is now kept with ``retired`` set.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN on both backends: SQLite's batch mode would copy the table,
    # and dropping the old one fails while other tables' foreign keys point at it.
    op.add_column(
        "targets",
        sa.Column("retired", sa.Boolean(), server_default=sa.false(), nullable=False),
    )


def downgrade() -> None:
    op.drop_column("targets", "retired")
