"""Cell normalisers of the importer: accepted spellings, Excel damage, and the exact error codes."""

from __future__ import annotations

import datetime as dt
import string
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from tenbin.errors import ErrorCode, TenbinError
from tenbin.imports import normalize as n
from tenbin.imports.refdata import (
    DEFAULT_EMPLOYEE_BANDS,
    DEFAULT_REVENUE_BANDS,
    JSIC,
    LEVELS,
    LISTINGS,
    PREFECTURES,
    Band,
)


def raises_code(code: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> TenbinError:
    """Call fn, assert it raises TenbinError with this code and that both messages render fully."""
    with pytest.raises(TenbinError) as info:
        fn(*args, **kwargs)
    err = info.value
    assert err.code == code
    for lang in ("ja", "en"):
        message = err.message(lang)
        assert "{" not in message, message  # every placeholder got a parameter
    return err


# ------------------------------------------------------------------------- error catalogue

VALUE_CODES = [v for k, v in vars(n).items() if k.startswith("VALUE_") and isinstance(v, ErrorCode)]


def test_catalogue_has_the_codes_the_importer_relies_on() -> None:
    codes = {c.code for c in VALUE_CODES}
    assert {
        "VALUE_DATE_FORMAT", "VALUE_DATE_IMPOSSIBLE", "VALUE_CORPORATE_NUMBER_FORMAT",
        "VALUE_CORPORATE_NUMBER_CHECK_DIGIT", "VALUE_PHONE_FORMAT", "VALUE_POSTAL_FORMAT",
        "VALUE_PREFECTURE_UNKNOWN", "VALUE_NUMBER_FORMAT", "VALUE_NEGATIVE", "VALUE_MONEY_FORMAT",
        "VALUE_BOOL_FORMAT", "VALUE_EMAIL_FORMAT", "VALUE_LISTING_UNKNOWN", "VALUE_TOO_LONG",
        "VALUE_CHOICE_UNKNOWN", "VALUE_COMPANY_NAME_EMPTY",
    } <= codes  # fmt: skip


@pytest.mark.parametrize("error", VALUE_CODES, ids=lambda e: e.code)
def test_each_code_has_matching_bilingual_templates(error: ErrorCode) -> None:
    assert error.code.startswith("VALUE_")
    assert error.placeholders("ja") == error.placeholders("en")
    assert "value" in error.placeholders("en")
    assert error.en != error.ja
    assert any("\u3040" <= ch <= "\u30ff" for ch in error.ja)  # the Japanese one is Japanese
    assert "row" not in error.placeholders("en") and "column" not in error.placeholders("en")


def test_messages_say_what_is_accepted() -> None:
    err = raises_code("VALUE_DATE_FORMAT", n.parse_date, "4/1頃")
    assert "4/1頃" in err.message("en") and "2025-04-01" in err.message("en")
    assert "令和7年4月1日" in err.message("ja")
    assert "45748" in err.message("ja")  # the Excel-serial hint


# ----------------------------------------------------------------------------- empty cells

ALL_CELL_FUNCTIONS: list[Callable[[Any], Any]] = [
    n.nfkc_text, n.company_name, n.corporate_number, n.phone, n.postal_code, n.prefecture,
    n.prefecture_from_address, n.jsic, n.parse_date, n.parse_datetime, n.parse_int, n.parse_number,
    n.parse_money, n.parse_bool, n.email, n.email_domain, n.domain, n.listing, n.level,
    lambda s: n.free_text(s, 10), lambda s: n.choice(s, {"a": "a"}),
]  # fmt: skip


@pytest.mark.parametrize("fn", ALL_CELL_FUNCTIONS)
@pytest.mark.parametrize("empty", [None, "", "\u3000", float("nan")])
def test_empty_cells_are_none(fn: Callable[[Any], Any], empty: Any) -> None:
    assert fn(empty) is None


def test_level_from_title_of_nothing_is_none() -> None:
    assert n.level_from_title(None) is None
    assert n.level_from_title("") is None


# ------------------------------------------------------------------------------------ text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  東洋\u3000\u3000精機  ", "東洋 精機"),
        ("a\tb\nc\r\nd", "a b c d"),
        ("ＡＢＣ１２３", "ABC123"),
        ("㈱テスト", "(株)テスト"),
        ("ｶﾀｶﾅ", "カタカナ"),
        ("a\x00b\x07c\u200bd\ufeff", "abcd"),
        ("plain", "plain"),
        (123, "123"),
        (12.0, "12"),
        (True, "TRUE"),
        (dt.date(2025, 4, 1), "2025-04-01"),
    ],
)
def test_nfkc_text(raw: Any, expected: str) -> None:
    assert n.nfkc_text(raw) == expected


def test_free_text_keeps_lines_and_normalises_line_ends() -> None:
    assert n.free_text("１行目\r\n  2行目\r3行目\x00\n", 100) == "1行目\n  2行目\n3行目"


def test_free_text_too_long_reports_length_and_a_short_preview() -> None:
    err = raises_code("VALUE_TOO_LONG", n.free_text, "あ" * 30 + "\n" + "い" * 70, 50)
    assert err.params["length"] == 101
    assert err.params["max"] == 50
    assert err.params["value"] == "あ" * 30 + " " + "い" * 9 + "…"
    assert n.free_text("あ" * 50, 50) == "あ" * 50  # exactly max is fine


# --------------------------------------------------------------------------- company names

SAME_COMPANY = [
    "株式会社 東洋精機", "東洋精機株式会社", "㈱東洋精機", "（株）東洋精機", "東洋精機(株)",
    "東洋精機（株）", "東洋精機 ( 株 )", "株式会社東洋精機", "東洋・精機 株式会社", "東洋精機",
]  # fmt: skip


@pytest.mark.parametrize("raw", SAME_COMPANY)
def test_company_name_key_ignores_legal_form_placement(raw: str) -> None:
    result = n.company_name(raw)
    assert result is not None
    assert result[1] == "東洋精機"


def test_company_name_display_keeps_the_users_wording() -> None:
    assert n.company_name("㈱東洋精機") == ("(株)東洋精機", "東洋精機")
    assert n.company_name("株式会社　東洋精機") == ("株式会社 東洋精機", "東洋精機")


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("有限会社 山田商店", "山田商店"),
        ("山田商店(有)", "山田商店"),
        ("合同会社ミライ", "ミライ"),
        ("ミライ(同)", "ミライ"),
        ("一般社団法人 日本マーケティング協会", "日本マーケティング協会"),
        ("公益財団法人 科学振興財団", "科学振興財団"),
        ("医療法人社団 健康会", "健康会"),
        ("社会福祉法人 あおば福祉会", "あおば福祉会"),
        ("特定非営利活動法人 フローレンス", "フローレンス"),
        ("NPO法人 ドット・ジェイピー", "ドットジェイピー"),
        ("独立行政法人 情報処理推進機構", "情報処理推進機構"),
        ("Toyo Seiki Co., Ltd.", "toyoseiki"),
        ("TOYO SEIKI CO.,LTD", "toyoseiki"),
        ("Example, Inc.", "example"),
        ("Example Inc", "example"),
        ("Example Corporation", "example"),
        ("Example K.K.", "example"),
        ("Example Ltd.", "example"),
        ("株式会社 東洋精機 (株)", "東洋精機"),
        ("会社四季報社", "会社四季報社"),  # 社 at the end is not a legal form
        ("株式会社ゆうちょ銀行", "ゆうちょ銀行"),
    ],
)
def test_company_name_keys(raw: str, key: str) -> None:
    result = n.company_name(raw)
    assert result is not None and result[1] == key


@pytest.mark.parametrize("raw", ["株式会社", "(株)", "㈱", "Inc.", "株式会社 (株)", "Co., Ltd."])
def test_company_name_that_is_only_a_legal_form(raw: str) -> None:
    err = raises_code("VALUE_COMPANY_NAME_EMPTY", n.company_name, raw)
    assert err.params["value"] == raw


JA_FORMS = ["株式会社", "有限会社", "合同会社", "(株)", "（株）", "㈱", "(有)", "㈲", "一般社団法人"]


@given(
    base=st.text(alphabet="東洋精機工業電子商事ミライテックABCxyz0123", min_size=1, max_size=12),
    form=st.sampled_from(JA_FORMS),
    space=st.sampled_from(["", " ", "\u3000"]),
)
def test_company_name_key_invariant_under_legal_form_placement(base: str, form: str, space: str) -> None:
    plain = n.company_name(base)
    before = n.company_name(form + space + base)
    after = n.company_name(base + space + form)
    assert plain is not None and before is not None and after is not None
    assert plain[1] == before[1] == after[1] == (n.nfkc_text(base) or "").casefold()


# ------------------------------------------------------------------------ corporate number


def test_national_tax_agency_corporate_number() -> None:
    assert n.corporate_number_check_digit("000012050002") == 7
    assert n.corporate_number("7000012050002") == "7000012050002"


@pytest.mark.parametrize(
    "raw",
    [
        "T7000012050002", "t7000012050002", "Ｔ７０００－０１２０－５０００２", "7-0000-1205-0002",
        "7000 0120 50002", 7000012050002, 7000012050002.0, "7000012050002.0",
    ],
)  # fmt: skip
def test_corporate_number_spellings(raw: Any) -> None:
    assert n.corporate_number(raw) == "7000012050002"


def test_corporate_number_wrong_check_digit_names_the_expected_one() -> None:
    err = raises_code("VALUE_CORPORATE_NUMBER_CHECK_DIGIT", n.corporate_number, "6000012050002")
    assert err.params["expected"] == 7
    assert "7" in err.message("en") and "7" in err.message("ja")


@pytest.mark.parametrize(
    "raw",
    ["7.00001E+12", "7.000012E12", "7e12", "700001205000", "70000120500021", "T", "abc"],
)
def test_corporate_number_format_errors(raw: str) -> None:
    raises_code("VALUE_CORPORATE_NUMBER_FORMAT", n.corporate_number, raw)


def test_corporate_number_scientific_notation_message_says_excel_rounded_it() -> None:
    err = raises_code("VALUE_CORPORATE_NUMBER_FORMAT", n.corporate_number, "7.00001E+12")
    assert "Excel rounded" in err.message("en")
    assert "丸め" in err.message("ja")


@pytest.mark.parametrize("raw", [True, 7000012050002.5, dt.date(2025, 1, 1), 123])
def test_corporate_number_bad_cell_types(raw: Any) -> None:
    raises_code("VALUE_CORPORATE_NUMBER_FORMAT", n.corporate_number, raw)


@pytest.mark.parametrize("bad", ["12345678901", "1234567890123", "12345678901a", "１２３４５６７８９０１２"])
def test_check_digit_needs_12_ascii_digits(bad: str) -> None:
    with pytest.raises(ValueError, match="12 ASCII digits"):
        n.corporate_number_check_digit(bad)


def _reference_check_digit(base12: str) -> int:
    """Straight from the definition: P_n the n-th digit from the right, Q_n 1 (odd) or 2 (even)."""
    total = sum(int(p) * (1 if i % 2 == 1 else 2) for i, p in enumerate(reversed(base12), start=1))
    return 9 - total % 9


digits12 = st.text(alphabet=string.digits, min_size=12, max_size=12)


@given(base=digits12)
def test_every_base_with_its_check_digit_validates(base: str) -> None:
    check = n.corporate_number_check_digit(base)
    assert check == _reference_check_digit(base)
    assert 1 <= check <= 9
    assert n.corporate_number(f"{check}{base}") == f"{check}{base}"
    assert n.corporate_number(int(f"{check}{base}")) == f"{check}{base}"


@given(base=digits12, position=st.integers(0, 12), new_digit=st.sampled_from(string.digits))
def test_a_single_digit_change_is_rejected(base: str, position: int, new_digit: str) -> None:
    number = f"{n.corporate_number_check_digit(base)}{base}"
    old_digit = number[position]
    # A mod-9 check cannot see 0↔9 (the weighted sum moves by a multiple of 9); all else is caught.
    assume((int(new_digit) - int(old_digit)) % 9 != 0)
    changed = number[:position] + new_digit + number[position + 1 :]
    raises_code("VALUE_CORPORATE_NUMBER_CHECK_DIGIT", n.corporate_number, changed)


# ----------------------------------------------------------------------------------- phone


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("03-1234-5678", "0312345678"),
        ("0312345678", "0312345678"),
        ("(03)1234-5678", "0312345678"),
        ("03 1234 5678", "0312345678"),
        ("０３－１２３４－５６７８", "0312345678"),
        ("03ー1234ー5678", "0312345678"),
        ("+81 3-1234-5678", "0312345678"),
        ("+81-3-1234-5678", "0312345678"),
        ("+81 (0)3 1234 5678", "0312345678"),
        ("+813-1234-5678", "0312345678"),
        ("81-3-1234-5678", "0312345678"),
        ("+81 90-1234-5678", "09012345678"),
        ("TEL:03-1234-5678", "0312345678"),
        ("Tel. 03-1234-5678", "0312345678"),
        ("TEL：０３－１２３４－５６７８", "0312345678"),
        ("03-1234-5678 内線123", "0312345678"),
        ("03-1234-5678（内線123）", "0312345678"),
        ("03-1234-5678 ext. 123", "0312345678"),
        ("03-1234-5678 ext123", "0312345678"),
        ("090-1234-5678", "09012345678"),
        ("080 1234 5678", "08012345678"),
        ("050-1234-5678", "05012345678"),
        ("0120-123-456", "0120123456"),
        ("0800-123-4567", "08001234567"),
        ("0570-012-345", "0570012345"),
        ("06-6123-4567", "0661234567"),
        ("0995-12-3456", "0995123456"),
        # Excel dropped the leading zero
        ("312345678", "0312345678"),
        (312345678, "0312345678"),
        (312345678.0, "0312345678"),
        ("9012345678", "09012345678"),
        (9012345678, "09012345678"),
        ("8012345678", "08012345678"),
        ("120123456", "0120123456"),
        ("8001234567", "08001234567"),
    ],
)
def test_phone(raw: Any, expected: str) -> None:
    assert n.phone(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "1234", "03-1234-567", "03-1234-56789", "0012345678", "01012345678", "03-1234-567a",
        "81312345678", "1234567890", "+1 212 555 0100", "電話なし", True, dt.date(2025, 1, 1),
    ],
)  # fmt: skip
def test_phone_errors(raw: Any) -> None:
    raises_code("VALUE_PHONE_FORMAT", n.phone, raw)


# ---------------------------------------------------------------------------------- postal


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("100-0001", "100-0001"),
        ("1000001", "100-0001"),
        ("〒100-0001", "100-0001"),
        ("〒 1000001", "100-0001"),
        ("１００－０００１", "100-0001"),
        ("100ー0001", "100-0001"),
        ("郵便番号: 100-0001", "100-0001"),
        (1000001, "100-0001"),
        (600001, "060-0001"),
        ("600001", "060-0001"),
        (600001.0, "060-0001"),
        (10000, "001-0000"),
        ("10000", "001-0000"),
    ],
)
def test_postal_code(raw: Any, expected: str) -> None:
    assert n.postal_code(raw) == expected


@pytest.mark.parametrize("raw", ["1234", "12345678", "100-00001", "10-00001", "abc-defg", 1234, True, 1.5])
def test_postal_code_errors(raw: Any) -> None:
    raises_code("VALUE_POSTAL_FORMAT", n.postal_code, raw)


# ------------------------------------------------------------------------------ prefecture


def test_prefectures_table() -> None:
    assert len(PREFECTURES) == 47
    assert [code for code, _, _ in PREFECTURES] == [f"{i:02d}" for i in range(1, 48)]
    assert PREFECTURES[0][1:] == ("北海道", "Hokkaido")
    assert PREFECTURES[12][1:] == ("東京都", "Tokyo")
    assert PREFECTURES[25][1:] == ("京都府", "Kyoto")
    assert PREFECTURES[46][1:] == ("沖縄県", "Okinawa")
    assert len({ja for _, ja, _ in PREFECTURES}) == 47


@pytest.mark.parametrize(("code", "ja", "en"), PREFECTURES)
def test_prefecture_round_trip(code: str, ja: str, en: str) -> None:
    spellings: list[Any] = [code, int(code), str(int(code)), float(int(code)), ja, en, en.upper(), en.lower()]
    if ja[-1] in "都府県":
        spellings.append(ja[:-1])
    for spelling in spellings:
        assert n.prefecture(spelling) == code, spelling
    assert n.prefecture_from_address(f"{ja}どこか1-2-3") == code


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("tokyo-to", "13"), ("Tokyo-to", "13"),
        ("TOKYO TO", "13"), ("Tōkyō", "13"), ("Tokyo Metropolis", "13"),
        ("Osaka-fu", "27"), ("Kyoto-fu", "26"), ("Kyoto Prefecture", "26"), ("Kanagawa-ken", "14"),
        ("kanagawa prefecture", "14"), ("hyougo", "28"), ("Oosaka", "27"), ("Hokkaidō", "01"),
        ("　東京都　", "13"), ("１３", "13"), ("大阪", "27"), ("京都", "26"),
    ],
)  # fmt: skip
def test_prefecture_other_spellings(raw: Any, code: str) -> None:
    assert n.prefecture(raw) == code


@pytest.mark.parametrize("raw", ["北海", "東京県", "Edo", "0", "48", 0, 48, 13.5, True, "Tokyo City"])
def test_prefecture_unknown(raw: Any) -> None:
    raises_code("VALUE_PREFECTURE_UNKNOWN", n.prefecture, raw)


def test_prefecture_cache_does_not_confuse_true_with_1() -> None:
    assert n.prefecture(1) == "01"
    raises_code("VALUE_PREFECTURE_UNKNOWN", n.prefecture, True)


@pytest.mark.parametrize(
    ("address", "code"),
    [
        ("東京都港区芝公園4-2-8", "13"),
        ("京都府京都市左京区", "26"),
        ("東京 港区", "13"),
        ("東京　港区", "13"),
        ("京都市左京区", "26"),
        ("大阪市北区", "27"),
        ("神奈川県横浜市西区", "14"),
        ("和歌山県和歌山市", "30"),
        ("鹿児島県鹿児島市", "46"),
        ("北海道札幌市", "01"),
        ("〒100-0001 東京都千代田区千代田1-1", "13"),
        ("港区芝公園", None),
        ("石川郡石川町", None),  # 福島県: 石川 without 県 proves nothing
        ("東京タワー", None),
        ("Tokyo", None),
    ],
)
def test_prefecture_from_address(address: str, code: str | None) -> None:
    assert n.prefecture_from_address(address) == code


# -------------------------------------------------------------------------------- industry


def test_jsic_table() -> None:
    assert list(JSIC) == list("ABCDEFGHIJKLMNOPQRST")
    assert JSIC["E"][0] == "製造業"
    assert JSIC["I"][0] == "卸売業，小売業"
    assert JSIC["R"][0] == "サービス業（他に分類されないもの）"


@pytest.mark.parametrize(("letter", "names"), JSIC.items())
def test_jsic_official_names_and_letters(letter: str, names: tuple[str, str]) -> None:
    ja, en = names
    for spelling in (letter, letter.lower(), chr(ord(letter) + 0xFEE0), ja, en, ja.replace("，", "、")):
        result = n.jsic(spelling)
        assert result is not None and result[0] == letter, spelling


@pytest.mark.parametrize(
    "spelling", ["卸売業、小売業", "卸売業,小売業", "卸売業，小売業", "卸売業 小売業", "卸売業小売業"]
)
def test_jsic_separators_are_equal(spelling: str) -> None:
    assert n.jsic(spelling) == ("I", n.nfkc_text(spelling))


@pytest.mark.parametrize(
    ("raw", "letter"),
    [
        ("製造", "E"), ("メーカー", "E"), ("機械", "E"),
        ("電機", "E"), ("食品製造", "E"), ("食品製造業", "E"),
        ("IT", "G"), ("ＩＴ", "G"), ("IT業界", "G"),
        ("ソフトウェア", "G"), ("SaaS", "G"), ("情報サービス", "G"),
        ("通信", "G"), ("インターネット", "G"),
        ("小売", "I"), ("小売業", "I"), ("卸", "I"), ("商社", "I"),
        ("金融", "J"), ("銀行", "J"), ("保険", "J"),
        ("建設", "D"), ("工務店", "D"), ("建築", "D"),
        ("不動産", "K"), ("医療", "P"), ("介護", "P"), ("病院", "P"), ("福祉", "P"),
        ("教育", "O"), ("学校", "O"), ("塾", "O"),
        ("運輸", "H"), ("物流", "H"), ("倉庫", "H"), ("運送", "H"),
        ("コンサル", "L"), ("士業", "L"), ("法律事務所", "L"),
        ("会計事務所", "L"), ("広告", "L"), ("研究", "L"),
        ("飲食", "M"), ("ホテル", "M"), ("宿泊", "M"),
        ("人材", "R"), ("派遣", "R"), ("ビルメンテナンス", "R"),
        ("官公庁", "S"), ("自治体", "S"),
        ("Manufacturing", "E"), ("Technology", "G"), ("Retail", "I"), ("Finance", "J"), ("Banking", "J"),
        ("Insurance", "J"), ("Construction", "D"), ("Real Estate", "K"), ("Healthcare", "P"),
        ("Education", "O"), ("Transportation", "H"), ("Hospitality", "M"), ("Consulting", "L"),
        ("Government", "S"), ("Telecommunications", "G"), ("Software", "G"), ("Media", "G"),
        ("Energy", "F"), ("Utilities", "F"), ("Energy/Utilities", "F"),
        ("E 製造業", "E"), ("E: 製造業", "E"),
    ],
)  # fmt: skip
def test_jsic_synonyms(raw: str, letter: str) -> None:
    result = n.jsic(raw)
    assert result is not None
    assert result[0] == letter
    assert result[1] == n.nfkc_text(raw)


@pytest.mark.parametrize("raw", ["ペット用品", "Other", "アパレル", "Z", "E 漁業"])
def test_jsic_unknown_is_kept_as_text(raw: str) -> None:
    assert n.jsic(raw) == (None, raw)


# ----------------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2025/4/1", dt.date(2025, 4, 1)),
        ("2025/04/01", dt.date(2025, 4, 1)),
        ("2025-04-01", dt.date(2025, 4, 1)),
        ("2025-4-1", dt.date(2025, 4, 1)),
        ("2025.4.1", dt.date(2025, 4, 1)),
        ("20250401", dt.date(2025, 4, 1)),
        ("2025年4月1日", dt.date(2025, 4, 1)),
        ("2025年 4月 1日", dt.date(2025, 4, 1)),
        ("２０２５年４月１日", dt.date(2025, 4, 1)),
        ("２０２５／４／１", dt.date(2025, 4, 1)),
        ("令和7年4月1日", dt.date(2025, 4, 1)),
        ("令和 7 年 4 月 1 日", dt.date(2025, 4, 1)),
        ("令和元年5月1日", dt.date(2019, 5, 1)),
        ("㋿7年4月1日", dt.date(2025, 4, 1)),
        ("R7.4.1", dt.date(2025, 4, 1)),
        ("R7/4/1", dt.date(2025, 4, 1)),
        ("r07.04.01", dt.date(2025, 4, 1)),
        ("H31.4.30", dt.date(2019, 4, 30)),
        ("平成31年4月30日", dt.date(2019, 4, 30)),
        ("平成元年1月8日", dt.date(1989, 1, 8)),
        ("昭和64年1月7日", dt.date(1989, 1, 7)),
        ("S50.10.1", dt.date(1975, 10, 1)),
        ("大正15年12月24日", dt.date(1926, 12, 24)),
        ("明治45年7月29日", dt.date(1912, 7, 29)),
        ("2025/4/1 10:23", dt.date(2025, 4, 1)),
        ("2025/4/1 10:23:45", dt.date(2025, 4, 1)),
        ("2025-04-01T10:23:00+09:00", dt.date(2025, 4, 1)),
        ("2025-04-01T23:30:00Z", dt.date(2025, 4, 1)),  # the written date, not converted
        ("2025/4/1(火)", dt.date(2025, 4, 1)),
        ("2025年4月1日(火曜日) 10時", dt.date(2025, 4, 1)),
        (dt.date(2025, 4, 1), dt.date(2025, 4, 1)),
        (dt.datetime(2025, 4, 1, 10, 23), dt.date(2025, 4, 1)),
    ],
)
def test_parse_date(raw: Any, expected: dt.date) -> None:
    result = n.parse_date(raw)
    assert result == expected
    assert type(result) is dt.date


@pytest.mark.parametrize(
    "raw",
    [
        "4/1",
        "2025/4",
        "25/4/1",
        "2025/4-1",
        "April 1, 2025",
        "2025/4/1 foo",
        "令和七年四月一日",
        "X7.4.1",
        "202541",
        "明日",
    ],
)
def test_parse_date_format_errors(raw: str) -> None:
    raises_code("VALUE_DATE_FORMAT", n.parse_date, raw)


@pytest.mark.parametrize("raw", [45748, 45748.0, "45748", True])
def test_excel_serial_numbers_are_not_dates(raw: Any) -> None:
    err = raises_code("VALUE_DATE_FORMAT", n.parse_date, raw)
    assert "format the Excel column as a date" in err.message("en")


@pytest.mark.parametrize(
    "raw",
    [
        "2025/2/30", "2025/13/1", "2025-00-10", "2025-02-29", "2025年4月31日", "令和0年4月1日", "R0.4.1",
        "0000/00/00", "2025/4/1 25:00", "2025/4/1 10:61",
    ],
)  # fmt: skip
def test_parse_date_impossible(raw: str) -> None:
    raises_code("VALUE_DATE_IMPOSSIBLE", n.parse_date, raw)


def test_leap_day_is_possible() -> None:
    assert n.parse_date("2024/2/29") == dt.date(2024, 2, 29)
    assert n.parse_date("2024-02-29") == dt.date(2024, 2, 29)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2025/4/1", dt.datetime(2025, 4, 1)),
        ("令和7年4月1日", dt.datetime(2025, 4, 1)),
        ("2025/4/1 10:23", dt.datetime(2025, 4, 1, 10, 23)),
        ("2025/4/1 9:05:07", dt.datetime(2025, 4, 1, 9, 5, 7)),
        ("2025-04-01 10:23:00", dt.datetime(2025, 4, 1, 10, 23)),
        ("2025-04-01T10:23:00", dt.datetime(2025, 4, 1, 10, 23)),
        ("2025-04-01T10:23:00+09:00", dt.datetime(2025, 4, 1, 10, 23)),
        ("2025-04-01T01:23:00Z", dt.datetime(2025, 4, 1, 10, 23)),
        ("2025-04-01T20:00:00Z", dt.datetime(2025, 4, 2, 5, 0)),
        ("2025-04-01T10:23:00.5-05:00", dt.datetime(2025, 4, 2, 0, 23, 0, 500000)),
        ("2025-04-01 10:23:00+0000", dt.datetime(2025, 4, 1, 19, 23)),
        ("2025/4/1 10:23:00.123456789 +09:00", dt.datetime(2025, 4, 1, 10, 23, 0, 123456)),
        ("2025年4月1日 10時23分", dt.datetime(2025, 4, 1, 10, 23)),
        ("2025年4月1日(火) 10時23分5秒", dt.datetime(2025, 4, 1, 10, 23, 5)),
        ("２０２５／４／１　１０：２３", dt.datetime(2025, 4, 1, 10, 23)),
        (dt.date(2025, 4, 1), dt.datetime(2025, 4, 1)),
        (dt.datetime(2025, 4, 1, 10, 23), dt.datetime(2025, 4, 1, 10, 23)),
        (dt.datetime(2025, 4, 1, 1, 23, tzinfo=dt.UTC), dt.datetime(2025, 4, 1, 10, 23)),
    ],
)
def test_parse_datetime(raw: Any, expected: dt.datetime) -> None:
    result = n.parse_datetime(raw)
    assert result == expected
    assert result is not None and result.tzinfo is None


@pytest.mark.parametrize(
    "raw",
    ["2025/4/1 10", "2025/4/1 10:2", "10:23", "2025/4/1 10:23 PM", 45748.43, "45748.43"],
)
def test_parse_datetime_format_errors(raw: Any) -> None:
    raises_code("VALUE_DATETIME_FORMAT", n.parse_datetime, raw)


@pytest.mark.parametrize(
    "raw",
    ["2025-04-01 24:00", "2025/4/1 23:60", "2025/2/30 10:00", "2025-04-01T10:00+25:00"],
)
def test_parse_datetime_impossible(raw: str) -> None:
    raises_code("VALUE_DATE_IMPOSSIBLE", n.parse_datetime, raw)


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2200, 12, 31)))
def test_dates_round_trip_through_every_western_form(day: dt.date) -> None:
    for text in (
        day.isoformat(),
        f"{day.year}/{day.month}/{day.day}",
        f"{day.year}.{day.month:02d}.{day.day:02d}",
        f"{day.year}年{day.month}月{day.day}日",
        day.strftime("%Y%m%d"),
    ):
        assert n.parse_date(text) == day, text
        assert n.parse_datetime(text) == dt.datetime.combine(day, dt.time())


@given(st.dates(min_value=dt.date(2019, 5, 1), max_value=dt.date(2080, 12, 31)))
def test_reiwa_dates(day: dt.date) -> None:
    year = day.year - 2018
    era_year = "元" if year == 1 else str(year)
    assert n.parse_date(f"令和{era_year}年{day.month}月{day.day}日") == day
    assert n.parse_date(f"R{year}.{day.month}.{day.day}") == day


# --------------------------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1200", 1200),
        ("1,200", 1200),
        ("1，200", 1200),
        ("１，２００", 1200),
        ("1,200.0", 1200),
        ("約300人", 300),
        ("約 300 人", 300),
        ("およそ50名", 50),
        ("120社", 120),
        ("15件", 15),
        ("3個", 3),
        ("1.2万", 12000),
        ("1.2万人", 12000),
        ("3千", 3000),
        ("-5", -5),
        ("0", 0),
        (1200, 1200),
        (1200.0, 1200),
        (1199.9999999999998, 1200),  # binary noise from an Excel formula
    ],
)
def test_parse_int(raw: Any, expected: int) -> None:
    assert n.parse_int(raw) == expected


@pytest.mark.parametrize(
    "raw",
    ["12.5", 12.5, "abc", "1,2,3", "1,20", "12a", "5万3億", "万", "1.5e3", "100〜200", True, float("inf")],
)  # fmt: skip
def test_parse_int_format_errors(raw: Any) -> None:
    raises_code("VALUE_NUMBER_FORMAT", n.parse_int, raw)


@pytest.mark.parametrize("raw", ["-1", -1, "-1.0", -1.0])
def test_parse_int_minimum(raw: Any) -> None:
    err = raises_code("VALUE_NEGATIVE", n.parse_int, raw, minimum=0)
    assert err.params == {"value": raw, "minimum": 0}
    assert n.parse_int(raw) == -1
    assert n.parse_int("0", minimum=0) == 0


@given(st.integers(min_value=0, max_value=10**15))
def test_parse_int_reads_its_own_formatting(value: int) -> None:
    assert n.parse_int(f"{value:,}") == value
    assert n.parse_int(str(value)) == value
    assert n.parse_money(f"¥{value:,}") == value


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("12.5", 12.5),
        ("12.5%", 12.5),
        ("12.5％", 12.5),
        ("1,234.5", 1234.5),
        ("-3.25", -3.25),
        ("1.2万", 12000.0),
        ("1.5e3", 1500.0),
        ("約3.5", 3.5),
        (7, 7.0),
        (2.5, 2.5),
    ],
)
def test_parse_number(raw: Any, expected: float) -> None:
    result = n.parse_number(raw)
    assert result == expected
    assert type(result) is float


@pytest.mark.parametrize("raw", ["abc", "nan", "inf", "1e999", "1.2.3", float("inf"), True, "12%%"])
def test_parse_number_errors(raw: Any) -> None:
    raises_code("VALUE_NUMBER_FORMAT", n.parse_number, raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1200000", 1_200_000),
        ("¥1,200,000", 1_200_000),
        ("￥1,200,000", 1_200_000),
        ("\\1,200,000", 1_200_000),  # ¥ is 0x5C in Shift-JIS: decoded as a backslash
        ("1200000円", 1_200_000),
        ("1,200,000 円", 1_200_000),
        ("120万円", 1_200_000),
        ("120万", 1_200_000),
        ("1.5億", 150_000_000),
        ("1.5億円", 150_000_000),
        ("3億5000万円", 350_000_000),
        ("3億5,000万円", 350_000_000),
        ("5千万円", 50_000_000),
        ("1,000千円", 1_000_000),
        ("1,200百万円", 1_200_000_000),
        ("1兆2000億円", 1_200_000_000_000),
        ("JPY 5,000", 5_000),
        ("△1,000", -1000),
        ("▲1,000", -1000),
        ("-1000", -1000),
        ("−1000", -1000),
        ("(1,000)", -1000),
        ("(1,000円)", -1000),
        ("¥-1,000", -1000),
        ("▲120万円", -1_200_000),
        (1_200_000, 1_200_000),
        (1_200_000.0, 1_200_000),
    ],
)
def test_parse_money(raw: Any, expected: int) -> None:
    assert n.parse_money(raw) == expected


@pytest.mark.parametrize(
    "raw",
    ["abc", "1.5円", "12.34", "$100", "--1000", "△-1000", "(-1000)", "万円", "5万3億", "1,2,3円", 10.5, True],
)  # fmt: skip
def test_parse_money_errors(raw: Any) -> None:
    raises_code("VALUE_MONEY_FORMAT", n.parse_money, raw)


def test_parse_money_minimum() -> None:
    err = raises_code("VALUE_NEGATIVE", n.parse_money, "△1,000", minimum=0)
    assert err.params == {"value": "△1,000", "minimum": 0}
    assert n.parse_money("0円", minimum=0) == 0


# ---------------------------------------------------------------------------------- yes/no

TRUE_SPELLINGS = [
    "true", "TRUE", "True", "t", "1", "yes", "YES", "y", "はい", "○", "◯", "有", "あり", "済", "✓",
    "ＴＲＵＥ",
]  # fmt: skip
FALSE_SPELLINGS = ["false", "FALSE", "f", "0", "no", "N", "いいえ", "×", "無", "なし", "未"]


@pytest.mark.parametrize("raw", [*TRUE_SPELLINGS, True, 1, 1.0])
def test_parse_bool_true(raw: Any) -> None:
    assert n.parse_bool(raw) is True


@pytest.mark.parametrize("raw", [*FALSE_SPELLINGS, False, 0, 0.0])
def test_parse_bool_false(raw: Any) -> None:
    assert n.parse_bool(raw) is False


@pytest.mark.parametrize("raw", ["maybe", "2", 2, "はいいいえ", "-", dt.date(2025, 1, 1)])
def test_parse_bool_errors(raw: Any) -> None:
    raises_code("VALUE_BOOL_FORMAT", n.parse_bool, raw)


# --------------------------------------------------------------------------- email, domain


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("taro@example.co.jp", "taro@example.co.jp"),
        ("Taro.Yamada@Example.CO.JP", "taro.yamada@example.co.jp"),
        ("mailto:taro@example.co.jp", "taro@example.co.jp"),
        ("MAILTO:taro@example.co.jp", "taro@example.co.jp"),
        ("ｔａｒｏ＠ｅｘａｍｐｌｅ．ｃｏ．ｊｐ", "taro@example.co.jp"),
        ("<taro@example.co.jp>", "taro@example.co.jp"),
        ("taro+news@example.com", "taro+news@example.com"),
        ("taro..@docomo.ne.jp", "taro..@docomo.ne.jp"),  # old carrier addresses break the RFC
        ("info@例え.jp", "info@例え.jp"),
    ],
)
def test_email(raw: str, expected: str) -> None:
    assert n.email(raw) == expected


@pytest.mark.parametrize(
    "raw",
    ["taro", "taro@", "@example.jp", "taro@example", "taro @example.jp", "a@@example.jp", "a@b@example.jp",
     "taro@example..jp", "taro@-example.jp", "山田@example.jp", "a@example.jp, b@example.jp", 123],
)  # fmt: skip
def test_email_errors(raw: Any) -> None:
    raises_code("VALUE_EMAIL_FORMAT", n.email, raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("taro@example.co.jp", "example.co.jp"),
        ("Taro@Sub.Example.com", "sub.example.com"),
        ("taro@gmail.com", None),
        ("taro@yahoo.co.jp", None),
        ("taro@docomo.ne.jp", None),
        ("taro@ezweb.ne.jp", None),
        ("taro@i.softbank.jp", None),
        ("taro@icloud.com", None),
        ("taro@outlook.jp", None),
        ("taro@abc.ocn.ne.jp", None),  # personal OCN addresses live on subdomains
        ("taro@gmail.co.jp", "gmail.co.jp"),
    ],
)
def test_email_domain(raw: str, expected: str | None) -> None:
    assert n.email_domain(raw) == expected


def test_email_domain_rejects_bad_addresses() -> None:
    raises_code("VALUE_EMAIL_FORMAT", n.email_domain, "not an address")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("https://www.Example.co.jp/about", "example.co.jp"),
        ("http://example.co.jp", "example.co.jp"),
        ("example.co.jp", "example.co.jp"),
        ("www.example.co.jp", "example.co.jp"),
        ("EXAMPLE.COM.", "example.com"),
        ("https://shop.example.com:8443/path?q=1#top", "shop.example.com"),
        ("https://user:pw@example.com/", "example.com"),
        ("http://例え.JP/", "例え.jp"),
        ("ｅｘａｍｐｌｅ．ｃｏ．ｊｐ", "example.co.jp"),
        ("xn--r8jz45g.jp", "xn--r8jz45g.jp"),
    ],
)
def test_domain(raw: str, expected: str) -> None:
    assert n.domain(raw) == expected


@pytest.mark.parametrize(
    "raw",
    ["not a domain", "https://", "localhost", "example", "http://exa mple.com", 42],
)
def test_domain_errors(raw: Any) -> None:
    raises_code("VALUE_DOMAIN_FORMAT", n.domain, raw)


# ----------------------------------------------------------------------------------- bands


@pytest.mark.parametrize("bands", [DEFAULT_EMPLOYEE_BANDS, DEFAULT_REVENUE_BANDS])
def test_default_bands_are_ordered_with_unique_codes(bands: tuple[Band, ...]) -> None:
    lowers = [b.lower for b in bands]
    assert lowers == sorted(lowers) and len(set(lowers)) == len(lowers)
    assert len({b.code for b in bands}) == len(bands)
    assert all(b.label_ja and b.label_en for b in bands)


def test_default_band_codes_and_labels() -> None:
    assert [b.code for b in DEFAULT_EMPLOYEE_BANDS] == [
        "1-9", "10-49", "50-99", "100-299", "300-499", "500-999", "1000-4999", "5000+",
    ]  # fmt: skip
    assert [b.code for b in DEFAULT_REVENUE_BANDS] == [
        "<100M", "100M-1B", "1B-5B", "5B-10B", "10B-50B", "50B-100B", "100B+",
    ]  # fmt: skip
    assert DEFAULT_REVENUE_BANDS[0].label_ja == "1億円未満"
    assert DEFAULT_REVENUE_BANDS[-1].label_ja == "1,000億円以上"
    assert DEFAULT_REVENUE_BANDS[1].lower == 100_000_000


@pytest.mark.parametrize(
    ("value", "code"),
    [(None, None), (-5, "1-9"), (0, "1-9"), (1, "1-9"), (9, "1-9"), (10, "10-49"), (49, "10-49"),
     (50, "50-99"), (299, "100-299"), (300, "300-499"), (999, "500-999"), (1000, "1000-4999"),
     (4999, "1000-4999"), (5000, "5000+"), (10**9, "5000+")],
)  # fmt: skip
def test_employee_band_boundaries(value: int | None, code: str | None) -> None:
    assert n.band_for(value, DEFAULT_EMPLOYEE_BANDS) == code


@pytest.mark.parametrize(
    ("value", "code"),
    [(0, "<100M"), (99_999_999, "<100M"), (100_000_000, "100M-1B"), (999_999_999, "100M-1B"),
     (1_000_000_000, "1B-5B"), (5_000_000_000, "5B-10B"), (49_999_999_999, "10B-50B"),
     (50_000_000_000, "50B-100B"), (100_000_000_000, "100B+")],
)  # fmt: skip
def test_revenue_band_boundaries(value: int, code: str) -> None:
    assert n.band_for(value, DEFAULT_REVENUE_BANDS) == code


@given(value=st.integers(min_value=0, max_value=10**13), use_revenue=st.booleans())
def test_band_for_picks_the_band_containing_the_value(value: int, use_revenue: bool) -> None:
    bands = DEFAULT_REVENUE_BANDS if use_revenue else DEFAULT_EMPLOYEE_BANDS
    code = n.band_for(value, bands)
    index = [b.code for b in bands].index(code or "")
    upper = bands[index + 1].lower if index + 1 < len(bands) else None
    assert bands[index].lower <= value or index == 0  # below the first band counts as the first
    assert upper is None or value < upper


def test_band_for_custom_and_empty_bands() -> None:
    custom = (Band("small", 0, "小", "Small"), Band("large", 100, "大", "Large"))
    assert n.band_for(99, custom) == "small"
    assert n.band_for(100, custom) == "large"
    assert n.band_for(5, ()) is None


# ---------------------------------------------------------------------- listing and levels


def test_listing_and_level_tables() -> None:
    expected = {"unlisted", "tse_prime", "tse_standard", "tse_growth", "nse", "fse", "sse", "foreign"}
    assert set(LISTINGS) == expected
    assert LISTINGS["tse_prime"][0] == "東証プライム"
    assert list(LEVELS) == ["staff", "manager", "director", "executive"]
    assert [ja for ja, _ in LEVELS.values()] == ["担当", "課長", "部長", "役員"]


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("非上場", "unlisted"), ("上場なし", "unlisted"), ("未上場", "unlisted"), ("Unlisted", "unlisted"),
        ("Private", "unlisted"), ("東証プライム", "tse_prime"),
        ("プライム", "tse_prime"), ("Prime", "tse_prime"),
        ("東証一部", "tse_prime"), ("東証１部", "tse_prime"),
        ("TSE Prime", "tse_prime"), ("tse_prime", "tse_prime"),
        ("東証スタンダード", "tse_standard"), ("スタンダード", "tse_standard"), ("東証二部", "tse_standard"),
        ("JASDAQスタンダード", "tse_standard"), ("ＪＡＳＤＡＱ スタンダード", "tse_standard"),
        ("東証グロース", "tse_growth"), ("グロース", "tse_growth"), ("マザーズ", "tse_growth"),
        ("JASDAQグロース", "tse_growth"), ("名証", "nse"), ("名古屋証券取引所", "nse"), ("福証", "fse"),
        ("札証", "sse"), ("海外市場", "foreign"), ("NASDAQ", "foreign"),
    ],
)  # fmt: skip
def test_listing(raw: str, code: str) -> None:
    assert n.listing(raw) == code


@pytest.mark.parametrize("raw", ["上場", "東証", "NYSE American", 1])
def test_listing_unknown_lists_the_accepted_names(raw: Any) -> None:
    err = raises_code("VALUE_LISTING_UNKNOWN", n.listing, raw)
    assert "東証プライム" in err.params["choices"] and "unlisted" in err.params["choices"]


@pytest.mark.parametrize(
    ("raw", "code"),
    [("staff", "staff"), ("担当", "staff"), ("Staff", "staff"), ("課長", "manager"), ("MANAGER", "manager"),
     ("部長", "director"), ("director", "director"), ("役員", "executive"), ("Executive", "executive")],
)  # fmt: skip
def test_level(raw: str, code: str) -> None:
    assert n.level(raw) == code


def test_level_unknown() -> None:
    err = raises_code("VALUE_CHOICE_UNKNOWN", n.level, "社長")
    assert "部長 (director)" in err.params["choices"]


@pytest.mark.parametrize(
    ("title", "code"),
    [
        ("代表取締役社長", "executive"), ("代表", "executive"),
        ("社長", "executive"), ("副社長", "executive"),
        ("CEO", "executive"), ("ＣＥＯ", "executive"), ("CTO", "executive"), ("CxO", "executive"),
        ("代表取締役CEO", "executive"), ("取締役", "executive"),
        ("役員", "executive"), ("執行役員", "executive"),
        ("専務取締役", "executive"), ("常務", "executive"), ("会長", "executive"), ("理事長", "executive"),
        ("執行役員 営業本部長", "executive"), ("President", "executive"), ("Managing Director", "executive"),
        ("本部長", "director"), ("部長", "director"), ("営業部長", "director"), ("事業部長", "director"),
        ("副部長", "director"), ("部長代理", "director"),
        ("担当部長", "director"), ("ディレクター", "director"),
        ("Director of Marketing", "director"), ("VP", "director"), ("VP of Sales", "director"),
        ("Vice President", "director"), ("General Manager", "director"), ("支店長", "director"),
        ("課長", "manager"), ("課長補佐", "manager"), ("課長代理", "manager"), ("マネージャー", "manager"),
        ("Manager", "manager"), ("Senior Product Manager", "manager"),
        ("室長", "manager"), ("所長", "manager"),
        ("係長", "manager"), ("グループ長", "manager"),
        ("チームリーダー", "manager"), ("リーダー", "manager"),
        ("社長室長", "manager"),
        ("主任", "staff"), ("担当", "staff"), ("担当者", "staff"), ("スタッフ", "staff"), ("一般", "staff"),
        ("メンバー", "staff"), ("Staff", "staff"), ("アシスタント", "staff"),
        ("Assistant Manager", "manager"),
        ("営業部", None), ("エンジニア", None),
        ("社長秘書", None), ("Account Executive", None), ("Cisco担当", "staff"),
    ],
)  # fmt: skip
def test_level_from_title(title: str, code: str | None) -> None:
    assert n.level_from_title(title) == code


# ---------------------------------------------------------------------------------- choice

ORIENTATION = {
    "quantity": "quantity", "量": "quantity", "量重視": "quantity", "quality": "quality", "質": "quality",
}  # fmt: skip


@pytest.mark.parametrize(
    ("raw", "code"),
    [("quantity", "quantity"), ("Quantity", "quantity"), (" QUALITY ", "quality"), ("量", "quantity"),
     ("量 重視", "quantity"), ("量\u3000重視", "quantity"), ("質", "quality")],
)  # fmt: skip
def test_choice(raw: str, code: str) -> None:
    assert n.choice(raw, ORIENTATION) == code


def test_choice_accepts_codes_and_raw_keys_that_are_not_normalised() -> None:
    mapping = {"IS通話": "call", "電話": "call", "商談記録": "MeetingNote"}
    assert n.choice("IS通話", mapping) == "call"
    assert n.choice("MeetingNote", mapping) == "MeetingNote"


def test_choice_unknown_lists_the_codes() -> None:
    err = raises_code("VALUE_CHOICE_UNKNOWN", n.choice, "中くらい", ORIENTATION)
    assert err.params == {"value": "中くらい", "choices": "quality, quantity"}


def test_choice_key() -> None:
    assert n.choice_key(" Ｑｕａｎｔｉｔｙ　重視 ") == "quantity重視"
