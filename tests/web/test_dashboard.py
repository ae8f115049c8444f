"""The ICP-rate dashboard on SQLite and PostgreSQL, on the declared metrics workspace of
``tests/integration/test_metrics.py`` (400 leads, 150 of them ICP leads; ICP v1 = industry E).

Figures by hand (see that module's table): range 2025-03 … 2026-03 by month holds every lead:
リード獲得 400, ICP 150 → 37.5 %; MQL ICP 76 + non 80 = 156; 商談化 ICP 30 + non 25 = 55; 受注 ICP 12 +
non 5 = 17. Months: 2025-03 50 (30 ICP), 2025-04 50 (30), 2025-06 200 (50), 2026-01 40 (20),
2026-03 60 (20). Campaign A (cost 1,200,000): 100 leads, 60 ICP (60 %), 12,000 yen per lead, 20,000
per ICP lead, 商談化 14 ICP + 10 non = 24 (24 %), 受注 5 + 3 = 8 of 24 (33.3 %).
"""

from __future__ import annotations

import csv
import datetime as dt
import importlib.util
import io
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Client
from openpyxl import load_workbook
from sqlalchemy import Engine

from tenbin.web.dashboard_period import Selection, default_selection, parse_selection, period_keys
from tenbin.web.dashboard_view import judged_period

RANGE = "period=month&from=2025-03&to=2026-03"


def _declare() -> Callable[[Engine], None]:
    path = Path(__file__).resolve().parents[1] / "integration" / "test_metrics.py"
    spec = importlib.util.spec_from_file_location("metrics_workspace_for_dashboard", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    declare: Callable[[Engine], None] = module.declare
    return declare


@pytest.fixture
def viewer(login: Callable[..., Client], engine: Engine) -> Client:
    _declare()(engine)
    return login("viewer")


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _count_on(client: Client, url: str) -> int:
    page = client.get(url.replace("&amp;", "&"))
    assert page.status_code == 200, page.text
    found = re.search(r'data-total="(\d+)"', page.text)
    assert found, url
    return int(found.group(1))


def test_the_dashboard_shows_the_articles_figures(viewer: Client) -> None:
    page = viewer.get(f"/dashboard?{RANGE}")
    assert page.status_code == 200, page.text
    text = _text(page.text)
    assert "リード獲得: 400件、うちICP該当 150件(37.5%)" in text
    assert "商談化(SQL): 55件、うちICP該当 30件(54.5%)" in text
    funnel = re.search(r'<tr data-stage="lead">(.*?)</tr>', page.text, re.S)
    assert funnel is not None
    assert re.findall(r">([\d,]+)</a>", funnel.group(1)) == ["400", "150", "250"]
    assert "37.5%" in funnel.group(1)
    # the campaign table: A's figures by hand
    row = re.search(r'<a href="/campaigns/1\?[^"]*">A</a>(.*?)</tr>', page.text, re.S)
    assert row is not None
    cells = _text(row.group(1))
    assert "100" in cells and "60.0%" in cells and "120万円" in cells and "1.2万円" in cells and "2万円" in cells
    assert "24.0%" in cells and "33.3%" in cells
    # balance of the last complete month of the range, 2026-03: 60 leads, 20 ICP = 33.3 % in the 30–50 % band
    balance = re.search(r'<section class="card" id="balance".*?</section>', page.text, re.S)
    assert balance is not None and "バランス · 2026-03" in _text(balance.group(0))
    lead_row = re.search(r"<th scope=\"row\">リード獲得</th>(.*?)</tr>", balance.group(0), re.S)
    assert lead_row is not None and "state-balanced" in lead_row.group(1) and "33.3%" in lead_row.group(1)
    # the operating signals once under the table, not repeated in every stage's reasons
    signals = re.search(r'<p class="balance-signals">(.*?)</p>', balance.group(0), re.S)
    assert signals is not None and "受注率" in _text(signals.group(1))
    assert "受注率" not in _text(lead_row.group(1))
    assert "ICP率 33.3%(20/60)が目標帯 30〜50% の範囲内" in lead_row.group(1)


def test_english_and_fiscal_year(login: Callable[..., Client], engine: Engine) -> None:
    _declare()(engine)
    c = login("viewer", username="english-viewer", locale="en")
    page = c.get("/dashboard?period=fiscal_year&from=2025-04&to=2026-03")
    assert page.status_code == 200
    text = _text(page.text)
    # 年度 2025 leaves out the 50 leads of 2025-03-31 23:59:59: 350 leads, 120 ICP
    assert "Lead acquired: 350 leads, of which 120 match the ICP (34.3%)" in text
    campaign = _text(c.get("/campaigns/2").text)  # B: 200 leads, 50 ICP, cost 900,000
    assert "Campaign figures" in campaign and "Lead acquired: 200 leads, of which 50 match the ICP (25.0%)" in campaign
    assert "¥900,000" in campaign and "¥4,500" in campaign and "¥18,000" in campaign


def test_every_number_links_to_exactly_that_many_leads(viewer: Client) -> None:
    page = viewer.get(f"/dashboard?{RANGE}&campaigns=all")
    links = re.findall(r'<a href="(/dashboard/leads\?[^"]+)" title="[^"]*">([\d,]+)</a>', page.text)
    assert len(links) > 40
    for url, number in links:
        assert _count_on(viewer, url) == int(number.replace(",", "")), url


def test_the_leads_behind_a_number_export_for_those_who_may_export(
    viewer: Client, login: Callable[..., Client]
) -> None:
    where = "stage=sql&from=2025-03-01&to=2026-03-31&campaign=A"
    url = where + "&icp=yes"
    assert "/dashboard/leads.csv" not in viewer.get(f"/dashboard/leads?{url}").text  # a viewer may not export
    assert viewer.get(f"/dashboard/leads.csv?{url}").status_code == 403
    marketing = login("marketing")
    assert "/dashboard/leads.csv?" in marketing.get(f"/dashboard/leads?{url}").text
    response = marketing.get(f"/dashboard/leads.csv?{url}")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["リードID", "姓", "名", "メールアドレス"]
    assert len(rows) == 1 + 14  # A's ICP leads that reached SQL
    assert {r[7] for r in rows[1:]} == {"ICP"} and {r[8] for r in rows[1:]} == {"A"}
    # ICP leads k 0…13 are lead ids 1…14; a lead's SQL event is 14 days after it was acquired
    assert sorted(int(r[0]) for r in rows[1:]) == list(range(1, 15))
    xlsx = marketing.get(f"/dashboard/leads.xlsx?{where}&icp=no")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None and sheet.max_row == 1 + 10  # A's non-ICP leads that reached SQL: j 0…9


def test_campaigns_sort_by_any_column(viewer: Client) -> None:
    def order(query: str) -> list[str]:
        html = viewer.get(f"/dashboard?{RANGE}&{query}").text
        return re.findall(r'<a href="/campaigns/\d+\?[^"]*">(\w)</a>', html)

    assert order("sort=rate&desc=1") == ["A", "C", "B", "D"]  # 60 %, 50 %, 25 %, no leads last
    assert order("sort=leads&desc=1") == ["B", "A", "C", "D"]
    assert order("sort=cost_per_icp_lead&desc=0") == ["B", "A", "C", "D"]  # 18,000 · 20,000 · 20,000 (name) · none
    html = viewer.get(f"/dashboard?{RANGE}&sort=leads&desc=1").text
    assert re.search(r'aria-sort="descending"><a href="[^"]*sort=leads&amp;desc=0', html)


def test_tables_export_as_csv_and_xlsx(viewer: Client) -> None:
    response = viewer.get(f"/dashboard/tables/funnel.csv?{RANGE}")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["ステージ", "リード", "ICP該当リード", "ICP非該当リード"]
    assert rows[1] == ["リード獲得", "400", "150", "250", "37.5", rows[1][5], rows[1][6]]
    assert [r[1] for r in rows[1:]] == ["400", "156", "55", "17", "0"]
    sjis = viewer.get(f"/dashboard/tables/funnel.csv?{RANGE}&encoding=cp932")
    assert sjis.content.decode("cp932").splitlines()[1].startswith("リード獲得,400,150,250,37.5")
    xlsx = viewer.get(f"/dashboard/tables/campaigns.xlsx?{RANGE}&sort=leads&desc=1")
    assert xlsx.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[1][:9] == ["B", "広告", "量", 200, 50, 25.0, 900_000, 4500, 18000]
    assert values[2][:6] == ["A", "ウェビナー", "質", 100, 60, 60.0]
    assert values[2][9:] == [24, 24.0, 8, 33.3]
    trend = viewer.get(f"/dashboard/tables/trend.csv?{RANGE}")
    months = {r[0]: r[2:4] for r in csv.reader(io.StringIO(trend.content.decode("utf-8-sig")))}
    assert months["2025-06"] == ["200", "50"] and months["2025-05"] == ["0", "0"] and len(months) == 14


def test_charts_export_as_png_and_svg_with_japanese(viewer: Client) -> None:
    spec = viewer.get(f"/dashboard/charts/trend.json?{RANGE}").json()
    periods = [v["period"] for v in spec["data"]["values"] if v["part_order"] == 0]
    assert len(periods) == 13 and periods[0] == "2025-03"
    band = spec["vconcat"][0]["layer"][0]["data"]["values"]
    assert band == [{"low": 0.3, "high": 0.5}]  # the default band 30–50 %
    rate = viewer.get(f"/dashboard/charts/trend.json?{RANGE}&part=rate").json()  # the browser's two charts
    assert rate["width"] == "container" and rate["layer"][0]["data"]["values"] == band
    volume = viewer.get(f"/dashboard/charts/trend.json?{RANGE}&part=volume").json()
    assert volume["encoding"]["y"]["stack"] is True and len(volume["data"]["values"]) == 26  # 13 months × 2
    png = viewer.get(f"/dashboard/charts/funnel.png?{RANGE}")
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    assert png.content[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(png.content[16:20], "big"), int.from_bytes(png.content[20:24], "big")
    assert 1400 <= width <= 1800 and 200 <= height <= 1000, (width, height)
    svg = viewer.get(f"/dashboard/charts/trend.svg?{RANGE}")
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert "ICP率の推移" in svg.text and "ICP該当リード" in svg.text and "リード獲得" in svg.text


def test_empty_states(login: Callable[..., Client], engine: Engine) -> None:
    c = login("marketing")
    assert "/imports" in c.get("/dashboard").text  # no leads: import
    _declare()(engine)
    from sqlalchemy import update

    from tenbin.db import schema

    with engine.begin() as conn:
        conn.execute(update(schema.icp_versions).values(is_current=False))
    page = c.get("/dashboard").text
    assert 'href="/icp"' in page and "ICPがまだ採用されていません" in page


def test_the_default_range_ends_with_the_latest_lead(viewer: Client) -> None:
    """The declared leads stop at 2026-03-31: by default the last 12 months up to that month (if
    today is later), so the page opens on data rather than on empty months."""
    import datetime as dt

    page = viewer.get("/dashboard").text
    end = min(dt.date.today(), dt.date(2026, 3, 31))
    assert f'name="to" value="{end:%Y-%m}"' in page
    assert 'name="period"' in page and re.search(r'<option value="month" selected', page)


def test_bad_selection_is_a_coded_error_on_the_page(viewer: Client) -> None:
    page = viewer.get("/dashboard?period=week")
    assert page.status_code == 200 and "DASHBOARD_PERIOD_INVALID" in page.text
    assert "DASHBOARD_RANGE_ORDER" in viewer.get("/dashboard?from=2026-03&to=2025-03").text
    assert "DASHBOARD_MONTH_INVALID" in viewer.get("/dashboard?from=2026-13").text
    leads = viewer.get("/dashboard/leads?stage=deal")
    assert leads.status_code == 400 and "METRICS_UNKNOWN_STAGE" in leads.text


def test_periods_by_hand() -> None:
    today = dt.date(2026, 2, 10)
    assert default_selection("month", today).start == dt.date(2025, 3, 1)
    assert default_selection("quarter", today).start == dt.date(2024, 4, 1)
    assert default_selection("fiscal_year", today).start == dt.date(2023, 4, 1)
    sel = parse_selection({"period": "fiscal_year", "from": "2025-06", "to": "2025-06"}, today)
    assert (sel.start, sel.end) == (dt.date(2025, 4, 1), dt.date(2026, 3, 31))
    keys = period_keys("quarter", dt.date(2025, 2, 1), dt.date(2025, 8, 31))
    assert [k for k, _, _ in keys] == ["2025-Q1", "2025-Q2", "2025-Q3"]
    assert keys[1][1:] == (dt.date(2025, 4, 1), dt.date(2025, 6, 30))


def test_the_dashboard_is_a_few_aggregate_statements(viewer: Client, engine: Engine) -> None:
    """No statement per campaign or per period: the page's SQL count does not grow with the range
    or the number of campaigns shown (the lead rows never come to Python)."""
    from sqlalchemy import event

    def statements(url: str) -> list[str]:
        found: list[str] = []

        def count(*args: object) -> None:
            found.append(str(args[2]))

        event.listen(engine, "before_cursor_execute", count)
        try:
            assert viewer.get(url).status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return found

    statements(f"/dashboard?{RANGE}")  # warm: caches the metrics slice may fill on first use
    wide = statements(f"/dashboard?{RANGE}&campaigns=all")  # 13 months, 4 campaigns
    narrow = statements("/dashboard?period=month&from=2025-06&to=2025-07")  # 2 months, 1 campaign
    assert len(wide) == len(narrow)
    assert len(wide) <= 120, len(wide)


def test_the_balance_judges_the_last_complete_period_of_the_range() -> None:
    today = dt.date(2026, 11, 25)
    d = dt.date
    assert judged_period(Selection("month", d(2025, 3, 1), d(2026, 3, 31)), today) == (d(2026, 3, 31), True)
    assert judged_period(Selection("month", d(2025, 12, 1), d(2026, 11, 30)), today) == (d(2026, 10, 31), True)
    assert judged_period(Selection("month", d(2026, 11, 1), d(2026, 11, 30)), today) == (today, False)
    assert judged_period(Selection("quarter", d(2025, 1, 1), d(2026, 12, 31)), today) == (d(2026, 9, 30), True)
    assert judged_period(Selection("fiscal_year", d(2026, 4, 1), d(2027, 3, 31)), today) == (today, False)
