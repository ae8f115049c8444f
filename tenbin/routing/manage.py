"""A manager's hand on routing: override a decision (with a reason, within capacity, audited) and
mark a lead handled (stops its SLA clock, audited).

An override is a new current decision (trigger ``override``, action ``override``, ``overrides_id``
the decision it replaces) that keeps the lead's quadrant and facts; revisit leaves it alone unless
the quadrant changes. It must fit the target's capacity like any assignment: the target member's
(and team's) load today and this week, not counting this lead if it is already theirs today, must
be below the limits (ROUTING_MEMBER_FULL / ROUTING_TEAM_FULL otherwise).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from tenbin.auth import audit
from tenbin.db import schema as s
from tenbin.db.engine import write_transaction
from tenbin.errors import Place, TenbinError
from tenbin.routing import decide, state
from tenbin.routing import errors as e
from tenbin.routing.decide import MemberSlot, TeamSlot
from tenbin.routing.router import notify
from tenbin.routing.text import override_sentences

D = state.D
MAX_NOTE = 1000
PERIODS = {"day": ("本日", "today"), "week": ("今週", "this week")}


def _team(conn: Connection, team: int | str) -> Any:
    t = s.teams
    text = str(team).strip()
    condition = t.c.id == int(text) if text.isdigit() else t.c.name == text
    row = conn.execute(select(t).where(condition)).first()
    if row is None:
        raise TenbinError(e.ROUTING_TEAM_NOT_FOUND, {"team": text}, Place(field="team"))
    return row


def _member(conn: Connection, team: Any, member: int | str) -> Any:
    m = s.team_members
    text = str(member).strip()
    condition = m.c.id == int(text) if text.isdigit() else m.c.name == text
    row = conn.execute(select(m).where(condition, m.c.team_id == team.id, m.c.is_active.is_(True))).first()
    if row is None:
        raise TenbinError(e.ROUTING_MEMBER_NOT_FOUND, {"team": team.name, "member": text}, Place(field="member"))
    return row


def _held(conn: Connection, contact_id: int) -> Any:
    if conn.execute(select(s.contacts.c.id).where(s.contacts.c.id == contact_id)).first() is None:
        raise TenbinError(e.ROUTING_LEAD_NOT_FOUND, {"contact_id": contact_id}, Place(field="contact_id"))
    held = state.current_rows(conn, [contact_id]).get(contact_id)
    if held is None:
        raise TenbinError(e.ROUTING_NO_DECISION, {"contact_id": contact_id}, Place(field="contact_id"))
    return held


def _full(code: Any, name: str, load: int, capacity: int, period: str, field: str) -> TenbinError:
    ja, en = PERIODS[period]
    key = "member" if code is e.ROUTING_MEMBER_FULL else "team"
    params = {key: name, "load": load, "capacity": capacity, "period": {"ja": ja, "en": en}}
    return TenbinError(code, params, Place(field=field))


def check_room(team: TeamSlot, member: MemberSlot | None) -> None:
    """ROUTING_TEAM_FULL / ROUTING_MEMBER_FULL unless one more lead fits the team and the member."""
    checks: list[tuple[Any, str, int | None, int, str, str]] = [
        (e.ROUTING_TEAM_FULL, team.name, team.capacity_day, team.load_day, "day", "team"),
        (e.ROUTING_TEAM_FULL, team.name, team.capacity_week, team.load_week, "week", "team"),
    ]
    if member is not None:
        checks += [
            (e.ROUTING_MEMBER_FULL, member.name, member.capacity_day, member.load_day, "day", "member"),
            (e.ROUTING_MEMBER_FULL, member.name, member.capacity_week, member.load_week, "week", "member"),
        ]
    for code, name, capacity, load, period, field in checks:
        if capacity is not None and load >= capacity:
            raise _full(code, name, load, capacity, period, field)


def clean_note(note: str | None) -> str:
    text = (note or "").strip()
    if not text or len(text) > MAX_NOTE:
        raise TenbinError(e.ROUTING_REASON_REQUIRED, {"max": MAX_NOTE}, Place(field="reason"))
    return text


def _target_slots(
    conn: Connection, window: state.Window, held: Any, team_id: int, member_id: int | None
) -> tuple[TeamSlot, MemberSlot | None]:
    teams = state.team_slots(conn, window)
    # the lead's own current slot is given back first: moving within a team never needs a free slot
    teams = decide.release(teams, held.team_id, held.member_id, day=window.in_day(held.decided_at),
                           week=window.in_week(held.decided_at))  # fmt: skip
    team = next(t for t in teams if t.id == team_id)
    member = next((m for m in team.members if m.id == member_id), None)
    return team, member


def override_decision(
    engine: Engine, *, contact_id: int, team: int | str, actor: str, reason: str | None,
    member: int | str | None = None, now: dt.datetime | None = None,
) -> int:  # fmt: skip
    """Move a lead to another team / member; returns the new decision's id."""
    note = clean_note(reason)
    now = now or state.local_now()
    with write_transaction(engine) as conn:
        state.lock_leads(conn, [contact_id])  # the lead first, then the team (tenbin.routing.state)
        team_row = _team(conn, team)
        state.lock_teams(conn, team_ids=[team_row.id])
        held = _held(conn, contact_id)
        member_row = None if member is None or str(member).strip() == "" else _member(conn, team_row, member)
        member_id = None if member_row is None else int(member_row.id)
        if held.team_id == team_row.id and held.member_id == member_id:
            raise TenbinError(e.ROUTING_OVERRIDE_UNCHANGED, {"contact_id": contact_id}, Place(field="member"))
        window = state.Window.of(now)
        slot, member_slot = _target_slots(conn, window, held, int(team_row.id), member_id)
        check_room(slot, member_slot)
        previous = {"decision_id": int(held.id), "team": held.team_name, "member": held.member_name,
                    "action": held.action}  # fmt: skip
        assigned = {"team_id": slot.id, "team": slot.name, "kind": slot.kind, "member_id": member_id,
                    "member": None if member_slot is None else member_slot.name,
                    "capacity_day": None if member_slot is None else member_slot.capacity_day,
                    "capacity_week": None if member_slot is None else member_slot.capacity_week,
                    "load_day_before": None if member_slot is None else member_slot.load_day,
                    "team_capacity_day": slot.capacity_day, "team_load_day_before": slot.load_day}  # fmt: skip
        old_facts = (held.reason or {}).get("facts") or {}
        facts = {**old_facts, "action": "override", "assigned": assigned, "previous": previous, "note": note,
                 "steps": [], "ranking": []}  # fmt: skip
        sentences = override_sentences(actor, slot.name, None if member_slot is None else member_slot.name, note)
        conn.execute(update(D).where(D.c.id == held.id).values(superseded_at=now))
        new_id = int(
            conn.execute(
                insert(D).values(
                    contact_id=contact_id, icp_version_id=held.icp_version_id, is_icp=held.is_icp,
                    likelihood=held.likelihood, likelihood_band=held.likelihood_band, quadrant=held.quadrant,
                    action="override", team_id=slot.id, member_id=member_id, reason={**sentences, "facts": facts},
                    decided_at=now, decided_by=actor, overrides_id=held.id, trigger="override", watch=held.watch,
                ).returning(D.c.id)
            ).scalar_one()
        )  # fmt: skip
        audit.record(conn, actor=actor, action="routing.override", entity="contact", entity_id=contact_id,
                     detail={"before": previous, "after": {"decision_id": new_id, "team": slot.name,
                                                           "member": assigned["member"]}, "reason": note})  # fmt: skip
        notify(conn, new_id, contact_id, facts, "override")
    return new_id


def mark_handled(engine: Engine, *, contact_id: int, actor: str, now: dt.datetime | None = None) -> int:
    """Record that the lead's current assignee handled it (stops the SLA clock); returns the decision id.
    Marking an already handled lead again changes nothing."""
    now = now or state.local_now()
    with write_transaction(engine) as conn:
        state.lock_leads(conn, [contact_id])
        held = _held(conn, contact_id)
        if held.handled_at is None:
            conn.execute(update(D).where(D.c.id == held.id).values(handled_at=now))
            audit.record(conn, actor=actor, action="routing.handled", entity="contact", entity_id=contact_id,
                         detail={"decision_id": int(held.id), "team": held.team_name, "member": held.member_name,
                                 "handled_at": now.isoformat()})  # fmt: skip
        return int(held.id)
