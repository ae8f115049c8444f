"""Whole-column fast paths for converters of columns whose values rarely repeat (ids, emails, phone
numbers), where the per-column memo of :mod:`tenbin.imports.convert` does not help.

A fast path checks a batch's cells with a few calls that loop in C (one regular expression over the
cells joined by line breaks, ``str`` methods over the joined text) instead of one Python call per
cell. It returns exactly the list the per-cell converter would return, or None as soon as any cell
is not in its plain final form (blank, to be normalised, invalid): the caller then converts cell by
cell as before, so values, errors and messages never depend on the fast path.

Callers pass stripped, non-empty cells.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import partial
from typing import Any

from tenbin.imports import normalize as n
from tenbin.imports.specs import Converter, short_text_limit

ColumnFast = Callable[[list[str]], list[Any] | None]
HOSTS_MAX = 200_000  # validated email hosts kept per column; past it the set starts again

_IS_NFKC = partial(unicodedata.is_normalized, "NFKC")


def _lines(cell: str) -> str:
    """``cell`` repeated over the lines of a joined column: the joined text fullmatches it exactly
    when every line does (``cell`` must never match a line break)."""
    return rf"(?:{cell})(?:\n(?:{cell}))*"


# The address halves cannot match "@" or a line break, so on text whose lines each hold one "@" the
# whole-column patterns match exactly when every line matches n.email's own pattern.
_EMAIL_LOCALS = re.compile(_lines(n.EMAIL_LOCAL_PATTERN + r"@[^@\n]+"))
_HOST_OF_LINE = re.compile(r"@([^@\n]+)")
_HOST = re.compile(n.HOST_PATTERN)
# A phone cell n.phone returns as it is (digits) or with its hyphens removed (0x-xxxx-xxxx): its
# shape is digits or the hyphenated form, and without hyphens it is a valid number.
_PHONE_SHAPES = re.compile(_lines(rf"\d+|{n._PHONE_HYPHENATED.pattern}"), re.A)
_PHONE_DIGITS = re.compile(_lines(n._PHONE_OK.pattern), re.A)


def fast_path(convert: Converter) -> ColumnFast | None:
    """The whole-column fast path for ``convert``, if it has one."""
    if convert is n.email:
        return EmailColumn()
    if convert is n.phone:
        return phone_column
    limit = short_text_limit(convert)
    if limit is not None:
        return partial(short_text_column, limit)
    return None


def _joined(cells: list[str]) -> str | None:
    """The cells joined by line breaks, unless a cell holds a line break itself."""
    joined = "\n".join(cells)
    return joined if joined.count("\n") == len(cells) - 1 else None


def short_text_column(max_len: int, cells: list[str]) -> list[str] | None:
    """``specs.text(max_len)`` for a column of short text already in its final form (the cells
    themselves): printable, NFKC, no double space, at most ``max_len`` characters. Stripped cells
    have no edge spaces, so a double space in the joined text is one inside a cell."""
    if not cells or max(map(len, cells)) > max_len:
        return None
    joined = "".join(cells)
    if not joined.isprintable() or "  " in joined:
        return None
    if not joined.isascii() and not all(map(_IS_NFKC, cells)):
        return None
    return cells


class EmailColumn:
    """``n.email`` for a column of lower-case valid addresses (the cells themselves). The hosts
    already validated are remembered: hosts repeat (one company, many people), addresses do not."""

    def __init__(self) -> None:
        self.hosts: set[str] = set()

    def __call__(self, cells: list[str]) -> list[str] | None:
        if not cells or not all(map(str.islower, cells)):
            return None
        joined = _joined(cells)
        if joined is None or _EMAIL_LOCALS.fullmatch(joined) is None:
            return None
        hosts = self.hosts
        fresh = set(_HOST_OF_LINE.findall(joined)).difference(hosts)
        if any(_HOST.fullmatch(host) is None for host in fresh):
            return None
        if len(hosts) + len(fresh) > HOSTS_MAX:
            hosts.clear()
        hosts.update(fresh)
        return cells


def phone_column(cells: list[str]) -> list[str] | None:
    """``n.phone`` for a column of valid numbers written as digits or as 0x-xxxx-xxxx."""
    joined = _joined(cells) if cells else None
    if joined is None or _PHONE_SHAPES.fullmatch(joined) is None:
        return None
    digits = joined.replace("-", "")
    if _PHONE_DIGITS.fullmatch(digits) is None:
        return None
    return digits.split("\n")
