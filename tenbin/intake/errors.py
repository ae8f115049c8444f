"""Error codes of real-time intake. The offending field (e.g. ``lead.email``) is in ``Place.field``."""

from __future__ import annotations

from tenbin.errors import ErrorCode

INTAKE_FIELD_REQUIRED = ErrorCode(
    "INTAKE_FIELD_REQUIRED",
    "{field} is required.",
    "{field} は必須です。",
    422,
)
INTAKE_FIELD_INVALID = ErrorCode(
    "INTAKE_FIELD_INVALID",
    "{field} is invalid: {reason}",
    "{field} の値が正しくありません: {reason}",
    422,
)
INTAKE_CAMPAIGN_UNKNOWN = ErrorCode(
    "INTAKE_CAMPAIGN_UNKNOWN",
    "There is no campaign {campaign!r}. Give a campaign's name or id as listed under Campaigns.",
    "施策 {campaign!r} はありません。施策一覧にある名前か ID を指定してください。",
    422,
)
INTAKE_OFFER_UNKNOWN = ErrorCode(
    "INTAKE_OFFER_UNKNOWN",
    "There is no offer {offer!r}. Give an offer's name or id from Settings → Offer ladder.",
    "オファー {offer!r} はありません。設定 → オファー階段 にある名前か ID を指定してください。",
    422,
)
INTAKE_COMPANY_REQUIRED = ErrorCode(
    "INTAKE_COMPANY_REQUIRED",
    "company needs a name or a corporate number (法人番号).",
    "company には会社名か法人番号が必要です。",
    422,
)
INTAKE_FIELD_OUT_OF_RANGE = ErrorCode(
    "INTAKE_FIELD_OUT_OF_RANGE",
    "{field} must be between {min} and {max}, not {value}.",
    "{field} は {min}〜{max} の範囲で指定してください({value} は範囲外です)。",
    422,
)
