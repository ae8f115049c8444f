"""Normalise and validate one imported cell: text, names, 法人番号, phones, dates, numbers, choices.

Every function takes the raw cell (a stripped ``str`` from CSV, or ``int``/``float``/``date``/
``datetime``/``bool`` from XLSX) and returns the normalised value, or ``None`` for an empty cell
(``None``, ``""``, or a pandas-style NaN).  Bad input raises :class:`TenbinError` with a
``VALUE_*`` code and at least ``{"value": raw}``; the importer adds the row and column.

These run on every cell of million-row imports, so they are pure, use precompiled regexes, try a
fast path for values that are already clean, and cache results for low-cardinality columns
(prefecture, industry, listing, level, title, yes/no).
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import math
import re
import unicodedata
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import TypeAlias, TypeVar

from tenbin.errors import ErrorCode, TenbinError
from tenbin.imports import refdata
from tenbin.imports.refdata import Band

Cell: TypeAlias = str | int | float | dt.date | None
_D = TypeVar("_D", dt.date, dt.datetime)

_DATE_EXAMPLES_EN = "2025/4/1, 2025-04-01, 2025年4月1日 or 令和7年4月1日"
_DATE_EXAMPLES_JA = "2025/4/1、2025-04-01、2025年4月1日、令和7年4月1日"

VALUE_TOO_LONG = ErrorCode(
    "VALUE_TOO_LONG",
    en="Text too long ({length} characters): {value}. Shorten it to at most {max} characters.",
    ja="文字数が多すぎます({length}文字): {value}。{max}文字以内に短くしてください。",
)
VALUE_COMPANY_NAME_EMPTY = ErrorCode(
    "VALUE_COMPANY_NAME_EMPTY",
    en="The company name {value} is only a legal form such as 株式会社 or Inc. "
    "Enter the name itself, e.g. 株式会社東洋精機.",
    ja="会社名 {value} が法人格(株式会社・Inc. など)だけになっています。"
    "株式会社東洋精機 のように、法人格だけでなく社名そのものを入力してください。",
)
VALUE_CORPORATE_NUMBER_FORMAT = ErrorCode(
    "VALUE_CORPORATE_NUMBER_FORMAT",
    en="Not a corporate number (法人番号): {value}. Enter its 13 digits, e.g. 7000012050002 (a leading T "
    "of an invoice number is fine). If it shows as 7.00001E+12, Excel rounded it: format the column as "
    "text and copy the number again from the source.",
    ja="法人番号として読めません: {value}。7000012050002 のように13桁の数字で入力してください"
    "(インボイス登録番号の先頭の T は付いていても構いません)。7.00001E+12 のような指数表記の場合は Excel が"
    "桁を丸めています。列の書式を文字列にして、元のデータから入れ直してください。",
)
VALUE_CORPORATE_NUMBER_CHECK_DIGIT = ErrorCode(
    "VALUE_CORPORATE_NUMBER_CHECK_DIGIT",
    en="The corporate number (法人番号) {value} fails its check: for these last 12 digits the first digit "
    "must be {expected}. Look the number up on the National Tax Agency corporate number site.",
    ja="法人番号 {value} のチェックデジットが合いません。"
    "後ろ12桁からは先頭の数字が {expected} になるはずです。"
    "国税庁法人番号公表サイトで番号を確認してください。",
)
VALUE_PHONE_FORMAT = ErrorCode(
    "VALUE_PHONE_FORMAT",
    en="Not a Japanese phone number: {value}. Enter 10 or 11 digits, with or without hyphens, "
    "e.g. 03-1234-5678, 090-1234-5678, 0120-123-456 or +81 3-1234-5678.",
    ja="電話番号として読めません: {value}。03-1234-5678、090-1234-5678、0120-123-456、+81 3-1234-5678 の"
    "ように10桁または11桁で入力してください(ハイフンはあってもなくても構いません)。",
)
VALUE_POSTAL_FORMAT = ErrorCode(
    "VALUE_POSTAL_FORMAT",
    en="Not a postal code: {value}. Enter 7 digits such as 100-0001, 1000001 or 〒100-0001.",
    ja="郵便番号として読めません: {value}。100-0001、1000001、〒100-0001 のように7桁で入力してください。",
)
VALUE_PREFECTURE_UNKNOWN = ErrorCode(
    "VALUE_PREFECTURE_UNKNOWN",
    en="Unknown prefecture: {value}. Use a prefecture name (東京都, 東京 or Tokyo) or its JIS code 01–47.",
    ja="都道府県として読めません: {value}。東京都・東京・Tokyo のような都道府県名か、JIS コード(01〜47)を"
    "入力してください。",
)
VALUE_NUMBER_FORMAT = ErrorCode(
    "VALUE_NUMBER_FORMAT",
    en="Not a number: {value}. Enter a number such as 1200, 1,200, 1.2万, 約300人 or 12.5% "
    "(counts must be whole numbers).",
    ja="数値として読めません: {value}。1200、1,200、1.2万、約300人、12.5% のように入力してください"
    "(人数・件数は整数で)。",
)
VALUE_NEGATIVE = ErrorCode(
    "VALUE_NEGATIVE",
    en="Too small: {value}. Enter {minimum} or more.",
    ja="値が小さすぎます: {value}。{minimum} 以上を入力してください。",
)
VALUE_MONEY_FORMAT = ErrorCode(
    "VALUE_MONEY_FORMAT",
    en="Not an amount in yen: {value}. Enter whole yen such as 1200000, ¥1,200,000, 120万円, 1.5億, "
    "3億5000万円 or 1,000千円; write negatives as -1000, △1000 or (1,000).",
    ja="金額(円)として読めません: {value}。1200000、¥1,200,000、120万円、1.5億、3億5000万円、1,000千円 の"
    "ように円単位の整数で入力してください。マイナスは -1000、△1000、(1,000) と書けます。",
)
VALUE_BOOL_FORMAT = ErrorCode(
    "VALUE_BOOL_FORMAT",
    en="Not a yes/no value: {value}. Use TRUE/FALSE, 1/0, yes/no, はい/いいえ, ○/×, あり/なし or 済/未.",
    ja="はい/いいえとして読めません: {value}。TRUE/FALSE、1/0、yes/no、はい/いいえ、○/×、あり/なし、済/未 の"
    "いずれかを入力してください。",
)
VALUE_EMAIL_FORMAT = ErrorCode(
    "VALUE_EMAIL_FORMAT",
    en="Not an email address: {value}. Enter one address such as taro@example.co.jp, without spaces.",
    ja="メールアドレスとして読めません: {value}。taro@example.co.jp のように、空白を含まない1件のアドレスを"
    "入力してください。",
)
VALUE_DOMAIN_FORMAT = ErrorCode(
    "VALUE_DOMAIN_FORMAT",
    en="Not a web domain or URL: {value}. Enter e.g. example.co.jp or https://www.example.co.jp/.",
    ja="ドメインまたは URL として読めません: {value}。example.co.jp や https://www.example.co.jp/ のように"
    "入力してください。",
)
VALUE_LISTING_UNKNOWN = ErrorCode(
    "VALUE_LISTING_UNKNOWN",
    en="Unknown listing: {value}. Use one of: {choices}.",
    ja="上場区分として読めません: {value}。次のいずれかを入力してください: {choices}。",
)
VALUE_CHOICE_UNKNOWN = ErrorCode(
    "VALUE_CHOICE_UNKNOWN",
    en="Unknown value: {value}. Use one of: {choices}.",
    ja="選択肢にない値です: {value}。次のいずれかを入力してください: {choices}。",
)
VALUE_DATE_FORMAT = ErrorCode(
    "VALUE_DATE_FORMAT",
    en=f"Not a date: {{value}}. Use a date such as {_DATE_EXAMPLES_EN}. If it shows a number such as "
    "45748, format the Excel column as a date.",
    ja=f"日付として読めません: {{value}}。{_DATE_EXAMPLES_JA} のように入力してください。45748 のような数値に"
    "なっている場合は、Excel で列の書式を日付にしてください。",
)
VALUE_DATETIME_FORMAT = ErrorCode(
    "VALUE_DATETIME_FORMAT",
    en="Not a date and time: {value}. Use e.g. 2025/4/1 10:23, 2025-04-01T10:23:00+09:00 or "
    "2025年4月1日 10時23分 (a date alone means midnight). If it shows a number such as 45748.43, "
    "format the Excel column as a date.",
    ja="日時として読めません: {value}。2025/4/1 10:23、2025-04-01T10:23:00+09:00、2025年4月1日 10時23分 の"
    "ように入力してください(日付だけなら0時)。45748.43 のような数値になっている場合は、Excel で列の書式を"
    "日付にしてください。",
)
VALUE_DATE_IMPOSSIBLE = ErrorCode(
    "VALUE_DATE_IMPOSSIBLE",
    en="No such date or time: {value}. Check the month (1–12), the day (it must exist in that month), "
    "the era year (元年 or 1 and up) and the time (00:00–23:59).",
    ja="存在しない日付・時刻です: {value}。月(1〜12)、日(その月にある日)、和暦の年(元年または1以上)、"
    "時刻(00:00〜23:59)を確認してください。",
)


def _fail(error: ErrorCode, raw: object, **extra: object) -> TenbinError:
    return TenbinError(error, {"value": raw, **extra})


def _is_blank(s: object) -> bool:
    return s is None or s == "" or (type(s) is float and math.isnan(s))


def _nfkc(t: str) -> str:
    return t if t.isascii() else unicodedata.normalize("NFKC", t)


def _text(s: Cell) -> str | None:
    """The cell as a string (XLSX numbers, booleans and dates as Excel shows them); None if blank."""
    if isinstance(s, str) or s is None:
        return s or None
    if isinstance(s, bool):
        return "TRUE" if s else "FALSE"
    if isinstance(s, int):
        return str(s)
    if isinstance(s, float):
        if math.isnan(s):
            return None
        return str(int(s)) if s.is_integer() else repr(s)
    return s.isoformat(sep=" ") if isinstance(s, dt.datetime) else s.isoformat()


def _str_or_fail(s: Cell, error: ErrorCode) -> str | None:
    """NFKC-stripped text of a cell that must be text; None if blank, error for numbers/dates."""
    if _is_blank(s):
        return None
    if not isinstance(s, str):
        raise _fail(error, s)
    return _nfkc(s).strip() or None


# ---------------------------------------------------------------------------------------- text

_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\u200b\u2060\ufeff]")
_FREE_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b\u2060\ufeff]")
_WHITESPACE = re.compile(r"\s+")


def nfkc_text(s: Cell) -> str | None:
    """NFKC, strip, collapse whitespace runs (incl. U+3000, newlines, tabs) to one space, drop controls."""
    t = _text(s)
    if t is None:
        return None
    t = _nfkc(t)
    # isprintable() is False for controls, format characters and every whitespace but " ".
    if not t.isprintable() or "  " in t:
        t = _WHITESPACE.sub(" ", _CONTROL.sub("", t))
    return t.strip() or None


def free_text(s: Cell, max_len: int) -> str | None:
    """Long free text (notes): keeps newlines (CRLF/CR → LF), NFKC, strip; VALUE_TOO_LONG past max_len."""
    t = _text(s)
    if t is None:
        return None
    t = _FREE_CONTROL.sub("", _nfkc(t.replace("\r\n", "\n").replace("\r", "\n"))).strip()
    if len(t) > max_len:
        preview = t[:40].replace("\n", " ") + ("…" if len(t) > 40 else "")
        raise TenbinError(VALUE_TOO_LONG, {"value": preview, "length": len(t), "max": max_len})
    return t or None


# ------------------------------------------------------------------------------- company names

_JA_LEGAL_FORMS = (
    "株式会社", "有限会社", "合同会社", "合資会社", "合名会社", "一般社団法人", "一般財団法人",
    "公益社団法人", "公益財団法人", "社会福祉法人", "医療法人社団", "医療法人財団", "医療法人",
    "学校法人", "特定非営利活動法人", "NPO法人", "独立行政法人", "国立大学法人",
)  # fmt: skip
# Abbreviations written in parentheses: (株) is also ㈱ and （株） after NFKC.
_PAREN_LEGAL_FORMS = (
    "株", "有", "同", "資", "名", "一社", "一財", "公社", "公財", "社", "財", "福", "医", "学",
)  # fmt: skip
_EN_LEGAL_FORMS = (
    r"co\.?\s*,?\s*ltd\.?|inc\.?|incorporated|corporation|corp\.|k\.\s*k\.?|kk|ltd\.?|limited|llc"
    r"|g\.\s*k\.?|co\."
)
_JA_FORM = "|".join(
    [
        *sorted(_JA_LEGAL_FORMS, key=len, reverse=True),
        r"\(\s*(?:" + "|".join(sorted(_PAREN_LEGAL_FORMS, key=len, reverse=True)) + r")\s*\)",
    ]
)
_LEGAL_PREFIX = re.compile(rf"^(?:{_JA_FORM})[\s,]*", re.I)
_LEGAL_SUFFIX = re.compile(rf"(?:[\s,]*(?:{_JA_FORM})|(?:^|[\s,]+)(?:{_EN_LEGAL_FORMS}))$", re.I)
_KEY_DROP = re.compile(r"[\s・·]")
# Cheap guards: most names carry no legal form at a given end, so the regex is skipped.
_LEGAL_FIRST = frozenset({*(form.casefold()[0] for form in _JA_LEGAL_FORMS), "("})
_LEGAL_LAST = frozenset("社人団).cdkn")


def company_name(s: Cell) -> tuple[str, str] | None:
    """(display name, match key).  The key drops 前株/後株 legal forms, spaces and ・, casefolded."""
    display = nfkc_text(s)
    if display is None:
        return None
    key = _strip_legal_forms(display.casefold())
    if not key.isalnum():
        key = _KEY_DROP.sub("", key)
    if not key:
        raise _fail(VALUE_COMPANY_NAME_EMPTY, s)
    return display, key


def _strip_legal_forms(name: str) -> str:
    for _ in range(4):  # "株式会社 X (株)"-style doubles; bounded, never loops forever
        before = name
        if name[:1] in _LEGAL_FIRST and (prefix := _LEGAL_PREFIX.match(name)) is not None:
            name = name[prefix.end() :]
        if name[-1:] in _LEGAL_LAST and (suffix := _LEGAL_SUFFIX.search(name)) is not None:
            name = name[: suffix.start()]
        if name == before:
            break
    return name


# ---------------------------------------------------------------------------- corporate number

_SCIENTIFIC = re.compile(r"[+-]?\d+(?:\.\d*)?e[+-]?\d+", re.I | re.A)
_CORP_SEPARATORS = re.compile(r"[\s\-‐‑–—―−ー]")


def corporate_number_check_digit(base12: str) -> int:
    """Check digit of a 法人番号 base: 9 − (Σ P_n·Q_n mod 9), P_n from the right, Q_n = 1 odd / 2 even."""
    if len(base12) != 12 or not (base12.isascii() and base12.isdigit()):
        raise ValueError(f"base must be 12 ASCII digits, got {base12!r}")
    return _check_digit(base12)


def _check_digit(base12: str) -> int:
    # Σ P_n·Q_n = Σ all digits + Σ even-position digits, and a digit sum is ≡ the number (mod 9).
    return 9 - (int(base12) + int(base12[-2::-2])) % 9


def corporate_number(s: Cell) -> str | None:
    """A validated 13-digit 法人番号 (full-width, hyphens, a leading T and Excel ints accepted)."""
    if type(s) is str and len(s) == 13 and s.isascii() and s.isdigit():
        digits = s
    else:
        parsed = _corporate_digits(s)
        if parsed is None:
            return None
        digits = parsed
    expected = _check_digit(digits[1:])
    if int(digits[0]) != expected:
        raise _fail(VALUE_CORPORATE_NUMBER_CHECK_DIGIT, s, expected=expected)
    return digits


def _corporate_digits(s: Cell) -> str | None:
    if _is_blank(s):
        return None
    if isinstance(s, float) and s.is_integer():
        s = int(s)
    if isinstance(s, int) and not isinstance(s, bool):
        t = str(s)
    elif isinstance(s, str):
        t = _nfkc(s).strip().upper()
        if _SCIENTIFIC.fullmatch(t):  # Excel showed it as 7.00001E+12: the digits are gone
            raise _fail(VALUE_CORPORATE_NUMBER_FORMAT, s)
        if not t:
            return None
        t = _CORP_SEPARATORS.sub("", t.removeprefix("T")).removesuffix(".0")
    else:
        raise _fail(VALUE_CORPORATE_NUMBER_FORMAT, s)
    if len(t) != 13 or not (t.isascii() and t.isdigit()):
        raise _fail(VALUE_CORPORATE_NUMBER_FORMAT, s)
    return t


# ------------------------------------------------------------------------------ phone, postal

_PHONE_OK = re.compile(r"0[1-9]\d{8}|0[5789]0\d{8}", re.A)
_PHONE_LABEL = re.compile(r"^(?:tel|phone|電話番号|電話|携帯|mobile)\s*[:.]?\s*", re.I)
_PHONE_EXTENSION = re.compile(r"[\s(]*(?:内線|ext\.?|x|#)\s*[:.]?\s*\d{1,6}\s*\)?$", re.I | re.A)
_PHONE_INTERNATIONAL = re.compile(r"(?:\+\s*81|81(?=[\s\-(]))[\s\-]*(?:\(0\)[\s\-]*)?", re.A)
_PHONE_SEPARATORS = re.compile(r"[\s\-‐‑–—―−ー().]")
_PHONE_HYPHENATED = re.compile(r"0\d{1,4}-\d{1,4}-\d{3,4}", re.A)
_MOBILE_NO_ZERO = ("90", "80", "70", "50")


def phone(s: Cell) -> str | None:
    """Japanese phone number as digits ("0312345678"); restores the leading 0 Excel drops."""
    if type(s) is str:
        if _PHONE_OK.fullmatch(s):
            return s
        if _PHONE_HYPHENATED.fullmatch(s):
            plain = s.replace("-", "")
            if _PHONE_OK.fullmatch(plain):
                return plain
    parsed, international = _phone_digits(s)
    if parsed is None:
        return None
    digits = parsed
    if not digits.startswith("0") and (
        international or len(digits) == 9 or (len(digits) == 10 and digits[:2] in _MOBILE_NO_ZERO)
    ):
        digits = "0" + digits
    if _PHONE_OK.fullmatch(digits) is None:
        raise _fail(VALUE_PHONE_FORMAT, s)
    return digits


def _phone_digits(s: Cell) -> tuple[str | None, bool]:
    if isinstance(s, float) and s.is_integer():
        s = int(s)
    if isinstance(s, int) and not isinstance(s, bool):
        return str(s), False
    t = _str_or_fail(s, VALUE_PHONE_FORMAT)
    if t is None:
        return None, False
    t = _PHONE_EXTENSION.sub("", _PHONE_LABEL.sub("", t, count=1), count=1)
    international = _PHONE_INTERNATIONAL.match(t)
    if international is not None:
        t = t[international.end() :]
    digits = _PHONE_SEPARATORS.sub("", t)
    if not (digits.isascii() and digits.isdigit()):
        raise _fail(VALUE_PHONE_FORMAT, s)
    return digits, international is not None


_POSTAL_OK = re.compile(r"\d{3}-\d{4}", re.A)
_POSTAL_HYPHENATED = re.compile(r"(\d{3})\s*[\-‐‑–—―−ー]\s*(\d{4})", re.A)
_POSTAL_LABEL = re.compile(r"^(?:〒|郵便番号)\s*[:.]?\s*")


def postal_code(s: Cell) -> str | None:
    """Postal code as "NNN-NNNN" from 〒, full-width, unhyphenated or Excel-shortened (600001) input."""
    if type(s) is str and len(s) == 8 and _POSTAL_OK.fullmatch(s):
        return s
    if type(s) is str and len(s) == 7 and s.isascii() and s.isdigit():
        return f"{s[:3]}-{s[3:]}"
    if isinstance(s, float) and s.is_integer():
        s = int(s)
    if isinstance(s, int) and not isinstance(s, bool):
        t = str(s)
    else:
        text = _str_or_fail(s, VALUE_POSTAL_FORMAT)
        if text is None:
            return None
        t = _POSTAL_LABEL.sub("", text, count=1)
        hyphenated = _POSTAL_HYPHENATED.fullmatch(t)
        if hyphenated is not None:
            return f"{hyphenated[1]}-{hyphenated[2]}"
    if not (5 <= len(t) <= 7 and t.isascii() and t.isdigit()):
        raise _fail(VALUE_POSTAL_FORMAT, s)
    t = t.zfill(7)
    return f"{t[:3]}-{t[3:]}"


# --------------------------------------------------------------------------------- prefecture

_MACRONS = str.maketrans("āâīîūûēêōô", "aaiiuueeoo")
_PREF_KEY_DROP = re.compile(r"[\s\-_.]")


def _pref_key(t: str) -> str:
    return _PREF_KEY_DROP.sub("", _nfkc(t).casefold().translate(_MACRONS))


def _prefecture_tables() -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """(lookup by normalised key, full Japanese name → code, name without 都/府/県 → code)."""
    lookup: dict[str, str] = {}
    full: dict[str, str] = {}
    short: dict[str, str] = {}
    romaji_suffix = {"都": "to", "府": "fu", "県": "ken", "道": ""}
    for code, ja, en in refdata.PREFECTURES:
        full[ja] = code
        if ja[-1] in "都府県":
            short[ja[:-1]] = code
        suffix = romaji_suffix[ja[-1]]
        for key in (code, str(int(code)), ja, ja[:-1] if suffix != "" else ja, en, en + suffix):
            lookup[_pref_key(key)] = code
        lookup[_pref_key(en + " prefecture")] = code
    for variant, code in refdata.PREFECTURE_ROMAJI_VARIANTS.items():
        lookup[variant] = code
        lookup[variant + romaji_suffix[refdata.PREFECTURES[int(code) - 1][1][-1]]] = code
    lookup["tokyometropolis"] = "13"
    return lookup, full, short


_PREF_LOOKUP, _PREF_FULL, _PREF_SHORT = _prefecture_tables()
_PREF_EXACT: dict[str, str] = {**_PREF_FULL, **_PREF_SHORT}
_PREF_EXACT.update({code: code for code, _, _ in refdata.PREFECTURES})
_PREF_EXACT.update({en: code for code, _, en in refdata.PREFECTURES})


def prefecture(s: Cell) -> str | None:
    """JIS code "01"–"47" from a code (int or str), a name with or without 都/府/県, or romaji."""
    if type(s) is str:
        code = _PREF_EXACT.get(s)
        if code is not None:
            return code
    return _prefecture_cached(s)


@functools.lru_cache(maxsize=1024, typed=True)
def _prefecture_cached(s: Cell) -> str | None:
    if _is_blank(s):
        return None
    if isinstance(s, float) and s.is_integer():
        s = int(s)
    if isinstance(s, int) and not isinstance(s, bool):
        if 1 <= s <= 47:
            return f"{s:02d}"
        raise _fail(VALUE_PREFECTURE_UNKNOWN, s)
    code = _PREF_LOOKUP.get(_pref_key(s)) if isinstance(s, str) else None
    if code is None:
        if isinstance(s, str) and not _nfkc(s).strip():
            return None
        raise _fail(VALUE_PREFECTURE_UNKNOWN, s)
    return code


_ADDRESS_POSTAL = re.compile(r"^〒?\s*\d{3}-?\d{4}\s*", re.A)


def prefecture_from_address(addr: Cell) -> str | None:
    """JIS code of the prefecture an address starts with ("東京都港区…", "東京 港区…"), else None."""
    t = nfkc_text(addr)
    if t is None:
        return None
    t = _ADDRESS_POSTAL.sub("", t, count=1)
    code = _PREF_FULL.get(t[:3]) or _PREF_FULL.get(t[:4])
    if code is not None:
        return code
    for n in (2, 3):
        code = _PREF_SHORT.get(t[:n])
        # Without 都/府/県 only trust a name followed by a space or by 市 (京都市, 大阪市): 石川郡
        # is in 福島県, so "石川" followed by anything else proves nothing.
        if code is not None and (len(t) == n or t[n] in " 市"):
            return code
    return None


# ------------------------------------------------------------------------------------ industry

_JSIC_KEY_DROP = re.compile(r"[\s,、・/&\-_.]")
_JSIC_LETTER_AND_NAME = re.compile(r"([A-Ta-t])\s*[:.)\s]\s*(.+)")


def _jsic_key(t: str) -> str:
    return _JSIC_KEY_DROP.sub("", _nfkc(t).casefold())


def _jsic_table() -> dict[str, str]:
    table = {_jsic_key(syn): letter for syn, letter in refdata.JSIC_SYNONYMS.items()}
    table[_jsic_key("サービス業")] = "R"
    for letter, (ja, en) in refdata.JSIC.items():
        table[_jsic_key(letter)] = letter
        table[_jsic_key(ja)] = letter
        table[_jsic_key(en)] = letter
    return table


_JSIC_LOOKUP = _jsic_table()


def jsic(s: Cell) -> tuple[str | None, str] | None:
    """(JSIC 大分類 letter or None, NFKC text).  Unknown industries are kept as text, not errors."""
    return _jsic_cached(s)


@functools.lru_cache(maxsize=4096, typed=True)
def _jsic_cached(s: Cell) -> tuple[str | None, str] | None:
    text = nfkc_text(s)
    if text is None:
        return None
    letter = _jsic_lookup(text)
    if letter is None:
        prefixed = _JSIC_LETTER_AND_NAME.fullmatch(text)  # "E 製造業", "E: 製造業"
        if prefixed is not None and _jsic_lookup(prefixed[2]) == prefixed[1].upper():
            letter = prefixed[1].upper()
    return letter, text


def _jsic_lookup(text: str) -> str | None:
    key = _jsic_key(text)
    for candidate in (key, key.removesuffix("業界"), key.removesuffix("業"), key.removesuffix("関連")):
        letter = _JSIC_LOOKUP.get(candidate)
        if letter is not None:
            return letter
    return None


# ------------------------------------------------------------------------------- dates, times

_JST = dt.timezone(dt.timedelta(hours=9), "JST")
_ERA_START = {"明治": 1868, "大正": 1912, "昭和": 1926, "平成": 1989, "令和": 2019}
_ERA_START.update({"M": 1868, "T": 1912, "S": 1926, "H": 1989, "R": 2019})
_ERA = r"(?P<era>明治|大正|昭和|平成|令和|[MTSHRmtshr])\s*(?P<y>元|\d{1,2})\s*"
_DATE_FORMS = (
    re.compile(r"(?P<y>\d{4})(?P<sep>[-/.])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})(?!\d)", re.A),
    re.compile(r"(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日", re.A),
    re.compile(r"(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})(?!\d)", re.A),
    re.compile(_ERA + r"年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日", re.A),
    re.compile(_ERA + r"(?P<sep>[-/.])\s*(?P<m>\d{1,2})\s*(?P=sep)\s*(?P<d>\d{1,2})(?!\d)", re.A),
)
_WEEKDAY = re.compile(r"\s*\((?:月|火|水|木|金|土|日)(?:曜日?)?\)")  # 2025/4/1(火)
_CLOCK = re.compile(
    r"(?:T\s*)?(?:(?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2})(?:\.(?P<f>\d{1,9}))?)?"
    r"|(?P<hk>\d{1,2})\s*時(?:\s*(?P<mk>\d{1,2})\s*分(?:\s*(?P<sk>\d{1,2})\s*秒)?)?)"
    r"\s*(?P<tz>Z|[+-]\d{2}(?::?\d{2})?)?",
    re.A | re.I,
)
_FAST_DATE = re.compile(r"(\d{4})([/-])(\d{1,2})\2(\d{1,2})", re.A)
_FAST_DATETIME = re.compile(r"(\d{4})([/-])(\d{1,2})\2(\d{1,2})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?", re.A)


def parse_date(s: Cell) -> dt.date | None:
    """A date from western, 和暦 (令和7年4月1日, R7.4.1) or compact forms; a trailing time is ignored."""
    if type(s) is str:
        if len(s) == 10 and s[4] == "-" and s[7] == "-":
            iso = _iso_or_none(dt.date.fromisoformat, s)
            if iso is not None:
                return iso
        return _parse_date_str(s)
    if isinstance(s, dt.datetime):
        return s.date()
    if isinstance(s, dt.date):
        return s
    return _parse_date_cell(s)


@functools.lru_cache(maxsize=8192)  # a date column repeats a few thousand distinct strings
def _parse_date_str(s: str) -> dt.date | None:
    fast = _FAST_DATE.fullmatch(s)
    if fast is not None:
        year, _, month, day = fast.groups()
        return _make_date(int(year), int(month), int(day), s)
    return _parse_date_cell(s)


def _parse_date_cell(s: Cell) -> dt.date | None:
    parsed = _parse_date_text(s, VALUE_DATE_FORMAT)
    if parsed is None:
        return None
    if parsed[1] is not None:
        _clock(parsed[1], s)  # the time is dropped, but "25:00" still means the cell is wrong
    return parsed[0]


def _iso_or_none(parse: Callable[[str], _D], s: str) -> _D | None:
    """ISO 8601 fast path (C parser); None lets the full parser name the problem ("2025-02-30")."""
    try:
        return parse(s)
    except ValueError:
        return None


def _japan_naive(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:
        return moment
    japan = moment.astimezone(_JST)
    return dt.datetime.combine(japan.date(), japan.time())  # 4x faster than .replace(tzinfo=None)


def parse_datetime(s: Cell) -> dt.datetime | None:
    """A naive Japan-time datetime: offsets (Z, +00:00) are converted to UTC+9; a bare date is midnight."""
    if type(s) is str:
        if len(s) >= 16 and s[4] == "-" and s[10] in "T ":
            iso_moment = _iso_or_none(dt.datetime.fromisoformat, s)
            if iso_moment is not None:
                return _japan_naive(iso_moment)
        fast = _FAST_DATETIME.fullmatch(s)
        if fast is not None:
            try:
                y, mo, d, h, mi, sec = (int(fast[i] or 0) for i in (1, 3, 4, 5, 6, 7))
                return dt.datetime(y, mo, d, h, mi, sec)
            except ValueError:
                raise _fail(VALUE_DATE_IMPOSSIBLE, s) from None
    elif isinstance(s, dt.datetime):
        return _japan_naive(s)
    elif isinstance(s, dt.date):
        return dt.datetime.combine(s, dt.time())
    parsed = _parse_date_text(s, VALUE_DATETIME_FORMAT)
    if parsed is None:
        return None
    day, clock_match = parsed
    if clock_match is None:
        return dt.datetime.combine(day, dt.time())
    clock, zone = _clock(clock_match, s)
    return _japan_naive(dt.datetime.combine(day, clock, zone))


def _make_date(year: int, month: int, day: int, raw: object) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise _fail(VALUE_DATE_IMPOSSIBLE, raw) from None


def _parse_date_text(s: Cell, error: ErrorCode) -> tuple[dt.date, re.Match[str] | None] | None:
    """(date, match of the trailing time or None).  Numbers (Excel serials) are format errors."""
    t = _str_or_fail(s, error)
    if t is None:
        return None
    for form in _DATE_FORMS:
        found = form.match(t)
        if found is not None:
            break
    else:
        raise _fail(error, s)
    day = _make_date(_year(found, s), int(found["m"]), int(found["d"]), s)
    rest = t[found.end() :]
    weekday = _WEEKDAY.match(rest)
    rest = rest[weekday.end() :].strip() if weekday is not None else rest.strip()
    if not rest:
        return day, None
    clock = _CLOCK.fullmatch(rest)
    if clock is None:
        raise _fail(error, s)
    return day, clock


def _year(found: re.Match[str], raw: object) -> int:
    era = found.groupdict().get("era")
    if era is None:
        return int(found["y"])
    year_in_era = 1 if found["y"] == "元" else int(found["y"])
    if year_in_era == 0:
        raise _fail(VALUE_DATE_IMPOSSIBLE, raw)
    return _ERA_START[era.upper()] + year_in_era - 1


def _clock(found: re.Match[str], raw: object) -> tuple[dt.time, dt.tzinfo | None]:
    hour = int(found["h"] or found["hk"])
    minute = int(found["mi"] or found["mk"] or 0)
    second = int(found["s"] or found["sk"] or 0)
    micro = int((found["f"] or "0")[:6].ljust(6, "0"))
    zone = found["tz"]
    try:
        clock = dt.time(hour, minute, second, micro)
        if zone is None:
            return clock, None
        if zone.upper() == "Z":
            return clock, dt.UTC
        hours, minutes = int(zone[1:3]), int(zone[3:].lstrip(":") or 0)
        offset = dt.timedelta(hours=hours, minutes=minutes)
        return clock, dt.timezone(-offset if zone[0] == "-" else offset)
    except ValueError:
        raise _fail(VALUE_DATE_IMPOSSIBLE, raw) from None


# ------------------------------------------------------------------------------------ numbers

_NUM = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
_UNITS = "兆|億|万|千|百"
_AMOUNT_TOKEN = re.compile(rf"({_NUM})?({_UNITS})|({_NUM})$", re.A)
_LARGE_UNITS = {"兆": 10**12, "億": 10**8, "万": 10**4}
_SMALL_UNITS = {"千": 1000, "百": 100}
_NUMBER_PREFIX = re.compile(r"^(?:約|およそ|ca\.|approx\.?)\s*", re.I)
_COUNT_UNIT = re.compile(r"\s*(?:人|名|社|件|個)$")
_PLAIN_DECIMAL = re.compile(r"-?\d+(?:\.\d+)?", re.A)
_PLAIN_INT = re.compile(r"-?(?:\d{1,3}(?:,\d{3})+|\d+)", re.A)
_UNSIGNED_INT = re.compile(r"\d{1,3}(?:,\d{3})+|\d+", re.A)
_EXPONENT = re.compile(r"[+-]?\d+(?:\.\d+)?e[+-]?\d+", re.I | re.A)
_MONEY = re.compile(  # ¥ can arrive as "\\": 0x5C is the yen sign in Shift-JIS
    r"(?P<sign>[-△▲−])?\s*(?:¥|\\|jpy)?\s*(?P<sign2>[-△▲−])?\s*(?P<num>.+?)\s*(?:円|jpy)?", re.I
)
_MAX_NUMBER_TEXT = 64  # longer "numbers" are rejected before any regex work


def _amount(t: str) -> Decimal | None:
    """Value of "1,200", "1.2万", "3億5000万", "5千万", "1,200百万"; None when it is not a number."""
    if _UNSIGNED_INT.fullmatch(t):
        return Decimal(int(t.replace(",", "")))
    if not t or len(t) > _MAX_NUMBER_TEXT:
        return None
    total = section = Decimal(0)
    previous_large = 10**16
    position = 0
    for token in _AMOUNT_TOKEN.finditer(t):
        if token.start() != position:
            return None  # something between two numbers: not an amount
        position = token.end()
        digits, unit = token[1] or token[3], token[2]
        number = Decimal(digits.replace(",", "")) if digits else None
        if unit is None or unit in _SMALL_UNITS:
            if number is None:
                return None
            section += number * (_SMALL_UNITS[unit] if unit else 1)
            continue
        factor = _LARGE_UNITS[unit]
        if factor >= previous_large or (number is None and not section):
            return None  # "5万3億", "万"
        total += (section + (number or 0)) * factor
        section, previous_large = Decimal(0), factor
    return total + section if position == len(t) else None


def _signed_amount(t: str) -> Decimal | None:
    sign = t[:1]
    if sign in ("+", "-", "−"):
        t = t[1:].lstrip()
    value = _amount(t)
    return -value if value is not None and sign in ("-", "−") else value


def _number_text(s: Cell) -> str | None:
    """Text of a count or measure with 約/およそ and a trailing 人/名/社/件/個 removed."""
    t = _str_or_fail(s, VALUE_NUMBER_FORMAT)
    if t is None:
        return None
    return _COUNT_UNIT.sub("", _NUMBER_PREFIX.sub("", t, count=1), count=1)


def _whole(f: float, raw: object, error: ErrorCode) -> int:
    """An integral float from Excel (tolerating binary rounding noise) as int."""
    if math.isfinite(f):
        nearest = round(f)
        if abs(f - nearest) < 1e-6:
            return nearest
    raise _fail(error, raw)


def _check_minimum(n: int, minimum: int | None, raw: object) -> int:
    if minimum is not None and n < minimum:
        raise _fail(VALUE_NEGATIVE, raw, minimum=minimum)
    return n


def parse_int(s: Cell, *, minimum: int | None = None) -> int | None:
    """A whole number: "1,200", "１２００", "約300人", "1.2万" → 12000, 1200.0 from Excel."""
    if type(s) is str and ((s.isdigit() and s.isascii()) or _PLAIN_INT.fullmatch(s)):
        return _check_minimum(int(s.replace(",", "")), minimum, s)
    if _is_blank(s):
        return None
    if isinstance(s, float):
        return _check_minimum(_whole(s, s, VALUE_NUMBER_FORMAT), minimum, s)
    if isinstance(s, int) and not isinstance(s, bool):
        return _check_minimum(s, minimum, s)
    t = _number_text(s)
    if t is None:
        return None
    value = _signed_amount(t)
    if value is None or value != value.to_integral_value():
        raise _fail(VALUE_NUMBER_FORMAT, s)
    return _check_minimum(int(value), minimum, s)


def parse_number(s: Cell) -> float | None:
    """A decimal number: "1,234.5", "12.5%" → 12.5, "1.2万", "1.5e3"."""
    if type(s) is str and _PLAIN_DECIMAL.fullmatch(s):
        return float(s)
    if _is_blank(s):
        return None
    if isinstance(s, int | float) and not isinstance(s, bool):
        if not math.isfinite(s):
            raise _fail(VALUE_NUMBER_FORMAT, s)
        return float(s)
    t = _number_text(s)
    if t is None:
        return None
    t = t.removesuffix("%").rstrip()
    value = _signed_amount(t)
    if value is None and _EXPONENT.fullmatch(t):
        value = Decimal(t)
    result = math.nan if value is None else float(value)
    if not math.isfinite(result):
        raise _fail(VALUE_NUMBER_FORMAT, s)
    return result


def parse_money(s: Cell, *, minimum: int | None = None) -> int | None:
    """Yen as int: "¥1,200,000", "120万円", "3億5000万円", "1,000千円"; △/▲/-/(…) are negative."""
    if type(s) is str:
        core = s.removeprefix("¥").removesuffix("円")
        if (core.isdigit() and core.isascii()) or _PLAIN_INT.fullmatch(core):
            return _check_minimum(int(core.replace(",", "")), minimum, s)
    if _is_blank(s):
        return None
    if isinstance(s, float):
        return _check_minimum(_whole(s, s, VALUE_MONEY_FORMAT), minimum, s)
    if isinstance(s, int) and not isinstance(s, bool):
        return _check_minimum(s, minimum, s)
    t = _str_or_fail(s, VALUE_MONEY_FORMAT)
    if t is None:
        return None
    yen = _money_text(t, s)
    return _check_minimum(yen, minimum, s)


def _money_text(t: str, raw: object) -> int:
    bracketed = t.startswith("(") and t.endswith(")")  # accounting negative: (1,000)
    if bracketed:
        t = t[1:-1].strip()
    found = _MONEY.fullmatch(t) if len(t) <= _MAX_NUMBER_TEXT else None
    signs = 0 if found is None else bool(found["sign"]) + bool(found["sign2"]) + bracketed
    value = None if found is None or signs > 1 else _amount(found["num"])
    if value is None or value != value.to_integral_value():
        raise _fail(VALUE_MONEY_FORMAT, raw)
    return -int(value) if signs else int(value)


# ------------------------------------------------------------------------------------- yes/no

_TRUE_WORDS = (
    "true", "t", "1", "yes", "y", "はい", "○", "◯", "〇", "有", "あり", "有り", "済", "済み", "✓",
    "✔", "☑",
)  # fmt: skip
_FALSE_WORDS = ("false", "f", "0", "no", "n", "いいえ", "×", "✕", "✗", "x", "無", "なし", "無し", "未")
_BOOL_WORDS = {**dict.fromkeys(_TRUE_WORDS, True), **dict.fromkeys(_FALSE_WORDS, False)}
TRUE_WORDS: frozenset[str] = frozenset(_TRUE_WORDS)  # spellings of "true" (custom boolean attributes in SQL)


def parse_bool(s: Cell) -> bool | None:
    """TRUE/FALSE, 1/0, yes/no, y/n, はい/いいえ, ○/×, 有/無, あり/なし, 済/未, ✓ (any case)."""
    if isinstance(s, bool):
        return s
    return _bool_cached(s)


@functools.lru_cache(maxsize=256, typed=True)
def _bool_cached(s: Cell) -> bool | None:
    if _is_blank(s):
        return None
    if isinstance(s, int | float) and s in (0, 1):
        return bool(s)
    value = None
    if isinstance(s, str):
        t = _nfkc(s).strip().casefold()
        if not t:
            return None
        value = _BOOL_WORDS.get(t)
    if value is None:
        raise _fail(VALUE_BOOL_FORMAT, s)
    return value


# ------------------------------------------------------------------------------ email, domain

# The two halves of an address; neither can match "@" or a line break (columns.py relies on both).
EMAIL_LOCAL_PATTERN = r"[a-z0-9.!#$%&'*+/=?^_`{|}~-]+"
HOST_PATTERN = r"(?:[^\W_](?:[\w-]{0,61}[^\W_])?\.)+(?:[^\W\d_]{2,63}|xn--[a-z0-9-]{1,59})"
_EMAIL = re.compile(EMAIL_LOCAL_PATTERN + "@" + HOST_PATTERN)
_DOMAIN = re.compile(HOST_PATTERN)
_MAILTO = re.compile(r"^mailto:\s*", re.I)
_URL_SCHEME = re.compile(r"^[a-z][a-z0-9+.\-]*://", re.I)
_URL_TAIL = re.compile(r"[/?#].*$", re.S)
_URL_PORT = re.compile(r":\d*$")


def email(s: Cell) -> str | None:
    """A lower-cased email address (NFKC, "mailto:" and <…> removed)."""
    if type(s) is str and s.islower() and _EMAIL.fullmatch(s):
        return s
    t = _str_or_fail(s, VALUE_EMAIL_FORMAT)
    if t is None:
        return None
    t = _MAILTO.sub("", t, count=1)
    if t.startswith("<") and t.endswith(">"):
        t = t[1:-1].strip()
    t = t.lower()
    if _EMAIL.fullmatch(t) is None:
        raise _fail(VALUE_EMAIL_FORMAT, s)
    return t


def email_domain(value: Cell) -> str | None:
    """The company domain of an email address; None for free-mail and mobile-carrier addresses."""
    address = email(value)
    if address is None:
        return None
    found = address.rpartition("@")[2]
    parent = found
    while "." in parent:  # xxx.ocn.ne.jp is an OCN address too
        if parent in refdata.FREE_MAIL_DOMAINS:
            return None
        parent = parent.partition(".")[2]
    return found


def domain(s: Cell) -> str | None:
    """The host of a URL or domain, lower-cased, without "www." ("https://www.A.co.jp/x" → "a.co.jp")."""
    if type(s) is str and s.islower() and not s.startswith("www.") and _DOMAIN.fullmatch(s):
        return s
    t = _str_or_fail(s, VALUE_DOMAIN_FORMAT)
    if t is None:
        return None
    host = _URL_TAIL.sub("", _URL_SCHEME.sub("", t.lower().replace("。", "."), count=1), count=1)
    host = _URL_PORT.sub("", host.rpartition("@")[2]).rstrip(".").removeprefix("www.")
    if _DOMAIN.fullmatch(host) is None:
        raise _fail(VALUE_DOMAIN_FORMAT, s)
    return host


# ------------------------------------------------------------------------ bands and choices


def _band_lower(band: Band) -> int:
    return band.lower


def band_for(value: int | None, bands: Sequence[Band]) -> str | None:
    """Code of the band holding value (lower bounds inclusive); below the first band → the first."""
    if value is None or not bands:
        return None
    index = bisect.bisect_right(bands, value, key=_band_lower)
    return bands[index - 1 if index else 0].code


_ALL_SPACE = re.compile(r"\s+")


def choice_key(s: str) -> str:
    """The normalised form choice mappings are keyed by: NFKC, casefold, no whitespace."""
    return _ALL_SPACE.sub("", _nfkc(s)).casefold()


def _lookup(s: Cell, mapping: dict[str, str], error: ErrorCode, choices: str) -> str | None:
    t = _text(s)
    if t is None:
        return None
    key = choice_key(t)
    if not key:
        return None
    code = mapping.get(key)
    if code is None:
        raise _fail(error, s, choices=choices)
    return code


def choice(s: Cell, mapping: dict[str, str]) -> str | None:
    """The code for s in mapping (keys normalised with :func:`choice_key`); codes themselves also match."""
    t = _text(s)
    if t is None:
        return None
    code = mapping.get(t) or mapping.get(choice_key(t))
    if code is not None:
        return code
    if t in mapping.values():
        return t
    if not choice_key(t):
        return None
    raise _fail(VALUE_CHOICE_UNKNOWN, s, choices=", ".join(sorted(set(mapping.values()))))


def _choice_table(names: dict[str, tuple[str, str]], synonyms: dict[str, str]) -> dict[str, str]:
    table = {choice_key(synonym): code for synonym, code in synonyms.items()}
    for code, (ja, en) in names.items():
        table.update({choice_key(code): code, choice_key(ja): code, choice_key(en): code})
    return table


def _choices_text(names: dict[str, tuple[str, str]]) -> str:
    return ", ".join(f"{ja} ({code})" for code, (ja, _) in names.items())


_LISTING_TABLE = _choice_table(refdata.LISTINGS, refdata.LISTING_SYNONYMS)
_LISTING_CHOICES = _choices_text(refdata.LISTINGS)
_LEVEL_TABLE = _choice_table(refdata.LEVELS, {})
_LEVEL_CHOICES = _choices_text(refdata.LEVELS)


@functools.lru_cache(maxsize=1024, typed=True)
def _listing_cached(s: Cell) -> str | None:
    return _lookup(s, _LISTING_TABLE, VALUE_LISTING_UNKNOWN, _LISTING_CHOICES)


def listing(s: Cell) -> str | None:
    """Canonical listing code (unlisted, tse_prime, …) from Japanese/English names and old segments."""
    return _listing_cached(s)


@functools.lru_cache(maxsize=256, typed=True)
def _level_cached(s: Cell) -> str | None:
    return _lookup(s, _LEVEL_TABLE, VALUE_CHOICE_UNKNOWN, _LEVEL_CHOICES)


def level(s: Cell) -> str | None:
    """Level code (staff, manager, director, executive) from the code or 担当/課長/部長/役員."""
    return _level_cached(s)


# Highest level first: the first pattern that matches wins, so "執行役員 営業本部長" is executive and
# "担当部長" is director.  Latin words need letter boundaries (\b fails next to kanji).
_TITLE_NOT_A_TITLE = re.compile(r"(?:社長|役員|会長|代表)(室|秘書)")  # 社長室長 is 室長, 社長秘書 is no level
_TITLE_LEVELS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "executive",
        re.compile(
            r"代表|社長|会長|取締役|役員|執行役|専務|常務|理事|監査役|頭取|マネージングディレクター"
            r"|(?<![a-z])(?:c[a-z]{1,2}o|chairman|chairperson|founder|managing director"
            r"|(?<!vice )(?<!vice-)president)(?![a-z])"
        ),
    ),
    (
        "director",
        re.compile(
            r"部長|局長|次長|支店長|支社長|工場長|センター長|ディレクター|ゼネラルマネージャー|ジェネラルマネージャー"
            r"|(?<![a-z])(?:director|[se]?vp|vice[ -]president|general manager|head of)(?![a-z])"
        ),
    ),
    (
        "manager",
        re.compile(
            r"課長|マネージャ|マネジャ|室長|所長|係長|グループ長|チーム長|リーダー|店長"
            r"|(?<![a-z])(?:manager|team lead(?:er)?|leader|supervisor)(?![a-z])"
        ),
    ),
    (
        "staff",
        re.compile(
            r"主任|担当|スタッフ|一般|メンバー|社員|職員|アシスタント"
            r"|(?<![a-z])(?:staff|member|associate|assistant)(?![a-z])"
        ),
    ),
)


def level_from_title(title: str | None) -> str | None:
    """Level code implied by a 役職 (代表取締役 → executive, 部長代理 → director, 課長補佐 → manager)."""
    if not title:
        return None
    return _level_from_title_cached(title)


@functools.lru_cache(maxsize=8192)
def _level_from_title_cached(title: str) -> str | None:
    t = _TITLE_NOT_A_TITLE.sub(r"\1", _nfkc(title).casefold())
    for code, pattern in _TITLE_LEVELS:
        if pattern.search(t) is not None:
            return code
    return None
