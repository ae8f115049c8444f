"""The workspace-settings service on SQLite and PostgreSQL: saved values read back, bad input refused
with its code and nothing written, every change audited with its actor and before/after."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from helpers import snapshot
from sqlalchemy import Engine, insert, select

from tenbin.db import schema
from tenbin.errors import TenbinError
from tenbin.imports.specs import CHANNEL_ORIENTATION
from tenbin.workspace import service as ws


def last_audit(engine: Engine) -> dict[str, Any]:
    with engine.connect() as conn:
        row = conn.execute(select(schema.audit_log).order_by(schema.audit_log.c.id.desc()).limit(1)).one()
    return dict(row._mapping)


def refused(engine: Engine, error: str, call: Any, **kwargs: Any) -> None:
    before = snapshot(engine)
    with pytest.raises(TenbinError) as caught:
        call(engine, **kwargs)
    assert caught.value.code == error
    assert snapshot(engine) == before


def test_default_channels_follow_the_import_defaults(engine: Engine) -> None:
    channels = ws.list_channels(engine)
    assert {c.code: c.orientation for c in channels} == CHANNEL_ORIENTATION


def test_stages_add_rename_move_delete_and_audit(engine: Engine) -> None:
    assert [s.code for s in ws.list_stages(engine)] == ["lead", "mql", "sql", "won", "retained"]
    ws.add_stage(engine, code="sal", name_ja="営業受入", name_en="Sales accepted", actor="hanako")
    entry = last_audit(engine)
    assert (entry["actor"], entry["action"], entry["entity_id"]) == ("hanako", "settings.stage.add", "sal")
    assert entry["detail"]["after"]["name_ja"] == "営業受入" and entry["detail"]["before"] is None
    ws.move_stage(engine, code="sal", offset=-1, actor="hanako")
    ws.move_stage(engine, code="sal", offset=-1, actor="hanako")
    assert [s.code for s in ws.list_stages(engine)] == ["lead", "mql", "sql", "sal", "won", "retained"]
    assert [s.position for s in ws.list_stages(engine)] == [1, 2, 3, 4, 5, 6]
    ws.update_stage(engine, code="sal", name_ja="SAL", name_en="SAL", actor="taro")
    entry = last_audit(engine)
    assert entry["detail"]["before"]["name_ja"] == "営業受入" and entry["detail"]["after"]["name_ja"] == "SAL"
    ws.delete_stage(engine, code="sal", actor="taro")
    assert [s.position for s in ws.list_stages(engine)] == [1, 2, 3, 4, 5]
    assert last_audit(engine)["action"] == "settings.stage.delete"


def test_bad_stages_are_refused_and_nothing_is_written(engine: Engine) -> None:
    refused(engine, "SETTINGS_STAGE_CODE_EXISTS", ws.add_stage, code="mql", name_ja="x", name_en="x", actor="a")
    refused(engine, "SETTINGS_STAGE_CODE_INVALID", ws.add_stage, code="Bad Code", name_ja="x", name_en="x", actor="a")
    refused(engine, "SETTINGS_TEXT_INVALID", ws.add_stage, code="ok", name_ja=" ", name_en="x", actor="a")
    refused(engine, "SETTINGS_STAGE_NOT_FOUND", ws.delete_stage, code="nope", actor="a")
    stages = [ws.StageInput("lead", "a", "a"), ws.StageInput("lead", "b", "b")]
    refused(engine, "SETTINGS_STAGE_CODE_EXISTS", ws.save_stages, stages=stages, actor="a")


def test_a_stage_in_use_cannot_be_deleted(engine: Engine) -> None:
    with engine.begin() as conn:
        account = conn.execute(insert(schema.accounts).values(name="A社", name_key="a").returning(schema.accounts.c.id))
        stage = conn.execute(select(schema.funnel_stages.c.id).where(schema.funnel_stages.c.code == "mql")).scalar_one()
        conn.execute(
            insert(schema.stage_events).values(
                account_id=account.scalar_one(), stage_id=stage, entered_at=dt.datetime(2025, 4, 1)
            )
        )
    refused(engine, "SETTINGS_STAGE_IN_USE", ws.delete_stage, code="mql", actor="a")
    keep = [ws.StageInput(s.code, s.name_ja, s.name_en) for s in ws.list_stages(engine) if s.code != "mql"]
    refused(engine, "SETTINGS_STAGE_IN_USE", ws.save_stages, stages=keep, actor="a")


def test_save_stages_reorders_renames_adds_and_removes(engine: Engine) -> None:
    stages = [
        ws.StageInput("mql", "MQL", "MQL"),
        ws.StageInput("lead", "リード", "Lead"),
        ws.StageInput("demo", "デモ", "Demo"),
    ]
    saved = ws.save_stages(engine, stages=stages, actor="a")
    assert [(s.code, s.position, s.name_ja) for s in saved] == [
        ("mql", 1, "MQL"),
        ("lead", 2, "リード"),
        ("demo", 3, "デモ"),
    ]
    assert last_audit(engine)["action"] == "settings.stages.save"


def test_offers_ladder(engine: Engine) -> None:
    offers = ws.list_offers(engine)
    assert [o.ladder_rank for o in offers] == [1, 2, 3, 4, 5]
    added = ws.add_offer(engine, name="無料診断", actor="a")
    assert added.ladder_rank == 6
    ws.move_offer(engine, offer_id=added.id, offset=-5, actor="a")
    assert ws.list_offers(engine)[0].name == "無料診断"
    refused(engine, "SETTINGS_OFFER_EXISTS", ws.add_offer, name="無料診断", actor="a")
    refused(engine, "SETTINGS_OFFER_EXISTS", ws.update_offer, offer_id=offers[0].id, name="無料診断", actor="a")
    first, second = ws.list_offers(engine)[:2]
    swapped = [ws.OfferInput(second.name, None, first.id), ws.OfferInput(first.name, None, second.id)]
    saved = ws.save_offers(engine, offers=swapped, actor="a")  # names swap; the other offers are removed
    assert [(o.id, o.name) for o in saved] == [(first.id, second.name), (second.id, first.name)]
    ws.delete_offer(engine, offer_id=first.id, actor="a")
    assert [o.ladder_rank for o in ws.list_offers(engine)] == [1]
    assert last_audit(engine)["detail"]["before"]["id"] == first.id


def test_channels_saved_and_validated(engine: Engine) -> None:
    ws.add_channel(engine, channel=ws.Channel("テレアポ", "テレアポ", "Cold calls", "quality"), actor="a")
    entry = last_audit(engine)
    assert entry["action"] == "settings.channel.add" and len(entry["detail"]["after"]) == len(CHANNEL_ORIENTATION) + 1
    ws.update_channel(engine, channel=ws.Channel("展示会", "展示会", "Trade shows", "quality"), actor="a")
    assert next(c for c in ws.list_channels(engine) if c.code == "展示会").orientation == "quality"
    refused(
        engine, "SETTINGS_ORIENTATION_INVALID", ws.update_channel,
        channel=ws.Channel("展示会", "展示会", "x", "both"), actor="a",
    )  # fmt: skip
    refused(
        engine, "SETTINGS_CHANNEL_EXISTS", ws.add_channel, channel=ws.Channel("紹介", "紹介", "x", "quality"), actor="a"
    )
    ws.delete_channel(engine, code="テレアポ", actor="a")
    assert "テレアポ" not in {c.code for c in ws.list_channels(engine)}


def test_targets_saved_and_validated(engine: Engine) -> None:
    assert ws.get_targets(engine).icp_rate == ws.Band(30.0, 50.0)
    ws.save_targets(
        engine, icp_rate=("25", "45.5"), stage_bands={"sql": (40, 60)}, leads_per_month="1,200", actor="hanako"
    )
    targets = ws.get_targets(engine)
    assert targets.icp_rate == ws.Band(25.0, 45.5) and targets.stage_bands == {"sql": ws.Band(40.0, 60.0)}
    assert targets.leads_per_month == 1200 and targets.opportunities_per_month is None
    entry = last_audit(engine)
    assert entry["detail"]["before"]["icp_rate"] == {"low": 30.0, "high": 50.0}
    assert entry["detail"]["after"]["icp_rate"] == {"low": 25.0, "high": 45.5}
    refused(engine, "SETTINGS_BAND_INVALID", ws.save_targets, icp_rate=(50, 50), actor="a")
    refused(engine, "SETTINGS_BAND_INVALID", ws.save_targets, icp_rate=(-1, 50), actor="a")
    refused(engine, "SETTINGS_BAND_INVALID", ws.save_targets, icp_rate=("x", 50), actor="a")
    refused(engine, "SETTINGS_BAND_INVALID", ws.save_targets, icp_rate=(10, 101), actor="a")
    refused(engine, "SETTINGS_VOLUME_INVALID", ws.save_targets, icp_rate=(10, 20), leads_per_month=-5, actor="a")
    refused(
        engine,
        "SETTINGS_TARGET_STAGE_UNKNOWN",
        ws.save_targets,
        icp_rate=(10, 20),
        stage_bands={"x": (1, 2)},
        actor="a",
    )


def test_teams_and_members(engine: Engine) -> None:
    team = ws.add_team(engine, name="東京営業部", kind="sales", capacity_per_day="20", actor="hanako")
    assert (team.capacity_per_day, team.capacity_per_week, team.members) == (20, None, 0)
    member = ws.add_member(
        engine, team_id=team.id, name="山田 太郎", email="yamada@example.jp", capacity_per_day=5, actor="a"
    )
    assert ws.get_team(engine, team_id=team.id).members == 1
    entry = last_audit(engine)
    assert (entry["action"], entry["entity_id"], entry["detail"]["team"]) == (
        "team.member.add",
        str(member.id),
        "東京営業部",
    )
    updated = ws.update_member(
        engine, team_id=team.id, member_id=member.id, name="山田 太郎", is_active=False, capacity_per_day=3, actor="a"
    )
    assert not updated.is_active and updated.capacity_per_day == 3 and updated.email is None
    assert ws.get_team(engine, team_id=team.id).members == 0
    refused(engine, "SETTINGS_TEAM_EXISTS", ws.add_team, name="東京営業部", kind="sales", actor="a")
    refused(engine, "SETTINGS_TEAM_KIND_INVALID", ws.add_team, name="x", kind="marketing", actor="a")
    refused(engine, "SETTINGS_CAPACITY_INVALID", ws.add_team, name="x", kind="sales", capacity_per_day=-1, actor="a")
    refused(
        engine,
        "SETTINGS_CAPACITY_INVALID",
        ws.add_member,
        team_id=team.id,
        name="x",
        capacity_per_week="1.5",
        actor="a",
    )
    refused(engine, "SETTINGS_MEMBER_EXISTS", ws.add_member, team_id=team.id, name="山田 太郎", actor="a")
    refused(engine, "SETTINGS_EMAIL_INVALID", ws.add_member, team_id=team.id, name="y", email="not-an-email", actor="a")
    refused(engine, "SETTINGS_USER_NOT_FOUND", ws.add_member, team_id=team.id, name="y", user_id=999, actor="a")
    refused(engine, "SETTINGS_TEAM_NOT_FOUND", ws.add_member, team_id=999, name="y", actor="a")
    assert [m.name for m in ws.list_members(engine, team_id=team.id, offset=0, limit=10)] == ["山田 太郎"]
    ws.delete_team(engine, team_id=team.id, actor="a")
    assert ws.count_teams(engine) == 0
    assert last_audit(engine)["detail"]["before"]["members_deleted"] == 1
