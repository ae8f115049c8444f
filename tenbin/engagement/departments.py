"""Department names made comparable (pure).

Company departments are written many ways: 「情報システム部」「情報システム課」「情報ｼｽﾃﾑ部」
「情報システム 部」. :func:`department_key` makes one key of them:

1. NFKC (half-width kana and full-width letters become one form), every kind of space removed,
   Latin letters case-folded;
2. one trailing organisational suffix removed — 「本部」「部門」「部」「課」 — but only when at least
   two characters remain, so 「本部」 alone stays 「本部」 and 「営業本部」「営業部」「営業課」 are all 「営業」.
   Other suffixes (「室」「センター」「グループ」) are kept: 「社長室」 minus 「室」 would be 「社長」, a person.

Names differing otherwise stay different (「第一営業部」 is not 「営業部」): merging them would need
knowledge of the company's organisation.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable

SUFFIXES = ("本部", "部門", "部", "課")
_SPACES = re.compile(r"\s+")


def department_key(name: str | None) -> str | None:
    """The comparable key of a department name, or ``None`` for an empty one."""
    if name is None:
        return None
    text = _SPACES.sub("", unicodedata.normalize("NFKC", name)).casefold()
    if not text:
        return None
    for suffix in SUFFIXES:
        if text.endswith(suffix) and len(text) - len(suffix) >= 2:
            return text[: -len(suffix)]
    return text


def label_by_key(names: Iterable[str | None]) -> dict[str, str]:
    """key → the label to show: the most frequent spelling of that key (ties: the first in sort order)."""
    spellings: dict[str, Counter[str]] = {}
    for name in names:
        key = department_key(name)
        if key is not None and name is not None:
            spellings.setdefault(key, Counter())[unicodedata.normalize("NFKC", name).strip()] += 1
    return {key: sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))[0][0] for key, c in spellings.items()}
