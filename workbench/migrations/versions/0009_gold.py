"""gold labels: disagreements settled by an adjudicator, agreements accepted

``gold_labels`` holds the settled value of one field of a claim (a stance per
target): one row per claim and ``key`` (the field's name, or ``stance:<target
id>``), so that the unique constraint holds for every field (NULL target ids
would be distinct in a UNIQUE). ``projects.gold_reasons`` is the project's list
of reasons for settling a disagreement; existing projects get NULL, which is the
default list (workbench.models.GOLD_REASONS). No other data changes.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 02:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "gold_labels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=40), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=True),
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("value", sa.String(length=80), nullable=False),
        sa.Column("speaker_id", sa.Integer(), nullable=True),
        sa.Column("adjudicated", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("reason_text", sa.Text(), nullable=False),
        sa.Column("source_annotation_ids", sa.JSON(), nullable=False),
        sa.Column("codebook_version", sa.Integer(), nullable=False),
        sa.Column("settled_by_id", sa.Integer(), nullable=True),
        sa.Column("settled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_gold_labels_project_id_projects")
        ),
        sa.ForeignKeyConstraint(
            ["claim_id"], ["claims.id"], name=op.f("fk_gold_labels_claim_id_claims")
        ),
        sa.ForeignKeyConstraint(
            ["target_id"], ["targets.id"], name=op.f("fk_gold_labels_target_id_targets")
        ),
        sa.ForeignKeyConstraint(
            ["speaker_id"], ["speakers.id"], name=op.f("fk_gold_labels_speaker_id_speakers")
        ),
        sa.ForeignKeyConstraint(
            ["settled_by_id"], ["users.id"], name=op.f("fk_gold_labels_settled_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gold_labels")),
        sa.UniqueConstraint("claim_id", "key", name=op.f("uq_gold_labels_claim_id_key")),
    )
    op.create_index(
        op.f("ix_gold_labels_project_id_claim_id"), "gold_labels", ["project_id", "claim_id"]
    )
    op.create_index(op.f("ix_gold_labels_speaker_id"), "gold_labels", ["speaker_id"])
    # A plain ADD COLUMN (see 0002): SQLite's batch mode would copy the table.
    op.add_column("projects", sa.Column("gold_reasons", sa.JSON(), nullable=True))


def downgrade() -> None:
    # SQLite 3.35 and later drop a column in place; the projects table keeps its rows.
    op.drop_column("projects", "gold_reasons")
    op.drop_index(op.f("ix_gold_labels_speaker_id"), table_name="gold_labels")
    op.drop_index(op.f("ix_gold_labels_project_id_claim_id"), table_name="gold_labels")
    op.drop_table("gold_labels")
