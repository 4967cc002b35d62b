"""suggestions: two indexes fewer to keep up on every insert

An import stores four or five suggestion rows a claim, and every index of the
table is written for each. ``ix_suggestions_claim_id`` repeats the index of the
unique (claim_id, field) constraint, whose first column is claim_id: every query
by claim uses that one. ``ix_suggestions_speaker_id`` indexed the many rows that
name no registry speaker (attribution, verifiability, unknown speakers): it is
now partial, on the rows that name one, which is all that queries by speaker
(where a speaker was found, a speaker merge) ask for. No data changes.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 18:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAMES_A_SPEAKER = sa.text("speaker_id IS NOT NULL")


def upgrade() -> None:
    op.drop_index("ix_suggestions_claim_id", table_name="suggestions")
    op.drop_index("ix_suggestions_speaker_id", table_name="suggestions")
    op.create_index(
        "ix_suggestions_speaker_id",
        "suggestions",
        ["speaker_id"],
        sqlite_where=NAMES_A_SPEAKER,
        postgresql_where=NAMES_A_SPEAKER,
    )


def downgrade() -> None:
    op.drop_index("ix_suggestions_speaker_id", table_name="suggestions")
    op.create_index("ix_suggestions_speaker_id", "suggestions", ["speaker_id"])
    op.create_index("ix_suggestions_claim_id", "suggestions", ["claim_id"])
