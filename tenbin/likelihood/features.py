"""The raw inputs of the win likelihood, computed in SQL as of a time (only data on or before it).

A *subject* is what is scored: an open lead (a contact) as of one time T, or an opportunity as of
its own ``created_on`` day. Per subject, three aggregate statements (SQLAlchemy Core, both
databases) read:

- the buying group: the members of the subject's opportunity (a lead's: its account's latest
  opportunity open at T) or, without one, every member recorded for the account; members whose
  contact was acquired after T are left out. Per key role: present, supporting; any opposition
  (per role, the influencer too); mean engagement (0–3);
- the budget and amount of that opportunity (budget fit);
- the highest ``offers.ladder_rank`` reached by responses of the account's contacts (the lead's own
  when it has no account) on or before T, and the time of the latest such response (recency).

Results are numpy arrays in subject order, so scoring thousands of leads is a few vector operations.
The lead statements are built once, with bound parameters (the time, its day, the ids): scoring one
lead (the real-time intake, once per request) is then two round trips and well under a millisecond
of Python; leads of one account are aggregated once, and a part without leads is not run.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Connection,
    Select,
    Subquery,
    and_,
    bindparam,
    case,
    cast,
    func,
    null,
    or_,
    select,
    union_all,
)

from tenbin.db import schema
from tenbin.likelihood.model import Inputs
from tenbin.likelihood.sqlfunc import day_of

KEY_ROLES: tuple[str, ...] = ("decision_maker", "budget_holder", "user_department", "it_evaluator", "champion")
ROLES: tuple[str, ...] = (*KEY_ROLES, "influencer")
# Lifecycle stages of contacts that are no longer leads (the default funnel's 受注 and 継続).
CLOSED_STAGES: tuple[str, ...] = ("won", "retained")
CHUNK = 5_000  # ids per IN list (SQLite's bound-parameter limit is far above; keeps statements small)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
Cutoff = Callable[[ColumnElement[Any], Subquery], ColumnElement[bool]]


@dataclass(frozen=True)
class Features:
    """Raw inputs per subject (arrays aligned with ``ids``); unknown values are NaN / 0 / empty."""

    ids: IntArray
    as_of: list[dt.datetime]  # the time each subject is scored at
    support: IntArray  # distinct key roles with stance support (0–5)
    present: IntArray  # distinct key roles in the group (0–5)
    supporting_roles: list[tuple[str, ...]]
    opposing_roles: list[tuple[str, ...]]
    oppose: BoolArray
    members: IntArray
    engagement: FloatArray  # mean engagement 0–3 (NaN: no group)
    budget: FloatArray  # NaN: unknown
    amount: FloatArray  # NaN: unknown
    rung: IntArray  # highest ladder rank reached (0: no response with an offer)
    last_response: list[dt.datetime | None]

    @property
    def budget_ratio(self) -> FloatArray:
        """budget / amount; NaN when either is unknown or the amount is 0."""
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(self.amount > 0, self.budget / self.amount, np.nan)
        return np.asarray(ratio, dtype=np.float64)

    @property
    def days_since(self) -> FloatArray:
        """Days from the latest response to the scoring time (NaN: no response)."""
        days = [
            np.nan if last is None else max((t - last).total_seconds(), 0.0) / 86_400.0
            for t, last in zip(self.as_of, self.last_response, strict=True)
        ]
        return np.asarray(days, dtype=np.float64)


def open_lead_condition(as_of: dt.datetime | BindParameter[Any]) -> ColumnElement[bool]:
    """A contact that is a lead at ``as_of``: acquired by then and not a customer contact (受注/継続).
    ``as_of`` may be a bound parameter (a statement built once, the time given when executed)."""
    c = schema.contacts
    return and_(
        or_(c.c.acquired_at.is_(None), c.c.acquired_at <= as_of),
        or_(c.c.lifecycle_stage.is_(None), c.c.lifecycle_stage.not_in(CLOSED_STAGES)),
    )


def _open_opportunity(day: dt.date | BindParameter[Any]) -> ColumnElement[Any]:
    """The latest opportunity of the contact's account that was open on ``day`` (the scoring day)."""
    o, c = schema.opportunities, schema.contacts
    return (
        select(func.max(o.c.id))
        .where(
            o.c.account_id == c.c.account_id,
            or_(o.c.created_on.is_(None), o.c.created_on <= day),
            or_(o.c.status == "open", o.c.closed_on > day),
        )
        .scalar_subquery()
    )


def lead_subjects(ids: Sequence[int] | None, as_of: dt.datetime) -> Select[Any]:
    c = schema.contacts
    query = select(
        c.c.id.label("sid"),
        c.c.account_id.label("account_id"),
        c.c.id.label("contact_id"),
        _open_opportunity(as_of.date()).label("opp_id"),
    )
    return query.where(open_lead_condition(as_of) if ids is None else c.c.id.in_(ids))


def opportunity_subjects(ids: Sequence[int] | None) -> Select[Any]:
    o = schema.opportunities
    query = select(
        o.c.id.label("sid"),
        o.c.account_id.label("account_id"),
        o.c.contact_id.label("contact_id"),
        o.c.id.label("opp_id"),
        o.c.created_on.label("t_day"),
    )
    return query.where(o.c.created_on.is_not(None) if ids is None else o.c.id.in_(ids))


def _group_rows(s: Subquery, cutoff: Cutoff) -> Select[Any]:
    """One row per (subject, member) of the subject's buying group known at the cutoff."""
    m, mc = schema.buying_group_members, schema.contacts
    known = or_(mc.c.acquired_at.is_(None), cutoff(mc.c.acquired_at, s))
    cols = (s.c.sid, m.c.role, m.c.stance, m.c.engagement)
    of_opp = (
        select(*cols)
        .select_from(s.join(m, m.c.opportunity_id == s.c.opp_id).join(mc, mc.c.id == m.c.contact_id))
        .where(s.c.opp_id.is_not(None), known)
    )
    of_account = (
        select(*cols)
        .select_from(s.join(m, m.c.account_id == s.c.account_id).join(mc, mc.c.id == m.c.contact_id))
        .where(s.c.opp_id.is_(None), known)
    )
    return union_all(of_opp, of_account).subquery("g").select()


def group_statement(s: Subquery, cutoff: Cutoff) -> Select[Any]:
    g = _group_rows(s, cutoff).subquery("members")
    flags = []
    for role in KEY_ROLES:
        flags.append(func.max(case((g.c.role == role, 1), else_=0)).label(f"has_{role}"))
        supporting = and_(g.c.role == role, g.c.stance == "support")
        flags.append(func.max(case((supporting, 1), else_=0)).label(f"sup_{role}"))
    for role in ROLES:
        opposing = and_(g.c.role == role, g.c.stance == "oppose")
        flags.append(func.max(case((opposing, 1), else_=0)).label(f"opp_{role}"))
    return select(
        g.c.sid,
        func.count().label("members"),
        func.avg(g.c.engagement).label("engagement"),
        func.max(case((g.c.stance == "oppose", 1), else_=0)).label("oppose"),
        *flags,
    ).group_by(g.c.sid)


def ladder_statement(s: Subquery, cutoff: Cutoff) -> Select[Any]:
    """Highest ladder rank and latest response per subject, on or before the cutoff."""
    r, rc, f = schema.responses, schema.contacts, schema.offers
    cols = (s.c.sid, f.c.ladder_rank, r.c.responded_at)
    by_account = (
        select(*cols)
        .select_from(
            s.join(rc, rc.c.account_id == s.c.account_id)
            .join(r, r.c.contact_id == rc.c.id)
            .outerjoin(f, f.c.id == r.c.offer_id)
        )
        .where(s.c.account_id.is_not(None), cutoff(r.c.responded_at, s))
    )
    own = (
        select(*cols)
        .select_from(s.join(r, r.c.contact_id == s.c.contact_id).outerjoin(f, f.c.id == r.c.offer_id))
        .where(s.c.account_id.is_(None), cutoff(r.c.responded_at, s))
    )
    u = union_all(by_account, own).subquery("ladder")
    return select(u.c.sid, func.max(u.c.ladder_rank).label("rung"), func.max(u.c.responded_at).label("last")).group_by(
        u.c.sid
    )


def budget_statement(s: Subquery) -> Select[Any]:
    o = schema.opportunities
    return select(s.c.sid, o.c.budget, o.c.amount).select_from(s.join(o, o.c.id == s.c.opp_id))


def _collect(conn: Connection, subjects: Select[Any], cutoff: Cutoff) -> dict[str, dict[int, Any]]:
    s = subjects.subquery("s")
    found: dict[str, dict[int, Any]] = {"ids": {}, "group": {}, "ladder": {}, "budget": {}}
    for row in conn.execute(select(s.c.sid, s.c.t_day if "t_day" in s.c else null().label("t_day"))):
        found["ids"][int(row.sid)] = row.t_day
    for row in conn.execute(group_statement(s, cutoff)):
        found["group"][int(row.sid)] = row
    for row in conn.execute(ladder_statement(s, cutoff)):
        found["ladder"][int(row.sid)] = row
    for row in conn.execute(budget_statement(s)):
        found["budget"][int(row.sid)] = row
    return found


def _chunks(ids: Sequence[int] | None) -> list[list[int] | None]:
    if ids is None:
        return [None]
    unique = sorted({int(i) for i in ids})
    return [unique[k : k + CHUNK] for k in range(0, len(unique), CHUNK)]


# The lead statements are built once (building and cache-keying them cost far more than running them
# for one lead, as the real-time intake does) with these parameters, given at execution.
_AS_OF = bindparam("as_of", type_=schema.responses.c.responded_at.type)
_DAY = bindparam("day", type_=schema.opportunities.c.created_on.type)
_IDS: BindParameter[int] = bindparam("ids", expanding=True)


@dataclass(frozen=True)
class _LeadStatements:
    subjects: Select[Any]  # sid, account_id of the leads
    # Per account: the group, ladder and budget statements, and (for given ids) the one statement that
    # joins the three to its subjects: one round trip instead of three, quicker for one lead (the
    # real-time intake) but not for several on SQLite.
    by_account: tuple[Select[Any], ...]
    by_contact: tuple[Select[Any], ...]  # the same for leads without an account
    joined_by_account: tuple[Select[Any], ...] = ()
    joined_by_contact: tuple[Select[Any], ...] = ()


def _lead_cutoff(ts: ColumnElement[Any], s: Subquery) -> ColumnElement[bool]:
    return ts <= _AS_OF


@functools.cache
def _lead_statements(by_ids: bool) -> _LeadStatements:
    """The statements of :func:`lead_features`: for the leads with the ids ``:ids`` (``by_ids``) or
    every open lead at ``:as_of``; ``:day`` is the date of ``:as_of``."""
    c = schema.contacts
    leads = (
        select(
            c.c.id.label("sid"),
            c.c.account_id.label("account_id"),
            c.c.id.label("contact_id"),
            _open_opportunity(_DAY).label("opp_id"),
        )
        .where(c.c.id.in_(_IDS) if by_ids else open_lead_condition(_AS_OF))
        .subquery("leads")
    )
    # Leads of one account share its group, budget and ladder: aggregate once per account.
    per_account = (
        select(
            leads.c.account_id.label("sid"),
            leads.c.account_id,
            cast(null(), schema.contacts.c.id.type).label("contact_id"),
            leads.c.opp_id,
        )
        .where(leads.c.account_id.is_not(None))
        .distinct()
    )
    own = select(leads).where(leads.c.account_id.is_(None))

    def parts(subjects: Select[Any]) -> tuple[Select[Any], ...]:
        s = subjects.subquery("s")
        return group_statement(s, _lead_cutoff), ladder_statement(s, _lead_cutoff), budget_statement(s)

    def joined(subjects: Select[Any]) -> tuple[Select[Any], ...]:
        s = subjects.subquery("s")
        g = group_statement(s, _lead_cutoff).subquery("g")
        lad, o = ladder_statement(s, _lead_cutoff).subquery("lad"), schema.opportunities
        sources = (
            s.outerjoin(g, g.c.sid == s.c.sid).outerjoin(lad, lad.c.sid == s.c.sid).outerjoin(o, o.c.id == s.c.opp_id)
        )
        columns = [column for column in g.c if column.key != "sid"]
        marks = (g.c.sid.label("in_group"), lad.c.sid.label("in_ladder"), o.c.id.label("in_budget"))
        return (select(s.c.sid, *marks, *columns, lad.c.rung, lad.c.last, o.c.budget, o.c.amount).select_from(sources),)

    subjects = select(leads.c.sid, leads.c.account_id)
    if not by_ids:
        return _LeadStatements(subjects, parts(per_account), parts(own))
    return _LeadStatements(subjects, parts(per_account), parts(own), joined(per_account), joined(own))


def lead_features(conn: Connection, ids: Sequence[int] | None, as_of: dt.datetime) -> Features:
    """Features of leads (contacts) as of one time; ``ids=None``: every open lead at ``as_of``."""
    statements = _lead_statements(ids is not None)
    found: dict[str, dict[int, Any]] = {"ids": {}, "group": {}, "ladder": {}, "budget": {}}
    for chunk in _chunks(ids):
        params: dict[str, Any] = {"as_of": as_of, "day": as_of.date()}
        if chunk is not None:
            params["ids"] = chunk
        account_of = {int(sid): account for sid, account in conn.execute(statements.subjects, params)}
        one = len(account_of) == 1 and bool(statements.joined_by_account)
        by_account = statements.joined_by_account if one else statements.by_account
        by_contact = statements.joined_by_contact if one else statements.by_contact
        # Run a part only when it has leads (one lead has either an account or none).
        accounts = set(account_of.values())
        per_account = _collect_parts(conn, by_account, params) if accounts - {None} else {}
        per_contact = _collect_parts(conn, by_contact, params) if None in accounts else {}
        for sid, account in account_of.items():
            source, key = (per_contact, sid) if account is None else (per_account, int(account))
            found["ids"][sid] = None
            for part in ("group", "ladder", "budget"):
                if key in source[part]:
                    found[part][sid] = source[part][key]
    return _assemble(found, lambda _: as_of)


def _collect_parts(
    conn: Connection, statements: tuple[Select[Any], ...], params: dict[str, Any]
) -> dict[str, dict[int, Any]]:
    found: dict[str, dict[int, Any]] = {"group": {}, "ladder": {}, "budget": {}}
    if len(statements) == 1:  # joined: a part's row is there when its own aggregate found one
        for row in conn.execute(statements[0], params):
            for part in ("group", "ladder", "budget"):
                if getattr(row, f"in_{part}") is not None:
                    found[part][int(row.sid)] = row
        return found
    for part, statement in zip(("group", "ladder", "budget"), statements, strict=True):
        found[part] = {int(row.sid): row for row in conn.execute(statement, params)}
    return found


def opportunity_features(conn: Connection, ids: Sequence[int] | None = None) -> Features:
    """Features of opportunities, each as of the end of its ``created_on`` day."""

    def cutoff(ts: ColumnElement[Any], s: Subquery) -> ColumnElement[bool]:
        return day_of(ts) <= s.c.t_day

    found: dict[str, dict[int, Any]] = {"ids": {}, "group": {}, "ladder": {}, "budget": {}}
    for chunk in _chunks(ids):
        for key, values in _collect(conn, opportunity_subjects(chunk), cutoff).items():
            found[key].update(values)

    def end_of(day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time()) + dt.timedelta(days=1)

    return _assemble(found, lambda sid: end_of(_as_date(found["ids"][sid])))


def _as_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _as_datetime(value: Any) -> dt.datetime | None:
    if value is None or isinstance(value, dt.datetime):
        return value
    return dt.datetime.fromisoformat(str(value))


def _number(value: Any) -> float:
    return np.nan if value is None else float(value)


def _assemble(found: dict[str, dict[int, Any]], time_of: Callable[[int], dt.datetime]) -> Features:
    ids = sorted(found["ids"])
    group, ladder, budget = found["group"], found["ladder"], found["budget"]
    rows = [group.get(i) for i in ids]
    roles: dict[int, tuple[tuple[str, ...], int, tuple[str, ...]]] = {}  # leads of one account share a row
    for g in rows:
        if g is not None and id(g) not in roles:
            m = g._mapping
            roles[id(g)] = (
                tuple(r for r in KEY_ROLES if m[f"sup_{r}"]),
                sum(1 for r in KEY_ROLES if m[f"has_{r}"]),
                tuple(r for r in ROLES if m[f"opp_{r}"]),
            )
    none: tuple[tuple[str, ...], int, tuple[str, ...]] = ((), 0, ())
    supporting = [none[0] if g is None else roles[id(g)][0] for g in rows]
    present = [0 if g is None else roles[id(g)][1] for g in rows]
    opposing = [none[2] if g is None else roles[id(g)][2] for g in rows]
    return Features(
        ids=np.asarray(ids, dtype=np.int64),
        as_of=[time_of(i) for i in ids],
        support=np.asarray([len(s) for s in supporting], dtype=np.int64),
        present=np.asarray(present, dtype=np.int64),
        supporting_roles=supporting,
        opposing_roles=opposing,
        oppose=np.asarray([bool(g is not None and g.oppose) for g in rows], dtype=np.bool_),
        members=np.asarray([0 if g is None else int(g.members) for g in rows], dtype=np.int64),
        engagement=np.asarray([np.nan if g is None else _number(g.engagement) for g in rows], dtype=np.float64),
        budget=np.asarray([_number(budget[i].budget) if i in budget else np.nan for i in ids], dtype=np.float64),
        amount=np.asarray([_number(budget[i].amount) if i in budget else np.nan for i in ids], dtype=np.float64),
        rung=np.asarray([int(ladder[i].rung or 0) if i in ladder else 0 for i in ids], dtype=np.int64),
        last_response=[_as_datetime(ladder[i].last) if i in ladder else None for i in ids],
    )


_f = schema.offers
_OFFER_NAMES = select(_f.c.ladder_rank, _f.c.name).order_by(_f.c.ladder_rank, _f.c.id)  # built once


def offer_names(conn: Connection) -> dict[int, str]:
    """Ladder rank → offer name(s) (names sharing a rank joined by '/')."""
    names: dict[int, list[str]] = {}
    for rank, name in conn.execute(_OFFER_NAMES):
        names.setdefault(int(rank), []).append(str(name))
    return {rank: "/".join(v) for rank, v in names.items()}


def inputs_of(features: Features) -> Inputs:
    """The model's inputs from the raw features."""
    return Inputs(
        support=features.support.astype(np.float64),
        oppose=features.oppose.astype(np.float64),
        budget_ratio=features.budget_ratio,
        rung=features.rung.astype(np.float64),
        days_since=features.days_since,
    )
