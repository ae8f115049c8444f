"""Responses (反応) along the offer ladder for one chunk of leads.

Each lead climbs the ladder: its first response is at the first-touch campaign's entry offer, and
its highest rung comes from a latent intent (ordered-probit cut points) raised by the ICP segment
and by quality campaigns. Follow-up responses come from campaigns active on their day.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tenbin.demo import gen_params as p
from tenbin.demo.gen_accounts import SEGMENT_CODES
from tenbin.demo.gen_campaigns import Campaigns
from tenbin.demo.gen_leads import RUNGS
from tenbin.demo.gen_util import MINUTES_PER_DAY, NEVER, BoolArray, FloatArray, IntArray
from tenbin.demo.truth import BEHAVIOUR

INTENT_CUTS = np.array([0.35, 1.0, 1.6, 2.2])  # latent intent above cut k → rung k + 2 or more
QUALITY_INTENT = 0.5
FOLLOW_QUALITY = np.array([0.12, 0.5, 0.12])  # P(a follow-up comes from a quality campaign) by segment
SEMINAR_QUALITY = 0.8  # … when it is an 個別セミナー (rank 3): a one-to-one, quality tactic
MEAN_GAP_DAYS = 21
STATUS_BY_RUNG: tuple[tuple[str, ...], ...] = (
    ("ダウンロード",),
    ("参加", "参加", "参加", "欠席"),
    ("実施",),
    ("実施", "実施", "日程調整中"),
    ("見積提出",),
)
_INTENT_BY_SEGMENT = np.array([BEHAVIOUR[s].intent for s in SEGMENT_CODES])


class CampaignSampler:
    """Draws a campaign of a given orientation that runs on a given day, weighted by its lead share."""

    def __init__(self, campaigns: Campaigns) -> None:
        days = np.arange(p.WINDOW_DAYS)[:, None]
        self.members: list[IntArray] = []
        self.cumulative: list[FloatArray] = []
        for orientation in (0, 1):
            members = np.flatnonzero(campaigns.orientation == orientation)
            active = (campaigns.start_day[members] <= days) & (days <= campaigns.end_day[members])
            self.members.append(members)
            self.cumulative.append(np.cumsum(active * campaigns.share[members], axis=1))

    def sample(self, rng: np.random.Generator, day: IntArray, orientation: IntArray) -> IntArray:
        result = np.zeros(len(day), dtype=np.int64)
        u = rng.random(len(day))
        for o in (0, 1):
            rows = np.flatnonzero(orientation == o)
            for d in np.unique(day[rows]).tolist():
                at = rows[day[rows] == d]
                cumulative = self.cumulative[o][d]
                picked = np.searchsorted(cumulative, u[at] * cumulative[-1], side="right")
                result[at] = self.members[o][np.minimum(picked, len(cumulative) - 1)]
        return result


@dataclass
class Ladder:
    """The responses of a chunk (one row per response) and what they mean per lead."""

    lead: IntArray  # chunk-local lead index of each response
    campaign: IntArray
    rung: IntArray
    minute: IntArray
    status: list[str]
    top: IntArray  # per lead: highest rung
    reach: IntArray  # per lead × rung: first minute at or above it


def climb(
    rng: np.random.Generator,
    *,
    campaigns: Campaigns,
    sampler: CampaignSampler,
    first_campaign: IntArray,
    start: IntArray,
    segment: IntArray,
) -> Ladder:
    entry = campaigns.channel_values("entry_rung").astype(np.int64)[first_campaign]
    quality = campaigns.orientation[first_campaign]
    intent = rng.standard_normal(len(start)) + _INTENT_BY_SEGMENT[segment] + QUALITY_INTENT * quality
    top = np.maximum(1 + (intent[:, None] > INTENT_CUTS).sum(axis=1), entry)
    follow = campaigns.channel_values("responses")[first_campaign] * np.where(segment == 1, 1.4, 1.0)
    count = np.minimum(1 + rng.poisson(follow), 6)
    count = np.where(top > entry, np.maximum(count, 2), count)
    lead = np.repeat(np.arange(len(start)), count)
    first = np.cumsum(count) - count
    position = np.arange(len(lead)) - first[lead]
    rung = _rungs(rng, entry[lead], top[lead], position, count[lead])
    minute = _minutes(rng, start, lead, position, first, count)
    campaign = _campaigns(rng, sampler, first_campaign, (lead, position, minute, rung), segment)
    statuses = [
        STATUS_BY_RUNG[r - 1][k % len(STATUS_BY_RUNG[r - 1])]
        for r, k in zip(rung.tolist(), rng.integers(0, 12, len(rung)).tolist(), strict=True)
    ]
    reach = np.full((len(start), RUNGS), NEVER, dtype=np.int64)
    for k in range(1, RUNGS + 1):
        at = rung >= k
        np.minimum.at(reach[:, k - 1], lead[at], minute[at])
    return Ladder(lead, campaign, rung, minute, statuses, top, reach)


def _rungs(rng: np.random.Generator, entry: IntArray, top: IntArray, position: IntArray, count: IntArray) -> IntArray:
    """Entry first, highest last, steps in between; ascending within each lead."""
    middle = entry + np.floor(rng.random(len(entry)) * (top - entry + 1)).astype(np.int64)
    rung = np.where(position == 0, entry, np.where(position == count - 1, top, middle))
    # Leads are contiguous runs, so sorting by (run start, rung) sorts rungs inside each run only.
    run = np.cumsum(position == 0)
    return np.asarray(rung[np.lexsort((rung, run))], dtype=np.int64)


def _minutes(
    rng: np.random.Generator, start: IntArray, lead: IntArray, position: IntArray, first: IntArray, count: IntArray
) -> IntArray:
    """First response at acquisition, then exponential gaps squeezed to end inside the window."""
    gap = rng.exponential(MEAN_GAP_DAYS * MINUTES_PER_DAY, len(lead)) + 60
    gap[position == 0] = 0
    total = np.cumsum(gap)
    offset = total - total[first[lead]]
    span = np.maximum(offset[first + count - 1], 1.0)
    room = (p.WINDOW_MINUTES - 1 - start) - count
    factor = np.minimum(1.0, room / span)
    return np.asarray(start[lead] + np.floor(offset * factor[lead]).astype(np.int64) + position, dtype=np.int64)


def _campaigns(
    rng: np.random.Generator,
    sampler: CampaignSampler,
    first_campaign: IntArray,
    responses: tuple[IntArray, IntArray, IntArray, IntArray],
    segment: IntArray,
) -> IntArray:
    lead, position, minute, rung = responses
    follow: BoolArray = position > 0
    chance = np.where(rung == 3, SEMINAR_QUALITY, FOLLOW_QUALITY[segment[lead]])
    quality = (rng.random(len(lead)) < chance).astype(np.int64)
    picked = sampler.sample(rng, minute[follow] // MINUTES_PER_DAY, quality[follow])
    result = first_campaign[lead].copy()
    result[follow] = picked
    return result
