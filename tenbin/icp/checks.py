"""Checks of discovery options and data, with the user-facing error codes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tenbin.errors import Place, TenbinError
from tenbin.icp import errors as e
from tenbin.icp.attributes import Catalog

if TYPE_CHECKING:
    from tenbin.icp.discover import Options
    from tenbin.icp.population import Population

BUILT_IN_TARGETS = ("ltv", "won", "retained")
MIN_ROWS = 20
POPULATION_WORDS = {
    "ltv": "customers with revenue / 売上のある顧客",
    "won": "closed deals / 完了した商談",
    "retained": "customers of 12+ months / 12か月以上前からの顧客",
}


def numeric_attributes(catalog: Catalog) -> list[str]:
    return [a.key for a in catalog.attributes if a.kind == "number"]


def check_options(catalog: Catalog, options: Options) -> None:
    if options.target not in BUILT_IN_TARGETS:
        found = catalog.find(options.target)
        if found is None or found.kind != "number":
            raise TenbinError(
                e.ICP_TARGET_UNKNOWN,
                {"target": options.target, "numeric": ", ".join(numeric_attributes(catalog))},
                Place(field="target"),
            )
    _check_range("depth", options.depth, 1, 3)
    _check_range("top_k", options.top_k, 1, 50)
    if not 0 < options.a <= 1:
        raise TenbinError(e.ICP_OPTION_INVALID, {"option": "a", "value": options.a, "problem": "0 < a ≤ 1"})
    if options.min_support is not None:
        _check_range("min_support", options.min_support, 2, 10**9)
    if not 0 < options.alpha < 1:
        raise TenbinError(e.ICP_OPTION_INVALID, {"option": "alpha", "value": options.alpha, "problem": "0 < alpha < 1"})


def _check_range(option: str, value: int, low: int, high: int) -> None:
    if not low <= value <= high:
        raise TenbinError(
            e.ICP_OPTION_INVALID,
            {"option": option, "value": value, "problem": f"{low}–{high}"},
            Place(field=option),
        )


def check_rows(pop: Population, options: Options) -> None:
    if len(pop.values) < MIN_ROWS:
        raise TenbinError(
            e.ICP_TOO_FEW_ROWS,
            {"target": options.target, "minimum": MIN_ROWS, "count": len(pop.values),
             "population": POPULATION_WORDS.get(options.target, "accounts / 企業")},
        )  # fmt: skip
