"""The attributes an ICP rule may use: account columns, derived bands, custom attributes, challenges.

A :class:`Catalog` is read from the database once per request (custom attributes and challenge
categories are data) and answers three questions: which attribute a name in a rule means (English
key, Japanese label or alias, full-width or not), what type it has, and how a value written in a
rule becomes the stored value (``"製造業"`` → ``"E"``, ``"東京都"`` → ``"13"``, ``"10億"`` → 1000000000).
"""

from __future__ import annotations

import difflib
import unicodedata
from dataclasses import dataclass, field, replace
from typing import Literal

from sqlalchemy import Connection, select

from tenbin.db import schema
from tenbin.imports.refdata import (
    DEFAULT_EMPLOYEE_BANDS,
    DEFAULT_REVENUE_BANDS,
    JSIC,
    JSIC_SYNONYMS,
    LISTING_SYNONYMS,
    LISTINGS,
    PREFECTURES,
)

Kind = Literal["text", "number", "date", "boolean", "category", "set"]
Source = Literal["column", "custom", "challenge_category", "challenge_tag"]


@dataclass(frozen=True)
class Attribute:
    """One attribute usable in a rule.

    ``kind``: ``category`` is text with a closed list of codes (industry, band, prefecture,
    listing) whose values are checked; ``set`` is many values per account (challenge categories
    and tags: ``=`` means "has one of them").
    """

    key: str
    label_ja: str
    label_en: str
    kind: Kind
    source: Source
    column: str | None = None  # accounts column (source "column")
    attribute_id: int | None = None  # attribute_definitions.id (source "custom")
    integer: bool = False
    money: bool = False
    aliases: tuple[str, ...] = ()
    choices: tuple[tuple[str, str, str], ...] = ()  # (code, ja, en) for category attributes

    def label(self, lang: str) -> str:
        return self.label_ja if lang == "ja" else self.label_en

    def choice_label(self, code: str, lang: str) -> str:
        for value, ja, en in self.choices:
            if value == code:
                return ja if lang == "ja" else en
        return code


def fold(name: str) -> str:
    """The lookup form of a name or value: NFKC, lower case, no spaces, underscores or middle dots."""
    t = unicodedata.normalize("NFKC", name).casefold()
    return "".join(ch for ch in t if ch not in " _・-")


_INDUSTRIES = tuple((code, ja, en) for code, (ja, en) in JSIC.items())
_PREFS = tuple((code, ja, en) for code, ja, en in PREFECTURES)
_LISTINGS = tuple((code, ja, en) for code, (ja, en) in LISTINGS.items())
_EMP_BANDS = tuple((b.code, b.label_ja, b.label_en) for b in DEFAULT_EMPLOYEE_BANDS)
_REV_BANDS = tuple((b.code, b.label_ja, b.label_en) for b in DEFAULT_REVENUE_BANDS)

STANDARD: tuple[Attribute, ...] = (
    Attribute("industry", "業種", "Industry", "category", "column", "industry_code",
              aliases=("industry_code", "業種コード", "産業分類", "jsic"), choices=_INDUSTRIES),
    Attribute("industry_text", "業種(自由記述)", "Industry (free text)", "text", "column", "industry_text",
              aliases=("業種名",)),
    Attribute("employees", "従業員数", "Employees", "number", "column", "employees", integer=True,
              aliases=("従業員", "社員数", "number_of_employees", "employee_count")),
    Attribute("employee_band", "従業員規模", "Employee band", "category", "column", "employee_band",
              aliases=("従業員数帯", "規模"), choices=_EMP_BANDS),
    Attribute("revenue", "売上高", "Revenue", "number", "column", "revenue", integer=True, money=True,
              aliases=("売上", "年商", "annual_revenue")),
    Attribute("revenue_band", "売上規模", "Revenue band", "category", "column", "revenue_band",
              aliases=("売上高帯",), choices=_REV_BANDS),
    Attribute("prefecture", "都道府県", "Prefecture", "category", "column", "prefecture_code",
              aliases=("prefecture_code", "本社所在地", "所在地"), choices=_PREFS),
    Attribute("city", "市区町村", "City", "text", "column", "city"),
    Attribute("listing", "上場区分", "Listing", "category", "column", "listing",
              aliases=("上場", "市場区分"), choices=_LISTINGS),
    Attribute("named_account", "ネームドアカウント", "Named account", "boolean", "column", "is_named_account",
              aliases=("is_named_account", "重点企業")),
    Attribute("customer_since", "顧客化日", "Customer since", "date", "column", "customer_since",
              aliases=("取引開始日",)),
    Attribute("name", "企業名", "Company name", "text", "column", "name", aliases=("会社名", "取引先名")),
    Attribute("domain", "ドメイン", "Domain", "text", "column", "domain"),
    Attribute("challenge.category", "課題カテゴリ", "Challenge category", "set", "challenge_category",
              aliases=("challenge_category", "課題.カテゴリ", "課題分類")),
    Attribute("challenge.tag", "課題タグ", "Challenge tag", "set", "challenge_tag",
              aliases=("challenge_tag", "課題.タグ")),
)  # fmt: skip

_CUSTOM_KIND: dict[str, Kind] = {"text": "text", "number": "number", "date": "date", "boolean": "boolean"}


@dataclass
class Catalog:
    """Every attribute of this workspace, with a lookup by any of its names."""

    attributes: tuple[Attribute, ...]
    categories: tuple[str, ...] = ()  # challenge category names, in display order
    _names: dict[str, Attribute] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for attribute in self.attributes:  # custom attributes come last: standard names win
            for name in (attribute.key, attribute.label_ja, attribute.label_en, *attribute.aliases):
                self._names.setdefault(fold(name), attribute)
            if attribute.source == "custom":
                self._names.setdefault(fold("custom." + attribute.key), attribute)

    def find(self, name: str) -> Attribute | None:
        return self._names.get(fold(name))

    def suggest(self, name: str) -> list[str]:
        """Up to three attribute keys whose names look like ``name`` (for "did you mean")."""
        close = difflib.get_close_matches(fold(name), list(self._names), n=6, cutoff=0.6)
        keys: list[str] = []
        for c in close:
            key = self._names[c].key
            if key not in keys:
                keys.append(key)
        return keys[:3]

    def get(self, key: str) -> Attribute:
        found = self.find(key)
        if found is None:
            raise KeyError(key)
        return found


def load_catalog(conn: Connection) -> Catalog:
    """The standard attributes plus this workspace's custom account attributes and categories."""
    defs = schema.attribute_definitions
    custom = [
        Attribute(row.key, row.label, row.label, _CUSTOM_KIND[row.type], "custom", attribute_id=row.id)
        for row in conn.execute(
            select(defs.c.id, defs.c.key, defs.c.label, defs.c.type)
            .where(defs.c.entity == "accounts")
            .order_by(defs.c.id)
        )
    ]
    cats = schema.challenge_categories
    categories = tuple(conn.execute(select(cats.c.name).order_by(cats.c.position, cats.c.id)).scalars())
    standard = tuple(
        replace(a, choices=tuple((c, c, c) for c in categories)) if a.source == "challenge_category" else a
        for a in STANDARD
    )
    return Catalog((*standard, *custom), categories)


KIND_JA: dict[str, str] = {
    "text": "文字列", "number": "数値", "date": "日付", "boolean": "真偽値", "category": "区分", "set": "複数値",
}  # fmt: skip


# ---------------------------------------------------------------- values of category attributes

_CHOICE_SYNONYMS: dict[str, dict[str, str]] = {
    "industry": {fold(k): v for k, v in JSIC_SYNONYMS.items()},
    "listing": {fold(k): v for k, v in LISTING_SYNONYMS.items()},
}


def category_code(attribute: Attribute, value: str) -> str | None:
    """The stored code a rule's value means (code, Japanese or English name, known synonym)."""
    folded = fold(value)
    for code, ja, en in attribute.choices:
        if folded in (fold(code), fold(ja), fold(en)):
            return code
    if attribute.key == "prefecture":  # 東京 → 東京都, 大阪 → 大阪府
        for code, ja, _ in attribute.choices:
            if fold(ja).rstrip("都道府県") == folded.rstrip("都道府県"):
                return code
    return _CHOICE_SYNONYMS.get(attribute.key, {}).get(folded)
