"""``tenbin score`` as a user runs it (a subprocess), on SQLite and PostgreSQL: show in ja/en and
JSON, list by band, calibrate (dry run and for real), the threshold, and one-line coded errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest
from sqlalchemy import Engine

from tenbin.db.engine import make_engine

sys.path.insert(0, os.path.dirname(__file__))
from test_likelihood_service import _opportunities, build_world


def tenbin(db_url: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TENBIN_DATABASE_URL": db_url, "LANG": "C.UTF-8"}
    proc = subprocess.run([sys.executable, "-m", "tenbin.cli.main", *args], capture_output=True, text=True, env=env)
    if check and proc.returncode != 0:
        raise AssertionError(f"tenbin {args} failed: {proc.stderr}")
    return proc


def _json(db_url: str, *args: str) -> Any:
    return json.loads(tenbin(db_url, *args, "--json").stdout)


def test_show_list_and_threshold(engine: Engine, db_url: str) -> None:
    world = build_world(engine)
    lead = str(world["lead"])
    shown = _json(db_url, "--lang", "en", "score", "show", lead, "--as-of", "2026-03-11T10:00")
    assert shown["probability"] == pytest.approx(0.437, abs=1e-3) and shown["band"] == "low"
    assert shown["factors"][1]["text"] == "Opposed by: IT evaluator"
    ja = tenbin(db_url, "--lang", "ja", "score", "show", lead, "--as-of", "2026-03-11T10:00").stdout
    assert "リード 1: 受注確度 43.7%(低、しきい値 50.0%、既定の重み)" in ja and "反対者あり" in ja
    listed = _json(db_url, "score", "list", "--as-of", "2026-03-11T10:00")
    assert listed[0]["contact_id"] == world["lead"]  # the highest first
    assert _json(db_url, "score", "list", "--band", "high", "--as-of", "2026-03-11T10:00") == []
    assert _json(db_url, "score", "threshold", "0.4")["threshold"] == 0.4
    assert _json(db_url, "score", "threshold") == {"threshold": 0.4}
    high = _json(db_url, "score", "list", "--band", "high", "--as-of", "2026-03-11T10:00")
    # the lead and the four group members of its account share the account's factors; the loner is low
    high_ids = {s["contact_id"] for s in high}
    assert world["lead"] in high_ids and world["loner"] not in high_ids and len(high_ids) == 5
    bad = tenbin(db_url, "--lang", "en", "score", "threshold", "2", check=False)
    assert bad.returncode == 2 and bad.stderr.startswith("LIKELIHOOD_THRESHOLD_INVALID: The threshold must be")
    missing = tenbin(db_url, "--lang", "ja", "score", "show", "999999", check=False)
    assert (
        missing.returncode == 2
        and missing.stderr.strip() == "LIKELIHOOD_LEAD_NOT_FOUND: ID 999999 のリードはありません。"
    )


def test_calibrate_dry_run_then_adopt(engine: Engine, db_url: str) -> None:
    too_few = tenbin(db_url, "--lang", "en", "score", "calibrate", check=False)
    assert too_few.returncode == 2 and too_few.stderr.startswith("LIKELIHOOD_TOO_FEW_OUTCOMES: Too little history")
    _opportunities(engine, [(0.6, True) if k % 2 else (1.4, False) for k in range(80)])
    dry = _json(db_url, "score", "calibrate", "--dry-run")
    assert dry["model_id"] is None and dry["adopted"] is True
    text = tenbin(db_url, "--lang", "ja", "score", "calibrate").stdout
    assert "を採用しました" in text and "検証期間の成績" in text and "信頼性" in text
    engine2 = make_engine(db_url)
    try:
        with engine2.connect() as conn:
            from tenbin.likelihood.service import current_model

            assert current_model(conn).kind == "calibrated"
    finally:
        engine2.dispose()
