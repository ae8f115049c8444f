"""The ICP rule language: parse, check and print rules such as
``industry in ("E", "G") and employees between 300 and 999 and challenge.category = "属人化・ナレッジ継承"``.

A hand-written recursive-descent parser (never ``eval``) turns the text into a small tree of
:class:`Cond`, :class:`All`, :class:`AnyOf` and :class:`Not`, resolving every attribute against the
workspace's :class:`~tenbin.icp.attributes.Catalog` and converting every value to its stored form.
Grammar (keywords in any case; ``かつ``/``または`` also work; full-width input is read as half-width
outside quotes)::

    rule      := or
    or        := and ("or" and)*
    and       := unary ("and" unary)*
    unary     := "not" unary | "(" or ")" | condition
    condition := ATTR ( CMP value | ["not"] "in" "(" value ("," value)* ")"
                      | ["not"] "between" value "and" value | "is" ["not"] "empty"
                      | ["not"] "contains" value )
    CMP       := = | != | <> | < | <= | > | >=  (also ≠ ≤ ≥ ≦ ≧)
    value     := "text" | 'text' | 「text」 | number (300, 1.5, 1000万, 10億) | true | false
    ATTR      := name (letters, digits, _ . ・) | `any name`

A condition on a missing value is false (only ``is empty`` matches it), so ``not`` never turns
"unknown" into a match by accident. For challenge categories and tags (many per account) ``=``
means "has one", ``!=`` "has none".
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any

from tenbin.errors import Place, TenbinError
from tenbin.icp import errors as e
from tenbin.icp.attributes import KIND_JA, Attribute, Catalog
from tenbin.icp.values import convert_value

MAX_RULE_LENGTH = 4000

OPERATORS: dict[str, tuple[str, ...]] = {
    "number": ("=", "!=", "<", "<=", ">", ">=", "in", "not in", "between", "not between", "empty", "not empty"),
    "date": ("=", "!=", "<", "<=", ">", ">=", "in", "not in", "between", "not between", "empty", "not empty"),
    "text": ("=", "!=", "in", "not in", "contains", "not contains", "empty", "not empty"),
    "category": ("=", "!=", "in", "not in", "empty", "not empty"),
    "boolean": ("=", "!=", "empty", "not empty"),
    "set": ("=", "!=", "in", "not in", "contains", "not contains", "empty", "not empty"),
}


@dataclass(frozen=True)
class Cond:
    """One condition; ``position`` is the 1-based offset of its attribute in the rule text."""

    attribute: Attribute
    op: str
    values: tuple[Any, ...]
    position: int = 0


@dataclass(frozen=True)
class All:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class AnyOf:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    item: Node


Node = Cond | All | AnyOf | Not


# ------------------------------------------------------------------------------------- lexing


@dataclass(frozen=True)
class Token:
    kind: str  # name | quoted | string | number | op | punct | end
    text: str
    position: int  # 1-based
    grouped: bool = False  # a number written with "," grouping (1,000)


_KEYWORDS = {"and", "or", "not", "in", "between", "is", "empty", "contains", "true", "false"}
_JA_KEYWORDS = {"かつ": "and", "または": "or"}
_SYMBOLS = {"≠": "!=", "≤": "<=", "≦": "<=", "≥": ">=", "≧": ">=", "<>": "!=", "==": "="}
_QUOTES = {'"': '"', "'": "'", "「": "」", "“": "”", "`": "`"}
_NAME_EXTRA = set("_.・ー々〆")
_NUMBER_CHARS = set("0123456789.,万億千兆円人名社")


def _half(ch: str) -> str:
    return unicodedata.normalize("NFKC", ch) if ch not in _QUOTES else ch


def tokenize(text: str) -> list[Token]:
    """Tokens of a rule; full-width characters outside quotes are read as their half-width forms."""
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = _half(text[i])
        if ch.isspace() or ch == "":
            i += 1
        elif ch in _QUOTES:
            i = _quoted(text, i, tokens)
        elif ch.isdigit() or (ch == "-" and i + 1 < n and _half(text[i + 1]).isdigit() and _after_operator(tokens)):
            i = _number(text, i, tokens)
        elif ch.isalnum() or ch in _NAME_EXTRA:
            j = i
            while j < n and (_half(text[j]).isalnum() or _half(text[j]) in _NAME_EXTRA):
                j += 1
            word = "".join(_half(c) for c in text[i:j])
            tokens.append(Token("name", word, i + 1))
            i = j
        else:
            i = _symbol(text, i, tokens)
    tokens.append(Token("end", "", n + 1))
    return tokens


def _after_operator(tokens: list[Token]) -> bool:
    return bool(tokens) and (tokens[-1].kind in ("op", "punct") or tokens[-1].text.lower() in ("between", "and"))


def _quoted(text: str, i: int, tokens: list[Token]) -> int:
    opening = text[i]
    closing = _QUOTES[opening]
    j = i + 1
    chars: list[str] = []
    while j < len(text):
        if text[j] == closing:
            if closing == opening and j + 1 < len(text) and text[j + 1] == closing:  # "" inside "…"
                chars.append(closing)
                j += 2
                continue
            kind = "quoted" if opening == "`" else "string"
            tokens.append(Token(kind, "".join(chars), i + 1))
            return j + 1
        chars.append(text[j])
        j += 1
    raise TenbinError(e.ICP_RULE_UNTERMINATED, {"position": i + 1, "quote": closing}, Place(position=i + 1))


def _number(text: str, i: int, tokens: list[Token]) -> int:
    j = i + 1
    while j < len(text):
        ch = _half(text[j])
        if ch == ",":  # digit grouping (1,000) only when exactly three digits follow
            group = "".join(_half(c) for c in text[j + 1 : j + 5])
            if not (group[:3].isdigit() and len(group) >= 3 and not group[3:4].isdigit()):
                break  # a list separator
        elif ch not in _NUMBER_CHARS:
            break
        j += 1
    word = "".join(_half(c) for c in text[i:j])
    tokens.append(Token("number", word, i + 1, grouped="," in word))
    return j


def _symbol(text: str, i: int, tokens: list[Token]) -> int:
    two = "".join(_half(c) for c in text[i : i + 2])
    if two in ("<=", ">=", "!=", "<>", "=="):
        tokens.append(Token("op", _SYMBOLS.get(two, two), i + 1))
        return i + 2
    ch = _half(text[i])
    if ch in "=<>" or ch in _SYMBOLS:
        tokens.append(Token("op", _SYMBOLS.get(ch, ch), i + 1))
    elif ch in "()," or ch == "、":
        tokens.append(Token("punct", "," if ch == "、" else ch, i + 1))
    else:
        raise _syntax(Token("punct", ch, i + 1), "start")
    return i + 1


EXPECTED: dict[str, tuple[str, str]] = {
    "start": ("an attribute, a value or an operator", "属性・値・演算子"),
    "close": ("')'", "「)」"),
    "attribute": ("an attribute name", "属性名"),
    "empty": ("'empty'", "「empty」"),
    "range_and": ("'and' between the two ends of the range", "範囲の両端の間の「and」"),
    "operator": (
        "an operator (=, !=, <, <=, >, >=, in, between, contains, is empty)",
        "演算子(=, !=, <, <=, >, >=, in, between, contains, is empty)",
    ),
    "value": ("a value (a quoted text, a number, true or false)", "値(引用符で囲んだ文字列・数値・true・false)"),
    "list_open": ("'(' to start the list of values", "値の一覧を始める「(」"),
    "list_next": ("',' or ')' to close the list", "「,」または一覧を閉じる「)」"),
    "list_number": (
        "a number without ',' grouping inside in (…), or a space after each ','",
        "in (…) の中では桁区切りの「,」のない数値(または「,」の後に空白)",
    ),
    "continue": ("'and', 'or' or the end of the rule", "「and」「or」またはルールの終わり"),
}


def _syntax(token: Token, expected: str) -> TenbinError:
    en, ja = EXPECTED[expected]
    end = token.kind == "end"
    return TenbinError(
        e.ICP_RULE_SYNTAX,
        {
            "position": token.position,
            "expected": {"en": en, "ja": ja},
            "found": {"en": "the end of the rule", "ja": "ルールの終わり"}
            if end
            else {"en": repr(token.text), "ja": f"「{token.text}」"},
        },
        Place(position=token.position),
    )


# ------------------------------------------------------------------------------------ parsing


class _Parser:
    def __init__(self, tokens: list[Token], catalog: Catalog) -> None:
        self.tokens, self.catalog, self.i = tokens, catalog, 0

    @property
    def token(self) -> Token:
        return self.tokens[self.i]

    def keyword(self, *words: str) -> str | None:
        t = self.token
        if t.kind == "name":
            word = _JA_KEYWORDS.get(t.text, t.text.lower())
            if word in words:
                self.i += 1
                return word
        return None

    def expect_punct(self, ch: str, expected: str) -> None:
        if self.token.kind == "punct" and self.token.text == ch:
            self.i += 1
            return
        raise _syntax(self.token, expected)

    def parse_or(self) -> Node:
        items = [self.parse_and()]
        while self.keyword("or"):
            items.append(self.parse_and())
        return items[0] if len(items) == 1 else AnyOf(tuple(items))

    def parse_and(self) -> Node:
        items = [self.parse_unary()]
        while self.keyword("and"):
            items.append(self.parse_unary())
        return items[0] if len(items) == 1 else All(tuple(items))

    def parse_unary(self) -> Node:
        if self.keyword("not"):
            return Not(self.parse_unary())
        if self.token.kind == "punct" and self.token.text == "(":
            self.i += 1
            node = self.parse_or()
            self.expect_punct(")", "close")
            return node
        return self.parse_condition()

    def parse_condition(self) -> Cond:
        t = self.token
        if t.kind not in ("name", "quoted") or (t.kind == "name" and t.text.lower() in _KEYWORDS):
            raise _syntax(t, "attribute")
        attribute = self.catalog.find(t.text)
        if attribute is None:
            suggestions = ", ".join(self.catalog.suggest(t.text)) or "—"
            raise TenbinError(
                e.ICP_RULE_UNKNOWN_ATTRIBUTE,
                {"name": t.text, "position": t.position, "suggestions": suggestions},
                Place(position=t.position, field=t.text),
            )
        self.i += 1
        op, raw = self.parse_operator_and_values()
        return _check(attribute, op, raw, t.position)

    def parse_operator_and_values(self) -> tuple[str, list[Token]]:
        t = self.token
        if t.kind == "op":
            self.i += 1
            return t.text, [self.value()]
        if self.keyword("is"):
            negated = self.keyword("not")
            if not self.keyword("empty"):
                raise _syntax(self.token, "empty")
            return ("not empty" if negated else "empty"), []
        prefix = "not " if self.keyword("not") else ""
        word = self.keyword("in", "between", "contains")
        if word == "in":
            return prefix + "in", self.value_list()
        if word == "between":
            low = self.value()
            if not self.keyword("and"):
                raise _syntax(self.token, "range_and")
            return prefix + "between", [low, self.value()]
        if word == "contains":
            return prefix + "contains", [self.value()]
        raise _syntax(self.token, "operator")

    def value(self) -> Token:
        t = self.token
        if t.kind in ("string", "number") or (t.kind == "name" and t.text.lower() in ("true", "false")):
            self.i += 1
            return t
        if t.kind == "name" and t.text.lower() not in _KEYWORDS:
            self.i += 1  # a bare word: accept it as text (業種 = 製造業)
            return Token("string", t.text, t.position)
        raise _syntax(t, "value")

    def value_list(self) -> list[Token]:
        self.expect_punct("(", "list_open")
        values = [self.value()]
        while self.token.kind == "punct" and self.token.text == ",":
            self.i += 1
            values.append(self.value())
        self.expect_punct(")", "list_next")
        for v in values:
            if v.grouped:  # 100,200 inside a list is ambiguous: one number or two?
                raise _syntax(v, "list_number")
        return values


def _check(attribute: Attribute, op: str, raw: list[Token], position: int) -> Cond:
    allowed = OPERATORS[attribute.kind]
    if op not in allowed:
        raise TenbinError(
            e.ICP_RULE_OPERATOR,
            {"operator": op, "name": attribute.key, "kind": {"en": attribute.kind, "ja": KIND_JA[attribute.kind]},
             "position": position, "allowed": ", ".join(allowed)},
            Place(position=position, field=attribute.key),
        )  # fmt: skip
    textual = op.endswith("contains")
    values = tuple(convert_value(attribute, t.text, t.kind, t.position, textual=textual) for t in raw)
    if op.endswith("between") and values[0] > values[1]:
        raise TenbinError(
            e.ICP_RULE_RANGE,
            {"position": raw[0].position, "low": raw[0].text, "high": raw[1].text},
            Place(position=raw[0].position, field=attribute.key),
        )
    return Cond(attribute, op, values, position)


def parse_rule(text: str, catalog: Catalog) -> Node:
    """The checked tree of a rule; :class:`TenbinError` with the position on any mistake."""
    if len(text) > MAX_RULE_LENGTH:
        raise TenbinError(e.ICP_RULE_TOO_LONG, {"length": len(text), "limit": MAX_RULE_LENGTH})
    if not text.strip():
        raise TenbinError(e.ICP_RULE_EMPTY, {}, Place(position=1))
    parser = _Parser(tokenize(text), catalog)
    node = parser.parse_or()
    if parser.token.kind != "end":
        raise _syntax(parser.token, "continue")
    return node


def conditions(node: Node) -> list[Cond]:
    """Every condition of a rule, in reading order."""
    if isinstance(node, Cond):
        return [node]
    if isinstance(node, Not):
        return conditions(node.item)
    return [c for item in node.items for c in conditions(item)]
