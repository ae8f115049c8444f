"""The workspace schema: every entity of DOMAIN.md §4 as SQLAlchemy Core tables.

One workspace per database. Timestamps are naive and in workspace-local time (Asia/Tokyo by
default) so month and 年度 buckets are plain SQL on both SQLite and PostgreSQL; money is integer
yen. Imported records keep their ``external_id`` (the source system's id) so re-imports
match them first by it (名寄せ).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    event,
    func,
    text,
)

from tenbin.db.revision import create_triggers

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING)

# BIGINT on PostgreSQL, INTEGER on SQLite (so the id is SQLite's rowid alias).
Id = BigInteger().with_variant(Integer(), "sqlite")
Money = BigInteger  # integer yen


def _pk() -> Column[int]:
    return Column("id", Id, primary_key=True, autoincrement=True)


def _fk(name: str, target: str, *, nullable: bool = True, ondelete: str | None = None) -> Column[int]:
    return Column(name, Id, ForeignKey(target, ondelete=ondelete), nullable=nullable, index=True)


def _stamps() -> list[Column[Any]]:
    return [
        Column("created_at", DateTime, nullable=False, server_default=func.current_timestamp()),
        Column("updated_at", DateTime, nullable=False, server_default=func.current_timestamp()),
    ]


def _imported() -> list[Column[Any]]:
    """Columns every importable record has: the id it has in the source system."""
    return [
        Column("external_id", String(255), nullable=True, unique=True),
    ]


workspace_settings = Table(
    "workspace_settings",
    metadata,
    Column("key", String(100), primary_key=True),
    Column("value", JSON, nullable=False),
    Column("updated_at", DateTime, nullable=False, server_default=func.current_timestamp()),
)

# Custom attributes: any imported column the mapping does not know is kept, typed, per entity.
attribute_definitions = Table(
    "attribute_definitions",
    metadata,
    _pk(),
    Column("entity", String(40), nullable=False),
    Column("key", String(200), nullable=False),
    Column("label", String(200), nullable=False),
    Column("type", String(10), nullable=False),  # text | number | date | boolean
    Column("created_at", DateTime, nullable=False, server_default=func.current_timestamp()),
    UniqueConstraint("entity", "key", name="uq_attribute_definitions_entity_key"),
    CheckConstraint("type in ('text', 'number', 'date', 'boolean')", name="type"),
)

custom_values = Table(
    "custom_values",
    metadata,
    Column(
        "attribute_id",
        Id,
        ForeignKey("attribute_definitions.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("record_id", Id, primary_key=True),
    Column("value_text", Text, nullable=False),
    Column("value_number", Float, nullable=True),
    Column("value_date", Date, nullable=True),
    Index("ix_custom_values_number", "attribute_id", "value_number"),
    Index("ix_custom_values_record", "record_id"),
)

accounts = Table(
    "accounts",
    metadata,
    _pk(),
    *_imported(),
    Column("corporate_number", String(13), nullable=True, unique=True),
    Column("name", String(300), nullable=False),
    Column("name_key", String(300), nullable=False, index=True),
    Column("name_kana", String(300), nullable=True),
    Column("domain", String(255), nullable=True, index=True),
    Column("industry_code", String(1), nullable=True, index=True),
    Column("industry_text", String(200), nullable=True),
    Column("employees", Integer, nullable=True),
    Column("employee_band", String(20), nullable=True, index=True),
    Column("revenue", Money, nullable=True),
    Column("revenue_band", String(20), nullable=True, index=True),
    Column("prefecture_code", String(2), nullable=True, index=True),
    Column("city", String(200), nullable=True),
    Column("address", String(500), nullable=True),
    Column("postal_code", String(8), nullable=True),
    Column("phone", String(20), nullable=True),
    Column("listing", String(20), nullable=True),
    Column("is_named_account", Boolean, nullable=False, server_default="0"),
    Column("customer_since", Date, nullable=True),
    Column("owner", String(200), nullable=True),
    *_stamps(),
    CheckConstraint("employees is null or employees >= 0", name="employees_nonnegative"),
    CheckConstraint("revenue is null or revenue >= 0", name="revenue_nonnegative"),
)

contacts = Table(
    "contacts",
    metadata,
    _pk(),
    *_imported(),
    _fk("account_id", "accounts.id", ondelete="SET NULL"),
    Column("last_name", String(100), nullable=True),
    Column("first_name", String(100), nullable=True),
    Column("last_name_kana", String(100), nullable=True),
    Column("first_name_kana", String(100), nullable=True),
    Column("email", String(320), nullable=True, unique=True),
    Column("phone", String(20), nullable=True),
    Column("department", String(200), nullable=True),
    Column("title", String(200), nullable=True),
    Column("level", String(20), nullable=True),
    Column("source", String(200), nullable=True),
    Column("lifecycle_stage", String(100), nullable=True),
    Column("owner", String(200), nullable=True),
    Column("acquired_at", DateTime, nullable=True, index=True),
    *_stamps(),
)

campaigns = Table(
    "campaigns",
    metadata,
    _pk(),
    *_imported(),
    Column("name", String(300), nullable=False, unique=True),
    Column("channel", String(100), nullable=False),
    Column("orientation", String(10), nullable=False),  # quantity (量) | quality (質)
    Column("starts_on", Date, nullable=True),
    Column("ends_on", Date, nullable=True),
    Column("cost", Money, nullable=True),
    Column("description", Text, nullable=True),
    *_stamps(),
    CheckConstraint("orientation in ('quantity', 'quality')", name="orientation"),
    CheckConstraint("cost is null or cost >= 0", name="cost_nonnegative"),
)

offers = Table(
    "offers",
    metadata,
    _pk(),
    *_imported(),
    Column("name", String(200), nullable=False, unique=True),
    Column("ladder_rank", Integer, nullable=False),
    Column("description", Text, nullable=True),
    *_stamps(),
)

responses = Table(
    "responses",
    metadata,
    _pk(),
    *_imported(),
    _fk("contact_id", "contacts.id", nullable=False, ondelete="CASCADE"),
    _fk("campaign_id", "campaigns.id", nullable=False, ondelete="CASCADE"),
    _fk("offer_id", "offers.id", ondelete="SET NULL"),
    Column("responded_at", DateTime, nullable=False, index=True),
    Column("status", String(100), nullable=True),
    *_stamps(),
    # 0003: each lead's first touch read from the index alone (metrics)
    Index("ix_responses_contact_first_touch", "contact_id", "responded_at", "id", "campaign_id", "offer_id"),
)

funnel_stages = Table(
    "funnel_stages",
    metadata,
    _pk(),
    Column("code", String(40), nullable=False, unique=True),
    Column("name_ja", String(100), nullable=False),
    Column("name_en", String(100), nullable=False),
    Column("position", Integer, nullable=False, unique=True),
)

stage_events = Table(
    "stage_events",
    metadata,
    _pk(),
    *_imported(),
    _fk("contact_id", "contacts.id", ondelete="CASCADE"),
    _fk("account_id", "accounts.id", ondelete="CASCADE"),
    _fk("stage_id", "funnel_stages.id", nullable=False, ondelete="CASCADE"),
    Column("entered_at", DateTime, nullable=False, index=True),
    *_stamps(),
    CheckConstraint("contact_id is not null or account_id is not null", name="subject"),
    # 0003: the stages each lead reached, read from the index alone (metrics)
    Index("ix_stage_events_contact_stage_entered", "contact_id", "stage_id", "entered_at"),
)

opportunities = Table(
    "opportunities",
    metadata,
    _pk(),
    *_imported(),
    _fk("account_id", "accounts.id", nullable=False, ondelete="CASCADE"),
    _fk("contact_id", "contacts.id", ondelete="SET NULL"),
    Column("name", String(300), nullable=False),
    Column("amount", Money, nullable=True),
    Column("budget", Money, nullable=True),  # the budget the customer declared (予算感)
    Column("stage", String(100), nullable=True),
    Column("status", String(10), nullable=False),  # open | won | lost
    Column("lost_reason", String(300), nullable=True),
    Column("created_on", Date, nullable=True),
    Column("closed_on", Date, nullable=True),
    Column("owner", String(200), nullable=True),
    *_stamps(),
    CheckConstraint("status in ('open', 'won', 'lost')", name="status"),
    CheckConstraint("amount is null or amount >= 0", name="amount_nonnegative"),
)

revenue_lines = Table(
    "revenue_lines",
    metadata,
    _pk(),
    *_imported(),
    _fk("account_id", "accounts.id", nullable=False, ondelete="CASCADE"),
    Column("recognized_on", Date, nullable=False, index=True),
    Column("amount", Money, nullable=False),
    Column("gross_profit", Money, nullable=True),
    Column("product", String(200), nullable=True),
    *_stamps(),
)

buying_group_members = Table(
    "buying_group_members",
    metadata,
    _pk(),
    *_imported(),
    _fk("contact_id", "contacts.id", nullable=False, ondelete="CASCADE"),
    _fk("account_id", "accounts.id", nullable=False, ondelete="CASCADE"),
    _fk("opportunity_id", "opportunities.id", ondelete="CASCADE"),
    Column("role", String(40), nullable=False),
    Column("engagement", Integer, nullable=False, server_default="0"),  # 0 none … 3 high
    Column("stance", String(10), nullable=False, server_default="unknown"),
    *_stamps(),
    CheckConstraint("engagement between 0 and 3", name="engagement"),
    CheckConstraint("stance in ('support', 'neutral', 'oppose', 'unknown')", name="stance"),
)

challenge_categories = Table(
    "challenge_categories",
    metadata,
    _pk(),
    Column("name", String(100), nullable=False, unique=True),
    Column("description_ja", Text, nullable=True),
    Column("description_en", Text, nullable=True),
    Column("position", Integer, nullable=False, server_default="0"),
)

challenges = Table(
    "challenges",
    metadata,
    _pk(),
    *_imported(),
    Column("statement", Text, nullable=False),
    Column("detail", Text, nullable=True),
    _fk("category_id", "challenge_categories.id", ondelete="SET NULL"),
    Column("tags", JSON, nullable=False, default=list),
    Column("source_type", String(40), nullable=True),
    _fk("account_id", "accounts.id", ondelete="SET NULL"),
    _fk("contact_id", "contacts.id", ondelete="SET NULL"),
    Column("department", String(200), nullable=True),
    Column("level", String(20), nullable=True),
    Column("observed_on", Date, nullable=True, index=True),
    Column("author", String(200), nullable=True),
    Column("status", String(20), nullable=False, server_default="open"),
    *_stamps(),
)

challenge_links = Table(
    "challenge_links",
    metadata,
    _pk(),
    _fk("challenge_id", "challenges.id", nullable=False, ondelete="CASCADE"),
    Column("target_type", String(20), nullable=False),  # opportunity | offer | content | url
    Column("target_id", Id, nullable=True),
    Column("url", String(1000), nullable=True),
    Column("label", String(300), nullable=True),
    CheckConstraint("target_type in ('opportunity', 'offer', 'content', 'url')", name="target_type"),
)

challenge_revisions = Table(
    "challenge_revisions",
    metadata,
    _pk(),
    _fk("challenge_id", "challenges.id", nullable=False, ondelete="CASCADE"),
    Column("changed_at", DateTime, nullable=False, server_default=func.current_timestamp()),
    Column("changed_by", String(200), nullable=True),
    Column("before", JSON, nullable=True),
    Column("after", JSON, nullable=False),
)

teams = Table(
    "teams",
    metadata,
    _pk(),
    *_imported(),
    Column("name", String(200), nullable=False, unique=True),
    Column("kind", String(20), nullable=False),
    Column("capacity_per_day", Integer, nullable=True),
    Column("capacity_per_week", Integer, nullable=True),
    *_stamps(),
    CheckConstraint("kind in ('sales', 'account_sales', 'inside_sales', 'digital')", name="kind"),
)

users = Table(
    "users",
    metadata,
    _pk(),
    Column("username", String(100), nullable=False, unique=True),
    Column("display_name", String(200), nullable=True),
    Column("email", String(320), nullable=True),
    Column("password_hash", String(300), nullable=True),
    Column("role", String(20), nullable=False),
    Column("locale", String(5), nullable=False, server_default="ja"),
    Column("is_active", Boolean, nullable=False, server_default="1"),
    Column("last_login_at", DateTime, nullable=True),
    *_stamps(),
    Column("must_change_password", Boolean, nullable=False, server_default="0"),  # 0002: one-time passwords
    CheckConstraint("role in ('admin', 'marketing', 'inside_sales', 'sales', 'product', 'viewer')", name="role"),
)

team_members = Table(
    "team_members",
    metadata,
    _pk(),
    *_imported(),
    _fk("team_id", "teams.id", nullable=False, ondelete="CASCADE"),
    _fk("user_id", "users.id", ondelete="SET NULL"),
    Column("name", String(200), nullable=False),
    Column("email", String(320), nullable=True),
    Column("capacity_per_day", Integer, nullable=True),
    Column("capacity_per_week", Integer, nullable=True),
    Column("is_active", Boolean, nullable=False, server_default="1"),
    *_stamps(),
    UniqueConstraint("team_id", "name", name="uq_team_members_team_name"),
)

icp_versions = Table(
    "icp_versions",
    metadata,
    _pk(),
    Column("version", Integer, nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("rules", Text, nullable=False),
    Column("criteria", JSON, nullable=True),  # optional weighted criteria → 0–100 fit score
    Column("threshold", Float, nullable=True),
    Column("author", String(200), nullable=True),
    Column("created_at", DateTime, nullable=False, server_default=func.current_timestamp()),
    Column("notes_ltv", Text, nullable=True),
    Column("notes_fit", Text, nullable=True),
    Column("notes_market", Text, nullable=True),
    Column("evidence", JSON, nullable=True),  # frozen snapshot of the computed evidence
    Column("is_current", Boolean, nullable=False, server_default="0"),
)

routing_decisions = Table(
    "routing_decisions",
    metadata,
    _pk(),
    _fk("contact_id", "contacts.id", nullable=False, ondelete="CASCADE"),
    _fk("icp_version_id", "icp_versions.id", ondelete="SET NULL"),
    Column("is_icp", Boolean, nullable=False),
    Column("likelihood", Float, nullable=True),
    Column("likelihood_band", String(10), nullable=True),  # high | low
    Column("quadrant", String(30), nullable=False),
    Column("action", String(40), nullable=False),
    _fk("team_id", "teams.id", ondelete="SET NULL"),
    _fk("member_id", "team_members.id", ondelete="SET NULL"),
    Column("reason", JSON, nullable=False),
    Column("decided_at", DateTime, nullable=False, server_default=func.current_timestamp()),
    Column("decided_by", String(200), nullable=True),
    _fk("overrides_id", "routing_decisions.id", ondelete="SET NULL"),
    Column("superseded_at", DateTime, nullable=True),
    # 0004: what made the decision (batch | intake | override | revisit), the "watch: possible future
    # ICP" flag of non-ICP × high, and when the assignee handled the lead (stops the SLA timer).
    Column("trigger", String(20), nullable=False, server_default="batch"),
    Column("watch", Boolean, nullable=False, server_default="0"),
    Column("handled_at", DateTime, nullable=True),
    # One current decision per lead, enforced by the database (not only by the code).
    Index(
        "uq_routing_decisions_current",
        "contact_id",
        unique=True,
        sqlite_where=text("superseded_at IS NULL"),
        postgresql_where=text("superseded_at IS NULL"),
    ),
    Index("ix_routing_decisions_member_decided", "member_id", "decided_at"),
)

# 0004: win-likelihood models. The transparent defaults live in code; a calibrated model (weights
# fitted on won/lost opportunities) is stored with its held-out figures and adopted only when better.
likelihood_models = Table(
    "likelihood_models",
    metadata,
    _pk(),
    Column("kind", String(20), nullable=False),  # default | calibrated
    Column("weights", JSON, nullable=False),  # {"intercept": …, "<factor>": …}
    Column("metrics", JSON, nullable=True),  # held-out AUC, Brier, reliability, split, baseline
    Column("is_current", Boolean, nullable=False, server_default="0"),
    Column("author", String(200), nullable=True),
    Column("created_at", DateTime, nullable=False, server_default=func.current_timestamp()),
    CheckConstraint("kind in ('default', 'calibrated')", name="kind"),
)

# 0004: outgoing webhooks per team (HMAC-signed), and every delivery with its attempts.
webhooks = Table(
    "webhooks",
    metadata,
    _pk(),
    _fk("team_id", "teams.id", ondelete="CASCADE"),  # NULL: every team's decisions
    Column("name", String(200), nullable=False),
    Column("url", String(1000), nullable=False),
    Column("secret", String(200), nullable=False),
    Column("events", JSON, nullable=False),  # e.g. ["routing.assigned"]
    Column("is_active", Boolean, nullable=False, server_default="1"),
    *_stamps(),
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    _pk(),
    _fk("webhook_id", "webhooks.id", nullable=False, ondelete="CASCADE"),
    Column("event", String(60), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("status", String(12), nullable=False, server_default="pending"),  # pending | delivered | failed
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", DateTime, nullable=True),
    Column("last_status", Integer, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("created_at", DateTime, nullable=False, server_default=func.current_timestamp()),
    Column("delivered_at", DateTime, nullable=True),
    CheckConstraint("status in ('pending', 'delivered', 'failed')", name="status"),
    Index("ix_webhook_deliveries_status_next", "status", "next_attempt_at"),
)

# 0004: individual seminars (個別セミナー): sessions for one account and who attended.
seminar_sessions = Table(
    "seminar_sessions",
    metadata,
    _pk(),
    *_imported(),
    _fk("account_id", "accounts.id", nullable=False, ondelete="CASCADE"),
    _fk("campaign_id", "campaigns.id", ondelete="SET NULL"),
    Column("title", String(300), nullable=False),
    Column("held_on", Date, nullable=False, index=True),
    Column("notes", Text, nullable=True),
    *_stamps(),
)

seminar_attendees = Table(
    "seminar_attendees",
    metadata,
    _pk(),
    _fk("session_id", "seminar_sessions.id", nullable=False, ondelete="CASCADE"),
    _fk("contact_id", "contacts.id", ondelete="CASCADE"),
    Column("name", String(200), nullable=True),  # an attendee who is not (yet) a contact
    Column("department", String(200), nullable=True),
    Column("role", String(40), nullable=True),  # buying-group role, when known
    Column("level", String(20), nullable=True),
    UniqueConstraint("session_id", "contact_id", name="uq_seminar_attendees_session_contact"),
)

audit_log = Table(
    "audit_log",
    metadata,
    _pk(),
    Column("at", DateTime, nullable=False, server_default=func.current_timestamp(), index=True),
    Column("actor", String(200), nullable=False),
    Column("action", String(60), nullable=False),
    Column("entity", String(40), nullable=True),
    Column("entity_id", String(100), nullable=True),
    Column("detail", JSON, nullable=True),
)

import_runs = Table(
    "import_runs",
    metadata,
    _pk(),
    Column("entity", String(40), nullable=False),
    Column("filename", String(500), nullable=False),
    Column("file_sha256", String(64), nullable=True),
    Column("encoding", String(20), nullable=True),
    Column("preset", String(40), nullable=True),
    Column("status", String(20), nullable=False),  # running | committed | failed | dry_run
    Column("rows_total", Integer, nullable=False, server_default="0"),
    Column("inserted", Integer, nullable=False, server_default="0"),
    Column("updated", Integer, nullable=False, server_default="0"),
    Column("unchanged", Integer, nullable=False, server_default="0"),
    Column("rejected", Integer, nullable=False, server_default="0"),
    Column("error_code", String(60), nullable=True),
    Column("actor", String(200), nullable=True),
    Column("started_at", DateTime, nullable=False, server_default=func.current_timestamp()),
    Column("finished_at", DateTime, nullable=True),
)

# -- web application: tokens, sign-in throttling, idempotent requests, wizard uploads (0002) ------

api_tokens = Table(
    "api_tokens",
    metadata,
    _pk(),
    _fk("user_id", "users.id", nullable=False, ondelete="CASCADE"),
    Column("name", String(100), nullable=False),
    Column("prefix", String(16), nullable=False),  # shown in lists so a user can tell tokens apart
    Column("token_hash", String(64), nullable=False, unique=True),  # sha256 of the secret part
    Column("role", String(20), nullable=False),  # the token's scope: at most its user's role
    Column("created_at", DateTime, nullable=False, server_default=func.current_timestamp()),
    Column("last_used_at", DateTime, nullable=True),
    Column("revoked_at", DateTime, nullable=True),
    CheckConstraint("role in ('admin', 'marketing', 'inside_sales', 'sales', 'product', 'viewer')", name="role"),
)

login_attempts = Table(
    "login_attempts",
    metadata,
    _pk(),
    Column("username", String(100), nullable=False, index=True),
    Column("address", String(64), nullable=True, index=True),
    Column("at", DateTime, nullable=False, index=True),
    Column("succeeded", Boolean, nullable=False),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("user_id", Id, nullable=False, primary_key=True),
    Column("request_hash", String(64), nullable=False),
    Column("status", Integer, nullable=False),
    Column("response", JSON, nullable=False),
    Column("created_at", DateTime, nullable=False, server_default=func.current_timestamp()),
)

import_uploads = Table(
    "import_uploads",
    metadata,
    Column("id", String(40), primary_key=True),  # random, unguessable: it appears in wizard URLs
    _fk("user_id", "users.id", nullable=False, ondelete="CASCADE"),
    Column("entity", String(40), nullable=False),
    Column("filename", String(500), nullable=False),
    Column("content", LargeBinary, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("encoding", String(20), nullable=True),  # the user's override, else detected
    Column("mapping", JSON, nullable=True),  # the user's edits: header → field | custom:NAME | ignore
    Column("run_id", Id, nullable=True),  # the committed import run
    Column("created_at", DateTime, nullable=False, server_default=func.current_timestamp()),
)

# Derived data: the metrics facts (tenbin.metrics.facts), rebuilt when the data revision moves.
data_revision = Table(
    "data_revision",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),  # one row, id 1
    Column("revision", BigInteger, nullable=False, server_default="0"),
    Column("txid", BigInteger, nullable=True),  # PostgreSQL: the transaction that last moved it
)

metric_cells_state = Table(
    "metric_cells_state",
    metadata,
    Column("icp_version", Integer, primary_key=True, autoincrement=False),
    Column("revision", BigInteger, nullable=False),  # the data revision the cells were built at
    Column("refreshed_at", DateTime, nullable=False, server_default=func.current_timestamp()),
    Column("seconds", Float, nullable=False),  # how long the refresh took
)

metric_cells = Table(
    "metric_cells",
    metadata,
    Column("icp_version", Integer, nullable=False),
    Column("grain", String(10), nullable=False),  # which columns are kept: all, base, campaign, offer, team
    Column("stage", String(40), nullable=False),
    Column("month", Date, nullable=True),  # first day of the month the stage was reached
    Column("top_position", Integer, nullable=False),  # the furthest funnel position the lead reached
    Column("campaign_id", Id, nullable=True),  # first touch
    Column("offer_id", Id, nullable=True),
    Column("team_id", Id, nullable=True),
    Column("leads", Integer, nullable=False),
    Column("icp", Integer, nullable=False),
    Index("ix_metric_cells_version_grain_stage", "icp_version", "grain", "stage", "month"),
)


@event.listens_for(metadata, "after_create")
def _create_revision_triggers(_target: MetaData, connection: Any, **_kw: Any) -> None:
    create_triggers(connection)
