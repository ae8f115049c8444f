"""From a file's header row to a column plan: which field each column feeds.

Order of precedence for a column: the user's mapping file, then the chosen (or detected)
preset, then the generic header names of the entity's fields. Anything left becomes a custom
attribute of the record (``custom:<header>``), so no column is silently dropped.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from tenbin.errors import ErrorCode, TenbinError
from tenbin.imports.entities import ENTITIES
from tenbin.imports.presets import HOUJIN_COLUMNS, PRESETS
from tenbin.imports.specs import EntitySpec, FieldSpec

IMPORT_MISSING_COLUMN = ErrorCode(
    "IMPORT_MISSING_COLUMN",
    en="Required column for {field} is missing. Add a column named one of: {headers} (or map yours with --mapping).",
    ja="必須の列「{field}」がありません。次のいずれかの名前の列を追加するか、--mapping で対応付けてください: {headers}",
)
IMPORT_PRESET_UNKNOWN = ErrorCode(
    "IMPORT_PRESET_UNKNOWN",
    en="Unknown preset {preset!r}. Choose one of: {choices}.",
    ja="不明なプリセット {preset!r} です。次から選んでください: {choices}。",
)
IMPORT_MAPPING_INVALID = ErrorCode(
    "IMPORT_MAPPING_INVALID",
    en="Mapping file {path}: {detail}. A mapping file is JSON like "
    '{{"columns": {{"Your header": "field_name", "Other": "custom:Name", "Unused": "ignore"}}}}.',
    ja="マッピングファイル {path}: {detail}。マッピングファイルは "
    '{{"columns": {{"列名": "項目名", "別の列": "custom:属性名", "使わない列": "ignore"}}}} の形式の JSON です。',
)

_HEADER_DROP = re.compile(r"[\s_\-・()（）/／.:：]")


@lru_cache(maxsize=4096)
def header_key(header: str) -> str:
    """Header comparison key: NFKC, case-folded, without spaces, underscores and brackets."""
    return _HEADER_DROP.sub("", unicodedata.normalize("NFKC", header).casefold())


@dataclass(frozen=True)
class Column:
    index: int
    header: str
    kind: str  # field | custom | ignore
    field: FieldSpec | None = None
    custom_key: str | None = None
    custom_target: str = "self"  # self | account
    via: str = "generic"  # mapping | preset name | generic | custom


@dataclass(frozen=True)
class Plan:
    entity: EntitySpec
    columns: tuple[Column, ...]
    preset: str
    headerless: bool = False

    def fields(self) -> dict[str, Column]:
        return {c.field.name: c for c in self.columns if c.field is not None}

    def customs(self) -> list[Column]:
        return [c for c in self.columns if c.kind == "custom"]


def is_houjin_row(values: list[str]) -> bool:
    """The 国税庁 法人番号 CSV has no header: its first row already starts with data."""
    return len(values) >= 16 and values[0].strip().isdigit() and re.fullmatch(r"\d{13}", values[1].strip()) is not None


def load_mapping_file(path: Path) -> dict[str, str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError as exc:
        raise TenbinError(IMPORT_MAPPING_INVALID, {"path": str(path), "detail": "not found"}) from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise TenbinError(IMPORT_MAPPING_INVALID, {"path": str(path), "detail": str(exc)}) from exc
    columns = data.get("columns") if isinstance(data, dict) else None
    if not isinstance(columns, dict) or not all(isinstance(v, str) for v in columns.values()):
        raise TenbinError(IMPORT_MAPPING_INVALID, {"path": str(path), "detail": "no 'columns' object"})
    return {header_key(str(k)): v for k, v in columns.items()}


def _preset_table(preset: str, entity: str) -> dict[str, str]:
    return {header_key(k): v for k, v in PRESETS[preset].get(entity, {}).items()}


# Columns tenbin's own exports add that are derived or internal: ignored on import.
EXPORT_ONLY = ("tenbin_id", "employee_band", "revenue_band", "industry_code", "created_at", "updated_at")


def _generic_table(spec: EntitySpec) -> dict[str, str]:
    table: dict[str, str] = {header_key(h): "ignore" for h in EXPORT_ONLY}
    for f in spec.fields:
        for h in (f.name, *f.headers):
            table.setdefault(header_key(h), f.name)
    return table


def detect_preset(spec: EntitySpec, header: list[str]) -> str:
    """The vendor preset whose headers cover most of this header row; 'generic' if none fits better."""
    keys = [header_key(h) for h in header]
    generic = sum(k in _generic_table(spec) for k in keys)
    best, best_score = "generic", generic
    for name in ("salesforce", "hubspot"):
        table = _preset_table(name, spec.name)
        score = sum(k in table for k in keys)
        # a tie goes to the vendor preset: its headers are the more specific reading of the file
        if table and score and (score > best_score or (best == "generic" and score == best_score)):
            best, best_score = name, score
    return best


def build_plan(
    entity: str,
    header: list[str],
    *,
    preset: str | None = None,
    mapping: dict[str, str] | None = None,
    check_required: bool = True,
) -> Plan:
    """The column plan; ``check_required=False`` (the wizard's mapping preview) skips the
    IMPORT_MISSING_COLUMN check so an incomplete mapping can still be shown and edited."""
    spec = ENTITIES[entity]
    headerless = False
    if preset == "houjin" or (preset is None and spec.name == "accounts" and is_houjin_row(header)):
        preset, headerless = "houjin", is_houjin_row(header)
        if headerless:
            header = list(HOUJIN_COLUMNS[: len(header)]) + [f"列{i + 1}" for i in range(30, len(header))]
    if preset is not None and preset not in PRESETS:
        raise TenbinError(IMPORT_PRESET_UNKNOWN, {"preset": preset, "choices": ", ".join(PRESETS)})
    chosen = preset or detect_preset(spec, header)
    tables = [("mapping", mapping or {}), (chosen, _preset_table(chosen, spec.name)), ("generic", _generic_table(spec))]
    columns, used = [], set[str]()
    for index, raw in enumerate(header):
        column = _plan_column(spec, index, raw, tables, used)
        if column.field is not None:
            used.add(column.field.name)
        columns.append(column)
    plan = Plan(spec, tuple(columns), chosen, headerless)
    if check_required:
        _check_required(plan)
    return plan


def _plan_column(
    spec: EntitySpec, index: int, raw: str, tables: list[tuple[str, dict[str, str]]], used: set[str]
) -> Column:
    key = header_key(raw)
    if not key:
        return Column(index, raw, "ignore")
    for via, table in tables:
        target = table.get(key)
        if target is None:
            continue
        if target == "ignore":
            return Column(index, raw, "ignore", via=via)
        if target.startswith(("custom:", "account.custom:")):
            on_account = target.startswith("account.")
            name = target.split("custom:", 1)[1] or raw
            return Column(
                index, raw, "custom", custom_key=name, custom_target="account" if on_account else "self", via=via
            )
        field = spec.by_name.get(target)
        if field is None and via == "mapping":
            raise TenbinError(
                IMPORT_MAPPING_INVALID,
                {
                    "path": "--mapping",
                    "detail": f"{raw!r} → unknown field {target!r}; fields: " + ", ".join(spec.by_name),
                },
            )
        if field is not None and field.name not in used:
            return Column(index, raw, "field", field=field, via=via)
    return Column(index, raw, "custom", custom_key=raw.strip(), via="custom")


def _check_required(plan: Plan) -> None:
    mapped = plan.fields()
    spec = plan.entity
    for f in spec.fields:
        if f.required and f.name not in mapped:
            raise TenbinError(
                IMPORT_MISSING_COLUMN, {"field": f.label_ja or f.name, "headers": ", ".join(f.headers[:6])}
            )
    for group in spec.required_any:
        if not any(name in mapped for name in group):
            headers = [h for name in group for h in spec.by_name[name].headers[:3]]
            raise TenbinError(IMPORT_MISSING_COLUMN, {"field": " / ".join(group), "headers": ", ".join(headers)})
