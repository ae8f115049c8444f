"""Exporting tables for Excel and Japanese tools: CSV (UTF-8 with BOM or CP932) and XLSX.

Both writers stream (rows are never all in memory) into a temporary file next to the target and
rename it over the target only when everything was written: a failed export leaves no partial
file and an existing file untouched.

Row numbers in errors are the row numbers of the exported file as Excel shows them (header = 1).
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import math
import os
import re
import secrets
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

from tenbin.errors import ErrorCode, Place, TenbinError
from tenbin.imports.sources import canonical_encoding, column_letter

EXPORT_UNENCODABLE = ErrorCode(
    "EXPORT_UNENCODABLE",
    en="{count} character(s) cannot be written in {encoding}, for example row {row}, column {column}: "
    "'{char}' ({codepoint}). All (row:column): {details}. Export as UTF-8 (the default, which Excel "
    "opens correctly) or replace these characters; nothing was written.",
    ja="{encoding} で表せない文字が {count} 個あります"
    "（例: {row} 行目「{column}」列の '{char}' ({codepoint})）。一覧（行:列）: {details}。"
    "UTF-8（既定。Excel でも正しく開けます）で書き出すか、これらの文字を"
    "置き換えてください。ファイルは書き出していません。",
)
EXPORT_ENCODING_UNSUPPORTED = ErrorCode(
    "EXPORT_ENCODING_UNSUPPORTED",
    en="Cannot export in encoding {name!r}. Use one of: {choices}.",
    ja="文字コード {name!r} では書き出せません。次のいずれかを指定してください: {choices}。",
)
EXPORT_WRITE_FAILED = ErrorCode(
    "EXPORT_WRITE_FAILED",
    en="Cannot write {path}: {detail}. If the file is open in Excel, close it; check the folder and "
    "free disk space, then try again.",
    ja="{path} に書き込めません: {detail}。Excel で開いている場合は閉じ、フォルダーと空き容量を確認して"
    "再実行してください。",
)
EXPORT_XLSX_ILLEGAL_CHARACTER = ErrorCode(
    "EXPORT_XLSX_ILLEGAL_CHARACTER",
    en="Row {row}, column {column} contains the control character {codepoint}, which .xlsx cannot "
    "store. Remove it from the data, or export as CSV.",
    ja="{row} 行目「{column}」列に .xlsx に保存できない制御文字 {codepoint} があります。"
    "データから取り除くか、CSV で書き出してください。",
)
EXPORT_XLSX_TOO_MANY_ROWS = ErrorCode(
    "EXPORT_XLSX_TOO_MANY_ROWS",
    en="An Excel sheet holds at most {limit} rows including the header. Export as CSV, or narrow the "
    "export with a filter.",
    ja="Excel のシートに入るのは見出しを含めて {limit} 行までです。CSV で書き出すか、条件を絞って書き出してください。",
)
EXPORT_XLSX_CELL_TOO_LONG = ErrorCode(
    "EXPORT_XLSX_CELL_TOO_LONG",
    en="Row {row}, column {column} has {length} characters; an Excel cell holds at most {limit}. "
    "Shorten the value, or export as CSV.",
    ja="{row} 行目「{column}」列は {length} 文字あり、Excel のセルの上限 {limit} 文字を超えています。"
    "値を短くするか、CSV で書き出してください。",
)

# The same JIS X 0208 character has two Unicode spellings (JIS/Unicode-consortium vs Microsoft);
# CP932 only has the Microsoft one, so these are written in their CP932 spelling, never reported.
JIS_ROUND_TRIP = {
    0x301C: "\uff5e",  # WAVE DASH 〜 → FULLWIDTH TILDE ～
    0x2016: "\u2225",  # DOUBLE VERTICAL LINE ‖ → PARALLEL TO ∥
    0x2212: "\uff0d",  # MINUS SIGN − → FULLWIDTH HYPHEN-MINUS －
    0x00A2: "\uffe0",  # CENT SIGN ¢ → FULLWIDTH CENT SIGN ￠
    0x00A3: "\uffe1",  # POUND SIGN £ → FULLWIDTH POUND SIGN ￡
    0x00AC: "\uffe2",  # NOT SIGN ¬ → FULLWIDTH NOT SIGN ￢
    0x2014: "\u2015",  # EM DASH — → HORIZONTAL BAR ―
}
_EXPORT_ENCODINGS = ("utf-8-sig", "cp932")
_MAX_LISTED = 20
_FORMULA_START = frozenset("=+-@\t\r＝＋－＠")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+|(?=\.\d))(?:\.\d+)?(?:[eE][+-]?\d+)?\Z", re.ASCII)
_XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_XLSX_CELL_LIMIT = 32_767
XLSX_MAX_DATA_ROWS = 1_048_575  # Excel's 1,048,576 rows, minus the header
_EXCEL_DIGITS = 10**15  # Excel keeps 15 significant digits: larger integers are written as text


def _jis_round_trip(exc: UnicodeError) -> tuple[str, int]:
    """Codec error handler: write the mappable prefix of the failing run, fail on the rest."""
    if isinstance(exc, UnicodeEncodeError):
        failing = exc.object[exc.start : exc.end]
        mapped = ""
        for char in failing:
            if ord(char) not in JIS_ROUND_TRIP:
                break
            mapped += JIS_ROUND_TRIP[ord(char)]
        if mapped:
            return mapped, exc.start + len(mapped)
    raise exc


codecs.register_error("tenbin.jis", _jis_round_trip)


def protect_formula(text: str) -> str:
    """Prefix ``'`` to text Excel would run as a formula (OWASP CSV injection); plain numbers stay.

    Starts checked: ``= + - @`` tab, CR and the full-width ``＝ ＋ － ＠``.  Exempt: plain numbers
    such as ``-100``, ``-1.5``, ``-1,000``; ``+81-3-1234-5678`` is not a plain number, so it is
    prefixed.
    """
    if text and text[0] in _FORMULA_START and not _PLAIN_NUMBER.match(text):
        return "'" + text
    return text


def csv_text(value: object) -> str:
    """A value as CSV text: None → "", True → "TRUE", dates ISO, numbers as numbers, text protected."""
    if isinstance(value, str):
        return protect_formula(value)
    if value is None:
        return ""
    if isinstance(value, (int, float, Decimal)):  # bool is an int
        return _number_text(value)
    if isinstance(value, (date, time)):
        return _temporal_text(value)
    return protect_formula(str(value))


def _number_text(value: float | Decimal) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if math.isnan(value):
        return ""
    return str(int(value)) if value.is_integer() and abs(value) < _EXCEL_DIGITS else repr(value)


def _temporal_text(value: date | time) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    return value.strftime("%H:%M:%S")


def _export_encoding(name: str) -> str:
    canonical = canonical_encoding(name)
    if canonical not in _EXPORT_ENCODINGS:
        choices = "utf-8 (with BOM, default), cp932 (Shift-JIS)"
        raise TenbinError(EXPORT_ENCODING_UNSUPPORTED, {"name": name, "choices": choices})
    return canonical


@contextlib.contextmanager
def _replacing(path: Path) -> Iterator[Path]:
    """Yield a new temporary path next to ``path``; rename it over ``path`` only on success."""
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    try:  # O_EXCL: never reuse someone else's file; mode 0o666 lets the umask decide, as open() does
        os.close(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    except OSError as exc:
        raise _write_failed(path, exc) from exc
    try:
        yield temporary
        with contextlib.suppress(OSError):  # keep the permissions of the file being replaced
            os.chmod(temporary, path.stat().st_mode & 0o777)
        os.replace(temporary, path)
    except BaseException as exc:
        temporary.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise _write_failed(path, exc) from exc
        raise


def _write_failed(path: Path, exc: OSError) -> TenbinError:
    return TenbinError(EXPORT_WRITE_FAILED, {"path": str(path), "detail": exc.strerror or str(exc)})


class _Unencodable:
    """Collects characters the target encoding cannot represent, with row and column."""

    def __init__(self, encoding: str, header: Sequence[str]) -> None:
        self.encoding, self.header = encoding, header
        self.count = 0
        self.listed: list[dict[str, Any]] = []

    def check(self, row: int, cells: Sequence[str]) -> None:
        try:
            "\x1f".join(cells).encode(self.encoding, errors="tenbin.jis")
            return
        except UnicodeEncodeError:
            pass
        for index, cell in enumerate(cells):
            for char in cell:
                try:
                    char.encode(self.encoding, errors="tenbin.jis")
                except UnicodeEncodeError:
                    self._add(row, index, char)

    def _add(self, row: int, index: int, char: str) -> None:
        self.count += 1
        if len(self.listed) < _MAX_LISTED:
            column = self.header[index] if index < len(self.header) else column_letter(index + 1)
            self.listed.append({"row": row, "column": column, "char": char, "codepoint": f"U+{ord(char):04X}"})

    def error(self) -> TenbinError:
        first = self.listed[0]
        details = "; ".join(f"{p['row']}:{p['column']} '{p['char']}' ({p['codepoint']})" for p in self.listed)
        if self.count > len(self.listed):
            details += f"; … (+{self.count - len(self.listed)})"
        label = "Shift-JIS (CP932)" if self.encoding == "cp932" else "UTF-8"
        params = {
            **first,
            "count": self.count,
            "encoding": label,
            "details": details,
            "problems": self.listed,
        }
        return TenbinError(EXPORT_UNENCODABLE, params, place=Place(row=first["row"], column=first["column"]))


def write_csv(
    path: Path, header: Sequence[str], rows: Iterable[Sequence[object]], *, encoding: str = "utf-8-sig"
) -> int:
    """Write a CSV for Excel and Japanese tools; return the number of data rows written.

    UTF-8 with BOM by default (Excel opens it correctly; "utf8"/"utf-8" also write the BOM), CRLF
    line endings, minimal quoting.  ``encoding="cp932"`` (aliases: sjis, shift_jis, ms932,
    windows-31j …) never replaces a character silently: characters CP932 cannot represent raise
    :data:`EXPORT_UNENCODABLE` listing up to 20 (row, column, character, code point) plus the
    total, and nothing is written.  The JIS round-trip pairs are one JIS X 0208 character with two
    Unicode spellings, so they are written in their CP932 spelling instead of being reported:

    ======  =====================  ======  ===========================
    U+301C  WAVE DASH 〜            U+FF5E  FULLWIDTH TILDE ～
    U+2016  DOUBLE VERTICAL LINE ‖  U+2225  PARALLEL TO ∥
    U+2212  MINUS SIGN −            U+FF0D  FULLWIDTH HYPHEN-MINUS －
    U+00A2  CENT SIGN ¢             U+FFE0  FULLWIDTH CENT SIGN ￠
    U+00A3  POUND SIGN £            U+FFE1  FULLWIDTH POUND SIGN ￡
    U+00AC  NOT SIGN ¬              U+FFE2  FULLWIDTH NOT SIGN ￢
    U+2014  EM DASH —               U+2015  HORIZONTAL BAR ―
    ======  =====================  ======  ===========================

    Values: None → "", bool → TRUE/FALSE, int/float/Decimal as plain numbers, date → YYYY-MM-DD,
    datetime → YYYY-MM-DD HH:MM:SS.  Text Excel would run as a formula is prefixed with ``'``
    (:func:`protect_formula`); numbers never are.  Error rows are the exported file's rows
    (header = 1).
    """
    codec = _export_encoding(encoding)
    problems = _Unencodable(codec, header)
    written = 0
    with (
        _replacing(path) as temporary,
        open(temporary, "w", encoding=codec, errors="tenbin.jis", newline="") as text,
    ):
        writer = csv.writer(text, lineterminator="\r\n")
        for row, values in enumerate(_with_header(header, rows), 1):
            cells = [csv_text(value) for value in values]
            if not problems.count:
                try:
                    writer.writerow(cells)
                    written = row - 1
                    continue
                except UnicodeEncodeError:
                    pass  # stop writing; keep reading to report every unencodable character
            problems.check(row, cells)
        if problems.count:
            raise problems.error()
    return written


def _with_header(header: Sequence[str], rows: Iterable[Sequence[object]]) -> Iterator[Sequence[object]]:
    yield header
    yield from rows


def _sheet_title(title: str) -> str:
    """Excel sheet names: at most 31 characters, none of ``[]:*?/\\``, no leading/trailing ``'``."""
    cleaned = re.sub(r"[\[\]:*?/\\]", "", title).strip().strip("'")[:31].strip()
    return cleaned or "data"


class _XlsxCells:
    """Turns Python values into openpyxl write-only cells: text stays text, dates are real dates."""

    def __init__(self, sheet: Any, header: Sequence[str]) -> None:
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Font

        self._sheet, self._header, self._cell_type = sheet, header, WriteOnlyCell
        self._bold = Font(bold=True)

    def header(self) -> list[Any]:
        cells = []
        for index, name in enumerate(self._header):
            cell = self._cell_type(self._sheet, value=self._checked(1, index, str(name)))
            cell.data_type, cell.font = "s", self._bold
            cells.append(cell)
        return cells

    def row(self, row: int, values: Sequence[object]) -> list[Any]:
        return [self._value(row, index, value) for index, value in enumerate(values)]

    def _value(self, row: int, index: int, value: object) -> Any:
        if isinstance(value, str):
            return self._text(row, index, value)
        if value is None or isinstance(value, bool):
            return value
        if isinstance(value, int):
            return value if abs(value) < _EXCEL_DIGITS else str(value)
        if isinstance(value, float):
            return None if math.isnan(value) else value if math.isfinite(value) else str(value)
        if isinstance(value, (date, time)):
            return self._dated(value)
        if isinstance(value, Decimal):
            return value if value.is_finite() else str(value)
        return self._text(row, index, str(value))

    def _dated(self, value: date | time) -> Any:
        if isinstance(value, datetime):
            value, number_format = value.replace(tzinfo=None), "yyyy/mm/dd hh:mm:ss"
        elif isinstance(value, date):
            number_format = "yyyy/mm/dd"
        else:
            value, number_format = value.replace(tzinfo=None), "hh:mm:ss"
        cell = self._cell_type(self._sheet, value=value)
        cell.number_format = number_format
        return cell

    def _text(self, row: int, index: int, value: str) -> Any:
        if not self._checked(row, index, value).startswith("="):
            return value
        cell = self._cell_type(self._sheet, value=value)
        cell.data_type = "s"  # openpyxl would store "=..." as a formula; this is data, never run
        return cell

    def _checked(self, row: int, index: int, value: str) -> str:
        """Refuse what openpyxl would silently truncate (32,767 characters) or fail on mid-stream."""
        column = self._header[index] if index < len(self._header) else column_letter(index + 1)
        if len(value) > _XLSX_CELL_LIMIT:
            params = {"row": row, "column": column, "length": len(value), "limit": _XLSX_CELL_LIMIT}
            raise TenbinError(EXPORT_XLSX_CELL_TOO_LONG, params, place=Place(row=row, column=column))
        illegal = _XLSX_ILLEGAL.search(value)
        if illegal:
            params = {"row": row, "column": column, "codepoint": f"U+{ord(illegal.group()):04X}"}
            raise TenbinError(EXPORT_XLSX_ILLEGAL_CHARACTER, params, place=Place(row=row, column=column))
        return value


def write_xlsx(
    path: Path, header: Sequence[str], rows: Iterable[Sequence[object]], *, sheet_title: str = "data"
) -> int:
    """Write an .xlsx with openpyxl's streaming write-only mode; return the number of data rows.

    Bold, frozen header row; text is always stored as text (``"=1+1"`` is a string cell, never a
    formula, so no ``'`` prefix is needed); dates are real dates shown ``yyyy/mm/dd``; integers
    are numbers, except beyond Excel's 15 significant digits, which are written as text so no
    digit is lost.  Control characters .xlsx cannot hold, values over 32,767 characters and more
    rows than a sheet holds (1,048,576 with the header) raise an error instead of being dropped,
    truncated, or written into a file Excel refuses.  Speed is openpyxl's (about 5,000 rows of 12
    columns per second without lxml); memory stays flat.
    """
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_sheet_title(sheet_title))
    sheet.freeze_panes = "A2"
    cells = _XlsxCells(sheet, header)
    written = 0
    with _replacing(path) as temporary:
        try:
            sheet.append(cells.header())
            for written, values in enumerate(rows, 1):
                if written > XLSX_MAX_DATA_ROWS:
                    raise TenbinError(EXPORT_XLSX_TOO_MANY_ROWS, {"limit": XLSX_MAX_DATA_ROWS + 1})
                sheet.append(cells.row(written + 1, values))
            workbook.save(temporary)
        except BaseException:
            _discard(sheet)
            raise
    return written


def _discard(sheet: Any) -> None:
    """Remove the temporary XML openpyxl streams a write-only sheet into (best effort)."""
    writer = getattr(sheet, "_writer", None)
    if writer is None:
        return
    with contextlib.suppress(Exception):  # already closed or saved: nothing left to close
        sheet.close()
    with contextlib.suppress(OSError, ValueError):  # already removed by a partial save
        writer.cleanup()
