"""The home chart's data: responses per month and campaign orientation, counted in SQL on both databases."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from conftest import Client
from sqlalchemy import Engine, insert

from tenbin.db import schema


def test_responses_by_month_counts_each_month_and_orientation(login: Callable[..., Client], engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(
            insert(schema.campaigns),
            [
                {"id": 1, "name": "展示会 2025", "channel": "exhibition", "orientation": "quantity"},
                {"id": 2, "name": "個別セミナー", "channel": "seminar", "orientation": "quality"},
            ],
        )
        conn.execute(insert(schema.contacts), [{"id": i, "last_name": f"山田{i}"} for i in range(1, 6)])
        when = [
            (1, 1, dt.datetime(2025, 4, 1, 9)),
            (2, 1, dt.datetime(2025, 4, 30, 23, 59)),
            (3, 2, dt.datetime(2025, 4, 15)),
            (4, 1, dt.datetime(2025, 5, 1, 0, 0)),
            (5, 2, dt.datetime(2025, 6, 2)),
        ]
        conn.execute(
            insert(schema.responses), [{"contact_id": c, "campaign_id": k, "responded_at": t} for c, k, t in when]
        )
    c = login("viewer")
    spec = c.get("/charts/responses-by-month.json").json()
    assert spec["data"]["values"] == [
        {"month": "2025-04", "orientation": "質重視の施策", "responses": 1},
        {"month": "2025-04", "orientation": "量重視の施策", "responses": 2},
        {"month": "2025-05", "orientation": "量重視の施策", "responses": 1},
        {"month": "2025-06", "orientation": "質重視の施策", "responses": 1},
    ]
    assert spec["encoding"]["x"]["title"] == "月"
