"""Reading tabular files exported by Japanese tools: CSV (UTF-8, UTF-8 BOM, CP932, UTF-16) and XLSX.

:func:`open_table` returns a :class:`TableSource`: the normalised header plus a streaming
:meth:`TableSource.rows` iterator of ``(row_number, values)``.  Row numbers are the spreadsheet
row numbers a user sees in Excel (header = row 1 in a normal file; a quoted cell holding line
breaks is one row), so every error can point at the row to fix.

Decisions (see also the docstrings below):

- Encoding: BOM first (UTF-8, UTF-16); then UTF-16 without BOM (0x00 on one byte parity);
  otherwise the first MiB must be valid UTF-8, else valid CP932.  ``shift_jis`` is never used
  (it lacks ㈱, 髙, ① and maps ～ differently).  Decoding is strict and streaming; a bad byte
  later in the file is reported with its row and exact byte offset (found by a second pass only
  when it happens, because the text layer decodes ahead in chunks).
- A 0x00 byte in a non-UTF-16 file is :data:`IMPORT_CSV_MALFORMED` (Python 3.11's ``csv``
  accepts NUL; databases do not).  Quoting is parsed strictly (``csv`` ``strict=True``): an
  unterminated quote is an error instead of silently swallowing the rest of the file.
- Blank rows (every cell ``""``) are skipped but still counted.  Whitespace-only cells are data.
- Header = the first non-blank row.  NFKC-normalised, stripped, BOM removed.  Empty header cells
  at the *end* are dropped (the trailing comma some tools write on every line); values under them
  must be empty, else :data:`IMPORT_ROW_TOO_MANY_FIELDS`.  Other empty header cells (also leading
  empty columns of a sheet) stay ``""`` so positions match Excel's column letters; they are
  listed in :attr:`TableSource.unnamed_columns` and the importer decides whether to report them.
- A first row that looks like data (more than half of its non-empty cells are numbers or dates,
  e.g. the 国税庁 法人番号 CSV, which has no header) is neither trimmed nor checked for
  duplicates; :attr:`TableSource.header_looks_like_data` tells the caller, and
  :attr:`TableSource.header_raw` holds its cells as read.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
import warnings
import weakref
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from itertools import islice
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

from tenbin.errors import FILE_NOT_FOUND, ErrorCode, Lang, Place, TenbinError

SNIFF_BYTES = 1 << 20
FIELD_SIZE_LIMIT = 16 << 20  # the importer rejects over-long values itself, with a proper code

IMPORT_FILE_EMPTY = ErrorCode(
    "IMPORT_FILE_EMPTY",
    en="The file {path} is empty: it has no header row. Export it again with a header row and data.",
    ja="ファイル {path} が空です（見出し行がありません）。見出し行とデータを含めて出力し直してください。",
)
IMPORT_FILE_UNREADABLE = ErrorCode(
    "IMPORT_FILE_UNREADABLE",
    en="Cannot read {path}: {detail}. Check the file's permissions, or close the program that locks it.",
    ja="{path} を読み込めません: {detail}。ファイルの権限を確認するか、"
    "ファイルを開いているプログラムを閉じてください。",
)
IMPORT_NO_ROWS = ErrorCode(
    "IMPORT_NO_ROWS",
    en="The file {path} has a header row but no data rows. Check that you chose the right file or sheet.",
    ja="ファイル {path} には見出し行だけがあり、データ行がありません。ファイルやシートが正しいか確認してください。",
)
IMPORT_FILE_FORMAT = ErrorCode(
    "IMPORT_FILE_FORMAT",
    en="{path} cannot be read as CSV or .xlsx (old .xls, password-protected and damaged workbooks "
    'are not supported). Open it in Excel and save it as "Excel Workbook (*.xlsx)" or "CSV UTF-8".',
    ja="{path} は CSV / .xlsx として読み込めません（旧形式の .xls、パスワード付き、破損したブックは"
    "読めません）。Excel で開き「Excel ブック (*.xlsx)」または「CSV UTF-8」形式で保存し直してください。",
)
IMPORT_ENCODING_NAME_UNKNOWN = ErrorCode(
    "IMPORT_ENCODING_NAME_UNKNOWN",
    en="Unknown encoding {name!r}. Use one of: {choices}.",
    ja="文字コード {name!r} は使えません。次のいずれかを指定してください: {choices}。",
)
IMPORT_ENCODING_UNKNOWN = ErrorCode(
    "IMPORT_ENCODING_UNKNOWN",
    en="Cannot tell the character encoding of {path}: it is not valid {tried}. Pass the encoding "
    'with --encoding (for example --encoding cp932), or save the file again as "CSV UTF-8".',
    ja="{path} の文字コードを判定できません（{tried} のいずれとしても読めません）。--encoding で文字コードを"
    "指定する（例: --encoding cp932）か、「CSV UTF-8」形式で保存し直してください。",
)
IMPORT_ENCODING_INVALID = ErrorCode(
    "IMPORT_ENCODING_INVALID",
    en="Row {row} cannot be read as {encoding} (byte offset {offset}: {bytes}). It may be {suggestion}: "
    "if the whole file is {suggestion}, pass --encoding {option}; otherwise fix that row or save the "
    'file again as "CSV UTF-8".',
    ja="{row} 行目を {encoding} として読めません（先頭から {offset} バイトの位置: {bytes}）。{suggestion} の"
    "可能性があります。ファイル全体が {suggestion} なら --encoding {option} を指定し、そうでなければその行を"
    "直すか「CSV UTF-8」形式で保存し直してください。",
)
IMPORT_CSV_MALFORMED = ErrorCode(
    "IMPORT_CSV_MALFORMED",
    en='The CSV is malformed at row {row}: {detail}. Check the quotes (") and unusual characters '
    "around that row, or export the file again.",
    ja='CSV の {row} 行目の形式が不正です: {detail}。その行付近の引用符（"）や特殊な文字を確認するか、'
    "出力し直してください。",
)
IMPORT_HEADER_DUPLICATE = ErrorCode(
    "IMPORT_HEADER_DUPLICATE",
    en="The header {name!r} appears twice: column {first} ({first_letter}) and column {second} "
    "({second_letter}). Rename one of them so that every column name is unique.",
    ja="見出し {name!r} が 2 回あります: {first} 列目（{first_letter} 列）と "
    "{second} 列目（{second_letter} 列）。列名が重複しないよう、どちらかの名前を変えてください。",
)
IMPORT_ROW_TOO_MANY_FIELDS = ErrorCode(
    "IMPORT_ROW_TOO_MANY_FIELDS",
    en="Row {row} has {count} values but the header has {expected} columns (first extra value in "
    "column {column}). Add a header for that column, or quote values that contain the delimiter.",
    ja="{row} 行目の値が {count} 個ありますが、見出しは {expected} 列です（{column} 列に見出しのない値が"
    "あります）。その列に見出しを付けるか、区切り文字を含む値を引用符で囲んでください。",
)
IMPORT_SHEET_UNKNOWN = ErrorCode(
    "IMPORT_SHEET_UNKNOWN",
    en="The workbook has no sheet named {sheet!r}. Choose one of: {choices}.",
    ja="ブックにシート {sheet!r} がありません。次から選んでください: {choices}。",
)
IMPORT_SHEET_EMPTY = ErrorCode(
    "IMPORT_SHEET_EMPTY",
    en="The sheet {sheet!r} in {path} is empty. Choose the sheet that holds the data.",
    ja="{path} のシート {sheet!r} は空です。データのあるシートを選んでください。",
)

# Canonical names: utf-8-sig (decodes files with or without a BOM), cp932, utf-16 (+ byte order).
_ENCODING_ALIASES = {
    **dict.fromkeys(["sjis", "s-jis", "shift-jis", "shiftjis", "cp932", "ms932", "windows-31j", "mskanji"], "cp932"),
    **dict.fromkeys(["utf8", "utf-8", "utf-8-sig", "utf8-sig", "utf-8-bom", "utf8-bom"], "utf-8-sig"),
    **dict.fromkeys(["utf-8-with-bom", "utf8-with-bom", "utf-8-bom付き"], "utf-8-sig"),
    **dict.fromkeys(["utf16", "utf-16", "unicode"], "utf-16"),
    **dict.fromkeys(["utf-16le", "utf-16-le", "utf16le"], "utf-16-le"),
    **dict.fromkeys(["utf-16be", "utf-16-be", "utf16be"], "utf-16-be"),
}
_LABELS = {
    "utf-8": ("UTF-8", "UTF-8"),
    "utf-8-sig": ("UTF-8 (BOM付き)", "UTF-8 with BOM"),
    "cp932": ("Shift-JIS (CP932)", "Shift-JIS (CP932)"),
    "utf-16": ("UTF-16", "UTF-16"),
}
_MARK = "\udfff"  # a lone surrogate: never produced by a strict decoder, so it marks a bad byte


def _mark_bad_bytes(exc: UnicodeError) -> tuple[str, int]:
    if isinstance(exc, UnicodeDecodeError):
        return _MARK, exc.end
    raise exc


codecs.register_error("tenbin.mark", _mark_bad_bytes)
_DATA_LIKE = re.compile(r"[+-]?[\d,.]*\d|\d{4}[-/.]\d{1,2}[-/.]\d{1,2}(?:[ T][\d:.]+)?")
_ZIP_MAGIC = b"PK\x03\x04"
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls and password-protected workbooks
_XLSX_SUFFIXES = {".xlsx", ".xlsm", ".xltx", ".xltm", ".xls", ".xlsb"}


def canonical_encoding(name: str) -> str | None:
    """The canonical codec for a user's spelling (``"Shift_JIS"`` → ``"cp932"``), or None."""
    key = "-".join(part for part in re.split(r"[\s_\-()（）]+", name.lower()) if part)
    return _ENCODING_ALIASES.get(key)


def encoding_label(encoding: str | None, lang: Lang = "ja") -> str:
    """The name shown to users: "UTF-8", "UTF-8 (BOM付き)", "Shift-JIS (CP932)", "UTF-16"."""
    pair = _LABELS.get(encoding or "")
    if pair is None:
        return encoding or ""
    return pair[0] if lang == "ja" else pair[1]


def column_letter(position: int) -> str:
    """Spreadsheet column letter for a 1-based position: 1 → A, 27 → AA."""
    letters = ""
    while position > 0:
        position, rest = divmod(position - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def normalise_header(name: str) -> str:
    """NFKC, BOM removed, stripped: ``"\\ufeff会社名 "`` → ``"会社名"``, ``"ﾒｰﾙ"`` → ``"メール"``."""
    return unicodedata.normalize("NFKC", name.replace("\ufeff", "")).strip()


class TableSource:
    """An open tabular file: header, metadata, and a streaming :meth:`rows` iterator.

    Attributes: ``kind`` ("csv" | "xlsx"); ``encoding`` (codec used: "utf-8", "utf-8-sig",
    "cp932", "utf-16"; None for xlsx) and ``encoding_detected`` (False when forced), with
    ``detected_encoding`` (what detection would choose, to warn when a forced one differs);
    ``delimiter``; ``header`` (normalised), ``header_raw``, ``header_row``, ``unnamed_columns``,
    ``header_looks_like_data``; ``total_bytes`` and ``bytes_read`` (progress, approximate);
    ``formula_cells`` (xlsx, counted while rows are read).

    Each call of :meth:`rows` reads the file again from the start with bounded memory.  Use the
    source as a context manager (or call :meth:`close`) so file handles are released.
    """

    kind: Literal["csv", "xlsx"]
    encoding: str | None = None
    encoding_detected: bool = False
    detected_encoding: str | None = None  # what detection chose (differs when the user forced another)
    delimiter: str | None = None
    formula_cells: int = 0

    def __init__(self, path: Path, total_bytes: int) -> None:
        self.path = path
        self.total_bytes = total_bytes
        self.header: list[str] = []
        self.header_row = 1
        self.unnamed_columns: tuple[int, ...] = ()
        self.header_raw: list[str] = []  # the header row's cells as read (not normalised)
        self.header_looks_like_data = False
        self._iterators: weakref.WeakSet[Any] = weakref.WeakSet()

    def encoding_label(self, lang: Lang = "ja") -> str:
        return encoding_label(self.encoding, lang)

    @property
    def bytes_read(self) -> int:
        """Approximate bytes consumed by the most recent :meth:`rows` pass (for a progress bar)."""
        return 0

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """Yield ``(row_number, values)`` for every non-blank data row; values padded to the header."""
        iterator = self._iter_rows()
        self._iterators.add(iterator)
        return iterator

    def has_rows(self) -> bool:
        """True when at least one non-blank data row follows the header."""
        iterator = self._iter_rows()
        try:
            return next(iterator, None) is not None
        finally:
            iterator.close()

    def close(self) -> None:
        for iterator in list(self._iterators):
            iterator.close()

    def __enter__(self) -> TableSource:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _iter_rows(self) -> Generator[tuple[int, list[str]]]:
        raise NotImplementedError

    def _set_header(self, row: int, raw: list[str]) -> None:
        names = [normalise_header(value) for value in raw]
        self.header_raw = list(raw)
        self.header_looks_like_data = _looks_like_data(names)
        if not self.header_looks_like_data:  # a data row keeps its width and may repeat values
            while names and not names[-1]:
                names.pop()
            _check_duplicates(row, names)
        self.header_row, self.header = row, names
        self.unnamed_columns = tuple(i for i, name in enumerate(names, 1) if not name)


def _looks_like_data(names: list[str]) -> bool:
    """More than half of the non-empty cells are numbers or dates (e.g. 国税庁 法人番号 CSV: no header)."""
    filled = [name for name in names if name]
    return sum(1 for name in filled if _DATA_LIKE.fullmatch(name)) * 2 > len(filled)


def _check_duplicates(row: int, names: list[str]) -> None:
    seen: dict[str, int] = {}
    for position, name in enumerate(names, 1):
        if name in seen:
            first = seen[name]
            raise TenbinError(
                IMPORT_HEADER_DUPLICATE,
                {
                    "name": name,
                    "first": first,
                    "first_letter": column_letter(first),
                    "second": position,
                    "second_letter": column_letter(position),
                },
                place=Place(row=row, column=name),
            )
        if name:
            seen[name] = position


def _fit(row: int, values: list[str], width: int) -> list[str]:
    """Pad a short row with "", drop empty surplus values, reject non-empty surplus values."""
    if len(values) < width:
        values.extend([""] * (width - len(values)))
        return values
    for position in range(width, len(values)):
        if values[position]:
            raise TenbinError(
                IMPORT_ROW_TOO_MANY_FIELDS,
                {"row": row, "count": len(values), "expected": width, "column": column_letter(position + 1)},
                place=Place(row=row, column=column_letter(position + 1)),
            )
    del values[width:]
    return values


@dataclass(frozen=True)
class _Codec:
    name: str  # reported encoding: utf-8 | utf-8-sig | cp932 | utf-16
    codec: str  # Python codec used after skipping the BOM (never a BOM-handling codec)
    bom: int  # BOM length in bytes


def _decodes(data: bytes, codec: str, final: bool = False) -> bool:
    """Strictly valid; with ``final=False`` a character cut at the end is allowed (sniff boundary,
    or a truncated file: streaming then reports that last row precisely)."""
    try:
        codecs.getincrementaldecoder(codec)("strict").decode(data, final=final)
    except UnicodeDecodeError:
        return False
    return True


def _codec_from_bom(head: bytes) -> _Codec | None:
    if head.startswith(codecs.BOM_UTF8):
        return _Codec("utf-8-sig", "utf-8", 3)
    if head.startswith(codecs.BOM_UTF16_LE):
        return _Codec("utf-16", "utf-16-le", 2)
    if head.startswith(codecs.BOM_UTF16_BE):
        return _Codec("utf-16", "utf-16-be", 2)
    return None


def _utf16_without_bom(head: bytes) -> _Codec | None:
    """UTF-16 text without BOM: ASCII characters (commas, tabs, CRLF) put 0x00 on one byte parity."""
    if b"\x00" not in head:
        return None
    for codec, parity in (("utf-16-le", 1), ("utf-16-be", 0)):
        zeros, others = head[parity::2].count(0), head[1 - parity :: 2].count(0)
        if zeros * 5 < len(head) // 2 or others * 20 > zeros or not _decodes(head, codec):
            continue
        text = codecs.getincrementaldecoder(codec)().decode(head)
        if "\n" in text or "\t" in text or "," in text:
            return _Codec("utf-16", codec, 0)
    return None


def _detect(path: Path, head: bytes) -> _Codec:
    found = _codec_from_bom(head) or _utf16_without_bom(head)
    if found is not None:
        return found
    if _decodes(head, "utf-8"):
        return _Codec("utf-8", "utf-8", 0)
    if _decodes(head, "cp932"):
        return _Codec("cp932", "cp932", 0)
    raise TenbinError(IMPORT_ENCODING_UNKNOWN, {"path": str(path), "tried": "UTF-8 / Shift-JIS (CP932)"})


def _forced(name: str, head: bytes) -> _Codec:
    canonical = canonical_encoding(name)
    bom = _codec_from_bom(head)
    if canonical == "utf-8-sig":
        if head.startswith(codecs.BOM_UTF8):
            return _Codec("utf-8-sig", "utf-8", 3)
        return _Codec("utf-8", "utf-8", 0)
    if canonical == "cp932":
        return _Codec("cp932", "cp932", 0)
    if canonical is not None and canonical.startswith("utf-16"):
        if bom is not None and bom.name == "utf-16":
            return bom
        return _Codec("utf-16", "utf-16-be" if canonical == "utf-16-be" else "utf-16-le", 0)
    choices = "utf-8, utf-8-sig, cp932 (sjis, shift_jis, ms932, windows-31j), utf-16"
    raise TenbinError(IMPORT_ENCODING_NAME_UNKNOWN, {"name": name, "choices": choices})


def _delimiter(first_line: str, suffix: str, utf16: bool) -> str:
    tabs, commas = "\t" in first_line, "," in first_line
    if suffix == ".tsv" or (tabs and not commas) or (utf16 and not commas):
        return "\t"
    if ";" in first_line and not commas and not tabs:
        return ";"
    return ","


class CsvSource(TableSource):
    """A delimited text file decoded strictly and streamed through the :mod:`csv` module."""

    kind: Literal["csv", "xlsx"] = "csv"

    def __init__(self, path: Path, head: bytes, total_bytes: int, encoding: str | None) -> None:
        super().__init__(path, total_bytes)
        if encoding is None:
            self._codec = _detect(path, head)
            self.detected_encoding = self._codec.name
        else:
            self._codec = _forced(encoding, head)
            try:
                self.detected_encoding = _detect(path, head).name
            except TenbinError:
                self.detected_encoding = None
        self.encoding, self.encoding_detected = self._codec.name, encoding is None
        text = codecs.getincrementaldecoder(self._codec.codec)("replace").decode(head[self._codec.bom :])
        first_line = next((line for line in text.splitlines() if line.strip()), "")
        self.delimiter = _delimiter(first_line, path.suffix.lower(), self._codec.name == "utf-16")
        self._binary: io.BufferedIOBase | None = None
        self._read_header()

    @property
    def bytes_read(self) -> int:
        binary = self._binary
        if binary is None or binary.closed:
            return self.total_bytes if binary is not None else 0
        return binary.tell()

    def _open(self, errors: str = "strict", guard: bool = True) -> io.TextIOWrapper:
        guarded = guard and self._codec.name != "utf-16"  # UTF-16 text is full of 0x00 bytes
        binary = (_NulGuardedReader if guarded else io.BufferedReader)(io.FileIO(self.path, "rb"), 1 << 16)
        binary.seek(self._codec.bom)
        self._binary = binary
        text = io.TextIOWrapper(binary, encoding=self._codec.codec, errors=errors, newline="")
        text._CHUNK_SIZE = 1 << 16  # type: ignore[attr-defined]  # measured: 64 KiB beats 8 KiB and 1 MiB
        return text

    def _reader(self, text: io.TextIOWrapper) -> Iterator[list[str]]:
        return csv.reader(text, delimiter=self.delimiter or ",", strict=True)

    def _read_header(self) -> None:
        row = 0
        with self._open() as text:
            try:
                for row, values in enumerate(self._reader(text), 1):
                    if any(normalise_header(value) for value in values):
                        self._set_header(row, values)
                        return
            except (UnicodeDecodeError, _NulByte, csv.Error) as exc:
                raise self._stream_error(exc, row + 1) from None
        raise TenbinError(IMPORT_FILE_EMPTY, {"path": str(self.path)})

    def _iter_rows(self) -> Generator[tuple[int, list[str]]]:
        width, row = len(self.header), self.header_row
        with self._open() as text:
            records = self._reader(text)
            try:
                for _ in islice(records, row):  # the header and any blank lines above it
                    pass
                # The hot loop: keep it to a length check and any() per row (speed of plain csv).
                for row, values in enumerate(records, row + 1):  # noqa: B020 - row is the last read
                    if len(values) == width:
                        if any(values):
                            yield row, values
                    elif any(values):
                        yield row, _fit(row, values, width)
            except (UnicodeDecodeError, _NulByte, csv.Error) as exc:
                raise self._stream_error(exc, row + 1) from None

    def _stream_error(self, exc: Exception, next_row: int) -> TenbinError:
        """Map a failure while streaming; ``next_row`` is the row being read (approximate)."""
        if isinstance(exc, UnicodeDecodeError):
            return self._decode_error(next_row)
        if isinstance(exc, _NulByte):  # the reader reads ahead: find the row holding the NUL
            row = self._first_row_containing("\x00", "strict") or next_row
            return _malformed(row, f"NUL character (byte 0x00 at offset {exc.offset})")
        return _malformed(next_row, str(exc))

    def _decode_error(self, fallback_row: int) -> TenbinError:
        """Locate the first undecodable byte exactly; the streaming decoder reads ahead in chunks."""
        offset, bad = _first_bad_bytes(self.path, self._codec)
        row = self._first_row_containing(_MARK, "tenbin.mark") or fallback_row
        suggestion = _suggest(self.path, offset, self._codec)
        params = {
            "row": row,
            "offset": offset,
            "bytes": bad.hex(" ").upper(),
            "encoding": encoding_label(self._codec.name, "en"),
            "suggestion": encoding_label(suggestion, "en"),
            "option": suggestion,
        }
        return TenbinError(IMPORT_ENCODING_INVALID, params, place=Place(row=row))

    def _first_row_containing(self, char: str, errors: str) -> int | None:
        with self._open(errors, guard=False) as text:
            try:
                for row, values in enumerate(self._reader(text), 1):
                    if any(char in value for value in values):
                        return row
            except (csv.Error, UnicodeDecodeError):
                return None
        return None


class _NulByte(Exception):
    """A 0x00 byte in a text file: corruption, a binary file or UTF-16 without BOM."""

    def __init__(self, offset: int) -> None:
        super().__init__(offset)
        self.offset = offset


class _NulGuardedReader(io.BufferedReader):
    """Raises :class:`_NulByte` on a NUL byte: Python 3.11's csv accepts NUL, databases do not.

    The check runs once per chunk the text layer reads (8 KiB), so it costs almost nothing.
    """

    def read1(self, size: int = -1, /) -> bytes:
        data = super().read1(size)
        if b"\x00" in data:
            raise _NulByte(self.tell() - len(data) + data.index(b"\x00"))
        return data


def _first_bad_bytes(path: Path, codec: _Codec) -> tuple[int, bytes]:
    decoder = codecs.getincrementaldecoder(codec.codec)("strict")
    position = codec.bom
    with open(path, "rb") as binary:
        binary.seek(position)
        while True:
            chunk = binary.read(SNIFF_BYTES)
            pending = decoder.getstate()[0]
            try:
                decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError:
                data = pending + chunk
                try:
                    data.decode(codec.codec)
                except UnicodeDecodeError as exc:
                    start = position - len(pending) + exc.start
                    return start, data[exc.start : max(exc.end, exc.start + 1)][:4]
                return position - len(pending), pending[:4]
            if not chunk:
                return position, b""
            position += len(chunk)


def _suggest(path: Path, offset: int, codec: _Codec) -> str:
    """The encoding the bad line decodes in (``cp932`` for a Shift-JIS line in a UTF-8 file)."""
    window_start = max(codec.bom, offset - 2048)
    with open(path, "rb") as binary:
        binary.seek(window_start)
        window = binary.read(4096)
    cut = offset - window_start
    end = window.find(b"\n", cut)
    line = window[window.rfind(b"\n", 0, cut) + 1 : end if end >= 0 else len(window)]
    candidates = {"cp932": ["utf-8"], "utf-16": ["utf-8", "cp932"]}.get(codec.name, ["cp932"])
    return next((name for name in candidates if _decodes(line, name, final=True)), candidates[0])


def _malformed(row: int, detail: str) -> TenbinError:
    return TenbinError(IMPORT_CSV_MALFORMED, {"row": row, "detail": detail}, place=Place(row=row))


def _float_text(value: float) -> str:
    if value.is_integer():
        return str(int(value))
    return format(Decimal(repr(value)), "f")  # "0.25", and 1.5e-07 → "0.00000015" (no exponent)


def _datetime_text(value: datetime) -> str:
    if value.microsecond >= 500_000:  # Excel stores times as day fractions: 12:29:59.9996 is 12:30:00
        value += timedelta(microseconds=1_000_000 - value.microsecond)
    if (value.hour, value.minute, value.second) == (0, 0, 0):
        return value.strftime("%Y-%m-%d")
    return value.strftime("%Y-%m-%d %H:%M:%S")


def _duration_text(value: timedelta) -> str:
    hours, rest = divmod(round(value.total_seconds()), 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}"


def cell_text(value: object) -> str:
    """An XLSX cell value as text: 123.0 → "123", dates ISO, True → "TRUE", None → ""."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _float_text(value)
    if isinstance(value, datetime):
        return _datetime_text(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M:%S")
    if isinstance(value, timedelta):
        return _duration_text(value)
    text = getattr(value, "text", None)  # ArrayFormula keeps its formula in .text
    return text if isinstance(text, str) else str(value)


class XlsxSource(TableSource):
    """One worksheet of an .xlsx/.xlsm workbook, read with openpyxl in read-only mode.

    Formulas are never evaluated: a formula cell comes through as its text (``"=1+1"``) and is
    counted in :attr:`formula_cells` so the importer can warn.
    """

    kind: Literal["csv", "xlsx"] = "xlsx"

    def __init__(self, path: Path, total_bytes: int, sheet: str | None) -> None:
        super().__init__(path, total_bytes)
        self._header_formulas = 0
        import openpyxl  # lazily: CSV imports should not pay for it

        self._file = open(path, "rb")  # noqa: SIM115 - a file object skips openpyxl's suffix check
        try:
            with warnings.catch_warnings():  # e.g. "no default style": harmless for reading values
                warnings.simplefilter("ignore")
                self._workbook = openpyxl.load_workbook(self._file, read_only=True, data_only=False)
        except Exception as exc:  # openpyxl raises many types for damaged or non-workbook zips
            self._file.close()
            raise TenbinError(IMPORT_FILE_FORMAT, {"path": str(path)}) from exc
        try:
            self._sheet = self._select(sheet)
            self._read_header()
        except BaseException:
            self.close()
            raise

    @property
    def bytes_read(self) -> int:
        return 0 if self._file.closed else min(self._file.tell(), self.total_bytes)

    def close(self) -> None:
        super().close()
        self._workbook.close()
        self._file.close()

    def _select(self, sheet: str | None) -> Any:
        sheets = {worksheet.title: worksheet for worksheet in self._workbook.worksheets}
        if not sheets:
            raise TenbinError(IMPORT_FILE_FORMAT, {"path": str(self.path)})
        if sheet is None:
            selected = next(iter(sheets.values()))
        else:
            name = sheet if sheet in sheets else sheet.strip()
            if name not in sheets:
                raise TenbinError(IMPORT_SHEET_UNKNOWN, {"sheet": sheet, "choices": ", ".join(sheets)})
            selected = sheets[name]
        selected.reset_dimensions()  # some tools write a wrong <dimension>; trust the cells instead
        return selected

    def _cells(self, min_row: int) -> Iterator[tuple[int, list[str], int]]:
        """Rows from ``min_row`` with their real row numbers, text values and formula counts."""
        for row, cells in enumerate(self._sheet.iter_rows(min_row=min_row), min_row):
            formulas = sum(1 for cell in cells if cell.data_type == "f")
            yield row, [cell_text(cell.value) for cell in cells], formulas

    def _read_header(self) -> None:
        for row, values, formulas in self._cells(1):
            if any(normalise_header(value) for value in values):
                self._set_header(row, values)
                self.formula_cells = self._header_formulas = formulas
                return
        raise TenbinError(IMPORT_SHEET_EMPTY, {"sheet": self._sheet.title, "path": str(self.path)})

    def _iter_rows(self) -> Generator[tuple[int, list[str]]]:
        width = len(self.header)
        self.formula_cells = self._header_formulas
        for row, values, formulas in self._cells(self.header_row + 1):
            self.formula_cells += formulas
            if any(values):
                yield row, values if len(values) == width else _fit(row, values, width)


def open_table(path: Path, *, encoding: str | None = None, sheet: str | None = None) -> TableSource:
    """Open a CSV/TSV/TXT or XLSX file for streaming.

    The kind is decided by content: a zip (``PK\\x03\\x04``) is a workbook whatever its name; a
    non-zip file named .xlsx/.xls, or an OLE2 file (.xls, password-protected workbook) is
    :data:`IMPORT_FILE_FORMAT`.  ``encoding`` forces the CSV encoding (user spellings accepted, see
    :func:`canonical_encoding`); ``sheet`` picks a worksheet (default: the first).  Both are ignored
    for the other kind.
    """
    if csv.field_size_limit() < FIELD_SIZE_LIMIT:
        csv.field_size_limit(FIELD_SIZE_LIMIT)
    try:
        total = path.stat().st_size
        with open(path, "rb") as binary:
            head = binary.read(SNIFF_BYTES)
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        raise TenbinError(FILE_NOT_FOUND, {"path": str(path)}) from None
    except OSError as exc:
        raise TenbinError(IMPORT_FILE_UNREADABLE, {"path": str(path), "detail": exc.strerror or str(exc)}) from exc
    if head.startswith(_ZIP_MAGIC):
        return XlsxSource(path, total, sheet)
    if head.startswith(_OLE2_MAGIC) or path.suffix.lower() in _XLSX_SUFFIXES:
        raise TenbinError(IMPORT_FILE_FORMAT, {"path": str(path)})
    bom = _codec_from_bom(head)
    if len(head) >= total and not head[bom.bom if bom else 0 :].strip():
        raise TenbinError(IMPORT_FILE_EMPTY, {"path": str(path)})
    return CsvSource(path, head, total, encoding)
