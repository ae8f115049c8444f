"""Step-up conversion on the offer ladder, ICP vs non-ICP, counted in one SQL statement.

Definitions (DOMAIN.md §7, "measure step-up conversion between rungs, ICP vs non-ICP"):

* **Rung**: a distinct ``offers.ladder_rank`` (offers sharing a rank are one rung); the ladder is
  the workspace's offers, editable under Settings. Responses without an offer are not on the ladder.
* **Subject**: a lead (``responses.contact_id``) or an account (the contacts' ``account_id``; an
  account's responses are its contacts' responses; leads without an account are left out).
* A subject **stood at rung r** when at some moment r was the highest rung it had reached: its
  first response at r came strictly before its first response at any higher rung (a lead whose first
  response at r and first response higher have the same timestamp jumped over r). Each subject that
  stood at r counts once for r, in the period of its first response at r (``period_from`` ≤ day ≤
  ``period_to``, the responses' time).
* **Stepped up**: it later reached any higher rung (at any time after, also after the period);
  **next rung**: it reached the next higher rung (the next distinct rank) later.
* **ICP**: a lead is ICP when its account matches the ICP version (``tenbin.metrics.leads.icp_flag``);
  an account when it matches. Without a current ICP version every subject is counted as non-ICP and
  the result says so (``icp_version`` is ``None``).
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, and_, case, func, literal, or_, select

from tenbin.db import schema as s
from tenbin.metrics.leads import icp_flag, period_conditions
from tenbin.metrics.rates import Comparison, Proportion, compare, proportion

SUBJECTS = ("lead", "account")


@dataclass(frozen=True)
class Rung:
    rank: int
    offers: tuple[str, ...]  # the offers at this rank, in id order


def load_rungs(conn: Connection) -> tuple[Rung, ...]:
    """The ladder's rungs, furthest from purchase first."""
    rows = conn.execute(select(s.offers.c.ladder_rank, s.offers.c.name).order_by(s.offers.c.ladder_rank, s.offers.c.id))
    grouped: dict[int, list[str]] = {}
    for rank, name in rows:
        grouped.setdefault(int(rank), []).append(str(name))
    return tuple(Rung(rank, tuple(names)) for rank, names in grouped.items())


def _next_rank(rank: ColumnElement[Any], rungs: tuple[Rung, ...]) -> ColumnElement[Any]:
    pairs = [(rank == a.rank, literal(b.rank)) for a, b in itertools.pairwise(rungs)]
    return case(*pairs, else_=None) if pairs else literal(None)


def step_up_counts(
    rungs: tuple[Rung, ...],
    by: str,
    condition: ColumnElement[bool] | None,
    period_from: dt.date | None,
    period_to: dt.date | None,
) -> Select[Any]:
    """Rows ``(rank, icp, total, higher, next)``: subjects that stood at the rung, how many later
    reached any higher rung and how many the next rung, per ICP flag (0/1)."""
    r, o, c = s.responses, s.offers, s.contacts
    if by == "lead":
        subject = r.c.contact_id
        source = r.join(o, o.c.id == r.c.offer_id)
        where: list[Any] = []
    else:
        subject = c.c.account_id
        source = r.join(o, o.c.id == r.c.offer_id).join(c, c.c.id == r.c.contact_id)
        where = [c.c.account_id.is_not(None)]
    firsts = (
        select(subject.label("subject"), o.c.ladder_rank.label("rank"), func.min(r.c.responded_at).label("first_at"))
        .select_from(source)
        .where(*where)
        .group_by(subject, o.c.ladder_rank)
        .subquery("firsts")
    )
    # per subject: the first time at any higher rung (a running minimum from the top down, this rung
    # excluded) and the next rung it ever reached (window functions: one pass, no self-join)
    higher = func.min(firsts.c.first_at).over(
        partition_by=firsts.c.subject, order_by=firsts.c.rank.desc(), rows=(None, -1)
    )
    above = func.lead(firsts.c.rank).over(partition_by=firsts.c.subject, order_by=firsts.c.rank)
    held = select(
        firsts.c.subject, firsts.c.rank, firsts.c.first_at, higher.label("first_higher"), above.label("above")
    ).subquery("held")
    reached_next = and_(held.c.above.is_not(None), held.c.above == _next_rank(held.c.rank, rungs))
    joined: Any = held
    if by == "lead":
        joined = joined.outerjoin(c, c.c.id == held.c.subject).outerjoin(s.accounts, s.accounts.c.id == c.c.account_id)
        icp: ColumnElement[Any] = literal(0) if condition is None else icp_flag(condition)
    else:
        joined = joined.join(s.accounts, s.accounts.c.id == held.c.subject)
        icp = literal(0) if condition is None else case((condition, 1), else_=0)
    stood = or_(held.c.first_higher.is_(None), held.c.first_higher > held.c.first_at)
    icp = icp.label("icp")
    return (
        select(
            held.c.rank,
            icp,
            func.count().label("total"),
            func.sum(case((held.c.first_higher.is_not(None), 1), else_=0)).label("higher"),
            func.sum(case((reached_next, 1), else_=0)).label("next"),
        )
        .select_from(joined)
        .where(stood, *period_conditions(held.c.first_at, period_from, period_to))
        .group_by(held.c.rank, icp)
    )


@dataclass(frozen=True)
class LadderStep:
    """One rung: who stood at it and how many stepped up (any higher rung, and the next rung), overall
    and ICP vs non-ICP with Wilson intervals and the one-sided Fisher p of "ICP steps up more"."""

    rank: int
    offers: tuple[str, ...]
    next_rank: int | None  # None on the top rung (nothing to step up to)
    next_offers: tuple[str, ...]
    higher_all: Proportion
    next_all: Proportion
    higher: Comparison
    next: Comparison


@dataclass(frozen=True)
class LadderResult:
    by: str  # "lead" | "account"
    icp_version: int | None  # None: no current ICP version, everyone counted as non-ICP
    period_from: dt.date | None
    period_to: dt.date | None
    steps: tuple[LadderStep, ...]

    @property
    def subjects(self) -> int:
        """Subjects counted on any rung (one subject may stand at several rungs over time)."""
        return sum(step.higher_all.total for step in self.steps)


def assemble(rungs: tuple[Rung, ...], rows: list[Any]) -> tuple[LadderStep, ...]:
    """The steps from the counted rows (pure): every rung appears, counted or not."""
    counts: dict[tuple[int, int], tuple[int, int, int]] = {}
    for rank, icp, total, higher, nxt in rows:
        counts[(int(rank), int(icp))] = (int(total), int(higher or 0), int(nxt or 0))
    steps = []
    for index, rung in enumerate(rungs):
        upper = rungs[index + 1] if index + 1 < len(rungs) else None
        i_total, i_higher, i_next = counts.get((rung.rank, 1), (0, 0, 0))
        n_total, n_higher, n_next = counts.get((rung.rank, 0), (0, 0, 0))
        steps.append(
            LadderStep(
                rung.rank,
                rung.offers,
                None if upper is None else upper.rank,
                () if upper is None else upper.offers,
                proportion(i_higher + n_higher, i_total + n_total),
                proportion(i_next + n_next, i_total + n_total),
                compare(i_higher, i_total, n_higher, n_total),
                compare(i_next, i_total, n_next, n_total),
            )
        )
    return tuple(steps)
