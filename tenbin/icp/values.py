"""Values written in a rule, converted to the form the database stores (the import's own parsers,
so that ``10億``, ``1,000万円``, ``令和6年4月1日``, ``はい`` and ``製造業`` mean what they mean in a file)."""

from __future__ import annotations

import datetime as dt
import difflib
from typing import Any

from tenbin.errors import Place, TenbinError
from tenbin.icp import errors as e
from tenbin.icp.attributes import KIND_JA, Attribute, category_code, fold
from tenbin.imports import normalize as n


def convert_value(attribute: Attribute, text: str, token_kind: str, position: int, *, textual: bool) -> Any:
    """The stored value a rule's value means for ``attribute``; ICP_RULE_VALUE when it cannot be."""
    try:
        value = _convert(attribute, text, token_kind, textual)
    except TenbinError:
        value = None
    if value is None:
        raise TenbinError(
            e.ICP_RULE_VALUE,
            {"value": text, "position": position, "name": attribute.key,
             "kind": {"en": attribute.kind, "ja": KIND_JA[attribute.kind]}, "examples": examples(attribute, text)},
            Place(position=position, field=attribute.key),
        )  # fmt: skip
    return value


def _convert(attribute: Attribute, text: str, token_kind: str, textual: bool) -> Any:
    kind = attribute.kind
    if textual or kind == "text":
        return n.nfkc_text(text)
    if kind == "number":
        if attribute.money:
            return n.parse_money(text)
        number = n.parse_number(text)
        if number is None or number != number:  # NaN: not a number
            return None
        return int(number) if attribute.integer and number.is_integer() else number
    if kind == "date":
        parsed: dt.date | None = n.parse_date(text)
        return parsed
    if kind == "boolean":
        if token_kind != "string" and text.lower() in ("true", "false"):
            return text.lower() == "true"
        return n.parse_bool(text)
    if kind == "category":
        return category_code(attribute, text)
    return _set_member(attribute, text)  # set


def _set_member(attribute: Attribute, text: str) -> str | None:
    value = n.nfkc_text(text)
    if value is None or not attribute.choices:  # tags are open: any text
        return value
    for code, _, _ in attribute.choices:
        if fold(code) == fold(value):
            return code
    return None


def examples(attribute: Attribute, text: str = "") -> str:
    """Language-neutral examples of valid values (close matches first) for an error message."""
    if attribute.kind == "number":
        return "300, 1.5, 1000万, 10億" if attribute.money else "300, 1.5, 1000"
    if attribute.kind == "date":
        return "2024-04-01, 2024/4/1, 令和6年4月1日"
    if attribute.kind == "boolean":
        return "true, false"
    if not attribute.choices:
        return '"…"'
    close = difflib.get_close_matches(text, [ja for _, ja, _ in attribute.choices], n=3, cutoff=0.3)
    names = close or [f"{code} ({ja})" if code != ja else code for code, ja, _ in attribute.choices]
    return ", ".join(names[:8]) + (", …" if len(names) > 8 else "")
