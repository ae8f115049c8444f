"""Error codes of the web application and the API."""

from __future__ import annotations

from tenbin.errors import ErrorCode

WEB_SECRET_PLACEHOLDER = ErrorCode(
    "WEB_SECRET_PLACEHOLDER",
    "TENBIN_SECRET_KEY is unset or a placeholder, which is refused outside development "
    "(TENBIN_ENVIRONMENT={environment}). Set it to a long random value, e.g. the output of "
    '`python -c "import secrets; print(secrets.token_urlsafe(48))"`.',
    "TENBIN_SECRET_KEY が未設定またはプレースホルダーです。開発環境以外(TENBIN_ENVIRONMENT={environment})では"
    '起動できません。`python -c "import secrets; print(secrets.token_urlsafe(48))"` などの'
    "長いランダム値を設定してください。",
    500,
)
NOT_FOUND = ErrorCode(
    "NOT_FOUND",
    "There is nothing at {path}. Check the address, or start from the home page.",
    "{path} にはページがありません。アドレスを確認するか、ホームから移動してください。",
    404,
)
METHOD_NOT_ALLOWED = ErrorCode(
    "METHOD_NOT_ALLOWED",
    "{method} is not allowed on {path}.",
    "{path} に {method} は使えません。",
    405,
)
REQUEST_INVALID = ErrorCode(
    "REQUEST_INVALID",
    "The request is invalid at {attr}: {reason}. Fix that field and send it again.",
    "リクエストの {attr} が正しくありません: {reason}。その項目を直して再送してください。",
    422,
)
IDEMPOTENCY_KEY_REUSED = ErrorCode(
    "IDEMPOTENCY_KEY_REUSED",
    "The Idempotency-Key {key} was already used for a different request. Use a new key for a new request.",
    "Idempotency-Key {key} は別のリクエストで使用済みです。新しいリクエストには新しいキーを使ってください。",
    422,
)
LIST_SORT_INVALID = ErrorCode(
    "LIST_SORT_INVALID",
    "Cannot sort by {sort}. Sort by one of: {choices}.",
    "{sort} では並べ替えできません。次のいずれかを指定してください: {choices}。",
    422,
)
