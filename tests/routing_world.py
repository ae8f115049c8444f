"""A declared routing workspace (tests of the routing slice): an adopted ICP version
(``industry = "E"``), teams and members with capacities, and leads whose quadrant is planted.

* ICP leads have an account in industry E, non-ICP leads one in G (or no account).
* Likely leads ("high") responded with 見積もり依頼 (ladder rank 5) an hour before NOW and their
  decision maker supports: logit −3 + 0.5×5 + 0.5 + 0.5×2^(−1/720) ≈ 0.4995 → p ≈ 0.622 ≥ 0.5.
  Unlikely leads ("low") have no response and no buying group: p = 1/(1+e³) ≈ 0.047.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import Connection, Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from tenbin.db import schema as s

NOW = dt.datetime(2026, 11, 25, 10, 0)  # a Wednesday
ICP_RULE = 'industry = "E"'


@dataclass
class World:
    engine: Engine
    teams: dict[str, int] = field(default_factory=dict)
    members: dict[str, int] = field(default_factory=dict)
    leads: dict[str, int] = field(default_factory=dict)


def adopt_icp(conn: Connection, rules: str = ICP_RULE) -> int:
    """A new ICP version, made current (as the ICP workbench's adopt does)."""
    v = s.icp_versions
    number = int(conn.execute(select(v.c.version).order_by(v.c.version.desc()).limit(1)).scalar() or 0) + 1
    conn.execute(update(v).values(is_current=False))
    conn.execute(insert(v).values(version=number, name=f"ICP v{number}", rules=rules, is_current=True))
    return number


def add_team(
    conn: Connection, world: World, name: str, kind: str, day: int | None = None, week: int | None = None
) -> int:
    team_id = conn.execute(
        insert(s.teams)
        .values(name=name, kind=kind, capacity_per_day=day, capacity_per_week=week)
        .returning(s.teams.c.id)
    ).scalar_one()
    world.teams[name] = int(team_id)
    return int(team_id)


def add_member(
    conn: Connection, world: World, team: str, name: str, day: int | None = None, week: int | None = None,
    active: bool = True,
) -> int:  # fmt: skip
    member_id = conn.execute(
        insert(s.team_members)
        .values(team_id=world.teams[team], name=name, capacity_per_day=day, capacity_per_week=week, is_active=active)
        .returning(s.team_members.c.id)
    ).scalar_one()
    world.members[name] = int(member_id)
    return int(member_id)


def _campaign(conn: Connection) -> int:
    found = conn.execute(select(s.campaigns.c.id).where(s.campaigns.c.name == "展示会2026")).scalar()
    if found is not None:
        return int(found)
    try:  # several threads may create it at once (PostgreSQL): the loser reads the winner's row
        with conn.begin_nested():
            return int(
                conn.execute(
                    insert(s.campaigns)
                    .values(name="展示会2026", channel="展示会", orientation="quantity")
                    .returning(s.campaigns.c.id)
                ).scalar_one()
            )
    except IntegrityError:
        return int(conn.execute(select(s.campaigns.c.id).where(s.campaigns.c.name == "展示会2026")).scalar_one())


def add_lead(
    conn: Connection, world: World, name: str, *, icp: bool, high: bool, named: bool = False,
    account: bool = True, at: dt.datetime = NOW,
) -> int:  # fmt: skip
    """A lead planted in its quadrant (each lead has its own account, so likelihood signals do not mix)."""
    account_id = None
    if account:
        account_id = conn.execute(
            insert(s.accounts)
            .values(name=f"{name}株式会社", name_key=name, industry_code="E" if icp else "G", is_named_account=named)
            .returning(s.accounts.c.id)
        ).scalar_one()
    contact_id = int(
        conn.execute(
            insert(s.contacts)
            .values(account_id=account_id, last_name=name, email=f"{name}@example.jp",
                    acquired_at=at - dt.timedelta(hours=2))
            .returning(s.contacts.c.id)
        ).scalar_one()
    )  # fmt: skip
    if high:
        offer = conn.execute(select(s.offers.c.id).where(s.offers.c.ladder_rank == 5)).scalar_one()
        conn.execute(insert(s.responses).values(contact_id=contact_id, campaign_id=_campaign(conn), offer_id=offer,
                                                responded_at=at - dt.timedelta(hours=1)))  # fmt: skip
        if account_id is not None:
            conn.execute(insert(s.buying_group_members).values(contact_id=contact_id, account_id=account_id,
                                                               role="decision_maker", stance="support"))  # fmt: skip
    world.leads[name] = contact_id
    return contact_id


def set_capacity(conn: Connection, member_id: int, day: int | None, week: int | None = None) -> None:
    conn.execute(
        update(s.team_members)
        .where(s.team_members.c.id == member_id)
        .values(capacity_per_day=day, capacity_per_week=week)
    )
