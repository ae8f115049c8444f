"""Error codes of metric queries. The offending query field is in ``Place.field``."""

from __future__ import annotations

from tenbin.errors import ErrorCode

METRICS_UNKNOWN_DIMENSION = ErrorCode(
    "METRICS_UNKNOWN_DIMENSION",
    "Cannot group by {name!r}. Group by any of: {allowed}.",
    "{name!r} では集計できません。使える集計軸: {allowed}。",
)
METRICS_DUPLICATE_DIMENSION = ErrorCode(
    "METRICS_DUPLICATE_DIMENSION",
    "{name!r} is given twice in the grouping. Name each dimension once.",
    "集計軸 {name!r} が 2 回指定されています。各集計軸は 1 回だけ指定してください。",
)
METRICS_UNKNOWN_STAGE = ErrorCode(
    "METRICS_UNKNOWN_STAGE",
    "There is no funnel stage {stage!r}. The stages are: {allowed}.",
    "ファネルステージ {stage!r} はありません。ステージ: {allowed}。",
)
METRICS_STEP_ORDER = ErrorCode(
    "METRICS_STEP_ORDER",
    "The conversion from {from_stage!r} to {to_stage!r} goes backwards. Name a later stage second.",
    "{from_stage!r} から {to_stage!r} への転換率は逆向きです。後ろのステージを 2 番目に指定してください。",
)
METRICS_PERIOD_ORDER = ErrorCode(
    "METRICS_PERIOD_ORDER",
    "The period starts ({period_from}) after it ends ({period_to}). Swap the two dates.",
    "期間の開始日 ({period_from}) が終了日 ({period_to}) より後です。日付を入れ替えてください。",
)
