"""Buying-group coverage of an account before and after each individual seminar.

Who is **engaged** at an account at a moment:

* buying-group members (``buying_group_members``) from the day they joined: the creation day of
  their opportunity when they belong to one, else the day the membership was recorded
  (``created_at``) — engaged *before* a seminar when that day is earlier than the seminar's day;
* attendees of the account's earlier seminars (earlier day, or same day and recorded first).

*After* a seminar = before ∪ its attendees. Coverage counts the key roles (決裁者, 予算権限者, 利用部門,
情シス・技術評価者, 推進者: :data:`~tenbin.engagement.seminars.KEY_ROLES`), the departments (by
:func:`~tenbin.engagement.departments.department_key`) and the people (a contact, or a typed name).
An attendee's role is the one recorded for the attendance; a contact who is also a buying-group member
brings that role once the membership counts. :func:`session_coverage` is pure.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import Connection, select

from tenbin.db import schema as s
from tenbin.engagement.departments import department_key, label_by_key
from tenbin.engagement.seminars import KEY_ROLES, Session


@dataclass(frozen=True)
class Fact:
    """One person engaged in one role/department from a day (``session_id`` ``None``: buying group)."""

    day: dt.date
    session_id: int | None
    person: str  # "c<contact id>" or "n<typed name>"
    department: str | None
    role: str | None


@dataclass(frozen=True)
class SessionCoverage:
    session_id: int
    title: str
    held_on: dt.date
    attendees: int
    roles_before: tuple[str, ...]  # key roles, in KEY_ROLES order
    roles_after: tuple[str, ...]
    new_roles: tuple[str, ...]
    departments_before: tuple[str, ...]  # labels, sorted
    departments_after: tuple[str, ...]
    new_departments: tuple[str, ...]
    people_before: int
    people_after: int


def buying_group_facts(conn: Connection, account_id: int) -> list[Fact]:
    bg, c, o = s.buying_group_members, s.contacts, s.opportunities
    rows = conn.execute(
        select(bg.c.contact_id, bg.c.role, c.c.department, o.c.created_on, bg.c.created_at)
        .select_from(bg.join(c, c.c.id == bg.c.contact_id).outerjoin(o, o.c.id == bg.c.opportunity_id))
        .where(bg.c.account_id == account_id)
        .order_by(bg.c.id)
    ).all()
    facts = []
    for contact_id, role, department, created_on, created_at in rows:
        day = created_on if created_on is not None else _day(created_at)
        facts.append(Fact(day, None, f"c{contact_id}", department, role))
    return facts


def _day(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def attendee_facts(sessions: list[Session]) -> list[Fact]:
    return [
        Fact(
            x.held_on,
            x.id,
            f"c{a.contact_id}" if a.contact_id is not None else f"n{a.name or a.id}",
            a.department,
            a.role,
        )
        for x in sessions
        for a in x.attendees
    ]


def _state(facts: list[Fact]) -> tuple[set[str], set[str], set[str]]:
    roles = {f.role for f in facts if f.role in KEY_ROLES}
    departments = {k for k in (department_key(f.department) for f in facts) if k is not None}
    return {r for r in roles if r is not None}, departments, {f.person for f in facts}


def session_coverage(sessions: list[Session], facts: list[Fact]) -> tuple[SessionCoverage, ...]:
    """Coverage before and after each session, in the sessions' order (oldest first)."""
    labels = label_by_key(f.department for f in facts)
    order = {x.id: (x.held_on, x.id) for x in sessions}
    result = []
    for x in sessions:
        here = (x.held_on, x.id)
        before = [
            f
            for f in facts
            if (f.session_id is None and f.day < x.held_on) or (f.session_id is not None and order[f.session_id] < here)
        ]
        after = before + [f for f in facts if f.session_id == x.id]
        roles_b, deps_b, people_b = _state(before)
        roles_a, deps_a, people_a = _state(after)
        result.append(
            SessionCoverage(
                x.id,
                x.title,
                x.held_on,
                len(x.attendees),
                _roles(roles_b),
                _roles(roles_a),
                _roles(roles_a - roles_b),
                _labels(deps_b, labels),
                _labels(deps_a, labels),
                _labels(deps_a - deps_b, labels),
                len(people_b),
                len(people_a),
            )
        )
    return tuple(result)


def _roles(found: set[str]) -> tuple[str, ...]:
    return tuple(r for r in KEY_ROLES if r in found)


def _labels(keys: set[str], labels: dict[str, str]) -> tuple[str, ...]:
    return tuple(sorted(labels.get(k, k) for k in keys))


def attendee_breakdown(sessions: list[Session]) -> tuple[tuple[tuple[str, int], ...], tuple[tuple[str, int], ...]]:
    """Attendances per department (label) and per role (``""`` for none), most first."""
    attendees = [a for x in sessions for a in x.attendees]
    labels = label_by_key(a.department for a in attendees)
    departments = Counter(labels.get(department_key(a.department) or "", "") for a in attendees)
    roles = Counter(a.role or "" for a in attendees)
    return _most(departments), _most(roles)


def _most(counter: Counter[str]) -> tuple[tuple[str, int], ...]:
    return tuple(sorted(counter.items(), key=lambda kv: (-kv[1], kv[0] == "", kv[0])))


def current(facts: list[Fact]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Key roles and departments (labels) engaged now, whatever the dates."""
    roles, departments, _ = _state(facts)
    return _roles(roles), _labels(departments, label_by_key(f.department for f in facts))
