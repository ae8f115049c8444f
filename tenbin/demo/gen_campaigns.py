"""Campaigns (施策) of both orientations with periods and costs, and the teams (チーム) with members."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np

from tenbin.db import schema
from tenbin.demo import gen_params as p
from tenbin.demo import text
from tenbin.demo import truth as t
from tenbin.demo.gen_util import FloatArray, IntArray, Writer, day_strings, rng_for

PHASE = 2
ORIENTATIONS = ("quantity", "quality")
_START = p.WINDOW_START.date()


@dataclass
class Campaigns:
    """The campaign plan as columns (position i is the campaign with id ``ids[i]``)."""

    ids: IntArray
    names: list[str]
    channels: list[str]
    orientation: IntArray  # 0 quantity, 1 quality
    start_day: IntArray  # days since the window start, inclusive
    end_day: IntArray
    share: FloatArray  # share of its orientation's first-touch leads
    descriptions: list[str]

    def __len__(self) -> int:
        return len(self.ids)

    def channel_values(self, field: str) -> FloatArray:
        return np.array([float(getattr(p.CHANNELS[c], field)) for c in self.channels])


@dataclass
class Staff:
    """Names of the people who own records and write challenges, by team kind."""

    sales: list[str]
    account_sales: list[str]
    inside_sales: list[str]
    digital: list[str]
    marketing: list[str]


def _day(d: dt.date) -> int:
    return (d - _START).days


def _periods(kind: str) -> list[tuple[dt.date, dt.date, str]]:
    """(first day, last day, label) of each base campaign of a period kind."""
    if kind == "fair":
        return [(d, d + dt.timedelta(days=2), f"{d.year}年{d.month}月") for d in p.TRADE_SHOWS]
    if kind == "seminar":
        return [(d - dt.timedelta(days=42), d, f"{d.year}年{d.month}月") for d in p.SEMINAR_DAYS]
    months = {"quarter": 3, "half": 6, "year": 12}[kind]
    result = []
    for k in range(24 // months):
        first = dt.date(2024 + (9 + k * months) // 12, (9 + k * months) % 12 + 1, 1)
        after = dt.date(2024 + (9 + (k + 1) * months) // 12, (9 + (k + 1) * months) % 12 + 1, 1)
        last = after - dt.timedelta(days=1)
        label = {"half": _half_label(first)}.get(kind, f"{first.year}年{first.month}月〜{last.year}年{last.month}月")
        result.append((first, last, label))
    return result


def _half_label(first: dt.date) -> str:
    fiscal_year = first.year if first.month >= 4 else first.year - 1
    return f"{fiscal_year}年度{'上期' if first.month == 4 else '下期'}"


def plan_campaigns(writer: Writer, seed: int, scale: float) -> Campaigns:
    """The campaigns and their lead shares; each base campaign is repeated ~sqrt(scale) times."""
    rng = rng_for(seed, PHASE)
    copies = max(1, round(math.sqrt(scale)))
    rows: list[tuple[str, str, int, int, float, str]] = []  # name, channel, first, last, share, text
    seen: set[str] = set()
    for channel_name, plan_share, kind in p.CAMPAIGN_PLAN:
        channel = p.CHANNELS[channel_name]
        for first, last, label in _periods(kind):
            for copy in range(copies):
                shift = dt.timedelta(days=7 * copy) if kind == "fair" else dt.timedelta(0)
                theme = _theme(rng, channel.orientation)
                name = _unique(
                    seen,
                    text.campaign_name(
                        rng,
                        channel=channel_name,
                        orientation=channel.orientation,
                        period_label=label,
                        theme_category=theme,
                    ),
                )
                weight = plan_share / copies * float(np.exp(0.2 * rng.standard_normal()))
                kind_ja = "質重視" if channel.orientation == "quality" else "量重視"
                description = f"{channel_name}({kind_ja})。テーマ: {theme}"
                rows.append((name, channel_name, _day(first + shift), _day(last + shift), weight, description))
    orientation = np.array([ORIENTATIONS.index(p.CHANNELS[r[1]].orientation) for r in rows])
    share = np.array([r[4] for r in rows], dtype=np.float64)
    for o in (0, 1):
        share[orientation == o] /= share[orientation == o].sum()
    return Campaigns(
        ids=writer.ids(schema.campaigns, len(rows)),
        names=[r[0] for r in rows],
        channels=[r[1] for r in rows],
        orientation=orientation,
        start_day=np.array([r[2] for r in rows], dtype=np.int64),
        end_day=np.minimum(np.array([r[3] for r in rows], dtype=np.int64), p.WINDOW_DAYS - 1),
        share=share,
        descriptions=[r[5] for r in rows],
    )


def _theme(rng: np.random.Generator, orientation: str) -> str:
    """Quality campaigns are built from the challenges of the best customers (課題DB → content)."""
    categories = list(text.CHALLENGE_CATEGORIES)
    weights = np.ones(len(categories))
    if orientation == "quality":
        for category in t.HIGH_LTV_CATEGORIES:
            weights[categories.index(category)] = 4.0
    return categories[int(rng.choice(len(categories), p=weights / weights.sum()))]


def _unique(seen: set[str], name: str) -> str:
    candidate, k = name, 2
    while candidate in seen:
        candidate, k = f"{name}({k})", k + 1
    seen.add(candidate)
    return candidate


def write_campaigns(writer: Writer, seed: int, campaigns: Campaigns, first_touch: IntArray) -> None:
    """Insert the campaigns; cost = leads brought × the channel's cost per lead × noise (yen)."""
    rng = rng_for(seed, PHASE, 1)
    cpl = campaigns.channel_values("cpl")
    cost = np.round(np.maximum(first_touch, 10) * cpl * rng.uniform(0.85, 1.2, len(campaigns)), -3)
    starts, ends = day_strings(campaigns.start_day), day_strings(campaigns.end_day)
    rows = [
        (
            int(campaigns.ids[i]),
            campaigns.names[i],
            campaigns.channels[i],
            ORIENTATIONS[int(campaigns.orientation[i])],
            starts[i],
            ends[i],
            int(cost[i]),
            campaigns.descriptions[i],
        )
        for i in range(len(campaigns))
    ]
    columns = ("id", "name", "channel", "orientation", "starts_on", "ends_on", "cost", "description")
    writer.write(schema.campaigns, columns, rows)


TEAMS: tuple[tuple[str, str, int, int, int], ...] = (
    # (name, kind, members at scale 1, capacity per member per day, … per week)
    ("フィールドセールス", "sales", 6, 4, 18),
    ("アカウントセールス", "account_sales", 3, 2, 10),
    ("インサイドセールス", "inside_sales", 5, 30, 140),
    ("デジタルセールス", "digital", 2, 400, 2_000),
)


def write_teams(writer: Writer, seed: int, scale: float) -> Staff:
    rng = rng_for(seed, PHASE, 2)
    grow = max(1, round(math.sqrt(scale)))
    sizes = [size * grow for _, _, size, _, _ in TEAMS]
    # Staff names must be distinct (a team's members are matched by name), so draw extra and dedupe.
    wanted = sum(sizes) + 4 * grow
    people = list({f"{x.last} {x.first}": x for x in text.person_names(rng, 3 * wanted)}.values())[:wanted]
    team_ids = writer.ids(schema.teams, len(TEAMS)).tolist()
    writer.write(
        schema.teams,
        ("id", "name", "kind", "capacity_per_day", "capacity_per_week"),
        [
            (i, name, kind, day * s, week * s)
            for i, (name, kind, _, day, week), s in zip(team_ids, TEAMS, sizes, strict=True)
        ],
    )
    names = [f"{x.last} {x.first}" for x in people]
    emails = _staff_emails(people)
    rows, offset, by_kind = [], 0, {}
    member_ids = writer.ids(schema.team_members, sum(sizes)).tolist()
    for team_id, (_, kind, _, day, week), size in zip(team_ids, TEAMS, sizes, strict=True):
        by_kind[kind] = names[offset : offset + size]
        for k in range(offset, offset + size):
            rows.append((member_ids[k], team_id, names[k], emails[k], day, week, True))
        offset += size
    columns = ("id", "team_id", "name", "email", "capacity_per_day", "capacity_per_week", "is_active")
    writer.write(schema.team_members, columns, rows)
    return Staff(
        by_kind["sales"], by_kind["account_sales"], by_kind["inside_sales"], by_kind["digital"], names[offset:]
    )


def _staff_emails(people: list[text.PersonName]) -> list[str]:
    seen: set[str] = set()
    result = []
    for x in people:
        local = _unique(seen, f"{x.first_romaji[:1]}.{x.last_romaji}".lower())
        result.append(f"{local}@{p.VENDOR_DOMAIN}".replace("(", "").replace(")", ""))
    return result
