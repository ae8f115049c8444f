"""Realistic Japanese text for the deterministic demo workspace: 課題 notes, companies, people, campaigns.

Every generator takes a :class:`numpy.random.Generator` first and is deterministic given its state
(no global randomness).  A challenge note is assembled from clause-level pieces (situation × cause ×
consequence × wish, each with several phrasings, from :mod:`tenbin.demo.vocab`) and then rendered in
the register of its source: a salesperson's 常体 note, reported speech from an IS call, the
customer's own です/ます, a seminar question, or a feature request.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

import numpy as np
import numpy.typing as npt

from tenbin.demo import vocab as v
from tenbin.demo.vocab import (
    CATEGORY_DESCRIPTIONS,
    CHALLENGE_CATEGORIES,
    DEPARTMENTS,
    SOURCE_TYPES,
    TITLES_BY_LEVEL,
    CategoryVocab,
    IndustryVocab,
)

__all__ = [
    "CATEGORY_DESCRIPTIONS",
    "CHALLENGE_CATEGORIES",
    "DEPARTMENTS",
    "SOURCE_TYPES",
    "TITLES_BY_LEVEL",
    "ChallengeText",
    "CompanyName",
    "PersonName",
    "campaign_name",
    "challenge_note",
    "company_name",
    "person_name",
    "person_names",
    "polite_form",
    "unique_company_names",
]

T = TypeVar("T")


@dataclass(frozen=True)
class ChallengeText:
    statement: str
    detail: str
    tags: tuple[str, ...]


@dataclass(frozen=True)
class CompanyName:
    name: str  # registered name with its legal form: "株式会社東洋精機", "北斗物流株式会社"
    base: str  # without the legal form: "東洋精機"
    domain: str  # "toyo-seiki.co.jp"


@dataclass(frozen=True)
class PersonName:
    last: str
    first: str
    last_kana: str
    first_kana: str
    last_romaji: str
    first_romaji: str


class _Weights(Generic[T]):
    """A weighted choice, normalised once (cumulative probabilities for bisection)."""

    __slots__ = ("cum", "items")

    def __init__(self, pairs: Sequence[tuple[T, float]]) -> None:
        total = sum(w for _, w in pairs)
        self.items = tuple(item for item, _ in pairs)
        acc, cum = 0.0, []
        for _, weight in pairs:
            acc += weight / total
            cum.append(acc)
        cum[-1] = 1.0
        self.cum = cum


class _Dice:
    """Uniform draws from a numpy Generator, fetched in blocks (one numpy call per block)."""

    __slots__ = ("_block", "_it", "_rng")

    def __init__(self, rng: np.random.Generator, block: int = 64) -> None:
        self._rng = rng
        self._block = block
        self._it: Iterator[float] = iter(())

    def u(self) -> float:
        try:
            return next(self._it)
        except StopIteration:
            self._it = iter(self._rng.random(self._block).tolist())
            return next(self._it)

    def pick(self, seq: Sequence[T]) -> T:
        return seq[int(self.u() * len(seq))]

    def chance(self, p: float) -> bool:
        return self.u() < p

    def weighted(self, weights: _Weights[T]) -> T:
        return weights.items[bisect_right(weights.cum, self.u())]

    def integer(self, lo: int, hi: int, step: int = 1) -> int:
        return lo + step * int(self.u() * ((hi - lo) // step + 1))


# --- です/ます conversion --------------------------------------------------------------------------

_A_TO_I = dict(zip("かがさざただなばまらわ", "きぎしじちぢにびみりい", strict=True))
_U_TO_I = dict(zip("うくぐすつぬぶむ", "いきぎしちにびみ", strict=True))
_E_ROW = frozenset("えけげせぜてでねへべぺめれ")
_I_ROW = frozenset("いきぎしじちにひびみり")
_POLITE_FIXED: tuple[tuple[str, str], ...] = (
    ("てしまった", "てしまいました"),
    ("ていた", "ていました"),
    ("だった", "でした"),
    ("なった", "なりました"),
    ("てこなかった", "てきませんでした"),
    ("てこない", "てきません"),
    ("しかない", "しかありません"),
    ("来ない", "来ません"),
    ("見込み", "見込みです"),
    ("ところ", "ところです"),
    ("そう", "そうです"),
    ("こと", "ことです"),
    ("する", "します"),
    ("した", "しました"),
    ("いた", "いました"),
    ("だ", "です"),
)


def _is_nounish(ch: str) -> bool:
    return (ch.isascii() and ch.isalnum()) or "\u30a0" <= ch <= "\u30ff" or "\u4e00" <= ch <= "\u9fff"


def _polite_negative(plain: str) -> str:
    head = plain[:-2]
    prev = head[-1]
    if prev in "がもは":  # 仕組みがない → 仕組みがありません
        return head + "ありません"
    if prev in _A_TO_I:  # 進まない → 進みません
        return head[:-1] + _A_TO_I[prev] + "ません"
    if prev in _E_ROW or prev in _I_ROW:  # できない, 見えない → できません, 見えません
        return head + "ません"
    return plain + "です"  # 少ない (adjective)


def _polite_past(plain: str) -> str:
    if plain.endswith("かった"):
        raise ValueError(f"ambiguous past form (verb or adjective?): {plain!r}")
    if plain.endswith("った"):  # 止まった, 見送った
        return plain[:-2] + "りました"
    if plain.endswith("んだ"):
        return plain[:-2] + "みました"
    if plain[-2] in _E_ROW or plain[-2] in _I_ROW:  # 入れた, できた
        return plain[:-1] + "ました"
    raise ValueError(f"cannot make a polite form of {plain!r}")


def polite_form(plain: str) -> str:
    """The です/ます form of a plain (常体) sentence ending, for the closed set of endings in vocab."""
    if plain.endswith("なかった"):
        return polite_form(plain[:-4] + "ない") + "でした"
    for suffix, polite in _POLITE_FIXED:
        if plain.endswith(suffix):
            return plain[: -len(suffix)] + polite
    last = plain[-1]
    if plain.endswith("ない"):
        return _polite_negative(plain)
    if last == "た":
        return _polite_past(plain)
    if last == "い":  # adjectives, 〜たい
        return plain + "です"
    if last in _U_TO_I:
        return plain[:-1] + _U_TO_I[last] + "ます"
    if last == "る":  # 一段 (いる, できる, 迎える) or 五段 (かかる, なる, わかる)
        ichidan = plain[-2] in _E_ROW or plain[-2] in _I_ROW
        return plain[:-1] + ("ます" if ichidan else "ります")
    if _is_nounish(last):
        return plain + "です"
    raise ValueError(f"cannot make a polite form of {plain!r}")


# --- Filling templates ---------------------------------------------------------------------------

_SLOT = re.compile(r"\{([^{}]+)\}")
_NUMBER = re.compile(r"(\d+)-(\d+)(?:/(\d+))?")
_FULL_DIGITS = str.maketrans("0123456789", "０１２３４５６７８９")
_FULL_SYMBOLS = str.maketrans("()?!%:", "（）？！％：")
_KANJI_NUMBERS = ("〇", "一", "二", "三", "四", "五", "六", "七", "八", "九", "十")
_CONTENT_RUN = re.compile(r"[\u4e00-\u9fffァ-ヶー]{2,}")
_UNTAGGABLE = frozenset({"mgr", "ctitle", "customer", "peak", "boss", "product", "vendor", "competitor", "biz"})


@dataclass
class _Note:
    """The state of one note being written: its vocabulary, style choices and the words used."""

    dice: _Dice
    cat: CategoryVocab
    ind: IndustryVocab
    dept: str
    digits: str  # "half" | "full" | "kanji"
    used: list[str] = field(default_factory=list)

    def words(self, slot: str) -> tuple[str, ...]:
        found = self.cat.words.get(slot) or self.ind.words.get(slot) or v.GLOBAL_WORDS.get(slot)
        if not found:
            raise KeyError(f"no words for slot {{{slot}}}")
        return found

    def number(self, spec: str) -> str:
        m = _NUMBER.fullmatch(spec)
        if m is None:
            raise ValueError(f"bad number slot {{#{spec}}}")
        value = self.dice.integer(int(m[1]), int(m[2]), int(m[3] or 1))
        if self.digits == "kanji" and value <= 10:
            return _KANJI_NUMBERS[value]
        text = str(value)
        return text.translate(_FULL_DIGITS) if self.digits == "full" else text

    def fill(self, template: str) -> str:
        chosen: dict[str, str] = {}

        def one(m: re.Match[str]) -> str:
            key = m[1]
            if key.startswith("#"):
                return self.number(key[1:])
            if key == "dept":
                return self.dept
            options = self.words(key)
            word = self.dice.pick(options)
            for _ in range(4):  # "{site}と{site}": two different sites
                if chosen.get(key) != word:
                    break
                word = self.dice.pick(options)
            chosen[key] = word
            if key not in _UNTAGGABLE and len(word) <= 12:
                self.used.append(word)
            return word

        out = _SLOT.sub(one, template)
        return _SLOT.sub(one, out) if "{" in out else out


def _frame(frame: str, **parts: str) -> str:
    for key, value in parts.items():
        frame = frame.replace("{" + key + "}", value)
    return frame


# --- Statement shapes ----------------------------------------------------------------------------

_CAUSE_LINKS = ("ため", "ので", "こともあり", "せいか", "ことから")
_RESULT_LINKS = ("ため", "ので", "結果", "せいで")
_SHAPES = _Weights((
    ("S", 3.0), ("CS", 1.2), ("S.Q", 1.8), ("SQ", 1.0), ("N", 1.6), ("N.W", 1.5), ("S.W", 1.5), ("W", 0.8),
    ("C.S", 1.2), ("N.S", 1.0), ("Q", 0.8), ("S.X", 0.8), ("N.X", 0.6), ("NN", 0.6),
))  # fmt: skip
_QUESTION_MARKS = _Weights((("?", 0.45), ("？", 0.4), ("", 0.15)))
_IS_DETAIL_ENDINGS = _Weights((("とのこと。", 0.5), ("と伺った。", 0.2), ("。", 0.3)))
_NOTE_DETAIL_ENDINGS = _Weights((("。", 0.55), ("とのこと。", 0.45)))
_DETAIL_LENGTHS = _Weights(((1, 0.3), (2, 0.4), (3, 0.2), (4, 0.1)))
_TAG_COUNTS = _Weights(((1, 0.2), (2, 0.35), (3, 0.3), (4, 0.15)))
_DIGIT_STYLES = _Weights((("half", 0.72), ("full", 0.2), ("kanji", 0.08)))
_STATE_ENDINGS = ("ている", "ていない", "がない")
_Part = tuple[str, str]  # (kind, template): kind is clause | issue | wish | solution | pair


def _situation(note: _Note) -> str:
    special = note.ind.clauses.get(_category_name(note.cat), ())
    if special and note.dice.chance(0.45):
        return note.dice.pick(special)
    return note.dice.pick(note.cat.situations)


def _category_name(cat: CategoryVocab) -> str:
    return _CATEGORY_NAMES[id(cat)]


_CATEGORY_NAMES = {id(c): name for name, c in v.CATEGORY_VOCAB.items()}


def _parts(note: _Note, shape: str) -> list[_Part]:
    d, cat = note.dice, note.cat
    pieces: dict[str, _Part] = {
        "S": ("clause", _situation(note)),
        "C": ("clause", d.pick(cat.causes)),
        "Q": ("clause", d.pick(cat.consequences)),
        "N": ("issue", d.pick(cat.issues)),
        "W": ("wish", d.pick(cat.wishes)),
        "X": ("solution", d.pick(cat.solutions)),
    }
    if shape == "CS":
        return [("clause", f"{pieces['C'][1]}{d.pick(_CAUSE_LINKS)}、{pieces['S'][1]}")]
    if shape == "SQ":
        return [("clause", f"{pieces['S'][1]}{d.pick(_RESULT_LINKS)}、{pieces['Q'][1]}")]
    if shape == "NN":
        return [("pair", f"{pieces['N'][1]}、{d.pick(cat.issues)}")]
    return [pieces[key] for key in shape.split(".")]


def _note_sentence(note: _Note, kind: str, text: str, leads: tuple[str, ...] | None) -> str:
    d = note.dice
    if kind == "clause":
        if leads and d.chance(0.3):
            return _frame(d.pick(leads), c=text)
        if text.endswith(_STATE_ENDINGS) and d.chance(0.15):
            return _frame(d.pick(v.NOTE_STATE), c=text)
        return _frame(d.pick(v.NOTE_CLAUSE), c=text)
    if kind == "pair":
        return text + d.pick(("。", "が課題。", "あたりが課題。"))
    table = {"issue": v.NOTE_ISSUE, "wish": v.NOTE_WISH, "solution": v.NOTE_SOLUTION}[kind]
    return _frame(d.pick(table), n=text, w=text, s=text)


def _is_sentence(note: _Note, kind: str, text: str, first: bool) -> str:
    d = note.dice
    if kind == "clause":
        leads = v.IS_LEADS if first and d.chance(0.3) else v.IS_CLAUSE
        return _frame(d.pick(leads), c=text)
    if kind == "pair":
        return text + "あたりに課題感をお持ち。"
    table = {"issue": v.IS_ISSUE, "wish": v.IS_WISH, "solution": v.IS_SOLUTION}[kind]
    return _frame(d.pick(table), n=text, w=text, s=text)


def _polite_sentence(note: _Note, kind: str, text: str, survey: bool) -> str:
    d = note.dice
    if kind == "clause":
        if text.endswith(_STATE_ENDINGS) and d.chance(0.15):
            return _frame(d.pick(v.POLITE_STATE), c=text)
        # no "〜ため、〜ため、困っています", "困っているため、困っています" nor "実は、弊社では"
        plain = "、" in text or "困" in text or text.startswith(v.POLITE_OPENERS)
        frames = v.POLITE_CLAUSE[:3] if plain else v.POLITE_CLAUSE
        return _frame(d.pick(frames), c=text, p=polite_form(text))
    if kind == "pair":
        return text + d.pick(("で困っています。", "が課題です。"))
    if kind == "issue" and survey and d.chance(0.4):
        return _frame(d.pick(v.SURVEY_FRAGMENTS), n=text)
    table = {"issue": v.POLITE_ISSUE, "wish": v.POLITE_WISH, "solution": v.POLITE_SOLUTION}[kind]
    return _frame(d.pick(table), n=text, w=text, s=text)


def _question(note: _Note, kind: str, text: str) -> str:
    d = note.dice
    tail = d.pick(note.cat.questions) if d.chance(0.3) else d.pick(v.QUESTION_TAILS)
    if kind == "pair":
        kind, text = "issue", text.split("、")[0]
    table = {
        "clause": v.QUESTION_CLAUSE,
        "issue": v.QUESTION_ISSUE,
        "wish": v.QUESTION_WISH,
        "solution": v.QUESTION_SOLUTION,
    }[kind]
    mark = d.weighted(_QUESTION_MARKS)
    return _frame(d.pick(table), c=text, n=text, w=text, s=text, q=tail) + mark


def _feature_request(note: _Note) -> str:
    d, cat = note.dice, note.cat
    if d.chance(0.65):
        request = _frame(d.pick(v.FEATURE_VERB), f=d.pick(cat.features))
    else:
        request = _frame(d.pick(v.FEATURE_NOUN), f=d.pick(cat.feature_nouns))
    r = d.u()
    if r < 0.4:
        return request
    if r < 0.65:
        return f"{_situation(note)}ため、{request}"
    if r < 0.9:
        who = d.pick(v.FEATURE_WHO)
        return _frame(d.pick(v.FEATURE_CONTEXT), who=who, c=_situation(note)) + request
    return f"{d.pick(cat.issues)}の解消のため、{request}"


_OPENERS = {"商談記録": v.NOTE_OPENERS, "CS記録": v.NOTE_OPENERS, "IS通話": v.IS_OPENERS}


def _with_opener(note: _Note, source: str, parts: list[_Part]) -> list[_Part]:
    """Sometimes start the way people do: "弊社では、", "現状、", "先方は" (before a clause or an issue)."""
    kind, text = parts[0]
    allowed = ("clause", "issue") if source not in _OPENERS else ("clause",)  # not "課題は先方では〜"
    if kind not in allowed or not note.dice.chance(0.3):
        return parts
    opener = note.dice.pick(_OPENERS.get(source, v.POLITE_OPENERS))
    return [(kind, opener + text), *parts[1:]]


def _statement(note: _Note, source: str) -> str:
    d = note.dice
    if source == "開発要望":
        return _feature_request(note)
    parts = _with_opener(note, source, _parts(note, d.weighted(_SHAPES)))
    if source in ("商談記録", "CS記録"):
        leads = v.SALES_LEADS if source == "商談記録" else v.CS_LEADS
        return "".join(_note_sentence(note, k, t, leads if i == 0 else None) for i, (k, t) in enumerate(parts))
    if source == "IS通話":
        return "".join(_is_sentence(note, k, t, i == 0) for i, (k, t) in enumerate(parts))
    if source == "セミナー質問":
        lead = "".join(_polite_sentence(note, k, t, False) for k, t in parts[:-1])
        opener = d.pick(v.QUESTION_OPENERS) if d.chance(0.25) else ""
        return opener + lead + _question(note, *parts[-1])
    survey = source == "アンケート"
    text = "".join(_polite_sentence(note, k, t, survey) for k, t in parts)
    if source == "問い合わせ" and d.chance(0.15):
        text = d.pick(v.INQUIRY_OPENERS) + text
    if survey and len(parts) == 1 and text.endswith("。") and d.chance(0.3):
        text = text[:-1]
    return text


# --- Detail --------------------------------------------------------------------------------------

_MEMOS = {"商談記録": v.SALES_MEMOS, "CS記録": v.CS_MEMOS, "IS通話": v.IS_MEMOS, "開発要望": v.FEATURE_MEMOS}
_CLOSERS = {"問い合わせ": (v.INQUIRY_CLOSERS, 0.5), "アンケート": (v.SURVEY_CLOSERS, 0.2)}


def _detail_plain(note: _Note, source: str) -> list[str]:
    d, cat = note.dice, note.cat
    pools: tuple[tuple[Sequence[str], float], ...] = (
        (cat.workarounds, 0.6),
        (v.DETAIL_CONTEXT, 0.35),
        (v.DETAIL_TRIED, 0.4),
        (v.DETAIL_TIMELINE, 0.45),
        (v.DETAIL_DECISION, 0.25),
    )
    if source == "開発要望":
        pools = ((cat.workarounds, 0.5),)
    items = [d.pick(pool) for pool, p in pools if d.chance(p)]
    return items or [d.pick(cat.workarounds)]


def _detail_sentence(note: _Note, source: str, plain: str) -> str:
    d = note.dice
    if source in ("問い合わせ", "アンケート", "セミナー質問"):
        return polite_form(plain) + "。"
    if source == "IS通話":
        return plain + d.weighted(_IS_DETAIL_ENDINGS)
    return plain + d.weighted(_NOTE_DETAIL_ENDINGS)


def _detail(note: _Note, source: str) -> str:
    d = note.dice
    sentences = [_detail_sentence(note, source, plain) for plain in _detail_plain(note, source)]
    memos = _MEMOS.get(source)
    if memos and d.chance(0.9 if source == "開発要望" else 0.5):
        sentences.insert(d.integer(0, len(sentences)), d.pick(memos))
    closers, p = _CLOSERS.get(source, ((), 0.0))
    if closers and d.chance(p):
        sentences.append(d.pick(closers))
    n = d.weighted(_DETAIL_LENGTHS)
    kept = sentences[:n]
    if closers and sentences[-1] in closers and sentences[-1] not in kept:
        kept[-1] = sentences[-1]  # an inquiry ends with its request, not mid-thought
    return note.fill("".join(kept))


# --- Tags ----------------------------------------------------------------------------------------


def _tags(note: _Note, text: str) -> tuple[str, ...]:
    candidates: list[str] = []
    for word in (*note.cat.keywords, *note.used, *note.cat.broad_keywords):
        if word in text and word not in candidates:
            candidates.append(word)
    # drop a tag that is part of a longer one ("Excel" next to "Excelマクロ")
    candidates = [w for w in candidates if not any(w != o and w in o for o in candidates)]
    if not candidates:
        candidates = [w for w in _ALL_TAG_WORDS if w in text][:1]
    if not candidates:  # the longest kanji/katakana word of the text ("一人前", "テレワーク環境")
        candidates = sorted(_CONTENT_RUN.findall(text), key=len, reverse=True)[:1]
    k = note.dice.weighted(_TAG_COUNTS)
    return tuple(candidates[:k])


def _tag_vocabulary() -> list[str]:
    words: set[str] = set(v.GLOBAL_WORDS["tool"] + v.GLOBAL_WORDS["saas"])
    for cat in v.CATEGORY_VOCAB.values():
        words.update(cat.keywords, cat.broad_keywords, cat.solutions, (f for f in cat.feature_nouns if "{" not in f))
        words.update(w for ws in cat.words.values() for w in ws)
    for ind in v.INDUSTRY_VOCAB.values():
        words.update(w for slot, ws in ind.words.items() if slot not in _UNTAGGABLE for w in ws)
    return sorted((w for w in words if len(w) <= 12), key=lambda w: (-len(w), w))


_ALL_TAG_WORDS = _tag_vocabulary()


# --- Public: challenge notes ---------------------------------------------------------------------


def challenge_note(
    rng: np.random.Generator, *, category: str, source_type: str, industry: str, department: str
) -> ChallengeText:
    """One 課題DB note: a statement in the register of its source, a 1–4 sentence detail and tags.

    ``category`` is one of :data:`CHALLENGE_CATEGORIES`, ``source_type`` one of :data:`SOURCE_TYPES`,
    ``industry`` a JSIC letter (A–T; letters without their own vocabulary use generic office words).
    """
    if category not in v.CATEGORY_VOCAB:
        raise ValueError(f"unknown challenge category {category!r}")
    if source_type not in SOURCE_TYPES:
        raise ValueError(f"unknown source type {source_type!r}")
    dice = _Dice(rng)
    digits = dice.weighted(_DIGIT_STYLES)
    note = _Note(
        dice, v.CATEGORY_VOCAB[category], v.INDUSTRY_VOCAB.get(industry, v.GENERIC_INDUSTRY), department, digits
    )
    statement = note.fill(_statement(note, source_type))
    detail = _detail(note, source_type)
    if dice.chance(0.3):  # some people type full-width brackets and question marks
        statement, detail = statement.translate(_FULL_SYMBOLS), detail.translate(_FULL_SYMBOLS)
    return ChallengeText(statement=statement, detail=detail, tags=_tags(note, statement + detail))


# --- Companies -----------------------------------------------------------------------------------

_Base = tuple[str, tuple[str, ...], bool]  # (base name, romaji parts, katakana brand: join without "-")


def _suffixes(industry: str) -> tuple[tuple[str, str], ...]:
    return v.COMPANY_SUFFIXES.get(industry, v.GENERIC_COMPANY_SUFFIXES)


def _draw_base(dice: _Dice, industry: str) -> _Base:
    r = dice.u()
    family = v.SURNAME_SUFFIXES.get(industry)
    if family and r < 0.15:  # 山田工務店
        surname, suffix = dice.pick(v.SURNAMES[:80]), dice.pick(family)
        return surname[0] + suffix[0], (surname[2], suffix[1]), False
    if r < 0.35:  # ネクストリンク, アクシス物流
        brand = dice.pick(v.COMPANY_BRANDS)
        katakana = v.BRAND_SUFFIXES.get(industry, v.GENERIC_BRAND_SUFFIXES)
        suffix = dice.pick(katakana) if dice.chance(0.6) else dice.pick(_suffixes(industry))
        return brand[0] + suffix[0], (brand[1], suffix[1]), True
    prefix = dice.pick(v.COMPANY_PREFIXES)
    suffix = dice.pick(_suffixes(industry)) if dice.chance(0.85) else dice.pick(v.NEUTRAL_COMPANY_SUFFIXES)
    return prefix[0] + suffix[0], (prefix[1], suffix[1]), False


def _vary(dice: _Dice, base: _Base, industry: str, crowded: bool = False) -> _Base:
    """A sibling of a plain name: 東洋精機販売, 九州東洋精機, 東洋精機西日本, 関西東洋精機サービス."""
    name, parts, brand = base
    variations = v.COMPANY_VARIATIONS.get(industry, v.GENERIC_COMPANY_VARIATIONS)
    variation = dice.pick(variations)
    # "〜パートナーズサービス" reads wrong: a katakana ending takes a region, not another suffix
    # and "住販販売", "精工工機" repeat a character
    closed = name.endswith(v.CLOSED_SUFFIXES) or name[-1] == variation[0][0] or "\u30a0" <= name[-1] <= "\u30ff"
    placed = name[:2] in v.GEOGRAPHIC_PREFIXES or name[:3] in v.GEOGRAPHIC_PREFIXES
    kinds: tuple[str, ...] = () if closed else ("suffix",)
    if not placed:
        kinds += ("region", "trailing") if closed else ("region", "trailing", "both")
    if not kinds:  # "大阪工務店": no natural sibling; the caller draws another name
        return base
    # when the common forms are taken, use the largest family (region × variation)
    largest = "both" if "both" in kinds else "region" if "region" in kinds else kinds[0]
    kind = largest if crowded else dice.weighted(_VARIATION_KINDS[kinds])
    region = dice.pick(v.TRAILING_REGIONS if kind == "trailing" else v.COMPANY_REGIONS)
    if kind == "suffix":
        return name + variation[0], (*parts, variation[1]), brand
    if kind == "trailing":
        return name + region[0], (*parts, region[1]), brand
    if kind == "both":
        return region[0] + name + variation[0], (region[1], *parts, variation[1]), brand
    return region[0] + name, (region[1], *parts), brand


_KIND_WEIGHTS = {"suffix": 0.4, "region": 0.3, "trailing": 0.1, "both": 0.2}
_VARIATION_KINDS: dict[tuple[str, ...], _Weights[str]] = {
    kinds: _Weights([(k, _KIND_WEIGHTS[k]) for k in kinds])
    for kinds in (("suffix",), ("region", "trailing"), ("suffix", "region", "trailing", "both"))
}
_TLDS = _Weights(v.DOMAIN_TLDS)
_LEGAL_TABLE = _Weights([((form, placement), weight) for form, placement, weight in v.LEGAL_FORMS])


def _domains(dice: _Dice, parts: tuple[str, ...], brand: bool) -> Iterator[str]:
    """Candidate domains, most plausible first (made lazily: the first one is usually free)."""
    joined, hyphen = "".join(parts), "-".join(parts)
    first = joined if (brand and len(parts) < 3) or dice.chance(0.45 if len(parts) < 3 else 0.2) else hyphen
    tld = dice.weighted(_TLDS)
    yield f"{first}.{tld}"
    yield f"{hyphen if first == joined else joined}.{tld}"
    for other, _ in v.DOMAIN_TLDS:
        yield f"{first}.{other}"
    for extra in ("corp", "group", "japan", "inc"):
        yield f"{first}-{extra}.{tld}"


def _legal(dice: _Dice, base: str) -> str:
    form, placement = dice.weighted(_LEGAL_TABLE)
    return form + base if placement == "front" else base + form


def company_name(rng: np.random.Generator, *, industry: str) -> CompanyName:
    """A plausible registered company name for a JSIC industry letter, with its base name and domain."""
    dice = _Dice(rng, block=16)
    base = _draw_base(dice, industry)
    return CompanyName(name=_legal(dice, base[0]), base=base[0], domain=next(_domains(dice, base[1], base[2])))


def unique_company_names(rng: np.random.Generator, n: int, industries: Sequence[str]) -> list[CompanyName]:
    """``n`` companies with distinct base names and distinct domains.

    The i-th company's industry is ``industries[i % len(industries)]`` (pass one letter per company,
    or a short list to cycle through).  When the plain combinations of an industry run out, names get
    the variations real groups use (販売, サービス, region names); a numeric suffix is the last resort.
    """
    if not industries:
        raise ValueError("industries must not be empty")
    dice = _Dice(rng, block=8192)
    bases: set[str] = set()
    domains: set[str] = set()
    out: list[CompanyName] = []
    for i in range(n):
        base = _unique_base(dice, industries[i % len(industries)], bases)
        bases.add(base[0])
        domain = _unique_domain(dice, base, domains)
        domains.add(domain)
        out.append(CompanyName(name=_legal(dice, base[0]), base=base[0], domain=domain))
    return out


def _unique_base(dice: _Dice, industry: str, taken: set[str]) -> _Base:
    base = _draw_base(dice, industry)
    if base[0] not in taken:
        return base
    for attempt in range(100):
        base = _vary(dice, _draw_base(dice, industry), industry, crowded=attempt >= 8)
        if base[0] not in taken:
            return base
    k = 2
    while f"{base[0]}{k}" in taken:
        k += 1
    return f"{base[0]}{k}", (*base[1], str(k)), base[2]


def _unique_domain(dice: _Dice, base: _Base, taken: set[str]) -> str:
    first = ""
    for domain in _domains(dice, base[1], base[2]):
        if domain not in taken:
            return domain
        first = first or domain
    k = 2
    stem, _, tld = first.partition(".")
    while f"{stem}{k}.{tld}" in taken:
        k += 1
    return f"{stem}{k}.{tld}"


# --- People --------------------------------------------------------------------------------------

_ALL_SURNAMES = v.SURNAMES + v.VARIANT_SURNAMES
_GIVEN = v.MALE_GIVEN_NAMES + v.FEMALE_GIVEN_NAMES
_FEMALE_SHARE = 0.4  # of B2B contacts in the demo


def _probabilities(table: Sequence[tuple[str, str, str, int]]) -> npt.NDArray[np.float64]:
    weights: npt.NDArray[np.float64] = np.array([row[3] for row in table], dtype=np.float64)
    total = float(weights.sum())
    return weights / total


_SURNAME_P = _probabilities(_ALL_SURNAMES)
_MALE_P = _probabilities(v.MALE_GIVEN_NAMES)
_FEMALE_P = _probabilities(v.FEMALE_GIVEN_NAMES)


def person_names(rng: np.random.Generator, n: int) -> list[PersonName]:
    """``n`` Japanese names drawn with realistic frequencies (vectorised; equal names share one object)."""
    surname = rng.choice(len(_ALL_SURNAMES), size=n, p=_SURNAME_P)
    female = rng.random(n) < _FEMALE_SHARE
    male_given = rng.choice(len(v.MALE_GIVEN_NAMES), size=n, p=_MALE_P)
    female_given = rng.choice(len(v.FEMALE_GIVEN_NAMES), size=n, p=_FEMALE_P) + len(v.MALE_GIVEN_NAMES)
    given = np.where(female, female_given, male_given)
    keys, inverse = np.unique(surname * len(_GIVEN) + given, return_inverse=True)
    made = [_person(int(key)) for key in keys.tolist()]
    return [made[i] for i in inverse.tolist()]


def _person(key: int) -> PersonName:
    last, first = _ALL_SURNAMES[key // len(_GIVEN)], _GIVEN[key % len(_GIVEN)]
    return PersonName(
        last=last[0], first=first[0], last_kana=last[1], first_kana=first[1], last_romaji=last[2], first_romaji=first[2]
    )


def person_name(rng: np.random.Generator) -> PersonName:
    """One name; the same draw as ``person_names(rng, 1)[0]``."""
    return person_names(rng, 1)[0]


# --- Campaigns -----------------------------------------------------------------------------------


def _role(dice: _Dice, industry: str, cat: CategoryVocab) -> str:
    if dice.chance(0.5):
        return dice.pick(v.TARGET_ROLES[industry])
    return dice.pick(v.CATEGORY_ROLES[_category_name(cat)])


def _target(dice: _Dice, cat: CategoryVocab) -> str:
    industry = dice.pick(v.TARGET_INDUSTRIES)
    r = dice.u()
    if r < 0.45:
        return f"{industry}の{_role(dice, industry, cat)}向け"
    if r < 0.8:
        return f"{dice.pick(v.TARGET_SIZES)}の{industry}向け"
    return f"{industry}・{dice.pick(v.TARGET_SIZES)}企業向け"


def _year(period_label: str) -> str:
    m = re.search(r"20\d\d", period_label)
    return m[0] if m else ""


def _campaign(dice: _Dice, channel: str, quality: bool, period: str, cat: CategoryVocab) -> str:
    theme, title = cat.theme, dice.pick(cat.titles)
    if channel == "展示会":
        show = f"展示会 {dice.pick(v.TRADE_SHOWS)}{_year(period)}({dice.pick(v.VENUES)})"
        return f"{show} {dice.pick(v.TARGET_INDUSTRIES)}向け招待商談会" if quality else show
    if channel == "ウェビナー":
        if quality:
            return f"【{_target(dice, cat)}ウェビナー】{title}"
        return f"【無料ウェビナー】{title}" if dice.chance(0.6) else f"【ウェビナー】{title}({period})"
    if channel == "自社セミナー":
        if quality:
            joint = "向け" if theme.startswith("業") or dice.chance(0.4) else ""
            return f"{dice.pick(v.TARGET_INDUSTRIES)}{joint}{theme}セミナー {period}"
        return f"{theme}実践セミナー({dice.pick(v.SEMINAR_CITIES)}開催) {period}"
    if channel == "個別セミナー":
        account = _draw_base(dice, dice.pick(("D", "E", "G", "H", "I", "L", "P")))[0]
        if dice.chance(0.5):
            return f"個別セミナー({account}様向け勉強会)"
        return f"{account}様 {theme}勉強会(第{dice.integer(1, 4)}回)"
    return _campaign_other(dice, channel, quality, period, cat, title)


def _campaign_other(dice: _Dice, channel: str, quality: bool, period: str, cat: CategoryVocab, title: str) -> str:
    theme = cat.theme
    if channel == "SEO/コンテンツ":
        if quality:
            return f"導入事例記事({dice.pick(v.TARGET_INDUSTRIES)}・{theme})"
        return f"SEO記事「{title}」" if dice.chance(0.5) else f"オウンドメディア記事「{theme}とは?基本と進め方」"
    if channel == "ホワイトペーパー":
        if quality:
            return f"ホワイトペーパー『{title}』({dice.pick(v.CATEGORY_ROLES[_category_name(cat)])}向け)"
        return f"ホワイトペーパー『{title}』"
    if channel == "広告":
        return (
            f"{dice.pick(v.AD_MEDIA)}({_target(dice, cat)}) {period}"
            if quality
            else f"{dice.pick(v.AD_MEDIA)} {theme} {period}"
        )
    if channel == "比較サイト":
        if quality:
            return f"比較サイト 資料請求プラン({dice.pick(v.TARGET_INDUSTRIES)}向け) {period}"
        return f"比較サイト掲載({theme}カテゴリ) {period}"
    if channel == "紹介":
        source = dice.pick(v.REFERRAL_SOURCES)
        return (
            f"{source}({dice.pick(v.TARGET_INDUSTRIES)}・{dice.pick(v.TARGET_SIZES)}) {period}"
            if quality
            else f"{source} {period}"
        )
    if channel == "アウトバウンド":
        method = dice.pick(v.OUTBOUND_METHODS)
        return f"{method}({_target(dice, cat)}) {period}" if quality else f"{method} {theme} {period}"
    return f"{channel} {theme} {period}"


def campaign_name(
    rng: np.random.Generator, *, channel: str, orientation: str, period_label: str, theme_category: str
) -> str:
    """A campaign (施策) name as a Japanese marketing team would write it.

    ``orientation`` is ``"quantity"`` (broad theme) or ``"quality"`` (names an industry, size or role);
    ``theme_category`` is one of :data:`CHALLENGE_CATEGORIES`; ``period_label`` e.g. "2025春".
    """
    if orientation not in ("quantity", "quality"):
        raise ValueError(f"orientation must be 'quantity' or 'quality', not {orientation!r}")
    if theme_category not in v.CATEGORY_VOCAB:
        raise ValueError(f"unknown challenge category {theme_category!r}")
    dice = _Dice(rng, block=16)
    return _campaign(dice, channel, orientation == "quality", period_label, v.CATEGORY_VOCAB[theme_category])
