"""Overrides, handled leads, revisit and the views of routing, on both databases."""

from __future__ import annotations

import datetime as dt

import pytest
from helpers import snapshot
from routing_world import NOW, World, add_lead, add_member, add_team, adopt_icp, set_capacity
from sqlalchemy import Engine, select

from tenbin.db import schema as s
from tenbin.db.engine import write_transaction
from tenbin.errors import TenbinError
from tenbin.routing.service import (
    current_decision,
    history,
    mark_handled,
    matrix,
    override_decision,
    queue,
    route_contact,
    run_routing,
    save_routing_settings,
    team_loads,
)


def _world(engine: Engine) -> World:
    world = World(engine)
    with write_transaction(engine) as conn:
        adopt_icp(conn)
        add_team(conn, world, "営業", "sales")
        add_member(conn, world, "営業", "A", day=2)
        add_member(conn, world, "営業", "B", day=1)
        add_team(conn, world, "IS", "inside_sales")
        add_member(conn, world, "IS", "C", day=5)
        add_team(conn, world, "デジタル", "digital")
        for i in range(3):
            add_lead(conn, world, f"icp{i}", icp=True, high=False)
        add_lead(conn, world, "other", icp=False, high=True)
    return world


def _route(engine: Engine, lead: int, at: dt.datetime = NOW) -> object:
    with write_transaction(engine) as conn:
        return route_contact(conn, lead, trigger="intake", actor="test", now=at)


def test_override_is_audited_and_respects_capacity(engine: Engine) -> None:
    world = _world(engine)
    first = _route(engine, world.leads["icp0"])  # → A (2 left)
    second = _route(engine, world.leads["icp1"], NOW + dt.timedelta(minutes=1))  # → B (1 left, fewer today)
    assert (first.member_name, second.member_name) == ("A", "B")  # type: ignore[attr-defined]
    # B is full (1/1): moving icp0 from A to B is refused and nothing is written
    before = snapshot(engine)
    with pytest.raises(TenbinError) as caught:
        override_decision(engine, contact_id=world.leads["icp0"], team="営業", member="B", actor="mgr",
                          reason="得意分野", now=NOW + dt.timedelta(minutes=2))  # fmt: skip
    assert caught.value.code == "ROUTING_MEMBER_FULL"
    assert "1 / 1" in caught.value.message("ja") and "1 of 1 leads today" in caught.value.message("en")
    assert snapshot(engine) == before
    with pytest.raises(TenbinError) as caught:
        override_decision(engine, contact_id=world.leads["icp0"], team="IS", member="C", actor="mgr", reason="  ")
    assert caught.value.code == "ROUTING_REASON_REQUIRED"
    with pytest.raises(TenbinError) as caught:
        override_decision(engine, contact_id=world.leads["icp0"], team="営業", member="A", actor="mgr", reason="x")
    assert caught.value.code == "ROUTING_OVERRIDE_UNCHANGED"
    # B's own lead moved to C: allowed; then icp0 can move to B (B's slot was given back)
    moved = override_decision(engine, contact_id=world.leads["icp1"], team="IS", member="C", actor="mgr",
                              reason="IS で先に電話する", now=NOW + dt.timedelta(minutes=3))  # fmt: skip
    assert (moved.action, moved.trigger, moved.member_name, moved.decided_by) == ("override", "override", "C", "mgr")
    assert moved.overrides_id == second.id and moved.quadrant == "icp_low"  # type: ignore[attr-defined]
    assert "IS で先に電話する" in moved.reason["ja"] and "mgr" in moved.reason["en"]
    again = override_decision(engine, contact_id=world.leads["icp0"], team=str(world.teams["営業"]),
                              member=str(world.members["B"]), actor="mgr", reason="引き継ぎ",
                              now=NOW + dt.timedelta(minutes=4))  # fmt: skip
    assert again.member_name == "B"
    with engine.connect() as conn:
        audit = conn.execute(
            select(s.audit_log.c.action, s.audit_log.c.actor, s.audit_log.c.entity_id, s.audit_log.c.detail)
            .where(s.audit_log.c.action == "routing.override")
            .order_by(s.audit_log.c.id)
        ).all()
        assert [(a.actor, a.entity_id) for a in audit] == [("mgr", str(world.leads["icp1"])),
                                                           ("mgr", str(world.leads["icp0"]))]  # fmt: skip
        assert audit[0].detail["reason"] == "IS で先に電話する" and audit[0].detail["before"]["member"] == "B"
        assert [d.is_current for d in history(conn, world.leads["icp1"])] == [False, True]


def test_mark_handled_stops_the_clock_and_is_audited(engine: Engine) -> None:
    world = _world(engine)
    lead = world.leads["icp0"]
    with pytest.raises(TenbinError) as caught:
        mark_handled(engine, contact_id=lead, actor="A")
    assert caught.value.code == "ROUTING_NO_DECISION"
    _route(engine, lead)
    handled = mark_handled(engine, contact_id=lead, actor="A", now=NOW + dt.timedelta(minutes=30))
    assert handled.handled_at == NOW + dt.timedelta(minutes=30)
    again = mark_handled(engine, contact_id=lead, actor="A", now=NOW + dt.timedelta(hours=5))
    assert again.handled_at == NOW + dt.timedelta(minutes=30)
    with engine.connect() as conn:
        n = conn.execute(select(s.audit_log.c.id).where(s.audit_log.c.action == "routing.handled")).all()
        assert len(n) == 1
        [item] = queue(conn, team_id=world.teams["営業"], now=NOW + dt.timedelta(hours=3))
        # ICP × low: 8 business hours from Wed 10:00 → Wed 18:00 (closing time); handled at 10:30, in time
        assert item.sla_due == dt.datetime(2026, 11, 25, 18, 0) and not item.overdue


def test_queue_sla_loads_and_matrix(engine: Engine) -> None:
    world = _world(engine)
    for i, name in enumerate(["icp0", "icp1", "icp2", "other"]):
        _route(engine, world.leads[name], NOW + dt.timedelta(minutes=i))
    with engine.connect() as conn:
        items = queue(conn, now=NOW + dt.timedelta(hours=2))
        by_lead = {i.lead_name: i for i in items}
        # non-ICP × high: 24 business hours from Wed 10:03: 7:57 on Wed, 9:00 on Thu, 7:03 on Fri → Fri 16:03
        assert by_lead["other"].sla_due == dt.datetime(2026, 11, 27, 16, 3) and by_lead["other"].watch
        assert [i.member_name for i in queue(conn, member_id=world.members["A"])] == ["A", "A"]
        loads = {t.name: t for t in team_loads(conn, NOW)}
        sales = loads["営業"]
        assert (sales.load_day, sales.open) == (3, 3)
        assert [(m.name, m.load_day, m.left) for m in sales.members] == [("A", 2, 0), ("B", 1, 0)]
        assert loads["IS"].members[0].left == 5 and loads["デジタル"].left is None
        cells = matrix(conn)
        assert cells["icp_low"].count == 3 and cells["icp_low"].contact_ids == tuple(
            world.leads[n] for n in ("icp0", "icp1", "icp2")
        )
        assert cells["icp_low"].by_action == {"sales_capacity": 3}
        assert (cells["non_icp_high"].count, cells["non_icp_high"].watch) == (1, 1)
        assert cells["icp_high"].count == 0
    save_routing_settings(engine, sla_hours={"non_icp_high": 2}, actor="admin")
    with engine.connect() as conn:
        other = next(i for i in queue(conn, now=NOW + dt.timedelta(hours=2)) if i.lead_name == "other")
        assert other.sla_due == NOW + dt.timedelta(hours=2, minutes=3) and not other.overdue
        assert next(i for i in queue(conn, now=NOW + dt.timedelta(hours=3)) if i.lead_name == "other").overdue
    with pytest.raises(TenbinError) as caught:
        save_routing_settings(engine, sla_hours={"icp_high": "0"}, actor="admin")
    assert caught.value.code == "ROUTING_SLA_INVALID"


def test_revisit_after_icp_change_and_capacity(engine: Engine) -> None:
    world = _world(engine)
    first = run_routing(engine, actor="batch", now=NOW)
    assert len(first.created) == 4
    with engine.connect() as conn:
        # rotation: A (2 left) → B (1 left, none today) → A
        assert [current_decision(conn, world.leads[f"icp{i}"]).member_name for i in range(3)] == ["A", "B", "A"]  # type: ignore[union-attr]
    # a manager moves icp1 (B) to inside sales; then the ICP changes to industry G: every ICP lead becomes
    # non-ICP (quadrant changes: re-decided, the override too) and "other" becomes ICP × high
    override_decision(engine, contact_id=world.leads["icp1"], team="IS", member="C", actor="mgr", reason="r",
                      now=NOW + dt.timedelta(minutes=1))  # fmt: skip
    with write_transaction(engine) as conn:
        adopt_icp(conn, 'industry = "G"')
    later = NOW + dt.timedelta(hours=1)
    result = run_routing(engine, actor="batch", now=later)
    assert sorted(o.contact_id for o in result.created) == sorted(world.leads.values())
    with engine.connect() as conn:
        other = current_decision(conn, world.leads["other"])
        assert other is not None and (other.quadrant, other.action, other.trigger) == (
            "icp_high",
            "sales_now",
            "revisit",
        )
        # ICP × high goes first: A still holds icp0 and icp2 (2/2), B's lead was moved to C by the override
        assert other.member_name == "B"
        icp1 = current_decision(conn, world.leads["icp1"])
        assert icp1 is not None and (icp1.quadrant, icp1.action) == ("non_icp_low", "digital_nurture")
        assert "ICP v2" in icp1.reason["en"]
    # nothing changed since: a second run writes nothing
    assert run_routing(engine, actor="batch", now=later).created == []
    # capacity: an unassigned lead is assigned once there is room; an override sticks while the quadrant holds
    with write_transaction(engine) as conn:
        adopt_icp(conn)  # back to industry E
        set_capacity(conn, world.members["A"], 0)
        set_capacity(conn, world.members["B"], 0)
        set_capacity(conn, world.members["C"], 0)
    third = run_routing(engine, actor="batch", now=later + dt.timedelta(hours=1))
    with engine.connect() as conn:
        assert {current_decision(conn, world.leads[f"icp{i}"]).action for i in range(3)} == {"unassigned_full"}  # type: ignore[union-attr]
    assert len(third.created) == 4
    with write_transaction(engine) as conn:
        set_capacity(conn, world.members["C"], 1)
    fourth = run_routing(engine, actor="batch", now=later + dt.timedelta(hours=2))
    assert [(o.contact_id, o.action) for o in fourth.created] == [(world.leads["icp0"], "inside_sales_overflow")]
    with engine.connect() as conn:
        kept = conn.execute(select(s.routing_decisions.c.id).where(s.routing_decisions.c.superseded_at.is_(None))).all()
        assert len(kept) == 4
