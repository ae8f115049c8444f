"""The ICP workbench end to end in Chromium: type a rule and watch the live count, see an error at its
position, add weighted criteria by keyboard (an error in a criterion's row, rows added and removed),
run discovery, compare candidates, use one, save and adopt it with its criteria and notes, open its
evidence card (criteria, chart drawn, one printed A4 page, PNG export), then the new-ICP candidates
page; screenshots of the three pages in Japanese and English (tests/e2e/artifacts/icp-*.png)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect
from test_pages import glyphs_render

Login = Callable[..., None]
Shot = Callable[[Page, str], Path]
SetLang = Callable[[Page, str], None]

COUNT = re.compile(r"該当企業 ([\d,]+) / ([\d,]+) 社、うち顧客 ([\d,]+) / ([\d,]+) 社")


def live_count(page: Page) -> tuple[int, int, int, int]:
    expect(page.locator("#icp-check .icp-count")).to_be_visible()
    found = COUNT.search(page.inner_text("#icp-check .icp-count-numbers"))
    assert found, page.inner_text("#icp-check")
    a, total, c, customers = (int(g.replace(",", "")) for g in found.groups())
    return a, total, c, customers


def type_rule(page: Page, rule: str) -> None:
    """Type like a person (key by key, so the debounce matters) and wait for the live answer."""
    page.fill("#icp-rules", "")
    with page.expect_response(lambda r: r.url.endswith("/icp/check")):
        page.locator("#icp-rules").press_sequentially(rule, delay=5)
    page.wait_for_load_state("networkidle")


def count_for_threshold(page: Page, threshold: str) -> int:
    """Set the fit-score threshold and read the live count answered for it."""
    page.fill("#icp-threshold", threshold)
    expect(page.locator("#icp-check .icp-count")).to_have_attribute("data-threshold", threshold)
    return live_count(page)[0]


def add_criteria(page: Page, manufacturers: int) -> None:
    """Two weighted criteria typed by keyboard (Enter: rule → weight → a new row); an error in the second
    row's rule points there; a row added and removed; thresholds 75 (manufacturers) then 25 (either)."""
    with page.expect_response(lambda r: r.url.endswith("/icp/check")):
        page.fill("#icp-rules", "")
    page.click("#icp-criteria > summary")
    rows = page.locator("#icp-criteria .icp-criterion")
    rows.first.locator("[data-part=rule]").fill("業種 = 製造業")
    page.keyboard.press("Enter")
    expect(rows.first.locator("[data-part=weight]")).to_be_focused()
    page.keyboard.type("3")
    page.keyboard.press("Enter")
    expect(rows).to_have_count(2)
    expect(rows.nth(1).locator("[data-part=rule]")).to_be_focused()
    expect(rows.nth(1).locator("[data-part=rule]")).to_have_attribute("aria-label", "重み付き条件 2 のルール")
    page.keyboard.type("従業員数 between 300 and 999")
    assert count_for_threshold(page, "75") == manufacturers  # weight 3 of 4: the manufacturers
    expect(page.locator("#icp-check")).to_contain_text("解釈: 重み付き条件 2 件の適合スコアが 75 以上(ルールなし)")
    expect(page.locator("#icp-criteria [data-criteria-count]")).to_have_text("2 件使用中")

    second = rows.nth(1).locator("[data-part=rule]")
    second.fill('従業員数 between 300 and 999 and 業界 = "x"')
    error = page.locator("#icp-check .icp-rule-error")
    expect(error).to_have_attribute("data-row", "2")
    expect(error).to_contain_text("重み付き条件 2: 30 文字目の属性 '業界' はありません")
    expect(second).to_have_attribute("aria-invalid", "true")
    assert page.get_attribute("#icp-rules", "aria-invalid") is None
    error.locator("[data-goto-position]").click()
    expect(second).to_be_focused()
    assert page.evaluate("() => document.activeElement.selectionStart") == 29
    second.fill("従業員数 between 300 and 999")
    expect(page.locator("#icp-check .icp-count")).to_be_visible()

    page.click("[data-add-criterion]")
    expect(rows).to_have_count(3)
    expect(rows.nth(2).locator("[data-part=rule]")).to_be_focused()
    rows.nth(2).locator("[data-remove-criterion]").click()
    expect(rows).to_have_count(2)
    expect(second).to_be_focused()
    assert count_for_threshold(page, "25") > manufacturers  # either criterion now


def pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))


def test_icp_workbench_end_to_end(page: Page, login: Login, shot: Shot, set_lang: SetLang) -> None:
    login(page, "marketing", lang="ja")
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto("/icp")
    expect(page.locator("main h1")).to_have_text("ICP ワークベンチ")
    expect(page.locator("#icp-check")).to_contain_text("ルールを入力すると")

    # the live count, and that it follows the rule as it changes
    type_rule(page, "業種 = 製造業")
    manufacturers, total, customers_in, customers = live_count(page)
    assert 0 < manufacturers < total and 0 < customers_in <= customers
    expect(page.locator("#icp-check .icp-canonical")).to_have_text('industry = "E"')
    type_rule(page, "業種 = 製造業 and 従業員数 >= 300")
    narrower = live_count(page)
    assert narrower[0] < manufacturers and narrower[1] == total

    # an error points at its position, in Japanese, and "show in the editor" selects it
    type_rule(page, 'industry = "E" and 業界 = "x"')
    error = page.locator("#icp-check .icp-rule-error")
    expect(error).to_have_attribute("data-error-code", "ICP_RULE_UNKNOWN_ATTRIBUTE")
    expect(error).to_contain_text("20 文字目の属性 '業界' はありません")
    expect(error.locator("mark")).to_have_text("業")
    expect(page.locator("#icp-rules")).to_have_attribute("aria-invalid", "true")
    error.locator("[data-goto-position]").click()
    assert page.evaluate("() => document.getElementById('icp-rules').selectionStart") == 19

    add_criteria(page, manufacturers)
    shot(page, "icp-workbench-criteria-ja")

    # discovery on win rate: candidates with their gate result; compare two; use the best one
    page.select_option("select[name=target]", "won")
    with page.expect_response(lambda r: r.url.endswith("/icp/discover")):
        page.click("#icp-discover-button")
    rows = page.locator("#icp-candidates tbody tr")
    expect(rows.first).to_be_visible()
    assert rows.count() >= 2
    expect(page.locator("#icp-discovery")).to_contain_text("目的変数 受注率")
    picks = page.locator(".icp-compare-pick")
    picks.nth(0).check()
    expect(page.locator("#icp-compare .icp-compare-table")).to_be_hidden()
    picks.nth(1).check()
    compare = page.locator("#icp-compare .icp-compare-table")
    expect(compare).to_be_visible()
    assert compare.locator("thead th:visible").count() == 3  # the measure column and two candidates
    best = page.locator("#icp-candidates tr.icp-passed").first
    chosen = best if best.count() else rows.first
    rule = chosen.locator("[data-use-rule]").get_attribute("data-use-rule")
    assert rule
    with page.expect_response(lambda r: r.url.endswith("/icp/check")):
        chosen.locator("[data-use-rule]").click()
    expect(page.locator("#icp-rules")).to_have_value(rule)
    expect(page.locator("#icp-check .icp-canonical")).to_have_text(rule)
    expect(page.locator("#icp-check .icp-count")).to_have_attribute("data-criteria", "2")  # the criteria stay
    with page.expect_response(lambda r: r.url.endswith("/icp/evidence")):
        page.click("#icp-evidence-button")
    expect(page.locator("#icp-evidence table.icp-evidence")).to_be_visible()
    expect(page.locator("#icp-evidence .icp-chart svg")).to_be_visible()
    shot(page, "icp-workbench-ja")

    # save and adopt with the three notes → the evidence card
    page.fill("input[name=name]", "受注しやすい層(E2E)")
    page.fill("textarea[name=notes_ltv]", "受注後の追加発注が多い。")
    page.fill("textarea[name=notes_fit]", "属人化の課題を持つ企業が多く、当社の強みが活きる。")
    page.fill("textarea[name=notes_market]", "未取引の該当企業が十分にある。")
    page.check("input[name=adopt]")
    with page.expect_navigation():
        page.click("#icp-save-button")
    assert re.search(r"/icp/versions/\d+$", page.url), page.url
    expect(page.locator(".flash")).to_contain_text("現在の ICP にしました")
    expect(page.locator("main h1")).to_contain_text("ICP 根拠カード")
    expect(page.locator(".icp-card")).to_contain_text("属人化の課題を持つ企業が多く")
    expect(page.locator(".icp-card .icp-chart svg")).to_be_visible()
    expect(page.locator(".icp-card .icp-card-rule code.rule")).to_have_text(rule)
    criteria = page.locator(".icp-card .icp-criteria-view")
    expect(criteria).to_contain_text("かつ、次の重み付き条件で適合スコア 25 以上")
    expect(criteria.locator("tbody tr")).to_have_count(2)
    expect(criteria.locator("tbody tr").first).to_contain_text('industry = "E"')  # stored in canonical form
    glyphs_render(page, "main h1")
    shot(page, "icp-card-ja")
    card_url = page.url

    png = page.request.get(card_url + "/card.png")
    assert png.ok and png.body()[:8] == b"\x89PNG\r\n\x1a\n"
    page.emulate_media(media="print")
    expect(page.locator("header.top")).to_be_hidden()
    assert pdf_pages(page.pdf(format="A4", print_background=True)) == 1
    page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi: what the printout looks like
    shot(page, "icp-card-print-ja")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.emulate_media(media="screen")

    page.goto("/icp/candidates")
    expect(page.locator("main h1")).to_have_text("新たなICP候補")
    expect(page.locator(".icp-headline")).to_contain_text("ICP v")
    shot(page, "icp-candidates-ja")

    # the same pages in English
    set_lang(page, "en")
    expect(page.locator("main h1")).to_have_text("New-ICP candidates")
    shot(page, "icp-candidates-en")
    page.goto(card_url)
    expect(page.locator("main h1")).to_contain_text("ICP evidence card")
    expect(page.locator(".icp-card")).to_contain_text("Win rate (won / closed deals)")
    shot(page, "icp-card-en")
    page.goto("/icp")
    expect(page.locator(".icp-current")).to_contain_text(rule)
    type_rule(page, rule)
    expect(page.locator("#icp-check")).to_contain_text("Matches")
    page.select_option("select[name=target]", "won")
    with page.expect_response(lambda r: r.url.endswith("/icp/discover")):
        page.click("#icp-discover-button")
    expect(page.locator("#icp-discovery")).to_contain_text("Target Win rate")
    shot(page, "icp-workbench-en")
    set_lang(page, "ja")
