"""Error codes of the campaign-mix plan. The offending argument is in ``Place.field``."""

from __future__ import annotations

from tenbin.errors import ErrorCode

PLAN_PERIOD_INVALID = ErrorCode(
    "PLAN_PERIOD_INVALID",
    "Cannot plan for a {period!r}. Plan for one of: {allowed}.",
    "{period!r} 単位では計画できません。使える単位: {allowed}。",
)
PLAN_NO_VOLUME_TARGET = ErrorCode(
    "PLAN_NO_VOLUME_TARGET",
    "There is no lead-volume target to plan for. Give one (CLI --leads N, API leads=N) or set "
    "'Leads per month' under Settings → Targets.",
    "計画の基準になるリード件数目標がありません。件数を指定する(CLI は --leads N、API は leads=N)か、"
    "設定 → 目標 で「月間リード件数」を設定してください。",
)
PLAN_NUMBER_INVALID = ErrorCode(
    "PLAN_NUMBER_INVALID",
    "{field} must be a whole number from {min} to {max}, not {value!r}.",
    "{field} は {min}〜{max} の整数で指定してください({value!r} は使えません)。",
)
PLAN_BAND_INVALID = ErrorCode(
    "PLAN_BAND_INVALID",
    "The ICP-rate band {value!r} is not LOW-HIGH in percent with 0 ≤ LOW ≤ HIGH ≤ 100. Write it like 30-50.",
    "ICP率の目標帯 {value!r} は「下限-上限」(%、0 ≤ 下限 ≤ 上限 ≤ 100)の形ではありません。"
    "30-50 のように指定してください。",
)
PLAN_RULE_INVALID = ErrorCode(
    "PLAN_RULE_INVALID",
    "The resource rule must be one of {allowed}, not {value!r}.",
    "リソースルールは {allowed} のいずれかで指定してください({value!r} は使えません)。",
)
PLAN_NO_HISTORY = ErrorCode(
    "PLAN_NO_HISTORY",
    "No campaign type has a usable history (past campaigns with a cost and leads), so there is nothing to "
    "plan from. Import campaigns with their cost and the responses that brought leads in.",
    "使える実績(費用とリードのある過去の施策)を持つ施策タイプがないため、計画できません。"
    "施策を費用付きで、リードを獲得した反応と一緒にインポートしてください。",
)
PLAN_SOLVER_FAILED = ErrorCode(
    "PLAN_SOLVER_FAILED",
    "The integer program could not be solved ({detail}). Lower --max-per-type or report this with --debug.",
    "整数計画を解けませんでした({detail})。--max-per-type を小さくするか、--debug を付けて報告してください。",
    status=500,
)
