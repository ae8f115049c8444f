"""Teams (sales, account sales, inside sales, digital) with their capacities, and their members."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import Connection, Engine, Select, delete, func, insert, select, update

from tenbin.auth import audit
from tenbin.db import schema
from tenbin.db.engine import write_transaction
from tenbin.errors import Place, TenbinError
from tenbin.workspace.common import clean_count, clean_email, required_text
from tenbin.workspace.errors import (
    SETTINGS_MEMBER_EXISTS,
    SETTINGS_MEMBER_NOT_FOUND,
    SETTINGS_TEAM_EXISTS,
    SETTINGS_TEAM_KIND_INVALID,
    SETTINGS_TEAM_NOT_FOUND,
    SETTINGS_USER_NOT_FOUND,
)

TEAM_KINDS = ("sales", "account_sales", "inside_sales", "digital")
teams_t = schema.teams
members_t = schema.team_members


@dataclass(frozen=True)
class Team:
    id: int
    name: str
    kind: str
    capacity_per_day: int | None
    capacity_per_week: int | None
    members: int = 0  # active members


@dataclass(frozen=True)
class Member:
    id: int
    team_id: int
    name: str
    email: str | None
    capacity_per_day: int | None
    capacity_per_week: int | None
    is_active: bool
    user_id: int | None


def _team_query() -> Select[Any]:
    active = (
        select(func.count())
        .where(members_t.c.team_id == teams_t.c.id, members_t.c.is_active.is_(True))
        .scalar_subquery()
        .label("members")
    )
    return select(teams_t, active)


def _team(conn: Connection, team_id: int) -> Team:
    row = conn.execute(_team_query().where(teams_t.c.id == team_id)).first()
    if row is None:
        raise TenbinError(SETTINGS_TEAM_NOT_FOUND, {"team_id": team_id})
    return Team(row.id, row.name, row.kind, row.capacity_per_day, row.capacity_per_week, int(row.members))


def _team_dict(team: Team) -> dict[str, object]:
    return {k: v for k, v in asdict(team).items() if k != "members"}


def _clean_team(name: object, kind: object, per_day: object, per_week: object) -> dict[str, object]:
    kind_text = str(kind or "").strip()
    if kind_text not in TEAM_KINDS:
        raise TenbinError(
            SETTINGS_TEAM_KIND_INVALID, {"kind": kind_text, "kinds": ", ".join(TEAM_KINDS)}, Place(field="kind")
        )
    return {
        "name": required_text(name, "name", 200),
        "kind": kind_text,
        "capacity_per_day": clean_count(per_day, "capacity_per_day"),
        "capacity_per_week": clean_count(per_week, "capacity_per_week"),
    }


def _refuse_team_name(conn: Connection, name: object, team_id: int | None) -> None:
    query = select(teams_t.c.id).where(teams_t.c.name == name)
    if team_id is not None:
        query = query.where(teams_t.c.id != team_id)
    if conn.execute(query).first() is not None:
        raise TenbinError(SETTINGS_TEAM_EXISTS, {"name": name}, Place(field="name"))


def list_teams(engine: Engine, *, offset: int = 0, limit: int | None = None) -> list[Team]:
    with engine.connect() as conn:
        query = _team_query().order_by(teams_t.c.name, teams_t.c.id).offset(offset).limit(limit)
        return [
            Team(r.id, r.name, r.kind, r.capacity_per_day, r.capacity_per_week, int(r.members))
            for r in conn.execute(query)
        ]


def count_teams(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(teams_t)).scalar_one())


def get_team(engine: Engine, *, team_id: int) -> Team:
    with engine.connect() as conn:
        return _team(conn, team_id)


def add_team(
    engine: Engine,
    *,
    name: str,
    kind: str,
    actor: str,
    capacity_per_day: object = None,
    capacity_per_week: object = None,
) -> Team:
    values = _clean_team(name, kind, capacity_per_day, capacity_per_week)
    with write_transaction(engine) as conn:
        _refuse_team_name(conn, values["name"], None)
        team_id = conn.execute(insert(teams_t).values(**values).returning(teams_t.c.id)).scalar_one()
        team = _team(conn, team_id)
        audit.record(
            conn, actor=actor, action="team.add", entity="team", entity_id=team_id,
            detail={"before": None, "after": _team_dict(team)},
        )  # fmt: skip
    return team


def update_team(
    engine: Engine,
    *,
    team_id: int,
    name: str,
    kind: str,
    actor: str,
    capacity_per_day: object = None,
    capacity_per_week: object = None,
) -> Team:
    values = _clean_team(name, kind, capacity_per_day, capacity_per_week)
    with write_transaction(engine) as conn:
        before = _team(conn, team_id)
        _refuse_team_name(conn, values["name"], team_id)
        conn.execute(
            update(teams_t).where(teams_t.c.id == team_id).values(**values, updated_at=func.current_timestamp())
        )
        after = _team(conn, team_id)
        audit.record(
            conn, actor=actor, action="team.update", entity="team", entity_id=team_id,
            detail={"before": _team_dict(before), "after": _team_dict(after)},
        )  # fmt: skip
    return after


def delete_team(engine: Engine, *, team_id: int, actor: str) -> None:
    """Delete a team and its members (routing decisions keep their history, without the team)."""
    with write_transaction(engine) as conn:
        team = _team(conn, team_id)
        members = conn.execute(select(func.count()).where(members_t.c.team_id == team_id)).scalar_one()
        conn.execute(delete(members_t).where(members_t.c.team_id == team_id))
        conn.execute(delete(teams_t).where(teams_t.c.id == team_id))
        audit.record(
            conn, actor=actor, action="team.delete", entity="team", entity_id=team_id,
            detail={"before": {**_team_dict(team), "members_deleted": members}, "after": None},
        )  # fmt: skip


# -- members ----------------------------------------------------------------------------------------
def _member(conn: Connection, team_id: int, member_id: int) -> Member:
    row = conn.execute(select(members_t).where(members_t.c.id == member_id, members_t.c.team_id == team_id)).first()
    if row is None:
        raise TenbinError(SETTINGS_MEMBER_NOT_FOUND, {"team_id": team_id, "member_id": member_id})
    return _member_of(row)


def _member_of(row: object) -> Member:
    m = row._mapping  # type: ignore[attr-defined]
    return Member(
        m["id"], m["team_id"], m["name"], m["email"], m["capacity_per_day"], m["capacity_per_week"],
        bool(m["is_active"]), m["user_id"],
    )  # fmt: skip


def _clean_member(conn: Connection, team: Team, member_id: int | None, fields: dict[str, object]) -> dict[str, object]:
    values: dict[str, object] = {
        "name": required_text(fields.get("name"), "name", 200),
        "email": clean_email(fields.get("email")),
        "capacity_per_day": clean_count(fields.get("capacity_per_day"), "capacity_per_day"),
        "capacity_per_week": clean_count(fields.get("capacity_per_week"), "capacity_per_week"),
        "is_active": bool(fields.get("is_active", True)),
        "user_id": _user_id(conn, fields.get("user_id")),
    }
    query = select(members_t.c.id).where(members_t.c.team_id == team.id, members_t.c.name == values["name"])
    if member_id is not None:
        query = query.where(members_t.c.id != member_id)
    if conn.execute(query).first() is not None:
        raise TenbinError(SETTINGS_MEMBER_EXISTS, {"team": team.name, "name": values["name"]}, Place(field="name"))
    return values


def _user_id(conn: Connection, value: object) -> int | None:
    """A user by id or username; None for empty."""
    if value is None or value == "":
        return None
    users = schema.users
    text = str(value).strip()
    condition = users.c.id == int(text) if text.isdigit() else users.c.username == text
    found = conn.execute(select(users.c.id).where(condition)).scalar_one_or_none()
    if found is None:
        raise TenbinError(SETTINGS_USER_NOT_FOUND, {"user": text}, Place(field="user_id"))
    return int(found)


def list_members(engine: Engine, *, team_id: int, offset: int = 0, limit: int | None = None) -> list[Member]:
    with engine.connect() as conn:
        _team(conn, team_id)
        query = (
            select(members_t)
            .where(members_t.c.team_id == team_id)
            .order_by(members_t.c.name, members_t.c.id)
            .offset(offset)
            .limit(limit)
        )
        return [_member_of(r) for r in conn.execute(query)]


def count_members(engine: Engine, *, team_id: int) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).where(members_t.c.team_id == team_id)).scalar_one())


def get_member(engine: Engine, *, team_id: int, member_id: int) -> Member:
    with engine.connect() as conn:
        return _member(conn, team_id, member_id)


def add_member(
    engine: Engine,
    *,
    team_id: int,
    name: str,
    actor: str,
    email: str | None = None,
    capacity_per_day: object = None,
    capacity_per_week: object = None,
    is_active: bool = True,
    user_id: object = None,
) -> Member:
    """A new member of a team; ``user_id`` (id or username) links them to a tenbin user."""
    fields = {
        "name": name, "email": email, "capacity_per_day": capacity_per_day,
        "capacity_per_week": capacity_per_week, "is_active": is_active, "user_id": user_id,
    }  # fmt: skip
    with write_transaction(engine) as conn:
        team = _team(conn, team_id)
        values = _clean_member(conn, team, None, fields)
        member_id = conn.execute(
            insert(members_t).values(team_id=team_id, **values).returning(members_t.c.id)
        ).scalar_one()
        member = _member(conn, team_id, member_id)
        audit.record(
            conn, actor=actor, action="team.member.add", entity="team_member", entity_id=member_id,
            detail={"team": team.name, "before": None, "after": asdict(member)},
        )  # fmt: skip
    return member


def update_member(
    engine: Engine,
    *,
    team_id: int,
    member_id: int,
    name: str,
    actor: str,
    email: str | None = None,
    capacity_per_day: object = None,
    capacity_per_week: object = None,
    is_active: bool = True,
    user_id: object = None,
) -> Member:
    fields = {
        "name": name, "email": email, "capacity_per_day": capacity_per_day,
        "capacity_per_week": capacity_per_week, "is_active": is_active, "user_id": user_id,
    }  # fmt: skip
    with write_transaction(engine) as conn:
        team = _team(conn, team_id)
        before = _member(conn, team_id, member_id)
        values = _clean_member(conn, team, member_id, fields)
        conn.execute(
            update(members_t).where(members_t.c.id == member_id).values(**values, updated_at=func.current_timestamp())
        )
        after = _member(conn, team_id, member_id)
        audit.record(
            conn, actor=actor, action="team.member.update", entity="team_member", entity_id=member_id,
            detail={"team": team.name, "before": asdict(before), "after": asdict(after)},
        )  # fmt: skip
    return after


def delete_member(engine: Engine, *, team_id: int, member_id: int, actor: str) -> None:
    with write_transaction(engine) as conn:
        team = _team(conn, team_id)
        before = _member(conn, team_id, member_id)
        conn.execute(delete(members_t).where(members_t.c.id == member_id))
        audit.record(
            conn, actor=actor, action="team.member.delete", entity="team_member", entity_id=member_id,
            detail={"team": team.name, "before": asdict(before), "after": None},
        )  # fmt: skip
