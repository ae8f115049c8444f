"""ICP discovery, evidence, versions and explanations on a declared workspace, on SQLite and
PostgreSQL: the planted segment is found with numbers that equal a plain recomputation; versions are
audited; bad definitions are refused with nothing written; the CLI speaks both languages."""

from __future__ import annotations

import json

import numpy as np
import pytest
from helpers import snapshot
from icp_workspace import N_CUSTOMERS, N_PROSPECTS, PLANTED, declare_workspace
from sqlalchemy import Engine, select

from tenbin.db import schema
from tenbin.errors import TenbinError
from tenbin.icp import service as icp
from tenbin.icp.compile import to_sql
from tenbin.icp.versions import Criterion


@pytest.fixture
def workspace(engine: Engine) -> tuple[Engine, dict[str, np.ndarray]]:
    return declare_workspace(engine)


def test_discovery_finds_the_planted_segment_with_recomputable_evidence(workspace: tuple[Engine, dict]) -> None:
    engine, data = workspace
    result = icp.discover_icp(engine, target="ltv")
    assert result.rows == N_CUSTOMERS and result.split == "time"
    best = result.best
    assert best is not None and best.rule == PLANTED, [c.rule for c in result.candidates]
    assert best.q < 0.05 and best.holdout.p < 0.05
    # the evidence, recomputed with plain numpy from the declared data
    customers = np.arange(N_CUSTOMERS)
    ltv = (data["monthly"][customers] // 2) * data["months"][customers]  # Σ gross profit
    inside = data["planted"][customers]
    ev = best.evidence
    assert ev.ltv_basis == "gross_profit"
    assert (ev.customers.hits, ev.customers.n) == (int(inside.sum()), N_CUSTOMERS)
    assert ev.ltv_inside.mean == pytest.approx(ltv[inside].mean())
    assert ev.ltv_outside.median == pytest.approx(np.median(ltv[~inside]))
    assert ev.ltv_lift == pytest.approx(ltv[inside].mean() / ltv[~inside].mean())
    assert ev.ltv_lift_low is not None and ev.ltv_lift_high is not None
    assert ev.ltv_lift_low < ev.ltv_lift < ev.ltv_lift_high
    assert ev.market_accounts == int(data["planted"][N_CUSTOMERS:].sum()) == ev.market_open_leads
    assert ev.market_accounts_total == N_PROSPECTS
    assert (ev.win_inside.hits, ev.win_inside.n) == (int(inside.sum()), int(inside.sum()))  # every deal won


def test_unknown_target_and_bad_options_are_refused_with_codes(workspace: tuple[Engine, dict]) -> None:
    engine, _ = workspace
    with pytest.raises(TenbinError) as caught:
        icp.discover_icp(engine, target="profit")
    assert caught.value.code == "ICP_TARGET_UNKNOWN" and "employees" in caught.value.message("en")
    with pytest.raises(TenbinError) as caught:
        icp.discover_icp(engine, depth=4)
    assert caught.value.code == "ICP_OPTION_INVALID" and caught.value.place.field == "depth"


def test_an_empty_workspace_says_what_data_discovery_needs(engine: Engine) -> None:
    with pytest.raises(TenbinError) as caught:
        icp.discover_icp(engine, target="ltv")
    assert caught.value.code == "ICP_TOO_FEW_ROWS" and "売上のある顧客" in caught.value.message("ja")


def test_versions_are_saved_with_evidence_adopted_and_audited(workspace: tuple[Engine, dict]) -> None:
    engine, data = workspace
    with pytest.raises(TenbinError):
        icp.get_icp_version(engine)
    v1 = icp.save_icp_version(engine, name="中堅製造業", rules="業種 = 製造業 and 従業員数 between 300 and 999",
                              actor="hanako", notes_ltv="継続率が高い", adopt=True)  # fmt: skip
    assert v1.version == 1 and v1.is_current and v1.rules == PLANTED and v1.author == "hanako"
    assert v1.evidence is not None and v1.evidence["customers"]["hits"] == int(data["planted"][:N_CUSTOMERS].sum())
    v2 = icp.save_icp_version(engine, name="製造業", rules='industry = "E"', actor="taro",
                              criteria=[Criterion("従業員数 >= ３００", 2), Criterion("employees <= 999", 1)],
                              threshold=60)  # fmt: skip
    assert not v2.is_current and icp.get_icp_version(engine).version == 1
    assert [(c.rule, c.weight) for c in v2.criteria] == [("employees >= 300", 2.0), ("employees <= 999", 1.0)]
    icp.adopt_icp_version(engine, version=2, actor="hanako")
    assert [v.is_current for v in icp.list_icp_versions(engine)] == [True, False]
    with engine.connect() as conn:
        actions = conn.execute(select(schema.audit_log.c.action, schema.audit_log.c.actor)
                               .order_by(schema.audit_log.c.id)).all()  # fmt: skip
    assert [tuple(a) for a in actions] == [("icp.version.create", "hanako"), ("icp.version.adopt", "hanako"),
                                           ("icp.version.create", "taro"), ("icp.version.adopt", "hanako")]  # fmt: skip


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"rules": 'industy = "E"'}, "ICP_RULE_UNKNOWN_ATTRIBUTE"),
        ({"rules": "", "criteria": [Criterion("employees >= 300", 0)], "threshold": 50}, "ICP_CRITERIA_INVALID"),
        ({"rules": "", "criteria": [Criterion("employees >= 300", 1)], "threshold": 150}, "ICP_CRITERIA_INVALID"),
        ({"rules": 'industry = "E"', "criteria": [Criterion("employees >", 1)], "threshold": 50}, "ICP_RULE_SYNTAX"),
    ],
)
def test_bad_definitions_are_refused_and_nothing_is_written(
    workspace: tuple[Engine, dict], kwargs: dict, code: str
) -> None:
    engine, _ = workspace
    before = snapshot(engine)
    with pytest.raises(TenbinError) as caught:
        icp.save_icp_version(engine, name="x", actor="a", **kwargs)
    assert caught.value.code == code
    assert snapshot(engine) == before


def test_explanations_and_weighted_scores(workspace: tuple[Engine, dict]) -> None:
    engine, data = workspace
    icp.save_icp_version(engine, name="v", rules='industry = "E"', actor="a", adopt=True,
                         criteria=[Criterion("employees >= 300", 3), Criterion("employees <= 999", 1)],
                         threshold=100)  # fmt: skip
    inside = int(np.flatnonzero(data["planted"])[0]) + 1
    big = int(np.flatnonzero((data["industry"] == "E") & (data["employees"] == 2000))[0]) + 1
    e = icp.explain_icp(engine, account_id=inside)
    assert e.matches and e.score == 100 and [c.holds for c in e.criteria_checks] == [True, True]
    e = icp.explain_icp(engine, account_id=big)
    assert not e.matches and e.score == pytest.approx(75.0)  # 100 × 3 / (3 + 1)
    assert [c.holds for c in e.criteria_checks] == [True, False] and e.criteria_checks[1].actual == (2000,)
    lead = icp.explain_icp(engine, contact_id=1, rules='industry = "E"')
    assert lead.account_id == N_CUSTOMERS + 1 and lead.contact_id == 1
    with pytest.raises(TenbinError) as caught:
        icp.explain_icp(engine, account_id=99999, rules='industry = "E"')
    assert caught.value.code == "ICP_RECORD_NOT_FOUND"


def test_cli_checks_discovers_and_explains_in_both_languages(workspace: tuple[Engine, dict], db_url: str) -> None:
    from test_cli import tenbin

    check = json.loads(tenbin(db_url, "icp", "check", PLANTED, "--json").stdout)
    planted = int(workspace[1]["planted"].sum())
    assert check["accounts"] == planted and check["rule"] == PLANTED
    ja = tenbin(db_url, "--lang", "ja", "icp", "check", "業種 = 製造業 and 従業員数 >= 300").stdout
    assert "該当企業" in ja
    bad = tenbin(db_url, "--lang", "ja", "icp", "check", 'industy = "E"', check=False)
    assert bad.returncode == 2 and bad.stderr.startswith("ICP_RULE_UNKNOWN_ATTRIBUTE: 1 文字目の属性")
    found = json.loads(tenbin(db_url, "icp", "discover", "--json").stdout)
    assert found["candidates"][found["best"] - 1]["rule"] == PLANTED
    text = tenbin(db_url, "--lang", "en", "icp", "discover", "--top", "3").stdout
    assert "Best candidate" in text and "subgroups tried" in text


def test_new_icp_candidates_surface_the_segment_the_current_icp_misses(
    workspace: tuple[Engine, dict[str, np.ndarray]],
) -> None:
    engine, data = workspace
    icp.save_icp_version(engine, name="情報通信", rules='industry = "G"', actor="a", adopt=True)
    found = icp.new_icp_candidates(engine, top_k=5)
    customers = np.arange(N_CUSTOMERS)
    in_g = data["industry"][customers] == "G"
    assert (found.customers, found.outside) == (N_CUSTOMERS, int((~in_g).sum()))
    best = next(item for item in found.items if item.candidate.passed)
    with engine.connect() as conn:
        ids = conn.execute(select(schema.accounts.c.id).where(to_sql(best.candidate.node))).scalars()
        matched = {i for i in ids if i <= N_CUSTOMERS}
    planted = {int(i) + 1 for i in np.flatnonzero(data["planted"][customers])}
    assert len(matched & planted) / len(matched | planted) >= 0.7, best.candidate.rule
    assert best.customers == len(matched)  # none of them is in industry G
    assert sum(p.customers for p in best.trend) == best.customers
    assert all(p.quarter.startswith(("2024-", "2025-")) for p in best.trend)
    assert best.sources == () and best.orientation == {"quantity": 0, "quality": 0}  # no responses declared
