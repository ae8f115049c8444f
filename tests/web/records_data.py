"""A small workspace for the records pages and API tests: two companies with leads, deals, revenue, challenges."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Engine, insert, select

from tenbin.db import schema

XSS = "<script>alert(1)</script>"
XSS_ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def seed(
    engine: Engine,
    *,
    name: str = "株式会社テンビン",
    contact: str = "山田",
    text: str = "見積もりに時間がかかる",
    custom: str = "ゴールド",
) -> dict[str, Any]:
    """Insert one account with a lead, a deal, revenue, a challenge, a campaign response, a buying-group
    member and a custom attribute; and a second account with nothing. Returns the ids."""
    with engine.begin() as conn:
        acc = conn.execute(
            insert(schema.accounts)
            .values(
                name=name,
                name_key=name,
                corporate_number="1234567890123",
                industry_code="G",
                employees=120,
                employee_band="100-299",
                prefecture_code="13",
                listing="tse_growth",
                customer_since=dt.date(2024, 4, 1),
                is_named_account=True,
            )
            .returning(schema.accounts.c.id)
        ).scalar_one()
        other = conn.execute(
            insert(schema.accounts).values(name="別会社", name_key="別会社").returning(schema.accounts.c.id)
        ).scalar_one()
        con = conn.execute(
            insert(schema.contacts)
            .values(
                account_id=acc,
                last_name=contact,
                first_name="花子",
                email="hanako@example.co.jp",
                department="営業部",
                title="部長",
                source="展示会",
                acquired_at=dt.datetime(2025, 5, 1, 10, 0),
            )
            .returning(schema.contacts.c.id)
        ).scalar_one()
        conn.execute(insert(schema.contacts).values(account_id=other, last_name="別", email="b@example.com"))
        camp = conn.execute(
            insert(schema.campaigns)
            .values(name="展示会 2025", channel="展示会", orientation="quantity", cost=1_200_000)
            .returning(schema.campaigns.c.id)
        ).scalar_one()
        opp = conn.execute(
            insert(schema.opportunities)
            .values(account_id=acc, contact_id=con, name="導入案件", amount=3_400_000, status="won", stage="受注")
            .returning(schema.opportunities.c.id)
        ).scalar_one()
        conn.execute(insert(schema.opportunities).values(account_id=other, name="別案件", status="open"))
        rev = conn.execute(
            insert(schema.revenue_lines)
            .values(account_id=acc, recognized_on=dt.date(2025, 6, 30), amount=300_000, product="Pro")
            .returning(schema.revenue_lines.c.id)
        ).scalar_one()
        cat = conn.execute(select(schema.challenge_categories.c.id).limit(1)).scalar_one_or_none()
        chal = conn.execute(
            insert(schema.challenges)
            .values(statement=text, category_id=cat, account_id=acc, source_type="商談記録", tags=["見積"])
            .returning(schema.challenges.c.id)
        ).scalar_one()
        resp = conn.execute(
            insert(schema.responses)
            .values(contact_id=con, campaign_id=camp, responded_at=dt.datetime(2025, 5, 1, 10, 0))
            .returning(schema.responses.c.id)
        ).scalar_one()
        member = conn.execute(
            insert(schema.buying_group_members)
            .values(
                contact_id=con,
                account_id=acc,
                opportunity_id=opp,
                role="decision_maker",
                engagement=3,
                stance="support",
            )
            .returning(schema.buying_group_members.c.id)
        ).scalar_one()
        attr = conn.execute(
            insert(schema.attribute_definitions)
            .values(entity="accounts", key="rank", label="ランク", type="text")
            .returning(schema.attribute_definitions.c.id)
        ).scalar_one()
        conn.execute(insert(schema.custom_values).values(attribute_id=attr, record_id=acc, value_text=custom))
    return {
        "accounts": acc,
        "other_account": other,
        "contacts": con,
        "campaigns": camp,
        "opportunities": opp,
        "revenue": rev,
        "challenges": chal,
        "responses": resp,
        "buying-group": member,
    }
