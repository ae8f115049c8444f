"""ICP discovery on a workspace: search subgroups whose target is high, then put every candidate
through the evidence gate.

1. Load the population (:mod:`tenbin.icp.population`): customers for LTV, closed deals for win rate …
2. Screen it (:mod:`tenbin.icp.screen`): time split (discover on the earlier half, confirm on the
   later half), exact top-k subgroup search with quality ``(n/N)^a · (mean − overall mean)``,
   Benjamini–Hochberg over every subgroup tried, held-out confirmation.
3. Evidence on all the data (:mod:`tenbin.icp.evidence`): support, LTV, win rate, retention,
   market existence, over-represented challenge categories.

A candidate passes the gate only when it is significant after the correction, confirmed on the
held-out half, and (when the workspace holds prospects at all) exists in the market. Candidates
that fail stay in the result with their reasons and are never offered as the ICP.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import ColumnElement, Connection, select

from tenbin.db import schema
from tenbin.icp.attributes import Catalog
from tenbin.icp.checks import check_options, check_rows
from tenbin.icp.compile import to_sql
from tenbin.icp.evidence import Evidence, compute_evidence
from tenbin.icp.population import Customers, LtvBasis, Population, load_customers, load_population
from tenbin.icp.rules import Node
from tenbin.icp.screen import ALPHA, TOP_K, Holdout, Screened, Settings, screen, subset
from tenbin.icp.subgroups import subgroup_rule

MARKET_MIN = 10

__all__ = ["TOP_K", "Candidate", "Discovery", "Holdout", "Options", "discover_icp"]


@dataclass(frozen=True)
class Options:
    target: str = "ltv"
    depth: int = 3
    min_support: int | None = None  # None: max(10, 2 % of the discovery half)
    top_k: int = TOP_K
    alpha: float = ALPHA
    seed: int = 0
    ltv_basis: LtvBasis = "cumulative"
    exclude: ColumnElement[bool] | None = None  # leave out rows whose account matches (new-ICP candidates)
    a: float = 1.0  # size exponent of the quality: 1 = share of the total excess (coverage × effect)

    def settings(self) -> Settings:
        return Settings(self.depth, self.min_support, self.top_k, self.alpha, self.seed, self.a)


@dataclass(frozen=True)
class Candidate:
    rank: int
    node: Node
    rule: str
    quality: float
    size: int  # rows of the discovery half inside
    mean: float
    rest_mean: float
    p: float
    q: float
    holdout: Holdout
    evidence: Evidence
    passed: bool
    reasons: tuple[str, ...]
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Discovery:
    options: Options
    target_label: str
    binary: bool
    basis: str
    rows: int
    accounts: int
    mean: float
    split: str  # time | random
    split_date: str | None
    discovery_rows: int
    holdout_rows: int
    min_support: int
    selectors: int
    tried: int
    evaluated: int
    seconds: float
    candidates: tuple[Candidate, ...] = field(default_factory=tuple)

    @property
    def best(self) -> Candidate | None:
        return next((c for c in self.candidates if c.passed), None)


def _excluded(conn: Connection, pop: Population, condition: ColumnElement[bool] | None) -> np.ndarray:
    """Rows to keep: those whose account does not match ``condition``."""
    if condition is None:
        return np.ones(len(pop.values), dtype=bool)
    a = schema.accounts
    matching = np.array(list(conn.execute(select(a.c.id).where(condition)).scalars()), dtype=np.int64)
    return ~np.isin(pop.account_ids, matching)


def discover_icp(conn: Connection, catalog: Catalog, options: Options) -> Discovery:
    """Run discovery (see the module docstring); raises ICP errors for unusable targets or data."""
    started = time.perf_counter()
    check_options(catalog, options)
    customers = load_customers(conn)  # read once: the ltv and retained populations and every candidate's evidence
    pop = load_population(conn, catalog, options.target, ltv_basis=options.ltv_basis, customers=customers)
    pop = subset(pop, np.flatnonzero(_excluded(conn, pop, options.exclude)))
    check_rows(pop, options)
    screening = screen(pop, options.settings())
    candidates = tuple(
        _candidate(conn, catalog, rank, item, options, customers) for rank, item in enumerate(screening.items, start=1)
    )
    return Discovery(
        options=options, target_label=pop.target_label, binary=pop.binary, basis=pop.basis,
        rows=len(pop.values), accounts=len(np.unique(pop.account_ids)),
        mean=float(pop.values.mean()), split=screening.split, split_date=screening.split_date,
        discovery_rows=screening.discovery_rows, holdout_rows=screening.holdout_rows,
        min_support=screening.min_support, selectors=screening.selectors, tried=screening.tried,
        evaluated=screening.evaluated, seconds=time.perf_counter() - started, candidates=candidates,
    )  # fmt: skip


def _candidate(
    conn: Connection, catalog: Catalog, rank: int, item: Screened, options: Options, customers: Customers
) -> Candidate:
    node, rule = subgroup_rule(item.subgroup, catalog)
    evidence = compute_evidence(conn, to_sql(node), seed=options.seed, customers=customers)
    reasons, notes = list(item.reasons), []
    if evidence.market_accounts_total == 0:
        notes.append("market_not_measurable")
    elif evidence.market_accounts + evidence.market_open_leads < MARKET_MIN:
        reasons.append("no_market")
    sub = item.subgroup
    return Candidate(
        rank, node, rule, sub.quality, sub.size, sub.mean, item.rest_mean, item.p, item.q, item.holdout,
        evidence, not reasons, tuple(reasons), tuple(notes),
    )  # fmt: skip
