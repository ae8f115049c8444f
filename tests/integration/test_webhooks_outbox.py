"""The outbox: one pending delivery per active, subscribed webhook of the team or of all teams."""

from __future__ import annotations

from sqlalchemy import Engine, insert, select

from tenbin.db.engine import write_transaction
from tenbin.db.schema import teams, webhook_deliveries, webhooks
from tenbin.webhooks.outbox import enqueue


def _setup(engine: Engine) -> dict[str, int]:
    with write_transaction(engine) as conn:
        a = conn.execute(insert(teams).values(name="営業A", kind="sales").returning(teams.c.id)).scalar_one()
        b = conn.execute(insert(teams).values(name="IS", kind="inside_sales").returning(teams.c.id)).scalar_one()

        def hook(name: str, team: int | None, events: list[str], active: bool = True) -> int:
            return int(
                conn.execute(
                    insert(webhooks)
                    .values(team_id=team, name=name, url="http://x.test/", secret="s", events=events, is_active=active)
                    .returning(webhooks.c.id)
                ).scalar_one()
            )

        return {
            "a": a,
            "b": b,
            "all": hook("all", None, ["routing.assigned"]),
            "a_hook": hook("a", a, ["routing.assigned"]),
            "b_hook": hook("b", b, ["routing.assigned"]),
            "a_other": hook("a other", a, ["lead.received"]),
            "a_star": hook("a star", a, ["*"]),
            "a_off": hook("a off", a, ["routing.assigned"], active=False),
        }


def test_enqueue_picks_team_and_global_subscribed_active_hooks(engine: Engine) -> None:
    ids = _setup(engine)
    with write_transaction(engine) as conn:
        new = enqueue(conn, team_id=ids["a"], event="routing.assigned", payload={"contact_id": 7, "名前": "山田"})
    with engine.connect() as conn:
        rows = conn.execute(select(webhook_deliveries).order_by(webhook_deliveries.c.id)).mappings().all()
    assert [r["id"] for r in rows] == new
    assert [r["webhook_id"] for r in rows] == [ids["all"], ids["a_hook"], ids["a_star"]]
    assert {r["status"] for r in rows} == {"pending"}
    assert all(r["attempts"] == 0 and r["next_attempt_at"] is not None for r in rows)
    assert rows[0]["payload"] == {"contact_id": 7, "名前": "山田"}


def test_enqueue_without_team_reaches_only_all_team_hooks(engine: Engine) -> None:
    ids = _setup(engine)
    with write_transaction(engine) as conn:
        new = enqueue(conn, team_id=None, event="routing.assigned", payload={})
        none = enqueue(conn, team_id=ids["b"], event="seminar.created", payload={})
    with engine.connect() as conn:
        hooks = conn.execute(select(webhook_deliveries.c.webhook_id)).scalars().all()
    assert hooks == [ids["all"]] and len(new) == 1 and none == []


def test_enqueue_rolls_back_with_the_caller(engine: Engine) -> None:
    ids = _setup(engine)
    try:
        with write_transaction(engine) as conn:
            enqueue(conn, team_id=ids["b"], event="routing.assigned", payload={})
            raise RuntimeError("caller fails")
    except RuntimeError:
        pass
    with engine.connect() as conn:
        assert conn.execute(select(webhook_deliveries.c.id)).all() == []
