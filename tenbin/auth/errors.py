"""Error codes of sign-in, permissions, users and tokens."""

from __future__ import annotations

from tenbin.errors import ErrorCode

AUTH_REQUIRED = ErrorCode(
    "AUTH_REQUIRED",
    "Sign in first (or send an API token as 'Authorization: Bearer …').",
    "ログインしてください(API は 'Authorization: Bearer …' でトークンを送ってください)。",
    401,
)
AUTH_INVALID = ErrorCode(
    "AUTH_INVALID",
    "The username or password is wrong. Check both and try again.",
    "ユーザー名またはパスワードが違います。確認してもう一度お試しください。",
    401,
)
AUTH_RATE_LIMITED = ErrorCode(
    "AUTH_RATE_LIMITED",
    "Too many failed sign-ins for this user or address. Wait {minutes} minutes and try again, "
    "or ask an admin to reset the password.",
    "ログインの失敗が続いたため、一時的に受け付けを止めています。{minutes} 分待ってから再度お試しいただくか、"
    "管理者にパスワードの再設定を依頼してください。",
    429,
)
AUTH_FORBIDDEN = ErrorCode(
    "AUTH_FORBIDDEN",
    "Your role ({role}) may not do this ({permission}). Ask an admin if you need it.",
    "あなたのロール({role})ではこの操作({permission})はできません。必要なら管理者に依頼してください。",
    403,
)
AUTH_TOKEN_INVALID = ErrorCode(
    "AUTH_TOKEN_INVALID",
    "The API token is unknown, revoked or malformed. Create a new one on your profile page.",
    "API トークンが無効です(不明・失効済み・形式違い)。プロフィール画面で新しいトークンを作成してください。",
    401,
)
CSRF_FAILED = ErrorCode(
    "CSRF_FAILED",
    "The form expired or did not come from this site. Reload the page and submit again.",
    "フォームの有効期限が切れたか、このサイト以外から送信されました。ページを再読み込みして、もう一度送信してください。",
    403,
)
USER_EXISTS = ErrorCode(
    "USER_EXISTS",
    "A user named {username} already exists. Choose another username.",
    "ユーザー {username} はすでに存在します。別のユーザー名にしてください。",
    409,
)
USER_NOT_FOUND = ErrorCode(
    "USER_NOT_FOUND",
    "There is no user named {username}. `tenbin user list` shows the users.",
    "ユーザー {username} は存在しません。`tenbin user list` で一覧を確認できます。",
    404,
)
USER_NAME_INVALID = ErrorCode(
    "USER_NAME_INVALID",
    "Usernames are 3–100 characters of letters, digits, '.', '_', '-' or '@': {username!r} is not.",
    "ユーザー名は英数字と . _ - @ の 3〜100 文字です({username!r} は使えません)。",
    422,
)
USER_ROLE_INVALID = ErrorCode(
    "USER_ROLE_INVALID",
    "Unknown role {role}. Use one of: {roles}.",
    "ロール {role} はありません。次のいずれかを指定してください: {roles}。",
    422,
)
USER_PASSWORD_WEAK = ErrorCode(
    "USER_PASSWORD_WEAK",
    "The password must be at least {min} characters and not the username. Choose a longer one.",
    "パスワードは {min} 文字以上で、ユーザー名と同じにはできません。より長いものにしてください。",
    422,
)
USER_LAST_ADMIN = ErrorCode(
    "USER_LAST_ADMIN",
    "{username} is the last active admin; make another user admin first.",
    "{username} は最後の有効な管理者です。先に別のユーザーを管理者にしてください。",
    409,
)
TOKEN_SCOPE_EXCEEDS_ROLE = ErrorCode(
    "TOKEN_SCOPE_EXCEEDS_ROLE",
    "A token cannot do more than its user: scope {scope} exceeds your role {role}.",
    "トークンの権限はユーザーの権限を超えられません: スコープ {scope} はロール {role} を超えています。",
    422,
)
TOKEN_NOT_FOUND = ErrorCode(
    "TOKEN_NOT_FOUND",
    "There is no token {token_id} of yours.",
    "トークン {token_id} は見つかりません。",
    404,
)
