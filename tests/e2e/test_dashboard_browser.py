"""The ICP-rate dashboard in a real browser on the demo workspace (with an ICP adopted when no
earlier test did): the charts draw, a number opens the list of exactly that many leads, a column
header sorts the campaigns, a campaign opens its figures page, the PNG export is a PNG; Japanese
and English, with screenshots (dashboard-ja.png, dashboard-en.png, dashboard-leads-ja.png,
campaign-ja.png)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect
from sqlalchemy import select
from test_pages import glyphs_render

from tenbin.db import schema
from tenbin.db.engine import make_engine
from tenbin.icp.versions import save_version

Shot = Callable[[Page, str], Path]
RANGE = "period=month&from=2025-10&to=2026-09"  # the demo's last twelve months
JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]")


def _ensure_current_icp(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            current = conn.execute(select(schema.icp_versions.c.id).where(schema.icp_versions.c.is_current)).first()
        if current is None:
            save_version(engine, name="製造業 300名以上", rules='industry = "E" and employees >= 300', actor="e2e",
                         adopt=True)  # fmt: skip
    finally:
        engine.dispose()


def _number(text: str) -> int:
    return int(text.replace(",", "").strip())


def test_dashboard_in_japanese_and_english(
    page: Page, live_server: object, login: Callable[..., None], shot: Shot, set_lang: Callable[[Page, str], None]
) -> None:
    _ensure_current_icp(live_server.db_url)  # type: ignore[attr-defined]
    login(page, "marketing")
    page.click("nav.main-nav a[href='/dashboard']")
    assert page.inner_text("main h1") == "ICP率ダッシュボード"
    page.goto(f"/dashboard?{RANGE}")
    # both charts are drawn by vega-embed (a canvas each), none shows the empty or error text
    expect(page.locator("#funnel .chart canvas")).to_be_visible()
    expect(page.locator("#trend .chart canvas").nth(1)).to_be_visible()  # the rate over the band, the volume
    expect(page.locator("#trend .chart canvas").first).to_be_visible()
    assert page.locator(".chart-empty").count() == 0
    sentence = page.locator("#funnel ul.sentences li").first.inner_text()
    assert re.fullmatch(r"リード獲得: [\d,]+件、うちICP該当 [\d,]+件\(\d+\.\d%\)", sentence), sentence
    assert page.locator("#balance .state").count() >= 1
    glyphs_render(page, "main h1")  # Japanese drawn as real glyphs, not boxes
    glyphs_render(page, "#funnel ul.sentences li")
    shot(page, "dashboard-ja")

    # a number opens the leads behind it: the list says the same count
    cell = page.locator("#funnel tr[data-stage=lead] td").nth(1).locator("a")
    clicked = _number(cell.inner_text())
    assert clicked > 0
    with page.expect_navigation():
        cell.click()
    assert "/dashboard/leads?" in page.url and "icp=yes" in page.url
    assert _number(page.get_attribute(".drill-count strong", "data-total") or "-1") == clicked
    assert page.locator("table.list tbody tr").count() == min(clicked, 100)
    shot(page, "dashboard-leads-ja")

    # sorting by a column header, then a campaign's own page
    page.goto(f"/dashboard?{RANGE}&campaigns=all")
    with page.expect_navigation():
        page.click("#campaigns th >> text=リード獲得単価")
    assert "sort=cost_per_lead" in page.url
    assert page.get_attribute("#campaigns th[aria-sort=descending]", "class") == "yen"
    first = page.locator("#campaigns tbody th a").first
    name = first.inner_text()
    with page.expect_navigation():
        first.click()
    assert page.inner_text("main h1").startswith(name)
    expect(page.locator("#funnel .chart canvas")).to_be_visible()
    expect(page.locator("#trend .chart canvas").nth(1)).to_be_visible()
    shot(page, "campaign-ja")

    png = page.request.get(f"/dashboard/charts/trend.png?{RANGE}")
    assert png.ok and png.body()[:8] == b"\x89PNG\r\n\x1a\n"

    page.goto(f"/dashboard?{RANGE}")
    set_lang(page, "en")
    assert page.inner_text("main h1") == "ICP-rate dashboard"
    expect(page.locator("#trend .chart canvas").nth(1)).to_be_visible()
    assert not JAPANESE.search(page.inner_text("#funnel ul.sentences"))
    shot(page, "dashboard-en")
    set_lang(page, "ja")
