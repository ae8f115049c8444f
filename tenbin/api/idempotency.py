"""Idempotent POSTs: a retried request with the same ``Idempotency-Key`` creates nothing new.

The first request with a key stores a placeholder row (per user) before it runs, then the status
and JSON response it produced; a retry with the same key and the same request gets that stored
response, a retry with a different request is refused (API_IDEMPOTENCY_KEY_REUSED), and a retry
while the first still runs is refused (API_IDEMPOTENCY_KEY_IN_PROGRESS). A request that fails
forgets its key, so it can be retried. Keys expire after 24 hours.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from typing import Any

from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from tenbin.api.deps import ApiCtx
from tenbin.db import schema
from tenbin.db.engine import write_transaction
from tenbin.errors import ErrorCode, Place, TenbinError

API_IDEMPOTENCY_KEY_REUSED = ErrorCode(
    "API_IDEMPOTENCY_KEY_REUSED",
    "The Idempotency-Key {key} was already used for a different request. Use a new key for a new request.",
    "Idempotency-Key {key} は別のリクエストで使用済みです。新しいリクエストには新しいキーを使ってください。",
    422,
)
API_IDEMPOTENCY_KEY_INVALID = ErrorCode(
    "API_IDEMPOTENCY_KEY_INVALID",
    "The Idempotency-Key must be 1–200 visible ASCII characters (e.g. a UUID).",
    "Idempotency-Key は 1〜200 文字の表示可能な ASCII 文字にしてください(UUID など)。",
    422,
)
API_IDEMPOTENCY_KEY_IN_PROGRESS = ErrorCode(
    "API_IDEMPOTENCY_KEY_IN_PROGRESS",
    "A request with Idempotency-Key {key} is still running. Wait a moment and retry.",
    "Idempotency-Key {key} のリクエストはまだ処理中です。少し待ってから再試行してください。",
    409,
)
KEY_LIFETIME = dt.timedelta(hours=24)
PENDING = 0  # status of a key whose request is still running
keys_t = schema.idempotency_keys


def request_hash(method: str, path: str, body: Any) -> str:
    canonical = json.dumps({"method": method, "path": path, "body": body}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def check_key(key: str) -> None:
    if not 1 <= len(key) <= 200 or not all(33 <= ord(ch) <= 126 for ch in key):
        raise TenbinError(API_IDEMPOTENCY_KEY_INVALID, {}, Place(field="Idempotency-Key"))


def _claim(engine: Engine, key: str, user_id: int, digest: str) -> JSONResponse | None:
    """The stored response of an earlier identical request, or None after claiming the key."""
    now = dt.datetime.now().replace(microsecond=0)
    where = (keys_t.c.key == key, keys_t.c.user_id == user_id)
    for _attempt in range(2):  # a concurrent first request may insert the key between our read and insert
        try:
            with write_transaction(engine) as conn:
                conn.execute(delete(keys_t).where(keys_t.c.created_at < now - KEY_LIFETIME))
                row = conn.execute(select(keys_t).where(*where)).first()
                if row is None:
                    conn.execute(
                        insert(keys_t).values(
                            key=key, user_id=user_id, request_hash=digest, status=PENDING, response={}, created_at=now
                        )
                    )
                    return None
        except IntegrityError:
            continue
        if row.request_hash != digest:
            raise TenbinError(API_IDEMPOTENCY_KEY_REUSED, {"key": key}, Place(field="Idempotency-Key"))
        if row.status == PENDING:
            raise TenbinError(API_IDEMPOTENCY_KEY_IN_PROGRESS, {"key": key}, Place(field="Idempotency-Key"))
        return JSONResponse(row.response, status_code=row.status, headers={"Idempotent-Replayed": "true"})
    raise TenbinError(API_IDEMPOTENCY_KEY_IN_PROGRESS, {"key": key}, Place(field="Idempotency-Key"))


def run_idempotent(
    ctx: ApiCtx, *, key: str | None, body: Any, create: Callable[[], BaseModel], status: int = 201
) -> JSONResponse:
    """Run ``create`` once per (user, key); without a key, just run it."""
    if key is None:
        return JSONResponse(create().model_dump(mode="json"), status_code=status)
    check_key(key)
    digest = request_hash(ctx.request.method, ctx.request.url.path, body)
    stored = _claim(ctx.engine, key, ctx.user.id, digest)
    if stored is not None:
        return stored
    where = (keys_t.c.key == key, keys_t.c.user_id == ctx.user.id)
    try:
        content = create().model_dump(mode="json")
    except BaseException:
        with write_transaction(ctx.engine) as conn:
            conn.execute(delete(keys_t).where(*where))
        raise
    with write_transaction(ctx.engine) as conn:
        conn.execute(update(keys_t).where(*where).values(status=status, response=content))
    return JSONResponse(content, status_code=status)
