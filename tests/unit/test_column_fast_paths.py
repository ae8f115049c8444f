"""The whole-column fast paths return exactly what the per-cell converters return, or None."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tenbin.errors import TenbinError
from tenbin.imports import normalize as n
from tenbin.imports.columns import HOSTS_MAX, EmailColumn, fast_path, phone_column, short_text_column
from tenbin.imports.specs import text


def per_cell(convert, cells):
    """The per-cell converter's results; None when any cell fails (the caller then goes cell by cell)."""
    try:
        return [convert(c) for c in cells]
    except TenbinError:
        return None


def check(convert, cells):
    """The fast path never disagrees: it returns the per-cell values, or None."""
    cells = [c.strip() for c in cells]
    if "" in cells:
        return None
    fast = fast_path(convert)(cells)
    if fast is not None:
        assert fast == per_cell(convert, cells)
        assert None not in fast
    return fast


EMAILS = [
    "u1@c1.example.co.jp",
    "taro.yamada+news@example.com",
    "a@b.cd",
    "x@例え.テスト",
    "1@例え.テスト",  # no cased letter: not islower, the per-cell path decides
    "U1@example.com",
    "u1@EXAMPLE.com",
    "mailto:u1@example.com",
    "<u1@example.com>",
    "u1@@example.com",
    "u1@example",
    "u1@-example.com",
    "u1@example-.com",
    "u1@exa_mple.com",
    "u1@ｅｘａｍｐｌｅ.com",
    "u 1@example.com",
    "u1@example.com\nu2@example.com",
    "u1@xn--eckwd4c7c.xn--zckzah",
    "ユーザー@example.com",
]
PHONES = [
    "0312345678",
    "03-1234-5678",
    "090-1234-5678",
    "09012345678",
    "0120-123-456",
    "312345678",  # Excel dropped the 0: the per-cell path restores it
    "03-1234-56789",
    "03(1234)5678",
    "+81-3-1234-5678",
    "0012345678",
    "03-1234-5678 内線12",
    "０３-１２３４-５６７８",
    "03-12345678",
    "03-1234-5678\n03-1234-5678",
    "090-123-45678",
]
TEXTS = [
    "L00000001",
    "営業部",
    "ｴｲｷﾞｮｳ",
    "a  b",
    "a b",
    "x" * 101,
    "tab\there",
    "①",
    "ｶﾞ",
    "が",
    "\u3000全角\u3000",
    "e\u0301",
]


@pytest.mark.parametrize("cell", EMAILS)
def test_email_column_agrees_cell_by_cell(cell: str) -> None:
    check(n.email, ["u0@c0.example.co.jp", cell, "u2@c2.example.co.jp"])


@pytest.mark.parametrize("cell", PHONES)
def test_phone_column_agrees_cell_by_cell(cell: str) -> None:
    check(n.phone, ["0312345678", cell, "06-1111-2222"])


@pytest.mark.parametrize("cell", TEXTS)
def test_text_column_agrees_cell_by_cell(cell: str) -> None:
    check(text(100), ["L1", cell, "L3"])


def test_clean_columns_take_the_fast_path() -> None:
    assert EmailColumn()(["u1@c1.example.co.jp", "a.b@x.jp"]) == ["u1@c1.example.co.jp", "a.b@x.jp"]
    assert phone_column(["03-1234-5678", "0312345678", "090-1234-5678"]) == ["0312345678", "0312345678", "09012345678"]
    assert short_text_column(10, ["L1", "営業部", "a b"]) == ["L1", "営業部", "a b"]


def test_unusual_cells_fall_back() -> None:
    assert EmailColumn()(["u1@example.com", "U2@example.com"]) is None  # upper case: normalised per cell
    assert EmailColumn()(["u1@example.com", "u2@example"]) is None  # invalid: the per-cell path reports it
    assert phone_column(["03-1234-5678", "312345678"]) is None  # the 0 to restore
    assert short_text_column(3, ["abcd"]) is None  # too long: the per-cell path reports it
    assert short_text_column(10, ["ｶﾞ"]) is None  # half-width kana: NFKC per cell
    assert short_text_column(10, ["a  b"]) is None  # double space: collapsed per cell


def test_email_hosts_are_remembered_and_bounded() -> None:
    column = EmailColumn()
    column(["a@x.example.jp", "b@y.example.jp"])
    assert column.hosts == {"x.example.jp", "y.example.jp"}
    column.hosts.update(f"h{i}.jp" for i in range(HOSTS_MAX - 2))
    column(["c@z.example.jp"])
    assert column.hosts == {"z.example.jp"}  # past the bound the set starts again


LOCAL_CHARS = "abcXYZ019.!#$%&'*+/=?^_`{|}~-@ \n\u3000ａ例テ"
HOST_CHARS = "abcxyz019-._@ \nＡ例テ"


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.text(LOCAL_CHARS, max_size=6), st.text(HOST_CHARS, max_size=12)), min_size=1, max_size=5))
def test_email_column_random(parts: list[tuple[str, str]]) -> None:
    check(n.email, [f"{local}@{host}" for local, host in parts])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text("0123456789-( )+０８", min_size=1, max_size=14), min_size=1, max_size=5))
def test_phone_column_random(cells: list[str]) -> None:
    check(n.phone, cells)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text("ab 1\t\u3000ｶﾞが①e\u0301\n", min_size=1, max_size=8), min_size=1, max_size=5))
def test_text_column_random(cells: list[str]) -> None:
    check(text(6), cells)
