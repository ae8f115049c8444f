"""``POST /api/v1/leads``: real-time intake of one lead (token, permission import, Idempotency-Key).

The idempotency key is claimed in the same transaction as the intake itself: a retry after success
gets the stored answer (``Idempotent-Replayed: true``); a concurrent request with the same key waits
for the first and then gets its answer; a failed request leaves no key and nothing written.
"""

from __future__ import annotations

import datetime as dt
import random
import threading
from typing import Any

from fastapi import APIRouter, Header
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection, Engine, bindparam, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from tenbin.api.deps import ApiCtx, api_requires
from tenbin.api.idempotency import (
    API_IDEMPOTENCY_KEY_IN_PROGRESS,
    API_IDEMPOTENCY_KEY_REUSED,
    KEY_LIFETIME,
    PENDING,
    check_key,
    keys_t,
    request_hash,
)
from tenbin.api.records import ProblemPublic
from tenbin.auth.roles import Permission
from tenbin.db.engine import write_transaction
from tenbin.errors import ErrorCode, Place, TenbinError
from tenbin.intake.service import intake

router = APIRouter(prefix="/api/v1", tags=["intake"])

INTAKE_IDEMPOTENCY_KEY_REQUIRED = ErrorCode(
    "INTAKE_IDEMPOTENCY_KEY_REQUIRED",
    "POST /api/v1/leads needs an Idempotency-Key header (e.g. a UUID per lead submission), so that a retried "
    "request never creates a second lead or assignment.",
    "POST /api/v1/leads には Idempotency-Key ヘッダー(送信ごとの UUID など)が必要です。"
    "再送されたリクエストでリードや割り当てが重複しないようにするためです。",
    400,
)
INTAKE_BUSY = ErrorCode(
    "INTAKE_BUSY",
    "tenbin is too busy to take this lead now ({detail}). Nothing was written: retry with the same Idempotency-Key "
    "in a few seconds.",
    "現在混み合っていてリードを受け付けられません({detail})。何も書き込まれていません。"
    "数秒後に同じ Idempotency-Key で再送してください。",
    503,
)
Text = str | None
Loose = str | int | float | None


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LeadIn(_In):
    email: Text = Field(None, max_length=320, description="名寄せ key: the lead is updated when the email is known")
    last_name: Text = Field(None, max_length=100)
    first_name: Text = Field(None, max_length=100)
    last_name_kana: Text = Field(None, max_length=100)
    first_name_kana: Text = Field(None, max_length=100)
    phone: Text = Field(None, max_length=40)
    department: Text = Field(None, max_length=200)
    title: Text = Field(None, max_length=200)
    level: Text = Field(
        None, max_length=40, description="staff | manager | director | executive (or 担当/課長/部長/役員)"
    )
    source: Text = Field(None, max_length=200)


class CompanyIn(_In):
    name: Text = Field(None, max_length=300)
    corporate_number: str | int | None = Field(None, description="法人番号 (13 digits, check digit verified)")
    domain: Text = Field(None, max_length=255)
    industry: Text = Field(None, max_length=200, description="JSIC name or letter, e.g. 情報通信業 or G")
    employees: Loose = None
    revenue: Loose = None
    prefecture: Text = Field(None, max_length=20)
    city: Text = Field(None, max_length=200)
    address: Text = Field(None, max_length=500)
    postal_code: Text = Field(None, max_length=10)
    phone: Text = Field(None, max_length=40)
    listing: Text = Field(None, max_length=40)


class ResponseIn(_In):
    campaign: str | int | None = Field(None, description="campaign name or id (required)")
    offer: str | int | None = Field(None, description="offer name or id, e.g. デモ申込")
    responded_at: Text = Field(None, max_length=40, description="ISO 8601; default now")


class BuyingGroupIn(_In):
    role: Text = Field(
        None, max_length=40, description="決裁者 | 予算権限者 | 利用部門 | 情シス/技術評価者 | 推進者 | 影響者"
    )
    stance: Text = Field(None, max_length=20, description="support | neutral | oppose | unknown (賛成/中立/反対/不明)")
    engagement: str | int | None = Field(None, description="0–3 or なし/低/中/高")


class IntakeIn(_In):
    lead: LeadIn
    company: CompanyIn | None = None
    response: ResponseIn
    buying_group: BuyingGroupIn | None = None
    budget: Loose = Field(None, description="the budget the company declared, in yen (e.g. 3000000 or 300万円)")


class IntakeOut(BaseModel):
    lead: dict[str, Any]
    account: dict[str, Any]
    response: dict[str, Any]
    opportunity_id: int | None
    icp: dict[str, Any]
    likelihood: dict[str, Any] | None
    quadrant: str | None
    routing: dict[str, Any] | None
    routing_note: dict[str, Any] | None = None


# Admission: at most this many intake transactions at a time per server process. More would not go
# faster (SQLite has one writer; on PostgreSQL the decisions queue on the teams' row locks) but would
# share the GIL with the transaction that holds the locks and so hold them longer for everyone. A
# request waits here, holding no connection and no lock, at most GATE_WAIT seconds.
GATE_SLOTS = {"sqlite": 1, "postgresql": 3}
GATE_WAIT = 8.0
_gates: dict[str, threading.BoundedSemaphore] = {}
_gates_lock = threading.Lock()


def _gate(engine: Engine) -> threading.BoundedSemaphore:
    name = engine.dialect.name
    with _gates_lock:
        if name not in _gates:
            _gates[name] = threading.BoundedSemaphore(GATE_SLOTS.get(name, 4))
        return _gates[name]


IDEMPOTENCY = Header(None, alias="Idempotency-Key", description="Required: one key per submission (e.g. a UUID)")


def _claim_statements() -> dict[str, Any]:
    values: dict[str, Any] = {
        name: bindparam(name) for name in ("key", "user_id", "request_hash", "status", "response", "created_at")
    }
    found = {}
    for name, dialect_insert in (("postgresql", pg_insert), ("sqlite", sqlite_insert)):
        found[name] = dialect_insert(keys_t).values(values).on_conflict_do_nothing().returning(keys_t.c.status)
    return found


# built once: a statement object reused keeps its compiled form and cache key
CLAIM = _claim_statements()
THE_KEY = (keys_t.c.key == bindparam("b_key"), keys_t.c.user_id == bindparam("b_user_id"))
ANSWERED = update(keys_t).where(*THE_KEY).values(status=bindparam("b_status"), response=bindparam("b_response"))


def _claim(conn: Connection, key: str, user_id: int, digest: str, now: dt.datetime) -> JSONResponse | None:
    """The stored answer of an earlier identical request, or None after inserting the key (in this transaction)."""
    where = (keys_t.c.key == key, keys_t.c.user_id == user_id)
    if random.random() < 0.01:  # sampling, not security: expire old keys now and then
        conn.execute(delete(keys_t).where(keys_t.c.created_at < now - KEY_LIFETIME))
    # Claim the key: a concurrent first request with it makes this wait for its end (then nothing is inserted).
    values = {"key": key, "user_id": user_id, "request_hash": digest, "status": PENDING, "response": {},
              "created_at": now}  # fmt: skip
    claimed = CLAIM["postgresql" if conn.dialect.name == "postgresql" else "sqlite"]
    if conn.execute(claimed, values).first() is not None:
        return None
    row = conn.execute(select(keys_t.c.request_hash, keys_t.c.status, keys_t.c.response).where(*where)).one()
    if row.request_hash != digest:
        raise TenbinError(API_IDEMPOTENCY_KEY_REUSED, {"key": key}, Place(field="Idempotency-Key"))
    if row.status == PENDING:
        raise TenbinError(API_IDEMPOTENCY_KEY_IN_PROGRESS, {"key": key}, Place(field="Idempotency-Key"))
    return JSONResponse(row.response, status_code=row.status, headers={"Idempotent-Replayed": "true"})


PROBLEMS: dict[int | str, dict[str, Any]] = {
    400: {"model": ProblemPublic, "description": "No Idempotency-Key (INTAKE_IDEMPOTENCY_KEY_REQUIRED)."},
    409: {"model": ProblemPublic, "description": "The first request still runs (API_IDEMPOTENCY_KEY_IN_PROGRESS)."},
    422: {"model": ProblemPublic, "description": "A field is invalid (INTAKE_*, the field in attr; nothing written) or "
                                                 "the key was used for another request (API_IDEMPOTENCY_KEY_REUSED)."},
    503: {"model": ProblemPublic, "description": "Too busy (INTAKE_BUSY): nothing written, retry with the same key."},
}  # fmt: skip


@router.post(
    "/leads",
    status_code=201,
    response_model=IntakeOut,
    responses=PROBLEMS,
    summary="Real-time intake: create or update a lead, its company and response; answer with ICP fit, "
    "likelihood and routing",
)
def post_lead(
    body: IntakeIn, idempotency_key: str | None = IDEMPOTENCY, ctx: ApiCtx = api_requires(Permission.IMPORT)
) -> JSONResponse:
    if idempotency_key is None:
        raise TenbinError(INTAKE_IDEMPOTENCY_KEY_REQUIRED, {}, Place(field="Idempotency-Key"))
    check_key(idempotency_key)
    data = body.model_dump(mode="json", exclude_none=True)
    digest = request_hash("POST", ctx.request.url.path, data)
    actor = f"api:{ctx.user.username}"
    gate = _gate(ctx.engine)
    if not gate.acquire(timeout=GATE_WAIT):
        raise TenbinError(INTAKE_BUSY, {"detail": "too many leads at once"})
    try:
        return _post_lead(ctx.engine, data, idempotency_key, ctx.user.id, digest, actor)
    finally:
        gate.release()


def _post_lead(
    engine: Engine, data: dict[str, Any], idempotency_key: str, user_id: int, digest: str, actor: str
) -> JSONResponse:
    for _attempt in range(3):
        now = dt.datetime.now().replace(microsecond=0)
        try:
            with write_transaction(engine) as conn:
                stored = _claim(conn, idempotency_key, user_id, digest, now)
                if stored is not None:
                    return stored
                answer = intake(conn, data, actor=actor)
                params = {"b_key": idempotency_key, "b_user_id": user_id, "b_status": 201, "b_response": answer}
                conn.execute(ANSWERED, params)
            return JSONResponse(answer, status_code=201)
        except IntegrityError:
            continue  # a concurrent request with this key (or this lead) committed first: read its result
        except PoolTimeout:
            raise TenbinError(INTAKE_BUSY, {"detail": "no free database connection"}) from None
        except OperationalError as error:
            if "database is locked" not in str(error.orig):
                raise
            raise TenbinError(INTAKE_BUSY, {"detail": "SQLite writer lock"}) from None
    raise TenbinError(API_IDEMPOTENCY_KEY_IN_PROGRESS, {"key": idempotency_key}, Place(field="Idempotency-Key"))
