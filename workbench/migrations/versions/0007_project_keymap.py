"""projects: the annotate page's key map

A manager changes which keys do what on the annotate page, per project
(workbench/keymap.py). ``keymap`` holds only the actions changed from the
defaults, as JSON (action name -> list of keys); existing projects get NULL,
which is the default key map. No other data changes.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 14:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN on both backends (see 0002): SQLite's batch mode would copy
    # the table, which other tables' foreign keys point at.
    op.add_column("projects", sa.Column("keymap", sa.JSON(), nullable=True))


def downgrade() -> None:
    # SQLite 3.35 and later drop a column in place; the projects table keeps its rows.
    op.drop_column("projects", "keymap")
