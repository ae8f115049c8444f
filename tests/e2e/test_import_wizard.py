"""The import wizard end to end in a real browser, in Japanese and in English, with screenshots.

A CP932 lead file with ㈱/髙 and one bad 法人番号 (a script tag, which must show as text): upload →
the detected encoding and the mapping → validation shows the bad row → map 法人番号 to "ignore" →
validate again → import (confirm dialog, progress, result) → the records list finds the new lead.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

Login = Callable[..., None]
Shot = Callable[[Page, str], Path]

HEADER = "会社名,氏名,メールアドレス,法人番号,登録日"


def lead_file(lang: str) -> bytes:
    rows = [
        HEADER,
        f"㈱髙橋製作所,髙橋 一郎,ichiro-{lang}@takahashi.example,,2024-01-05",
        f"株式会社テスト商事,山田 花子,hanako-{lang}@test-shoji.example,,2024-02-10",
        f"有限会社サンプル,佐藤 次郎,jiro-{lang}@sample.example,<script>alert(1)</script>,2024-03-01",
    ]
    return ("\r\n".join(rows) + "\r\n").encode("cp932")


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_import_wizard_end_to_end(page: Page, login: Login, shot: Shot, lang: str) -> None:
    login(page, "marketing", lang=lang)
    page.on("dialog", lambda dialog: dialog.accept())  # the commit form asks "Import these rows?"
    page.goto("/imports")
    expect(page.locator("h1")).to_have_text("取り込み" if lang == "ja" else "Import")
    page.select_option("select[name=entity]", "contacts")
    page.set_input_files(
        "input[name=file]", files=[{"name": f"leads-{lang}.csv", "mimeType": "text/csv", "buffer": lead_file(lang)}]
    )
    shot(page, f"import-wizard-1-upload-{lang}")

    with page.expect_navigation():
        page.click("#upload-form button[type=submit]")
    assert page.url.endswith("/mapping")
    expect(page.locator("#encoding-label")).to_have_text("Shift-JIS (CP932)")
    expect(page.locator("#preview")).to_contain_text("㈱髙橋製作所")
    expect(page.locator("#preview")).to_contain_text("<script>alert(1)</script>")  # shown as text, not run
    shot(page, f"import-wizard-2-mapping-{lang}")

    with page.expect_navigation():
        page.click("button[name=action][value=validate]")
    assert page.url.endswith("/report")
    bad = page.locator("#errors tbody tr").first
    expect(bad.locator("td").nth(0)).to_have_text("4")
    expect(bad).to_contain_text("VALUE_CORPORATE_NUMBER_FORMAT")
    expect(bad).to_contain_text("法人番号として読めません" if lang == "ja" else "Not a corporate number")
    shot(page, f"import-wizard-3-report-errors-{lang}")

    with page.expect_navigation():  # fix the mapping: the 法人番号 column is not needed here
        page.click("a[href$='/mapping']")
    page.get_by_label("法人番号", exact=True).select_option("ignore")
    with page.expect_navigation():
        page.click("button[name=action][value=validate]")
    expect(page.locator("#errors")).to_have_count(0)
    expect(page.locator("#counts")).to_contain_text("3")
    shot(page, f"import-wizard-4-report-valid-{lang}")

    with page.expect_navigation():
        page.click("#commit-form button[type=submit]")
    page.wait_for_url("**/result")
    expect(page.locator("#result-status")).to_contain_text("3")
    shot(page, f"import-wizard-5-result-{lang}")

    with page.expect_navigation():
        page.click("a[href='/records/contacts']")
    page.goto(f"/records/contacts?q=ichiro-{lang}")
    expect(page.locator("main")).to_contain_text(f"ichiro-{lang}@takahashi.example")


def test_export_page_downloads_csv_with_bom(page: Page, login: Login, shot: Shot) -> None:
    login(page, "marketing", lang="ja")
    page.goto("/exports")
    page.select_option("select[name=entity]", "campaigns")
    shot(page, "export-ja")
    with page.expect_download() as info:
        page.click("#export-form button[type=submit]")
    path = info.value.path()
    assert path is not None
    assert Path(path).read_bytes().startswith(b"\xef\xbb\xbf")
