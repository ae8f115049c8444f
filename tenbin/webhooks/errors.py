"""Error codes of the webhooks slice. The offending argument is in ``Place.field``."""

from __future__ import annotations

from tenbin.errors import ErrorCode

WEBHOOK_URL_INVALID = ErrorCode(
    "WEBHOOK_URL_INVALID",
    "The webhook URL {url!r} is not an http:// or https:// URL with a host.",
    "Webhook の URL {url!r} は、ホスト名を含む http:// または https:// の URL ではありません。",
)
WEBHOOK_NAME_INVALID = ErrorCode(
    "WEBHOOK_NAME_INVALID",
    "Give the webhook a name of 1–200 characters.",
    "Webhook の名前を 1〜200 文字で指定してください。",
)
WEBHOOK_EVENT_UNKNOWN = ErrorCode(
    "WEBHOOK_EVENT_UNKNOWN",
    "Unknown webhook event {event!r}. Choose from: {choices}.",
    "不明な Webhook イベント {event!r} です。次から選んでください: {choices}。",
)
WEBHOOK_TEAM_UNKNOWN = ErrorCode(
    "WEBHOOK_TEAM_UNKNOWN",
    "There is no team {team!r}. Give a team name or id as listed under Settings → Teams, or none for all teams.",
    "チーム {team!r} はありません。設定 → チーム にある名前か ID を指定するか、全チーム対象なら空にしてください。",
)
WEBHOOK_NOT_FOUND = ErrorCode(
    "WEBHOOK_NOT_FOUND",
    "There is no webhook {webhook_id}. See `tenbin webhooks list`.",
    "Webhook {webhook_id} はありません。`tenbin webhooks list` で確認してください。",
    404,
)
WEBHOOK_DELIVERY_NOT_FOUND = ErrorCode(
    "WEBHOOK_DELIVERY_NOT_FOUND",
    "There is no webhook delivery {delivery_id}.",
    "Webhook の送信 {delivery_id} はありません。",
    404,
)
WEBHOOK_DELIVERY_PENDING = ErrorCode(
    "WEBHOOK_DELIVERY_PENDING",
    "Delivery {delivery_id} is still pending; it will be sent at its next attempt. Only delivered or failed "
    "deliveries can be replayed.",
    "送信 {delivery_id} はまだ送信待ちです(次回の試行で送信されます)。再送できるのは送信済みか失敗した送信だけです。",
    409,
)
