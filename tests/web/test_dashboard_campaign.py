"""The campaign figures page (/campaigns/{id}) on SQLite and PostgreSQL, on the declared metrics
workspace of ``tests/integration/test_metrics.py``.

Campaign A (id 1, ウェビナー, 質, cost 1,200,000) first-touched 100 leads, 60 of them ICP (60 %):
50 in 2025-03 (30 ICP) and 50 in 2025-04 (30 ICP); MQL: all 100 (ICP k 0…59 and non-ICP j 0…39
all have an MQL event); 商談化: ICP 14 + non 10 = 24; 受注: 5 + 3 = 8. Cost per lead 12,000 yen
(1.2万円), per ICP lead 20,000 (2万円). Every first touch of A came with the offer セミナー申込.
Campaign D (id 4) only got later responses: no leads by first touch.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Client
from sqlalchemy import Engine


def _declare() -> Callable[[Engine], None]:
    path = Path(__file__).resolve().parents[1] / "integration" / "test_metrics.py"
    spec = importlib.util.spec_from_file_location("metrics_workspace_for_campaigns", path)
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


def test_campaign_figures_by_hand(viewer: Client) -> None:
    page = viewer.get("/campaigns/1")
    assert page.status_code == 200, page.text
    text = _text(page.text)
    assert "ウェビナー · 質" in text and 'href="/records/campaigns/1"' in page.text
    assert "リード獲得: 100件、うちICP該当 60件(60.0%)" in text
    assert "商談化(SQL): 24件、うちICP該当 14件(58.3%)" in text
    assert "120万円" in text and "1.2万円" in text and "2万円" in text
    stages = dict(re.findall(r'<tr data-stage="(\w+)">(.*?)</tr>', page.text, re.S))
    assert re.findall(r">([\d,]+)</a>", stages["won"]) == ["8", "5", "3"]
    assert "セミナー申込" in text
    months = re.findall(r'<th scope="row">(\d{4}-\d{2})</th>', page.text)
    assert months == ["2025-03", "2025-04"]


def test_every_number_links_to_exactly_that_many_leads(viewer: Client) -> None:
    page = viewer.get("/campaigns/1")
    links = re.findall(r'<a href="(/dashboard/leads\?[^"]+)" title="[^"]*">([\d,]+)</a>', page.text)
    assert len(links) >= 30
    for url, number in set(links):
        listed = viewer.get(url.replace("&amp;", "&"))
        found = re.search(r'data-total="(\d+)"', listed.text)
        assert found and int(found.group(1)) == int(number.replace(",", "")), url


def test_campaign_exports(viewer: Client) -> None:
    funnel = viewer.get("/campaigns/1/tables/funnel.csv")
    rows = list(csv.reader(io.StringIO(funnel.content.decode("utf-8-sig"))))
    expected = [["リード獲得", "100", "60"], ["MQL", "100", "60"], ["商談化(SQL)", "24", "14"], ["受注", "8", "5"]]
    assert [r[:3] for r in rows[1:5]] == expected
    offers = viewer.get("/campaigns/1/tables/offers.xlsx")
    assert offers.headers["content-type"].startswith("application/vnd.openxmlformats")
    svg = viewer.get("/campaigns/1/charts/trend.svg")
    assert svg.status_code == 200 and "ICP率の推移" in svg.text and "A" in svg.text
    png = viewer.get("/campaigns/1/charts/funnel.png")
    assert png.content[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_campaign_without_leads_and_a_missing_one(viewer: Client) -> None:
    page = viewer.get("/campaigns/4")
    assert page.status_code == 200
    assert "この施策から獲得したリードはまだありません。" in page.text
    missing = viewer.get("/campaigns/999")
    assert missing.status_code == 404 and "RECORD_NOT_FOUND" in missing.text
    assert viewer.get("/campaigns/1/charts/pie.json").status_code == 404
