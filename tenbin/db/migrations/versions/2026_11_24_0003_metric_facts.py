"""metric facts

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 23:50:00

The data revision (one counter row moved by triggers on every table the metrics are derived from)
and the metrics cells (leads and ICP leads per ICP version, stage, month reached, furthest stage,
first-touch campaign and offer, and team, and roll-ups of them) with the revision each version's
cells were built at; covering indexes for each lead's stages and first touch.
The table list is written out here so that this migration stays what it was when the list in
``tenbin.db.revision`` grows (a later migration adds triggers for new tables).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from tenbin.db.revision import create_triggers, drop_triggers

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

WATCHED = ("accounts", "contacts", "responses", "stage_events", "funnel_stages", "campaigns", "offers", "teams",
           "team_members", "attribute_definitions", "custom_values", "challenge_categories", "challenges",
           "icp_versions")  # fmt: skip
Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "data_revision",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("revision", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("txid", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_revision")),
    )
    op.create_table(
        "metric_cells",
        sa.Column("icp_version", sa.Integer(), nullable=False),
        sa.Column("grain", sa.String(length=10), nullable=False),
        sa.Column("stage", sa.String(length=40), nullable=False),
        sa.Column("month", sa.Date(), nullable=True),
        sa.Column("top_position", sa.Integer(), nullable=False),
        sa.Column("campaign_id", Id, nullable=True),
        sa.Column("offer_id", Id, nullable=True),
        sa.Column("team_id", Id, nullable=True),
        sa.Column("leads", sa.Integer(), nullable=False),
        sa.Column("icp", sa.Integer(), nullable=False),
    )
    with op.batch_alter_table("metric_cells", schema=None) as batch_op:
        batch_op.create_index(
            "ix_metric_cells_version_grain_stage", ["icp_version", "grain", "stage", "month"], unique=False
        )
    op.create_table(
        "metric_cells_state",
        sa.Column("icp_version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("revision", sa.BigInteger(), nullable=False),
        sa.Column("refreshed_at", sa.DateTime(), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("icp_version", name=op.f("pk_metric_cells_state")),
    )
    with op.batch_alter_table("stage_events", schema=None) as batch_op:
        batch_op.create_index("ix_stage_events_contact_stage_entered", ["contact_id", "stage_id", "entered_at"])
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.create_index(
            "ix_responses_contact_first_touch", ["contact_id", "responded_at", "id", "campaign_id", "offer_id"]
        )
    create_triggers(op.get_bind(), WATCHED)


def downgrade() -> None:
    drop_triggers(op.get_bind(), WATCHED)
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.drop_index("ix_responses_contact_first_touch")
    with op.batch_alter_table("stage_events", schema=None) as batch_op:
        batch_op.drop_index("ix_stage_events_contact_stage_entered")
    op.drop_table("metric_cells_state")
    with op.batch_alter_table("metric_cells", schema=None) as batch_op:
        batch_op.drop_index("ix_metric_cells_version_grain_stage")
    op.drop_table("metric_cells")
    op.drop_table("data_revision")
