"""Exporting CSV/XLSX for Excel and Japanese tools: encodings, formula protection, atomicity."""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl.worksheet._writer import ALL_TEMP_FILES

from tenbin.errors import TenbinError
from tenbin.imports import writers
from tenbin.imports.sources import open_table
from tenbin.imports.writers import JIS_ROUND_TRIP, csv_text, protect_formula, write_csv, write_xlsx

HEADER = ["会社名", "氏名", "備考"]


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def _rows(*rows: list[object]) -> Iterator[list[object]]:
    yield from rows  # a generator: the writers must not need a list


# --- CSV -------------------------------------------------------------------------------------


def test_default_csv_is_utf8_with_bom_crlf_and_minimal_quoting(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    count = write_csv(path, HEADER, _rows(["㈱天秤", "山田 太郎", "a,b"], ["髙島屋", 'say "hi"', "1行目\n2行目"]))
    assert count == 2
    data = path.read_bytes()
    assert data.startswith(codecs.BOM_UTF8)
    assert data[3:].decode() == ('会社名,氏名,備考\r\n㈱天秤,山田 太郎,"a,b"\r\n髙島屋,"say ""hi""","1行目\n2行目"\r\n')
    with open_table(path) as source:
        assert source.encoding == "utf-8-sig"
        assert list(source.rows()) == [(2, ["㈱天秤", "山田 太郎", "a,b"]), (3, ["髙島屋", 'say "hi"', "1行目\n2行目"])]


def test_values_are_formatted_for_excel(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    values: list[object] = [None, True, False, 1200, -5, 0.25, 3.0, Decimal("1234.50"), date(2024, 4, 1),
                            datetime(2024, 4, 1, 9, 5, 7), time(9, 5)]  # fmt: skip
    write_csv(path, [f"c{i}" for i in range(len(values))], [values])
    line = path.read_text(encoding="utf-8-sig").splitlines()[1]
    assert line == ",TRUE,FALSE,1200,-5,0.25,3,1234.50,2024-04-01,2024-04-01 09:05:07,09:05:00"


def test_cp932_export_round_trips_japanese_and_jis_pairs(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    write_csv(path, HEADER, [["㈱髙島屋", "ﾔﾏﾀﾞ", "①〜③ —‖− ¢£¬"]], encoding="sjis")
    data = path.read_bytes()
    assert not data.startswith(codecs.BOM_UTF8)
    assert data.decode("cp932") == "会社名,氏名,備考\r\n㈱髙島屋,ﾔﾏﾀﾞ,①～③ ―∥－ ￠￡￢\r\n"
    with open_table(path) as source:
        assert source.encoding == "cp932"
        assert list(source.rows()) == [(2, ["㈱髙島屋", "ﾔﾏﾀﾞ", "①～③ ―∥－ ￠￡￢"])]


def test_jis_round_trip_table_targets_are_cp932() -> None:
    for source, target in JIS_ROUND_TRIP.items():
        assert target.encode("cp932").decode("cp932") == target, hex(source)


@pytest.mark.parametrize("existing", [False, True])
def test_unencodable_characters_are_reported_and_nothing_is_written(tmp_path: Path, existing: bool) -> None:
    path = tmp_path / "out.csv"
    if existing:
        path.write_bytes(b"old content")
    rows = _rows(["天秤", "山田", "ok"], ["吉田", "𠮷田", "ok"], ["x", "y", "了解😀"], ["z", "z", "𠮷"])
    with pytest.raises(TenbinError) as caught:
        write_csv(path, HEADER, rows, encoding="cp932")
    error = caught.value
    assert error.code == "EXPORT_UNENCODABLE"
    assert error.params["count"] == 3
    assert (error.place.row, error.place.column) == (3, "氏名")
    assert error.params["problems"][1] == {"row": 4, "column": "備考", "char": "😀", "codepoint": "U+1F600"}
    assert "row 3, column 氏名: '𠮷' (U+20BB7)" in error.message("en")
    assert "3 行目「氏名」列の '𠮷' (U+20BB7)" in error.message("ja")
    assert "UTF-8" in error.message("en")
    assert (path.read_bytes() == b"old content") if existing else not path.exists()
    assert _leftovers(tmp_path) == []


def test_unencodable_list_is_capped_with_the_total(tmp_path: Path) -> None:
    with pytest.raises(TenbinError) as caught:
        write_csv(tmp_path / "out.csv", ["名前"], ([f"{i}𠮷"] for i in range(30)), encoding="cp932")
    assert caught.value.params["count"] == 30
    assert len(caught.value.params["problems"]) == 20
    assert caught.value.params["details"].endswith("… (+10)")


def test_encoding_choice(tmp_path: Path) -> None:
    write_csv(tmp_path / "a.csv", ["a"], [["x"]], encoding="utf8")
    assert (tmp_path / "a.csv").read_bytes() == codecs.BOM_UTF8 + b"a\r\nx\r\n"
    for name in ("utf-16", "euc-jp"):
        with pytest.raises(TenbinError) as caught:
            write_csv(tmp_path / "b.csv", ["a"], [["x"]], encoding=name)
        assert caught.value.code == "EXPORT_ENCODING_UNSUPPORTED"
    assert not (tmp_path / "b.csv").exists()


def test_failure_while_producing_rows_leaves_the_old_file(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    path.write_text("old")

    def rows() -> Iterator[list[object]]:
        yield ["1", "2", "3"]
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError):
        write_csv(path, HEADER, rows())
    assert path.read_text() == "old"
    assert _leftovers(tmp_path) == []


def test_missing_folder_is_a_write_error(tmp_path: Path) -> None:
    with pytest.raises(TenbinError) as caught:
        write_csv(tmp_path / "nope" / "out.csv", ["a"], [["x"]])
    assert caught.value.code == "EXPORT_WRITE_FAILED"


@pytest.mark.parametrize(
    ("value", "written"),
    [("=1+1", "'=1+1"), ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"), ("+81-3-1234-5678", "'+81-3-1234-5678"),
     ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"), ("\t=1", "'\t=1"), ("\r=1", "'\r=1"), ("＝１＋１", "'＝１＋１"),
     ("＋81", "'＋81"), ("－1", "'－1"), ("＠x", "'＠x"), ("-", "'-"),
     ("-100", "-100"), ("-1.5", "-1.5"), ("+3", "+3"), ("-1,000", "-1,000"), ("-1e5", "-1e5"),
     ("株式会社=", "株式会社="), ("", ""), ("a-b", "a-b")],
)  # fmt: skip
def test_formula_like_text_is_prefixed(value: str, written: str) -> None:
    assert protect_formula(value) == written
    assert csv_text(value) == written


def test_numbers_are_never_prefixed(tmp_path: Path) -> None:
    assert [csv_text(v) for v in (-100, -1.5, Decimal("-3"))] == ["-100", "-1.5", "-3"]
    path = tmp_path / "out.csv"
    write_csv(path, ["a", "b"], [['=HYPERLINK("http://x")', -100]])
    assert path.read_bytes().decode("utf-8-sig") == 'a,b\r\n"\'=HYPERLINK(""http://x"")",-100\r\n'


@given(st.text(st.characters(codec="utf-8", exclude_characters="\x00")))
def test_protected_text_is_the_text_or_the_prefixed_text(text: str) -> None:
    written = protect_formula(text)
    assert written in (text, "'" + text)
    if written == text and text:
        assert text[0] not in "=+-@\t\r＝＋－＠" or text.lstrip("+-").replace(",", "").replace(".", "").isdigit()


@given(st.lists(st.text(st.characters(codec="utf-8", exclude_characters="\x00")), min_size=1))
def test_csv_round_trip(tmp_path_factory: pytest.TempPathFactory, values: list[str]) -> None:
    path = tmp_path_factory.mktemp("rt") / "out.csv"
    write_csv(path, [f"c{i}" for i in range(len(values))], [values])
    with open_table(path) as source:
        rows = list(source.rows())
    expected = [protect_formula(value) for value in values]
    assert rows == ([(2, expected)] if any(expected) else [])


_CP932_TEXT = st.text(
    st.characters(codec="cp932", exclude_characters="\x00", include_characters="¢£¬‖−〜") | st.just("—"), min_size=1
)


@given(_CP932_TEXT)
def test_cp932_round_trip(tmp_path_factory: pytest.TempPathFactory, value: str) -> None:
    path = tmp_path_factory.mktemp("sjis") / "out.csv"
    write_csv(path, ["値"], [[value]], encoding="cp932")
    with open_table(path, encoding="cp932") as source:
        rows = list(source.rows())
    expected = protect_formula(value).translate(JIS_ROUND_TRIP)
    assert rows == [(2, [expected])]


# --- XLSX ------------------------------------------------------------------------------------


def test_xlsx_keeps_text_as_text_and_dates_as_dates(tmp_path: Path) -> None:
    path = tmp_path / "out.xlsx"
    rows = _rows(
        ["=1+1", "=cmd|' /C calc'!A0", "0601234", 42, 1234567890123456789, date(2024, 4, 1),
         datetime(2024, 4, 1, 9, 30), True, None, Decimal("1.5"), float("nan")],
    )  # fmt: skip
    header = ["計算", "危険", "郵便番号", "件数", "大きな番号", "登録日", "更新日時", "有効", "空", "比率", "NaN"]
    assert write_xlsx(path, header, rows, sheet_title="リード/一覧:[2024]") == 1
    book = openpyxl.load_workbook(path)
    sheet = book.active
    assert sheet is not None
    assert sheet.title == "リード一覧2024"
    assert sheet.freeze_panes == "A2"
    assert [cell.value for cell in sheet[1]] == header
    assert all(cell.font.b for cell in sheet[1])
    cells = list(sheet[2])
    assert [(c.value, c.data_type) for c in cells[:3]] == [("=1+1", "s"), ("=cmd|' /C calc'!A0", "s"), ("0601234", "s")]
    assert (cells[3].value, cells[3].data_type) == (42, "n")
    assert cells[4].value == "1234567890123456789"  # beyond Excel's 15 digits: text, no digit lost
    assert (cells[5].value, cells[5].number_format) == (datetime(2024, 4, 1), "yyyy/mm/dd")
    assert cells[5].is_date and cells[6].is_date
    assert cells[6].value == datetime(2024, 4, 1, 9, 30)
    assert (cells[7].value, cells[8].value, cells[9].value, cells[10].value) == (True, None, 1.5, None)
    book.close()
    with open_table(path) as source:
        assert [values[:3] for _, values in source.rows()] == [["=1+1", "=cmd|' /C calc'!A0", "0601234"]]
        assert source.formula_cells == 0
    assert _leftovers(tmp_path) == []


def test_xlsx_control_character_is_an_error_and_nothing_is_written(tmp_path: Path) -> None:
    path = tmp_path / "out.xlsx"
    path.write_bytes(b"old")
    with pytest.raises(TenbinError) as caught:
        write_xlsx(path, HEADER, _rows(["a", "b", "c"], ["d", "e\x0bf", "g"]))
    assert caught.value.code == "EXPORT_XLSX_ILLEGAL_CHARACTER"
    error = caught.value
    assert (error.place.row, error.place.column, error.params["codepoint"]) == (3, "氏名", "U+000B")
    assert path.read_bytes() == b"old"
    assert _leftovers(tmp_path) == []
    assert ALL_TEMP_FILES == []  # openpyxl's own temporary sheet XML was removed too


def test_xlsx_overlong_cell_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(TenbinError) as caught:
        write_xlsx(tmp_path / "out.xlsx", ["a"], [["x" * 32_768]])
    assert caught.value.code == "EXPORT_XLSX_CELL_TOO_LONG"
    assert not (tmp_path / "out.xlsx").exists()


def test_xlsx_row_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(writers, "XLSX_MAX_DATA_ROWS", 3)
    assert write_xlsx(tmp_path / "ok.xlsx", ["a"], ([i] for i in range(3))) == 3
    with pytest.raises(TenbinError) as caught:
        write_xlsx(tmp_path / "out.xlsx", ["a"], ([i] for i in range(4)))
    assert caught.value.code == "EXPORT_XLSX_TOO_MANY_ROWS"
    assert not (tmp_path / "out.xlsx").exists()
    assert _leftovers(tmp_path) == []


def test_xlsx_sheet_title_fallback(tmp_path: Path) -> None:
    write_xlsx(tmp_path / "out.xlsx", ["a"], [], sheet_title="[]:*?/\\")
    book = openpyxl.load_workbook(tmp_path / "out.xlsx", read_only=True)
    assert book.sheetnames == ["data"]
    book.close()
