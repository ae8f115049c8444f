"""Error codes of the workspace settings: funnel stages, offers, channels, targets, teams, members.

Every code is prefixed ``SETTINGS_`` so that it never collides with another slice's codes.
"""

from __future__ import annotations

from tenbin.errors import ErrorCode

SETTINGS_TEXT_INVALID = ErrorCode(
    "SETTINGS_TEXT_INVALID",
    "{field} ({field_ja}) must be 1–{max} characters. Fill it in (or shorten it) and save again.",
    "{field_ja}({field})は 1〜{max} 文字で入力してください。入力(または短く)してから保存してください。",
    422,
)
SETTINGS_STAGE_CODE_INVALID = ErrorCode(
    "SETTINGS_STAGE_CODE_INVALID",
    "Stage code {code!r} is invalid: use 1–40 lowercase letters, digits or '_' (e.g. mql).",
    "ステージコード {code!r} は使えません。英小文字・数字・_ の 1〜40 文字にしてください(例: mql)。",
    422,
)
SETTINGS_STAGE_CODE_EXISTS = ErrorCode(
    "SETTINGS_STAGE_CODE_EXISTS",
    "A funnel stage with code {code} already exists. Choose another code.",
    "コード {code} のファネルステージはすでにあります。別のコードにしてください。",
    409,
)
SETTINGS_STAGE_NOT_FOUND = ErrorCode(
    "SETTINGS_STAGE_NOT_FOUND",
    "There is no funnel stage with code {code}.",
    "コード {code} のファネルステージはありません。",
    404,
)
SETTINGS_STAGE_IN_USE = ErrorCode(
    "SETTINGS_STAGE_IN_USE",
    "Stage {code} cannot be deleted: {events} stage records use it. Rename it instead, "
    "or delete or re-import those records first.",
    "ステージ {code} は {events} 件のステージ記録で使われているため削除できません。"
    "名前を変更するか、先にそれらの記録を削除・再インポートしてください。",
    409,
)
SETTINGS_OFFER_EXISTS = ErrorCode(
    "SETTINGS_OFFER_EXISTS",
    "An offer named {name} already exists. Choose another name.",
    "オファー {name} はすでにあります。別の名前にしてください。",
    409,
)
SETTINGS_OFFER_NOT_FOUND = ErrorCode(
    "SETTINGS_OFFER_NOT_FOUND",
    "There is no offer {offer_id}.",
    "オファー {offer_id} はありません。",
    404,
)
SETTINGS_OFFER_IN_USE = ErrorCode(
    "SETTINGS_OFFER_IN_USE",
    "Offer {name} cannot be deleted: {responses} responses use it. Rename it instead.",
    "オファー {name} は {responses} 件の反応で使われているため削除できません。名前を変更してください。",
    409,
)
SETTINGS_CHANNEL_EXISTS = ErrorCode(
    "SETTINGS_CHANNEL_EXISTS",
    "A channel with code {code} already exists. Choose another code.",
    "コード {code} のチャネルはすでにあります。別のコードにしてください。",
    409,
)
SETTINGS_CHANNEL_NOT_FOUND = ErrorCode(
    "SETTINGS_CHANNEL_NOT_FOUND",
    "There is no channel with code {code}.",
    "コード {code} のチャネルはありません。",
    404,
)
SETTINGS_ORIENTATION_INVALID = ErrorCode(
    "SETTINGS_ORIENTATION_INVALID",
    "Orientation {orientation!r} is invalid: use quantity (量重視) or quality (質重視).",
    "向き {orientation!r} は使えません。quantity(量重視)か quality(質重視)にしてください。",
    422,
)
SETTINGS_BAND_INVALID = ErrorCode(
    "SETTINGS_BAND_INVALID",
    "The ICP-rate band {low}%–{high}% is invalid: it needs 0 ≤ lower < upper ≤ 100.",
    "ICP率の目標帯 {low}%〜{high}% は正しくありません。0 ≤ 下限 < 上限 ≤ 100 にしてください。",
    422,
)
SETTINGS_VOLUME_INVALID = ErrorCode(
    "SETTINGS_VOLUME_INVALID",
    "{field} ({field_ja}) must be a whole number from 0 to 10,000,000 (or empty for no target), not {value!r}.",
    "{field_ja}({field})は 0〜10,000,000 の整数(目標なしなら空欄)にしてください({value!r} は使えません)。",
    422,
)
SETTINGS_TARGET_STAGE_UNKNOWN = ErrorCode(
    "SETTINGS_TARGET_STAGE_UNKNOWN",
    "A target band names stage {code}, which does not exist. Use a funnel stage code.",
    "目標帯のステージ {code} は存在しません。ファネルステージのコードを指定してください。",
    422,
)
SETTINGS_TEAM_EXISTS = ErrorCode(
    "SETTINGS_TEAM_EXISTS",
    "A team named {name} already exists. Choose another name.",
    "チーム {name} はすでにあります。別の名前にしてください。",
    409,
)
SETTINGS_TEAM_NOT_FOUND = ErrorCode(
    "SETTINGS_TEAM_NOT_FOUND",
    "There is no team {team_id}.",
    "チーム {team_id} はありません。",
    404,
)
SETTINGS_TEAM_KIND_INVALID = ErrorCode(
    "SETTINGS_TEAM_KIND_INVALID",
    "Team kind {kind!r} is invalid. Use one of: {kinds}.",
    "チーム種別 {kind!r} は使えません。次のいずれかにしてください: {kinds}。",
    422,
)
SETTINGS_CAPACITY_INVALID = ErrorCode(
    "SETTINGS_CAPACITY_INVALID",
    "{field} ({field_ja}) must be a whole number from 0 to 100,000 (or empty), not {value!r}.",
    "{field_ja}({field})は 0〜100,000 の整数(または空欄)にしてください({value!r} は使えません)。",
    422,
)
SETTINGS_MEMBER_NOT_FOUND = ErrorCode(
    "SETTINGS_MEMBER_NOT_FOUND",
    "There is no member {member_id} in team {team_id}.",
    "チーム {team_id} にメンバー {member_id} はいません。",
    404,
)
SETTINGS_MEMBER_EXISTS = ErrorCode(
    "SETTINGS_MEMBER_EXISTS",
    "Team {team} already has a member named {name}. Use another name (e.g. add the department).",
    "チーム {team} にはすでにメンバー {name} がいます。別の名前(部署を付けるなど)にしてください。",
    409,
)
SETTINGS_EMAIL_INVALID = ErrorCode(
    "SETTINGS_EMAIL_INVALID",
    "{email!r} is not an email address. Check it, or leave it empty.",
    "{email!r} はメールアドレスではありません。確認するか、空欄にしてください。",
    422,
)
SETTINGS_USER_NOT_FOUND = ErrorCode(
    "SETTINGS_USER_NOT_FOUND",
    "There is no user {user}. Leave the user empty or choose an existing one.",
    "ユーザー {user} はいません。空欄にするか、既存のユーザーを選んでください。",
    422,
)
