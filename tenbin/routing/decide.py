"""The routing decision as pure functions of plain data (no database, no clock).

**The 2×2** (DOMAIN.md §6): the quadrant is ICP fit × win-likelihood band; each quadrant names the
team kinds to try, in order, and the action recorded when a kind takes the lead:

==============  ==============================================================================
quadrant        kinds tried (action)
==============  ==============================================================================
icp_high        account_sales (``account_sales``, named accounts only) → sales (``sales_now``)
                → inside_sales (``inside_sales_overflow``)
icp_low         sales (``sales_capacity``) → inside_sales (``inside_sales_overflow``)
non_icp_high    digital (``digital_sales``, flagged *watch: possible future ICP*)
non_icp_low     digital (``digital_nurture``: nurturing and continued qualification)
==============  ==============================================================================

When no kind has room the lead is recorded ``unassigned_full`` (or ``unassigned_no_team`` when the
workspace has no team of any kind tried): a queue entry, never an overfilled member.

**Capacity**: a member's *load* is the number of current (not superseded) decisions assigned to
them decided today / this week (workspace-local days, weeks from Monday); a team's load counts its
decisions with or without a member. A slot has room when every limit (member per day and per week,
its team per day and per week) is above the load; ``None`` is no limit.

**Rotation** among the members with room of all teams of the kind: most capacity left (the
smaller of what is left today and this week; unlimited first), then fewest assignments today, then
longest since the last assignment (never assigned first), then team id and member id. A team
without active members takes leads itself (a shared queue, e.g. marketing automation), subject
to the team's limits.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, replace

QUADRANTS = ("icp_high", "icp_low", "non_icp_high", "non_icp_low")
ACTIONS = (
    "account_sales",
    "sales_now",
    "sales_capacity",
    "inside_sales_overflow",
    "digital_sales",
    "digital_nurture",
    "unassigned_full",
    "unassigned_no_team",
    "override",
)
UNASSIGNED = ("unassigned_full", "unassigned_no_team")

# quadrant → (team kind, action) in the order they are tried
PLANS: dict[str, tuple[tuple[str, str], ...]] = {
    "icp_high": (("sales", "sales_now"), ("inside_sales", "inside_sales_overflow")),
    "icp_low": (("sales", "sales_capacity"), ("inside_sales", "inside_sales_overflow")),
    "non_icp_high": (("digital", "digital_sales"),),
    "non_icp_low": (("digital", "digital_nurture"),),
}
NAMED_FIRST = ("account_sales", "account_sales")


@dataclass(frozen=True)
class MemberSlot:
    id: int
    team_id: int
    name: str
    capacity_day: int | None
    capacity_week: int | None
    load_day: int = 0
    load_week: int = 0
    last_assigned_at: dt.datetime | None = None


@dataclass(frozen=True)
class TeamSlot:
    id: int
    name: str
    kind: str
    capacity_day: int | None
    capacity_week: int | None
    load_day: int = 0
    load_week: int = 0
    members: tuple[MemberSlot, ...] = ()  # active members only


@dataclass(frozen=True)
class Facts:
    """What a decision is made from."""

    contact_id: int
    is_icp: bool
    is_named: bool
    band: str | None  # "high" | "low"; None is read as low


@dataclass(frozen=True)
class Candidate:
    team_id: int
    member_id: int | None
    left: float  # capacity left (math.inf: unlimited)
    load_day: int
    last_assigned_at: dt.datetime | None


@dataclass(frozen=True)
class Step:
    """One team kind tried: ``taken``, ``full`` or ``no_team``, with the teams' state."""

    kind: str
    outcome: str
    teams: tuple[dict[str, object], ...] = ()


@dataclass(frozen=True)
class Choice:
    quadrant: str
    action: str
    team_id: int | None
    member_id: int | None
    watch: bool
    steps: tuple[Step, ...]
    ranking: tuple[Candidate, ...] = ()  # the best candidates of the taking kind (at most 5), best first
    candidates: int = 0  # how many slots of that kind had room


def quadrant_of(is_icp: bool, band: str | None) -> str:
    return f"{'icp' if is_icp else 'non_icp'}_{'high' if band == 'high' else 'low'}"


def plan_of(quadrant: str, is_named: bool) -> tuple[tuple[str, str], ...]:
    """The (team kind, action) pairs tried for a quadrant; named ICP × high leads try account sales first."""
    plan = PLANS[quadrant]
    return (NAMED_FIRST, *plan) if quadrant == "icp_high" and is_named else plan


def kinds_of(quadrant: str, is_named: bool) -> tuple[str, ...]:
    return tuple(kind for kind, _ in plan_of(quadrant, is_named))


def _left(capacity: int | None, load: int) -> float:
    return math.inf if capacity is None else capacity - load


def team_left(team: TeamSlot) -> float:
    return min(_left(team.capacity_day, team.load_day), _left(team.capacity_week, team.load_week))


def member_left(member: MemberSlot) -> float:
    return min(_left(member.capacity_day, member.load_day), _left(member.capacity_week, member.load_week))


def candidates(teams: list[TeamSlot] | tuple[TeamSlot, ...]) -> list[Candidate]:
    """Every slot with room among ``teams``, best first (see the module's rotation rule)."""
    found: list[Candidate] = []
    for team in teams:
        room = team_left(team)
        if room <= 0:
            continue
        if not team.members:
            found.append(Candidate(team.id, None, room, team.load_day, None))
        for m in team.members:
            left = member_left(m)
            if left > 0:
                found.append(Candidate(team.id, m.id, left, m.load_day, m.last_assigned_at))
    never = dt.datetime.min
    return sorted(found, key=lambda c: (-c.left, c.load_day, c.last_assigned_at or never, c.team_id, c.member_id or 0))


def _team_state(team: TeamSlot) -> dict[str, object]:
    return {
        "id": team.id, "name": team.name, "capacity_day": team.capacity_day, "capacity_week": team.capacity_week,
        "load_day": team.load_day, "load_week": team.load_week,
        "members_with_room": sum(1 for m in team.members if member_left(m) > 0),
        "members": len(team.members),
    }  # fmt: skip


def choose(facts: Facts, teams: list[TeamSlot] | tuple[TeamSlot, ...]) -> Choice:
    """The decision for one lead given every team's state (loads as they are before this lead)."""
    quadrant = quadrant_of(facts.is_icp, facts.band)
    watch = quadrant == "non_icp_high"
    steps: list[Step] = []
    for kind, action in plan_of(quadrant, facts.is_named):
        of_kind = [t for t in teams if t.kind == kind]
        if not of_kind:
            steps.append(Step(kind, "no_team"))
            continue
        ranking = candidates(of_kind)
        state = tuple(_team_state(t) for t in of_kind)
        if ranking:
            steps.append(Step(kind, "taken", state))
            best = ranking[0]
            return Choice(
                quadrant, action, best.team_id, best.member_id, watch, tuple(steps), tuple(ranking[:5]), len(ranking)
            )
        steps.append(Step(kind, "full", state))
    action = "unassigned_full" if any(s.outcome == "full" for s in steps) else "unassigned_no_team"
    return Choice(quadrant, action, None, None, watch, tuple(steps))


def assign(teams: list[TeamSlot], team_id: int, member_id: int | None, at: dt.datetime) -> list[TeamSlot]:
    """The teams' state after one more lead for ``team_id`` / ``member_id`` (today and this week)."""
    result = []
    for team in teams:
        if team.id == team_id:
            members = tuple(
                replace(m, load_day=m.load_day + 1, load_week=m.load_week + 1, last_assigned_at=at)
                if m.id == member_id
                else m
                for m in team.members
            )
            team = replace(team, load_day=team.load_day + 1, load_week=team.load_week + 1, members=members)
        result.append(team)
    return result


def release(
    teams: list[TeamSlot], team_id: int | None, member_id: int | None, *, day: bool, week: bool
) -> list[TeamSlot]:
    """The teams' state after a current decision is superseded: its lead no longer counts in the
    day's (``day``: it was decided today) and week's (``week``) loads."""
    if team_id is None or not (day or week):
        return teams
    d, w = int(day), int(week)
    result = []
    for team in teams:
        if team.id == team_id:
            members = tuple(
                replace(m, load_day=max(m.load_day - d, 0), load_week=max(m.load_week - w, 0))
                if m.id == member_id
                else m
                for m in team.members
            )
            team = replace(
                team, load_day=max(team.load_day - d, 0), load_week=max(team.load_week - w, 0), members=members
            )
        result.append(team)
    return result


@dataclass(frozen=True)
class Held:
    """The current decision as revisit sees it."""

    quadrant: str
    action: str
    team_kind: str | None  # None: unassigned, or its team was deleted
    member_lost: bool  # assigned to a member who is gone or inactive now
    sticky: bool  # a manager's override, or already handled


def keeps(held: Held, quadrant: str, is_named: bool) -> bool:
    """Whether the current decision stands (no new decision).

    A decision is revisited when its quadrant changes (new ICP version, likelihood band crossed the
    threshold), when it is unassigned (capacity may have appeared), or when its member left or its
    team was deleted. Overrides and handled leads stick unless the quadrant changes. An assigned lead
    is not moved because capacity appeared elsewhere (an overflow to inside sales stays there)."""
    if held.quadrant != quadrant:
        return False
    if held.sticky:
        return True
    if held.team_kind is None or held.member_lost:
        return False
    return held.team_kind in kinds_of(quadrant, is_named)
