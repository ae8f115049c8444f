"""A small routing workspace for the lead, queue and matrix page tests (both databases).

Two companies: 株式会社天秤 (manufacturing, 500 employees, a named account) fits the ICP
``industry = "E" and employees >= 300``; 小商店 (retail, 10 employees) does not. Lead 山田 at 天秤 has
three responses (資料請求 rung 1, デモ申込 rung 4, セミナー申込 rung 2: the highest is デモ申込), a
buying group with 決裁者 (support, engagement 3), 予算権限者 (neutral, 1) and 情シス (oppose, 2) —
利用部門, 推進者 and 影響者 are missing — an open opportunity (budget 5,000,000, amount 4,000,000)
and two challenges (one of the lead, one of the company). Lead 佐藤 at 小商店 has one response.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Engine, insert, select

from tenbin.db import schema
from tenbin.icp import service as icp

ICP_RULE = 'industry = "E" and employees >= 300'


def seed(engine: Engine, *, adopt_icp: bool = True) -> dict[str, Any]:
    t = schema
    with engine.begin() as conn:

        def add(table: Any, **values: Any) -> int:
            return int(conn.execute(insert(table).values(**values).returning(table.c.id)).scalar_one())

        tenbin = add(t.accounts, name="株式会社天秤", name_key="天秤", industry_code="E", employees=500,
                     employee_band="300-999", prefecture_code="13", is_named_account=True)  # fmt: skip
        shop = add(t.accounts, name="小商店", name_key="小商店", industry_code="I", employees=10)
        yamada = add(t.contacts, account_id=tenbin, last_name="山田", first_name="花子", email="yamada@example.jp",
                     department="経営企画部", title="部長", acquired_at=dt.datetime(2026, 11, 1, 9, 0))  # fmt: skip
        suzuki = add(t.contacts, account_id=tenbin, last_name="鈴木", first_name="一郎", email="suzuki@example.jp",
                     department="経理部")  # fmt: skip
        tanaka = add(
            t.contacts, account_id=tenbin, last_name="田中", email="tanaka@example.jp", department="情報システム部"
        )
        sato = add(t.contacts, account_id=shop, last_name="佐藤", email="sato@example.jp",
                   acquired_at=dt.datetime(2026, 11, 2, 9, 0))  # fmt: skip
        fair = add(t.campaigns, name="展示会 2026", channel="展示会", orientation="quantity")
        web = add(t.campaigns, name="Web 2026", channel="Web広告", orientation="quality")
        rung = dict(conn.execute(select(t.offers.c.name, t.offers.c.id)).tuples().all())  # the default ladder
        catalogue, seminar, demo = rung["資料請求"], rung["セミナー申込"], rung["デモ申込"]
        add(
            t.responses,
            contact_id=yamada,
            campaign_id=fair,
            offer_id=catalogue,
            responded_at=dt.datetime(2026, 11, 1, 9),
        )
        add(t.responses, contact_id=yamada, campaign_id=web, offer_id=demo,
            responded_at=dt.datetime(2026, 11, 10, 9))  # fmt: skip
        add(
            t.responses, contact_id=yamada, campaign_id=web, offer_id=seminar, responded_at=dt.datetime(2026, 11, 12, 9)
        )
        add(
            t.responses, contact_id=sato, campaign_id=fair, offer_id=catalogue, responded_at=dt.datetime(2026, 11, 2, 9)
        )
        opp = add(t.opportunities, account_id=tenbin, contact_id=yamada, name="天秤 導入", status="open",
                  budget=5_000_000, amount=4_000_000)  # fmt: skip
        for contact, role, engagement, stance in (
            (yamada, "decision_maker", 3, "support"),
            (suzuki, "budget_holder", 1, "neutral"),
            (tanaka, "it_evaluator", 2, "oppose"),
        ):
            add(t.buying_group_members, contact_id=contact, account_id=tenbin, opportunity_id=opp, role=role,
                engagement=engagement, stance=stance)  # fmt: skip
        own = add(t.challenges, statement="見積もりに時間がかかる", contact_id=yamada, account_id=tenbin,
                  observed_on=dt.date(2026, 11, 5), tags=[])  # fmt: skip
        company = add(
            t.challenges, statement="属人化した営業", account_id=tenbin, observed_on=dt.date(2026, 10, 1), tags=[]
        )
        add(t.challenges, statement="他社の課題", account_id=shop, tags=[])
    if adopt_icp:
        icp.save_icp_version(engine, name="中堅製造業", rules=ICP_RULE, actor="t", adopt=True)
    return {"tenbin": tenbin, "shop": shop, "yamada": yamada, "suzuki": suzuki, "tanaka": tanaka, "sato": sato,
            "opp": opp, "own_challenge": own, "company_challenge": company}  # fmt: skip
