"""The routing queue, the 2×2 matrix with its drill-down, the run button, override and handled (both databases).

The workspace (routing_pages_data) plus 高橋 at 天秤 and four teams; the likelihood threshold is set to
0.001 so every lead is "high" and the decisions can be worked out by hand (routing order: ICP × high
first, then by lead id; 天秤 is a named account, so its leads try account sales first):

    山田 (ICP, named)  → アカウント営業 / 青木   (account sales: 1 per day, now full)
    鈴木 (ICP, named)  → 営業1課 / 佐々木       (account sales full → sales: 1 per day, now full)
    田中 (ICP, named)  → インサイド / 井上      (sales full → inside sales: 1 per day, now full)
    高橋 (ICP, named)  → unassigned (all full)
    佐藤 (non-ICP)     → デジタル / デジ        (digital sales, watched: possible future ICP)
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from conftest import Client
from routing_pages_data import seed
from sqlalchemy import Engine, insert, select

from tenbin.db import schema
from tenbin.routing.service import run_routing
from tenbin.routing.state import local_now
from tenbin.workspace.common import write_setting


def _add(engine: Engine, table: Any, **values: Any) -> int:
    with engine.begin() as conn:
        return int(conn.execute(insert(table).values(**values).returning(table.c.id)).scalar_one())


def _teams(engine: Engine) -> dict[str, int]:
    ids: dict[str, int] = {}
    for name, kind, cap, member in (
        ("アカウント営業", "account_sales", 1, "青木"),
        ("営業1課", "sales", 1, "佐々木"),
        ("インサイド", "inside_sales", 1, "井上"),
        ("デジタル", "digital", None, "デジ"),
    ):
        team = _add(engine, schema.teams, name=name, kind=kind)
        ids[name] = team
        ids[member] = _add(engine, schema.team_members, team_id=team, name=member, capacity_per_day=cap)
    return ids


@pytest.fixture
def routed(engine: Engine) -> dict[str, Any]:
    ids = seed(engine)
    ids["takahashi"] = _add(engine, schema.contacts, account_id=ids["tenbin"], last_name="高橋", email="t@example.jp")
    ids.update(_teams(engine))
    with engine.begin() as conn:
        write_setting(conn, "likelihood.threshold", 0.001)
    return ids


def _rows(html: str) -> list[tuple[str, str]]:
    """(lead id, row html) of the queue table, in order."""
    return re.findall(r'<tr class="[^"]*" data-contact="(\d+)".*?>(.*?)</tr>', html, flags=re.S)


def test_queue_capacity_bars_unassigned_first_and_filters(
    login: Callable[..., Client], engine: Engine, routed: dict[str, Any]
) -> None:
    run_routing(engine, actor="t")
    c = login("viewer")
    html = c.get("/routing").text
    rows = _rows(html)
    assert len(rows) == 5 and 'data-total="5"' in html
    assert rows[0][0] == str(routed["takahashi"]) and "全員の枠が満杯" in rows[0][1]
    assert f'class="unassigned" data-contact="{routed["takahashi"]}"' in html
    # capacity: each member with a daily capacity of 1 took one lead today and is full; digital has no limit
    for member in ("青木", "佐々木", "井上"):
        bar = re.search(rf'<div class="cap-row full" data-member="{routed[member]}">(.*?)</div>', html, flags=re.S)
        assert bar is not None and "1 / 1" in bar.group(1), member
    digital = re.search(rf'<div class="cap-row" data-member="{routed["デジ"]}">(.*?)</div>', html, flags=re.S)
    assert digital is not None and "1 / ∞" in digital.group(1)
    assert html.count('<span class="badge error">満杯</span>') == 3  # three teams full, digital not
    # who got whom
    by_lead = dict(rows)
    assert "アカウント営業 / 青木" in by_lead[str(routed["yamada"])]
    assert "営業1課 / 佐々木" in by_lead[str(routed["suzuki"])]
    assert "インサイド / 井上" in by_lead[str(routed["tanaka"])]
    assert "デジタル / デジ" in by_lead[str(routed["sato"])] and "◎ 監視" in by_lead[str(routed["sato"])]
    # nothing is overdue right after routing: every timer shows time left
    assert html.count('data-sla="ok"') == 5 and 'data-sla="overdue"' not in html
    # filters: team, member, quadrant
    assert [r[0] for r in _rows(c.get(f"/routing?team={routed['営業1課']}").text)] == [str(routed["suzuki"])]
    assert [r[0] for r in _rows(c.get(f"/routing?member={routed['井上']}").text)] == [str(routed["tanaka"])]
    assert [r[0] for r in _rows(c.get("/routing?quadrant=non_icp_high").text)] == [str(routed["sato"])]
    assert len(_rows(c.get("/routing?quadrant=icp_high").text)) == 4


def test_sla_overdue_and_handled_stops_the_timer(
    login: Callable[..., Client], engine: Engine, routed: dict[str, Any]
) -> None:
    run_routing(engine, actor="t", now=local_now() - dt.timedelta(days=30))  # every response time has passed
    c = login("inside_sales")
    html = c.page("/routing").text  # type: ignore[attr-defined]
    assert html.count('data-sla="overdue"') == 5
    response = c.submit(f"/leads/{routed['yamada']}/handled")
    assert response.status_code == 200  # type: ignore[attr-defined]
    with engine.connect() as conn:
        d = schema.routing_decisions
        handled = conn.execute(select(d.c.handled_at).where(d.c.contact_id == routed["yamada"])).scalar_one()
    assert handled is not None
    html = c.get("/routing").text
    assert str(routed["yamada"]) not in [r[0] for r in _rows(html)] and html.count('data-sla="overdue"') == 4
    html = c.get("/routing?handled=1").text
    row = dict(_rows(html))[str(routed["yamada"])]
    assert "対応済み" in row and "overdue" not in row


def test_matrix_counts_equal_their_drilldown_lists(
    login: Callable[..., Client], engine: Engine, routed: dict[str, Any]
) -> None:
    run_routing(engine, actor="t")
    # a new non-ICP lead after the run: open, not yet routed
    new = _add(engine, schema.contacts, account_id=routed["shop"], last_name="伊藤", email="ito@example.jp")
    c = login("viewer")
    html = c.get("/routing/matrix").text
    counts = re.findall(r'<(a|span)[^>]*data-count="(\w+)" data-q="(\w+)" data-n="(\d+)"(?: href="([^"]+)")?', html)
    shown = {(q, kind): int(n) for _tag, kind, q, n, _href in counts}
    # worked out by hand (module docstring): 4 ICP × high routed, 1 non-ICP × high routed and watched,
    # 1 non-ICP × high not yet routed (伊藤); every other count is 0 and not linked
    assert shown == {
        ("icp_high", "routed"): 4,
        ("non_icp_high", "routed"): 1,
        ("non_icp_high", "watch"): 1,
        ("non_icp_high", "unrouted"): 1,
        ("icp_low", "routed"): 0,
        ("icp_low", "unrouted"): 0,
        ("icp_high", "unrouted"): 0,
        ("non_icp_low", "routed"): 0,
        ("non_icp_low", "unrouted"): 0,
    }
    for tag, kind, quadrant, number, href in counts:
        assert (tag == "a") == (kind == "routed" or number != "0"), (quadrant, kind)  # zero: nothing to open
        url = href.replace("&amp;", "&") if href else f"/routing/matrix/leads?quadrant={quadrant}&set={kind}"
        page = c.get(url).text
        total = int(re.search(r'data-total="(\d+)"', page).group(1))  # type: ignore[union-attr]
        assert total == int(number), url
        assert len(re.findall(r'<tr data-contact="\d+"', page)) == total
    unrouted = c.get("/routing/matrix/leads?quadrant=non_icp_high&set=unrouted").text
    assert re.findall(r'<tr data-contact="(\d+)"', unrouted) == [str(new)]
    assert "まだ振り分けていません" in unrouted or "未振り分け" in unrouted


def test_drilldown_csv_needs_export(login: Callable[..., Client], engine: Engine, routed: dict[str, Any]) -> None:
    run_routing(engine, actor="t")
    url = "/routing/matrix/leads.csv?quadrant=icp_high&set=routed"
    assert login("viewer").get(url).status_code == 403
    response = login("marketing").get(url)
    assert response.status_code == 200
    lines = response.content.decode("utf-8-sig").strip().splitlines()
    assert len(lines) == 1 + 4
    assert login("marketing").get("/routing/matrix/leads?quadrant=nope").status_code == 404


def test_override_needs_permission_csrf_and_a_reason(
    login: Callable[..., Client], engine: Engine, routed: dict[str, Any]
) -> None:
    run_routing(engine, actor="t")
    lead = routed["sato"]  # with digital (no limit); move it to デジタル's team queue... then to 井上 (full)
    url = f"/leads/{lead}/override"
    viewer = login("viewer")
    viewer.page(f"/leads/{lead}")  # type: ignore[attr-defined]
    assert "override-form" not in viewer.get(f"/leads/{lead}").text
    assert viewer.submit(url, {"target": f"team:{routed['デジタル']}", "reason": "x"}).status_code == 403  # type: ignore[attr-defined]
    manager = login("inside_sales")
    page = manager.page(f"/leads/{lead}").text  # type: ignore[attr-defined]
    assert 'id="override-form"' in page and 'name="csrf_token"' in page
    # without the CSRF token: refused, nothing written
    assert manager.post(url, data={"target": f"team:{routed['デジタル']}", "reason": "x"}).status_code == 403
    d = schema.routing_decisions

    def decisions() -> list[Any]:
        with engine.connect() as conn:
            return list(conn.execute(select(d.c.trigger, d.c.team_id, d.c.member_id).where(d.c.contact_id == lead)
                                     .order_by(d.c.id)))  # fmt: skip

    assert len(decisions()) == 1
    # without a reason: the refusal is shown on the lead page, nothing written
    html = manager.submit(url, {"target": f"team:{routed['デジタル']}", "reason": " "}).text  # type: ignore[attr-defined]
    assert "ROUTING_REASON_REQUIRED" in html and len(decisions()) == 1
    # to a full member: refused with the capacity in words
    html = manager.submit(url, {"target": f"member:{routed['井上']}", "reason": "詳しい担当へ"}).text  # type: ignore[attr-defined]
    assert "ROUTING_MEMBER_FULL" in html and len(decisions()) == 1
    # to the digital team's shared queue, with a reason: a new current decision, audited, in the history
    html = manager.submit(url, {"target": f"team:{routed['デジタル']}", "reason": "チームで対応"}).text  # type: ignore[attr-defined]
    rows = decisions()
    assert [r.trigger for r in rows] == ["batch", "override"] and rows[1].member_id is None
    history = html[html.index('id="routing-history"') :]
    assert "チームで対応" in history and "user-inside_sales" in history
    with engine.connect() as conn:
        a = schema.audit_log
        audited = conn.execute(select(a.c.actor).where(a.c.action == "routing.override")).scalars().all()
    assert audited == ["user-inside_sales"]


def test_run_routing_button(login: Callable[..., Client], engine: Engine, routed: dict[str, Any]) -> None:
    viewer = login("viewer")
    html = viewer.page("/routing").text  # type: ignore[attr-defined]
    assert 'id="run-routing"' not in html and 'id="empty-not-routed"' in html
    assert viewer.submit("/routing/run").status_code == 403  # type: ignore[attr-defined]
    manager = login("inside_sales")
    assert 'id="run-routing"' in manager.page("/routing").text  # type: ignore[attr-defined]
    assert manager.post("/routing/run").status_code == 403  # no CSRF token
    html = manager.submit("/routing/run").text  # type: ignore[attr-defined]
    assert "5 件" in html and len(_rows(html)) == 5  # the summary: 5 leads considered; the queue filled
    assert "empty-not-routed" not in html


def test_empty_states_link_where_to_start(login: Callable[..., Client], engine: Engine) -> None:
    c = login("viewer")
    html = c.get("/routing").text
    assert 'id="empty-no-icp"' in html and 'href="/icp"' in html
    assert 'id="empty-no-teams"' in html and 'href="/settings/teams"' in html
    assert 'id="empty-no-icp"' in c.get("/routing/matrix").text
    seed(engine)  # adopts an ICP; still no team and nothing routed
    html = c.get("/routing").text
    assert 'id="empty-no-icp"' not in html and 'id="empty-not-routed"' in html and 'id="empty-no-teams"' in html
    english = login("viewer", username="viewer-en", locale="en").get("/routing").text
    assert "Nothing routed yet" in english and "No teams yet" in english


def test_names_are_escaped(login: Callable[..., Client], engine: Engine, routed: dict[str, Any]) -> None:
    script = "<script>alert(1)</script>"
    with engine.begin() as conn:
        c = schema.contacts
        conn.execute(c.update().where(c.c.id == routed["sato"]).values(last_name=script))
        m = schema.team_members
        conn.execute(m.update().where(m.c.id == routed["デジ"]).values(name=script))
    run_routing(engine, actor="t")
    client = login("inside_sales")
    for url in ("/routing", f"/leads/{routed['sato']}", "/routing/matrix/leads?quadrant=non_icp_high&set=routed"):
        html = client.get(url).text
        assert script not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html, url
