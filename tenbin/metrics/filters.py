"""Lead filters as users type them (CLI options, API query parameters) → :class:`LeadFilter`.

Each dimension takes values repeated and/or comma-separated (``--channel 広告,展示会`` or
``?channel=広告&channel=展示会``); ``\\,`` is a comma inside a value. Values are matched exactly
(after trimming spaces): an unknown campaign, channel, offer, team, industry code or size band is
no error, it keeps no leads. ``(none)`` keeps the leads without a value. Malformed input is refused
with a coded error naming the parameter: an empty value, a value longer than
:data:`MAX_LENGTH` or with a control character, more than :data:`MAX_VALUES` values, or an
orientation other than
``quantity``/``quality`` (量/質 and 量重視/質重視 are read as those).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping

from tenbin.errors import ErrorCode, Place, TenbinError
from tenbin.metrics.model import NONE_KEY, LeadFilter

# dimension → LeadFilter field, in the order they are documented
FILTER_FIELDS = {
    "campaign": "campaigns",
    "channel": "channels",
    "orientation": "orientations",
    "offer": "offers",
    "team": "teams",
    "industry": "industries",
    "size_band": "size_bands",
}
ORIENTATION_ALIASES = {"quantity": "quantity", "quality": "quality", "量": "quantity", "質": "quality",
                       "量重視": "quantity", "質重視": "quality"}  # fmt: skip
MAX_VALUES = 50
MAX_LENGTH = 300

METRICS_FILTER_EMPTY = ErrorCode(
    "METRICS_FILTER_EMPTY",
    "A {name} filter value is empty. Give each value, separated by commas (write \\, for a comma inside one).",
    "{name} の絞り込みに空の値があります。値をカンマ区切りで指定してください(値の中のカンマは \\, と書きます)。",
)
METRICS_FILTER_TOO_LONG = ErrorCode(
    "METRICS_FILTER_TOO_LONG",
    "A {name} filter value is {length} characters long; at most {max} are allowed. Shorten it.",
    "{name} の絞り込みの値が {length} 文字あります。{max} 文字以内にしてください。",
)
METRICS_FILTER_TOO_MANY = ErrorCode(
    "METRICS_FILTER_TOO_MANY",
    "The {name} filter has {count} values; at most {max} are allowed. Narrow it down.",
    "{name} の絞り込みに {count} 個の値があります。{max} 個以内にしてください。",
)
METRICS_FILTER_CONTROL = ErrorCode(
    "METRICS_FILTER_CONTROL",
    "A {name} filter value contains a control character (U+{codepoint}). Remove it.",
    "{name} の絞り込みの値に制御文字 (U+{codepoint}) が含まれています。取り除いてください。",
)
METRICS_FILTER_ORIENTATION = ErrorCode(
    "METRICS_FILTER_ORIENTATION",
    "Orientation {value!r} is neither quantity nor quality. Use quantity (量) or quality (質).",
    "量/質の指定 {value!r} は使えません。quantity(量)か quality(質)を指定してください。",
)

_SPLIT = re.compile(r"(?<!\\),")


def split_values(texts: Iterable[str]) -> list[str]:
    """Every value of repeated, comma-separated texts, trimmed; ``\\,`` is a literal comma."""
    return [part.replace("\\,", ",").strip() for text in texts for part in _SPLIT.split(text)]


def _clean(name: str, texts: Iterable[str]) -> tuple[str, ...]:
    values = split_values(texts)
    place = Place(field=name)
    if len(values) > MAX_VALUES:
        raise TenbinError(METRICS_FILTER_TOO_MANY, {"name": name, "count": len(values), "max": MAX_VALUES}, place)
    for value in values:
        if not value:
            raise TenbinError(METRICS_FILTER_EMPTY, {"name": name}, place)
        if len(value) > MAX_LENGTH:
            raise TenbinError(METRICS_FILTER_TOO_LONG, {"name": name, "length": len(value), "max": MAX_LENGTH}, place)
        control = next((ch for ch in value if unicodedata.category(ch) == "Cc"), None)
        if control is not None:  # no stored name has one, and PostgreSQL refuses NUL in any text
            raise TenbinError(METRICS_FILTER_CONTROL, {"name": name, "codepoint": f"{ord(control):04X}"}, place)
    if name == "orientation":
        for value in values:
            if value not in ORIENTATION_ALIASES and value != NONE_KEY:
                raise TenbinError(METRICS_FILTER_ORIENTATION, {"value": value}, place)
        values = [ORIENTATION_ALIASES.get(value, value) for value in values]
    return tuple(dict.fromkeys(values))  # in the order given, once each


def lead_filter(values: Mapping[str, Iterable[str]]) -> LeadFilter:
    """A :class:`LeadFilter` from texts keyed by dimension (``campaign``, ``channel``, …, ``size_band``;
    other keys are a programming error). Missing or empty lists do not filter."""
    fields = {}
    for name, texts in values.items():
        fields[FILTER_FIELDS[name]] = _clean(name, texts)
    return LeadFilter(**fields)
