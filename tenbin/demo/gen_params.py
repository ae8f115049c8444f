"""Fixed parameters of the demo workspace: the window, base sizes, market weights and channels.

Data only. Everything is fixed (never "today") so the same seed and scale give the same workspace.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

VENDOR_NAME = "株式会社ゲンバノート(デモ)"
VENDOR_DOMAIN = "genbanote.example"
PRODUCT = "ゲンバノート"  # SaaS for 現場のナレッジ共有・業務可視化

# The 24-month window: 2024-10-01 00:00 … 2026-09-30 23:59 (workspace-local time).
WINDOW_START = dt.datetime(2024, 10, 1)
WINDOW_END = dt.datetime(2026, 9, 30, 23, 59)
WINDOW_DAYS = (WINDOW_END.date() - WINDOW_START.date()).days + 1  # 730
WINDOW_MINUTES = WINDOW_DAYS * 24 * 60

# The installed base was won from here to the window's start (see truth.History); the deals and
# people of those years came from the previous SFA, marked with this lead source.
HISTORY_START = dt.datetime(2019, 10, 1)
HISTORY_DAYS = (WINDOW_START.date() - HISTORY_START.date()).days  # 1,827
MIGRATED_SOURCE = "旧SFAから移行"

# Sizes at scale 1 (BASE_ACCOUNTS: prospects; the installed base of truth.HISTORY comes on top).
BASE_ACCOUNTS = 1_600
BASE_LEADS = 8_400
BASE_CHALLENGES = 1_800
LEAD_CHUNK = 50_000
QUALITY_LEAD_SHARE = 0.2  # share of leads first reached by quality campaigns
UNLINKED_SHARE = 0.01  # quantity leads with a free-mail address and no known company

# JSIC letter → weight in the market list (the vendor sells to 現場-heavy industries).
INDUSTRY_WEIGHTS: dict[str, float] = {
    "E": 0.25, "I": 0.12, "G": 0.10, "H": 0.10, "D": 0.09, "L": 0.06, "P": 0.05, "R": 0.05,
    "K": 0.03, "J": 0.02, "M": 0.02, "N": 0.02, "O": 0.02, "F": 0.01, "A": 0.01, "T": 0.01,
    "B": 0.005, "C": 0.005, "Q": 0.005, "S": 0.005,
}  # fmt: skip

# (median employees, sigma of log employees): 製造業 and 運輸業 skew to the mid-size the product fits.
EMPLOYEE_SHAPE: dict[str, tuple[float, float]] = {"E": (230.0, 1.1), "H": (120.0, 0.9)}
DEFAULT_EMPLOYEE_SHAPE = (55.0, 1.35)

# Revenue per employee (yen, median) by industry; 卸売 turns over far more per head than 医療.
REVENUE_PER_EMPLOYEE: dict[str, float] = {
    "E": 32e6, "I": 80e6, "G": 22e6, "H": 20e6, "D": 35e6, "J": 45e6, "K": 60e6, "F": 90e6,
    "P": 9e6, "M": 8e6, "N": 12e6, "O": 9e6, "R": 12e6,
}  # fmt: skip
DEFAULT_REVENUE_PER_EMPLOYEE = 18e6

# Establishments per prefecture (thousands, 経済センサス order of magnitude), JIS order 01–47;
# 東京 and 大阪 are weighted up again because B2B lists are head-office based.
PREFECTURE_WEIGHTS: tuple[float, ...] = (
    226, 56, 56, 97, 47, 54, 88, 118, 86, 89, 232, 187, 628 * 2.5, 297, 107, 51, 58, 40, 40, 104,
    93, 171, 312, 77, 52, 112, 397 * 1.3, 207, 43, 45, 25, 33, 78, 125, 59, 36, 46, 62, 33, 203,
    35, 59, 71, 51, 50, 75, 64,
)  # fmt: skip

# Area codes for 代表電話 by prefecture JIS code; others get a generic 0XX code.
AREA_CODES: dict[str, str] = {"13": "03", "27": "06", "23": "052", "14": "045", "01": "011", "40": "092",
                              "26": "075", "28": "078", "04": "022", "34": "082"}  # fmt: skip

CORE_SYSTEMS: tuple[str, ...] = (
    "SAP S/4HANA", "OBIC7", "奉行シリーズ", "GRANDIT", "自社開発システム", "Excel管理", "SMILE V",
    "mcframe", "TPiCS", "弥生販売", "kintone", "楽楽販売",
)  # fmt: skip


@dataclass(frozen=True)
class Channel:
    """One campaign channel: how it reaches leads, what it costs, and where leads enter the ladder."""

    name: str
    orientation: str  # quantity | quality
    cpl: float  # cost per lead (yen) the campaign is budgeted at
    icp_share: float  # probability that a lead it brings belongs to the planted ICP segment
    future_share: float  # … to the planted future-ICP segment
    entry_rung: int  # the offer rank of the first response it produces
    responses: float  # mean number of follow-up responses of its leads


CHANNELS: dict[str, Channel] = {c.name: c for c in (
    Channel("展示会", "quantity", 8_000, 0.24, 0.06, 1, 0.7),
    Channel("ウェビナー", "quantity", 4_000, 0.20, 0.05, 2, 0.9),
    Channel("SEO/コンテンツ", "quantity", 6_000, 0.15, 0.05, 1, 0.8),
    Channel("広告", "quantity", 9_000, 0.17, 0.05, 1, 0.6),
    Channel("比較サイト", "quantity", 12_000, 0.15, 0.05, 1, 0.9),
    Channel("個別セミナー", "quality", 45_000, 0.66, 0.02, 3, 1.6),
    Channel("ホワイトペーパー", "quality", 18_000, 0.48, 0.02, 1, 1.2),
    Channel("紹介", "quality", 30_000, 0.42, 0.02, 4, 1.2),
    Channel("アウトバウンド", "quality", 35_000, 0.60, 0.02, 3, 1.3),
    Channel("自社セミナー", "quality", 25_000, 0.52, 0.02, 2, 1.4),
)}  # fmt: skip

# (channel, share of its orientation's leads per campaign, kind of period).  Periods: "fair"
# (3-day trade show on the given dates), "quarter", "half" (年度上期/下期), "year" (12 months),
# "seminar" (6-week registration ending on the seminar day).
TRADE_SHOWS: tuple[dt.date, ...] = (
    dt.date(2024, 10, 23), dt.date(2025, 1, 22), dt.date(2025, 4, 23), dt.date(2025, 6, 25),
    dt.date(2025, 10, 22), dt.date(2026, 1, 21), dt.date(2026, 4, 22), dt.date(2026, 6, 24),
)  # fmt: skip
SEMINAR_DAYS: tuple[dt.date, ...] = (
    dt.date(2025, 2, 13), dt.date(2025, 7, 10), dt.date(2026, 2, 12), dt.date(2026, 7, 9),
)  # fmt: skip
CAMPAIGN_PLAN: tuple[tuple[str, float, str], ...] = (
    ("展示会", 0.045, "fair"),
    ("ウェビナー", 0.025, "quarter"),
    ("SEO/コンテンツ", 0.10, "year"),
    ("広告", 0.03, "half"),
    ("比較サイト", 0.04, "year"),
    ("個別セミナー", 0.065, "half"),
    ("ホワイトペーパー", 0.05, "half"),
    ("紹介", 0.05, "year"),
    ("アウトバウンド", 0.06, "half"),
    ("自社セミナー", 0.05, "seminar"),
)

# Month factors for lead acquisition (3月 and 9月 are 決算/半期末, お盆 and 年末年始 are quiet).
MONTH_FACTORS: dict[int, float] = {1: 0.85, 2: 1.05, 3: 0.7, 4: 0.95, 5: 0.95, 6: 1.1, 7: 1.1, 8: 0.75,
                                   9: 0.72, 10: 1.15, 11: 1.1, 12: 0.85}  # fmt: skip
WEEKEND_FACTOR = 0.12

LEVELS: tuple[str, ...] = ("staff", "manager", "director", "executive")
LEVEL_WEIGHTS: tuple[float, ...] = (0.46, 0.30, 0.16, 0.08)
FREE_MAIL: tuple[str, ...] = ("gmail.com", "yahoo.co.jp", "outlook.jp", "icloud.com")
FREE_MAIL_SHARE = 0.07

LOST_REASONS: tuple[str, ...] = ("価格", "他社決定", "時期尚早", "予算不足", "社内合意が取れず")
OPEN_STAGES: tuple[str, ...] = ("ヒアリング", "提案", "見積提示", "最終交渉")
PRICE_PER_USER = 1_200  # yen per user per month
BASE_FEE = 250_000  # yen per month: the site licence (one deployment, see truth.DEPLOYMENT_CAP)
