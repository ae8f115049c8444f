"""Deciding and storing: one :class:`Router` per transaction keeps the teams' loads in memory while
it routes a batch of leads, so a batch of thousands reads the loads once.

Call it inside a write transaction (``tenbin.db.engine.write_transaction``): the router locks what
it needs (:mod:`tenbin.routing.state`) before reading loads.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, insert, update

from tenbin.likelihood.service import LeadScore, score_contacts
from tenbin.routing import decide, state
from tenbin.routing.decide import Choice, Facts, Held, TeamSlot
from tenbin.routing.text import reason_sentences
from tenbin.webhooks.outbox import enqueue

D = state.D
TRIGGERS = ("batch", "intake", "override", "revisit")
INSERT = insert(D).returning(D.c.id)


@dataclass(frozen=True)
class Outcome:
    contact_id: int
    decision_id: int
    created: bool  # False: the current decision stands
    quadrant: str
    action: str
    team_id: int | None
    member_id: int | None
    superseded_id: int | None = None


def _num(value: float) -> float | None:
    return None if math.isinf(value) else value


def _assigned(teams: list[TeamSlot], choice: Choice) -> dict[str, Any] | None:
    team = next((t for t in teams if t.id == choice.team_id), None)
    if team is None:
        return None
    member = next((m for m in team.members if m.id == choice.member_id), None)
    data: dict[str, Any] = {
        "team_id": team.id, "team": team.name, "kind": team.kind, "team_capacity_day": team.capacity_day,
        "team_capacity_week": team.capacity_week, "team_load_day_before": team.load_day,
        "team_load_week_before": team.load_week, "member_id": None, "member": None,
    }  # fmt: skip
    if member is not None:
        data |= {
            "member_id": member.id, "member": member.name, "capacity_day": member.capacity_day,
            "capacity_week": member.capacity_week, "load_day_before": member.load_day,
            "load_week_before": member.load_week,
        }  # fmt: skip
    return data


def decision_facts(
    lead: state.LeadRow, score: LeadScore | None, icp: state.Icp, choice: Choice, teams: list[TeamSlot]
) -> dict[str, Any]:
    """Everything the decision was made from (stored in ``reason.facts``)."""
    return {
        "icp_version": icp.version.version,
        "has_account": lead.account_id is not None,
        "is_icp": lead.is_icp,
        "is_named": lead.is_named,
        "likelihood": None if score is None else round(score.probability, 4),
        "band": None if score is None else score.band,
        "threshold": None if score is None else score.threshold,
        "model_id": None if score is None else score.model_id,
        "factors": [] if score is None else [
            {"key": f.key, "value": f.value, "contribution": round(f.contribution, 4)} for f in score.factors
        ],
        "quadrant": choice.quadrant,
        "action": choice.action,
        "steps": [{"kind": st.kind, "outcome": st.outcome, "teams": list(st.teams)} for st in choice.steps],
        "assigned": _assigned(teams, choice),
        "ranking": [
            {"team_id": c.team_id, "member_id": c.member_id, "left": _num(c.left), "load_day": c.load_day,
             "last_assigned_at": None if c.last_assigned_at is None else c.last_assigned_at.isoformat()}
            for c in choice.ranking
        ],
        "candidates": choice.candidates,
    }  # fmt: skip


class Router:
    """Routes leads in the caller's write transaction."""

    def __init__(
        self, conn: Connection, now: dt.datetime, *, actor: str, kinds: Sequence[str] | None = None,
        icp: state.Icp | None = None, batch: bool = False,
    ) -> None:  # fmt: skip
        self.conn = conn
        self.batch = batch  # batches skip leads another transaction holds (see tenbin.routing.state)
        self.now = now
        self.actor = actor
        self.window = state.Window.of(now)
        self.icp = icp or state.current_icp(conn)
        self.stored: dict[int, dict[str, Any]] = {}  # the values of the decisions stored, by id
        state.lock_teams(conn, kinds)
        self.teams = state.team_slots(conn, self.window)

    def route(
        self, contact_ids: Sequence[int], *, trigger: str | dict[int, str],
        leads: dict[int, state.LeadRow] | None = None, scores: dict[int, LeadScore] | None = None,
        locked: set[int] | None = None, current: dict[int, Any] | None = None,
    ) -> list[Outcome]:  # fmt: skip
        """Decide each lead (in the given order) and store the decisions that change. ``trigger`` is one
        for all or one per lead; ``leads`` and ``scores`` may be given when the caller read them already,
        ``locked`` and ``current`` when it locked the leads' rows already (before the teams', see
        tenbin.routing.state) and read their current decisions after that lock."""
        if locked is None:
            locked = state.lock_leads(self.conn, list(contact_ids), skip_locked=self.batch)
        ids = [i for i in contact_ids if i in locked]
        if leads is None:
            leads = state.lead_rows(self.conn, ids, self.icp)
        if scores is None:
            scores = score_contacts(self.conn, [i for i in ids if i in leads], as_of=self.now)
        if current is None:
            current = state.current_rows(self.conn, ids)
        triggers = trigger if isinstance(trigger, dict) else dict.fromkeys(ids, trigger)
        return [self.route_one(leads[i], scores.get(i), current.get(i), triggers[i]) for i in ids if i in leads]

    def route_one(self, lead: state.LeadRow, score: LeadScore | None, held: Any, trigger: str) -> Outcome:
        facts = Facts(lead.contact_id, lead.is_icp, lead.is_named, None if score is None else score.band)
        quadrant = decide.quadrant_of(facts.is_icp, facts.band)
        if held is not None and decide.keeps(_held(held), quadrant, facts.is_named):
            return _kept(held)
        choice = decide.choose(facts, self.teams)
        if held is not None and held.team_id is None and choice.team_id is None and held.action == choice.action:
            return _kept(held)  # still unassigned for the same reason: nothing new to record
        return self._store(lead, score, choice, held, trigger)

    def _store(self, lead: state.LeadRow, score: LeadScore | None, choice: Choice, held: Any, trigger: str) -> Outcome:
        facts = decision_facts(lead, score, self.icp, choice, self.teams)
        if held is not None:
            self.supersede(held)
        values = {
            "contact_id": lead.contact_id, "icp_version_id": self.icp.version.id, "is_icp": lead.is_icp,
            "likelihood": None if score is None else score.probability,
            "likelihood_band": None if score is None else score.band, "quadrant": choice.quadrant,
            "action": choice.action, "team_id": choice.team_id, "member_id": choice.member_id,
            "reason": {**reason_sentences(facts), "facts": facts}, "decided_at": self.now,
            "decided_by": self.actor, "trigger": trigger, "watch": choice.watch,
        }  # fmt: skip
        # parameters apart from the statement: one compiled INSERT, the JSON never walked as SQL
        new_id = self.conn.execute(INSERT, values).scalar_one()
        self.stored[int(new_id)] = values
        if choice.team_id is not None:
            self.teams = decide.assign(self.teams, choice.team_id, choice.member_id, self.now)
            notify(self.conn, int(new_id), lead.contact_id, facts, trigger)
        return Outcome(lead.contact_id, int(new_id), True, choice.quadrant, choice.action, choice.team_id,
                       choice.member_id, None if held is None else int(held.id))  # fmt: skip

    def supersede(self, held: Any) -> None:
        """End the current decision (same transaction) and give its slot back if it counted today/this week."""
        self.conn.execute(update(D).where(D.c.id == held.id).values(superseded_at=self.now))
        self.teams = decide.release(
            self.teams, held.team_id, held.member_id,
            day=self.window.in_day(held.decided_at), week=self.window.in_week(held.decided_at),
        )  # fmt: skip


def _held(row: Any) -> Held:
    team_kind = row.team_kind if row.team_id is not None else None
    sticky = row.trigger == "override" or row.handled_at is not None
    return Held(row.quadrant, row.action, team_kind, state.member_lost(row), sticky)


def _kept(row: Any) -> Outcome:
    return Outcome(row.contact_id, int(row.id), False, row.quadrant, row.action, row.team_id, row.member_id)


def notify(conn: Connection, decision_id: int, contact_id: int, facts: dict[str, Any], trigger: str) -> None:
    """The ``routing.assigned`` webhook event for the decision's team (outbox: same transaction)."""
    assigned = facts.get("assigned") or {}
    payload = {
        "decision_id": decision_id, "contact_id": contact_id, "quadrant": facts.get("quadrant"),
        "action": facts.get("action"), "team_id": assigned.get("team_id"), "team": assigned.get("team"),
        "member_id": assigned.get("member_id"), "member": assigned.get("member"), "trigger": trigger,
        "is_icp": facts.get("is_icp"), "likelihood": facts.get("likelihood"), "band": facts.get("band"),
    }  # fmt: skip
    enqueue(conn, team_id=assigned.get("team_id"), event="routing.assigned", payload=payload)
