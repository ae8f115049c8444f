"""A tiny declared workspace for the engagement slice (ladder, seminars, whitespace), with every
expected number worked out by hand in the tests that use it.

Offers: the default ladder (資料請求 1 < セミナー申込 2 < 個別セミナー 3 < デモ申込 4 < 見積もり依頼 5).
ICP version 1: industry = "E" (accounts 1, 3, 4, 5 match; account 2 does not).

Leads and their responses (rank @ day of April 2026):
  L1 @A1: 1@1, 3@5            L2 @A1: 1@1, 2@2, 4@3       L6 @A1: 2@2, 3@4
  L3 @A2: 1@1                 L4 @A2: 2@1, 1@2            L5 (no account): 1@1 and 2@1 at the same minute

Customers A3 (LTV 600 + 500 = 1,100; products P1, P2), A4 (LTV 3,000; P1; 拠点数 12), A5 (no revenue,
customer since 2025). Contacts' departments: A3 情報システム部, 営業部; A4 営業課, 総務部, 製造部;
A5 総務部, 情報システム課. A3's buying group: C31 (it_evaluator, opportunity opened 2026-01-10),
C32 (champion, recorded 2026-03-15).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, insert, select

from tenbin.db import schema as s
from tenbin.icp.versions import save_version


def day(d: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(2026, 4, d, hour, 0)


def build(engine: Engine, *, icp: bool = True) -> None:
    with engine.begin() as conn:
        offers = dict(conn.execute(select(s.offers.c.ladder_rank, s.offers.c.id)).tuples().all())
        accounts = [
            (1, "アルファ工業", "E", None),
            (2, "ベータ情報", "G", None),
            (3, "ガンマ製作所", "E", dt.date(2024, 5, 1)),
            (4, "デルタ機械", "E", None),
            (5, "イプシロン化学", "E", dt.date(2025, 1, 1)),
        ]
        conn.execute(insert(s.accounts), [
            {"id": i, "name": n, "name_key": n, "industry_code": ind, "customer_since": since}
            for i, n, ind, since in accounts
        ])  # fmt: skip
        contacts = [
            (1, 1, None), (2, 1, None), (3, 2, None), (4, 2, None), (5, None, None), (6, 1, None),
            (31, 3, "情報システム部"), (32, 3, "営業部"),
            (41, 4, "営業課"), (42, 4, "総務部"), (43, 4, "製造部"),
            (51, 5, "総務部"), (52, 5, "情報システム課"),
        ]  # fmt: skip
        conn.execute(insert(s.contacts), [
            {"id": i, "account_id": a, "department": d, "last_name": f"姓{i}", "first_name": "名",
             "email": f"c{i}@example.jp"}
            for i, a, d in contacts
        ])  # fmt: skip
        conn.execute(insert(s.campaigns), [{"id": 1, "name": "春の施策", "channel": "ウェビナー",
                                             "orientation": "quality"}])  # fmt: skip
        responses = [
            (1, 1, 1), (1, 3, 5), (2, 1, 1), (2, 2, 2), (2, 4, 3), (6, 2, 2), (6, 3, 4),
            (3, 1, 1), (4, 2, 1), (4, 1, 2), (5, 1, 1), (5, 2, 1),
        ]  # fmt: skip
        conn.execute(insert(s.responses), [
            {"contact_id": c, "campaign_id": 1, "offer_id": offers[r], "responded_at": day(d)}
            for c, r, d in responses
        ])  # fmt: skip
        lines = [(3, dt.date(2025, 1, 31), 1000, 600, "P1"), (3, dt.date(2025, 2, 28), 500, None, "P2"),
                 (4, dt.date(2025, 3, 31), 3000, None, "P1")]  # fmt: skip
        conn.execute(insert(s.revenue_lines), [
            {"account_id": a, "recognized_on": d, "amount": m, "gross_profit": g, "product": p}
            for a, d, m, g, p in lines
        ])  # fmt: skip
        conn.execute(insert(s.opportunities), [{"id": 1, "account_id": 3, "name": "導入", "status": "open",
                                                 "created_on": dt.date(2026, 1, 10)}])  # fmt: skip
        conn.execute(insert(s.buying_group_members), [
            {"contact_id": 31, "account_id": 3, "opportunity_id": 1, "role": "it_evaluator"},
            {"contact_id": 32, "account_id": 3, "opportunity_id": None, "role": "champion",
             "created_at": dt.datetime(2026, 3, 15, 9, 0)},
        ])  # fmt: skip
        conn.execute(insert(s.attribute_definitions), [{"id": 1, "entity": "accounts", "key": "拠点数",
                                                         "label": "拠点数", "type": "number"}])  # fmt: skip
        conn.execute(insert(s.custom_values), [{"attribute_id": 1, "record_id": 4, "value_text": "12",
                                                "value_number": 12.0}])  # fmt: skip
    if icp:
        save_version(engine, name="製造業", rules='industry = "E"', actor="test", adopt=True)
