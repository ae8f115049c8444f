"""The routing service on both databases, with hand-computed expectations (tests/routing_world.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from helpers import count, snapshot
from routing_world import NOW, World, add_lead, add_member, add_team, adopt_icp
from sqlalchemy import Engine, select

from tenbin.db import schema as s
from tenbin.db.engine import write_transaction
from tenbin.errors import TenbinError
from tenbin.routing.service import current_decision, get_decision, route_contact, run_routing


def _route(engine: Engine, lead: int, at: dt.datetime = NOW, trigger: str = "intake") -> object:
    with write_transaction(engine) as conn:
        return route_contact(conn, lead, trigger=trigger, actor="test", now=at)


def _world(engine: Engine) -> World:
    world = World(engine)
    with write_transaction(engine) as conn:
        adopt_icp(conn)
        add_team(conn, world, "アカウント営業", "account_sales")
        add_member(conn, world, "アカウント営業", "青木", day=5)
        add_team(conn, world, "営業", "sales")
        add_member(conn, world, "営業", "佐藤", day=5)
        add_team(conn, world, "IS", "inside_sales")
        add_member(conn, world, "IS", "井上", day=5)
        add_team(conn, world, "デジタル", "digital")  # no members: a shared queue
    return world


def test_each_quadrant_gets_its_action(engine: Engine) -> None:
    world = _world(engine)
    with write_transaction(engine) as conn:
        named = add_lead(conn, world, "named", icp=True, high=True, named=True)
        icp_high = add_lead(conn, world, "icphigh", icp=True, high=True)
        icp_low = add_lead(conn, world, "icplow", icp=True, high=False)
        non_high = add_lead(conn, world, "nonhigh", icp=False, high=True)
        non_low = add_lead(conn, world, "nonlow", icp=False, high=False)
        orphan = add_lead(conn, world, "orphan", icp=True, high=False, account=False)
    expected = {
        named: ("icp_high", "account_sales", "アカウント営業", "青木", False),
        icp_high: ("icp_high", "sales_now", "営業", "佐藤", False),
        icp_low: ("icp_low", "sales_capacity", "営業", "佐藤", False),
        non_high: ("non_icp_high", "digital_sales", "デジタル", None, True),
        non_low: ("non_icp_low", "digital_nurture", "デジタル", None, False),
        orphan: ("non_icp_low", "digital_nurture", "デジタル", None, False),  # no account: not ICP
    }
    for lead, (quadrant, action, team, member, watch) in expected.items():
        d = _route(engine, lead)
        assert (d.quadrant, d.action, d.team_name, d.member_name, d.watch) == (quadrant, action, team, member, watch)
        assert d.trigger == "intake" and d.decided_by == "test" and d.decided_at == NOW
        assert d.reason["ja"] and d.reason["en"] and d.reason["facts"]["quadrant"] == quadrant
    d = _route(engine, icp_high)
    assert d.likelihood == pytest.approx(0.6223, abs=1e-4) and d.band == "high"
    assert "Matches ICP v1" in d.reason["en"] and "佐藤" in d.reason["ja"]
    assert d.reason["facts"]["assigned"]["capacity_day"] == 5


def test_route_contact_is_idempotent(engine: Engine) -> None:
    world = _world(engine)
    with write_transaction(engine) as conn:
        lead = add_lead(conn, world, "a", icp=True, high=True)
    first = _route(engine, lead)
    again = _route(engine, lead, NOW + dt.timedelta(minutes=5))
    assert again.id == first.id and again.decided_at == NOW
    assert count(engine, "routing_decisions") == 1
    with engine.connect() as conn:  # what route_contact answers (from the values it wrote) is what is stored
        assert first == again == get_decision(conn, first.id)


def test_overflow_to_inside_sales_then_unassigned_all_full(engine: Engine) -> None:
    world = World(engine)
    with write_transaction(engine) as conn:
        adopt_icp(conn)
        add_team(conn, world, "営業", "sales")
        add_member(conn, world, "営業", "佐藤", day=1)
        add_team(conn, world, "IS", "inside_sales", day=1)  # the team's own limit binds
        add_member(conn, world, "IS", "井上", day=3)
        leads = [add_lead(conn, world, f"l{i}", icp=True, high=False) for i in range(3)]
    decisions = [_route(engine, lead, NOW + dt.timedelta(minutes=i)) for i, lead in enumerate(leads)]
    assert [(d.action, d.member_name) for d in decisions] == [
        ("sales_capacity", "佐藤"),
        ("inside_sales_overflow", "井上"),
        ("unassigned_full", None),
    ]
    full = decisions[2]
    assert full.team_id is None and "満杯" in full.reason["ja"] and "at capacity" in full.reason["en"]
    assert [st["outcome"] for st in full.reason["facts"]["steps"]] == ["full", "full"]


def test_no_team_of_a_kind_is_unassigned_no_team(engine: Engine) -> None:
    world = World(engine)
    with write_transaction(engine) as conn:
        adopt_icp(conn)
        lead = add_lead(conn, world, "x", icp=False, high=False)
    d = _route(engine, lead)
    assert (d.action, d.team_id) == ("unassigned_no_team", None)


@pytest.mark.parametrize(
    ("capacities", "expected"),
    [
        # equal capacities: round robin, the tie broken by the longest since the last assignment
        ((2, 2, 2), ["A", "B", "C", "A", "B", "C", None]),
        # A 3, B 1: most capacity left first (A, A), then the fewer assignments today (B), then A
        ((3, 1, 0), ["A", "A", "B", "A", None]),
    ],
)
def test_fair_rotation_order(engine: Engine, capacities: tuple[int, int, int], expected: list[str | None]) -> None:
    world = World(engine)
    with write_transaction(engine) as conn:
        adopt_icp(conn)
        add_team(conn, world, "営業", "sales")
        for name, cap in zip("ABC", capacities, strict=True):
            add_member(conn, world, "営業", name, day=cap)
        leads = [add_lead(conn, world, f"l{i}", icp=True, high=False) for i in range(len(expected))]
    got = [_route(engine, lead, NOW + dt.timedelta(minutes=i)).member_name for i, lead in enumerate(leads)]
    assert got == expected


def test_week_capacity_counts_from_monday(engine: Engine) -> None:
    world = World(engine)
    with write_transaction(engine) as conn:
        adopt_icp(conn)
        add_team(conn, world, "営業", "sales")
        add_member(conn, world, "営業", "A", day=5, week=2)
        leads = [add_lead(conn, world, f"l{i}", icp=True, high=False, at=NOW - dt.timedelta(days=3)) for i in range(4)]
    sunday, monday = dt.datetime(2026, 11, 22, 15), dt.datetime(2026, 11, 23, 9)  # the week starts Monday 23rd
    got = [
        _route(engine, leads[0], sunday).member_name,  # last week
        _route(engine, leads[1], monday).member_name,
        _route(engine, leads[2], NOW).member_name,
        _route(engine, leads[3], NOW).member_name,  # week full (2)
    ]
    assert got == ["A", "A", "A", None]


def test_no_adopted_icp_is_a_coded_error(engine: Engine) -> None:
    world = World(engine)
    with write_transaction(engine) as conn:
        lead = add_lead(conn, world, "x", icp=True, high=True)
    before = snapshot(engine)
    with pytest.raises(TenbinError) as caught:
        _route(engine, lead)
    assert caught.value.code == "ROUTING_NO_ICP"
    assert "ICP" in caught.value.message("ja")
    with pytest.raises(TenbinError) as caught:
        run_routing(engine, actor="test", now=NOW)
    assert caught.value.code == "ROUTING_NO_ICP"
    assert snapshot(engine) == before


def test_unknown_lead_and_trigger(engine: Engine) -> None:
    _world(engine)
    with pytest.raises(TenbinError) as caught:
        _route(engine, 999)
    assert caught.value.code == "ROUTING_LEAD_NOT_FOUND"
    with pytest.raises(TenbinError) as caught:
        _route(engine, 1, trigger="override")
    assert caught.value.code == "ROUTING_TRIGGER_INVALID"


def test_batch_routes_icp_high_first_and_is_idempotent(engine: Engine) -> None:
    world = World(engine)
    with write_transaction(engine) as conn:
        adopt_icp(conn)
        add_team(conn, world, "営業", "sales")
        add_member(conn, world, "営業", "A", day=1)
        add_team(conn, world, "IS", "inside_sales")
        add_member(conn, world, "IS", "B")
        low = add_lead(conn, world, "low", icp=True, high=False)  # lower id, but ICP × high goes first
        high = add_lead(conn, world, "high", icp=True, high=True)
        won = add_lead(conn, world, "won", icp=True, high=True)
        stage = conn.execute(select(s.funnel_stages.c.id).where(s.funnel_stages.c.code == "won")).scalar_one()
        conn.execute(s.stage_events.insert().values(contact_id=won, stage_id=stage, entered_at=NOW))
    dry = run_routing(engine, actor="test", now=NOW, dry_run=True)
    assert len(dry.created) == 2 and count(engine, "routing_decisions") == 0
    result = run_routing(engine, actor="test", now=NOW)
    assert result.considered == 2  # the won lead is not open
    with engine.connect() as conn:
        assert current_decision(conn, high).action == "sales_now"  # type: ignore[union-attr]
        assert current_decision(conn, low).action == "inside_sales_overflow"  # type: ignore[union-attr]
        assert current_decision(conn, won) is None
    assert [(r["quadrant"], r["team"], r["count"]) for r in result.summary()] == [("icp_high", "営業", 1),
                                                                                   ("icp_low", "IS", 1)]  # fmt: skip
    again = run_routing(engine, actor="test", now=NOW + dt.timedelta(hours=1))
    assert again.created == [] and count(engine, "routing_decisions") == 2


def test_an_assignment_queues_the_teams_webhook(engine: Engine) -> None:
    world = _world(engine)
    with write_transaction(engine) as conn:
        lead = add_lead(conn, world, "hook", icp=True, high=True)
        other = add_lead(conn, world, "quiet", icp=False, high=False)
        conn.execute(s.webhooks.insert().values(team_id=world.teams["営業"], name="営業Slack", url="https://example.jp/h",
                                                secret="s" * 32, events=["routing.assigned"]))  # fmt: skip
    decided = _route(engine, lead)
    _route(engine, other)  # the digital team has no webhook
    _route(engine, lead)  # unchanged: nothing new to send
    with engine.connect() as conn:
        rows = conn.execute(select(s.webhook_deliveries.c.event, s.webhook_deliveries.c.payload)).all()
    assert [(r.event, r.payload["decision_id"], r.payload["member"]) for r in rows] == [
        ("routing.assigned", decided.id, "佐藤")  # type: ignore[attr-defined]
    ]
