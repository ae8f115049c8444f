"""The next campaign mix as an exact integer program (pure: plain numbers in, a plan out).

Each campaign type i (channel × orientation) has, from its history, the expected leads per
campaign ``L_i``, ICP rate ``r_i`` (so ``I_i = L_i·r_i`` ICP leads per campaign), cost per campaign
``C_i`` and opportunity rate ``h_i`` (so ``H_i = L_i·h_i`` leads per campaign that sales works as
opportunities). The plan is a whole number of campaigns ``x_i ≥ 0`` of each type. Targets (soft):

* volume:     ``Σ L_i x_i ≥ V``
* band low:   ``Σ I_i x_i ≥ low · Σ L_i x_i``   (the expected ICP rate is at least ``low``)
* band high:  ``Σ I_i x_i ≤ high · Σ L_i x_i``  (… and at most ``high``; both linear in x)

Limits (hard): budget ``Σ C_i x_i ≤ B``, sales capacity ``Σ H_i x_i ≤ K``, ``x_i ≤ max_per_type``.

Solved with :func:`scipy.optimize.milp` (HiGHS branch and bound, ``mip_rel_gap = 0``: proven
optimal, not approximately) as a lexicographic goal program, so that a plan always comes back:

1. minimise the total shortfall ``s_v + s_low + s_high`` (each target gets a slack variable; the
   shortfalls are all counted in leads: leads short of the volume, ICP leads short of the lower
   band edge, ICP leads above the upper edge);
2. keeping that shortfall, minimise the cost (ties between plans of equal cost go to the plan with
   fewer campaigns: one yen per campaign is added to the objective, never to the reported cost).

When every target can be met the shortfall is 0 and the plan is the cheapest one meeting them all;
otherwise it is the nearest plan, and the targets with a shortfall are named.

A constraint **binds** when lifting it alone gives a better plan (smaller shortfall, or the same
shortfall at a lower cost). In an integer program this is the useful meaning: slack alone says
little, since whole campaigns rarely land exactly on a limit.

Uncertainty of the chosen plan (simple and stated, not a full model):

* leads: normal approximation ``Σ L_i x_i ± 1.96·sqrt(Σ x_i·sd_i² + Σ x_i²·se_i²)`` — campaign-to-
  campaign spread (``sd_i``) plus the uncertainty of each mean (``se_i``), clipped at 0;
* ICP rate: every type's rate at the low (high) end of its 95 % Wilson interval at once — a
  conservative range, wider than a 95 % interval of the mix.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp  # type: ignore[import-untyped]  # no type information

Z95 = 1.959963984540054
TARGETS = ("volume", "band_low", "band_high")
LIMITS = ("budget", "capacity", "max_per_type")
TIE_BREAK_YEN = 1.0


class SolverFailed(Exception):
    """HiGHS did not prove an optimum (time limit or numerical trouble)."""


@dataclass(frozen=True)
class CampaignType:
    """What the optimiser knows of one campaign type (all per campaign)."""

    channel: str
    orientation: str  # quantity | quality
    leads: float  # expected leads
    leads_sd: float  # campaign-to-campaign standard deviation of the leads
    leads_se: float  # standard error of the mean leads
    icp_rate: float
    icp_low: float  # 95 % Wilson interval of the ICP rate
    icp_high: float
    cost: float  # yen
    opportunity_rate: float  # share of the leads that become opportunities (sales-handled)

    @property
    def icp_leads(self) -> float:
        return self.leads * self.icp_rate

    @property
    def sales_load(self) -> float:
        return self.leads * self.opportunity_rate


@dataclass(frozen=True)
class Goal:
    """Targets and limits for one period. The band is in fractions (0.3 = 30 %)."""

    leads: float
    band_low: float
    band_high: float
    budget: float | None = None
    capacity: float | None = None  # sales-handled leads (opportunities) the period can take
    max_per_type: int | None = None


@dataclass(frozen=True)
class PlanLine:
    channel: str
    orientation: str
    count: int
    leads: float
    icp_leads: float
    cost: float
    sales_load: float


@dataclass(frozen=True)
class Check:
    """One target or limit of the plan: the plan's value, the limit, the slack (≥ 0 when met, in the
    constraint's own unit), whether it is met and whether it binds (see the module docstring).
    ``max_per_type``: value is the largest count, limit the maximum."""

    name: str
    kind: str  # target | limit
    value: float
    limit: float
    slack: float
    met: bool
    binds: bool


@dataclass(frozen=True)
class Plan:
    lines: tuple[PlanLine, ...]  # every type, in input order (count may be 0)
    campaigns: int
    leads: float
    icp_leads: float
    icp_rate: float | None
    cost: float
    sales_load: float
    leads_low: float
    leads_high: float
    icp_rate_low: float | None
    icp_rate_high: float | None
    quality_share: float | None  # share of the planned leads from quality (質) types
    feasible: bool
    unmet: tuple[str, ...]  # targets that cannot be met, in TARGETS order
    shortfall: dict[str, float]  # target → how far the plan falls short (leads or ICP leads)
    checks: tuple[Check, ...]


def _tolerance(goal: Goal) -> float:
    return 1e-6 * max(1.0, goal.leads)


@dataclass(frozen=True)
class _Solved:
    counts: tuple[int, ...]
    shortfall: float
    cost: float


def _solve(types: list[CampaignType], goal: Goal, without: str | None = None) -> _Solved:
    """The two-stage goal program, optionally with one target or limit lifted."""
    n = len(types)
    L = np.array([t.leads for t in types])
    icp = np.array([t.icp_leads for t in types])
    cost = np.array([t.cost for t in types])
    load = np.array([t.sales_load for t in types])
    # variables: x_0 … x_{n-1}, s_volume, s_low, s_high
    rows: list[tuple[np.ndarray, float, float]] = []
    slack = np.eye(3)
    inf = math.inf
    if without != "volume":
        rows.append((np.concatenate([L, slack[0]]), goal.leads, inf))
    if without != "band_low":
        rows.append((np.concatenate([icp - goal.band_low * L, slack[1]]), 0.0, inf))
    if without != "band_high":
        rows.append((np.concatenate([goal.band_high * L - icp, slack[2]]), 0.0, inf))
    if goal.budget is not None and without != "budget":
        rows.append((np.concatenate([cost, np.zeros(3)]), -inf, goal.budget))
    if goal.capacity is not None and without != "capacity":
        rows.append((np.concatenate([load, np.zeros(3)]), -inf, goal.capacity))
    upper = math.inf if goal.max_per_type is None or without == "max_per_type" else goal.max_per_type
    bounds = Bounds(np.zeros(n + 3), np.array([upper] * n + [inf] * 3))
    integrality = np.array([1] * n + [0] * 3)
    options = {"mip_rel_gap": 0.0, "time_limit": 20.0, "presolve": True}

    def run(objective: np.ndarray, extra: list[tuple[np.ndarray, float, float]]) -> np.ndarray:
        all_rows = rows + extra
        constraints = (
            [LinearConstraint(np.array([r[0] for r in all_rows]), [r[1] for r in all_rows], [r[2] for r in all_rows])]
            if all_rows
            else []
        )
        found = milp(objective, constraints=constraints, integrality=integrality, bounds=bounds, options=options)
        if found.status != 0 or found.x is None:
            raise SolverFailed(str(found.message))
        return np.asarray(found.x)

    first = run(np.concatenate([np.zeros(n), np.ones(3)]), [])
    shortfall = float(first[n:].sum())
    cap = shortfall + _tolerance(goal) * 10
    second = run(np.concatenate([cost + TIE_BREAK_YEN, np.zeros(3)]),
                 [(np.concatenate([np.zeros(n), np.ones(3)]), -inf, cap)])  # fmt: skip
    counts = tuple(round(v) for v in second[:n])
    return _Solved(counts, max(0.0, float(second[n:].sum())), float(cost @ np.array(counts)))


def _better(a: _Solved, b: _Solved, goal: Goal) -> bool:
    """``a`` is a better plan than ``b``: less shortfall, or the same at a lower cost."""
    tol = _tolerance(goal) * 10
    if a.shortfall < b.shortfall - tol:
        return True
    return abs(a.shortfall - b.shortfall) <= tol and a.cost < b.cost - 0.5


def solve_plan(types: list[CampaignType], goal: Goal) -> Plan:
    """The optimal plan (see the module docstring); raises :class:`SolverFailed` when HiGHS fails."""
    best = _solve(types, goal)
    lifted = [name for name in (*TARGETS, *LIMITS) if _present(goal, name)]
    binds = {name: _better(_solve(types, goal, without=name), best, goal) for name in lifted}
    return _describe(types, goal, best.counts, binds)


def _present(goal: Goal, name: str) -> bool:
    return {"budget": goal.budget, "capacity": goal.capacity, "max_per_type": goal.max_per_type}.get(
        name, 0
    ) is not None


def _describe(types: list[CampaignType], goal: Goal, counts: tuple[int, ...], binds: dict[str, bool]) -> Plan:
    lines = tuple(
        PlanLine(t.channel, t.orientation, x, t.leads * x, t.icp_leads * x, t.cost * x, t.sales_load * x)
        for t, x in zip(types, counts, strict=True)
    )
    leads = sum(line.leads for line in lines)
    icp = sum(line.icp_leads for line in lines)
    cost = sum(line.cost for line in lines)
    load = sum(line.sales_load for line in lines)
    spread = math.sqrt(sum(x * t.leads_sd**2 + x * x * t.leads_se**2 for t, x in zip(types, counts, strict=True)))
    quality = sum(line.leads for line in lines if line.orientation == "quality")
    rate_low = rate_high = None
    if leads > 0:
        rate_low = sum(t.leads * x * t.icp_low for t, x in zip(types, counts, strict=True)) / leads
        rate_high = sum(t.leads * x * t.icp_high for t, x in zip(types, counts, strict=True)) / leads
    shortfall = {
        "volume": max(0.0, goal.leads - leads),
        "band_low": max(0.0, goal.band_low * leads - icp),
        "band_high": max(0.0, icp - goal.band_high * leads),
    }
    tol = _tolerance(goal) * 10
    unmet = tuple(name for name in TARGETS if shortfall[name] > tol)
    checks = _checks(goal, leads, icp, cost, load, max(counts, default=0), binds, tol)
    return Plan(lines, sum(counts), leads, icp, icp / leads if leads > 0 else None, cost, load,
                max(0.0, leads - Z95 * spread), leads + Z95 * spread, rate_low, rate_high,
                quality / leads if leads > 0 else None, not unmet, unmet, shortfall, checks)  # fmt: skip


def _checks(goal: Goal, leads: float, icp: float, cost: float, load: float, largest: int, binds: dict[str, bool],
            tol: float) -> tuple[Check, ...]:  # fmt: skip
    rate = icp / leads if leads > 0 else 0.0
    found = [
        Check("volume", "target", leads, goal.leads, leads - goal.leads, leads >= goal.leads - tol, binds["volume"]),
        Check("band_low", "target", rate, goal.band_low, rate - goal.band_low,
              icp >= goal.band_low * leads - tol, binds["band_low"]),
        Check("band_high", "target", rate, goal.band_high, goal.band_high - rate,
              icp <= goal.band_high * leads + tol, binds["band_high"]),
    ]  # fmt: skip
    if goal.budget is not None:
        found.append(Check("budget", "limit", cost, goal.budget, goal.budget - cost, True, binds["budget"]))
    if goal.capacity is not None:
        found.append(Check("capacity", "limit", load, goal.capacity, goal.capacity - load, True, binds["capacity"]))
    if goal.max_per_type is not None:
        found.append(Check("max_per_type", "limit", largest, goal.max_per_type, goal.max_per_type - largest, True,
                           binds["max_per_type"]))  # fmt: skip
    return tuple(found)


def shift_to_quality(goal: Goal) -> Goal:
    """The resource rule's change to the goal: the band's lower edge rises to the band's middle, so
    the cheapest plan must bring a higher ICP rate (more quality campaigns) for the same volume."""
    return replace(goal, band_low=max(goal.band_low, (goal.band_low + goal.band_high) / 2))
