"""The lead skeleton: which campaign first reached each lead, when, and at which account.

Only numpy columns (a few bytes per lead) are kept for all leads; names, e-mails, responses and
stage events are made chunk by chunk in :mod:`tenbin.demo.gen_contacts`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from tenbin.demo import gen_params as p
from tenbin.demo.gen_accounts import Accounts
from tenbin.demo.gen_campaigns import Campaigns
from tenbin.demo.gen_util import MINUTES_PER_DAY, NEVER, BoolArray, FloatArray, IntArray, day_months, rng_for, weekdays

PHASE = 3
RUNGS = 5


def _empty() -> IntArray:
    return np.zeros(0, dtype=np.int64)


@dataclass
class Leads:
    """All leads as columns, in order of acquisition (position i is the contact with id ``ids[i]``)."""

    account: IntArray  # account position, -1 when the company is unknown
    campaign: IntArray  # first-touch campaign position
    minute: IntArray  # acquired_at, minutes since the window start
    # Filled chunk by chunk while contacts are written:
    ids: IntArray = field(default_factory=_empty)
    level: IntArray = field(default_factory=_empty)  # index into gen_params.LEVELS
    department: IntArray = field(default_factory=_empty)  # index into gen_contacts.DEPARTMENT_NAMES
    rung: IntArray = field(default_factory=_empty)  # highest offer rank reached (1–5)
    reach: IntArray = field(default_factory=_empty)  # (leads × 5) first minute at or above each rank
    mql: BoolArray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    sql_minute: IntArray = field(default_factory=_empty)  # NEVER unless the lead qualifies as SQL

    def __len__(self) -> int:
        return len(self.minute)

    def prepare(self) -> None:
        size = len(self)
        self.ids = np.zeros(size, dtype=np.int64)
        self.level = np.zeros(size, dtype=np.int64)
        self.department = np.zeros(size, dtype=np.int64)
        self.rung = np.ones(size, dtype=np.int64)
        self.reach = np.full((size, RUNGS), NEVER, dtype=np.int64)
        self.mql = np.zeros(size, dtype=bool)
        self.sql_minute = np.full(size, NEVER, dtype=np.int64)

    def segment(self, accounts: Accounts) -> IntArray:
        """Segment code of each lead's account (unknown companies count as other)."""
        return np.where(self.account >= 0, accounts.segment[np.maximum(self.account, 0)], 0)


def day_weights() -> FloatArray:
    """Relative lead volume per day: month seasonality, quiet weekends, and slow growth."""
    days = np.arange(p.WINDOW_DAYS)
    month = np.array([p.MONTH_FACTORS[m] for m in day_months(days).tolist()])
    weekend = np.where(weekdays(days) >= 5, p.WEEKEND_FACTOR, 1.0)
    return np.asarray(month * weekend * (1.0 + 0.25 * days / p.WINDOW_DAYS), dtype=np.float64)


def allocate_leads(seed: int, scale: float, accounts: Accounts, campaigns: Campaigns) -> Leads:
    rng = rng_for(seed, PHASE)
    total = max(200, round(p.BASE_LEADS * scale))
    quality = round(total * p.QUALITY_LEAD_SHARE)
    counts = np.zeros(len(campaigns), dtype=np.int64)
    for orientation, size in ((0, total - quality), (1, quality)):
        members = np.flatnonzero(campaigns.orientation == orientation)
        counts[members] = rng.multinomial(size, campaigns.share[members])
    campaign = np.repeat(np.arange(len(campaigns)), counts)
    minute = _minutes(rng, campaigns, counts)
    account = _accounts_for(rng, accounts, campaigns, campaign)
    order = np.argsort(minute, kind="stable")
    return Leads(account=account[order], campaign=campaign[order], minute=minute[order])


def _minutes(rng: np.random.Generator, campaigns: Campaigns, counts: IntArray) -> IntArray:
    weights = day_weights()
    parts = []
    for i, count in enumerate(counts.tolist()):
        days = np.arange(campaigns.start_day[i], campaigns.end_day[i] + 1)
        w = weights[days]
        parts.append(rng.choice(days, size=count, p=w / w.sum()))
    day = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
    fair = np.repeat(np.array([c == "展示会" for c in campaigns.channels]), counts)
    office = np.clip(rng.normal(13.5 * 60, 2.8 * 60, len(day)), 7 * 60, 22 * 60 + 59)
    booth = rng.uniform(10 * 60, 17 * 60, len(day))
    return np.asarray(day * MINUTES_PER_DAY + np.where(fair, booth, office).astype(np.int64), dtype=np.int64)


def _accounts_for(rng: np.random.Generator, accounts: Accounts, campaigns: Campaigns, campaign: IntArray) -> IntArray:
    """Each lead's account (a prospect): its campaign decides the odds of the ICP and future-ICP pools."""
    icp_share = campaigns.channel_values("icp_share")[campaign]
    future_share = campaigns.channel_values("future_share")[campaign]
    quality = campaigns.orientation[campaign] == 1
    u = rng.random(len(campaign))
    pool = np.where(u < icp_share, 1, np.where(u < icp_share + future_share, 2, 0))
    unlinked = (~quality) & (rng.random(len(campaign)) < p.UNLINKED_SHARE) & (pool == 0)
    result = np.full(len(campaign), -1, dtype=np.int64)
    base = accounts.employees.astype(np.float64) ** 0.35
    targeted = base * np.where(accounts.industry == "E", 1.8, 1.0) * np.where(accounts.named, 3.0, 1.0)
    for segment in (0, 1, 2):
        # Current customers are account sales' business, not marketing's: leads go to prospects.
        members = np.flatnonzero((accounts.segment == segment) & ~accounts.installed)
        for is_quality, weights in ((False, base), (True, targeted)):
            rows = np.flatnonzero((pool == segment) & (quality == is_quality) & ~unlinked)
            if len(rows) and len(members):
                w = weights[members]
                result[rows] = rng.choice(members, size=len(rows), p=w / w.sum())
    return result
