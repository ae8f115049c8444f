"""Stable error codes with Japanese and English messages, and the one error type.

Every user-facing failure is a :class:`TenbinError` carrying a stable ``code`` (tests assert it),
the parameters of the message, and the place it happened (row, column, field, position).  The
text is rendered late, in the reader's language, from the :class:`ErrorCode` catalogue entry.
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field
from typing import Any, ClassVar

Lang = str  # "ja" | "en"


@dataclass(frozen=True)
class ErrorCode:
    """One catalogue entry: a stable code and its message templates (``str.format`` syntax)."""

    code: str
    en: str
    ja: str
    status: int = 400
    registry: ClassVar[dict[str, ErrorCode]] = {}

    def __post_init__(self) -> None:
        if self.code in ErrorCode.registry and ErrorCode.registry[self.code] != self:
            raise ValueError(f"duplicate error code {self.code}")
        ErrorCode.registry[self.code] = self

    def template(self, lang: Lang) -> str:
        return self.ja if lang == "ja" else self.en

    def placeholders(self, lang: Lang) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(self.template(lang)) if name}

    def render(self, lang: Lang, params: dict[str, Any]) -> str:
        """The message; a parameter given as ``{"ja": …, "en": …}`` is taken in the message's language."""
        local = {k: v[lang] if isinstance(v, dict) and set(v) == {"ja", "en"} else v for k, v in params.items()}
        return self.template(lang).format_map(_Lenient(local))


class _Lenient(dict[str, Any]):
    """Missing parameters render as ``{name}`` instead of raising (a message never crashes)."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


@dataclass
class Place:
    """Where an error happened; every part optional."""

    row: int | None = None
    column: str | None = None
    field: str | None = None
    position: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass
class TenbinError(Exception):
    """A user-facing error: stable code, message parameters, and place."""

    error: ErrorCode
    params: dict[str, Any] = field(default_factory=dict)
    place: Place = field(default_factory=Place)

    def __post_init__(self) -> None:
        super().__init__(self.error.code)

    @property
    def code(self) -> str:
        return self.error.code

    @property
    def status(self) -> int:
        return self.error.status

    def message(self, lang: Lang = "en") -> str:
        return self.error.render(lang, self.params)

    def __str__(self) -> str:
        return f"{self.code}: {self.message('en')}"

    def as_problem(self, lang: Lang = "en") -> dict[str, Any]:
        """The one JSON error shape: ``{type, code, detail, attr}``."""
        attr = self.place.field or self.place.column
        return {
            "type": PROBLEM_TYPES.get(self.status, "validation_error" if self.status < 500 else "server_error"),
            "code": self.code,
            "detail": self.message(lang),
            "attr": attr,
            **({"place": self.place.as_dict()} if self.place.as_dict() else {}),
        }


PROBLEM_TYPES = {
    401: "authentication_error",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    429: "throttled",
}

# General errors used across slices. Slices define their own codes next to the code that raises.
INTERNAL = ErrorCode(
    "INTERNAL",
    en="Unexpected internal error: {detail}. Run again with --debug and report it.",
    ja="予期しない内部エラーです: {detail}。--debug を付けて再実行し、報告してください。",
    status=500,
)
DB_UNREACHABLE = ErrorCode(
    "DB_UNREACHABLE",
    en="Cannot connect to the database {url}: {detail}. Check TENBIN_DATABASE_URL.",
    ja="データベース {url} に接続できません: {detail}。TENBIN_DATABASE_URL を確認してください。",
    status=503,
)
DB_NOT_MIGRATED = ErrorCode(
    "DB_NOT_MIGRATED",
    en="The database schema is not up to date (at {current}, needs {head}). Run `tenbin db upgrade`.",
    ja="データベースのスキーマが最新ではありません(現在 {current}、必要 {head})。"
    "`tenbin db upgrade` を実行してください。",
    status=503,
)
DB_LOCALE = ErrorCode(
    "DB_LOCALE",
    en="PostgreSQL database LC_CTYPE is {ctype}; Japanese search needs a UTF-8 locale. "
    "Create the database with LC_CTYPE 'C.UTF-8' (TEMPLATE template0).",
    ja="PostgreSQL データベースの LC_CTYPE が {ctype} です。日本語検索には UTF-8 ロケールが必要です。"
    "LC_CTYPE 'C.UTF-8'(TEMPLATE template0)でデータベースを作成してください。",
    status=503,
)
UNKNOWN_ENTITY = ErrorCode(
    "UNKNOWN_ENTITY",
    en="Unknown entity {entity!r}. Choose one of: {choices}.",
    ja="不明なエンティティ {entity!r} です。次から選んでください: {choices}。",
)
FILE_NOT_FOUND = ErrorCode(
    "FILE_NOT_FOUND",
    en="File not found: {path}. Check the path.",
    ja="ファイルが見つかりません: {path}。パスを確認してください。",
)
