"""``tenbin route`` on both databases: batch with its summary, history, override, handled, queue, errors."""

from __future__ import annotations

import json
from typing import Any

import pytest
from helpers import count
from routing_world import World, add_lead, add_member, add_team, adopt_icp
from sqlalchemy import Engine, select, update

from tenbin.cli import common
from tenbin.cli.common import out as console
from tenbin.cli.main import main
from tenbin.db import schema as s
from tenbin.db.engine import make_engine, write_transaction


@pytest.fixture
def run(db_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Any:
    """The CLI in-process (as tests/integration/test_cli_balance.py), its engine disposed after each command."""
    monkeypatch.setattr(console, "_width", 300)
    opened: list[Engine] = []

    def make(url: str) -> Engine:
        opened.append(make_engine(url))
        return opened[-1]

    monkeypatch.setattr(common, "make_engine", make)

    def call(*args: str) -> tuple[int, str, str]:
        try:
            code = main(["--database", db_url, "--lang", "en", *args])
        finally:
            while opened:
                opened.pop().dispose()
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return call


def _flat(text: str) -> str:
    """Rich wraps lines at the terminal width."""
    return " ".join(text.split())


def _world(engine: Engine, icp: bool = True) -> World:
    world = World(engine)
    with write_transaction(engine) as conn:
        if icp:
            adopt_icp(conn)
        add_team(conn, world, "営業", "sales")
        add_member(conn, world, "営業", "佐藤", day=1)
        add_member(conn, world, "営業", "鈴木", day=1)
        add_team(conn, world, "IS", "inside_sales")
        add_member(conn, world, "IS", "井上")
        add_lead(conn, world, "hot", icp=True, high=True)
        add_lead(conn, world, "warm", icp=True, high=False)
        add_lead(conn, world, "cold", icp=False, high=False)  # no digital team: unassigned_no_team
    return world


def test_route_batch_show_override_handled(engine: Engine, run: Any) -> None:
    world = _world(engine)
    code, out, _ = run("route", "--dry-run", "--now", "2026-11-25 10:00")
    assert code == 0 and "dry run: nothing written" in _flat(out) and count(engine, "routing_decisions") == 0
    code, out, _ = run("route", "--json", "--now", "2026-11-25 10:00")
    body = json.loads(out)
    assert (code, body["considered"], body["created"], body["unassigned"]) == (0, 3, 3, 1)
    assert [(r["quadrant"], r["team"], r["action"], r["count"]) for r in body["summary"]] == [
        ("icp_high", "営業", "sales_now", 1),
        ("icp_low", "営業", "sales_capacity", 1),
        ("non_icp_low", None, "unassigned_no_team", 1),
    ]
    code, out, _ = run("route", "--now", "2026-11-25 11:00")
    assert code == 0 and "0 new decisions" in _flat(out) and "3 unchanged" in _flat(out)
    hot = world.leads["hot"]
    code, out, err = run("route", "override", str(hot), "--team", "IS", "--member", "井上",
                          "--reason", "IS follows up first", "--as", "manager")  # fmt: skip
    assert code == 0, err
    assert "manager moved it to 井上 in IS. Reason: IS follows up first" in _flat(out)
    code, out, _ = run("route", "show", str(hot), "--json")
    history = json.loads(out)
    assert [(d["trigger"], d["action"], d["is_current"]) for d in history] == [
        ("batch", "sales_now", False), ("override", "override", True),
    ]  # fmt: skip
    code, out, _ = run("route", "handled", str(hot), "--as", "井上")
    assert code == 0 and f"Lead {hot} marked handled" in _flat(out)
    code, out, _ = run("route", "queue", "--unassigned", "--json")
    assert [i["contact_id"] for i in json.loads(out)] == [world.leads["cold"]]
    with engine.connect() as conn:
        actions = conn.execute(select(s.audit_log.c.action).order_by(s.audit_log.c.id)).scalars().all()
    assert actions[-2:] == ["routing.override", "routing.handled"]


def test_route_errors_are_one_line_with_the_code(engine: Engine, run: Any) -> None:
    world = _world(engine, icp=False)
    code, _, err = run("route")
    assert code == 2 and err.startswith("ROUTING_NO_ICP: ") and len(err.strip().splitlines()) == 1
    with write_transaction(engine) as conn:
        adopt_icp(conn)
    code, _, err = run("route", "--lead", "999")
    assert code == 2 and err.startswith("ROUTING_LEAD_NOT_FOUND")
    code, _, err = run("route", "override", str(world.leads["hot"]), "--team", "IS", "--reason", "x")
    assert code == 2 and err.startswith("ROUTING_NO_DECISION")
    run("route", "--lead", str(world.leads["hot"]), "--lead", str(world.leads["warm"]))
    assert count(engine, "routing_decisions") == 2
    code, _, err = run("route", "override", str(world.leads["warm"]), "--team", "営業",
                        "--member", "佐藤", "--reason", "x")  # fmt: skip
    assert code == 2 and err.startswith("ROUTING_MEMBER_FULL") and "(field=member)" in err


def test_a_deactivated_member_is_revisited(engine: Engine, run: Any) -> None:
    world = _world(engine)
    run("route", "--now", "2026-11-25 10:00")
    with write_transaction(engine) as conn:
        conn.execute(update(s.team_members).where(s.team_members.c.name == "佐藤").values(is_active=False))
    code, out, _ = run("route", "--json", "--now", "2026-11-25 10:30")
    body = json.loads(out)
    # 佐藤 had "hot"; 鈴木 (1 a day) holds "warm", so "hot" overflows to inside sales
    assert code == 0
    assert [(d["contact_id"], d["action"]) for d in body["decisions"]] == [
        (world.leads["hot"], "inside_sales_overflow")
    ]
    assert body["revisited"] == 1
