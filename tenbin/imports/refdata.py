"""Reference data for normalising imported cells: prefectures, JSIC industries, size bands, listings.

Plain constants only (no logic), so the tables can be read, reviewed and edited in one place.
Sources: JIS X 0401 prefecture codes; 日本標準産業分類 (JSIC, Rev. 14) 大分類; the size bands of
docs/DOMAIN.md section 8 (editable per workspace, these are the defaults).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Band:
    """One size band; ``lower`` is inclusive and the band ends where the next one begins."""

    code: str
    lower: int
    label_ja: str
    label_en: str


# (JIS X 0401 code, 日本語名, English name), in JIS order.
PREFECTURES: tuple[tuple[str, str, str], ...] = (
    ("01", "北海道", "Hokkaido"),
    ("02", "青森県", "Aomori"),
    ("03", "岩手県", "Iwate"),
    ("04", "宮城県", "Miyagi"),
    ("05", "秋田県", "Akita"),
    ("06", "山形県", "Yamagata"),
    ("07", "福島県", "Fukushima"),
    ("08", "茨城県", "Ibaraki"),
    ("09", "栃木県", "Tochigi"),
    ("10", "群馬県", "Gunma"),
    ("11", "埼玉県", "Saitama"),
    ("12", "千葉県", "Chiba"),
    ("13", "東京都", "Tokyo"),
    ("14", "神奈川県", "Kanagawa"),
    ("15", "新潟県", "Niigata"),
    ("16", "富山県", "Toyama"),
    ("17", "石川県", "Ishikawa"),
    ("18", "福井県", "Fukui"),
    ("19", "山梨県", "Yamanashi"),
    ("20", "長野県", "Nagano"),
    ("21", "岐阜県", "Gifu"),
    ("22", "静岡県", "Shizuoka"),
    ("23", "愛知県", "Aichi"),
    ("24", "三重県", "Mie"),
    ("25", "滋賀県", "Shiga"),
    ("26", "京都府", "Kyoto"),
    ("27", "大阪府", "Osaka"),
    ("28", "兵庫県", "Hyogo"),
    ("29", "奈良県", "Nara"),
    ("30", "和歌山県", "Wakayama"),
    ("31", "鳥取県", "Tottori"),
    ("32", "島根県", "Shimane"),
    ("33", "岡山県", "Okayama"),
    ("34", "広島県", "Hiroshima"),
    ("35", "山口県", "Yamaguchi"),
    ("36", "徳島県", "Tokushima"),
    ("37", "香川県", "Kagawa"),
    ("38", "愛媛県", "Ehime"),
    ("39", "高知県", "Kochi"),
    ("40", "福岡県", "Fukuoka"),
    ("41", "佐賀県", "Saga"),
    ("42", "長崎県", "Nagasaki"),
    ("43", "熊本県", "Kumamoto"),
    ("44", "大分県", "Oita"),
    ("45", "宮崎県", "Miyazaki"),
    ("46", "鹿児島県", "Kagoshima"),
    ("47", "沖縄県", "Okinawa"),
)

# Other romanisations seen in the wild (long vowels spelt out, Hepburn variants) → JIS code.
PREFECTURE_ROMAJI_VARIANTS: dict[str, str] = {
    "hokkaidou": "01",
    "gumma": "10",
    "toukyou": "13",
    "tokio": "13",
    "kyouto": "26",
    "oosaka": "27",
    "ohsaka": "27",
    "hyougo": "28",
    "kouchi": "39",
    "ooita": "44",
    "ohita": "44",
}

# JSIC 大分類: letter → (official Japanese name, English name).  The Japanese names keep the
# full-width comma of the official list.
JSIC: dict[str, tuple[str, str]] = {
    "A": ("農業，林業", "Agriculture and forestry"),
    "B": ("漁業", "Fisheries"),
    "C": ("鉱業，採石業，砂利採取業", "Mining and quarrying of stone and gravel"),
    "D": ("建設業", "Construction"),
    "E": ("製造業", "Manufacturing"),
    "F": ("電気・ガス・熱供給・水道業", "Electricity, gas, heat supply and water"),
    "G": ("情報通信業", "Information and communications"),
    "H": ("運輸業，郵便業", "Transport and postal activities"),
    "I": ("卸売業，小売業", "Wholesale and retail trade"),
    "J": ("金融業，保険業", "Finance and insurance"),
    "K": ("不動産業，物品賃貸業", "Real estate and goods rental and leasing"),
    "L": ("学術研究，専門・技術サービス業", "Scientific research, professional and technical services"),
    "M": ("宿泊業，飲食サービス業", "Accommodations, eating and drinking services"),
    "N": ("生活関連サービス業，娯楽業", "Living-related and personal services and amusement services"),
    "O": ("教育，学習支援業", "Education, learning support"),
    "P": ("医療，福祉", "Medical, health care and welfare"),
    "Q": ("複合サービス事業", "Compound services"),
    "R": ("サービス業（他に分類されないもの）", "Services, n.e.c."),
    "S": ("公務（他に分類されるものを除く）", "Government, except elsewhere classified"),
    "T": ("分類不能の産業", "Industries unable to classify"),
}

# Common free-text 業種 and CRM (Salesforce/HubSpot) industry picklist values → JSIC letter.
# Deliberately modest: ambiguous words (アパレル, 食品, NPO, Other) are left unmapped.
# fmt: off
JSIC_SYNONYMS: dict[str, str] = {
    # A, B, C
    "農業": "A", "林業": "A", "agriculture": "A", "forestry": "A",
    "漁業": "B", "水産": "B", "fishing": "B", "fishery": "B", "fisheries": "B",
    "鉱業": "C", "mining": "C",
    # D
    "建設": "D", "工務店": "D", "建築": "D", "土木": "D", "ゼネコン": "D", "construction": "D",
    # E
    "製造": "E", "メーカー": "E", "機械": "E", "電機": "E", "食品製造": "E", "化学": "E",
    "自動車": "E", "部品": "E", "manufacturing": "E", "machinery": "E", "electronics": "E",
    "chemicals": "E", "automotive": "E",
    # F
    "電力": "F", "ガス": "F", "エネルギー": "F", "水道": "F", "energy": "F", "utilities": "F",
    "energyutilities": "F",
    # G
    "it": "G", "ソフトウェア": "G", "saas": "G", "情報サービス": "G", "通信": "G", "インターネット": "G",
    "情報通信": "G", "システム開発": "G", "受託開発": "G", "web": "G", "メディア": "G", "出版": "G",
    "放送": "G", "technology": "G", "software": "G", "telecommunications": "G", "communications": "G",
    "media": "G", "internet": "G", "informationtechnology": "G",
    # H
    "運輸": "H", "物流": "H", "倉庫": "H", "運送": "H", "配送": "H", "transportation": "H",
    "logistics": "H", "shipping": "H",
    # I
    "小売": "I", "卸": "I", "卸売": "I", "商社": "I", "ec": "I", "通販": "I", "retail": "I",
    "wholesale": "I",
    # J
    "金融": "J", "銀行": "J", "保険": "J", "証券": "J", "finance": "J", "banking": "J",
    "insurance": "J", "financialservices": "J",
    # K
    "不動産": "K", "リース": "K", "realestate": "K",
    # L (専門・技術サービス: consulting, 士業, advertising, research)
    "コンサル": "L", "コンサルティング": "L", "士業": "L", "法律事務所": "L", "会計事務所": "L",
    "税理士事務所": "L", "広告": "L", "広告代理店": "L", "研究": "L", "デザイン": "L",
    "consulting": "L", "legal": "L", "accounting": "L", "advertising": "L", "research": "L",
    "engineering": "L",
    # M
    "飲食": "M", "ホテル": "M", "宿泊": "M", "旅館": "M", "レストラン": "M", "hospitality": "M",
    "restaurant": "M", "restaurants": "M", "hotel": "M",
    # N
    "美容": "N", "旅行": "N", "娯楽": "N", "entertainment": "N", "recreation": "N",
    # O
    "教育": "O", "学校": "O", "塾": "O", "学習塾": "O", "education": "O",
    # P
    "医療": "P", "介護": "P", "病院": "P", "福祉": "P", "クリニック": "P", "healthcare": "P",
    "medical": "P",
    # R
    "人材": "R", "派遣": "R", "人材派遣": "R", "ビルメンテナンス": "R", "警備": "R",
    "staffing": "R",
    # S
    "官公庁": "S", "自治体": "S", "行政": "S", "government": "S", "publicsector": "S",
}

DEFAULT_EMPLOYEE_BANDS: tuple[Band, ...] = (
    Band("1-9", 1, "1〜9人", "1–9 employees"),
    Band("10-49", 10, "10〜49人", "10–49 employees"),
    Band("50-99", 50, "50〜99人", "50–99 employees"),
    Band("100-299", 100, "100〜299人", "100–299 employees"),
    Band("300-499", 300, "300〜499人", "300–499 employees"),
    Band("500-999", 500, "500〜999人", "500–999 employees"),
    Band("1000-4999", 1_000, "1,000〜4,999人", "1,000–4,999 employees"),
    Band("5000+", 5_000, "5,000人以上", "5,000+ employees"),
)

DEFAULT_REVENUE_BANDS: tuple[Band, ...] = (
    Band("<100M", 0, "1億円未満", "under ¥100M"),
    Band("100M-1B", 100_000_000, "1億〜10億円", "¥100M–1B"),
    Band("1B-5B", 1_000_000_000, "10億〜50億円", "¥1B–5B"),
    Band("5B-10B", 5_000_000_000, "50億〜100億円", "¥5B–10B"),
    Band("10B-50B", 10_000_000_000, "100億〜500億円", "¥10B–50B"),
    Band("50B-100B", 50_000_000_000, "500億〜1,000億円", "¥50B–100B"),
    Band("100B+", 100_000_000_000, "1,000億円以上", "¥100B and over"),
)

# Listing (上場区分): canonical code → (ja, en).
LISTINGS: dict[str, tuple[str, str]] = {
    "unlisted": ("非上場", "Unlisted"),
    "tse_prime": ("東証プライム", "TSE Prime"),
    "tse_standard": ("東証スタンダード", "TSE Standard"),
    "tse_growth": ("東証グロース", "TSE Growth"),
    "nse": ("名証", "Nagoya Stock Exchange"),
    "fse": ("福証", "Fukuoka Stock Exchange"),
    "sse": ("札証", "Sapporo Securities Exchange"),
    "foreign": ("海外市場", "Listed abroad"),
}

# Other spellings, including the pre-2022 TSE segments, mapped to their successors.
# fmt: off
LISTING_SYNONYMS: dict[str, str] = {
    "上場なし": "unlisted", "未上場": "unlisted", "非上場企業": "unlisted", "private": "unlisted",
    "privatelyheld": "unlisted", "not listed": "unlisted",
    "プライム": "tse_prime", "プライム市場": "tse_prime", "東証プライム市場": "tse_prime",
    "東証一部": "tse_prime", "東証1部": "tse_prime", "東京証券取引所プライム市場": "tse_prime",
    "prime": "tse_prime", "tseprime": "tse_prime",
    "スタンダード": "tse_standard", "スタンダード市場": "tse_standard",
    "東証スタンダード市場": "tse_standard",
    "東証二部": "tse_standard", "東証2部": "tse_standard", "jasdaqスタンダード": "tse_standard",
    "jasdaq": "tse_standard", "standard": "tse_standard", "tsestandard": "tse_standard",
    "グロース": "tse_growth", "グロース市場": "tse_growth", "東証グロース市場": "tse_growth",
    "マザーズ": "tse_growth", "東証マザーズ": "tse_growth", "jasdaqグロース": "tse_growth",
    "growth": "tse_growth", "mothers": "tse_growth", "tsegrowth": "tse_growth",
    "名古屋証券取引所": "nse", "名証プレミア": "nse", "名証メイン": "nse", "名証ネクスト": "nse",
    "名証一部": "nse", "名証二部": "nse", "セントレックス": "nse", "nagoya": "nse",
    "福岡証券取引所": "fse", "qボード": "fse", "q-board": "fse", "fukuoka": "fse",
    "札幌証券取引所": "sse", "アンビシャス": "sse", "sapporo": "sse",
    "海外": "foreign", "海外上場": "foreign", "nyse": "foreign", "nasdaq": "foreign",
    "overseas": "foreign", "listedabroad": "foreign",
}

# Contact level (役職レベル): code → (ja, en), lowest first.
LEVELS: dict[str, tuple[str, str]] = {
    "staff": ("担当", "Staff"),
    "manager": ("課長", "Manager"),
    "director": ("部長", "Director"),
    "executive": ("役員", "Executive"),
}

# Free-mail and mobile-carrier domains: an address there says nothing about the company.
# Subdomains count too (xxx.ocn.ne.jp is a personal OCN address).
# fmt: off
FREE_MAIL_DOMAINS: frozenset[str] = frozenset(
    {
        "gmail.com", "googlemail.com", "yahoo.co.jp", "yahoo.ne.jp", "ymail.ne.jp", "yahoo.com",
        "ymail.com", "icloud.com", "me.com", "mac.com", "outlook.com", "outlook.jp", "hotmail.com",
        "hotmail.co.jp", "live.jp", "live.com", "msn.com", "docomo.ne.jp", "ezweb.ne.jp", "au.com",
        "auone.jp", "softbank.ne.jp", "i.softbank.jp", "vodafone.ne.jp", "disney.ne.jp",
        "ymobile.ne.jp", "y-mobile.ne.jp", "emobile.ne.jp", "willcom.com", "pdx.ne.jp",
        "rakuten.jp", "uqmobile.jp", "nifty.com", "biglobe.ne.jp", "ocn.ne.jp", "so-net.ne.jp",
        "plala.or.jp", "dion.ne.jp", "excite.co.jp", "aol.com", "aol.jp", "protonmail.com",
        "proton.me", "pm.me", "mail.com", "gmx.com", "yandex.com",
    }
)
