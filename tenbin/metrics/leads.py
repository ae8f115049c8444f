"""The lead-level relations every metric is built from, as SQLAlchemy Core (nothing is executed here).

Definitions (DOMAIN.md §5):

* **Lead**: a row of ``contacts``; its account is ``contacts.account_id``. A lead is an ICP lead
  when it has an account and the account matches the ICP version; leads without an account are
  non-ICP.
* **Stage membership** ("reached"): every lead is in the first funnel stage (``lead``), reached at
  ``contacts.acquired_at``. A lead reached a later stage S when it has a contact-level stage event
  (``stage_events.contact_id``) for S *or for any stage after S*, at the earliest such event: a lead
  recorded as won without an SQL event still counts as an SQL, so every stage's leads are a subset of
  the previous stage's and stage-to-stage conversions are proportions. Account-level events (no
  ``contact_id``) belong to no lead and are not counted; repeated events count once.
* **First touch**: the lead's earliest response (``responses.responded_at``, ties broken by the lowest
  response id); its campaign gives ``campaign``, ``channel`` and ``orientation``, its offer
  ``offer``. Leads without any response are in the ``(none)`` group; so are first responses without
  an offer for ``offer``.
* **Team**: the team of the lead's owner: ``contacts.owner`` is matched to ``team_members.name``; a
  name that appears in several teams counts for the team with the lowest id, so a lead is in one team
  only. Leads without an owner, or whose owner is not a team member, are in ``(none)``.
* **Industry / size band**: the account's ``industry_code`` and ``employee_band``.
* **Period** (``month`` ``YYYY-MM``, ``quarter`` ``YYYY-Qn``, ``fiscal_year`` 年度 April–March named
  by its starting year): of ``acquired_at``, or, with a stage, of the time the stage was reached.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    FromClause,
    Select,
    String,
    Subquery,
    and_,
    case,
    func,
    literal,
    or_,
    select,
    union_all,
)

from tenbin.db import schema as s
from tenbin.db.sqlfunc import month_of
from tenbin.errors import Place, TenbinError
from tenbin.metrics import errors as e
from tenbin.metrics.model import NONE_KEY
from tenbin.metrics.sqlfunc import fiscal_year_of, quarter_of

CAMPAIGN_DIMENSIONS = frozenset({"campaign", "channel", "orientation"})
FIRST_TOUCH_DIMENSIONS = CAMPAIGN_DIMENSIONS | {"offer"}


@dataclass(frozen=True)
class Funnel:
    """The funnel stages (code, position) in order; the first is every lead."""

    stages: tuple[tuple[str, int], ...]

    @property
    def first(self) -> str:
        return self.stages[0][0]

    def position(self, code: str, field: str = "stage") -> int:
        for stage, position in self.stages:
            if stage == code:
                return position
        allowed = ", ".join(c for c, _ in self.stages)
        raise TenbinError(e.METRICS_UNKNOWN_STAGE, {"stage": code, "allowed": allowed}, Place(field=field))

    def order(self, code: str) -> int:
        """Index of a stage in the funnel (for sorting)."""
        return _stage_index(self.stages)[code]


@lru_cache(maxsize=8)
def _stage_index(stages: tuple[tuple[str, int], ...]) -> dict[str, int]:
    """stage → index (sorting thousands of rows asks :meth:`Funnel.order` for each)."""
    return {stage: i for i, (stage, _) in enumerate(stages)}


def load_funnel(conn: Connection) -> Funnel:
    f = s.funnel_stages
    rows = conn.execute(select(f.c.code, f.c.position).order_by(f.c.position)).all()
    return Funnel(tuple((str(code), int(position)) for code, position in rows))


def first_touch() -> Subquery:
    """contact_id, campaign_id, offer_id of each lead's first response (earliest, then lowest id)."""
    r = s.responses
    order = func.row_number().over(partition_by=r.c.contact_id, order_by=(r.c.responded_at, r.c.id))
    ranked = select(r.c.contact_id, r.c.campaign_id, r.c.offer_id, order.label("touch")).subquery("ranked_responses")
    return (
        select(ranked.c.contact_id, ranked.c.campaign_id, ranked.c.offer_id)
        .where(ranked.c.touch == 1)
        .subquery("first_touch")
    )


def owner_team() -> Subquery:
    """owner (a member's name) → team_id, the lowest team id among the teams with that member name."""
    m = s.team_members
    return select(m.c.name.label("owner"), func.min(m.c.team_id).label("team_id")).group_by(m.c.name).subquery()


def reached_events(funnel: Funnel, only: str | None = None) -> Select[Any]:
    """Select: contact_id, stage (code), reached_at for every later stage each lead reached (see the
    module docstring), or only for stage ``only``."""
    ev, entered, reached = s.stage_events, s.funnel_stages.alias("entered"), s.funnel_stages.alias("reached")
    after_first = reached.c.position > funnel.stages[0][1]
    which = after_first if only is None else reached.c.position == funnel.position(only)
    return (
        select(ev.c.contact_id, reached.c.code.label("stage"), func.min(ev.c.entered_at).label("reached_at"))
        .select_from(
            ev.join(entered, entered.c.id == ev.c.stage_id).join(
                reached, and_(reached.c.position <= entered.c.position, which)
            )
        )
        .where(ev.c.contact_id.is_not(None))
        .group_by(ev.c.contact_id, reached.c.code)
    )


def reach(funnel: Funnel, only: str | None = None) -> Subquery:
    """contact_id, stage, reached_at for every stage each lead reached, the first stage included (or
    only stage ``only``)."""
    c = s.contacts
    first = select(c.c.id.label("contact_id"), literal(funnel.first, String).label("stage"),
                   c.c.acquired_at.label("reached_at"))  # fmt: skip
    if only == funnel.first:
        return first.subquery("reach")
    if only is not None:
        return reached_events(funnel, only).subquery("reach")
    return union_all(first, reached_events(funnel)).subquery("reach")


@dataclass(frozen=True)
class LeadSource:
    """A FROM clause with one row per lead (or per lead and stage reached), the dimension columns
    it provides, and the date its periods are of."""

    source: FromClause
    columns: dict[str, ColumnElement[Any]]
    date: ColumnElement[Any]


def lead_source(needed: set[str], stages: Subquery | None = None) -> LeadSource:
    """Leads (joined to :func:`reach` rows when ``stages`` is given) with their account, and the
    joins the ``needed`` dimensions require."""
    c, a = s.contacts, s.accounts
    source: FromClause = c if stages is None else stages.join(c, c.c.id == stages.c.contact_id)
    source = source.outerjoin(a, a.c.id == c.c.account_id)
    date = c.c.acquired_at if stages is None else stages.c.reached_at
    columns: dict[str, ColumnElement[Any]] = {
        "month": month_of(date), "quarter": quarter_of(date), "fiscal_year": fiscal_year_of(date),
        "industry": a.c.industry_code, "size_band": a.c.employee_band,
    }  # fmt: skip
    if stages is not None:
        columns["stage"] = stages.c.stage
    if needed & FIRST_TOUCH_DIMENSIONS:
        touch = first_touch()
        source = source.outerjoin(touch, touch.c.contact_id == c.c.id)
        if needed & CAMPAIGN_DIMENSIONS:
            source = source.outerjoin(s.campaigns, s.campaigns.c.id == touch.c.campaign_id)
            columns |= {"campaign": s.campaigns.c.name, "channel": s.campaigns.c.channel,
                        "orientation": s.campaigns.c.orientation}  # fmt: skip
        if "offer" in needed:
            source = source.outerjoin(s.offers, s.offers.c.id == touch.c.offer_id)
            columns["offer"] = s.offers.c.name
    if "team" in needed:
        owners = owner_team()
        source = source.outerjoin(owners, owners.c.owner == c.c.owner).outerjoin(
            s.teams, s.teams.c.id == owners.c.team_id
        )
        columns["team"] = s.teams.c.name
    return LeadSource(source, columns, date)


def icp_flag(condition: ColumnElement[bool]) -> ColumnElement[int]:
    """1 for a lead whose account matches the ICP condition, else 0 (no account: 0)."""
    return case((and_(s.accounts.c.id.is_not(None), condition), 1), else_=0)


def filter_conditions(columns: dict[str, ColumnElement[Any]], filters: dict[str, tuple[str, ...]]) -> list[Any]:
    """One condition per filtered dimension; ``(none)`` among the values selects NULL."""
    conditions = []
    for name, values in filters.items():
        column = columns[name]
        named = [v for v in values if v != NONE_KEY]
        parts = [column.in_(named)] if named else []
        if NONE_KEY in values:
            parts.append(column.is_(None))
        conditions.append(or_(*parts))
    return conditions


def period_conditions(
    column: ColumnElement[Any], period_from: dt.date | None, period_to: dt.date | None
) -> list[ColumnElement[bool]]:
    """``period_from ≤ date(column) ≤ period_to`` (inclusive days) on a timestamp column, as range
    conditions an index can serve. The bounds are the last microsecond of the day before and of the
    last day, so that SQLite's text timestamps compare right whether stored with or without
    fractional seconds."""
    conditions = []
    if period_from is not None:
        conditions.append(column > dt.datetime.combine(period_from - dt.timedelta(days=1), dt.time.max))
    if period_to is not None:
        conditions.append(column <= dt.datetime.combine(period_to, dt.time.max))
    return conditions


def day_conditions(
    column: ColumnElement[Any], period_from: dt.date | None, period_to: dt.date | None
) -> list[ColumnElement[bool]]:
    """``period_from ≤ column ≤ period_to`` on a date column."""
    conditions = []
    if period_from is not None:
        conditions.append(column >= period_from)
    if period_to is not None:
        conditions.append(column <= period_to)
    return conditions


def key_text(value: Any) -> str:
    """A group key as text; NULL is the ``(none)`` group."""
    return NONE_KEY if value is None else str(value)
