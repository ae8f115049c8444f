"""Writing one lead: 名寄せ of its company and of itself, its response, buying-group role and budget.

Runs inside the caller's write transaction. Concurrent intakes of the same lead or company are
serialised by a transaction-scoped advisory lock per key on PostgreSQL (SQLite's writer lock
already serialises them), so two requests never create the same lead or company twice.
"""

from __future__ import annotations

import datetime as dt
import zlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, and_, bindparam, func, insert, or_, select, update

from tenbin.db import schema
from tenbin.errors import Place, TenbinError
from tenbin.intake import errors as e
from tenbin.intake.parse import IntakeRequest

A, C, R = schema.accounts, schema.contacts, schema.responses
BG, OPP = schema.buying_group_members, schema.opportunities
Row = dict[str, Any]
ACCOUNT_COLUMNS = (
    "corporate_number", "name", "name_key", "domain", "industry_code", "industry_text", "employees", "employee_band",
    "revenue", "revenue_band", "prefecture_code", "city", "address", "postal_code", "phone", "listing",
)  # fmt: skip


@dataclass(frozen=True)
class Written:
    contact_id: int
    contact_created: bool
    account_id: int
    account_created: bool
    account_name: str
    is_named_account: bool
    response_id: int
    response_created: bool
    campaign_id: int
    offer_id: int | None
    opportunity_id: int | None


def _lock(conn: Connection, keys: list[str]) -> None:
    """Transaction-scoped advisory locks (PostgreSQL), always taken in the same order."""
    if conn.dialect.name != "postgresql":
        return
    ids = sorted({zlib.crc32(key.encode()) - 2**31 for key in keys})  # stable signed 32-bit ids
    conn.execute(select(*(func.pg_advisory_xact_lock(7, lock_id) for lock_id in ids)))  # taken left to right


def _campaign(conn: Connection, ref: str | int) -> int:
    c = schema.campaigns
    found = _by_name_or_id(conn, c, ref)
    if found is None:
        raise TenbinError(e.INTAKE_CAMPAIGN_UNKNOWN, {"campaign": ref}, Place(field="response.campaign"))
    return found


def _offer(conn: Connection, ref: str | int | None) -> int | None:
    if ref is None:
        return None
    found = _by_name_or_id(conn, schema.offers, ref)
    if found is None:
        raise TenbinError(e.INTAKE_OFFER_UNKNOWN, {"offer": ref}, Place(field="response.offer"))
    return found


# Statements built once: a statement object reused keeps its compiled form and cache key (building and
# keying a statement costs more CPU than SQLite takes to run it).
_BY_NAME = {t.name: select(t.c.id).where(t.c.name == bindparam("name")) for t in (schema.campaigns, schema.offers)}
_BY_NUMBER = select(A.c.id, A.c.is_named_account, *(A.c[name] for name in ACCOUNT_COLUMNS)).where(
    A.c.corporate_number == bindparam("number")
)
_BY_EMAIL = select(C.c.id).where(C.c.email == bindparam("email"))
_UPDATE_CONTACT = update(C).where(C.c.id == bindparam("b_id"))
_INSERT_CONTACT = insert(C).returning(C.c.id)
_SAME_RESPONSE = {
    offer: select(R.c.id).where(
        R.c.contact_id == bindparam("contact_id"),
        R.c.campaign_id == bindparam("campaign_id"),
        R.c.offer_id.is_(None) if offer is None else R.c.offer_id == bindparam("offer_id"),
        R.c.responded_at == bindparam("at"),
    )
    for offer in (None, 0)
}
_INSERT_RESPONSE = insert(R).returning(R.c.id)


def _by_name_or_id(conn: Connection, table: Any, ref: str | int) -> int | None:
    if isinstance(ref, int):
        return conn.execute(select(table.c.id).where(table.c.id == ref)).scalar()
    found = conn.execute(_BY_NAME[table.name], {"name": ref}).scalar()
    if found is None and ref.isdigit() and len(ref) <= 18:
        found = conn.execute(select(table.c.id).where(table.c.id == int(ref))).scalar()
    return None if found is None else int(found)


def _match_account(conn: Connection, account: Row) -> Row | None:
    """By 法人番号, else by name key + domain, else by name key when one side has no domain and the
    name is unambiguous (the import's 名寄せ rules)."""
    cols = (A.c.id, A.c.is_named_account, *(A.c[name] for name in ACCOUNT_COLUMNS))
    number = account.get("corporate_number")
    if number is not None:
        row = conn.execute(_BY_NUMBER, {"number": number}).mappings().first()
        if row is not None:
            return dict(row)
    name_key = account.get("name_key")
    if name_key is None:
        return None
    same_name = select(*cols).where(A.c.name_key == name_key).order_by(A.c.id)
    if number is not None:
        same_name = same_name.where(A.c.corporate_number.is_(None))
    rows = [dict(r) for r in conn.execute(same_name.limit(20)).mappings()]
    domain = account.get("domain")
    exact = [r for r in rows if r["domain"] == domain]
    if exact:
        return exact[0]
    loose = [r for r in rows if domain is None or r["domain"] is None]
    return loose[0] if len(loose) == 1 else None


def _account(conn: Connection, account: Row, now: dt.datetime) -> tuple[Row, bool]:
    existing = _match_account(conn, account)
    if existing is not None:
        fill = {k: v for k, v in account.items() if k in ACCOUNT_COLUMNS and existing.get(k) is None}
        if fill:  # what tenbin does not know yet; what it knows is kept
            conn.execute(update(A).where(A.c.id == existing["id"]).values(**fill, updated_at=now))
            existing.update(fill)
        return existing, False
    if "name" not in account:
        raise TenbinError(e.INTAKE_COMPANY_REQUIRED, {}, Place(field="company.name"))
    values = {k: v for k, v in account.items() if k in ACCOUNT_COLUMNS}
    new_id = conn.execute(
        insert(A).values(**values, is_named_account=False, created_at=now, updated_at=now).returning(A.c.id)
    ).scalar_one()
    return {**values, "id": int(new_id), "is_named_account": False}, True


def _contact(conn: Connection, contact: Row, account_id: int, now: dt.datetime) -> tuple[int, bool]:
    existing = conn.execute(_BY_EMAIL, {"email": contact["email"]}).scalar()
    if existing is not None:
        conn.execute(_UPDATE_CONTACT, {**contact, "account_id": account_id, "updated_at": now, "b_id": existing})
        return int(existing), False
    values = {**contact, "account_id": account_id, "acquired_at": now, "created_at": now, "updated_at": now}
    new_id = conn.execute(_INSERT_CONTACT, values).scalar_one()
    return int(new_id), True


def _response(
    conn: Connection, contact_id: int, campaign_id: int, offer_id: int | None, at: dt.datetime, now: dt.datetime
) -> tuple[int, bool]:
    same = {"contact_id": contact_id, "campaign_id": campaign_id, "at": at}
    query = _SAME_RESPONSE[None] if offer_id is None else _SAME_RESPONSE[0]
    existing = conn.execute(query, same if offer_id is None else {**same, "offer_id": offer_id}).scalar()
    if existing is not None:
        return int(existing), False
    values = {"contact_id": contact_id, "campaign_id": campaign_id, "offer_id": offer_id, "responded_at": at,
              "created_at": now, "updated_at": now}  # fmt: skip
    new_id = conn.execute(_INSERT_RESPONSE, values).scalar_one()
    return int(new_id), True


def _open_opportunity(conn: Connection, account_id: int) -> int | None:
    found = conn.execute(
        select(OPP.c.id)
        .where(OPP.c.account_id == account_id, OPP.c.status == "open")
        .order_by(OPP.c.id.desc())
        .limit(1)
    ).scalar()
    return None if found is None else int(found)


def _budget(conn: Connection, req: IntakeRequest, contact_id: int, account: Row, now: dt.datetime) -> int | None:
    """The declared budget goes on the company's latest open opportunity (a new one when it has none)."""
    if req.budget is None and req.role is None:
        return None  # nothing to put on a deal
    opportunity = _open_opportunity(conn, account["id"])
    if req.budget is None:
        return opportunity
    if opportunity is not None:
        conn.execute(update(OPP).where(OPP.c.id == opportunity).values(budget=req.budget, updated_at=now))
        return opportunity
    name = f"{account['name']} / {now.date().isoformat()}"
    new_id = conn.execute(
        insert(OPP)
        .values(account_id=account["id"], contact_id=contact_id, name=name, budget=req.budget, status="open",
                created_on=now.date(), created_at=now, updated_at=now)
        .returning(OPP.c.id)
    ).scalar_one()  # fmt: skip
    return int(new_id)


def _group(conn: Connection, req: IntakeRequest, contact_id: int, account_id: int, opportunity: int | None,
           now: dt.datetime) -> None:  # fmt: skip
    if req.role is None:
        return
    values: Row = {"role": req.role}
    if req.stance is not None:
        values["stance"] = req.stance
    if req.engagement is not None:
        values["engagement"] = req.engagement
    mine = and_(BG.c.contact_id == contact_id, BG.c.account_id == account_id)
    on_deal = BG.c.opportunity_id.is_(None) if opportunity is None else or_(
        BG.c.opportunity_id == opportunity, BG.c.opportunity_id.is_(None)
    )  # fmt: skip
    existing = conn.execute(select(BG.c.id).where(mine, on_deal).order_by(BG.c.id.desc()).limit(1)).scalar()
    if existing is not None:
        conn.execute(update(BG).where(BG.c.id == existing).values(**values, opportunity_id=opportunity, updated_at=now))
        return
    conn.execute(
        insert(BG).values(contact_id=contact_id, account_id=account_id, opportunity_id=opportunity, created_at=now,
                          updated_at=now, **values)
    )  # fmt: skip


def write_lead(conn: Connection, req: IntakeRequest, *, now: dt.datetime) -> Written:
    """Create or update the lead, its company, its response (once per campaign/offer/time), buying-group role
    and declared budget."""
    keys = [f"contact:{req.contact['email']}"]
    if req.account.get("corporate_number"):
        keys.append(f"account:{req.account['corporate_number']}")
    if req.account.get("name_key"):
        keys.append(f"account-name:{req.account['name_key']}")
    _lock(conn, keys)
    campaign_id = _campaign(conn, req.campaign)
    offer_id = _offer(conn, req.offer)
    account, account_created = _account(conn, req.account, now)
    contact_id, contact_created = _contact(conn, req.contact, account["id"], now)
    response_id, response_created = _response(conn, contact_id, campaign_id, offer_id, req.responded_at or now, now)
    opportunity = _budget(conn, req, contact_id, account, now)
    _group(conn, req, contact_id, account["id"], opportunity, now)
    return Written(
        contact_id, contact_created, int(account["id"]), account_created, str(account["name"]),
        bool(account["is_named_account"]), response_id, response_created, campaign_id, offer_id, opportunity,
    )  # fmt: skip
