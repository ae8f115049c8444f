"""Tests for the demo workspace's Japanese text generators (tenbin.demo.text)."""

from __future__ import annotations

import re
import time
from collections import Counter, defaultdict
from collections.abc import Callable

import numpy as np
import pytest

from tenbin.demo import text, vocab
from tenbin.demo.text import (
    CATEGORY_DESCRIPTIONS,
    CHALLENGE_CATEGORIES,
    DEPARTMENTS,
    SOURCE_TYPES,
    TITLES_BY_LEVEL,
    ChallengeText,
    campaign_name,
    challenge_note,
    company_name,
    person_name,
    person_names,
    polite_form,
    unique_company_names,
)

INDUSTRIES = list("ABCDEFGHIJKLMNOPQRST")
ALL_DEPARTMENTS = [d for names in DEPARTMENTS.values() for d in names]
BAD_SEQUENCES = ("{", "}", "。。", "、、", "。、", "、。", "??", "？？", "  ")
LEGAL_FORMS = ("株式会社", "有限会社", "合同会社", "合資会社")


def _notes(seed: int, n: int, industries: list[str] | None = None) -> list[tuple[str, str, str, ChallengeText]]:
    """n notes cycling through every category × source type, with varied industries and departments."""
    rng = np.random.default_rng(seed)
    pool = industries or INDUSTRIES
    out = []
    for i in range(n):
        category = CHALLENGE_CATEGORIES[i % len(CHALLENGE_CATEGORIES)]
        source = SOURCE_TYPES[(i // len(CHALLENGE_CATEGORIES)) % len(SOURCE_TYPES)]
        industry = pool[(i * 7) % len(pool)]
        note = challenge_note(
            rng,
            category=category,
            source_type=source,
            industry=industry,
            department=ALL_DEPARTMENTS[(i * 5) % len(ALL_DEPARTMENTS)],
        )
        out.append((category, source, industry, note))
    return out


@pytest.fixture(scope="module")
def notes() -> list[tuple[str, str, str, ChallengeText]]:
    return _notes(2025, 1500)


# --- What "variety" means: the skeleton of a statement ------------------------------------------


def _vocabulary_words() -> list[str]:
    words: set[str] = set()
    for cat in vocab.CATEGORY_VOCAB.values():
        words.update(w for ws in cat.words.values() for w in ws)
        words.update(cat.keywords, cat.broad_keywords, cat.solutions)
    for ind in vocab.INDUSTRY_VOCAB.values():
        words.update(w for ws in ind.words.values() for w in ws)
    words.update(w for ws in vocab.GLOBAL_WORDS.values() for w in ws)
    words.update(d for ds in DEPARTMENTS.values() for d in ds)
    words.update(t for ts in TITLES_BY_LEVEL.values() for t in ts)
    return sorted(words, key=len, reverse=True)


_WORDS = re.compile("|".join(re.escape(w) for w in _vocabulary_words()))
_NUMBERS = re.compile(r"[0-9０-９]+|[〇一二三四五六七八九十](?=[名日年割時件か回週つ人社段%％])")


def skeleton(statement: str) -> str:
    """The statement with every vocabulary word replaced by □ and every number by #."""
    return _NUMBERS.sub("#", _WORDS.sub("□", statement))


def test_skeleton_measure_exposes_a_slot_template() -> None:
    rng = np.random.default_rng(1)
    words = vocab.CATEGORY_VOCAB["業務効率化・省力化"].words["task"]
    fake = [f"{words[int(rng.integers(len(words)))]}に{int(rng.integers(1, 9))}時間かかっている。" for _ in range(200)]
    assert len(set(fake)) > 20
    assert len({skeleton(s) for s in fake}) == 1


def test_statements_vary_like_real_people_wrote_them(notes: list[tuple[str, str, str, ChallengeText]]) -> None:
    statements = [n.statement for *_, n in notes]
    assert len(set(statements)) / len(statements) >= 0.95
    assert len({s[:8] for s in statements}) / len(statements) >= 0.6
    skeletons: dict[str, set[str]] = defaultdict(set)
    for category, _, _, note in notes:
        skeletons[category].add(skeleton(note.statement))
    for category in CHALLENGE_CATEGORIES:
        # 150 notes each: at least 15 patterns are required; a slot template gives 1, we see ~145
        assert len(skeletons[category]) >= 60, category


def test_each_category_has_enough_patterns_and_words() -> None:
    for name, cat in vocab.CATEGORY_VOCAB.items():
        clauses = cat.situations + cat.causes + cat.consequences + cat.wishes + cat.issues
        assert len(set(clauses)) >= 15, name
        assert len({w for ws in cat.words.values() for w in ws}) >= 30, name
        assert len(cat.situations) >= 7 and len(cat.wishes) >= 5 and len(cat.issues) >= 8, name
    assert set(CATEGORY_DESCRIPTIONS) == set(CHALLENGE_CATEGORIES)
    assert all(ja and en for ja, en in CATEGORY_DESCRIPTIONS.values())


# --- Determinism ---------------------------------------------------------------------------------


def test_same_seed_same_text_and_different_seed_different_text() -> None:
    def run(seed: int) -> list[object]:
        rng = np.random.default_rng(seed)
        out: list[object] = [
            challenge_note(rng, category=c, source_type=s, industry="E", department="製造部")
            for c in CHALLENGE_CATEGORIES
            for s in SOURCE_TYPES
        ]
        out += [company_name(rng, industry="H"), person_name(rng)]
        out += [*unique_company_names(rng, 50, ["E", "G"]), *person_names(rng, 50)]
        out.append(campaign_name(rng, channel="ウェビナー", orientation="quality", period_label="2025春",
                                 theme_category="DX・デジタル化"))  # fmt: skip
        return out

    assert run(7) == run(7)
    first, other = run(7), run(8)
    assert first != other
    assert sum(a != b for a, b in zip(first, other, strict=True)) > len(first) // 2


def test_successive_calls_on_one_generator_differ() -> None:
    rng = np.random.default_rng(3)
    a = challenge_note(rng, category="事業承継", source_type="商談記録", industry="E", department="社長室")
    b = challenge_note(rng, category="事業承継", source_type="商談記録", industry="E", department="社長室")
    assert a != b


# --- Registers -----------------------------------------------------------------------------------

_POLITE = re.compile("です|ます|ません|ました|でした|ください")
REPORTED = ("とお話しされていた", "と伺った", "とのこと", "とおっしゃっていた", "お持ち", "とのお話", "ご意向")


def _by_source(notes: list[tuple[str, str, str, ChallengeText]], source: str) -> list[ChallengeText]:
    return [n for _, s, _, n in notes if s == source]


def test_is_calls_are_reported_speech(notes: list[tuple[str, str, str, ChallengeText]]) -> None:
    for note in _by_source(notes, "IS通話"):
        assert any(marker in note.statement for marker in REPORTED), note.statement


def test_seminar_questions_are_questions(notes: list[tuple[str, str, str, ChallengeText]]) -> None:
    for note in _by_source(notes, "セミナー質問"):
        assert note.statement.endswith(("?", "？", "か")), note.statement


def test_feature_requests_ask_for_features(notes: list[tuple[str, str, str, ChallengeText]]) -> None:
    for note in _by_source(notes, "開発要望"):
        assert re.search("ほしい|欲しい|対応|機能", note.statement), note.statement


def test_customer_voice_is_polite_and_notes_are_plain(notes: list[tuple[str, str, str, ChallengeText]]) -> None:
    for note in _by_source(notes, "問い合わせ"):
        assert _POLITE.search(note.statement), note.statement
        assert "とのこと" not in note.statement
    survey = _by_source(notes, "アンケート")
    assert sum(bool(_POLITE.search(n.statement)) for n in survey) / len(survey) >= 0.7
    for source in ("商談記録", "CS記録"):
        for note in _by_source(notes, source):
            assert not _POLITE.search(note.statement), note.statement


def test_polite_forms_of_plain_endings() -> None:
    cases = {
        "月末の集計に丸2日かかっている": "月末の集計に丸2日かかっています",
        "人が足りない": "人が足りません",
        "新規開拓が進まない": "新規開拓が進みません",
        "仕組みがない": "仕組みがありません",
        "母集団が少ない": "母集団が少ないです",
        "ベテランが定年を迎える": "ベテランが定年を迎えます",
        "品質がばらつく": "品質がばらつきます",
        "承認まで2週間かかる": "承認まで2週間かかります",
        "費用面で見送った": "費用面で見送りました",
        "採択されなかった": "採択されませんでした",
        "見積もりが倍だった": "見積もりが倍でした",
        "来期の検討になりそう": "来期の検討になりそうです",
        "年商は30億円規模": "年商は30億円規模です",
        "応募がほとんど来ない": "応募がほとんど来ません",
        "情報を集めたい": "情報を集めたいです",
    }
    for plain, polite in cases.items():
        assert polite_form(plain) == polite
    with pytest.raises(ValueError):
        polite_form("データが欲しかった")


def test_every_clause_template_has_a_polite_form() -> None:
    clauses = [
        c
        for cat in vocab.CATEGORY_VOCAB.values()
        for c in cat.situations + cat.causes + cat.consequences + cat.workarounds
    ]
    clauses += [c for ind in vocab.INDUSTRY_VOCAB.values() for cs in ind.clauses.values() for c in cs]
    clauses += list(vocab.DETAIL_CONTEXT + vocab.DETAIL_TRIED + vocab.DETAIL_TIMELINE + vocab.DETAIL_DECISION)
    for clause in clauses:
        assert not clause.endswith("}"), clause  # the ending must be literal to be conjugated
        assert polite_form(clause).endswith(("ます", "ません", "ました", "でした", "です")), clause


def test_every_template_fills_for_every_industry() -> None:
    rng = np.random.default_rng(0)
    for name, cat in vocab.CATEGORY_VOCAB.items():
        templates = (
            cat.issues + cat.situations + cat.causes + cat.consequences + cat.wishes + cat.solutions
            + cat.features + cat.feature_nouns + cat.workarounds + cat.questions
        )  # fmt: skip
        for letter in [*INDUSTRIES, "?"]:
            ind = vocab.INDUSTRY_VOCAB.get(letter, vocab.GENERIC_INDUSTRY)
            note = text._Note(text._Dice(rng), cat, ind, "営業部", "half")
            specials = tuple(c for cs in ind.clauses.values() for c in cs)
            for template in templates + specials:
                filled = note.fill(template)
                assert "{" not in filled and "}" not in filled, (name, letter, template)


# --- Content -------------------------------------------------------------------------------------


def test_industry_vocabulary_shows_up() -> None:
    def share_and_words(letter: str, words: tuple[str, ...]) -> tuple[float, set[str]]:
        sample = _notes(11, 1000, [letter])
        texts = [n.statement + n.detail for *_, n in sample]
        hits = sum(any(w in t for w in words) for t in texts) / len(texts)
        return hits, {w for w in words if any(w in t for t in texts)}

    manufacturing = ("工場", "生産ライン", "熟練工", "図面", "品質記録", "設備保全")
    share, seen = share_and_words("E", manufacturing)
    assert share >= 0.3 and seen == set(manufacturing)
    transport = ("配車", "ドライバー", "2024年問題")
    share, seen = share_and_words("H", transport)
    assert share >= 0.15 and seen == set(transport)
    share, _ = share_and_words("S", manufacturing + transport)
    assert share < 0.02  # other letters use generic office words


def test_tags_come_from_the_text(notes: list[tuple[str, str, str, ChallengeText]]) -> None:
    for *_, note in notes:
        assert 1 <= len(note.tags) <= 4, note
        assert len(set(note.tags)) == len(note.tags)
        for tag in note.tags:
            assert tag and tag in note.statement + note.detail, (tag, note)


def test_every_string_is_clean(notes: list[tuple[str, str, str, ChallengeText]]) -> None:
    for *_, note in notes:
        for part in (note.statement, note.detail):
            assert part and part == part.strip()
            assert not any(bad in part for bad in BAD_SEQUENCES), part
        detail_sentences = [s for s in re.split("(?<=[。？?])", note.detail) if s]
        assert 1 <= len(detail_sentences) <= 4, note.detail


def test_numbers_use_mixed_digit_styles(notes: list[tuple[str, str, str, ChallengeText]]) -> None:
    joined = "".join(n.statement + n.detail for *_, n in notes)
    assert re.search("[0-9]", joined) and re.search("[０-９]", joined)
    assert any(w in joined for w in ("Excel", "kintone", "SaaS", "ERP", "RPA", "VPN", "IT導入補助金"))


def test_bad_arguments_are_refused() -> None:
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError):
        challenge_note(rng, category="未知", source_type="商談記録", industry="E", department="営業部")
    with pytest.raises(ValueError):
        challenge_note(rng, category="事業承継", source_type="電話", industry="E", department="営業部")
    with pytest.raises(ValueError):
        campaign_name(rng, channel="展示会", orientation="both", period_label="2025春", theme_category="事業承継")
    with pytest.raises(ValueError):
        unique_company_names(rng, 3, [])


# --- Companies -----------------------------------------------------------------------------------

_DOMAIN = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*\.(co\.jp|jp|com|net|biz)")


def test_unique_company_names_are_distinct_and_well_formed() -> None:
    companies = unique_company_names(np.random.default_rng(5), 20_000, INDUSTRIES)
    assert len(companies) == 20_000
    assert len({c.base for c in companies}) == 20_000
    assert len({c.domain for c in companies}) == 20_000
    for c in companies:
        assert c.base in c.name and c.name != c.base
        assert c.name.startswith(LEGAL_FORMS) or c.name.endswith(LEGAL_FORMS)
        assert _DOMAIN.fullmatch(c.domain), c.domain
    front = sum(c.name.startswith("株式会社") for c in companies) / len(companies)
    back = sum(c.name.endswith("株式会社") for c in companies) / len(companies)
    other = 1 - front - back
    assert 0.40 <= front <= 0.50 and 0.40 <= back <= 0.50 and 0.05 <= other <= 0.15


def test_company_names_follow_the_industry() -> None:
    rng = np.random.default_rng(9)
    construction = [company_name(rng, industry="D").base for _ in range(400)]
    assert sum(b.endswith(("建設", "工務店", "組", "建工", "土木", "設備", "住建", "電設", "ハウス", "ホーム"))
               for b in construction) > 200  # fmt: skip
    logistics = [company_name(rng, industry="H").domain for _ in range(400)]
    assert sum(any(r in d for r in ("logi", "unyu", "unso", "express", "soko", "transport")) for d in logistics) > 200


def test_at_least_5000_plain_company_names_are_possible() -> None:
    rng = np.random.default_rng(4)
    bases = {company_name(rng, industry=INDUSTRIES[i % 20]).base for i in range(40_000)}
    assert len(bases) >= 5000


# --- People --------------------------------------------------------------------------------------

_KATAKANA = re.compile("[ァ-ヶー]+")


def test_person_names_are_complete_and_follow_real_frequencies() -> None:
    assert len(vocab.SURNAMES) + len(vocab.VARIANT_SURNAMES) >= 150
    assert len(vocab.MALE_GIVEN_NAMES) + len(vocab.FEMALE_GIVEN_NAMES) >= 150
    people = person_names(np.random.default_rng(12), 100_000)
    assert len(people) == 100_000
    for p in people[:2000]:
        assert _KATAKANA.fullmatch(p.last_kana) and _KATAKANA.fullmatch(p.first_kana)
        assert re.fullmatch("[a-z]+", p.last_romaji) and re.fullmatch("[a-z]+", p.first_romaji)
    top = [name for name, _ in Counter(p.last for p in people).most_common(2)]
    assert set(top) == {"佐藤", "鈴木"}
    variants = {row[0] for row in vocab.VARIANT_SURNAMES}
    share = sum(p.last in variants for p in people) / len(people)
    assert 0.01 <= share <= 0.035


def test_variant_kanji_exercise_the_shift_jis_paths() -> None:
    people = person_names(np.random.default_rng(13), 50_000)
    surnames = {p.last for p in people}

    def encodes(s: str, codec: str) -> bool:
        try:
            s.encode(codec)
        except UnicodeEncodeError:
            return False
        return True

    assert any(not encodes(s, "cp932") for s in surnames)  # 𠮷田
    assert any(encodes(s, "cp932") and not encodes(s, "shift_jis") for s in surnames)  # 髙橋, 山﨑
    assert person_name(np.random.default_rng(1)) == person_names(np.random.default_rng(1), 1)[0]


def test_departments_and_titles() -> None:
    assert {"sales", "it", "manufacturing", "admin", "executive", "logistics", "marketing"} <= set(DEPARTMENTS)
    assert {"情報システム部", "品質保証部", "経営企画部", "物流部", "店舗運営部"} <= set(ALL_DEPARTMENTS)
    assert set(TITLES_BY_LEVEL) == {"staff", "manager", "director", "executive"}
    assert "代表取締役" in TITLES_BY_LEVEL["executive"] and "課長" in TITLES_BY_LEVEL["manager"]


# --- Campaigns -----------------------------------------------------------------------------------


def test_campaign_names_by_channel_and_orientation() -> None:
    rng = np.random.default_rng(21)
    targets = (*vocab.TARGET_INDUSTRIES, *vocab.TARGET_SIZES)
    names: set[str] = set()
    for channel in vocab.CAMPAIGN_CHANNELS:
        for orientation in ("quantity", "quality"):
            for category in CHALLENGE_CATEGORIES:
                name = campaign_name(
                    rng, channel=channel, orientation=orientation, period_label="2025春", theme_category=category
                )
                names.add(name)
                assert name and not any(bad in name for bad in BAD_SEQUENCES), name
                if channel == "個別セミナー":
                    assert "様" in name
                elif orientation == "quality" and channel != "ホワイトペーパー":
                    assert any(t in name for t in targets), name
    assert len(names) >= 150
    show = campaign_name(rng, channel="展示会", orientation="quantity", period_label="2025春",
                         theme_category="DX・デジタル化")  # fmt: skip
    assert show.startswith("展示会") and "2025" in show


# --- Speed (measured and printed, not asserted) ---------------------------------------------------


@pytest.mark.slow
def test_generation_speed(capsys: pytest.CaptureFixture[str]) -> None:
    rng = np.random.default_rng(99)
    timings: dict[str, tuple[float, float]] = {}

    def timed(label: str, work: Callable[[], object]) -> None:
        wall, cpu = time.perf_counter(), time.process_time()
        work()
        timings[label] = (time.perf_counter() - wall, time.process_time() - cpu)

    def notes() -> None:
        for i in range(10_000):
            challenge_note(rng, category=CHALLENGE_CATEGORIES[i % 10], source_type=SOURCE_TYPES[i % 7],
                           industry=INDUSTRIES[i % 20], department="営業部")  # fmt: skip

    timed("unique_company_names(200,000)", lambda: unique_company_names(rng, 200_000, list("DEGHIJKLP")))
    timed("person_names(1,000,000)", lambda: person_names(rng, 1_000_000))
    timed("challenge_note × 10,000", notes)
    with capsys.disabled():
        print()
        for label, (wall, cpu) in timings.items():
            print(f"{label}: {wall:.2f} s wall, {cpu:.2f} s CPU")
