"""The effect sizes actually realised in a demo database, measured with SQL from its tables.

Each measure reads only the workspace tables (never the generator's state), so the same numbers
come out of any database the demo was built into, and analysis code can be checked against them.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

import numpy as np
from sqlalchemy import ColumnElement, Connection, Label, and_, case, distinct, func, literal, select, true

from tenbin.db import schema as s
from tenbin.demo import truth as t

WINDOW_START = dt.date(2024, 10, 1)  # the CRM and the accounting export start here
FIRST_MONTH = (2024, 10)
LAST_MONTH = (2026, 9)  # the window's last revenue month
WINDOW_MONTHS = 24
MIN_MONTHS = 6  # annualised LTV needs a few months of history


def _month(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


def months_as_customer(since: dt.date) -> int:
    """Monthly lines a customer since ``since`` would have had in the window (none churned): from the
    month after the close, and at most the window's 24 (the accounting export starts with it)."""
    return min((LAST_MONTH[0] - since.year) * 12 + LAST_MONTH[1] - since.month, WINDOW_MONTHS)


def annualised(ltv: float, since: dt.date) -> float | None:
    """Gross profit per year as a customer in the window (churned months count as zero): LTV without
    the bias of tenure, since a customer won late in the window has fewer months to earn."""
    months = months_as_customer(since)
    return 12.0 * ltv / months if months >= MIN_MONTHS else None


def first_anniversary_in_window(since: dt.date) -> int:
    """Month number (year·12 + month − 1) of the first contract anniversary after the window's first
    month (the contract starts the month after the close; an installed customer pays in the first
    month, so an anniversary there was renewed by definition)."""
    start = _month(since) + 1
    years = max(1, (_month(WINDOW_START) - start) // 12 + 1)
    return start + 12 * years


def segment_label() -> Label[str]:
    whens = [(rule.sql(), literal(rule.key)) for rule in t.SEGMENTS]
    return case(*whens, else_=literal(t.OTHER)).label("segment")


def _mean(values: list[float]) -> float | None:
    return float(np.mean(values)) if values else None


def _rate(hit: int, total: int) -> dict[str, Any]:
    return {"n": total, "hits": hit, "rate": hit / total if total else None}


def realised(conn: Connection) -> dict[str, Any]:
    customers = _customers(conn)
    first = _first_touch_counts(conn)
    return {
        "accounts": _account_counts(conn),
        "win_rate": _win_rates(conn),
        "win_rate_window": _win_rates(conn, s.opportunities.c.created_on >= WINDOW_START),
        "installed_base": _installed_base(conn, customers),
        "ltv": _ltv(customers),
        "retention_12m": _retention(customers),
        "icp_rate_by_orientation": _icp_rates(conn, first),
        "future_icp": _future(first),
        "categories": _categories(conn, customers),
        "win_model": _win_model(conn),
    }


def _account_counts(conn: Connection) -> dict[str, int]:
    segment = segment_label()
    return {k: int(v) for k, v in conn.execute(select(segment, func.count()).group_by(segment))}


def _win_rates(conn: Connection, where: ColumnElement[bool] | None = None) -> dict[str, Any]:
    """Won / closed opportunities by segment (all, or those ``where`` selects)."""
    o = s.opportunities
    segment = segment_label()
    query = (
        select(segment, o.c.status, func.count())
        .select_from(o.join(s.accounts, s.accounts.c.id == o.c.account_id))
        .where(o.c.status.in_(("won", "lost")), true() if where is None else where)
        .group_by(segment, o.c.status)
    )
    counts: dict[str, dict[str, int]] = defaultdict(lambda: {"won": 0, "lost": 0})
    for segment, status, n in conn.execute(query):
        counts[segment][status] = int(n)
    return {seg: _rate(c["won"], c["won"] + c["lost"]) for seg, c in sorted(counts.items())}


def _customers(conn: Connection) -> list[tuple[int, str, dt.date, float, dt.date]]:
    """(account id, segment, customer_since, LTV = Σ gross profit (revenue when unknown), last line)."""
    r, a = s.revenue_lines, s.accounts
    query = (
        select(
            a.c.id,
            segment_label(),
            a.c.customer_since,
            func.sum(func.coalesce(r.c.gross_profit, r.c.amount)),
            func.max(r.c.recognized_on),
        )
        .select_from(a.join(r, r.c.account_id == a.c.id))
        .where(a.c.customer_since.is_not(None))
        .group_by(a.c.id, a.c.customer_since, a.c.industry_code, a.c.employees)
        .order_by(a.c.id)
    )
    return [(int(i), seg, since, float(ltv), last) for i, seg, since, ltv, last in conn.execute(query)]


def _ltv(customers: list[tuple[int, str, dt.date, float, dt.date]]) -> dict[str, Any]:
    by: dict[str, list[float]] = defaultdict(list)
    yearly: dict[str, list[float]] = defaultdict(list)
    for _, segment, since, ltv, _ in customers:
        by[segment].append(ltv)
        per_year = annualised(ltv, since)
        if per_year is not None:
            yearly[segment].append(per_year)
    result: dict[str, Any] = {
        seg: {"customers": len(v), "mean": _mean(v), "mean_annualised": _mean(yearly[seg])}
        for seg, v in sorted(by.items())
    }
    mean = {seg: result[seg]["mean"] for seg in result}
    other = mean.get(t.OTHER)
    result["icp_over_other"] = mean[t.ICP.key] / other if other and t.ICP.key in mean else None
    future = mean.get(t.FUTURE_ICP.key)
    result["future_over_icp"] = future / mean[t.ICP.key] if future and t.ICP.key in mean else None
    result["future_over_other"] = future / other if future and other else None
    return result


def _retention(customers: list[tuple[int, str, dt.date, float, dt.date]]) -> dict[str, Any]:
    """Share of customers who renewed at their first contract anniversary inside the window (still
    paying in that month), among those whose anniversary falls in it; by segment, and by cohort."""
    eligible: dict[str, list[bool]] = defaultdict(list)
    cohorts: dict[str, dict[str, list[bool]]] = defaultdict(lambda: defaultdict(list))
    for _, segment, since, _, last in customers:
        anniversary = first_anniversary_in_window(since)
        if anniversary <= _month(dt.date(*LAST_MONTH, 1)):
            renewed = _month(last) >= anniversary
            eligible[segment].append(renewed)
            cohorts["installed" if since < WINDOW_START else "won_in_window"][segment].append(renewed)
    result: dict[str, Any] = {seg: _rate(sum(v), len(v)) for seg, v in sorted(eligible.items())}
    result["by_cohort"] = {
        cohort: {seg: _rate(sum(v), len(v)) for seg, v in sorted(by.items())} for cohort, by in sorted(cohorts.items())
    }
    return result


def _installed_base(conn: Connection, customers: list[tuple[int, str, dt.date, float, dt.date]]) -> dict[str, Any]:
    """Customers won before the window: how many, since when, how many still pay at its end; and
    the migrated deals (closed before the window) with their win rate."""
    end = dt.date(*LAST_MONTH, 1)
    by: dict[str, list[tuple[dt.date, dt.date]]] = defaultdict(list)
    for _, segment, since, _, last in customers:
        if since < WINDOW_START:
            by[segment].append((since, last))
    result: dict[str, Any] = {
        seg: {
            "customers": len(v),
            "since_first": min(s for s, _ in v).isoformat(),
            "since_median": sorted(s for s, _ in v)[len(v) // 2].isoformat(),
            "paying_at_end": _rate(sum(1 for _, last in v if last >= end), len(v)),
        }
        for seg, v in sorted(by.items())
    }
    result["customers"] = sum(len(v) for v in by.values())
    result["migrated_deals"] = _win_rates(conn, s.opportunities.c.closed_on < WINDOW_START)
    leads = s.contacts.c.acquired_at >= WINDOW_START
    installed = s.accounts.c.customer_since < WINDOW_START
    result["leads_in_window_at_installed"] = conn.execute(
        select(func.count()).select_from(s.contacts.join(s.accounts)).where(leads, installed)
    ).scalar_one()
    return result


def _first_touch() -> Any:
    """Each contact's first response (the campaign that acquired the lead)."""
    r = s.responses
    first = select(r.c.contact_id, func.min(r.c.responded_at).label("at")).group_by(r.c.contact_id).subquery()
    return (
        s.contacts.join(first, first.c.contact_id == s.contacts.c.id)
        .join(r, and_(r.c.contact_id == first.c.contact_id, r.c.responded_at == first.c.at))
        .join(s.campaigns, s.campaigns.c.id == r.c.campaign_id)
        .outerjoin(s.accounts, s.accounts.c.id == s.contacts.c.account_id)
    )


def _first_touch_counts(conn: Connection) -> dict[tuple[str, str], int]:
    """Leads by (orientation of the acquiring campaign, segment of their account)."""
    segment = segment_label()
    orientation = s.campaigns.c.orientation
    query = select(orientation, segment, func.count()).select_from(_first_touch()).group_by(orientation, segment)
    return {(o, seg): int(n) for o, seg, n in conn.execute(query)}


def _icp_rates(conn: Connection, first: dict[tuple[str, str], int]) -> dict[str, Any]:
    c = s.campaigns
    joined = (
        s.responses.join(c, c.c.id == s.responses.c.campaign_id)
        .join(s.contacts, s.contacts.c.id == s.responses.c.contact_id)
        .outerjoin(s.accounts, s.accounts.c.id == s.contacts.c.account_id)
    )
    responding = conn.execute(
        select(
            c.c.orientation,
            func.count(distinct(s.contacts.c.id)),
            func.count(distinct(case((t.ICP.sql(), s.contacts.c.id)))),
        )
        .select_from(joined)
        .group_by(c.c.orientation)
    ).all()
    cost = dict(conn.execute(select(c.c.orientation, func.sum(c.c.cost)).group_by(c.c.orientation)).tuples().all())
    result: dict[str, Any] = {"first_touch": {}, "responding": {}, "cost_per_lead": {}, "campaigns": {}}
    for orientation in sorted({o for o, _ in first}):
        n = sum(v for (o, _), v in first.items() if o == orientation)
        result["first_touch"][orientation] = _rate(first.get((orientation, t.ICP.key), 0), n)
        result["cost_per_lead"][orientation] = float(cost[orientation]) / n if n else None
    for orientation, n, hits in responding:
        result["responding"][orientation] = _rate(int(hits), int(n))
    result["campaigns"] = {
        k: int(v) for k, v in conn.execute(select(c.c.orientation, func.count()).group_by(c.c.orientation))
    }
    return result


def _future(first: dict[tuple[str, str], int]) -> dict[str, Any]:
    counts = {o: n for (o, seg), n in sorted(first.items()) if seg == t.FUTURE_ICP.key}
    total = sum(counts.values())
    return {
        "leads": total,
        "by_orientation": counts,
        "quantity_share": counts.get("quantity", 0) / total if total else None,
    }


def _categories(conn: Connection, customers: list[tuple[int, str, dt.date, float, dt.date]]) -> dict[str, Any]:
    """Category shares of challenges at top-LTV-quartile customers vs the other customers, and in
    the ICP segment vs outside it."""
    ch, cat = s.challenges, s.challenge_categories
    rows = conn.execute(
        select(ch.c.account_id, cat.c.name, func.count())
        .select_from(ch.join(cat, cat.c.id == ch.c.category_id).join(s.accounts, s.accounts.c.id == ch.c.account_id))
        .where(s.accounts.c.customer_since.is_not(None))
        .group_by(ch.c.account_id, cat.c.name)
    ).all()
    ltv = {i: annualised(v, since) for i, _, since, v, _ in customers}
    known = {i: v for i, v in ltv.items() if v is not None}
    cutoff = float(np.quantile(list(known.values()), 0.75)) if known else 0.0
    top: dict[str, int] = defaultdict(int)
    rest: dict[str, int] = defaultdict(int)
    for account, name, n in rows:
        if int(account) in known:
            (top if known[int(account)] >= cutoff else rest)[name] += int(n)
    share_top = {k: v / max(sum(top.values()), 1) for k, v in top.items()}
    share_rest = {k: v / max(sum(rest.values()), 1) for k, v in rest.items()}
    ratio = {k: share_top.get(k, 0.0) / share_rest[k] for k in sorted(share_rest) if share_rest[k]}
    label = segment_label()
    segment = conn.execute(
        select(label, cat.c.name, func.count())
        .select_from(ch.join(cat, cat.c.id == ch.c.category_id).join(s.accounts, s.accounts.c.id == ch.c.account_id))
        .group_by(label, cat.c.name)
    ).all()
    totals: dict[str, int] = defaultdict(int)
    for seg, _, n in segment:
        totals[seg] += int(n)
    knowledge = {seg: int(n) / totals[seg] for seg, name, n in segment if name == t.KNOWLEDGE}
    return {
        "ltv_measure": "annualised",
        "top_quartile_ltv_cutoff": cutoff,
        "top_quartile_share_ratio": ratio,
        "knowledge_share_by_segment": knowledge,
    }


def _win_model(conn: Connection) -> dict[str, Any]:
    """Outcomes by consensus and opposition, and a logistic fit of the planted model's features."""
    features = _deal_features(conn)
    if len(features) == 0:
        return {}
    won, support, oppose = features[:, 0], features[:, 1], features[:, 2]

    def rate(selected: np.ndarray) -> dict[str, Any]:
        return _rate(int(won[selected].sum()), int(selected.sum()))

    by_support = {str(int(k)): rate(support == k) for k in np.unique(support)}
    by_oppose = {("oppose" if k else "none"): rate(oppose == k) for k in (0, 1)}
    return {
        "deals": len(features),
        "by_support_roles": by_support,
        "by_any_oppose": by_oppose,
        "fitted": _fit(features),
    }


def _deal_features(conn: Connection) -> np.ndarray:
    """Rows of (won, support roles, any oppose, budget ratio, highest rung) per closed opportunity
    opened in the window (older deals were migrated without the responses that give the rung)."""
    o, b, r, c, off = s.opportunities, s.buying_group_members, s.responses, s.contacts, s.offers
    key_support = case((and_(b.c.stance == "support", b.c.role.in_(t.KEY_ROLES)), b.c.role))
    consensus = dict(
        (int(i), (int(k), int(x)))
        for i, k, x in conn.execute(
            select(o.c.id, func.count(distinct(key_support)), func.max(case((b.c.stance == "oppose", 1), else_=0)))
            .select_from(o.join(b, b.c.opportunity_id == o.c.id))
            .group_by(o.c.id)
        )
    )
    rung = dict(
        conn.execute(
            select(o.c.id, func.max(off.c.ladder_rank))
            .select_from(
                o.join(c, c.c.account_id == o.c.account_id)
                .join(r, r.c.contact_id == c.c.id)
                .join(off, off.c.id == r.c.offer_id)
            )
            .where(func.date(r.c.responded_at) <= o.c.created_on)
            .group_by(o.c.id)
        )
        .tuples()
        .all()
    )
    rows = []
    recorded = o.c.created_on >= WINDOW_START  # the offer ladder exists since the MA tool went live
    for i, status, amount, budget in conn.execute(
        select(o.c.id, o.c.status, o.c.amount, o.c.budget)
        .where(o.c.status.in_(("won", "lost")), recorded)
        .order_by(o.c.id)
    ):
        k, x = consensus.get(int(i), (0, 0))
        rows.append((status == "won", k, x, budget / amount, rung.get(int(i), 1)))
    return np.array(rows, dtype=np.float64)


def _fit(features: np.ndarray) -> dict[str, float] | None:
    """Maximum-likelihood logistic regression (Newton–Raphson / IRLS) of won on the four features."""
    y = features[:, 0]
    x = np.column_stack(
        [
            np.ones(len(y)),
            features[:, 1],
            features[:, 2],
            np.minimum(features[:, 3], t.WIN_MODEL.budget_ratio_cap),
            features[:, 4],
        ]
    )
    beta = np.zeros(x.shape[1])
    for _ in range(50):
        prob = 1.0 / (1.0 + np.exp(-np.clip(x @ beta, -30, 30)))  # no overflow under separation
        hessian = x.T @ (x * (prob * (1 - prob))[:, None]) + 1e-6 * np.eye(x.shape[1])
        step = np.linalg.solve(hessian, x.T @ (y - prob))
        beta += step
        if np.abs(step).max() < 1e-8:
            break
    if not np.all(np.isfinite(beta)):
        return None
    names = ("intercept", "support_roles", "any_oppose", "budget_ratio", "offer_rung")
    return {name: float(v) for name, v in zip(names, beta, strict=True)}
