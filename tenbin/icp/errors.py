"""Error codes of ICP rules, versions and discovery. A rule error carries the position (1-based
character offset in the rule text) in ``Place.position`` and the attribute in ``Place.field``."""

from __future__ import annotations

from tenbin.errors import ErrorCode

ICP_RULE_EMPTY = ErrorCode(
    "ICP_RULE_EMPTY",
    'The rule is empty. Write at least one condition, e.g. industry = "E" and employees >= 300.',
    'ルールが空です。少なくとも 1 つ条件を書いてください(例: 業種 = "製造業" and 従業員数 >= 300)。',
)
ICP_RULE_TOO_LONG = ErrorCode(
    "ICP_RULE_TOO_LONG",
    "The rule is {length} characters long; the limit is {limit}. Split it or simplify it.",
    "ルールが {length} 文字あり、上限 {limit} 文字を超えています。条件を整理してください。",
)
ICP_RULE_SYNTAX = ErrorCode(
    "ICP_RULE_SYNTAX",
    "Rule syntax error at position {position}: expected {expected}, found {found}.",
    "ルールの {position} 文字目に誤りがあります: {expected}が必要ですが、{found}があります。",
)
ICP_RULE_UNTERMINATED = ErrorCode(
    "ICP_RULE_UNTERMINATED",
    "The text value starting at position {position} is not closed. Close it with {quote}.",
    "{position} 文字目から始まる文字列が閉じていません。{quote} で閉じてください。",
)
ICP_RULE_UNKNOWN_ATTRIBUTE = ErrorCode(
    "ICP_RULE_UNKNOWN_ATTRIBUTE",
    "Unknown attribute {name!r} at position {position} (similar names: {suggestions}). "
    "See the attribute list on the ICP workbench or `tenbin icp attributes`.",
    "{position} 文字目の属性 {name!r} はありません(近い名前: {suggestions})。"
    "使える属性は ICP ワークベンチか `tenbin icp attributes` で確認できます。",
)
ICP_RULE_OPERATOR = ErrorCode(
    "ICP_RULE_OPERATOR",
    "{operator!r} cannot be used with {name} ({kind}) at position {position}. Use one of: {allowed}.",
    "{position} 文字目: {name}({kind})には {operator!r} を使えません。使える演算子: {allowed}。",
)
ICP_RULE_VALUE = ErrorCode(
    "ICP_RULE_VALUE",
    "{value!r} at position {position} is not a valid value for {name} ({kind}). Valid values: {examples}.",
    "{position} 文字目の {value!r} は {name}({kind})の値として使えません。使える値: {examples}。",
)
ICP_RULE_RANGE = ErrorCode(
    "ICP_RULE_RANGE",
    "The range at position {position} is empty: {low} is greater than {high}. Swap the two values.",
    "{position} 文字目の範囲が空です: {low} が {high} より大きくなっています。値を入れ替えてください。",
)
ICP_CRITERIA_INVALID = ErrorCode(
    "ICP_CRITERIA_INVALID",
    "Weighted criterion {index}: {problem}. Each criterion needs a rule and a positive weight; "
    "the threshold is a score from 0 to 100.",
    "重み付き条件 {index}: {problem}。各条件にはルールと正の重みが必要で、しきい値は 0〜100 のスコアです。",
)
ICP_VERSION_NOT_FOUND = ErrorCode(
    "ICP_VERSION_NOT_FOUND",
    "ICP version {version} does not exist. List the versions with `tenbin icp versions`.",
    "ICP バージョン {version} はありません。`tenbin icp versions` で一覧を確認してください。",
    404,
)
ICP_NO_CURRENT = ErrorCode(
    "ICP_NO_CURRENT",
    "No ICP version is current yet. Save one and adopt it (`tenbin icp adopt VERSION`).",
    "現在の ICP バージョンがまだありません。保存して採用してください(`tenbin icp adopt VERSION`)。",
    404,
)
ICP_RECORD_NOT_FOUND = ErrorCode(
    "ICP_RECORD_NOT_FOUND",
    "There is no {entity} with ID {record_id}.",
    "ID {record_id} の{entity}はありません。",
    404,
)
ICP_TARGET_UNKNOWN = ErrorCode(
    "ICP_TARGET_UNKNOWN",
    "Unknown discovery target {target!r}. Use ltv, won, retained or a numeric account attribute ({numeric}).",
    "探索の目的変数 {target!r} は使えません。ltv、won、retained または数値の企業属性({numeric})を指定してください。",
)
ICP_TOO_FEW_ROWS = ErrorCode(
    "ICP_TOO_FEW_ROWS",
    "Discovery for {target} needs at least {minimum} {population}; this workspace has {count}. "
    "Import more customers, deals or revenue first.",
    "{target} の探索には {population}が {minimum} 件以上必要ですが、{count} 件しかありません。"
    "先に顧客・商談・売上を取り込んでください。",
)
ICP_OPTION_INVALID = ErrorCode(
    "ICP_OPTION_INVALID",
    "Option {option} = {value!r} is not valid: {problem}.",
    "オプション {option} = {value!r} は使えません: {problem}。",
)
ICP_LEAD_WITHOUT_ACCOUNT = ErrorCode(
    "ICP_LEAD_WITHOUT_ACCOUNT",
    "Lead {record_id} has no company, so it cannot match account rules. Link it to a company first.",
    "リード {record_id} には企業が紐付いていないため、企業の条件で判定できません。先に企業を紐付けてください。",
)
