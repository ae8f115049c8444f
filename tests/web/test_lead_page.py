"""The lead page /leads/{id}: person and company, ICP fit, buying-group map with gaps, offer history
with the highest rung, challenges; both databases."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from conftest import Client
from routing_pages_data import seed
from sqlalchemy import Engine


@pytest.fixture
def data(engine: Engine) -> dict[str, Any]:
    return seed(engine)


def _section(html: str, section_id: str) -> str:
    start = html.index(f'id="{section_id}"')
    end = html.find("</section>", start)
    return html[start:end]


def test_lead_page_shows_person_company_and_icp_fit(login: Callable[..., Client], data: dict[str, Any]) -> None:
    c = login("viewer")
    r = c.get(f"/leads/{data['yamada']}")
    assert r.status_code == 200
    html = r.text
    assert "山田 花子" in html
    assert f'href="/records/accounts/{data["tenbin"]}"' in html
    assert f'href="/records/contacts/{data["yamada"]}"' in html
    icp = _section(html, "icp-explanation")
    assert "ICP に該当" in icp
    # both conditions of the rule hold for 天秤 (industry E, 500 employees)
    assert icp.count("✓") == 2 and "✗" not in icp
    other = _section(c.get(f"/leads/{data['sato']}").text, "icp-explanation")
    assert icp != other and other.count("✗") == 2  # 小商店: retail, 10 employees: both conditions missed


def test_buying_group_map_shows_roles_and_gaps(login: Callable[..., Client], data: dict[str, Any]) -> None:
    html = _section(login("viewer").get(f"/leads/{data['yamada']}").text, "buying-group")
    cards = dict(re.findall(r'data-role="(\w+)">(.*?)</div>', html, flags=re.S))
    assert set(cards) == {
        "decision_maker",
        "budget_holder",
        "user_department",
        "it_evaluator",
        "champion",
        "influencer",
    }
    assert (
        "山田 花子" in cards["decision_maker"]
        and "賛成" in cards["decision_maker"]
        and "3/3" in cards["decision_maker"]
    )
    assert (
        "鈴木 一郎" in cards["budget_holder"] and "中立" in cards["budget_holder"] and "1/3" in cards["budget_holder"]
    )
    assert "田中" in cards["it_evaluator"] and "反対" in cards["it_evaluator"]
    gaps = re.findall(r'class="bg-card gap" data-role="(\w+)"', html)
    assert gaps == ["user_department", "champion", "influencer"]


def test_offer_history_in_time_order_with_highest_rung(login: Callable[..., Client], data: dict[str, Any]) -> None:
    html = _section(login("viewer").get(f"/leads/{data['yamada']}").text, "offer-history")
    offers = re.findall(r"<td>(資料請求|デモ申込|セミナー申込)", html)
    assert offers == ["資料請求", "デモ申込", "セミナー申込"]  # responded 11/1, 11/10, 11/12
    highest = re.findall(r'<tr class="highest">.*?</tr>', html, flags=re.S)
    assert len(highest) == 1 and "デモ申込" in highest[0]


def test_challenges_of_lead_and_company(login: Callable[..., Client], data: dict[str, Any]) -> None:
    html = _section(login("viewer").get(f"/leads/{data['yamada']}").text, "challenges")
    assert "見積もりに時間がかかる" in html and "属人化した営業" in html and "他社の課題" not in html
    assert html.index("見積もりに時間がかかる") < html.index("属人化した営業")  # newest first


def test_lead_page_in_english(login: Callable[..., Client], data: dict[str, Any]) -> None:
    html = login("viewer", username="viewer-en", locale="en").get(f"/leads/{data['yamada']}").text
    assert "Buying group" in html and "Offer history" in html and "Decision maker" in html


def test_unknown_lead_is_404(login: Callable[..., Client], data: dict[str, Any]) -> None:
    assert login("viewer").get("/leads/999999").status_code == 404


def test_no_icp_links_the_workbench(login: Callable[..., Client], engine: Engine) -> None:
    ids = seed(engine, adopt_icp=False)
    html = _section(login("viewer").get(f"/leads/{ids['yamada']}").text, "icp-explanation")
    assert 'href="/icp"' in html


def test_likelihood_shows_every_factor(login: Callable[..., Client], data: dict[str, Any], engine: Engine) -> None:
    from tenbin.i18n import fmt_percent, use_lang
    from tenbin.likelihood.service import score_contacts

    with engine.connect() as conn:
        score = score_contacts(conn, [data["yamada"]])[data["yamada"]]
    html = _section(login("viewer").get(f"/leads/{data['yamada']}").text, "likelihood")
    with use_lang("ja"):
        assert fmt_percent(score.probability) in html
    shown = re.findall(r'data-factor="(\w+)"', html)
    assert shown == [f.key for f in score.factors]
    assert set(shown) == {"consensus", "opposition", "budget_fit", "offer_rung", "recency"}
    for f in score.factors:
        assert f.text_ja.replace("<", "&lt;") in html
        assert f"{f.contribution:+.2f}" in html
    # the 情シス is against the purchase: the opposition factor lowers the likelihood (a red bar)
    opposition = next(f for f in score.factors if f.key == "opposition")
    assert opposition.contribution < 0
    row = re.search(r'data-factor="opposition">.*?</tr>', html, flags=re.S)
    assert row is not None and 'class="neg"' in row.group(0)


def test_records_detail_links_the_lead_page(login: Callable[..., Client], data: dict[str, Any]) -> None:
    html = login("viewer").get(f"/records/contacts/{data['yamada']}").text
    assert f'href="/leads/{data["yamada"]}"' in html


def test_account_engagement_summary(login: Callable[..., Client], data: dict[str, Any]) -> None:
    html = _section(login("viewer").get(f"/leads/{data['yamada']}").text, "account-engagement")
    assert "まだ個別セミナーを開いていません" in html
    engaged, missing = html.split("未関与")
    assert all(r in engaged for r in ("決裁者", "予算権限者", "情報システム評価者"))
    assert "利用部門" in missing and "推進者" in missing and "決裁者" not in missing
    assert "まだ顧客ではありません" in html  # 天秤 has no revenue yet
    assert f'href="/accounts/{data["tenbin"]}/seminars"' in html
