"""``tenbin metrics …`` on the declared metrics workspace of ``test_metrics`` (400 leads, 150 ICP), on
SQLite and PostgreSQL: the JSON is the service result, the tables carry the counts in both languages,
and bad queries are one-line coded errors (exit 2). Run in-process (``main``) to keep it fast."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import Engine
from test_metrics import declare

from tenbin.cli import common
from tenbin.cli.common import out
from tenbin.cli.main import main
from tenbin.db.engine import make_engine
from tenbin.metrics.service import (
    CampaignCostQuery,
    ConversionQuery,
    IcpRateQuery,
    ValueShareQuery,
    compute_campaign_costs,
    compute_conversion,
    compute_icp_rate,
    compute_value_share,
)


@pytest.fixture
def run(engine: Engine, db_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Any:
    declare(engine)
    monkeypatch.setattr(out, "_width", 200)  # wide enough that no cell wraps
    opened: list[Engine] = []

    def make(url: str) -> Engine:  # the CLI's engine, disposed after each command as a process exit would
        opened.append(make_engine(url))
        return opened[-1]

    monkeypatch.setattr(common, "make_engine", make)

    def call(*args: str) -> tuple[int, str, str]:
        try:
            code = main(["--database", db_url, *args])
        finally:
            while opened:
                opened.pop().dispose()
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return call


def test_json_is_the_service_result(run: Any, engine: Engine) -> None:
    code, stdout, _ = run("metrics", "icp-rate", "--by", "stage,campaign", "--json")
    assert code == 0
    data = json.loads(stdout)
    assert data == compute_icp_rate(engine, IcpRateQuery(by=("stage", "campaign"))).as_dict()
    lead = data["overall"][0]
    assert (lead["stage"], lead["total"], lead["icp"], lead["non_icp"], lead["rate"]) == ("lead", 400, 150, 250, 0.375)
    filtered = json.loads(run("metrics", "icp-rate", "--channel", "広告", "--from", "2025-04-01", "--json")[1])
    assert (filtered["rows"][0]["total"], filtered["rows"][0]["icp"]) == (200, 50)  # campaign B

    conversion = json.loads(run("metrics", "conversion", "--json")[1])
    expected = compute_conversion(engine, ConversionQuery())
    first = conversion["steps"][0]
    assert (first["from_stage"], first["to_stage"]) == ("lead", "sql")
    assert first["comparison"]["icp"]["hits"] == 30 and first["comparison"]["non_icp"]["total"] == 250
    assert first["comparison"]["p_icp_higher"] == expected.steps[0].comparison.p_icp_higher
    value = json.loads(run("metrics", "value", "--json")[1])
    assert value["pipeline"]["share"] == compute_value_share(engine, ValueShareQuery()).pipeline.share == 0.5
    assert value["ltv_basis"] == "gross_profit"
    costs = json.loads(run("metrics", "costs", "--json")[1])
    expected_costs = compute_campaign_costs(engine, CampaignCostQuery())
    assert [c["campaign"] for c in costs["campaigns"]] == [c.campaign for c in expected_costs.campaigns]
    assert (costs["cost"], costs["leads"]["total"], costs["leads"]["hits"]) == (2_800_000, 340, 130)


def test_tables_show_the_counts_in_both_languages(run: Any) -> None:
    code, ja, _ = run("--lang", "ja", "metrics", "icp-rate", "--by", "stage")
    assert code == 0
    # the stage summary line: 400 leads, 150 ICP (37.5 %), 250 non-ICP; names from the funnel settings
    assert "リード獲得 400件、うちICP該当 150件(37.5%)、非ICP 250件" in ja
    assert "商談化(SQL) 55件、うちICP該当 30件(54.5%)" in ja  # 30 / 55
    assert "37.5% [32.9%–42.3%] (150/400)" in ja  # the rate with its Wilson interval and the counts beside it
    assert "非ICP" in ja and "ステージ" in ja
    code, en, _ = run("--lang", "en", "metrics", "icp-rate", "--by", "campaign")
    assert code == 0
    assert "campaign" in en and "non-ICP" in en and "60.0%" in en and "(60/100)" in en  # campaign A
    assert "37.5% [32.9%–42.3%] (150/400)" in en  # the overall row
    _, conversion, _ = run("--lang", "en", "metrics", "conversion")
    assert "20.0%" in conversion and "(30/150)" in conversion and "(25/250)" in conversion  # 商談化率
    _, costs, _ = run("--lang", "ja", "metrics", "costs")
    assert "¥20,000" in costs and "¥4,500" in costs  # A per ICP lead, B per lead
    _, value, _ = run("--lang", "en", "metrics", "value")
    assert "50.0%" in value and "¥4,000,000" in value and "2/4" in value  # pipeline from ICP accounts


def test_bad_queries_are_one_line_coded_errors(run: Any) -> None:
    code, stdout, stderr = run("--lang", "en", "metrics", "icp-rate", "--by", "stage,week")
    assert code == 2 and stdout == ""
    assert stderr.startswith("METRICS_UNKNOWN_DIMENSION: Cannot group by 'week'.")
    assert stderr.count("\n") == 1 and "(field=by, position=2)" in stderr
    code, _, stderr = run("--lang", "ja", "metrics", "icp-rate", "--stage", "deal")
    assert code == 2 and stderr.startswith("METRICS_UNKNOWN_STAGE: ファネルステージ 'deal' はありません")
    code, _, stderr = run("metrics", "conversion", "--steps", "won>sql")
    assert code == 2 and stderr.startswith("METRICS_STEP_ORDER")
    code, _, stderr = run("metrics", "value", "--from", "2026-01-01", "--to", "2025-01-01")
    assert code == 2 and stderr.startswith("METRICS_PERIOD_ORDER")


def test_filters_by_hand_repeated_or_comma_separated(run: Any) -> None:
    def overall(*args: str) -> tuple[int, int]:
        code, stdout, stderr = run("metrics", "icp-rate", *args, "--json")
        assert code == 0, stderr
        row = json.loads(stdout)["overall"][0]
        return row["total"], row["icp"]

    # 佐藤 owns ICP leads k < 60 (team 1 インサイドセールス: the lowest id of his two teams), 鈴木 owns
    # non-ICP leads j < 80 (フィールドセールス); 山田 (no team) and the rest have no team
    assert overall("--team", "インサイドセールス") == (60, 60)
    assert overall("--team", "フィールドセールス") == (80, 0)
    assert overall("--team", "(none)") == (260, 90)
    # industry E: the 150 ICP leads; G: non-ICP j < 245 with j % 25 < 15 → 9·15 + 15 = 150; D: 95; none: 5
    assert overall("--industry", "E,G") == (300, 150)
    assert overall("--industry", "D", "--industry", "(none)") == (100, 0)
    assert overall("--size-band", "300-499") == (150, 150)  # the E accounts
    assert overall("--offer", "資料請求") == (200, 50)  # campaign B's first-touch offer
    assert overall("--orientation", "質") == (100, 60)  # campaign A: 量/質 read as quantity/quality
    assert overall("--channel", "広告", "--industry", "E") == (50, 50)  # both filters hold
    assert overall("--campaign", "Z") == (0, 0)  # an unknown value keeps nothing: no error
    code, stdout, _ = run("metrics", "conversion", "--industry", "E", "--json")
    first = json.loads(stdout)["steps"][0]["comparison"]
    assert code == 0 and (first["icp"]["hits"], first["icp"]["total"], first["non_icp"]["total"]) == (30, 150, 0)


@pytest.mark.parametrize("dimension", ["campaign", "channel", "orientation", "offer", "team", "industry", "size_band"])
def test_a_filtered_total_is_the_group_of_the_breakdown(run: Any, dimension: str) -> None:
    _, stdout, _ = run("metrics", "icp-rate", "--by", dimension, "--json")
    groups = json.loads(stdout)["rows"]
    assert len(groups) >= 2
    option = "--" + dimension.replace("_", "-")
    for group in groups:
        _, filtered, _ = run("metrics", "icp-rate", option, group[dimension].replace(",", "\\,"), "--json")
        row = json.loads(filtered)["overall"][0]
        assert (row["total"], row["icp"]) == (group["total"], group["icp"]), (dimension, group[dimension])


def test_malformed_filters_are_one_line_coded_errors(run: Any) -> None:
    code, stdout, stderr = run("--lang", "en", "metrics", "icp-rate", "--orientation", "volume")
    assert code == 2 and stdout == "" and stderr.count("\n") == 1
    assert stderr.startswith("METRICS_FILTER_ORIENTATION: Orientation 'volume' is neither quantity nor quality.")
    assert "(field=orientation)" in stderr
    code, _, stderr = run("--lang", "ja", "metrics", "conversion", "--channel", "広告,")
    assert code == 2 and stderr.startswith("METRICS_FILTER_EMPTY: channel の絞り込みに空の値があります。")
    code, _, stderr = run("metrics", "icp-rate", "--from", "2026-02-30")
    assert code == 2 and "Invalid value for '--from'" in stderr  # a usage error, not an internal one
