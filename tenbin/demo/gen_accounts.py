"""Accounts (企業): the market list and the installed base, with sizes, prefectures, listings,
法人番号 and custom attributes.

The prospects are draws from the market; the installed base (:data:`truth.HISTORY`) are market
draws of each segment, with the day their deal closed and their pains drawn together so that only
customers who renewed at every anniversary before the window remain. Kept as numpy columns for the
later phases (leads pick prospects, deals read sizes and segments); the rows are written in chunks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from tenbin.db import schema
from tenbin.demo import gen_params as p
from tenbin.demo import text
from tenbin.demo import truth as t
from tenbin.demo.gen_util import (
    NEVER,
    BoolArray,
    FloatArray,
    IntArray,
    Writer,
    choice_rows,
    month_index,
    pick,
    rng_for,
    top_k_weighted,
)
from tenbin.imports import normalize as n
from tenbin.imports import refdata

PHASE = 1
SEGMENT_CODES = {t.OTHER: 0, t.ICP.key: 1, t.FUTURE_ICP.key: 2}
SIZE_REACH = 0.35  # larger companies are reached (and sold to) more often: weight employees ** 0.35
SINCE_CANDIDATES = 16  # won deals drawn per installed customer before weighting by survival
LISTING_BY_SIZE: tuple[tuple[int, dict[str, float]], ...] = (
    (5_000, {"tse_prime": 0.55, "tse_standard": 0.2}),
    (1_000, {"tse_prime": 0.25, "tse_standard": 0.2, "tse_growth": 0.03, "nse": 0.02}),
    (300, {"tse_prime": 0.03, "tse_standard": 0.06, "tse_growth": 0.03, "nse": 0.01, "fse": 0.005}),
    (0, {"tse_growth": 0.01}),
)
ACCOUNT_COLUMNS = (
    "id",
    "corporate_number",
    "name",
    "name_key",
    "domain",
    "industry_code",
    "industry_text",
    "employees",
    "employee_band",
    "revenue",
    "revenue_band",
    "prefecture_code",
    "phone",
    "listing",
    "is_named_account",
)


@dataclass
class Accounts:
    """The generated accounts as columns (position i is the account with id ``ids[i]``)."""

    ids: IntArray
    industry: np.ndarray  # JSIC letters (dtype <U1)
    employees: IntArray
    prefecture: IntArray  # 0–46, JIS order
    segment: IntArray  # SEGMENT_CODES
    named: BoolArray
    installed: BoolArray  # a customer since before the window (won before 2024-10)
    since_day: IntArray  # close day of the installed customer's deal (negative), NEVER for others
    pain_knowledge: BoolArray
    pain_data: BoolArray
    names: list[str]
    bases: list[str]  # the name without its legal form, for opportunity names
    domains: list[str]

    def __len__(self) -> int:
        return len(self.ids)

    def behaviour(self, key: str) -> FloatArray:
        """A Behaviour field per account, by segment."""
        return by_segment(t.BEHAVIOUR, key, self.segment)

    @property
    def pain(self) -> BoolArray:
        """Has a pain the product solves (either category)."""
        return np.asarray(self.pain_knowledge | self.pain_data, dtype=np.bool_)

    def renewal(self, positions: IntArray) -> FloatArray:
        """P(renewing at an anniversary) of the accounts at ``positions``."""
        chance = self.behaviour("renewal")[positions] + t.PAIN_RENEWAL_BONUS * self.pain[positions]
        return np.asarray(np.minimum(chance, 0.97), dtype=np.float64)


def by_segment(table: Mapping[str, object], key: str, segment: IntArray) -> FloatArray:
    """A numeric field of a per-segment table (truth.BEHAVIOUR, truth.HISTORY) for each segment code."""
    values = np.array([float(getattr(table[s], key)) for s in SEGMENT_CODES])
    return np.asarray(values[segment], dtype=np.float64)


def segments_of(industry: np.ndarray, employees: IntArray) -> IntArray:
    segment = np.zeros(len(industry), dtype=np.int64)
    for rule in t.SEGMENTS:
        segment[rule.matches(industry, employees)] = SEGMENT_CODES[rule.key]
    return segment


def contract_months_before_window(close_day: IntArray) -> IntArray:
    """Paid months before the window of contracts closed on ``close_day`` (negative): the first line
    is in the month after the close."""
    return np.asarray(-(month_index(close_day) + 1), dtype=np.int64)


def generate_accounts(writer: Writer, seed: int, scale: float) -> Accounts:
    rng = rng_for(seed, PHASE)
    prospects = max(60, round(p.BASE_ACCOUNTS * scale))
    industry = _industries(rng, prospects)
    employees = _employees(rng, industry)
    customer_industry, customer_employees = _installed_firms(rng, scale)
    count = prospects + len(customer_industry)
    order = rng.permutation(count)  # customers and prospects mixed in id order, as in any CRM
    industry = np.concatenate([industry, customer_industry])[order]
    employees = np.concatenate([employees, customer_employees])[order]
    installed = (order >= prospects).astype(bool)
    segment = segments_of(industry, employees)
    companies = text.unique_company_names(rng, count, industry.tolist())
    accounts = Accounts(
        ids=writer.ids(schema.accounts, count),
        industry=industry,
        employees=employees,
        prefecture=_prefectures(rng, count),
        segment=segment,
        named=_named(rng, segment, employees),
        installed=installed,
        since_day=np.full(count, NEVER, dtype=np.int64),
        pain_knowledge=np.zeros(count, dtype=bool),
        pain_data=np.zeros(count, dtype=bool),
        names=[c.name for c in companies],
        bases=[c.base for c in companies],
        domains=[c.domain for c in companies],
    )
    accounts.pain_knowledge = rng.random(count) < accounts.behaviour("pain_knowledge")
    accounts.pain_data = rng.random(count) < accounts.behaviour("pain_data")
    _installed_since(rng, accounts)
    _write_accounts(writer, rng, accounts)
    write_custom_attributes(writer, rng, accounts)
    return accounts


def _installed_firms(rng: np.random.Generator, scale: float) -> tuple[np.ndarray, IntArray]:
    """Industry and employees of the installed base: for each segment, its number of customers
    (truth.HISTORY, × scale) drawn from a market sample's members of that segment, larger ones likelier."""
    wanted = {SEGMENT_CODES[key]: max(1, round(h.customers * scale)) for key, h in t.HISTORY.items()}
    size = max(20 * sum(wanted.values()), 2_000)
    letters = np.array(list(p.INDUSTRY_WEIGHTS))
    weights = np.array(list(p.INDUSTRY_WEIGHTS.values()))
    industry = rng.choice(letters, size=size, p=weights / weights.sum())
    employees = _employees(rng, industry)
    segment = segments_of(industry, employees)
    chosen = []
    for code, size_wanted in wanted.items():
        members = np.flatnonzero(segment == code)
        chosen.append(members[top_k_weighted(rng, employees[members].astype(np.float64) ** SIZE_REACH, size_wanted)])
    picked = np.sort(np.concatenate(chosen))
    return industry[picked], np.asarray(employees[picked], dtype=np.int64)


def _installed_since(rng: np.random.Generator, accounts: Accounts) -> None:
    """Close day and pains of each installed customer, by importance resampling: draw candidate won
    deals (a day since HISTORY_START, weighted by the segment's intake trend, and pains at the
    segment's rates), and keep one with weight P(renewed at every anniversary before the window)."""
    rows = np.flatnonzero(accounts.installed)
    segment = accounts.segment[rows][:, None]
    shape = (len(rows), SINCE_CANDIDATES)
    day = rng.integers(-p.HISTORY_DAYS, 0, shape)
    knowledge = rng.random(shape) < by_segment(t.BEHAVIOUR, "pain_knowledge", segment)
    data = rng.random(shape) < by_segment(t.BEHAVIOUR, "pain_data", segment)
    growth = by_segment(t.HISTORY, "intake_growth", segment)
    intake = 1.0 + growth * (day + p.HISTORY_DAYS) / p.HISTORY_DAYS
    renewal = np.minimum(by_segment(t.BEHAVIOUR, "renewal", segment) + t.PAIN_RENEWAL_BONUS * (knowledge | data), 0.97)
    # The contract starts the month after the close; anniversaries up to the window's first month
    # have passed (the accounting export starts with a paid month, so that one was renewed too).
    passed = contract_months_before_window(day.ravel()).reshape(shape) // 12
    kept = choice_rows(rng, intake * renewal**passed)
    pick_row = np.arange(len(rows))
    accounts.since_day[rows] = day[pick_row, kept]
    accounts.pain_knowledge[rows] = knowledge[pick_row, kept]
    accounts.pain_data[rows] = data[pick_row, kept]


def _with_every(rng: np.random.Generator, values: np.ndarray, every: np.ndarray) -> np.ndarray:
    """Overwrite random positions so that each of ``every`` occurs at least once."""
    spots = rng.choice(len(values), size=min(len(every), len(values)), replace=False)
    values[spots] = every[: len(spots)]
    return values


def _industries(rng: np.random.Generator, count: int) -> np.ndarray:
    letters = np.array(list(p.INDUSTRY_WEIGHTS))
    weights = np.array(list(p.INDUSTRY_WEIGHTS.values()))
    drawn = rng.choice(letters, size=count, p=weights / weights.sum())
    return _with_every(rng, drawn, letters)


def _employees(rng: np.random.Generator, industry: np.ndarray) -> IntArray:
    median = np.full(len(industry), p.DEFAULT_EMPLOYEE_SHAPE[0])
    sigma = np.full(len(industry), p.DEFAULT_EMPLOYEE_SHAPE[1])
    for letter, (m, s) in p.EMPLOYEE_SHAPE.items():
        median[industry == letter], sigma[industry == letter] = m, s
    drawn = np.exp(np.log(median) + sigma * rng.standard_normal(len(industry)))
    return np.asarray(np.clip(np.round(drawn), 3, 80_000), dtype=np.int64)


def _prefectures(rng: np.random.Generator, count: int) -> IntArray:
    weights = np.array(p.PREFECTURE_WEIGHTS)
    drawn = rng.choice(len(weights), size=count, p=weights / weights.sum())
    return _with_every(rng, drawn, rng.permutation(len(weights))).astype(np.int64)


def _named(rng: np.random.Generator, segment: IntArray, employees: IntArray) -> BoolArray:
    """About 3% named accounts (ABM targets): mostly ICP and large companies."""
    score = 2.5 * (segment == 1) + 1.5 * (employees >= 1_000) + rng.standard_normal(len(segment))
    cutoff = np.quantile(score, 0.97)
    return np.asarray(score > cutoff, dtype=bool)


def _revenue(rng: np.random.Generator, industry: np.ndarray, employees: IntArray) -> IntArray:
    per_head = np.array([p.REVENUE_PER_EMPLOYEE.get(x, p.DEFAULT_REVENUE_PER_EMPLOYEE) for x in industry.tolist()])
    revenue = employees * per_head * np.exp(0.45 * rng.standard_normal(len(industry)))
    return np.asarray(np.round(revenue / 1e6) * 1_000_000, dtype=np.int64)


def _listings(rng: np.random.Generator, employees: IntArray) -> list[str]:
    u = rng.random(len(employees))
    result: list[str] = []
    for size, draw in zip(employees.tolist(), u.tolist(), strict=True):
        shares = next(s for lower, s in LISTING_BY_SIZE if size >= lower)
        listing = "unlisted"
        for code, share in shares.items():
            if draw < share:
                listing = code
                break
            draw -= share
        result.append(listing)
    return result


def _corporate_numbers(rng: np.random.Generator, count: int) -> list[str | None]:
    """Valid 法人番号 (check digit + unique 12-digit base) for ~85% of accounts."""
    bases = np.unique(rng.integers(10**11, 10**12 - 1, size=count + 100))
    bases = rng.permutation(bases)[:count]
    has = rng.random(count) < 0.85
    return [
        f"{n.corporate_number_check_digit(str(b))}{b}" if h else None
        for b, h in zip(bases.tolist(), has.tolist(), strict=True)
    ]


def _phones(rng: np.random.Generator, prefecture: IntArray) -> list[str | None]:
    has = rng.random(len(prefecture)) < 0.75
    digits = rng.integers(0, 10**9, size=len(prefecture))
    result: list[str | None] = []
    for pref, h, d in zip(prefecture.tolist(), has.tolist(), digits.tolist(), strict=True):
        area = p.AREA_CODES.get(f"{pref + 1:02d}", f"0{(pref * 7) % 89 + 10}")
        result.append(f"{area}{d:09d}"[:10] if h else None)
    return result


def _write_accounts(writer: Writer, rng: np.random.Generator, a: Accounts) -> None:
    revenue = _revenue(rng, a.industry, a.employees)
    listings = _listings(rng, a.employees)
    numbers = _corporate_numbers(rng, len(a))
    phones = _phones(rng, a.prefecture)
    for start in range(0, len(a), p.LEAD_CHUNK):
        rows = []
        for i in range(start, min(start + p.LEAD_CHUNK, len(a))):
            letter, staff, money = str(a.industry[i]), int(a.employees[i]), int(revenue[i])
            name_key = n.company_name(a.names[i])
            rows.append(
                (
                    int(a.ids[i]),
                    numbers[i],
                    a.names[i],
                    name_key[1] if name_key else a.names[i],
                    a.domains[i],
                    letter,
                    refdata.JSIC[letter][0],
                    staff,
                    n.band_for(staff, refdata.DEFAULT_EMPLOYEE_BANDS),
                    money,
                    n.band_for(money, refdata.DEFAULT_REVENUE_BANDS),
                    refdata.PREFECTURES[a.prefecture[i]][0],
                    phones[i],
                    listings[i],
                    bool(a.named[i]),
                )
            )
        writer.write(schema.accounts, ACCOUNT_COLUMNS, rows)


def write_custom_attributes(writer: Writer, rng: np.random.Generator, a: Accounts) -> None:
    """資本金 and 拠点数 (numbers) and 利用中の基幹システム (text), each known for some accounts only."""
    keys = (("資本金", "number"), ("拠点数", "number"), ("利用中の基幹システム", "text"))
    ids = writer.ids(schema.attribute_definitions, len(keys)).tolist()
    writer.write(
        schema.attribute_definitions,
        ("id", "entity", "key", "label", "type"),
        [(i, "accounts", key, key, typ) for i, (key, typ) in zip(ids, keys, strict=True)],
    )
    count = len(a)
    capital = np.maximum(np.round(a.employees * 2.5e5 * np.exp(0.7 * rng.standard_normal(count)), -6), 3e6)
    sites = 1 + rng.poisson(a.employees / 250.0)
    systems = pick(rng, p.CORE_SYSTEMS, count)
    known = rng.random((3, count)) < np.array([[0.75], [0.55], [0.4]])
    for start in range(0, count, p.LEAD_CHUNK):
        rows: list[tuple[object, ...]] = []
        for i in range(start, min(start + p.LEAD_CHUNK, count)):
            rid = int(a.ids[i])
            if known[0, i]:
                rows.append((ids[0], rid, str(int(capital[i])), float(capital[i]), None))
            if known[1, i]:
                rows.append((ids[1], rid, str(int(sites[i])), float(sites[i]), None))
            if known[2, i]:
                rows.append((ids[2], rid, systems[i], None, None))
        writer.write(
            schema.custom_values, ("attribute_id", "record_id", "value_text", "value_number", "value_date"), rows
        )
