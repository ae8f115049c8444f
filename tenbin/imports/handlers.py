"""How each entity's converted row becomes a database row: derived columns, keys for 名寄せ,
defaults, and which references it needs.

``keys`` are tried in order to find the existing record (external id, then 法人番号, then
email, then normalised name + domain …). The first column of each key is its anchor: the key is
used only when the anchor has a value, and existing rows are fetched by the anchor.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tenbin.imports import normalize as n
from tenbin.imports.refdata import DEFAULT_EMPLOYEE_BANDS, DEFAULT_REVENUE_BANDS
from tenbin.imports.specs import CHANNEL_ORIENTATION, OPPORTUNITY_STATUS

Row = dict[str, Any]


@dataclass(frozen=True)
class Handler:
    table: str
    keys: tuple[tuple[str, ...], ...]
    columns: tuple[str, ...]  # writable columns, in insert order
    defaults: Row = field(default_factory=dict)
    derive: Callable[[Row], None] | None = None
    label: str = "name"  # column that names a record in reports
    # a name for a row the file does not name, from the row and its company's converted cells
    default_name: Callable[[Row, Row], str | None] | None = None


def derive_account(row: Row) -> None:
    name = row.pop("name", None)
    if name is not None:
        row["name"], row["name_key"] = name
    industry = row.pop("industry", None)
    if industry is not None:
        row["industry_code"], row["industry_text"] = industry
    if row.get("employees") is not None:
        row["employee_band"] = n.band_for(row["employees"], DEFAULT_EMPLOYEE_BANDS)
    if row.get("revenue") is not None:
        row["revenue_band"] = n.band_for(row["revenue"], DEFAULT_REVENUE_BANDS)
    if row.get("prefecture") is not None:
        row["prefecture_code"] = row.pop("prefecture")
    else:
        row.pop("prefecture", None)
        if row.get("address"):
            code = n.prefecture_from_address(row["address"])
            if code is not None:
                row["prefecture_code"] = code


def derive_contact(row: Row) -> None:
    full = row.pop("full_name", None)
    if full and not row.get("last_name"):
        parts = full.split(" ", 1)
        row["last_name"] = parts[0]
        if len(parts) > 1 and not row.get("first_name"):
            row["first_name"] = parts[1]
    kana = row.pop("full_name_kana", None)
    if kana and not row.get("last_name_kana"):
        parts = kana.split(" ", 1)
        row["last_name_kana"] = parts[0]
        if len(parts) > 1 and not row.get("first_name_kana"):
            row["first_name_kana"] = parts[1]
    if row.get("level") is None and row.get("title"):
        row["level"] = n.level_from_title(row["title"])


def derive_campaign(row: Row) -> None:
    if row.get("orientation") is None and row.get("channel") in CHANNEL_ORIENTATION:
        row["orientation"] = CHANNEL_ORIENTATION[row["channel"]]


def opportunity_name(row: Row, account: Row) -> str | None:
    """An unnamed deal is called by its company and its id or start date: 「Cancity / 1C1I7A6R」."""
    company = account.get("name")
    who = company[0] if company else None
    what = row.get("external_id") or (row["created_on"].isoformat() if row.get("created_on") else None)
    parts = [p for p in (who, what) if p]
    return " / ".join(parts) if parts else None


def derive_opportunity(row: Row) -> None:
    if row.get("status") is None:
        stage = (row.get("stage") or "").replace(" ", "").casefold()
        row["status"] = OPPORTUNITY_STATUS.get(stage, "open")


ACCOUNT = Handler(
    "accounts",
    keys=(("external_id",), ("corporate_number",), ("name_key", "domain")),
    columns=(
        "external_id",
        "corporate_number",
        "name",
        "name_key",
        "name_kana",
        "domain",
        "industry_code",
        "industry_text",
        "employees",
        "employee_band",
        "revenue",
        "revenue_band",
        "prefecture_code",
        "city",
        "address",
        "postal_code",
        "phone",
        "listing",
        "is_named_account",
        "customer_since",
        "owner",
    ),
    defaults={"is_named_account": False},
    derive=derive_account,
)
CONTACT = Handler(
    "contacts",
    keys=(("external_id",), ("email",)),
    columns=(
        "external_id",
        "account_id",
        "last_name",
        "first_name",
        "last_name_kana",
        "first_name_kana",
        "email",
        "phone",
        "department",
        "title",
        "level",
        "source",
        "lifecycle_stage",
        "owner",
        "acquired_at",
    ),
    derive=derive_contact,
    label="email",
)
HANDLERS: dict[str, Handler] = {
    "accounts": ACCOUNT,
    "contacts": CONTACT,
    "campaigns": Handler(
        "campaigns",
        (("external_id",), ("name",)),
        ("external_id", "name", "channel", "orientation", "starts_on", "ends_on", "cost", "description"),
        derive=derive_campaign,
    ),
    "offers": Handler("offers", (("external_id",), ("name",)), ("external_id", "name", "ladder_rank", "description")),
    "responses": Handler(
        "responses",
        (("external_id",), ("contact_id", "campaign_id", "offer_id", "responded_at")),
        ("external_id", "contact_id", "campaign_id", "offer_id", "responded_at", "status"),
        label="responded_at",
    ),
    "stages": Handler("funnel_stages", (("code",),), ("code", "name_ja", "name_en", "position"), label="code"),
    "stage-events": Handler(
        "stage_events",
        (("external_id",), ("stage_id", "contact_id", "account_id", "entered_at")),
        ("external_id", "contact_id", "account_id", "stage_id", "entered_at"),
        label="entered_at",
    ),
    "opportunities": Handler(
        "opportunities",
        (("external_id",), ("account_id", "name")),
        (
            "external_id",
            "account_id",
            "contact_id",
            "name",
            "amount",
            "budget",
            "stage",
            "status",
            "lost_reason",
            "created_on",
            "closed_on",
            "owner",
        ),
        derive=derive_opportunity,
        default_name=opportunity_name,
    ),
    "revenue": Handler(
        "revenue_lines",
        (("external_id",), ("account_id", "recognized_on", "product", "amount")),
        ("external_id", "account_id", "recognized_on", "amount", "gross_profit", "product"),
        label="recognized_on",
    ),
    "buying-group": Handler(
        "buying_group_members",
        (("external_id",), ("contact_id", "account_id", "opportunity_id")),
        ("external_id", "contact_id", "account_id", "opportunity_id", "role", "engagement", "stance"),
        defaults={"engagement": 0, "stance": "unknown"},
        label="role",
    ),
    "challenges": Handler(
        "challenges",
        (("external_id",), ("statement", "account_id", "observed_on")),
        (
            "external_id",
            "statement",
            "detail",
            "category_id",
            "tags",
            "source_type",
            "account_id",
            "contact_id",
            "department",
            "level",
            "observed_on",
            "author",
            "status",
        ),
        defaults={"tags": [], "status": "open"},
        label="statement",
    ),
    "teams": Handler(
        "teams",
        (("external_id",), ("name",)),
        ("external_id", "name", "kind", "capacity_per_day", "capacity_per_week"),
    ),
    "members": Handler(
        "team_members",
        (("external_id",), ("team_id", "name")),
        ("external_id", "team_id", "name", "email", "capacity_per_day", "capacity_per_week", "is_active"),
        defaults={"is_active": True},
    ),
}
