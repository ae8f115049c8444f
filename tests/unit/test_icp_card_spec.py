"""The exported evidence card (a Vega-Lite spec for PNG/PDF) carries every note line and the weighted criteria."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tenbin.i18n import use_lang
from tenbin.icp.versions import Criterion, IcpVersion
from tenbin.web.card import card_spec


def texts(spec: dict[str, Any]) -> list[str]:
    found: list[str] = []
    for part in spec.get("vconcat", []):
        values = part.get("data", {}).get("values", [])
        found += [str(v["text"]) for v in values if "text" in v and "style" in v]
    return found


def version(**changes: Any) -> IcpVersion:
    base: dict[str, Any] = dict(
        id=1, version=3, name="中堅製造業", rules='industry = "E"', criteria=(), threshold=None, author="田中",
        created_at=dt.datetime(2026, 11, 1, 9, 0), notes_ltv=None, notes_fit=None, notes_market=None,
        evidence=None, is_current=True,
    )  # fmt: skip
    base.update(changes)
    return IcpVersion(**base)


def test_long_notes_are_not_cut() -> None:
    note = "\n".join(f"{i} 行目: 製造業の既存顧客では継続率が高い。" for i in range(1, 21)) + "\n最後の行まで残る"
    with use_lang("ja"):
        lines = texts(card_spec(version(notes_fit=note)))
    assert any("20 行目" in line for line in lines)
    assert "最後の行まで残る" in lines
    assert not any(line.endswith("…") for line in lines)


def test_weighted_criteria_with_weights_shares_and_threshold() -> None:
    v = version(
        rules="",
        criteria=(Criterion('industry = "E"', 3.0), Criterion("employees >= 300", 1.0)),
        threshold=75.0,
    )
    with use_lang("en"):
        lines = texts(card_spec(v))
    assert "A fit score of at least 75 over these weighted criteria (no rule):" in lines
    assert '1. industry = "E"  ×3 (75%)' in lines
    assert "2. employees >= 300  ×1 (25%)" in lines
    with use_lang("ja"):
        ja = texts(card_spec(v))
    assert any("適合スコアが 75 以上" in line or "適合スコア 75 以上" in line for line in ja), ja
