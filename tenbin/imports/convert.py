"""Turning one file row into typed values, or into row-level issues with row, column and value."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import compress, repeat
from operator import is_, itemgetter
from typing import Any

from tenbin.errors import ErrorCode, TenbinError
from tenbin.imports.columns import fast_path
from tenbin.imports.mapping import Column, Plan
from tenbin.imports.specs import Converter

IMPORT_REQUIRED_EMPTY = ErrorCode(
    "IMPORT_REQUIRED_EMPTY",
    en="{field} is required but empty. Fill it in, or remove the row.",
    ja="「{field}」は必須ですが空です。値を入力するか、行を削除してください。",
)
IMPORT_REFERENCE_MISSING = ErrorCode(
    "IMPORT_REFERENCE_MISSING",
    en="No {target} with {key} {value!r} exists. Import the {target} first, or fix the value.",
    ja="{key}が {value!r} の{target}がありません。先に{target}を取り込むか、値を修正してください。",
)
IMPORT_DUPLICATE_KEY = ErrorCode(
    "IMPORT_DUPLICATE_KEY",
    en="Duplicate {key} {value!r}: row {first_row} has the same. Each record may appear once per file; "
    "remove or merge the duplicate rows.",
    ja="{key} {value!r} が重複しています(行 {first_row} と同じ)。1ファイル内で同じレコードは1回だけにしてください。",
)
IMPORT_MATCH_CONFLICT = ErrorCode(
    "IMPORT_MATCH_CONFLICT",
    en="The row's keys point at two different existing records: {key_a} {value_a!r} is record #{id_a} but "
    "{key_b} {value_b!r} is record #{id_b}. Fix the id or the {key_b} so they agree.",
    ja="この行のキーが別々の既存レコードを指しています: {key_a} {value_a!r} はレコード #{id_a}、"
    "{key_b} {value_b!r} はレコード #{id_b} です。どちらかを修正して一致させてください。",
)
IMPORT_INVALID_ROW = ErrorCode(
    "IMPORT_INVALID_ROW",
    en="{detail}",
    ja="{detail}",
)


@dataclass
class Issue:
    """One problem with one row (and column)."""

    row: int
    column: str | None
    value: str | None
    error: ErrorCode
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def code(self) -> str:
        return self.error.code

    def message(self, lang: str) -> str:
        return self.error.render(lang, self.params)

    def as_dict(self, lang: str) -> dict[str, Any]:
        return {
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "code": self.code,
            "message": self.message(lang),
        }


def preview(value: Any, limit: int = 60) -> str | None:
    if value is None:
        return None
    text = str(value)
    return text if len(text) <= limit else text[:limit] + f"…({len(text)})"


@dataclass(slots=True)
class Converted:
    row: int
    values: dict[str, Any]  # the entity's own fields, by field name
    account: dict[str, Any]  # embedded account fields (lead files), by field name without prefix
    refs: dict[str, Any]  # reference fields ("campaign.name" → value)
    custom: dict[str, str]  # custom attributes of the record
    account_custom: dict[str, str]
    raw: list[str]


class _Failure:
    """A cell whose converter raised: the error and its parameters, kept to report every row that has it."""

    __slots__ = ("error", "params")

    def __init__(self, error: ErrorCode, params: dict[str, Any]) -> None:
        self.error, self.params = error, params


_SKIP: Any = object()  # a blank cell, or one that converts to None: the field is absent from the row
_MUTABLE = (list, dict, set, bytearray)

# A column's memo (raw cell → converted value or failure) stays on while its values repeat.
MEMO_MAX = 200_000  # entries per column; past it the memo starts again (bounded memory)
MEMO_SAMPLE = 50_000  # cells seen before judging whether the column repeats itself
MEMO_MIN_HIT_RATE = 0.05  # below it the column is mostly unique: convert directly, keep no memo


def _convert_cell(convert: Converter, cell: str) -> Any:
    text = cell.strip()
    if not text:
        return _SKIP
    try:
        value = convert(text)
    except TenbinError as exc:
        return _Failure(exc.error, exc.params)
    return _SKIP if value is None else value


class _Column:
    """One mapped field column, converted a whole batch at a time."""

    def __init__(self, column: Column) -> None:
        assert column.field is not None
        self.index, self.header, self.field = column.index, column.header, column.field
        self.convert: Converter = column.field.convert
        self.fast = fast_path(self.convert)  # for when the memo is off: the column rarely repeats
        self.memo: dict[str, Any] = {}
        self.failing: set[str] = set()  # memo keys whose result is a failure
        self.cached = True
        self.cells = self.hits = 0

    def run(self, cells: list[str]) -> tuple[list[Any], list[int]]:
        """Each cell's value, _SKIP or _Failure, and the positions of the failures."""
        if self.cached:
            done = self._memoized(cells)
            if done is not None:
                return done
        return self._direct(cells)

    def _memoized(self, cells: list[str]) -> tuple[list[Any], list[int]] | None:
        memo, convert, failing = self.memo, self.convert, self.failing
        fresh = set(cells).difference(memo)
        for cell in fresh:
            result = _convert_cell(convert, cell)
            if isinstance(result, _MUTABLE):  # never share a mutable value between rows
                self._stop()
                return None
            memo[cell] = result
            if type(result) is _Failure:
                failing.add(cell)
        out = list(map(memo.__getitem__, cells))
        failed = [] if not failing or failing.isdisjoint(cells) else [j for j, c in enumerate(cells) if c in failing]
        self.cells += len(cells)
        self.hits += len(cells) - len(fresh)
        if self.cells >= MEMO_SAMPLE and self.hits < self.cells * MEMO_MIN_HIT_RATE:
            self._stop()
        elif len(memo) > MEMO_MAX:
            memo.clear()
            failing.clear()
        return out, failed

    def _stop(self) -> None:
        self.cached = False
        self.memo, self.failing = {}, set()

    def _direct(self, cells: list[str]) -> tuple[list[Any], list[int]]:
        convert = self.convert
        stripped = list(map(str.strip, cells))
        if "" not in stripped:  # the common case: no blank cell, no bad value
            if self.fast is not None:
                done = self.fast(stripped)
                if done is not None:
                    return done, []
            try:
                values = list(map(convert, stripped))
            except TenbinError:
                pass
            else:
                return ([_SKIP if v is None else v for v in values] if None in values else values), []
        out = [_convert_cell(convert, cell) for cell in cells]
        return out, [j for j, v in enumerate(out) if type(v) is _Failure]


@dataclass(frozen=True)
class _Group:
    """A required_any group: at least one of its fields must have a value in every row."""

    columns: tuple[int, ...]  # positions in BatchConverter.columns of the group's mapped fields
    header: str | None
    label: str


class BatchConverter:
    """A plan compiled once: converts a batch column by column (memo caches for repeating columns),
    then builds one :class:`Converted` per row; every problem of a row is reported, not only the first."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        fields = plan.fields()
        self.columns = [_Column(c) for c in plan.columns if c.kind != "custom" and c.field is not None]
        self.customs = [(c.index, c.custom_key or "", c.custom_target == "account") for c in plan.customs()]
        self.width = max((c.index + 1 for c in plan.columns), default=0)
        self.parts = [self._part(kind) for kind in ("values", "account", "refs")]
        position = {c.field.name: p for p, c in enumerate(self.columns)}
        self.required = [(position[n], c.header) for n, c in fields.items() if c.field is not None and c.field.required]
        self.groups = []
        for group in plan.entity.required_any:
            headers = [fields[name].header for name in group if name in fields]
            columns = tuple(position[name] for name in group if name in position)
            self.groups.append(_Group(columns, headers[0] if headers else None, " / ".join(headers)))

    def _part(self, kind: str) -> tuple[tuple[str, ...], list[int]]:
        """(record keys, column positions) of the fields that go into Converted.<kind>."""
        names, positions = [], []
        for p, col in enumerate(self.columns):
            f = col.field
            if f.target == "account":
                part, name = "account", f.name.removeprefix("account.")
            elif f.target == "ref" or "." in f.name:
                part, name = "refs", f.name
            else:
                part, name = "values", f.name
            if part == kind:
                names.append(name)
                positions.append(p)
        return tuple(names), positions

    def convert(
        self, batch: list[tuple[int, list[str]]]
    ) -> tuple[list[Converted], list[tuple[Converted, list[Issue]]]]:
        """(rows that converted cleanly, rejected rows with their issues), both in file order."""
        raws = [raw for _, raw in batch]
        cells_of = self._cells(raws)
        issues: dict[int, list[Issue]] = {}
        outs = []
        for col in self.columns:
            cells = cells_of(col.index)
            out, failed = col.run(cells)
            outs.append(out)
            for j in failed:
                failure = out[j]
                issues.setdefault(j, []).append(
                    Issue(batch[j][0], col.header, preview(cells[j]), failure.error, failure.params)
                )
                out[j] = _SKIP
        self._required(batch, outs, issues)
        records = [_records(names, [outs[p] for p in positions], len(raws)) for names, positions in self.parts]
        customs, account_customs = self._custom_values(cells_of, len(raws))
        rows = list(map(Converted, [r for r, _ in batch], *records, customs, account_customs, raws))
        if not issues:
            return rows, []
        return [c for j, c in enumerate(rows) if j not in issues], [(rows[j], issues[j]) for j in sorted(issues)]

    def _cells(self, raws: list[list[str]]) -> Callable[[int], list[str]]:
        width = self.width
        if raws and min(map(len, raws)) < width:
            raws = [raw if len(raw) >= width else [*raw, *([""] * (width - len(raw)))] for raw in raws]
        return lambda index: list(map(itemgetter(index), raws))

    def _required(
        self, batch: list[tuple[int, list[str]]], outs: list[list[Any]], issues: dict[int, list[Issue]]
    ) -> None:
        """IMPORT_REQUIRED_EMPTY for rows that converted cleanly but lack a required value."""
        failed = set(issues)
        found: dict[int, list[Issue]] = {}
        for position, header in self.required:
            out = outs[position]
            if _SKIP in out:
                for j in _skipped(out):
                    if j not in failed:
                        found.setdefault(j, []).append(
                            Issue(batch[j][0], header, None, IMPORT_REQUIRED_EMPTY, {"field": header})
                        )
        for group in self.groups:
            members = [outs[p] for p in group.columns]
            if all(_SKIP in out for out in members):
                for j in range(len(batch)):
                    if j not in failed and all(out[j] is _SKIP for out in members):
                        found.setdefault(j, []).append(
                            Issue(batch[j][0], group.header, None, IMPORT_REQUIRED_EMPTY, {"field": group.label})
                        )
        issues.update(found)

    def _custom_values(
        self, cells_of: Callable[[int], list[str]], n: int
    ) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
        customs: list[dict[str, str]] = [{} for _ in range(n)]
        account_customs: list[dict[str, str]] = [{} for _ in range(n)]
        for index, key, on_account in self.customs:
            target = account_customs if on_account else customs
            for values, cell in zip(target, cells_of(index), strict=True):
                if cell.strip():
                    values[key] = cell
        return customs, account_customs


def _skipped(out: list[Any]) -> list[int]:
    return [j for j, v in enumerate(out) if v is _SKIP]


def _records(names: tuple[str, ...], outs: list[list[Any]], n: int) -> list[dict[str, Any]]:
    """One dict per row from the columns' values; absent (_SKIP) values leave the key out."""
    if not names:
        return [{} for _ in range(n)]
    records = list(map(dict, map(zip, repeat(names), zip(*outs, strict=True))))
    for name, out in zip(names, outs, strict=True):
        if _SKIP in out:
            for record in compress(records, map(is_, out, repeat(_SKIP))):
                del record[name]
    return records


def convert_row(plan: Plan, row_no: int, raw: list[str]) -> tuple[Converted, list[Issue]]:
    """Convert one row (see :class:`BatchConverter`, which the importer uses for whole batches)."""
    ok, rejected = BatchConverter(plan).convert([(row_no, raw)])
    return (ok[0], []) if ok else rejected[0]
