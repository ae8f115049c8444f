"""The routing slice's public surface: decide, store, override and mark handled.

* :func:`route_contact` routes one lead inside the caller's write transaction (intake calls it);
  idempotent: when the current decision stands (:func:`tenbin.routing.decide.keeps`) it is returned
  unchanged and nothing is written.
* :func:`run_routing` routes every open lead without a current decision (trigger ``batch``) and
  revisits the current decisions of open leads (trigger ``revisit``): a decision is re-made when its
  quadrant changed (a new ICP version was adopted, the likelihood crossed the threshold), when it is
  unassigned (capacity may have appeared) or its member left. Overrides and handled leads stick
  unless the quadrant changes. ICP adoption and capacity edits do not route by themselves: the next
  batch run (or the lead's next intake) revisits.
* :func:`override_decision` (a manager, with a reason; audited; capacity respected) and
  :func:`mark_handled` (stops the SLA clock; audited).
* Views for pages and the API: :mod:`tenbin.routing.views` (queue, loads, matrix, history).

Decisions are made in the order ICP × high, ICP × low, non-ICP × high, non-ICP × low (then by lead
id), so a batch gives sales capacity to the likeliest ICP leads first.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, select

from tenbin.db import schema
from tenbin.db.engine import write_transaction
from tenbin.errors import Place, TenbinError
from tenbin.likelihood.service import LeadScore, score_contacts
from tenbin.routing import decide, manage, settings, state, views
from tenbin.routing import errors as e
from tenbin.routing.router import TRIGGERS, Outcome, Router
from tenbin.routing.text import ACTION_LABELS, QUADRANT_LABELS, label

D = state.D
local_now = state.local_now
CHUNK = 500
QUADRANT_ORDER = {q: i for i, q in enumerate(decide.QUADRANTS)}


@dataclass(frozen=True)
class Decision:
    id: int
    contact_id: int
    is_icp: bool
    likelihood: float | None
    band: str | None
    quadrant: str  # "icp_high" | "icp_low" | "non_icp_high" | "non_icp_low"
    action: str  # see tenbin.routing.decide.ACTIONS
    team_id: int | None
    team_name: str | None
    member_id: int | None
    member_name: str | None
    watch: bool
    reason: dict[str, Any]  # "ja" and "en" sentences plus the "facts" used
    trigger: str
    decided_at: dt.datetime
    decided_by: str | None
    handled_at: dt.datetime | None = None
    superseded_at: dt.datetime | None = None
    overrides_id: int | None = None
    team_kind: str | None = None

    @property
    def is_current(self) -> bool:
        return self.superseded_at is None

    def as_dict(self, lang: str | None = None) -> dict[str, Any]:
        data = asdict(self)
        data["is_current"] = self.is_current
        if lang is not None:
            data["quadrant_label"] = label(QUADRANT_LABELS, self.quadrant, lang)
            data["action_label"] = label(ACTION_LABELS, self.action, lang)
            data["reason_text"] = self.reason.get(lang)
        return data


def decision_of(row: Any) -> Decision:
    return Decision(
        int(row.id), int(row.contact_id), bool(row.is_icp), row.likelihood, row.likelihood_band, row.quadrant,
        row.action, row.team_id, row.team_name, row.member_id, row.member_name, bool(row.watch), row.reason or {},
        row.trigger, row.decided_at, row.decided_by, row.handled_at, row.superseded_at, row.overrides_id,
        row.team_kind,
    )  # fmt: skip


def get_decision(conn: Connection, decision_id: int) -> Decision:
    return decision_of(conn.execute(state.decision_query().where(D.c.id == decision_id)).one())


def current_decision(conn: Connection, contact_id: int) -> Decision | None:
    row = state.current_rows(conn, [contact_id]).get(contact_id)
    return None if row is None else decision_of(row)


def _check_trigger(trigger: str) -> None:
    if trigger not in TRIGGERS or trigger == "override":
        allowed = ", ".join(t for t in TRIGGERS if t != "override")
        raise TenbinError(e.ROUTING_TRIGGER_INVALID, {"trigger": trigger, "allowed": allowed}, Place(field="trigger"))


def route_contact(
    conn: Connection, contact_id: int, *, trigger: str, actor: str, now: dt.datetime | None = None,
    scores: dict[int, LeadScore] | None = None, icp: state.Icp | None = None,
) -> Decision:  # fmt: skip
    """Route one lead inside the caller's write transaction; returns the current decision (new, or
    unchanged when it stands). ROUTING_NO_ICP without an adopted ICP version. A caller that scored
    the lead already (intake answers with the factors) passes ``scores``; ``icp`` may carry the
    adopted version's compiled condition (:func:`tenbin.routing.state.current_icp`)."""
    _check_trigger(trigger)
    now = now or local_now()
    # the lead first, then its teams (tenbin.routing.state); a lead not visible is not routed. Holding
    # the lead's row, its current decision cannot change under us: read it before the teams' locks.
    locked = state.lock_leads(conn, [contact_id])
    icp = icp or state.current_icp(conn)
    leads = state.lead_rows(conn, [contact_id], icp) if locked else {}
    if contact_id not in leads:
        raise TenbinError(e.ROUTING_LEAD_NOT_FOUND, {"contact_id": contact_id}, Place(field="contact_id"))
    current = state.current_rows(conn, [contact_id])
    if scores is None or contact_id not in scores:
        scores = score_contacts(conn, [contact_id], as_of=now)
    score = scores.get(contact_id)
    quadrant = decide.quadrant_of(leads[contact_id].is_icp, None if score is None else score.band)
    router = Router(conn, now, actor=actor, kinds=decide.kinds_of(quadrant, leads[contact_id].is_named), icp=icp)
    outcome = router.route([contact_id], trigger=trigger, leads=leads, scores=scores, locked=locked, current=current)[0]
    if not outcome.created:
        return decision_of(current[contact_id])
    return _stored(router, outcome.decision_id)


def _stored(router: Router, decision_id: int) -> Decision:
    """The decision the router has just stored, from the values it wrote (no read back)."""
    v = router.stored[decision_id]
    team = next((t for t in router.teams if t.id == v["team_id"]), None)
    member = None if team is None else next((m for m in team.members if m.id == v["member_id"]), None)
    return Decision(
        decision_id, v["contact_id"], v["is_icp"], v["likelihood"], v["likelihood_band"], v["quadrant"], v["action"],
        v["team_id"], None if team is None else team.name, v["member_id"], None if member is None else member.name,
        v["watch"], v["reason"], v["trigger"], v["decided_at"], v["decided_by"],
        team_kind=None if team is None else team.kind,
    )  # fmt: skip


# -- batch ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RunResult:
    now: dt.datetime
    dry_run: bool
    considered: int
    outcomes: tuple[Outcome, ...]
    team_names: dict[int, str] = field(default_factory=dict)

    @property
    def created(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.created]

    def summary(self) -> list[dict[str, Any]]:
        """New decisions per quadrant × team × action, in quadrant order."""
        counts = Counter((o.quadrant, o.team_id, o.action) for o in self.created)
        rows = [
            {"quadrant": q, "team_id": t, "team": self.team_names.get(t) if t is not None else None,
             "action": a, "count": n}
            for (q, t, a), n in counts.items()
        ]  # fmt: skip
        return sorted(rows, key=lambda r: (QUADRANT_ORDER[r["quadrant"]], r["team"] or "", r["action"]))

    def as_dict(self, lang: str = "ja") -> dict[str, Any]:
        created = self.created
        return {
            "now": self.now.isoformat(), "dry_run": self.dry_run, "considered": self.considered,
            "created": len(created), "kept": len(self.outcomes) - len(created),
            "revisited": sum(1 for o in created if o.superseded_id is not None),
            "unassigned": sum(1 for o in created if o.team_id is None),
            "summary": [{**r, "quadrant_label": label(QUADRANT_LABELS, r["quadrant"], lang),
                         "action_label": label(ACTION_LABELS, r["action"], lang)} for r in self.summary()],
            "decisions": [asdict(o) for o in created],
        }  # fmt: skip


class _DryRun(Exception):
    pass


def _chunks(items: list[tuple[int, str]], size: int) -> Iterator[list[tuple[int, str]]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _work(
    conn: Connection, contact_ids: Sequence[int] | None, revisit_only: bool, now: dt.datetime, since: dt.date | None
) -> Any:
    """The leads to route, ICP × high first, with their facts read before any lock."""
    icp = state.current_icp(conn)
    if contact_ids is not None:
        missing = sorted(set(contact_ids) - state.existing_ids(conn, contact_ids))
        if missing:
            raise TenbinError(e.ROUTING_LEAD_NOT_FOUND, {"contact_id": missing[0]}, Place(field="lead"))
    start = None if since is None else dt.datetime.combine(since, dt.time())
    new = [] if revisit_only else state.open_lead_ids(conn, decided=False, contact_ids=contact_ids, since=start)
    old = state.open_lead_ids(conn, decided=True, contact_ids=contact_ids)
    leads = state.lead_rows(conn, new + old, icp) if new or old else {}
    scores = score_contacts(conn, list(leads), as_of=now) if leads else {}

    def key(item: tuple[int, str]) -> tuple[int, int]:
        lead, score = leads[item[0]], scores.get(item[0])
        return QUADRANT_ORDER[decide.quadrant_of(lead.is_icp, None if score is None else score.band)], item[0]

    work = sorted([(i, "batch") for i in new] + [(i, "revisit") for i in old], key=key)
    return icp, work, leads, scores


def _route_part(router: Router, part: list[tuple[int, str]], leads: Any, scores: Any) -> list[Outcome]:
    return router.route([i for i, _ in part], trigger=dict(part), leads=leads, scores=scores)


def run_routing(
    engine: Engine, *, actor: str, contact_ids: Sequence[int] | None = None, revisit_only: bool = False,
    dry_run: bool = False, now: dt.datetime | None = None, since: dt.date | None = None, chunk: int = CHUNK,
) -> RunResult:  # fmt: skip
    """Route open leads without a current decision and revisit the current ones (see the module).
    ``revisit_only`` skips undecided leads; ``since`` routes only undecided leads acquired on or after
    that day (the current decisions are all revisited); ``dry_run`` decides everything and writes nothing.
    Real runs commit every ``chunk`` leads, so intake is never blocked for long."""
    now = now or local_now()
    with engine.connect() as conn:
        icp, work, leads, scores = _work(conn, contact_ids, revisit_only, now, since)
        names = {int(t.id): t.name for t in conn.execute(select(schema.teams.c.id, schema.teams.c.name))}
    outcomes: list[Outcome] = []
    if dry_run:
        try:
            with write_transaction(engine) as conn:
                router = Router(conn, now, actor=actor, icp=icp, batch=True)
                outcomes = _route_part(router, work, leads, scores)
                raise _DryRun
        except _DryRun:
            pass
    else:
        for part in _chunks(work, chunk):
            with write_transaction(engine) as conn:
                outcomes += _route_part(Router(conn, now, actor=actor, icp=icp, batch=True), part, leads, scores)
    return RunResult(now, dry_run, len(work), tuple(outcomes), names)


# -- a manager's hand, and the views (thin wrappers that return Decision) --------------------------------
def override_decision(
    engine: Engine, *, contact_id: int, team: int | str, actor: str, reason: str | None,
    member: int | str | None = None, now: dt.datetime | None = None,
) -> Decision:  # fmt: skip
    """A manager moves a lead to another team / member with a reason (audited; capacity respected)."""
    new_id = manage.override_decision(engine, contact_id=contact_id, team=team, actor=actor, reason=reason,
                                      member=member, now=now)  # fmt: skip
    with engine.connect() as conn:
        return get_decision(conn, new_id)


def mark_handled(engine: Engine, *, contact_id: int, actor: str, now: dt.datetime | None = None) -> Decision:
    """The lead's assignee handled it: the SLA clock stops (audited)."""
    decision_id = manage.mark_handled(engine, contact_id=contact_id, actor=actor, now=now)
    with engine.connect() as conn:
        return get_decision(conn, decision_id)


def history(conn: Connection, contact_id: int) -> list[Decision]:
    """Every decision of a lead, oldest first (the current one last)."""
    return [decision_of(r) for r in views.history_rows(conn, contact_id)]


def list_decisions(
    conn: Connection, *, team_id: int | None = None, member_id: int | None = None, quadrant: str | None = None,
    current: bool | None = True, offset: int = 0, limit: int = 100,
) -> list[Decision]:  # fmt: skip
    """Decisions, newest first, filtered by team, member, quadrant and current (None: all)."""
    if quadrant is not None and quadrant not in decide.QUADRANTS:
        raise TenbinError(e.ROUTING_FILTER_INVALID, {"field": "quadrant", "allowed": ", ".join(decide.QUADRANTS),
                                                    "value": quadrant}, Place(field="quadrant"))  # fmt: skip
    query = state.decision_query()
    if team_id is not None:
        query = query.where(D.c.team_id == team_id)
    if member_id is not None:
        query = query.where(D.c.member_id == member_id)
    if quadrant is not None:
        query = query.where(D.c.quadrant == quadrant)
    if current is True:
        query = query.where(D.c.superseded_at.is_(None))
    elif current is False:
        query = query.where(D.c.superseded_at.is_not(None))
    query = query.order_by(D.c.decided_at.desc(), D.c.id.desc()).offset(offset).limit(limit)
    return [decision_of(r) for r in conn.execute(query)]


queue = views.queue
team_loads = views.team_loads
matrix = views.matrix
QueueItem = views.QueueItem
TeamLoad = views.TeamLoad
MemberLoad = views.MemberLoad
Cell = views.Cell
routing_settings = settings.routing_settings
save_routing_settings = settings.save_routing_settings
RoutingSettings = settings.RoutingSettings
