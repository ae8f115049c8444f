"""The plan slice's public surface: :func:`plan_campaign_mix`, the next period's campaign mix.

1. **History** (:mod:`tenbin.plan.history`, one SQL aggregate): per campaign type (channel ×
   orientation), leads per campaign, ICP rate, opportunity rate and cost per campaign.
2. **Goal** for the next period (the month or quarter after today's): the volume target (given, or
   the workspace's leads per month × months), the ICP-rate band of the lead stage (given, or the
   workspace's), the budget (given; none by default), the sales capacity of that period
   (:mod:`tenbin.plan.pressure`) and an optional maximum per type.
3. **Resource rule** (受注率が悪化し営業リソースが疲弊してきた場合は質中心に): when it applies
   (:class:`~tenbin.plan.pressure.Pressure`), the band's lower edge rises to the band's middle
   (:func:`~tenbin.plan.optimize.shift_to_quality`).
4. **Plan** (:mod:`tenbin.plan.optimize`, pure): the exact integer program with ``scipy.optimize.milp``.

Sentences in Japanese and English come from :mod:`tenbin.plan.text`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from tenbin.balance.periods import MONTHS, Period, last_periods
from tenbin.errors import Place, TenbinError
from tenbin.icp.versions import definition_sql, get_version, version_definition
from tenbin.metrics.service import json_plain
from tenbin.plan import errors as e
from tenbin.plan.history import TypeHistory, measure
from tenbin.plan.optimize import CampaignType, Goal, Plan, SolverFailed, shift_to_quality, solve_plan
from tenbin.plan.pressure import RULE_MODES, Pressure, assess_pressure, sales_capacity
from tenbin.plan.text import explain
from tenbin.workspace.service import get_targets, list_channels, list_stages

__all__ = [
    "PERIODS",
    "RULE_MODES",
    "CampaignType",
    "Goal",
    "Plan",
    "PlanResult",
    "Pressure",
    "TypeHistory",
    "parse_band",
    "plan_campaign_mix",
]

PERIODS = ("month", "quarter")
MAX_LEADS = 10_000_000
MAX_BUDGET = 10**13  # 10 兆円
MAX_PER_TYPE = 1_000


@dataclass(frozen=True)
class PlanResult:
    """The plan for one period with everything it was made from."""

    period: str
    period_key: str
    period_from: dt.date
    period_to: dt.date
    icp_version: int
    goal: Goal  # as solved (after the resource rule)
    requested_band: tuple[float, float]  # the band before the resource rule (fractions)
    sources: dict[str, str]  # leads / band / budget / capacity → "given" | "settings" | "teams" | "none"
    channel_names: dict[str, tuple[str, str]]  # channel code → (Japanese, English) from the settings
    history: tuple[TypeHistory, ...]
    pressure: Pressure
    plan: Plan

    def explain(self, lang: str = "ja") -> list[str]:
        return explain(self, lang)

    def as_dict(self, lang: str = "ja") -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["pressure"].update(applies=self.pressure.applies, win_rate_fallen=self.pressure.win_rate_fallen,
                                capacity_saturated=self.pressure.capacity_saturated,
                                explanation=self.pressure.judgement.explain(lang))  # fmt: skip
        data["explanation"] = self.explain(lang)
        plain: dict[str, Any] = json_plain(data)
        return plain


def parse_band(text: str) -> tuple[float, float]:
    """``"30-50"`` (percent; ``〜`` and ``–`` also separate) → ``(30.0, 50.0)``; PLAN_BAND_INVALID otherwise."""
    found = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*%?\s*[-–〜~]\s*(\d+(?:\.\d+)?)\s*%?\s*", text)
    if found is None:
        raise TenbinError(e.PLAN_BAND_INVALID, {"value": text}, Place(field="band"))
    return _check_band((float(found.group(1)), float(found.group(2))), text)


def _check_band(band: tuple[float, float], shown: object) -> tuple[float, float]:
    low, high = band
    if not 0 <= low <= high <= 100:
        raise TenbinError(e.PLAN_BAND_INVALID, {"value": shown}, Place(field="band"))
    return low, high


def _check_number(value: object, field: str, low: int, high: int) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise TenbinError(e.PLAN_NUMBER_INVALID, {"field": field, "min": low, "max": high, "value": value},
                          Place(field=field))  # fmt: skip


def _check(period: str, resource_rule: str, leads: object, budget: object, max_per_type: object) -> None:
    if period not in PERIODS:
        raise TenbinError(e.PLAN_PERIOD_INVALID, {"period": period, "allowed": ", ".join(PERIODS)},
                          Place(field="period"))  # fmt: skip
    if resource_rule not in RULE_MODES:
        raise TenbinError(e.PLAN_RULE_INVALID, {"value": resource_rule, "allowed": ", ".join(RULE_MODES)},
                          Place(field="resource_rule"))  # fmt: skip
    _check_number(leads, "leads", 1, MAX_LEADS)
    _check_number(budget, "budget", 0, MAX_BUDGET)
    _check_number(max_per_type, "max_per_type", 1, MAX_PER_TYPE)


def campaign_types(history: list[TypeHistory]) -> list[CampaignType]:
    """The usable types (not excluded) as the optimiser's input."""
    types = []
    for h in history:
        if h.excluded is not None:
            continue
        assert h.leads_per_campaign is not None and h.cost_per_campaign is not None and h.icp.rate is not None
        types.append(CampaignType(
            h.channel, h.orientation, h.leads_per_campaign, h.leads_sd or 0.0, h.leads_se or 0.0, h.icp.rate,
            h.icp.low or 0.0, h.icp.high or 1.0, h.cost_per_campaign, h.opportunities.rate or 0.0,
        ))  # fmt: skip
    return types


def plan_campaign_mix(
    engine: Engine,
    *,
    leads: int | None = None,
    band: tuple[float, float] | None = None,
    budget: int | None = None,
    period: str = "month",
    max_per_type: int | None = None,
    resource_rule: str = "auto",
    today: dt.date | None = None,
    icp_version: int | None = None,
    history_from: dt.date | None = None,
    history_to: dt.date | None = None,
) -> PlanResult:
    """The cheapest mix of campaigns per type for the period after today's that meets the volume
    target and the ICP-rate band within the budget and the sales capacity (or the nearest plan, with
    the targets it cannot meet). ``band`` in percent; ``resource_rule`` ``auto`` | ``on`` | ``off``."""
    _check(period, resource_rule, leads, budget, max_per_type)
    kind: Period = "month" if period == "month" else "quarter"
    day = today or dt.date.today()
    current = last_periods(kind, 1, day)[0]
    following = last_periods(kind, 1, current.end + dt.timedelta(days=1))[0]
    targets = get_targets(engine)
    stages = sorted(list_stages(engine), key=lambda st: st.position)
    lead_band = targets.stage_bands.get(stages[0].code, targets.icp_rate) if stages else targets.icp_rate
    chosen_band = _check_band(band, f"{band[0]}-{band[1]}") if band is not None else (lead_band.low, lead_band.high)
    volume = leads if leads is not None else (
        None if targets.leads_per_month is None else targets.leads_per_month * MONTHS[kind]
    )  # fmt: skip
    if volume is None:
        raise TenbinError(e.PLAN_NO_VOLUME_TARGET, {}, Place(field="leads"))
    capacity = sales_capacity(engine, following.start, following.end)
    channels = list_channels(engine)
    declared = [(c.code, c.orientation) for c in channels]
    with engine.connect() as conn:
        version = get_version(conn, icp_version)
        condition = definition_sql(version_definition(conn, version))
        history = measure(conn, condition, history_from, history_to, declared)
    types = campaign_types(history)
    if not types:
        raise TenbinError(e.PLAN_NO_HISTORY, {})
    pressure = assess_pressure(engine, mode=resource_rule, today=day)
    goal = Goal(float(volume), chosen_band[0] / 100, chosen_band[1] / 100,
                None if budget is None else float(budget), capacity, max_per_type)  # fmt: skip
    solved_goal = shift_to_quality(goal) if pressure.applies else goal
    try:
        plan = solve_plan(types, solved_goal)
    except SolverFailed as exc:
        raise TenbinError(e.PLAN_SOLVER_FAILED, {"detail": str(exc)}) from exc
    sources = {
        "leads": "given" if leads is not None else "settings",
        "band": "given" if band is not None else "settings",
        "budget": "given" if budget is not None else "none",
        "capacity": "teams" if capacity is not None else "none",
    }
    return PlanResult(kind, following.key, following.start, following.end, version.version, solved_goal,
                      (goal.band_low, goal.band_high), sources, {c.code: (c.name_ja, c.name_en) for c in channels},
                      tuple(history), pressure, plan)  # fmt: skip
