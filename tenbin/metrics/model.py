"""Query objects and results of the metric runners (re-exported by :mod:`tenbin.metrics.service`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from tenbin.metrics.rates import Comparison, Proportion, Share

NONE_KEY = "(none)"  # the group of leads without a value (no response, no account, no owner…)

# Dimensions a lead can be grouped by, in the order they are documented.
DIMENSIONS = (
    "stage",
    "month",
    "quarter",
    "fiscal_year",
    "campaign",
    "channel",
    "orientation",
    "offer",
    "team",
    "industry",
    "size_band",
)


@dataclass(frozen=True)
class LeadFilter:
    """Keep only leads whose value of a dimension is one of the given values (``"(none)"`` selects
    leads without one); an empty tuple keeps every lead."""

    campaigns: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    orientations: tuple[str, ...] = ()
    offers: tuple[str, ...] = ()
    teams: tuple[str, ...] = ()
    industries: tuple[str, ...] = ()
    size_bands: tuple[str, ...] = ()

    def by_dimension(self) -> dict[str, tuple[str, ...]]:
        """The non-empty filters keyed by dimension name."""
        pairs = {
            "campaign": self.campaigns,
            "channel": self.channels,
            "orientation": self.orientations,
            "offer": self.offers,
            "team": self.teams,
            "industry": self.industries,
            "size_band": self.size_bands,
        }
        return {name: values for name, values in pairs.items() if values}


@dataclass(frozen=True)
class IcpRateQuery:
    """The ICP rate of leads, grouped by ``by`` (any of :data:`DIMENSIONS`).

    ``stage`` restricts to the leads that reached that funnel stage; ``period_from``/``period_to``
    (inclusive dates) restrict to the leads acquired in the period, or, with a stage, to those that
    reached the stage in it. ``icp_version`` ``None`` is the current ICP.
    """

    by: tuple[str, ...] = ()
    icp_version: int | None = None
    stage: str | None = None
    period_from: dt.date | None = None
    period_to: dt.date | None = None
    filters: LeadFilter = field(default_factory=LeadFilter)


@dataclass(frozen=True)
class IcpRateRow:
    """One group: its keys (aligned with the query's ``by``), the counts and the ICP rate with its
    95 % Wilson interval."""

    keys: tuple[str, ...]
    total: int
    icp: int
    non_icp: int
    rate: float | None
    low: float | None
    high: float | None

    @classmethod
    def of(cls, keys: tuple[str, ...], counts: Proportion) -> IcpRateRow:
        return cls(keys, counts.total, counts.hits, counts.total - counts.hits, counts.rate, counts.low, counts.high)


@dataclass(frozen=True)
class IcpRateResult:
    """Rows per group, and the overall row: one row with no keys, or, when grouped by stage, one row
    per stage keyed by the stage alone (a lead is counted in every stage it reached, so stages are
    not summed). Each overall row is the sum of its groups: every lead is in exactly one group."""

    query: IcpRateQuery
    icp_version: int
    rows: tuple[IcpRateRow, ...]
    overall: tuple[IcpRateRow, ...]

    def as_dict(self) -> dict[str, Any]:
        def row(r: IcpRateRow, by: tuple[str, ...]) -> dict[str, Any]:
            return {**dict(zip(by, r.keys, strict=True)), "total": r.total, "icp": r.icp, "non_icp": r.non_icp,
                    "rate": r.rate, "low": r.low, "high": r.high}  # fmt: skip

        by = self.query.by
        overall_by = ("stage",) if "stage" in by else ()
        return {
            "icp_version": self.icp_version,
            "by": list(by),
            "rows": [row(r, by) for r in self.rows],
            "overall": [row(r, overall_by) for r in self.overall],
        }


@dataclass(frozen=True)
class ConversionQuery:
    """Stage-to-stage conversion of ICP vs non-ICP leads. Each step ``(from, to)`` takes the leads
    that reached ``from`` (in the period, when given) and counts those that reached ``to`` since."""

    steps: tuple[tuple[str, str], ...] = (("lead", "sql"), ("sql", "won"))
    icp_version: int | None = None
    period_from: dt.date | None = None
    period_to: dt.date | None = None
    filters: LeadFilter = field(default_factory=LeadFilter)


@dataclass(frozen=True)
class ConversionStep:
    from_stage: str
    to_stage: str
    comparison: Comparison


@dataclass(frozen=True)
class ConversionResult:
    query: ConversionQuery
    icp_version: int
    steps: tuple[ConversionStep, ...]


@dataclass(frozen=True)
class ValueShareQuery:
    """Value-weighted ICP rate. With a period: open opportunities created in it, won opportunities
    closed in it and revenue lines recognised in it; without: all of them."""

    icp_version: int | None = None
    period_from: dt.date | None = None
    period_to: dt.date | None = None


@dataclass(frozen=True)
class ValueShareResult:
    """Shares of the pipeline (open opportunities' amount), the won amount and LTV coming from ICP
    accounts. ``ltv_basis`` is ``gross_profit`` when every revenue line in scope has one, else
    ``revenue``; the LTV counts are customers (accounts with revenue lines)."""

    query: ValueShareQuery
    icp_version: int
    pipeline: Share
    won: Share
    ltv: Share
    ltv_basis: str


@dataclass(frozen=True)
class CampaignCostQuery:
    """Cost per lead and per ICP lead of each campaign; with a period, the campaigns that started in
    it (campaigns without a start date are then left out)."""

    icp_version: int | None = None
    period_from: dt.date | None = None
    period_to: dt.date | None = None


@dataclass(frozen=True)
class CampaignCost:
    """A campaign's cost beside the leads it first touched (see :mod:`tenbin.metrics.leads`)."""

    campaign: str
    channel: str
    orientation: str
    cost: int | None
    leads: Proportion  # ICP leads of the leads, with the ICP rate and its interval
    cost_per_lead: float | None
    cost_per_icp_lead: float | None


@dataclass(frozen=True)
class CampaignCostResult:
    """Per campaign, and overall over the campaigns with a known cost."""

    query: CampaignCostQuery
    icp_version: int
    campaigns: tuple[CampaignCost, ...]
    cost: int
    leads: Proportion
    cost_per_lead: float | None
    cost_per_icp_lead: float | None
