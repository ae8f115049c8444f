"""routing, likelihood, webhooks and individual seminars

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 03:30:00

Routing decisions gain their trigger, the "watch" flag and when they were handled, and a partial
unique index (one current decision per lead); likelihood models; outgoing webhooks and their
deliveries; individual seminar sessions (個別セミナー) and their attendees.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
NOW = sa.text("(CURRENT_TIMESTAMP)")


def upgrade() -> None:
    with op.batch_alter_table("routing_decisions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("trigger", sa.String(length=20), server_default="batch", nullable=False))
        batch_op.add_column(sa.Column("watch", sa.Boolean(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("handled_at", sa.DateTime(), nullable=True))
        batch_op.create_index(
            "uq_routing_decisions_current",
            ["contact_id"],
            unique=True,
            sqlite_where=sa.text("superseded_at IS NULL"),
            postgresql_where=sa.text("superseded_at IS NULL"),
        )
        batch_op.create_index("ix_routing_decisions_member_decided", ["member_id", "decided_at"])
    op.create_table(
        "likelihood_models",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("weights", sa.JSON(), nullable=False),
        sa.Column("metrics", sa.JSON(), nullable=True),
        sa.Column("is_current", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("author", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(), server_default=NOW, nullable=False),
        sa.CheckConstraint("kind in ('default', 'calibrated')", name=op.f("ck_likelihood_models_kind")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_likelihood_models")),
    )
    op.create_table(
        "webhooks",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("team_id", Id, nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("url", sa.String(length=1000), nullable=False),
        sa.Column("secret", sa.String(length=200), nullable=False),
        sa.Column("events", sa.JSON(), nullable=False),
        sa.Column("is_active", sa.Boolean(), server_default="1", nullable=False),
        sa.Column("created_at", sa.DateTime(), server_default=NOW, nullable=False),
        sa.Column("updated_at", sa.DateTime(), server_default=NOW, nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name=op.f("fk_webhooks_team_id_teams"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhooks")),
    )
    with op.batch_alter_table("webhooks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_webhooks_team_id"), ["team_id"], unique=False)
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("webhook_id", Id, nullable=False),
        sa.Column("event", sa.String(length=60), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=12), server_default="pending", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=True),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), server_default=NOW, nullable=False),
        sa.Column("delivered_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint("status in ('pending', 'delivered', 'failed')", name=op.f("ck_webhook_deliveries_status")),
        sa.ForeignKeyConstraint(
            ["webhook_id"], ["webhooks.id"], name=op.f("fk_webhook_deliveries_webhook_id_webhooks"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_deliveries")),
    )
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_webhook_deliveries_webhook_id"), ["webhook_id"], unique=False)
        batch_op.create_index("ix_webhook_deliveries_status_next", ["status", "next_attempt_at"], unique=False)
    op.create_table(
        "seminar_sessions",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("external_id", sa.String(length=255), nullable=True),
        sa.Column("account_id", Id, nullable=False),
        sa.Column("campaign_id", Id, nullable=True),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), server_default=NOW, nullable=False),
        sa.Column("updated_at", sa.DateTime(), server_default=NOW, nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_seminar_sessions_account_id_accounts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_seminar_sessions_campaign_id_campaigns"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seminar_sessions")),
        sa.UniqueConstraint("external_id", name=op.f("uq_seminar_sessions_external_id")),
    )
    with op.batch_alter_table("seminar_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_seminar_sessions_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_seminar_sessions_campaign_id"), ["campaign_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_seminar_sessions_held_on"), ["held_on"], unique=False)
    op.create_table(
        "seminar_attendees",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("session_id", Id, nullable=False),
        sa.Column("contact_id", Id, nullable=True),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("department", sa.String(length=200), nullable=True),
        sa.Column("role", sa.String(length=40), nullable=True),
        sa.Column("level", sa.String(length=20), nullable=True),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_seminar_attendees_contact_id_contacts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["seminar_sessions.id"],
            name=op.f("fk_seminar_attendees_session_id_seminar_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seminar_attendees")),
        sa.UniqueConstraint("session_id", "contact_id", name="uq_seminar_attendees_session_contact"),
    )
    with op.batch_alter_table("seminar_attendees", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_seminar_attendees_contact_id"), ["contact_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_seminar_attendees_session_id"), ["session_id"], unique=False)


def downgrade() -> None:
    op.drop_table("seminar_attendees")
    op.drop_table("seminar_sessions")
    op.drop_table("webhook_deliveries")
    op.drop_table("webhooks")
    op.drop_table("likelihood_models")
    with op.batch_alter_table("routing_decisions", schema=None) as batch_op:
        batch_op.drop_index("ix_routing_decisions_member_decided")
        batch_op.drop_index("uq_routing_decisions_current")
        batch_op.drop_column("handled_at")
        batch_op.drop_column("watch")
        batch_op.drop_column("trigger")
