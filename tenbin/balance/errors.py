"""Error codes of the balance view. The offending argument is in ``Place.field``."""

from __future__ import annotations

from tenbin.errors import ErrorCode

BALANCE_PERIOD_INVALID = ErrorCode(
    "BALANCE_PERIOD_INVALID",
    "Cannot show the balance by {period!r}. Use one of: {allowed}.",
    "{period!r} 単位ではバランスを表示できません。使える単位: {allowed}。",
)
BALANCE_PERIODS_INVALID = ErrorCode(
    "BALANCE_PERIODS_INVALID",
    "The number of periods must be a whole number from 1 to {max}, not {periods!r}.",
    "期間の数は 1〜{max} の整数で指定してください({periods!r} は使えません)。",
)
BALANCE_UNKNOWN_STAGE = ErrorCode(
    "BALANCE_UNKNOWN_STAGE",
    "There is no funnel stage {stage!r} to show the balance of. The stages are: {allowed}.",
    "ファネルステージ {stage!r} はないため、バランスを表示できません。ステージ: {allowed}。",
)
