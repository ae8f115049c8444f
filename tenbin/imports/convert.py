"""Turning one file row into typed values, or into row-level issues with row, column and value."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tenbin.errors import ErrorCode, TenbinError
from tenbin.imports.mapping import Plan

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


@dataclass
class Converted:
    row: int
    values: dict[str, Any]  # the entity's own fields, by field name
    account: dict[str, Any]  # embedded account fields (lead files), by field name without prefix
    refs: dict[str, Any]  # reference fields ("campaign.name" → value)
    custom: dict[str, str]  # custom attributes of the record
    account_custom: dict[str, str]
    raw: list[str]


def convert_row(plan: Plan, row_no: int, raw: list[str]) -> tuple[Converted, list[Issue]]:
    """Convert every mapped cell; collect every problem of the row (not only the first)."""
    out = Converted(row_no, {}, {}, {}, {}, {}, raw)
    issues: list[Issue] = []
    for col in plan.columns:
        cell = raw[col.index] if col.index < len(raw) else ""
        if col.kind == "custom":
            if cell.strip():
                (out.account_custom if col.custom_target == "account" else out.custom)[col.custom_key or ""] = cell
            continue
        if col.field is None or not cell.strip():
            continue
        try:
            value = col.field.convert(cell.strip())
        except TenbinError as exc:
            issues.append(Issue(row_no, col.header, preview(cell), exc.error, exc.params))
            continue
        if value is None:
            continue
        f = col.field
        if f.target == "account":
            out.account[f.name.removeprefix("account.")] = value
        elif f.target == "ref" or "." in f.name:
            out.refs[f.name] = value
        else:
            out.values[f.name] = value
    if not issues:
        issues.extend(_required_issues(plan, out))
    return out, issues


def _required_issues(plan: Plan, out: Converted) -> list[Issue]:
    issues = []
    present = {**out.values, **out.refs, **{f"account.{k}": v for k, v in out.account.items()}}
    for name, col in plan.fields().items():
        assert col.field is not None
        if col.field.required and name not in present:
            issues.append(Issue(out.row, col.header, None, IMPORT_REQUIRED_EMPTY, {"field": col.header}))
    mapped = plan.fields()
    for group in plan.entity.required_any:
        if not any(name in present for name in group):
            headers = [mapped[name].header for name in group if name in mapped]
            issues.append(
                Issue(
                    out.row,
                    headers[0] if headers else None,
                    None,
                    IMPORT_REQUIRED_EMPTY,
                    {"field": " / ".join(headers)},
                )
            )
    return issues
