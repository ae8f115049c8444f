"""The balance state of one funnel stage in one period, as a pure function of plain numbers.

Definitions (DOMAIN.md §5 "Balance state", the article's 量と質のバランス):

* The **rate** is the ICP rate, a fraction 0–1 of ``volume`` leads; the **band** is the ICP-rate
  target band in percent. The rate is *below* the band when ``rate × 100 < low``, *above* it when
  ``rate × 100 > high`` and *in* it otherwise: both edges belong to the band. ``rate × 100`` is
  rounded to 9 decimals first so that 0.57 (= 56.99999999999999 % in binary) is 57 %.
* **Volume** is the number of leads at the stage in the period (ICP and non-ICP). It is *short*
  when a volume target is set and ``volume < target``; a volume exactly at its target is met.
  Without a target the volume never decides.
* **State**, decided by the point estimate:

  ===============  ====================================================
  state            when
  ===============  ====================================================
  no_data          no rate (``rate`` is None or ``volume`` is 0)
  both_short       rate below the band AND volume short
  quantity_leaning rate below the band, volume not short (量寄り)
  quality_leaning  rate above the band (any volume), or rate in the
                   band with the volume short (質寄り)
  balanced         rate in the band and volume not short (バランス)
  ===============  ====================================================

* **Certainty**: the 95 % Wilson score interval of the rate (:func:`tenbin.metrics.rates.proportion`,
  with the ICP count ``round(rate × volume)``, exact when the rate is ICP / volume). The comparison is
  ``clear`` when the whole interval is on the decided side: entirely below ``low`` (below), entirely
  above ``high`` (above), or entirely inside the band (in); otherwise ``point_estimate``: the state is
  kept, but the data cannot tell it apart from the neighbouring one at 95 %.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from tenbin.metrics.rates import proportion
from tenbin.workspace.service import Band

State = Literal["quantity_leaning", "quality_leaning", "balanced", "both_short", "no_data"]
Position = Literal["below", "in", "above"]
Certainty = Literal["clear", "point_estimate"]
STATES: tuple[State, ...] = ("quantity_leaning", "quality_leaning", "balanced", "both_short", "no_data")


@dataclass(frozen=True)
class RateCheck:
    """The ICP rate against the band, in percent, with the ICP count and its Wilson interval."""

    icp: int
    total: int
    rate_pct: float
    low_pct: float
    high_pct: float
    band: Band
    position: Position
    certainty: Certainty


@dataclass(frozen=True)
class VolumeCheck:
    """The volume against its target; ``shortfall`` is ``target − volume`` when short, else 0."""

    volume: int
    target: int | None
    short: bool
    shortfall: int


@dataclass(frozen=True)
class BalanceState:
    """The state and why: ``decided_by`` names the comparisons that decided it, in order
    (``rate_below_band``, ``rate_above_band``, ``rate_in_band``, ``volume_short``, ``volume_met``,
    ``no_volume_target``, ``no_data``); ``rate`` and ``volume`` hold the numbers compared."""

    state: State
    decided_by: tuple[str, ...]
    rate: RateCheck | None
    volume: VolumeCheck


def _percent(fraction: float) -> float:
    return round(fraction * 100, 9)


def check_volume(volume: int, target: int | None) -> VolumeCheck:
    short = target is not None and volume < target
    return VolumeCheck(volume, target, short, (target or 0) - volume if short else 0)


def check_rate(rate: float, volume: int, band: Band) -> RateCheck:
    """Where the rate lies against the band, and whether its 95 % Wilson interval agrees."""
    icp = round(rate * volume)
    counted = proportion(icp, volume)
    low, high = _percent(counted.low or 0.0), _percent(counted.high or 0.0)
    pct = _percent(rate)
    position: Position = "below" if pct < band.low else ("above" if pct > band.high else "in")
    clear = {
        "below": high < band.low,
        "above": low > band.high,
        "in": band.low <= low and high <= band.high,
    }[position]
    return RateCheck(icp, volume, pct, low, high, band, position, "clear" if clear else "point_estimate")


def classify(rate: float | None, volume: int, band: Band, volume_target: int | None) -> BalanceState:
    """The balance state of a stage and period (see the module docstring for every definition)."""
    volume_check = check_volume(volume, volume_target)
    if rate is None or volume <= 0:
        return BalanceState("no_data", ("no_data",), None, volume_check)
    rate_check = check_rate(rate, volume, band)
    volume_reason = (
        "no_volume_target" if volume_target is None else ("volume_short" if volume_check.short else "volume_met")
    )
    state: State
    if rate_check.position == "below":
        state = "both_short" if volume_check.short else "quantity_leaning"
        decided_by: tuple[str, ...] = ("rate_below_band", volume_reason)
    elif rate_check.position == "above":
        state, decided_by = "quality_leaning", ("rate_above_band",)
    else:
        state = "quality_leaning" if volume_check.short else "balanced"
        decided_by = ("rate_in_band", volume_reason)
    return BalanceState(state, decided_by, rate_check, volume_check)
