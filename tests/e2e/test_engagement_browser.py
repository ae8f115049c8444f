"""The engagement pages in a real browser on the demo workspace (with an ICP adopted when no earlier test
did): the offer ladder (table and chart), an account's individual seminars (a seminar and an attendee
recorded through the forms, coverage before → after) and the whitespace list, in Japanese and English,
with screenshots (ladder-ja/en.png, seminars-ja/en.png, whitespace-ja/en.png)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page
from sqlalchemy import func, select

from tenbin.db import schema
from tenbin.db.engine import make_engine
from tenbin.icp.versions import save_version

Shot = Callable[[Page, str], Path]


def _prepare(db_url: str) -> int:
    """Adopt an ICP when none is current; the account with the most seminars."""
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            current = conn.execute(select(schema.icp_versions.c.id).where(schema.icp_versions.c.is_current)).first()
            ss = schema.seminar_sessions
            account = conn.execute(
                select(ss.c.account_id).group_by(ss.c.account_id).order_by(func.count().desc(), ss.c.account_id)
            ).scalar()
        if current is None:
            save_version(engine, name="製造業 300名以上", rules='industry = "E" and employees >= 300', actor="e2e",
                         adopt=True)  # fmt: skip
    finally:
        engine.dispose()
    assert account is not None, "the demo has individual seminars"
    return int(account)


def _ladder_rows(page: Page) -> list[tuple[int, int]]:
    rows = page.locator("table.ladder-table tbody tr")
    return [(int(rows.nth(i).get_attribute("data-icp-total") or 0),
             int(rows.nth(i).get_attribute("data-non-icp-total") or 0)) for i in range(rows.count())]  # fmt: skip


def test_ladder_seminars_and_whitespace(
    page: Page, live_server: object, login: Callable[..., None], shot: Shot, set_lang: Callable[[Page, str], None]
) -> None:
    account = _prepare(live_server.db_url)  # type: ignore[attr-defined]
    login(page, "marketing")

    page.goto("/ladder")
    assert page.inner_text("h1") == "オファー設計: ステップアップ率"
    rows = _ladder_rows(page)
    assert len(rows) == 5 and sum(i for i, _ in rows) > 0 and sum(n for _, n in rows) > sum(i for i, _ in rows)
    rates = [float(x) for x in re.findall(r"(\d+(?:\.\d+)?)%", page.inner_text("table.ladder-table"))]
    assert rates and all(0 <= r <= 100 for r in rates)
    page.wait_for_selector(".chart canvas")
    shot(page, "ladder-ja")

    page.goto(f"/accounts/{account}/seminars")
    assert page.inner_text("h1").startswith("個別セミナー")
    sessions = page.locator("table.coverage-table tbody tr").count()
    assert sessions >= 2
    page.fill("form[action$='/seminars'] input[name=title]", "ブラウザからの勉強会")
    page.fill("form[action$='/seminars'] input[name=held_on]", "2026-10-15")
    with page.expect_navigation():
        page.click("form[action$='/seminars'] button[type=submit]")
    assert "個別セミナーを登録しました" in page.inner_text("body")
    assert page.locator("table.coverage-table tbody tr").count() == sessions + 1
    newest = page.locator("article.seminar").first
    newest.locator("summary", has_text="参加者を追加").click()
    newest.locator("input[name=name]").fill("高橋 様")
    newest.locator("input[name=department]").fill("経営企画部")
    newest.locator("select[name=role]").select_option("decision_maker")
    with page.expect_navigation():
        newest.locator("button", has_text="追加する").click()
    assert "参加者を追加しました" in page.inner_text("body")
    last = page.locator("table.coverage-table tbody tr").last
    assert "ブラウザからの勉強会" in last.inner_text() and re.search(r"\d+ → \d+ / 5", last.inner_text())
    shot(page, "seminars-ja")

    page.goto("/whitespace")
    assert page.inner_text("h1") == "ホワイトスペース"
    assert page.locator("table.whitespace-table tbody tr").count() == 50
    assert "円" in page.inner_text("table.whitespace-table tbody tr >> nth=0")
    shot(page, "whitespace-ja")

    set_lang(page, "en")
    assert page.inner_text("h1") == "Whitespace"
    shot(page, "whitespace-en")
    page.goto("/ladder?by=account")
    assert page.inner_text("h1") == "Offer ladder: step-up conversion"
    page.wait_for_selector(".chart canvas")
    shot(page, "ladder-en")
    page.goto(f"/accounts/{account}/seminars")
    assert "Coverage before and after each seminar" in page.inner_text("body")
    shot(page, "seminars-en")
    set_lang(page, "ja")
