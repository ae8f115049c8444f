"""Win likelihood on a tiny workspace built here, on SQLite and PostgreSQL: factors computed by
hand from the default weights, the as-of cutoff, calibration that adopts a better model and refuses
a worse one, too little history, the threshold setting and the capacity mode."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, insert, select, true

from tenbin.db import schema
from tenbin.errors import TenbinError
from tenbin.likelihood import service as likelihood
from tenbin.likelihood.model import DEFAULT_THRESHOLD

T = dt.datetime(2026, 3, 11, 10, 0)


def _id(conn: Connection, table: Any, **values: Any) -> int:
    return int(conn.execute(insert(table).values(**values).returning(table.c.id)).scalar_one())


def _offer(conn: Connection, rank: int) -> int:
    return int(conn.execute(select(schema.offers.c.id).where(schema.offers.c.ladder_rank == rank)).scalar_one())


def build_world(engine: Engine) -> dict[str, int]:
    """Account A: lead L, an open opportunity (budget 90 of 100) whose group has 決裁者・予算権限者・
    利用部門 in favour and 情シス against; L took デモ申込 (rank 4) ten days before T. After T: a 見積もり
    依頼 response and a new 推進者 who supports. Lead N has no account and took 資料請求 on T−30d."""
    with engine.begin() as conn:
        a = _id(conn, schema.accounts, name="株式会社テスト", name_key="テスト")
        camp = _id(conn, schema.campaigns, name="展示会", channel="展示会", orientation="quantity")
        lead = _id(conn, schema.contacts, account_id=a, email="l@x.jp", acquired_at=dt.datetime(2026, 1, 5),
                   lifecycle_stage="sql")  # fmt: skip
        opp = _id(conn, schema.opportunities, account_id=a, contact_id=lead, name="導入", amount=1_000_000,
                  budget=900_000, status="open", created_on=dt.date(2026, 2, 1))  # fmt: skip
        group = [("decision_maker", "support"), ("budget_holder", "support"), ("user_department", "support"),
                 ("it_evaluator", "oppose")]  # fmt: skip
        for k, (role, stance) in enumerate(group):
            person = _id(conn, schema.contacts, account_id=a, email=f"g{k}@x.jp", acquired_at=dt.datetime(2026, 1, 10))
            conn.execute(insert(schema.buying_group_members).values(contact_id=person, account_id=a,
                         opportunity_id=opp, role=role, stance=stance, engagement=2))  # fmt: skip
        late = _id(conn, schema.contacts, account_id=a, email="late@x.jp", acquired_at=dt.datetime(2026, 4, 1))
        conn.execute(insert(schema.buying_group_members).values(contact_id=late, account_id=a, opportunity_id=opp,
                     role="champion", stance="support", engagement=3))  # fmt: skip
        responses = [(lead, 4, dt.datetime(2026, 3, 1, 10, 0)), (lead, 5, dt.datetime(2026, 3, 20, 10, 0))]
        loner = _id(conn, schema.contacts, email="n@x.jp", acquired_at=dt.datetime(2026, 2, 1))
        responses.append((loner, 1, T - dt.timedelta(days=30)))
        for contact, rank, at in responses:
            conn.execute(insert(schema.responses).values(contact_id=contact, campaign_id=camp,
                         offer_id=_offer(conn, rank), responded_at=at))  # fmt: skip
    return {"account": a, "lead": lead, "opportunity": opp, "loner": loner, "late": late}


def test_factors_by_hand_from_the_default_weights(engine: Engine) -> None:
    world = build_world(engine)
    with engine.connect() as conn:
        scores = likelihood.score_contacts(conn, [world["lead"]], as_of=T)
    score = scores[world["lead"]]
    parts = {f.key: f for f in score.factors}
    assert parts["consensus"].value == 3 and parts["consensus"].contribution == pytest.approx(1.5)
    assert parts["opposition"].value == 1 and parts["opposition"].contribution == pytest.approx(-1.0)
    assert parts["budget_fit"].value == pytest.approx(0.9) and parts["budget_fit"].contribution == pytest.approx(-0.15)
    assert parts["offer_rung"].value == 4 and parts["offer_rung"].contribution == pytest.approx(2.0)
    assert parts["recency"].value == pytest.approx(10.0)
    assert parts["recency"].contribution == pytest.approx(0.5 * 2 ** (-10 / 30))  # 0.396850
    logit = -3.0 + 1.5 - 1.0 - 0.15 + 2.0 + 0.396850263
    assert score.probability == pytest.approx(1 / (1 + math.exp(-logit)), abs=1e-6)  # 0.437048
    assert score.probability == pytest.approx(0.437048, abs=1e-6)
    assert score.band == "low" and score.threshold == DEFAULT_THRESHOLD and score.model_id is None
    assert parts["offer_rung"].text_ja == "最も購買に近いオファー: デモ申込(段階 4)"
    assert parts["opposition"].text_ja == "反対者あり(情シス/技術評価者)"
    assert parts["budget_fit"].text_en == "Budget ¥900,000 vs amount ¥1M (ratio 0.90)"


def test_as_of_cutoff_leaves_out_later_data(engine: Engine) -> None:
    world = build_world(engine)
    later = dt.datetime(2026, 4, 15, 10, 0)
    with engine.connect() as conn:
        before = likelihood.score_contacts(conn, as_of=T)
        after = likelihood.score_contacts(conn, [world["lead"]], as_of=later)[world["lead"]]
    # at T the late 推進者 and the 見積もり依頼 are not yet there; the later contact is not yet a lead
    assert world["lead"] in before and world["loner"] in before and world["late"] not in before
    assert {f.key: f.value for f in before[world["lead"]].factors}["consensus"] == 3
    parts = {f.key: f.value for f in after.factors}
    assert parts["consensus"] == 4 and parts["offer_rung"] == 5 and parts["recency"] == pytest.approx(26.0)
    loner = {f.key: f for f in before[world["loner"]].factors}
    assert loner["offer_rung"].value == 1 and loner["recency"].value == pytest.approx(30.0)  # its own response
    assert loner["consensus"].value is None and loner["consensus"].contribution == 0.0
    assert loner["budget_fit"].contribution == 0.0 and loner["budget_fit"].text_en.startswith(
        "Budget or amount unknown"
    )
    with engine.connect() as conn:
        early = likelihood.score_contacts(conn, as_of=dt.datetime(2026, 1, 6))
    assert world["lead"] in early and world["loner"] not in early  # acquired on 2026-02-01


def _opportunities(engine: Engine, outcomes: list[tuple[float, bool]]) -> None:
    """One opportunity per day from 2025-01-01 with budget/amount ratio and outcome as given."""
    with engine.begin() as conn:
        a = _id(conn, schema.accounts, name="株式会社履歴", name_key="履歴")
        for k, (ratio, won) in enumerate(outcomes):
            day = dt.date(2025, 1, 1) + dt.timedelta(days=k)
            conn.execute(insert(schema.opportunities).values(
                account_id=a, name=f"商談{k}", amount=1_000_000, budget=int(1_000_000 * ratio),
                status="won" if won else "lost", created_on=day, closed_on=day + dt.timedelta(days=30)))  # fmt: skip


def test_calibration_adopts_a_better_model(engine: Engine) -> None:
    # won exactly when the budget is short (0.6): the defaults rank these lowest (test AUC 0), a fit learns it
    _opportunities(engine, [(0.6, True) if k % 2 else (1.4, False) for k in range(80)])
    result = likelihood.calibrate(engine, actor="test")
    assert result.adopted and result.weights.budget_fit < 0
    assert result.split["train"] == 60 and result.split["test"] == 20 and result.split["test_won"] == 10
    assert result.fitted.auc == 1.0 and result.defaults.auc == 0.0
    assert result.fitted.brier < result.defaults.brier
    assert sum(b["count"] for b in result.fitted.reliability) == 20
    with engine.connect() as conn:
        model = likelihood.current_model(conn)
        rows = conn.execute(select(schema.likelihood_models)).all()
        audit = conn.execute(
            select(schema.audit_log.c.action).where(schema.audit_log.c.action == "likelihood.calibrate")
        ).all()
    assert model.id == result.model_id and model.kind == "calibrated" and model.weights == result.weights
    assert len(rows) == 1 and rows[0].is_current and rows[0].metrics["adopted"] is True and len(audit) == 1


def test_calibration_refuses_a_worse_model_and_keeps_the_defaults(engine: Engine) -> None:
    # the early 60 say short budgets win, the later 20 the opposite (as the defaults assume)
    early = [(0.6, True) if k % 2 else (1.4, False) for k in range(60)]
    late = [(1.4, True) if k % 2 else (0.6, False) for k in range(20)]
    _opportunities(engine, early + late)
    result = likelihood.calibrate(engine, actor="test")
    assert not result.adopted and result.fitted.auc == 0.0 and result.defaults.auc == 1.0
    with engine.connect() as conn:
        assert likelihood.current_model(conn).id is None  # the defaults stay in use
        stored = conn.execute(select(schema.likelihood_models.c.is_current)).scalars().all()
    assert stored == [False]


def test_dry_run_stores_nothing_and_too_little_history_is_a_coded_error(engine: Engine) -> None:
    _opportunities(engine, [(0.6, True) if k % 2 else (1.4, False) for k in range(80)])
    likelihood.calibrate(engine, actor="test", dry_run=True)
    with engine.connect() as conn:
        assert conn.execute(select(schema.likelihood_models.c.id)).first() is None
    with engine.begin() as conn:
        conn.execute(schema.opportunities.delete().where(schema.opportunities.c.id > 20))
    with pytest.raises(TenbinError) as caught:
        likelihood.calibrate(engine, actor="test")
    assert caught.value.code == "LIKELIHOOD_TOO_FEW_OUTCOMES"
    assert caught.value.params["won"] == 10 and caught.value.params["lost"] == 10
    assert "30" in caught.value.message("ja") and "受注 10 件" in caught.value.message("ja")


def test_threshold_setting_and_capacity_mode(engine: Engine) -> None:
    world = build_world(engine)
    likelihood.set_threshold(engine, value="0.4", actor="test")
    with engine.connect() as conn:
        assert likelihood.likelihood_threshold(conn) == 0.4
        assert likelihood.score_contacts(conn, [world["lead"]], as_of=T)[world["lead"]].band == "high"
    with engine.begin() as conn:
        conn.execute(insert(schema.teams).values(name="営業", kind="sales", capacity_per_week=None))
        team = conn.execute(select(schema.teams.c.id)).scalar_one()
        conn.execute(insert(schema.team_members).values(team_id=team, name="a", capacity_per_day=0))
    with pytest.raises(TenbinError) as caught:
        likelihood.choose_by_capacity(engine, icp_condition=lambda conn: true(), actor="test", as_of=T)
    assert caught.value.code == "LIKELIHOOD_NO_CAPACITY"
    with engine.begin() as conn:
        conn.execute(schema.team_members.update().values(capacity_per_day=None, capacity_per_week=1))
    # every account is "ICP" here: in the 13 weeks to T two leads arrived (L at 0.437 with base 0.4 high,
    # N low); 13 weeks × 1 per week is ample, so the base stays
    choice = likelihood.choose_by_capacity(engine, icp_condition=lambda conn: true(), actor="test", as_of=T)
    assert choice.mode == "capacity" and choice.capacity_per_week == 1 and choice.threshold == 0.4
    assert choice.icp_leads is not None and choice.icp_leads >= 1
    with engine.connect() as conn:
        assert likelihood.likelihood_threshold(conn) == 0.4


def test_opportunities_are_scored_as_of_their_created_day(engine: Engine) -> None:
    world = build_world(engine)
    with engine.connect() as conn:
        score = likelihood.score_opportunities(conn, [world["opportunity"]])[world["opportunity"]]
    parts = {f.key: f for f in score.factors}
    # created 2026-02-01: the デモ申込 (03-01) and the late 推進者 (acquired 04-01) come after it
    assert score.as_of == dt.datetime(2026, 2, 2)
    assert parts["consensus"].value == 3 and parts["opposition"].value == 1
    assert parts["offer_rung"].value is None and parts["offer_rung"].contribution == 0.0
    assert parts["recency"].value is None
    logit = -3.0 + 1.5 - 1.0 - 0.15
    assert score.probability == pytest.approx(1 / (1 + math.exp(-logit)))
