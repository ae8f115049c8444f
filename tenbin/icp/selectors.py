"""Attribute columns and the selectors (single conditions) that subgroup discovery combines.

A :class:`Column` holds one account attribute in memory; :func:`encode_columns` turns each column
into the selectors that discovery may use and into *levels*: every row gets one small integer code
per column, and every selector of that column is a union of levels.  Levels are what the search
counts (contingency tables), selectors are what it reports.

* categorical: one ``eq`` selector per value with at least ``min_support`` rows (values sorted);
  level 0 holds missing values and values too rare to be a selector.
* flag: one selector for True (level 1); False is level 0.
* numeric: cut points ``c1 < … < ck`` split the axis into ``k + 1`` intervals (levels 1…k+1, level
  0 is missing); the selectors are every contiguous run of intervals ``[ci, cj)`` except the whole
  axis, open at either end, kept when they hold at least ``min_support`` rows.  Without given cut
  points, equal-frequency quintiles rounded to 2 significant figures are used
  (:func:`tenbin.icp.stats.quantile_cut_points`).

Missing values (``None`` for categorical, ``nan`` for numeric) never match a selector.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from tenbin.icp.stats import quantile_cut_points

ColumnKind = Literal["categorical", "numeric", "flag"]
SelectorKind = Literal["eq", "range", "flag"]
IntArray = npt.NDArray[np.int32]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

QUANTILE_BINS = 5
_NONE = np.array(None, dtype=object)  # compared elementwise: the missing marker of categorical values


@dataclass(frozen=True)
class Column:
    """One attribute of the population, in memory.

    ``values``: categorical → object array of ``str`` or ``None`` (missing); numeric → float64 with
    ``nan`` for missing; flag → bool.  ``cut_points`` (numeric only): preferred boundaries such as
    the company-size bands; ``None`` → rounded equal-frequency quintiles.  ``integer`` (numeric
    only) says the values are whole numbers, so a range can be written "between lo and hi − 1".
    """

    key: str
    kind: ColumnKind
    values: np.ndarray
    cut_points: tuple[float, ...] | None = None
    integer: bool = False


@dataclass(frozen=True)
class Selector:
    """One condition on one column: ``eq`` (category), ``range`` (``low <= x < high``, either end
    ``None`` = open) or ``flag`` (the flag is true)."""

    column: str
    kind: SelectorKind
    value: str | None = None
    low: float | None = None
    high: float | None = None


@dataclass(frozen=True)
class EncodedColumn:
    """A column as the search sees it: a level code per row and each selector as a set of levels.

    ``membership[s, l]`` is 1.0 when level ``l`` belongs to selector ``s`` (float64, so that counts
    and sums of all selectors come out of one matrix product with a table of level statistics).
    """

    key: str
    codes: IntArray
    levels: int
    selectors: tuple[Selector, ...]
    membership: FloatArray


def encode_columns(columns: Sequence[Column], rows: int, min_support: int) -> list[EncodedColumn]:
    """Encode every column (in the given order, which is the canonical selector order)."""
    keys = [column.key for column in columns]
    if len(set(keys)) != len(keys):
        raise ValueError(f"column keys must be unique, got {keys}")
    encoded = []
    for column in columns:
        if len(column.values) != rows:
            raise ValueError(f"column {column.key!r} has {len(column.values)} values, the target has {rows}")
        if column.kind == "categorical":
            encoded.append(_encode_categorical(column, min_support))
        elif column.kind == "numeric":
            encoded.append(_encode_numeric(column, min_support))
        elif column.kind == "flag":
            encoded.append(_encode_flag(column, min_support))
        else:
            raise ValueError(f"column {column.key!r}: unknown kind {column.kind!r}")
    return encoded


def _encode_categorical(column: Column, min_support: int) -> EncodedColumn:
    values = np.asarray(column.values, dtype=object)
    # None and float nan (pandas' missing marker) are missing; nan is the only value != itself.
    present = np.asarray(np.not_equal(values, _NONE) & np.equal(values, values), dtype=np.bool_)
    strings = values[present]
    if not all(issubclass(kind, str) for kind in set(map(type, strings))):  # the types once, not each value
        raise ValueError(f"categorical column {column.key!r} must hold str or None values")
    names, inverse = np.unique(strings.astype(str), return_inverse=True)
    counts = np.bincount(inverse, minlength=len(names))
    kept = np.flatnonzero(counts >= min_support)
    level_of_name = np.zeros(len(names), dtype=np.int32)
    level_of_name[kept] = np.arange(1, len(kept) + 1, dtype=np.int32)
    codes = np.zeros(len(values), dtype=np.int32)
    codes[present] = level_of_name[inverse]
    membership = np.zeros((len(kept), len(kept) + 1))
    membership[np.arange(len(kept)), np.arange(1, len(kept) + 1)] = 1.0
    selectors = tuple(Selector(column.key, "eq", value=str(names[i])) for i in kept)
    return EncodedColumn(column.key, codes, len(kept) + 1, selectors, membership)


def _encode_flag(column: Column, min_support: int) -> EncodedColumn:
    codes = np.asarray(column.values, dtype=np.bool_).astype(np.int32)
    if int(codes.sum()) < min_support:
        return EncodedColumn(column.key, codes, 2, (), np.zeros((0, 2)))
    return EncodedColumn(column.key, codes, 2, (Selector(column.key, "flag"),), np.array([[0.0, 1.0]]))


def numeric_cut_points(column: Column) -> tuple[float, ...]:
    """The column's cut points: the given ones sorted and deduplicated, or rounded quintiles."""
    if column.cut_points is not None:
        return tuple(sorted({float(c) for c in column.cut_points}))
    return tuple(quantile_cut_points(np.asarray(column.values, dtype=np.float64), bins=QUANTILE_BINS))


def _encode_numeric(column: Column, min_support: int) -> EncodedColumn:
    values = np.asarray(column.values, dtype=np.float64)
    cuts = numeric_cut_points(column)
    intervals = len(cuts) + 1
    # Interval i holds cuts[i-1] <= x < cuts[i]: searchsorted(side="right") gives exactly i.
    codes = (np.searchsorted(np.asarray(cuts), values, side="right") + 1).astype(np.int32)
    codes[np.isnan(values)] = 0
    prefix = np.concatenate(([0], np.cumsum(np.bincount(codes, minlength=intervals + 1)[1:])))
    selectors: list[Selector] = []
    rows: list[FloatArray] = []
    for first in range(intervals):
        for end in range(first + 1, intervals + 1):
            if (first == 0 and end == intervals) or prefix[end] - prefix[first] < min_support:
                continue
            low = cuts[first - 1] if first > 0 else None
            high = cuts[end - 1] if end < intervals else None
            selectors.append(Selector(column.key, "range", low=low, high=high))
            row = np.zeros(intervals + 1)
            row[first + 1 : end + 1] = 1.0
            rows.append(row)
    membership = np.array(rows) if rows else np.zeros((0, intervals + 1))
    return EncodedColumn(column.key, codes, intervals + 1, tuple(selectors), membership)


def selector_mask(selector: Selector, column: Column) -> BoolArray:
    """Rows matched by ``selector``, computed from the raw values (missing never matches)."""
    if selector.kind == "flag":
        return np.asarray(column.values, dtype=np.bool_).copy()
    if selector.kind == "eq":
        found: BoolArray = np.asarray(
            np.equal(np.asarray(column.values, dtype=object), str(selector.value)), dtype=np.bool_
        )
        return found
    values = np.asarray(column.values, dtype=np.float64)
    mask: BoolArray = ~np.isnan(values)
    if selector.low is not None:
        mask &= values >= selector.low
    if selector.high is not None:
        mask &= values < selector.high
    return mask
