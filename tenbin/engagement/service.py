"""The engagement slice's public surface.

* :func:`compute_ladder` — step-up conversion per rung of the offer ladder, ICP vs non-ICP
  (:mod:`tenbin.engagement.ladder` has the definitions; one SQL statement).
* Individual seminars: :func:`add_session`, :func:`update_session`, :func:`delete_session`,
  :func:`add_attendee`, :func:`delete_attendee` (each one write transaction, audited),
  :func:`list_seminars`, and :func:`import_seminars` (CSV/XLSX through the importer's reader).
* :func:`account_engagement` — one account's seminars, buying-group coverage before/after each,
  attendees by department and role, and its whitespace (for the lead and account pages).
* :func:`compute_whitespace` — whitespace per customer account, ranked by opportunity.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, delete, insert, select, update

from tenbin.auth.audit import record
from tenbin.crm.records import person_name
from tenbin.db import schema as s
from tenbin.db.engine import write_transaction
from tenbin.engagement import coverage as cov
from tenbin.engagement import errors as e
from tenbin.engagement import ladder as lad
from tenbin.engagement import seminars as sem
from tenbin.engagement import whitespace as ws
from tenbin.engagement.coverage import SessionCoverage
from tenbin.engagement.importing import ImportSummary, read_seminar_file, write_seminar_rows
from tenbin.engagement.ladder import SUBJECTS, LadderResult, LadderStep, Rung
from tenbin.engagement.seminars import KEY_ROLES, LEVELS, ROLES, Attendee, Session
from tenbin.engagement.whitespace import AccountWhitespace, Expected, WhitespaceResult
from tenbin.errors import Place, TenbinError
from tenbin.icp.versions import definition_sql, get_version, version_definition
from tenbin.metrics.service import json_plain

__all__ = [
    "KEY_ROLES",
    "LEVELS",
    "ROLES",
    "SUBJECTS",
    "AccountEngagement",
    "AccountWhitespace",
    "Attendee",
    "ContactChoice",
    "Expected",
    "ImportSummary",
    "LadderResult",
    "LadderStep",
    "Rung",
    "Session",
    "SessionCoverage",
    "WhitespaceResult",
    "account_contacts",
    "account_engagement",
    "add_attendee",
    "add_session",
    "as_plain",
    "compute_ladder",
    "compute_whitespace",
    "delete_attendee",
    "delete_session",
    "get_session",
    "import_seminars",
    "level_label",
    "list_seminars",
    "parse_day",
    "role_label",
    "update_session",
]


def _icp(conn: Connection, version: int | None) -> tuple[int, ColumnElement[bool]] | None:
    """The ICP version's number and condition; ``None`` when no version is given and none is current."""
    if version is None:
        current = s.icp_versions.c.is_current.is_(True)
        if conn.execute(select(s.icp_versions.c.id).where(current)).first() is None:
            return None
    found = get_version(conn, version)
    return found.version, definition_sql(version_definition(conn, found))


# -- the offer ladder ------------------------------------------------------------------------------
def compute_ladder(
    engine: Engine,
    *,
    by: str = "lead",
    period_from: dt.date | None = None,
    period_to: dt.date | None = None,
    icp_version: int | None = None,
) -> LadderResult:
    """Step-up conversion per rung for ICP and non-ICP leads (``by="lead"``) or accounts."""
    if by not in SUBJECTS:
        raise TenbinError(e.LADDER_BY_INVALID, {"value": by, "allowed": ", ".join(SUBJECTS)}, Place(field="by"))
    for field, day in (("period_from", period_from), ("period_to", period_to)):
        if day is not None and not sem.EARLIEST <= day <= sem.LATEST:
            raise TenbinError(e.LADDER_DATE_RANGE, {"value": day.isoformat()}, Place(field=field))
    if period_from is not None and period_to is not None and period_from > period_to:
        params = {"period_from": period_from.isoformat(), "period_to": period_to.isoformat()}
        raise TenbinError(e.LADDER_PERIOD_ORDER, params, Place(field="period_from"))
    with engine.connect() as conn:
        rungs = lad.load_rungs(conn)
        icp = _icp(conn, icp_version)
        query = lad.step_up_counts(rungs, by, None if icp is None else icp[1], period_from, period_to)
        rows = list(conn.execute(query).tuples())
    return LadderResult(by, None if icp is None else icp[0], period_from, period_to, lad.assemble(rungs, rows))


# -- individual seminars ---------------------------------------------------------------------------
def _session_values(
    conn: Connection, title: str | None, held_on: str | dt.date | None, campaign: str | int | None, notes: str | None
) -> dict[str, Any]:
    return {
        "title": sem.check_title(title),
        "held_on": sem.parse_day(held_on),
        "campaign_id": sem.find_campaign(conn, campaign),
        "notes": sem.check_text(notes, "notes", sem.MAX_NOTES),
    }


def get_session(engine: Engine, *, session_id: int) -> Session:
    with engine.connect() as conn:
        row = sem.session_row(conn, session_id)
        return next(x for x in sem.list_sessions(conn, int(row.account_id)) if x.id == session_id)


def list_seminars(engine: Engine, *, account_id: int) -> list[Session]:
    """The account's seminars with their attendees, oldest first."""
    with engine.connect() as conn:
        sem.account_name(conn, account_id)
        return sem.list_sessions(conn, account_id)


def add_session(
    engine: Engine,
    *,
    account_id: int,
    title: str | None,
    held_on: str | dt.date | None,
    actor: str,
    campaign: str | int | None = None,
    notes: str | None = None,
    attendees: Sequence[Mapping[str, Any]] = (),
) -> Session:
    """A new seminar, with its attendees (each ``contact``, ``name``, ``department``, ``role``,
    ``level`` as for :func:`add_attendee`) in the same transaction: all or nothing."""
    with write_transaction(engine) as conn:
        sem.account_name(conn, account_id)
        values = _session_values(conn, title, held_on, campaign, notes)
        new_id = conn.execute(
            insert(s.seminar_sessions).values(account_id=account_id, **values).returning(s.seminar_sessions.c.id)
        ).scalar_one()
        record(conn, actor=actor, action="seminar.add", entity="seminar_sessions", entity_id=new_id,
               detail={"account_id": account_id, **_plain(values), "attendees": len(attendees)})  # fmt: skip
        seen: set[int] = set()
        for index, person in enumerate(attendees):
            row = attendee_values(conn, account_id, person.get("contact"), person.get("name"),
                                  person.get("department"), person.get("role"), person.get("level"))  # fmt: skip
            if row["contact_id"] is not None and row["contact_id"] in seen:
                raise TenbinError(e.SEMINAR_ATTENDEE_DUPLICATE, {"contact_id": row["contact_id"]},
                                  Place(field="attendees", position=index + 1))  # fmt: skip
            seen.add(row["contact_id"])
            conn.execute(insert(s.seminar_attendees).values(session_id=new_id, **row))
    return get_session(engine, session_id=int(new_id))


def update_session(
    engine: Engine,
    *,
    session_id: int,
    title: str | None,
    held_on: str | dt.date | None,
    actor: str,
    campaign: str | int | None = None,
    notes: str | None = None,
) -> Session:
    with write_transaction(engine) as conn:
        before = sem.session_row(conn, session_id)
        values = _session_values(conn, title, held_on, campaign, notes)
        conn.execute(
            update(s.seminar_sessions)
            .where(s.seminar_sessions.c.id == session_id)
            .values(**values, updated_at=dt.datetime.now().replace(microsecond=0))
        )
        old = {k: getattr(before, k) for k in values}
        record(conn, actor=actor, action="seminar.update", entity="seminar_sessions", entity_id=session_id,
               detail={"before": _plain(old), "after": _plain(values)})  # fmt: skip
    return get_session(engine, session_id=session_id)


def delete_session(engine: Engine, *, session_id: int, actor: str) -> int:
    """Delete a seminar and its attendees; returns its account's id."""
    with write_transaction(engine) as conn:
        row = sem.session_row(conn, session_id)
        conn.execute(delete(s.seminar_attendees).where(s.seminar_attendees.c.session_id == session_id))
        conn.execute(delete(s.seminar_sessions).where(s.seminar_sessions.c.id == session_id))
        detail = {"account_id": row.account_id, "title": row.title, "held_on": row.held_on.isoformat()}
        record(
            conn, actor=actor, action="seminar.delete", entity="seminar_sessions", entity_id=session_id, detail=detail
        )
        return int(row.account_id)


def add_attendee(
    engine: Engine,
    *,
    session_id: int,
    actor: str,
    contact: str | int | None = None,
    name: str | None = None,
    department: str | None = None,
    role: str | None = None,
    level: str | None = None,
) -> Attendee:
    """An attendee: one of the account's contacts (id or email), or a typed name."""
    with write_transaction(engine) as conn:
        session = sem.session_row(conn, session_id)
        values = attendee_values(conn, int(session.account_id), contact, name, department, role, level)
        if values["contact_id"] is not None and _attends(conn, session_id, values["contact_id"]):
            raise TenbinError(
                e.SEMINAR_ATTENDEE_DUPLICATE, {"contact_id": values["contact_id"]}, Place(field="contact")
            )
        new_id = conn.execute(
            insert(s.seminar_attendees).values(session_id=session_id, **values).returning(s.seminar_attendees.c.id)
        ).scalar_one()
        record(conn, actor=actor, action="seminar.attendee.add", entity="seminar_attendees", entity_id=new_id,
               detail={"session_id": session_id, **values})  # fmt: skip
        account_id = int(session.account_id)
    with engine.connect() as conn:
        found = sem.list_sessions(conn, account_id)
    return next(a for x in found for a in x.attendees if a.id == new_id)


def attendee_values(
    conn: Connection, account_id: int, contact: str | int | None, name: str | None, department: str | None,
    role: str | None, level: str | None,
) -> dict[str, Any]:  # fmt: skip
    contact_id = sem.find_contact(conn, account_id, contact)
    values = {
        "contact_id": contact_id,
        "name": sem.check_text(name, "name", sem.MAX_NAME),
        "department": sem.check_text(department, "department", sem.MAX_DEPARTMENT),
        "role": sem.check_role(role),
        "level": sem.check_level(level),
    }
    if contact_id is None and values["name"] is None:
        raise TenbinError(e.SEMINAR_ATTENDEE_EMPTY, {}, Place(field="name"))
    return values


def _attends(conn: Connection, session_id: int, contact_id: int) -> bool:
    sa = s.seminar_attendees
    found = conn.execute(select(sa.c.id).where(sa.c.session_id == session_id, sa.c.contact_id == contact_id)).first()
    return found is not None


def delete_attendee(engine: Engine, *, attendee_id: int, actor: str) -> int:
    """Remove an attendee; returns the session's id."""
    sa = s.seminar_attendees
    with write_transaction(engine) as conn:
        row = conn.execute(select(sa).where(sa.c.id == attendee_id)).first()
        if row is None:
            raise TenbinError(e.SEMINAR_ATTENDEE_NOT_FOUND, {"attendee_id": attendee_id}, Place(field="attendee_id"))
        conn.execute(delete(sa).where(sa.c.id == attendee_id))
        record(conn, actor=actor, action="seminar.attendee.delete", entity="seminar_attendees", entity_id=attendee_id,
               detail={"session_id": row.session_id, "contact_id": row.contact_id, "name": row.name})  # fmt: skip
        return int(row.session_id)


def import_seminars(
    engine: Engine, path: Any, *, actor: str, encoding: str | None = None, dry_run: bool = False
) -> ImportSummary:
    """Seminars and attendees from a CSV/XLSX file (one row per attendee); all rows or none."""
    rows, summary = read_seminar_file(path, encoding)
    with write_transaction(engine) as conn:
        written = write_seminar_rows(conn, rows, summary)
        record(conn, actor=actor, action="seminar.import", entity="seminar_sessions",
               detail={"file": str(path), "sessions": written.sessions_added,
                       "attendees": written.attendees_added, "dry_run": dry_run})  # fmt: skip
        if dry_run:
            conn.rollback()
    return written


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in values.items()}


# -- one account, and whitespace -------------------------------------------------------------------
@dataclass(frozen=True)
class AccountEngagement:
    account_id: int
    account_name: str
    sessions: tuple[Session, ...]
    coverage: tuple[SessionCoverage, ...]  # before/after each session, oldest first
    roles_now: tuple[str, ...]  # key roles engaged now (buying group and every attendee)
    missing_roles: tuple[str, ...]  # key roles not yet engaged
    departments_now: tuple[str, ...]
    attendees_by_department: tuple[tuple[str, int], ...]
    attendees_by_role: tuple[tuple[str, int], ...]
    whitespace: AccountWhitespace | None  # None: not a customer


def account_engagement(conn: Connection, account_id: int) -> AccountEngagement:
    """Everything about one account's engagement, read on ``conn`` (for the account and lead pages)."""
    name = sem.account_name(conn, account_id)
    sessions = sem.list_sessions(conn, account_id)
    facts = cov.buying_group_facts(conn, account_id) + cov.attendee_facts(sessions)
    roles, departments = cov.current(facts)
    by_department, by_role = cov.attendee_breakdown(sessions)
    found = ws.compute(conn, _icp(conn, None), account_id=account_id).rows
    return AccountEngagement(
        account_id, name, tuple(sessions), cov.session_coverage(sessions, facts), roles,
        tuple(r for r in KEY_ROLES if r not in roles), departments, by_department, by_role, found[0] if found else None,
    )  # fmt: skip


def compute_whitespace(
    engine: Engine, *, account_id: int | None = None, icp_first: bool = False, min_share: float = ws.MIN_SHARE
) -> WhitespaceResult:
    """Whitespace of every customer account (or of one), ranked by opportunity."""
    with engine.connect() as conn:
        if account_id is not None:
            sem.account_name(conn, account_id)
        result = ws.compute(conn, _icp(conn, None), account_id=account_id, min_share=min_share, icp_first=icp_first)
    if account_id is not None and not result.rows:
        raise TenbinError(e.WHITESPACE_NOT_CUSTOMER, {"account_id": account_id}, Place(field="account_id"))
    return result


@dataclass(frozen=True)
class ContactChoice:
    id: int
    name: str | None
    department: str | None
    email: str | None


def account_contacts(engine: Engine, *, account_id: int, limit: int = 500) -> list[ContactChoice]:
    """The account's contacts to pick attendees from (name order, at most ``limit``)."""
    c = s.contacts
    with engine.connect() as conn:
        rows = conn.execute(
            select(c.c.id, person_name(c), c.c.department, c.c.email)
            .where(c.c.account_id == account_id)
            .order_by(c.c.last_name_kana, c.c.last_name, c.c.id)
            .limit(limit)
        ).all()
    return [ContactChoice(int(r[0]), r[1], r[2], r[3]) for r in rows]


def parse_day(value: str | dt.date | None, field: str = "held_on") -> dt.date:
    """A day typed as 2026-04-15, 2026/4/15 or 2026年4月15日 (SEMINAR_DATE_INVALID otherwise)."""
    return sem.parse_day(value, field)


def role_label(code: str | None, lang: str = "ja") -> str:
    """The buying-group role in Japanese or English (``—`` for none)."""
    if not code:
        return "—"
    return (sem.ROLE_JA if lang == "ja" else sem.ROLE_EN).get(code, code)


def level_label(code: str | None, lang: str = "ja") -> str:
    if not code:
        return "—"
    return sem.LEVEL_JA.get(code, code) if lang == "ja" else code


def as_plain(value: Any) -> Any:
    """A result as JSON-ready data (dates as ISO text)."""
    return json_plain(dataclasses.asdict(value))
