"""Individual seminars (個別セミナー): sessions for one account and who attended; reading and checking.

Writes (add, change, delete; audited) are in :mod:`tenbin.engagement.service`; this module reads and
checks values. Roles are the buying-group roles of :data:`tenbin.crm.records.BG_ROLES`; levels are the
contact levels (``staff`` 担当, ``manager`` 課長, ``director`` 部長, ``executive`` 役員). Japanese
spellings are accepted for both.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, func, select

from tenbin.crm.records import BG_ROLES, person_name
from tenbin.db import schema as s
from tenbin.engagement import errors as e
from tenbin.errors import Place, TenbinError

ROLES: tuple[str, ...] = tuple(code for code, _ in BG_ROLES)
# 決裁者, 予算権限者, 利用部門, 情シス/技術評価者, 推進者: the roles a buying group needs (影響者 is not one)
KEY_ROLES: tuple[str, ...] = ("decision_maker", "budget_holder", "user_department", "it_evaluator", "champion")
ROLE_JA = {
    "decision_maker": "決裁者",
    "budget_holder": "予算権限者",
    "user_department": "利用部門",
    "it_evaluator": "情シス・技術評価者",
    "influencer": "影響者",
    "champion": "推進者",
}
ROLE_EN = dict(BG_ROLES)
ROLE_ALIASES = {
    **{v: k for k, v in ROLE_JA.items()},
    "情シス": "it_evaluator",
    "技術評価者": "it_evaluator",
    "情報システム評価者": "it_evaluator",
    "チャンピオン": "champion",
    "推進者(チャンピオン)": "champion",
    **{v.casefold(): k for k, v in BG_ROLES},
}
LEVELS: tuple[str, ...] = ("staff", "manager", "director", "executive")
LEVEL_JA = {"staff": "担当", "manager": "課長", "director": "部長", "executive": "役員"}
LEVEL_ALIASES = {**{v: k for k, v in LEVEL_JA.items()}, "担当者": "staff", "一般": "staff", "経営層": "executive"}
EARLIEST, LATEST = dt.date(1900, 1, 1), dt.date(2999, 12, 31)
MAX_TITLE, MAX_NOTES, MAX_NAME, MAX_DEPARTMENT = 300, 10_000, 200, 200


@dataclass(frozen=True)
class Attendee:
    id: int
    session_id: int
    contact_id: int | None
    name: str | None  # the contact's name, or the name typed for a non-contact
    department: str | None
    role: str | None
    level: str | None


@dataclass(frozen=True)
class Session:
    id: int
    account_id: int
    title: str
    held_on: dt.date
    campaign_id: int | None
    campaign_name: str | None
    notes: str | None
    attendees: tuple[Attendee, ...]


def _clean(value: str | None) -> str | None:
    text = unicodedata.normalize("NFKC", value).strip() if value else ""
    return text or None


def check_text(value: str | None, field: str, limit: int) -> str | None:
    text = (value or "").strip() or None
    if text is not None and len(text) > limit:
        raise TenbinError(e.SEMINAR_TEXT_TOO_LONG, {"field": field, "max": limit}, Place(field=field))
    return text


def check_title(title: str | None) -> str:
    text = (title or "").strip()
    if not text or len(text) > MAX_TITLE:
        raise TenbinError(e.SEMINAR_TITLE_REQUIRED, {"max": MAX_TITLE}, Place(field="title"))
    return text


def parse_day(value: str | dt.date | None, field: str = "held_on") -> dt.date:
    """A day from 2026-04-15, 2026/4/15 or 2026年4月15日 (NFKC first, so full-width digits pass)."""
    if isinstance(value, dt.date):
        day = value.date() if isinstance(value, dt.datetime) else value
        if not EARLIEST <= day <= LATEST:
            raise TenbinError(e.SEMINAR_DATE_INVALID, {"value": day.isoformat()}, Place(field=field))
        return day
    text = unicodedata.normalize("NFKC", value or "").strip()
    found = re.fullmatch(r"(\d{4})\s*[-/年.]\s*(\d{1,2})\s*[-/月.]\s*(\d{1,2})\s*日?", text)
    try:
        if found is None:
            raise ValueError(text)
        day = dt.date(int(found.group(1)), int(found.group(2)), int(found.group(3)))
        if not EARLIEST <= day <= LATEST:
            raise ValueError(text)
        return day
    except ValueError:
        raise TenbinError(e.SEMINAR_DATE_INVALID, {"value": value}, Place(field=field)) from None


def check_role(value: str | None) -> str | None:
    text = _clean(value)
    if text is None:
        return None
    code = text if text in ROLES else ROLE_ALIASES.get(text, ROLE_ALIASES.get(text.casefold()))
    if code is None:
        raise TenbinError(e.SEMINAR_ROLE_INVALID, {"value": value, "allowed": ", ".join(ROLES)}, Place(field="role"))
    return code


def check_level(value: str | None) -> str | None:
    text = _clean(value)
    if text is None:
        return None
    code = text if text in LEVELS else LEVEL_ALIASES.get(text)
    if code is None:
        raise TenbinError(e.SEMINAR_LEVEL_INVALID, {"value": value, "allowed": ", ".join(LEVELS)}, Place(field="level"))
    return code


def account_name(conn: Connection, account_id: int) -> str:
    name = conn.execute(select(s.accounts.c.name).where(s.accounts.c.id == account_id)).scalar()
    if name is None:
        raise TenbinError(e.SEMINAR_ACCOUNT_NOT_FOUND, {"account_id": account_id}, Place(field="account_id"))
    return str(name)


def find_campaign(conn: Connection, value: str | int | None) -> int | None:
    """A campaign by id or exact name; ``None`` for an empty value."""
    text = str(value).strip() if value is not None else ""
    if not text:
        return None
    camp = s.campaigns
    query = select(camp.c.id).where(camp.c.name == text)
    if text.isdigit():
        query = select(camp.c.id).where((camp.c.id == int(text)) | (camp.c.name == text)).order_by(camp.c.id)
    found = conn.execute(query.limit(1)).scalar()
    if found is None:
        raise TenbinError(e.SEMINAR_CAMPAIGN_NOT_FOUND, {"value": text}, Place(field="campaign"))
    return int(found)


def find_contact(conn: Connection, account_id: int, value: str | int | None) -> int | None:
    """One of the account's contacts by id or email; ``None`` for an empty value."""
    text = str(value).strip() if value is not None else ""
    if not text:
        return None
    c = s.contacts
    match = c.c.id == int(text) if text.isdigit() else c.c.email == text.casefold()
    found = conn.execute(select(c.c.id).where(match, c.c.account_id == account_id)).scalar()
    if found is None:
        raise TenbinError(e.SEMINAR_CONTACT_NOT_FOUND, {"value": text}, Place(field="contact"))
    return int(found)


def session_row(conn: Connection, session_id: int) -> Any:
    row = conn.execute(select(s.seminar_sessions).where(s.seminar_sessions.c.id == session_id)).first()
    if row is None:
        raise TenbinError(e.SEMINAR_NOT_FOUND, {"session_id": session_id}, Place(field="session_id"))
    return row


def list_sessions(conn: Connection, account_id: int) -> list[Session]:
    """The account's seminars, oldest first, each with its attendees (two statements)."""
    ss, sa, c, camp = s.seminar_sessions, s.seminar_attendees, s.contacts, s.campaigns
    sessions = conn.execute(
        select(ss, camp.c.name.label("campaign_name"))
        .select_from(ss.outerjoin(camp, camp.c.id == ss.c.campaign_id))
        .where(ss.c.account_id == account_id)
        .order_by(ss.c.held_on, ss.c.id)
    ).all()
    people = conn.execute(
        select(
            sa.c.id,
            sa.c.session_id,
            sa.c.contact_id,
            func.coalesce(person_name(c), sa.c.name).label("name"),
            func.coalesce(sa.c.department, c.c.department).label("department"),
            sa.c.role,
            func.coalesce(sa.c.level, c.c.level).label("level"),
        )
        .select_from(sa.join(ss, ss.c.id == sa.c.session_id).outerjoin(c, c.c.id == sa.c.contact_id))
        .where(ss.c.account_id == account_id)
        .order_by(sa.c.session_id, sa.c.id)
    ).all()
    by_session: dict[int, list[Attendee]] = {}
    for p in people:
        by_session.setdefault(int(p.session_id), []).append(
            Attendee(int(p.id), int(p.session_id), p.contact_id, p.name, p.department, p.role, p.level)
        )
    return [
        Session(
            int(r.id),
            int(r.account_id),
            r.title,
            r.held_on,
            r.campaign_id,
            r.campaign_name,
            r.notes,
            tuple(by_session.get(int(r.id), ())),
        )
        for r in sessions
    ]
