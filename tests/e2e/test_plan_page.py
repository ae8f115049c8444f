"""The plan page in a real browser: the demo workspace (with an ICP adopted, when no earlier test
did), the user edits the volume target and the budget in the form and the plan changes; Japanese
and English, with screenshots (plan-ja.png, plan-edited-ja.png, plan-en.png)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page
from sqlalchemy import select

from tenbin.db import schema
from tenbin.db.engine import make_engine
from tenbin.icp.versions import save_version

Shot = Callable[[Page, str], Path]


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


def _numbers(page: Page) -> tuple[str, str]:
    """(campaigns, cost) as shown in the headline."""
    stats = page.locator(".plan-result dl.stats dd")
    return stats.nth(0).inner_text(), stats.nth(4).inner_text()


def test_the_user_edits_targets_and_sees_the_plan_change(
    page: Page, live_server: object, login: Callable[..., None], shot: Shot, set_lang: Callable[[Page, str], None]
) -> None:
    _ensure_current_icp(live_server.db_url)  # type: ignore[attr-defined]
    login(page, "marketing")
    page.goto("/plan?leads=200&resource_rule=off")
    assert page.inner_text("h1") == "次の施策ミックス"
    assert page.locator(".plan-lines tbody tr").count() >= 1
    assert page.get_attribute(".plan-result", "data-feasible") == "yes"
    before = _numbers(page)
    shot(page, "plan-ja")

    page.fill("input[name=leads]", "600")
    page.fill("input[name=budget]", "3000000")
    with page.expect_navigation():
        page.click("form.plan-form button[type=submit]")
    assert "leads=600" in page.url and "budget=3000000" in page.url
    after = _numbers(page)
    assert after != before
    # ¥3M buys 600 leads in this history only below the band: the nearest plan names the lower edge
    # and the budget binds
    assert page.get_attribute(".plan-result", "data-feasible") == "no"
    reasons = page.inner_text(".plan-reasons")
    assert "ICP率が目標帯の下限 30% に届きません" in reasons and "予算" in reasons
    shot(page, "plan-edited-ja")

    set_lang(page, "en")
    assert page.inner_text("h1") == "Next campaign mix"
    assert "below the band's lower edge of 30%" in page.inner_text(".plan-reasons")
    shot(page, "plan-en")
    set_lang(page, "ja")
