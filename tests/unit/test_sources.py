"""Reading CSV/XLSX files from Japanese tools: encodings, row numbers, header rules, errors."""

from __future__ import annotations

import codecs
import csv
import os
import string
import time as clock
from collections.abc import Callable
from datetime import date, datetime, time
from pathlib import Path

import openpyxl
import pytest

from tenbin.errors import ErrorCode, TenbinError
from tenbin.imports import sources, writers
from tenbin.imports.sources import (
    canonical_encoding,
    cell_text,
    column_letter,
    encoding_label,
    open_table,
)


def _write(tmp_path: Path, data: bytes, name: str = "in.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _read(path: Path, **kwargs: str) -> list[tuple[int, list[str]]]:
    with open_table(path, **kwargs) as source:
        return list(source.rows())


def _error(path: Path, **kwargs: str) -> TenbinError:
    with pytest.raises(TenbinError) as caught:
        _read(path, **kwargs)
    return caught.value


# --- encodings -------------------------------------------------------------------------------


CSV_TEXT = "会社名,氏名\r\n天秤,山田\r\n"
TSV_TEXT = CSV_TEXT.replace(",", "\t")
SJIS = "Shift-JIS (CP932)"


@pytest.mark.parametrize(
    ("data", "encoding", "ja", "en", "delimiter"),
    [
        (CSV_TEXT.encode(), "utf-8", "UTF-8", "UTF-8", ","),
        (codecs.BOM_UTF8 + CSV_TEXT.encode(), "utf-8-sig", "UTF-8 (BOM付き)", "UTF-8 with BOM", ","),
        (CSV_TEXT.encode("cp932"), "cp932", SJIS, SJIS, ","),
        (codecs.BOM_UTF16_LE + TSV_TEXT.encode("utf-16-le"), "utf-16", "UTF-16", "UTF-16", "\t"),
        (codecs.BOM_UTF16_BE + TSV_TEXT.encode("utf-16-be"), "utf-16", "UTF-16", "UTF-16", "\t"),
    ],
)
def test_encoding_is_detected_and_labelled(
    tmp_path: Path, data: bytes, encoding: str, ja: str, en: str, delimiter: str
) -> None:
    with open_table(_write(tmp_path, data, "in.txt")) as source:
        assert (source.kind, source.encoding, source.encoding_detected) == ("csv", encoding, True)
        assert (source.encoding_label("ja"), source.encoding_label("en")) == (ja, en)
        assert source.delimiter == delimiter
        assert source.header == ["会社名", "氏名"]
        assert list(source.rows()) == [(2, ["天秤", "山田"])]


def test_cp932_file_with_nec_and_ibm_extensions_decodes(tmp_path: Path) -> None:
    text = "会社名,氏名,備考\r\n㈱髙島屋,ﾔﾏﾀﾞ ﾀﾛｳ,①～③\r\n"
    with pytest.raises(UnicodeEncodeError):
        text.encode("shift_jis")  # why cp932: shift_jis cannot even hold these
    path = _write(tmp_path, text.encode("cp932"))
    with open_table(path) as source:
        assert source.encoding == "cp932"
        assert list(source.rows()) == [(2, ["㈱髙島屋", "ﾔﾏﾀﾞ ﾀﾛｳ", "①～③"])]


@pytest.mark.parametrize(
    ("name", "canonical"),
    [("sjis", "cp932"), ("shift_jis", "cp932"), ("shift-jis", "cp932"), ("Shift_JIS", "cp932"),
     ("cp932", "cp932"), ("MS932", "cp932"), ("windows-31j", "cp932"), ("utf8", "utf-8-sig"),
     ("UTF-8", "utf-8-sig"), ("utf-8-sig", "utf-8-sig"), ("utf-8 bom", "utf-8-sig"), ("UTF-16", "utf-16"),
     ("latin-1", None), ("euc-jp", None)],
)  # fmt: skip
def test_encoding_spellings(name: str, canonical: str | None) -> None:
    assert canonical_encoding(name) == canonical


def test_forced_encoding_is_used_and_reported(tmp_path: Path) -> None:
    path = _write(tmp_path, "会社名\r\n㈱天秤\r\n".encode("cp932"))
    with open_table(path, encoding="Shift_JIS") as source:
        assert (source.encoding, source.encoding_detected, source.detected_encoding) == (
            "cp932",
            False,
            "cp932",
        )
        assert list(source.rows()) == [(2, ["㈱天秤"])]


def test_unknown_encoding_name(tmp_path: Path) -> None:
    error = _error(_write(tmp_path, b"a\r\n1\r\n"), encoding="euc-jp")
    assert error.code == "IMPORT_ENCODING_NAME_UNKNOWN"
    assert "cp932" in error.message("en")


def test_undetectable_encoding(tmp_path: Path) -> None:
    error = _error(_write(tmp_path, b"a,b\r\n\x81\x7f,1\r\n"))  # invalid in UTF-8 and in CP932
    assert error.code == "IMPORT_ENCODING_UNKNOWN"
    assert "--encoding" in error.message("en") and "--encoding" in error.message("ja")


def test_forced_wrong_encoding_names_the_row(tmp_path: Path) -> None:
    data = "id,name\r\n1,abc\r\n2,山田\r\n3,def\r\n".encode("cp932")
    error = _error(_write(tmp_path, data), encoding="utf-8")
    assert error.code == "IMPORT_ENCODING_INVALID"
    assert error.place.row == 3
    assert error.params["offset"] == data.index("山".encode("cp932"))
    assert error.params["option"] == "cp932"
    assert "--encoding cp932" in error.message("en")


def test_forced_wrong_encoding_in_the_header_fails_at_open(tmp_path: Path) -> None:
    path = _write(tmp_path, "会社名\r\n天秤\r\n".encode("cp932"))
    with pytest.raises(TenbinError) as caught:
        open_table(path, encoding="utf-8")
    assert (caught.value.code, caught.value.place.row) == ("IMPORT_ENCODING_INVALID", 1)


def test_cp932_line_beyond_the_sniffed_megabyte_is_found_while_streaming(tmp_path: Path) -> None:
    filler = "あ" * 100  # 300 bytes per row in UTF-8: row 5,000 is past the first MiB
    lines = ["番号,会社名,備考"] + [f"{i},天秤{i},{filler}" for i in range(1, 10_001)]
    data = bytearray("\r\n".join(lines).encode() + b"\r\n")
    bad = f"5000,天秤5000,{filler}".encode()
    start = data.index(bad)
    data[start : start + len(bad)] = "5000,㈱髙島屋,①".encode("cp932")
    assert start > sources.SNIFF_BYTES
    path = _write(tmp_path, bytes(data))
    with open_table(path) as source:
        assert source.encoding == "utf-8"
        seen = 0
        with pytest.raises(TenbinError) as caught:
            for _row, _values in source.rows():
                seen += 1
    error = caught.value
    assert error.code == "IMPORT_ENCODING_INVALID"
    assert error.place.row == 5001  # data row 5,000; header = row 1
    assert error.params["row"] == 5001
    assert error.params["offset"] == start + len(b"5000,")
    assert error.params["option"] == "cp932"
    assert seen < 5000


def test_utf16_without_bom_is_detected(tmp_path: Path) -> None:
    with open_table(_write(tmp_path, TSV_TEXT.encode("utf-16-le"), "in.txt")) as source:
        assert (source.encoding, source.delimiter) == ("utf-16", "\t")
        assert list(source.rows()) == [(2, ["天秤", "山田"])]


def test_utf8_file_cut_in_the_middle_of_a_character(tmp_path: Path) -> None:
    data = "会社名,氏名\r\n天秤,山田\r\n東京,大阪".encode()[:-1]
    error = _error(_write(tmp_path, data))
    assert (error.code, error.place.row, error.params["offset"]) == ("IMPORT_ENCODING_INVALID", 3, len(data) - 2)


def test_bom_is_removed_from_the_first_header_even_when_forced(tmp_path: Path) -> None:
    path = _write(tmp_path, codecs.BOM_UTF8 + "会社名,氏名\r\n天秤,山田\r\n".encode())
    with open_table(path, encoding="utf-8") as source:
        assert source.header == ["会社名", "氏名"]
    doubled = _write(tmp_path, codecs.BOM_UTF8 * 2 + "会社名,氏名\r\n天秤,山田\r\n".encode(), "twice.csv")
    with open_table(doubled) as source:
        assert source.header == ["会社名", "氏名"]


# --- CSV structure ---------------------------------------------------------------------------


def test_quoted_multiline_cells_count_as_one_row(tmp_path: Path) -> None:
    path = _write(tmp_path, '住所,番号\r\n"東京都\r\n千代田区",1\r\n"a ""b""",2\r\n大阪,3\r\n'.encode())
    assert _read(path) == [(2, ["東京都\r\n千代田区", "1"]), (3, ['a "b"', "2"]), (4, ["大阪", "3"])]


def test_blank_rows_are_skipped_but_counted(tmp_path: Path) -> None:
    path = _write(tmp_path, b"a,b\r\n1,2\r\n\r\n,\r\n,,,,\r\n3,4\r\n")
    assert _read(path) == [(2, ["1", "2"]), (6, ["3", "4"])]


def test_whitespace_only_cells_are_data(tmp_path: Path) -> None:
    assert _read(_write(tmp_path, b"a,b\r\n  , \r\n")) == [(2, ["  ", " "])]


def test_short_rows_are_padded(tmp_path: Path) -> None:
    assert _read(_write(tmp_path, b"a,b,c\r\n1\r\n")) == [(2, ["1", "", ""])]


def test_trailing_comma_on_every_line(tmp_path: Path) -> None:
    path = _write(tmp_path, b"a,b,\r\n1,2,\r\n3,4,,\r\n")
    with open_table(path) as source:
        assert source.header == ["a", "b"]
        assert list(source.rows()) == [(2, ["1", "2"]), (3, ["3", "4"])]


def test_value_under_a_missing_header_is_an_error(tmp_path: Path) -> None:
    error = _error(_write(tmp_path, b"a,b,\r\n1,2,\r\n3,4,x\r\n"))
    assert error.code == "IMPORT_ROW_TOO_MANY_FIELDS"
    assert (error.place.row, error.params["column"], error.params["expected"]) == (3, "C", 2)


def test_too_many_fields(tmp_path: Path) -> None:
    error = _error(_write(tmp_path, "会社名,電話\r\n天秤,03-1234-5678\r\n東京, 株式会社,03\r\n".encode()))
    assert error.code == "IMPORT_ROW_TOO_MANY_FIELDS"
    assert (error.place.row, error.params["count"], error.params["column"]) == (3, 3, "C")


def test_empty_header_cell_between_names_is_kept_empty(tmp_path: Path) -> None:
    with open_table(_write(tmp_path, b"a,,c\r\n1,2,3\r\n")) as source:
        assert source.header == ["a", "", "c"]
        assert source.unnamed_columns == (2,)
        assert list(source.rows()) == [(2, ["1", "2", "3"])]


def test_header_is_normalised(tmp_path: Path) -> None:
    with open_table(_write(tmp_path, " ﾒｰﾙ ,ＴＥＬ,会社名（必須）\r\n1,2,3\r\n".encode())) as source:
        assert source.header == ["メール", "TEL", "会社名(必須)"]
        assert source.header_raw == [" ﾒｰﾙ ", "ＴＥＬ", "会社名（必須）"]


@pytest.mark.parametrize("header", ["id,会社名,電話,会社名 ", "id,メール,電話,ﾒｰﾙ"])
def test_duplicate_header(tmp_path: Path, header: str) -> None:
    with pytest.raises(TenbinError) as caught:
        open_table(_write(tmp_path, f"{header}\r\n1,2,3,4\r\n".encode()))
    error = caught.value
    assert error.code == "IMPORT_HEADER_DUPLICATE"
    assert (error.params["first"], error.params["first_letter"]) == (2, "B")
    assert (error.params["second"], error.params["second_letter"]) == (4, "D")
    assert error.place.row == 1


def test_a_first_row_of_data_is_not_checked_as_a_header(tmp_path: Path) -> None:
    row = '1,1000011000005,01,1,2018-04-02,2015-10-05,"国立国会図書館",,101,"東京都",,,,13,101,1000014,0'
    with open_table(_write(tmp_path, f"{row}\r\n{row}\r\n".encode())) as source:
        assert source.header_looks_like_data
        assert len(source.header) == 17
        assert [number for number, _ in source.rows()] == [2]


@pytest.mark.parametrize("data", [b"", codecs.BOM_UTF8, b"\r\n  \r\n", codecs.BOM_UTF16_LE, b" ,\r\n"])
def test_empty_file(tmp_path: Path, data: bytes) -> None:
    with pytest.raises(TenbinError) as caught:
        open_table(_write(tmp_path, data))
    assert caught.value.code == "IMPORT_FILE_EMPTY"


def test_header_only_file_yields_no_rows(tmp_path: Path) -> None:
    with open_table(_write(tmp_path, b"a,b\r\n\r\n,\r\n")) as source:
        assert source.header == ["a", "b"]
        assert not source.has_rows()
        assert list(source.rows()) == []
    assert sources.IMPORT_NO_ROWS.code == "IMPORT_NO_ROWS"


def test_rows_can_be_read_twice_and_progress_reaches_the_end(tmp_path: Path) -> None:
    path = _write(tmp_path, b"a\r\n" + b"".join(b"%d\r\n" % i for i in range(50_000)))
    with open_table(path) as source:
        assert source.has_rows()
        first = list(source.rows())
        assert list(source.rows()) == first
        assert source.bytes_read == source.total_bytes == path.stat().st_size
        assert first[-1] == (50_001, ["49999"])


def test_megabyte_cell_is_read_intact(tmp_path: Path) -> None:
    big = "長" * 1_000_000 + "x" * 3_000_000  # 6 MB of UTF-8 in one cell
    path = _write(tmp_path, f'a,b\r\n"{big}",1\r\n'.encode())
    assert _read(path) == [(2, [big, "1"])]


def test_nul_byte_is_malformed_csv(tmp_path: Path) -> None:
    error = _error(_write(tmp_path, b"a,b\r\n1,2\r\n3,\x004\r\n"))
    assert (error.code, error.place.row) == ("IMPORT_CSV_MALFORMED", 3)


def test_unterminated_quote_is_malformed_csv(tmp_path: Path) -> None:
    error = _error(_write(tmp_path, b'a,b\r\n1,2\r\n"3,4\r\n5,6\r\n'))
    assert (error.code, error.place.row) == ("IMPORT_CSV_MALFORMED", 3)


@pytest.mark.parametrize(
    ("name", "data", "delimiter"),
    [("in.tsv", b"a b,c\r\n1,2 3\r\n", "\t"), ("in.txt", b"a\tb\r\n1\t2\r\n", "\t"),
     ("in.csv", b"a;b\r\n1;2\r\n", ";"), ("in.csv", b"a,b;c\r\n1,2\r\n", ",")],
)  # fmt: skip
def test_delimiter(tmp_path: Path, name: str, data: bytes, delimiter: str) -> None:
    with open_table(_write(tmp_path, data.replace(b" ", b"\t") if name == "in.tsv" else data, name)) as source:
        assert source.delimiter == delimiter


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(TenbinError) as caught:
        open_table(tmp_path / "nope.csv")
    assert caught.value.code == "FILE_NOT_FOUND"


# --- XLSX ------------------------------------------------------------------------------------


OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600


def _workbook(tmp_path: Path, name: str = "in.xlsx") -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "リード"
    sheet.append(["郵便番号", "件数", "比率", "登録日", "更新日時", "時刻", "有効", "計算", "メモ", "空"])
    sheet.append([600001, 12.0, 0.25, date(2024, 4, 1), datetime(2024, 4, 1, 9, 30), time(9, 30), True,
                  "=1+1", "=cmd|' /C calc'!A0", None])  # fmt: skip
    sheet.append([])
    sheet.append(["0600001", 3, 1.5, datetime(2024, 4, 2), None, None, False, None, "=テキスト", None])
    sheet["I4"].data_type = "s"  # a text cell that merely starts with "=": not a formula
    other = book.create_sheet("集計")
    other["C3"] = "名前"
    other["D3"] = "値"
    other["C5"] = "天秤"
    other["D5"] = 1
    book.save(tmp_path / name)
    return tmp_path / name


def test_xlsx_values_are_text(tmp_path: Path) -> None:
    with open_table(_workbook(tmp_path)) as source:
        assert (source.kind, source.encoding, source.encoding_label("ja")) == ("xlsx", None, "")
        assert source.header == [
            "郵便番号",
            "件数",
            "比率",
            "登録日",
            "更新日時",
            "時刻",
            "有効",
            "計算",
            "メモ",
            "空",
        ]
        rows = list(source.rows())
        assert source.formula_cells == 2
    assert rows == [
        (2, ["600001", "12", "0.25", "2024-04-01", "2024-04-01 09:30:00", "09:30:00", "TRUE", "=1+1",
             "=cmd|' /C calc'!A0", ""]),
        (4, ["0600001", "3", "1.5", "2024-04-02", "", "", "FALSE", "", "=テキスト", ""]),
    ]  # fmt: skip


def test_xlsx_sheet_selection_and_real_row_numbers(tmp_path: Path) -> None:
    with open_table(_workbook(tmp_path), sheet="集計") as source:
        # Leading empty columns keep their place, so column letters match what Excel shows.
        assert (source.header, source.header_row, source.unnamed_columns) == (
            ["", "", "名前", "値"],
            3,
            (1, 2),
        )
        assert list(source.rows()) == [(5, ["", "", "天秤", "1"])]


def test_xlsx_unknown_sheet(tmp_path: Path) -> None:
    with pytest.raises(TenbinError) as caught:
        open_table(_workbook(tmp_path), sheet="Sheet9")
    assert caught.value.code == "IMPORT_SHEET_UNKNOWN"
    assert caught.value.params["choices"] == "リード, 集計"


def test_xlsx_named_csv_is_read_as_xlsx(tmp_path: Path) -> None:
    path = _workbook(tmp_path)
    renamed = path.rename(tmp_path / "export.csv")
    with open_table(renamed) as source:
        assert source.kind == "xlsx"
        assert source.header[0] == "郵便番号"


def test_empty_sheet(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.save(tmp_path / "empty.xlsx")
    with pytest.raises(TenbinError) as caught:
        open_table(tmp_path / "empty.xlsx")
    assert caught.value.code == "IMPORT_SHEET_EMPTY"


@pytest.mark.parametrize(
    ("name", "data"),
    [("fake.xlsx", "会社名,氏名\r\n".encode()), ("old.xls", OLE2), ("old.csv", OLE2),
     ("broken.xlsx", b"PK\x03\x04broken")],
)  # fmt: skip
def test_not_a_readable_workbook(tmp_path: Path, name: str, data: bytes) -> None:
    with pytest.raises(TenbinError) as caught:
        open_table(_write(tmp_path, data, name))
    assert caught.value.code == "IMPORT_FILE_FORMAT"
    assert ".xlsx" in caught.value.message("ja")


@pytest.mark.parametrize(
    ("value", "text"),
    [(None, ""), (123, "123"), (123.0, "123"), (0.25, "0.25"), (1.5e-07, "0.00000015"), (True, "TRUE"),
     (datetime(2024, 1, 2), "2024-01-02"), (datetime(2024, 1, 2, 3, 4, 5), "2024-01-02 03:04:05"),
     (datetime(2024, 1, 2, 3, 4, 59, 999_000), "2024-01-02 03:05:00"), (date(2024, 1, 2), "2024-01-02"),
     (time(23, 59, 1), "23:59:01")],
)  # fmt: skip
def test_cell_text(value: object, text: str) -> None:
    assert cell_text(value) == text


def test_column_letters() -> None:
    assert [column_letter(n) for n in (1, 26, 27, 52, 703)] == ["A", "Z", "AA", "AZ", "AAA"]
    assert encoding_label("cp932", "en") == "Shift-JIS (CP932)"


@pytest.mark.parametrize("module", [sources, writers])
def test_error_messages_have_the_same_placeholders_in_both_languages(module: object) -> None:
    codes = [value for value in vars(module).values() if isinstance(value, ErrorCode)]
    assert len(codes) >= 5
    for code in codes:
        assert code.placeholders("ja") == code.placeholders("en"), code.code
        assert all(name in string.ascii_lowercase + "_" for name in "".join(code.placeholders("en")))


# --- speed (measured, printed, never asserted) -----------------------------------------------


def _timed(read: Callable[[], None]) -> tuple[float, float]:
    wall, cpu = clock.perf_counter(), clock.process_time()
    read()
    return clock.perf_counter() - wall, clock.process_time() - cpu


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("TENBIN_BENCH"), reason="set TENBIN_BENCH=1 to measure read speed")
@pytest.mark.parametrize("encoding", ["utf-8", "cp932"])
def test_read_speed_against_plain_csv(tmp_path_factory: pytest.TempPathFactory, encoding: str) -> None:
    """1,000,000 rows x 12 columns through csv.reader and through open_table: best of 5 runs,
    wall clock and CPU time (CPU time is the fairer figure on a busy shared machine)."""
    path = tmp_path_factory.mktemp("bench") / f"big-{encoding}.csv"
    line = (
        "{i},㈱天秤{i},山田 太郎,user{i}@example.co.jp,03-1234-5678,1000001,東京都,千代田区丸の内1-1-1,"
        "情報通信業,120,350000000,2024-04-01\r\n"
    )
    with open(path, "w", encoding=encoding, newline="") as out:
        out.write("番号,会社名,氏名,メール,電話,郵便番号,都道府県,住所,業種,従業員数,売上,登録日\r\n")
        for i in range(1_000_000):
            out.write(line.format(i=i))

    def plain() -> None:
        with open(path, encoding=encoding, newline="") as text:
            for _values in csv.reader(text):
                pass

    def ours() -> None:
        with open_table(path) as source:
            for _number, _values in source.rows():
                pass

    try:
        runs = [(_timed(plain), _timed(ours)) for _ in range(5)]
        for label, index in (("wall", 0), ("cpu", 1)):
            base = min(run[0][index] for run in runs)
            mine = min(run[1][index] for run in runs)
            print(
                f"\n{encoding} {path.stat().st_size / 1e6:.0f} MB, {label}: csv.reader {1e6 / base:,.0f} rows/s, "
                f"open_table {1e6 / mine:,.0f} rows/s, ratio {base / mine:.0%}"
            )
    finally:
        path.unlink()
