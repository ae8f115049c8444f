"""The JSON shape of the balance (``tenbin balance --json`` and ``GET /api/v1/balance``): the
dataclasses as plain data, with the state, the derived flags and the sentences in one language."""

from __future__ import annotations

import dataclasses
from typing import Any

from tenbin.balance.service import Pressure, StageBalance
from tenbin.metrics.service import json_plain


def _signal_flags(data: dict[str, Any], win_rate_fallen: bool, saturated: bool | None) -> None:
    data["win_rate"]["fallen"] = win_rate_fallen
    data["capacity"]["saturated"] = saturated


def balance_dict(row: StageBalance, lang: str = "ja") -> dict[str, Any]:
    """One stage in one period: every field of :class:`StageBalance`, ``state``, the explanation
    (state, then signals) and its two halves, and ``fallen`` / ``saturated`` beside the signals."""
    data: dict[str, Any] = json_plain(dataclasses.asdict(row))
    data["state"] = row.state
    data["explanation"] = row.explain(lang)
    data["explanation_state"] = row.explain_state(lang)
    data["explanation_signals"] = row.signals.explain(lang)
    _signal_flags(data["signals"], row.signals.win_rate.fallen, row.signals.capacity.saturated)
    return data


def pressure_dict(pressure: Pressure, lang: str = "ja") -> dict[str, Any]:
    """The resource rule's judgement (:class:`Pressure`) with its explanation."""
    data: dict[str, Any] = json_plain(dataclasses.asdict(pressure))
    data["explanation"] = pressure.explain(lang)
    _signal_flags(data, pressure.win_rate.fallen, pressure.capacity.saturated)
    return data
