"""What each importable entity's columns are: field specs with their converters and header names.

A field belongs to the entity being imported (``target="self"``) or, for lead files that carry
company columns, to the lead's account (``target="account"``). References (``ref_*``) name
another record by one of its keys and are resolved against the database during the import.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from tenbin.imports import normalize as n

Converter = Callable[[Any], Any]

TEXT_MAX = 1000
NOTE_MAX = 20000


def text(max_len: int = TEXT_MAX) -> Converter:
    return partial(n.free_text, max_len=max_len) if max_len > TEXT_MAX else partial(_short_text, max_len)


def _short_text(max_len: int, value: Any) -> str | None:
    if type(value) is str and _is_clean(value, max_len):
        return value  # what the line below returns for it, without the work
    result = n.free_text(value, max_len)
    return None if result is None else " ".join(result.split())


def short_text_limit(convert: Converter) -> int | None:
    """The length limit of a converter made by ``text(max_len)`` for short text, else None."""
    if isinstance(convert, partial) and convert.func is _short_text:
        return int(convert.args[0])
    return None


def _is_clean(text: str, max_len: int) -> bool:
    """Already short text's final form: NFKC, no control, format or whitespace character but single
    inner spaces (``isprintable`` is False for every other whitespace), nothing to strip."""
    return (
        0 < len(text) <= max_len
        and text.isprintable()
        and text[0] != " "
        and text[-1] != " "
        and "  " not in text
        and (text.isascii() or unicodedata.is_normalized("NFKC", text))
    )


ORIENTATIONS = {
    "quantity": "quantity",
    "量": "quantity",
    "量重視": "quantity",
    "量寄り": "quantity",
    "volume": "quantity",
    "lbm": "quantity",
    "quality": "quality",
    "質": "quality",
    "質重視": "quality",
    "質寄り": "quality",
    "abm": "quality",
}
OPPORTUNITY_STATUS = {
    "open": "open",
    "進行中": "open",
    "オープン": "open",
    "商談中": "open",
    "won": "won",
    "受注": "won",
    "成約": "won",
    "closedwon": "won",
    "成立": "won",
    "lost": "lost",
    "失注": "lost",
    "closedlost": "lost",
    "不成立": "lost",
    "見送り": "lost",
}
ROLES = {
    "decision_maker": "decision_maker",
    "決裁者": "decision_maker",
    "意思決定者": "decision_maker",
    "budget_holder": "budget_holder",
    "予算権限者": "budget_holder",
    "予算責任者": "budget_holder",
    "user_department": "user_department",
    "利用部門": "user_department",
    "ユーザー部門": "user_department",
    "it_evaluator": "it_evaluator",
    "情シス/技術評価者": "it_evaluator",
    "情シス": "it_evaluator",
    "技術評価者": "it_evaluator",
    "情報システム": "it_evaluator",
    "champion": "champion",
    "推進者": "champion",
    "チャンピオン": "champion",
    "influencer": "influencer",
    "影響者": "influencer",
}
STANCES = {
    "support": "support",
    "賛成": "support",
    "支持": "support",
    "前向き": "support",
    "neutral": "neutral",
    "中立": "neutral",
    "oppose": "oppose",
    "反対": "oppose",
    "否定的": "oppose",
    "unknown": "unknown",
    "不明": "unknown",
}
ENGAGEMENT = {
    "0": "0",
    "なし": "0",
    "none": "0",
    "1": "1",
    "低": "1",
    "low": "1",
    "2": "2",
    "中": "2",
    "medium": "2",
    "3": "3",
    "高": "3",
    "high": "3",
}
TEAM_KINDS = {
    "sales": "sales",
    "営業": "sales",
    "フィールドセールス": "sales",
    "fs": "sales",
    "account_sales": "account_sales",
    "アカウントセールス": "account_sales",
    "inside_sales": "inside_sales",
    "インサイドセールス": "inside_sales",
    "is": "inside_sales",
    "digital": "digital",
    "デジタルセールス": "digital",
    "デジタル": "digital",
    "ナーチャリング": "digital",
}
SOURCE_TYPES = {s: s for s in ("商談記録", "IS通話", "問い合わせ", "セミナー質問", "アンケート", "CS記録", "開発要望")}
CHALLENGE_STATUS = {
    "open": "open",
    "未対応": "open",
    "対応中": "in_progress",
    "in_progress": "in_progress",
    "addressed": "addressed",
    "対応済": "addressed",
    "解決済": "addressed",
    "closed": "addressed",
}

# Default orientation by channel when a campaign file has no 量/質 column.
CHANNEL_ORIENTATION = {
    "展示会": "quantity",
    "ウェビナー": "quantity",
    "SEO/コンテンツ": "quantity",
    "広告": "quantity",
    "比較サイト": "quantity",
    "自社セミナー": "quantity",
    "個別セミナー": "quality",
    "ホワイトペーパー": "quality",
    "紹介": "quality",
    "アウトバウンド": "quality",
}


def choice(mapping: dict[str, str]) -> Converter:
    return partial(_choice, mapping)


def _choice(mapping: dict[str, str], value: Any) -> str | None:
    if value is None or value == "":
        return None
    return n.choice(value, mapping)


def engagement(value: Any) -> int | None:
    code = _choice(ENGAGEMENT, value)
    return None if code is None else int(code)


def tags(value: Any) -> list[str] | None:
    text_value = n.nfkc_text(value)
    if not text_value:
        return None
    parts = [p.strip() for p in text_value.replace("、", ",").replace(";", ",").replace("|", ",").split(",")]
    return [p for p in parts if p][:20] or None


def count(value: Any) -> int | None:
    return n.parse_int(value, minimum=0)


def money_nonnegative(value: Any) -> int | None:
    return n.parse_money(value, minimum=0)


@dataclass(frozen=True)
class FieldSpec:
    """One importable field: its name, converter, and the header names that map to it."""

    name: str
    convert: Converter
    headers: tuple[str, ...] = ()
    required: bool = False
    target: str = "self"  # self | account | ref
    column: str | None = None  # the table column, when it differs from the name
    label_ja: str = ""

    @property
    def db_column(self) -> str:
        return self.column or self.name


@dataclass(frozen=True)
class EntitySpec:
    name: str
    table: str
    fields: tuple[FieldSpec, ...]
    label_ja: str
    aliases: tuple[str, ...] = ()
    required_any: tuple[tuple[str, ...], ...] = ()  # at least one of each group must be mapped
    by_name: dict[str, FieldSpec] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", {f.name: f for f in self.fields})
