"""Every translatable string of the web app has a Japanese translation; formatting per locale."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir

import tenbin.web
from tenbin import i18n

PACKAGE = Path(tenbin.web.__file__).parent.parent
METHODS = [("web/templates/**.html", "jinja2"), ("web/**.py", "python"), ("api/**.py", "python")]
OPTIONS = {"web/templates/**.html": {"extensions": "jinja2.ext.i18n", "trimmed": "false"}}


def source_messages() -> dict[str, str]:
    """msgid → where it is used, for every _()/gettext/ngettext call in templates and web code."""
    found: dict[str, str] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(PACKAGE),
        METHODS,
        options_map=OPTIONS,
        keywords={"_": None, "gettext": None, "ngettext": (1, 2), "N_": None},
    ):
        msgid = message if isinstance(message, str) else message[0]
        if msgid:
            found.setdefault(msgid, f"{filename}:{lineno}")
    return found


def test_extraction_finds_the_templates_strings() -> None:
    messages = source_messages()
    assert "Sign in" in messages  # the extractor reads templates (a broken extractor would pass the next test)
    assert len(messages) > 50


def test_every_string_has_a_japanese_translation() -> None:
    catalog = i18n.catalog("ja")
    missing = {m: where for m, where in source_messages().items() if m not in catalog}
    assert not missing, "untranslated (add them to tenbin/locale/ja/LC_MESSAGES/*.po):\n" + "\n".join(
        f"{where}: {m!r}" for m, where in sorted(missing.items(), key=lambda kv: kv[1])
    )


def test_translations_keep_their_placeholders() -> None:
    import re

    placeholder = re.compile(r"%\((\w+)\)s")
    for msgid, msgstr in i18n.catalog("ja").items():
        text = msgstr if isinstance(msgstr, str) else msgstr[0]
        assert set(placeholder.findall(msgid)) == set(placeholder.findall(text)), msgid


@pytest.mark.parametrize(
    ("value", "ja", "en"),
    [
        (120_000_000, "1.2億円", "¥120M"),
        (34_000_000, "3,400万円", "¥34M"),
        (9_800, "9,800円", "¥9,800"),
        (1_234_567, "123万円", "¥1.2M"),  # 100万 and up: whole 万
        (123_456, "12.3万円", "¥123,456"),
        (-50_000, "-5万円", "-¥50,000"),
        (25_000_000_000, "250億円", "¥25B"),
    ],
)
def test_yen(value: int, ja: str, en: str) -> None:
    with i18n.use_lang("ja"):
        assert i18n.fmt_yen(value) == ja
    with i18n.use_lang("en"):
        assert i18n.fmt_yen(value) == en


def test_dates_numbers_and_rates_per_locale() -> None:
    day = dt.date(2025, 4, 1)
    with i18n.use_lang("ja"):
        assert i18n.fmt_date(day) == "2025年4月1日"
        assert i18n.fmt_percent(150 / 400) == "37.5%"
        assert i18n.fmt_number(1234567) == "1,234,567"
        assert i18n.gettext("Sign in") == "ログイン"
    with i18n.use_lang("en"):
        assert i18n.fmt_date(day) == "Apr 1, 2025"
        assert i18n.gettext("Sign in") == "Sign in"
