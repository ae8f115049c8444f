"""Japanese and English for the web application and the API: Babel catalogs, and locale-aware formatting.

Source strings are English; ``locale/ja/LC_MESSAGES/*.po`` hold the Japanese (one file per slice,
merged when loaded, so slices can be translated independently). The language of the current
request lives in a context variable that the app sets per request; templates call ``_()``.
Catalogs are read from the ``.po`` files directly (no compiled ``.mo`` in the repository).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from babel.dates import format_date, format_datetime
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent

LOCALE_DIR = Path(__file__).parent / "locale"
LANGS = ("ja", "en")
BABEL_LOCALE = {"ja": "ja_JP", "en": "en_US"}
_lang: ContextVar[str] = ContextVar("tenbin_lang", default="ja")


def current_lang() -> str:
    return _lang.get()


@contextmanager
def use_lang(lang: str) -> Iterator[None]:
    token = _lang.set(lang if lang in LANGS else "ja")
    try:
        yield
    finally:
        _lang.reset(token)


def set_lang(lang: str) -> None:
    """Set the language for the rest of this request's context (the app's middleware calls it)."""
    _lang.set(lang if lang in LANGS else "ja")


@lru_cache(maxsize=4)
def catalog(lang: str) -> dict[str, str | tuple[str, ...]]:
    """msgid → translation for ``lang``, from every ``.po`` file of that language (fuzzy skipped)."""
    result: dict[str, str | tuple[str, ...]] = {}
    for path in sorted((LOCALE_DIR / lang / "LC_MESSAGES").glob("*.po")):
        with path.open("rb") as fh:
            for message in read_po(fh, locale=lang):
                if not message.id or message.fuzzy:
                    continue
                key = message.id if isinstance(message.id, str) else message.id[0]
                value = message.string
                if value and (isinstance(value, str) or all(value)):
                    result[key] = value if isinstance(value, str) else tuple(value)
    return result


def gettext(message: str) -> str:
    lang = _lang.get()
    if lang == "en":
        return message
    found = catalog(lang).get(message)
    if found is None:
        return message
    return found if isinstance(found, str) else found[0]


def ngettext(singular: str, plural: str, n: int) -> str:
    lang = _lang.get()
    if lang != "en":
        found = catalog(lang).get(singular)
        if found is not None:
            return found if isinstance(found, str) else found[0]  # Japanese has one plural form
    return singular if n == 1 else plural


_ = gettext


def N_(message: str) -> str:
    """Marks a string for translation where it is defined (list labels); translated when shown."""
    return message


def both(ja: str, en: str) -> str:
    """For text that already exists in both languages (error catalogue, defaults): pick one."""
    return en if _lang.get() == "en" else ja


# -- formatting ---------------------------------------------------------------------------------------
def fmt_number(value: float | int | Decimal | None, digits: int = 0) -> str:
    if value is None:
        return "—"
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=BABEL_LOCALE[_lang.get()])


def fmt_percent(ratio: float | None, digits: int = 1) -> str:
    if ratio is None:
        return "—"
    pattern = "#,##0" + ("." + "0" * digits if digits else "") + "%"
    return format_percent(ratio, format=pattern, locale=BABEL_LOCALE[_lang.get()])


def yen_ja(value: int) -> str:
    """万/億 for Japanese readers: 120,000,000 → 1.2億円, 34,000,000 → 3,400万円, 9,800 → 9,800円."""
    sign, v = ("-" if value < 0 else ""), abs(value)
    if v >= 100_000_000:
        oku = v / 100_000_000
        text = f"{oku:,.1f}".rstrip("0").rstrip(".") if oku < 100 else f"{oku:,.0f}"
        return f"{sign}{text}億円"
    if v >= 10_000:
        man = v / 10_000
        text = f"{man:,.1f}".rstrip("0").rstrip(".") if man < 100 else f"{man:,.0f}"
        return f"{sign}{text}万円"
    return f"{sign}{v:,}円"


def yen_en(value: int) -> str:
    """¥ with thousands separators, and M / B for large amounts: ¥120M, ¥34M, ¥9,800."""
    sign, v = ("-" if value < 0 else ""), abs(value)
    if v >= 1_000_000_000:
        return f"{sign}¥{v / 1e9:,.1f}".rstrip("0").rstrip(".") + "B"
    if v >= 1_000_000:
        return f"{sign}¥{v / 1e6:,.1f}".rstrip("0").rstrip(".") + "M"
    return f"{sign}¥{v:,}"


def fmt_yen(value: int | float | None) -> str:
    if value is None:
        return "—"
    return yen_en(round(value)) if _lang.get() == "en" else yen_ja(round(value))


def fmt_date(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return "—"
    day = value.date() if isinstance(value, dt.datetime) else value
    return format_date(day, format="long" if _lang.get() == "ja" else "medium", locale=BABEL_LOCALE[_lang.get()])


def fmt_datetime(value: dt.datetime | None) -> str:
    if value is None:
        return "—"
    fmt = "yyyy/MM/dd HH:mm" if _lang.get() == "ja" else "MMM d, yyyy HH:mm"
    return format_datetime(value, format=fmt, locale=BABEL_LOCALE[_lang.get()])
