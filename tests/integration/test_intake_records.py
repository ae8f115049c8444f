"""Intake's record writing: 名寄せ of the lead by email and of its company by 法人番号 or name + domain,
one response per campaign/offer/time, buying-group role and declared budget; coded field errors."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import Engine, func, insert, select

from tenbin.db import schema
from tenbin.db.engine import write_transaction
from tenbin.errors import TenbinError
from tenbin.intake.parse import parse_request
from tenbin.intake.records import Written, write_lead

NOW = dt.datetime(2026, 11, 25, 10, 30)
CORP = "8700110005901"


def _campaign(engine: Engine) -> int:
    with write_transaction(engine) as conn:
        return int(
            conn.execute(
                insert(schema.campaigns)
                .values(name="秋のDXセミナー", channel="seminar", orientation="quality")
                .returning(schema.campaigns.c.id)
            ).scalar_one()
        )


def _body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "lead": {"email": "Taro.Yamada@Example.co.jp", "last_name": "山田", "first_name": "太郎",
                 "last_name_kana": "ヤマダ", "first_name_kana": "タロウ", "phone": "03-1234-5678",
                 "department": "情報システム部", "title": "部長"},
        "company": {"name": "株式会社サンプル", "corporate_number": CORP, "industry": "情報通信業",
                    "employees": "1,200", "prefecture": "東京都"},
        "response": {"campaign": "秋のDXセミナー", "offer": "デモ申込", "responded_at": "2026-11-25T10:00:00+09:00"},
    }  # fmt: skip
    for key, value in changes.items():
        body[key] = value
    return body


def _write(engine: Engine, body: dict[str, Any]) -> Written:
    with write_transaction(engine) as conn:
        return write_lead(conn, parse_request(body), now=NOW)


def _count(engine: Engine, table: Any) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_creates_lead_company_and_response(engine: Engine) -> None:
    campaign = _campaign(engine)
    w = _write(engine, _body())
    assert (w.contact_created, w.account_created, w.response_created) == (True, True, True)
    assert w.campaign_id == campaign and w.opportunity_id is None
    with engine.connect() as conn:
        c = conn.execute(select(schema.contacts).where(schema.contacts.c.id == w.contact_id)).mappings().one()
        a = conn.execute(select(schema.accounts).where(schema.accounts.c.id == w.account_id)).mappings().one()
        r = conn.execute(select(schema.responses)).mappings().one()
        offer = conn.execute(select(schema.offers.c.id).where(schema.offers.c.name == "デモ申込")).scalar_one()
    assert (c["email"], c["last_name"], c["level"], c["phone"], c["acquired_at"]) == (
        "taro.yamada@example.co.jp", "山田", "director", "0312345678", NOW,
    )  # fmt: skip
    assert (a["name"], a["name_key"], a["corporate_number"], a["industry_code"], a["employees"]) == (
        "株式会社サンプル", "サンプル", CORP, "G", 1200,
    )  # fmt: skip
    assert (a["employee_band"], a["prefecture_code"], a["domain"]) == ("1000-4999", "13", "example.co.jp")
    assert (r["contact_id"], r["campaign_id"], r["offer_id"]) == (w.contact_id, campaign, offer)
    assert r["responded_at"] == dt.datetime(2026, 11, 25, 10, 0)


def test_same_lead_again_updates_and_does_not_duplicate(engine: Engine) -> None:
    _campaign(engine)
    first = _write(engine, _body())
    again = _write(engine, _body())
    assert (again.contact_id, again.account_id, again.response_id) == (first.contact_id, first.account_id,
                                                                       first.response_id)  # fmt: skip
    assert (again.contact_created, again.account_created, again.response_created) == (False, False, False)
    changed = _body(lead={"email": "taro.yamada@example.co.jp", "title": "執行役員"},
                    company={"name": "(株)サンプル"},
                    response={"campaign": "秋のDXセミナー", "offer": "見積もり依頼"})  # fmt: skip
    third = _write(engine, changed)
    assert (third.contact_id, third.account_id, third.contact_created) == (first.contact_id, first.account_id, False)
    assert third.response_created
    with engine.connect() as conn:
        c = conn.execute(select(schema.contacts)).mappings().one()
    assert (c["title"], c["level"], c["last_name"]) == ("執行役員", "executive", "山田")  # kept what was not given
    assert (_count(engine, schema.contacts), _count(engine, schema.accounts), _count(engine, schema.responses)) == (
        1, 1, 2,
    )  # fmt: skip


def test_company_by_name_and_domain(engine: Engine) -> None:
    _campaign(engine)
    with write_transaction(engine) as conn:
        known = conn.execute(
            insert(schema.accounts)
            .values(name="サンプル株式会社", name_key="サンプル", domain="sample.jp", employees=80)
            .returning(schema.accounts.c.id)
        ).scalar_one()
        conn.execute(insert(schema.accounts).values(name="サンプル", name_key="サンプル", domain="other.jp"))
    body = _body(
        lead={"email": "hanako@sample.jp"},
        company={"name": "株式会社 サンプル", "employees": 5000, "prefecture": "大阪府"},
    )
    w = _write(engine, body)
    assert w.account_id == known and not w.account_created
    with engine.connect() as conn:
        a = conn.execute(select(schema.accounts).where(schema.accounts.c.id == known)).mappings().one()
    assert (a["employees"], a["prefecture_code"]) == (80, "27")  # known employees kept, the missing prefecture filled


def test_budget_and_buying_group(engine: Engine) -> None:
    _campaign(engine)
    body = _body(budget="300万円", buying_group={"role": "予算権限者", "stance": "賛成", "engagement": "高"})
    w = _write(engine, body)
    assert w.opportunity_id is not None
    with engine.connect() as conn:
        o = conn.execute(select(schema.opportunities)).mappings().one()
        m = conn.execute(select(schema.buying_group_members)).mappings().one()
    assert (o["budget"], o["status"], o["account_id"], o["name"]) == (3_000_000, "open", w.account_id,
                                                                      "株式会社サンプル / 2026-11-25")  # fmt: skip
    assert (m["role"], m["stance"], m["engagement"], m["opportunity_id"]) == ("budget_holder", "support", 3,
                                                                              o["id"])  # fmt: skip
    again = _write(engine, _body(budget=5_000_000, buying_group={"role": "決裁者", "stance": "oppose"}))
    assert again.opportunity_id == o["id"]
    with engine.connect() as conn:
        budget = conn.execute(select(schema.opportunities.c.budget)).scalar_one()
        m2 = conn.execute(select(schema.buying_group_members)).mappings().one()
    assert budget == 5_000_000 and (m2["role"], m2["stance"], m2["engagement"]) == ("decision_maker", "oppose", 3)


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"lead": {"last_name": "山田"}}, "INTAKE_FIELD_REQUIRED", "lead.email"),
        ({"lead": {"email": "not-an-email"}}, "INTAKE_FIELD_INVALID", "lead.email"),
        ({"company": {"name": "X", "corporate_number": "1234567890123"}}, "INTAKE_FIELD_INVALID",
         "company.corporate_number"),
        ({"company": {"domain": "example.com"}}, "INTAKE_COMPANY_REQUIRED", "company.name"),
        ({"company": {"name": "X", "employees": "-5"}}, "INTAKE_FIELD_INVALID", "company.employees"),
        ({"company": {"name": "X", "prefecture": "火星"}}, "INTAKE_FIELD_INVALID", "company.prefecture"),
        ({"response": {"offer": "デモ申込"}}, "INTAKE_FIELD_REQUIRED", "response.campaign"),
        ({"response": {"campaign": "ない施策"}}, "INTAKE_CAMPAIGN_UNKNOWN", "response.campaign"),
        ({"response": {"campaign": "秋のDXセミナー", "offer": "電話"}}, "INTAKE_OFFER_UNKNOWN", "response.offer"),
        ({"response": {"campaign": "秋のDXセミナー", "responded_at": "昨日"}}, "INTAKE_FIELD_INVALID",
         "response.responded_at"),
        ({"buying_group": {"stance": "support"}}, "INTAKE_FIELD_REQUIRED", "buying_group.role"),
        ({"buying_group": {"role": "社長"}}, "INTAKE_FIELD_INVALID", "buying_group.role"),
        ({"budget": "たくさん"}, "INTAKE_FIELD_INVALID", "budget"),
    ],
)  # fmt: skip
def test_errors_name_the_field_and_write_nothing(engine: Engine, change: dict[str, Any], code: str, field: str) -> None:
    _campaign(engine)
    with pytest.raises(TenbinError) as err:
        _write(engine, _body(**change))
    assert (err.value.code, err.value.place.field) == (code, field)
    assert field in err.value.message("en") or code != "INTAKE_FIELD_INVALID"
    assert err.value.message("ja") != err.value.message("en")
    assert _count(engine, schema.contacts) == 0 and _count(engine, schema.accounts) == 0


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"company": {"name": "X", "employees": 10**30}}, "INTAKE_FIELD_OUT_OF_RANGE", "company.employees"),
        ({"budget": 10**30}, "INTAKE_FIELD_OUT_OF_RANGE", "budget"),
        ({"response": {"campaign": "秋のDXセミナー", "responded_at": "0001-01-01T00:00:00+09:00"}},
         "INTAKE_FIELD_INVALID", "response.responded_at"),
        ({"response": {"campaign": 10**30}}, "INTAKE_CAMPAIGN_UNKNOWN", "response.campaign"),
    ],
)  # fmt: skip
def test_values_beyond_the_columns_are_refused(engine: Engine, change: dict[str, Any], code: str, field: str) -> None:
    _campaign(engine)
    with pytest.raises(TenbinError) as err:
        _write(engine, _body(**change))
    assert (err.value.code, err.value.place.field) == (code, field)
