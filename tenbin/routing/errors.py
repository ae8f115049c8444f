"""Error codes of the routing slice. The offending argument is in ``Place.field``."""

from __future__ import annotations

from tenbin.errors import ErrorCode

ROUTING_NO_ICP = ErrorCode(
    "ROUTING_NO_ICP",
    "Leads cannot be routed before an ICP version is adopted: routing asks first whether a lead is ICP. "
    "Adopt a version in the ICP workbench (page ICP, or `tenbin icp adopt VERSION`).",
    "ICP バージョンが採用されていないため振り分けできません(振り分けはまず ICP に該当するかを判定します)。"
    "ICP ワークベンチ(ICP ページ、または `tenbin icp adopt VERSION`)でバージョンを採用してください。",
    409,
)
ROUTING_LEAD_NOT_FOUND = ErrorCode(
    "ROUTING_LEAD_NOT_FOUND",
    "There is no lead with ID {contact_id}.",
    "ID {contact_id} のリードはありません。",
    404,
)
ROUTING_NO_DECISION = ErrorCode(
    "ROUTING_NO_DECISION",
    "Lead {contact_id} has no routing decision yet. Route it first (`tenbin route --lead {contact_id}`).",
    "リード {contact_id} にはまだ振り分け結果がありません。先に振り分けてください"
    "(`tenbin route --lead {contact_id}`)。",
    404,
)
ROUTING_TEAM_NOT_FOUND = ErrorCode(
    "ROUTING_TEAM_NOT_FOUND",
    "There is no team {team!r}. Give a team's ID or name (Settings → Teams lists them).",
    "チーム {team!r} はありません。チームの ID か名前を指定してください(設定 → チーム に一覧があります)。",
    404,
)
ROUTING_MEMBER_NOT_FOUND = ErrorCode(
    "ROUTING_MEMBER_NOT_FOUND",
    "There is no active member {member!r} in team {team}. Give an active member's ID or name.",
    "チーム {team} に有効なメンバー {member!r} はいません。有効なメンバーの ID か名前を指定してください。",
    404,
)
ROUTING_MEMBER_FULL = ErrorCode(
    "ROUTING_MEMBER_FULL",
    "{member} has no capacity left: {load} of {capacity} leads {period}. Choose someone else or raise the "
    "capacity under Settings → Teams.",
    "{member} さんの対応枠は残っていません({period} {load} / {capacity} 件)。"
    "別の担当者を選ぶか、設定 → チーム で対応枠を増やしてください。",
    409,
)
ROUTING_TEAM_FULL = ErrorCode(
    "ROUTING_TEAM_FULL",
    "Team {team} has no capacity left: {load} of {capacity} leads {period}. Choose another team or raise the "
    "team's capacity under Settings → Teams.",
    "チーム {team} の対応枠は残っていません({period} {load} / {capacity} 件)。"
    "別のチームを選ぶか、設定 → チーム でチームの対応枠を増やしてください。",
    409,
)
ROUTING_REASON_REQUIRED = ErrorCode(
    "ROUTING_REASON_REQUIRED",
    "Say why the decision is overridden (1 to {max} characters): the reason is kept with the decision.",
    "変更の理由を入力してください(1〜{max} 文字)。理由は振り分け履歴に残ります。",
)
ROUTING_OVERRIDE_UNCHANGED = ErrorCode(
    "ROUTING_OVERRIDE_UNCHANGED",
    "Lead {contact_id} is already assigned there. Choose another team or member.",
    "リード {contact_id} はすでにその担当に割り当てられています。別のチームか担当者を選んでください。",
    409,
)
ROUTING_TRIGGER_INVALID = ErrorCode(
    "ROUTING_TRIGGER_INVALID",
    "Unknown routing trigger {trigger!r}; use one of {allowed}.",
    "振り分けのきっかけ {trigger!r} は使えません。使えるもの: {allowed}。",
)
ROUTING_FILTER_INVALID = ErrorCode(
    "ROUTING_FILTER_INVALID",
    "{field} must be one of {allowed}, not {value!r}.",
    "{field} は {allowed} のいずれかで指定してください({value!r} は使えません)。",
)
ROUTING_SLA_INVALID = ErrorCode(
    "ROUTING_SLA_INVALID",
    "The response time for {quadrant} must be a number of business hours from 0.25 to 720, not {value!r}.",
    "{quadrant} の対応期限は 0.25〜720 の営業時間数で指定してください({value!r} は使えません)。",
)
