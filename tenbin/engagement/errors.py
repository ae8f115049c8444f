"""Error codes of the engagement slice (ladder, individual seminars, whitespace)."""

from __future__ import annotations

from tenbin.errors import ErrorCode

LADDER_BY_INVALID = ErrorCode(
    "LADDER_BY_INVALID",
    "Step-up conversion is counted per lead or per account, not per {value!r}. Use one of: {allowed}.",
    "ステップアップ率はリード単位か企業単位で数えます({value!r} は使えません)。使える値: {allowed}。",
)
LADDER_PERIOD_ORDER = ErrorCode(
    "LADDER_PERIOD_ORDER",
    "The period starts on {period_from} after it ends on {period_to}. Swap the two dates.",
    "期間の開始日 {period_from} が終了日 {period_to} より後です。日付を入れ替えてください。",
)
LADDER_DATE_RANGE = ErrorCode(
    "LADDER_DATE_RANGE",
    "The day {value} is outside the years 1900–2999. Pick a day in that range.",
    "日付 {value} は 1900〜2999 年の範囲外です。範囲内の日付を指定してください。",
)
SEMINAR_ACCOUNT_NOT_FOUND = ErrorCode(
    "SEMINAR_ACCOUNT_NOT_FOUND",
    "There is no account with id {account_id}. Pick the account from the records list.",
    "ID {account_id} の企業はありません。レコード一覧から企業を選んでください。",
    status=404,
)
SEMINAR_NOT_FOUND = ErrorCode(
    "SEMINAR_NOT_FOUND",
    "There is no individual seminar with id {session_id}. It may have been deleted.",
    "ID {session_id} の個別セミナーはありません。削除された可能性があります。",
    status=404,
)
SEMINAR_ATTENDEE_NOT_FOUND = ErrorCode(
    "SEMINAR_ATTENDEE_NOT_FOUND",
    "There is no seminar attendee with id {attendee_id}. It may have been removed.",
    "ID {attendee_id} のセミナー参加者はいません。削除された可能性があります。",
    status=404,
)
SEMINAR_TITLE_REQUIRED = ErrorCode(
    "SEMINAR_TITLE_REQUIRED",
    "Give the seminar a title (at most {max} characters), e.g. 「DX推進 勉強会」.",
    "セミナーのタイトルを入力してください({max} 文字まで)。例: 「DX推進 勉強会」。",
)
SEMINAR_DATE_INVALID = ErrorCode(
    "SEMINAR_DATE_INVALID",
    "The date {value!r} is not a day. Write it like 2026-04-15 or 2026/4/15.",
    "日付 {value!r} を読み取れません。2026-04-15 や 2026/4/15 の形で入力してください。",
)
SEMINAR_CAMPAIGN_NOT_FOUND = ErrorCode(
    "SEMINAR_CAMPAIGN_NOT_FOUND",
    "There is no campaign {value!r}. Give the campaign's id or exact name, or leave it empty.",
    "施策 {value!r} はありません。施策の ID か正確な名前を入力するか、空欄にしてください。",
)
SEMINAR_ATTENDEE_EMPTY = ErrorCode(
    "SEMINAR_ATTENDEE_EMPTY",
    "An attendee needs a contact or a name.",
    "参加者には担当者を選ぶか、氏名を入力してください。",
)
SEMINAR_CONTACT_NOT_FOUND = ErrorCode(
    "SEMINAR_CONTACT_NOT_FOUND",
    "There is no contact {value!r} at this account. Pick one of the account's contacts (id or email), "
    "or type the attendee's name instead.",
    "この企業に担当者 {value!r} はいません。企業の担当者(ID かメールアドレス)を選ぶか、氏名を入力してください。",
)
SEMINAR_ATTENDEE_DUPLICATE = ErrorCode(
    "SEMINAR_ATTENDEE_DUPLICATE",
    "Contact {contact_id} is already an attendee of this seminar.",
    "担当者 {contact_id} はすでにこのセミナーの参加者です。",
    status=409,
)
SEMINAR_ROLE_INVALID = ErrorCode(
    "SEMINAR_ROLE_INVALID",
    "{value!r} is not a buying-group role. Use one of: {allowed} (or leave it empty).",
    "{value!r} は購買グループの役割ではありません。使える値: {allowed}(空欄も可)。",
)
SEMINAR_LEVEL_INVALID = ErrorCode(
    "SEMINAR_LEVEL_INVALID",
    "{value!r} is not a level. Use one of: {allowed} (or leave it empty).",
    "{value!r} は役職レベルではありません。使える値: {allowed}(空欄も可)。",
)
SEMINAR_TEXT_TOO_LONG = ErrorCode(
    "SEMINAR_TEXT_TOO_LONG",
    "{field} is longer than {max} characters.",
    "{field} が {max} 文字を超えています。",
)
SEMINAR_IMPORT_COLUMNS = ErrorCode(
    "SEMINAR_IMPORT_COLUMNS",
    "The file lacks the column(s) {missing}. A seminar file needs an account (企業ID or 法人番号 or 会社名), "
    "a title (タイトル) and a date (開催日); attendee columns (氏名, メール, 部署, 役割, 役職レベル) are optional.",
    "ファイルに列 {missing} がありません。セミナーのファイルには企業(企業ID・法人番号・会社名のいずれか)、"
    "タイトル、開催日の列が必要です。参加者の列(氏名・メール・部署・役割・役職レベル)は任意です。",
)
SEMINAR_IMPORT_ACCOUNT = ErrorCode(
    "SEMINAR_IMPORT_ACCOUNT",
    "No account matches {value!r}. Import the account first, or use its id or 法人番号.",
    "{value!r} に一致する企業がありません。先に企業をインポートするか、企業ID か法人番号を使ってください。",
)
SEMINAR_IMPORT_ROWS = ErrorCode(
    "SEMINAR_IMPORT_ROWS",
    "{count} row(s) could not be imported; nothing was written. First: {first}",
    "{count} 行を取り込めなかったため、何も書き込んでいません。最初のエラー: {first}",
)
WHITESPACE_NOT_CUSTOMER = ErrorCode(
    "WHITESPACE_NOT_CUSTOMER",
    "Account {account_id} is not a customer yet (no revenue and no customer-since date), so it has no "
    "whitespace. Whitespace is measured for existing customers.",
    "企業 {account_id} はまだ顧客ではありません(売上も顧客化日もありません)。"
    "ホワイトスペースは既存顧客について測ります。",
)
