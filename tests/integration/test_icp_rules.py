"""ICP rules compiled to SQL give the same, hand-checked matches on SQLite and PostgreSQL; bad rules
are refused with their code, position and attribute."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import Engine, insert, select

from tenbin.db import schema
from tenbin.errors import TenbinError
from tenbin.icp.attributes import load_catalog
from tenbin.icp.compile import format_rule, to_sql
from tenbin.icp.rules import parse_rule

# name, industry, employees, revenue, prefecture, listing, named, customer_since
ACCOUNTS: list[tuple[Any, ...]] = [
    ("甲製作所", "E", 450, 12_000_000_000, "23", "unlisted", False, dt.date(2023, 4, 1)),
    ("乙精機", "E", 999, 30_000_000_000, "13", "tse_prime", True, None),
    ("丙工業", "E", 1000, None, "13", "tse_standard", False, dt.date(2024, 1, 10)),
    ("丁ソフト", "G", 300, 900_000_000, "13", None, False, None),
    ("戊運輸", "H", 150, 200_000_000, "27", "unlisted", False, dt.date(2022, 7, 1)),
    ("己商事", "I", None, None, None, None, False, None),
    ("Acme 株式会社", None, 80, 500_000_000, "01", "unlisted", False, None),
]
# account name → (資本金 number, 基幹システム text, 認定 boolean-as-text)
CUSTOM: dict[str, tuple[float | None, str | None, str | None]] = {
    "甲製作所": (100_000_000, "SAP S/4HANA", "はい"),
    "乙精機": (500_000_000, "自社開発", "いいえ"),
    "丁ソフト": (10_000_000, "SAP ERP", "TRUE"),
    "戊運輸": (None, "OBIC7", None),
}
# account name → [(category, tags)]
CHALLENGES: dict[str, list[tuple[str, list[str]]]] = {
    "甲製作所": [("属人化・ナレッジ継承", ["熟練工", "技能伝承"]), ("データ活用・可視化", [])],
    "乙精機": [("属人化・ナレッジ継承", ["Excel管理"])],
    "戊運輸": [("人材確保・育成", ["ドライバー不足"])],
    "己商事": [("データ活用・可視化", ["excel集計"])],
}


@pytest.fixture
def workspace(engine: Engine) -> Engine:
    with engine.begin() as conn:
        ids = {}
        for i, (name, ind, emp, rev, pref, listing, named, since) in enumerate(ACCOUNTS, start=1):
            conn.execute(insert(schema.accounts).values(
                id=i, name=name, name_key=name, industry_code=ind, employees=emp, revenue=rev,
                prefecture_code=pref, listing=listing, is_named_account=named, customer_since=since,
            ))  # fmt: skip
            ids[name] = i
        defs = [(1, "資本金", "number"), (2, "基幹システム", "text"), (3, "認定", "boolean")]
        conn.execute(insert(schema.attribute_definitions), [
            {"id": d, "entity": "accounts", "key": k, "label": k, "type": t} for d, k, t in defs
        ])  # fmt: skip
        for name, (capital, system, certified) in CUSTOM.items():
            for attr, text, number in ((1, None if capital is None else str(capital), capital), (2, system, None),
                                       (3, certified, None)):  # fmt: skip
                if text is not None:
                    conn.execute(insert(schema.custom_values).values(
                        attribute_id=attr, record_id=ids[name], value_text=text, value_number=number))  # fmt: skip
        cats = dict(conn.execute(select(schema.challenge_categories.c.name, schema.challenge_categories.c.id)).all())
        for name, items in CHALLENGES.items():
            for category, tags in items:
                row = {
                    "statement": f"{name}の課題",
                    "category_id": cats[category],
                    "tags": tags,
                    "account_id": ids[name],
                }
                conn.execute(insert(schema.challenges).values(**row))
    return engine


def matches(engine: Engine, rule: str) -> set[str]:
    with engine.connect() as conn:
        node = parse_rule(rule, load_catalog(conn))
        names = conn.execute(select(schema.accounts.c.name).where(to_sql(node))).scalars()
        return set(names)


CASES: list[tuple[str, set[str]]] = [
    ('industry = "E"', {"甲製作所", "乙精機", "丙工業"}),
    ("業種 = 製造業 かつ 従業員数 between 300 and 999", {"甲製作所", "乙精機"}),
    ('industry in ("E", "G") and employees between 300 and 999', {"甲製作所", "乙精機", "丁ソフト"}),
    ("従業員数 ＞＝ １，０００人", {"丙工業"}),  # full-width operator, digits and grouping comma
    ("revenue >= 10億", {"甲製作所", "乙精機"}),  # 丙工業 has no revenue: never matches a comparison
    ("not revenue >= 10億", {"丙工業", "丁ソフト", "戊運輸", "己商事", "Acme 株式会社"}),
    ("revenue is empty", {"丙工業", "己商事"}),
    ('industry != "E"', {"丁ソフト", "戊運輸", "己商事"}),  # Acme has no industry: != is false too
    ('prefecture = "東京"', {"乙精機", "丙工業", "丁ソフト"}),
    ('listing = "東証一部"', {"乙精機"}),  # the pre-2022 name of プライム
    ("named_account = true", {"乙精機"}),
    ('customer_since >= "2023-01-01"', {"甲製作所", "丙工業"}),
    ('customer_since < "令和5年1月1日"', {"戊運輸"}),
    ('challenge.category = "属人化・ナレッジ継承"', {"甲製作所", "乙精機"}),
    ('challenge.category != "属人化・ナレッジ継承"', {"丙工業", "丁ソフト", "戊運輸", "己商事", "Acme 株式会社"}),
    ('課題カテゴリ in ("人材確保・育成", "データ活用・可視化")', {"甲製作所", "戊運輸", "己商事"}),
    ("challenge.category is empty", {"丙工業", "丁ソフト", "Acme 株式会社"}),
    ('challenge.tag = "熟練工"', {"甲製作所"}),
    ('challenge.tag contains "EXCEL"', {"乙精機", "己商事"}),  # case-insensitive substring of a tag
    ("challenge.tag is not empty", {"甲製作所", "乙精機", "戊運輸", "己商事"}),
    ("資本金 >= 1億", {"甲製作所", "乙精機"}),
    ("資本金 is empty", {"丙工業", "戊運輸", "己商事", "Acme 株式会社"}),
    ('基幹システム contains "sap"', {"甲製作所", "丁ソフト"}),
    ('custom.基幹システム = "OBIC7"', {"戊運輸"}),
    ("認定 = true", {"甲製作所", "丁ソフト"}),
    ("認定 = false", {"乙精機"}),
    ('name contains "株式会社" or (industry = "H" and not employees > 200)', {"Acme 株式会社", "戊運輸"}),
    ('name contains "%"', set()),  # LIKE wildcards are escaped
]


@pytest.mark.parametrize(("rule", "expected"), CASES)
def test_rule_matches_the_hand_checked_accounts(workspace: Engine, rule: str, expected: set[str]) -> None:
    assert matches(workspace, rule) == expected


@pytest.mark.parametrize(("rule", "_"), CASES)
def test_canonical_text_parses_back_to_the_same_matches(workspace: Engine, rule: str, _: object) -> None:
    with workspace.connect() as conn:
        text = format_rule(parse_rule(rule, load_catalog(conn)))
    assert matches(workspace, text) == matches(workspace, rule)


ERRORS: list[tuple[str, str, int | None, str | None]] = [
    ("", "ICP_RULE_EMPTY", 1, None),
    ('industy = "E"', "ICP_RULE_UNKNOWN_ATTRIBUTE", 1, "industy"),
    ('employees >= 300 and 業界 = "E"', "ICP_RULE_UNKNOWN_ATTRIBUTE", 22, "業界"),
    ('industry = "Z"', "ICP_RULE_VALUE", 12, "industry"),
    ('employees >= "many"', "ICP_RULE_VALUE", 14, "employees"),
    ('challenge.category = "属人化"', "ICP_RULE_VALUE", 22, "challenge.category"),
    ("employees between 999 and 300", "ICP_RULE_RANGE", 19, "employees"),
    ('industry contains "E"', "ICP_RULE_OPERATOR", 1, "industry"),
    ('industry = "E" and', "ICP_RULE_SYNTAX", 19, None),
    ('(industry = "E"', "ICP_RULE_SYNTAX", 16, None),
    ('industry = "E" employees > 3', "ICP_RULE_SYNTAX", 16, None),
    ("employees in (100,200)", "ICP_RULE_SYNTAX", 15, None),
    ('name = "unclosed', "ICP_RULE_UNTERMINATED", 8, None),
    ("employees > 3; drop table accounts", "ICP_RULE_SYNTAX", 14, None),
]


@pytest.mark.parametrize(("rule", "code", "position", "attr"), ERRORS)
def test_bad_rules_say_what_and_where(
    workspace: Engine, rule: str, code: str, position: int | None, attr: str | None
) -> None:
    with pytest.raises(TenbinError) as caught, workspace.connect() as conn:
        parse_rule(rule, load_catalog(conn))
    error = caught.value
    assert error.code == code
    assert error.place.position == position and error.place.field == attr
    assert error.message("ja") != error.message("en") and "{" not in error.message("ja")
    if code != "ICP_RULE_EMPTY":
        assert str(position) in error.message("en")


def test_unknown_attribute_suggests_close_names(workspace: Engine) -> None:
    with pytest.raises(TenbinError) as caught, workspace.connect() as conn:
        parse_rule('industy = "E"', load_catalog(conn))
    assert "industry" in caught.value.message("en") and "近い名前: industry" in caught.value.message("ja")
